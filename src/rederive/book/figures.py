"""One figure style for the whole book, and where figures are kept for citing.

`save_figure` writes each figure as a PNG for readers who cite it on its own: into the render's
staging folder when a render is running (REDERIVE_FIGURES, published with the book, so a failed
render leaves the last good figures in place), else into figures/.
"""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib as mpl

from ..core.paths import project_root

ENV = "REDERIVE_FIGURES"
COLOURS = ["#4477AA", "#CC6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]  # Paul Tol, colour-blind safe
EMPHASIS = "#882255"  # an overall estimate
GUIDE = "#999999"  # reference lines (no effect, 50%, funnel limits)
FAINT = "#CCCCCC"  # background points
INK = "#333333"  # study intervals
# One colour per source, in every figure that draws a source's numbers; two endpoints of one
# source are told apart by marker and line style (ENDPOINT_STYLE), never by another colour.
SOURCE_COLOURS = {"descart2022": COLOURS[0], "erbella2025": COLOURS[5], "shumilov2025": COLOURS[1],
                  "shen2025": COLOURS[2], "tongren2025": COLOURS[4]}
ENDPOINT_STYLE = {"PFS-2": ("o", "-"), "OS-2": ("^", "--"), "PFS": ("o", "-"), "OS": ("^", "--")}  # marker, line
STYLE = {
    # shown at twice the pixels of its size on a 96-dpi screen, so that it is sharp on high-density ones
    "figure.dpi": 192, "savefig.dpi": 200, "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
    "legend.fontsize": 8, "legend.frameon": False, "axes.spines.top": False, "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLOURS),
    # Reproducible bytes: no creation date or software version in saved files.
    "svg.hashsalt": "rederive", "pdf.compression": 6,
}


def apply_style() -> None:
    mpl.rcParams.update(STYLE)


def save_figure(fig, name: str) -> None:
    out = os.environ.get(ENV)
    folder = Path(out) if out else project_root() / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / f"{name}.png", dpi=200, bbox_inches="tight", metadata={"Software": None})
