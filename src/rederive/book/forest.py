"""Forest and funnel plots for meta-analyses of proportions (matplotlib), readable in print."""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon

from ..core import formatting
from ..stats import meta
from .figures import COLOURS, EMPHASIS, GUIDE, INK


@dataclass(frozen=True)
class Group:
    name: str
    labels: list[str]
    events: list[int]
    n: list[int]


def _diamond(ax, y, pooled: meta.Pooled, colour):
    ax.add_patch(Polygon([(pooled.low, y), (pooled.estimate, y + 0.3), (pooled.high, y), (pooled.estimate, y - 0.3)],
                         closed=True, color=colour))


def forest(groups: list[Group], xlabel: str, overall_label: str = "Overall", colour: str = COLOURS[0]):
    """One row per study (Wilson 95% CI, square sized by within-subgroup weight), a DL diamond
    per subgroup with its I², and an overall diamond: the layout of Stata's metaprop."""
    rows = sum(len(g.labels) + 2 for g in groups) + 2
    fig, ax = plt.subplots(figsize=(8.5, 0.28 * rows + 1.0))
    y = 0
    text_x = 1.04
    ax.text(-0.02, -1, "Study", ha="right", va="center", fontweight="bold", fontsize=8, transform=ax.get_yaxis_transform())
    ax.text(text_x, -1, "Events/n   Proportion (95% CI)   Weight", ha="left", va="center", fontweight="bold",
            fontsize=8, transform=ax.get_yaxis_transform())
    for g in groups:
        ax.text(-0.02, y, g.name, ha="right", va="center", fontweight="bold", fontsize=8, transform=ax.get_yaxis_transform())
        y += 1
        pooled = meta.metaprop(g.events, g.n)
        low, high = meta.study_ci(g.events, g.n)
        for label, x, n, lo, hi, w in zip(g.labels, g.events, g.n, low, high, pooled.weights):
            p = x / n
            ax.plot([lo, hi], [y, y], color=INK, lw=1)
            ax.plot(p, y, "s", color=colour, markersize=3 + w / 6)
            ax.text(-0.02, y, label, ha="right", va="center", fontsize=8, transform=ax.get_yaxis_transform())
            ax.text(text_x, y, f"{x}/{n}     {p:.3f} ({lo:.3f}-{hi:.3f})     {w:.1f}%", ha="left", va="center",
                    fontsize=8, transform=ax.get_yaxis_transform())
            y += 1
        _diamond(ax, y, pooled, COLOURS[1])
        het = f"I² = {pooled.i2:.1f}%, {formatting.p(pooled.p_heterogeneity)}" if pooled.k > 1 else "single study"
        ax.text(-0.02, y, f"Subtotal ({het})", ha="right", va="center", fontsize=8, style="italic",
                transform=ax.get_yaxis_transform())
        ax.text(text_x, y, f"{pooled.estimate:.3f} ({pooled.low:.3f}-{pooled.high:.3f})", ha="left", va="center",
                fontsize=8, transform=ax.get_yaxis_transform())
        y += 2
    all_events = [x for g in groups for x in g.events]
    all_n = [n for g in groups for n in g.n]
    overall = meta.metaprop(all_events, all_n)
    _diamond(ax, y, overall, EMPHASIS)
    ax.text(-0.02, y, f"{overall_label} (I² = {overall.i2:.1f}%)", ha="right", va="center", fontsize=8,
            fontweight="bold", transform=ax.get_yaxis_transform())
    ax.text(text_x, y, f"{overall.estimate:.3f} ({overall.low:.3f}-{overall.high:.3f})", ha="left", va="center",
            fontsize=8, fontweight="bold", transform=ax.get_yaxis_transform())
    ax.axvline(overall.estimate, color=EMPHASIS, lw=0.8, ls="--")
    ax.set_ylim(y + 1, -2)
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.spines["left"].set_visible(False)
    fig.subplots_adjust(left=0.33, right=0.62)
    return fig


def funnel(ax, events, n, title: str, colour: str = COLOURS[0]):
    """Study proportions against their standard error on the Freeman-Tukey scale, with the
    pooled estimate and its pseudo 95% limits (back-transformed at each study's n)."""
    t, v = meta.freeman_tukey(events, n)
    se = np.sqrt(v)
    pooled_t = float((t / v).sum() / (1 / v).sum())
    grid = np.linspace(1e-3, se.max() * 1.1, 50)
    nh = meta.harmonic_mean(n)
    ax.plot([meta.miller_inverse(pooled_t - meta.z95() * s, nh) for s in grid], grid, color=GUIDE, lw=0.8, ls="--")
    ax.plot([meta.miller_inverse(pooled_t + meta.z95() * s, nh) for s in grid], grid, color=GUIDE, lw=0.8, ls="--")
    ax.axvline(meta.miller_inverse(pooled_t, nh), color=EMPHASIS, lw=0.8)
    ax.plot(np.asarray(events) / np.asarray(n), se, "o", color=colour)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Proportion")
    ax.set_ylabel("Standard error (Freeman-Tukey scale)")
    ax.set_title(title, fontsize=10)
