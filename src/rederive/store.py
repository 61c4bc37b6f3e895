"""One ledger per render: `check --save` writes it once, every chapter of the render loads it.

The saved ledger carries a fingerprint of everything it was built from (data/, the engine's
source); a chapter loads it only when the fingerprint still matches, and builds afresh
otherwise, so a saved ledger can never show stale numbers.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

from .cache import data_fingerprint, engine_fingerprint
from .ledger import Ledger, build

ENV = "REDERIVE_LEDGER"  # where the renderer tells the chapters the saved ledger is
DEFAULT = ".rederive/ledger.pickle"  # where Quarto's pre-render saves it (see _quarto.yml)


def fingerprint(root: Path) -> str:
    return data_fingerprint(root) + engine_fingerprint()


def save(ledger: Ledger, root: Path, path: Path) -> None:
    path = path if path.is_absolute() else root / path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps((fingerprint(root), ledger), protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def load(root: Path) -> Ledger:
    """The ledger this render saved, if it is current; else one built now."""
    path = Path(os.environ.get(ENV) or root / DEFAULT)
    if path.exists():
        try:
            saved_fingerprint, ledger = pickle.loads(path.read_bytes())
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, ImportError):
            saved_fingerprint, ledger = None, None
        if saved_fingerprint == fingerprint(root):
            return ledger
    return build(root)
