"""`make report`: Quarto when it is on PATH, otherwise the fallback renderer.

- quarto.py: the renderer of record, `quarto render` into a staging folder;
- config.py: _quarto.yml as the fallback reads it (it refuses any key it does not implement);
- execute.py: the fallback's chapter execution (jupytext + nbclient), inline expressions and
  cell options;
- forkserver.py: the chapters' kernels, forked from a process that has imported what they import;
- incremental.py: the fallback's chapter cache: a chapter is re-executed only when its text,
  the engine or a value it reads changed;
- fallback.py: the fallback's numbering, cross-references, Markdown, pandoc and typst;
- publish.py: staging folders, and publishing the book, its ledger exports and its figures
  together, only when the whole render succeeded.
"""
from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path

from .errors import RenderError
from .publish import OUTPUT_DIR

BANNER = "Renderer: fallback (jupytext + nbclient + pandoc + typst), NOT Quarto"

__all__ = ["render_project", "RenderError", "BANNER", "OUTPUT_DIR"]


class Interrupted(BaseException):
    """SIGINT or SIGTERM during a render: unwinds it (the staging folder is discarded on the way)."""


def _interrupt(signum, frame):
    # One message, however many signals follow: ignore the rest while the render unwinds.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signal.Signals(signum).name)


def render_project(root: Path, force_fallback: bool = False, reuse: bool = True) -> int:
    quarto = shutil.which("quarto")
    from .publish import clean_stale
    for line in clean_stale(root):
        print(f"stale render output: {line}", flush=True)
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if quarto and not force_fallback:
            from .quarto import render
            render(root, quarto)
        else:
            print(BANNER, flush=True)
            from .fallback import render
            render(root, reuse)
    except RenderError as exc:
        print(f"render failed: {exc}", file=sys.stderr)
        print(f"the last good render in {OUTPUT_DIR}/ was left in place", file=sys.stderr)
        return 1
    except (Interrupted, KeyboardInterrupt) as exc:
        name = exc.args[0] if isinstance(exc, Interrupted) else "SIGINT"
        print(f"render interrupted ({name}): nothing was published; the last good render in {OUTPUT_DIR}/ "
              "was left in place", file=sys.stderr)
        return 128 + int(getattr(signal, name))
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    print(f"done: {OUTPUT_DIR}/", flush=True)
    return 0
