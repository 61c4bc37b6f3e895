"""`make report`: Quarto when it is on PATH, otherwise the fallback renderer.

- quarto.py: the renderer of record, `quarto render` into a staging folder;
- config.py: _quarto.yml as the fallback reads it (it refuses any key it does not implement);
- execute.py: the fallback's chapter execution (jupytext + nbclient), inline expressions and
  cell options;
- fallback.py: the fallback's numbering, cross-references, Markdown, pandoc and typst;
- publish.py: staging folders, and publishing the book, its ledger exports and its figures
  together, only when the whole render succeeded.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .errors import RenderError
from .publish import OUTPUT_DIR

BANNER = "Renderer: fallback (jupytext + nbclient + pandoc + typst), NOT Quarto"

__all__ = ["render_project", "RenderError", "BANNER", "OUTPUT_DIR"]


def render_project(root: Path, force_fallback: bool = False) -> int:
    quarto = shutil.which("quarto")
    try:
        if quarto and not force_fallback:
            from .quarto import render
            render(root, quarto)
        else:
            print(BANNER, flush=True)
            from .fallback import render
            render(root)
    except RenderError as exc:
        print(f"render failed: {exc}", file=sys.stderr)
        print(f"the last good render in {OUTPUT_DIR}/ was left in place", file=sys.stderr)
        return 1
    print(f"done: {OUTPUT_DIR}/", flush=True)
    return 0
