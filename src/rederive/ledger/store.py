"""One ledger per render: `check --save` writes it once, every chapter of the render loads it.

The saved ledger carries a fingerprint of everything it was built from (data/, the engine's
source); a chapter loads it only when the fingerprint still matches, and builds afresh
otherwise, so a saved ledger can never show stale numbers. It is data only (rederive.ledger.datacache:
JSON, authenticated): a file that does not verify or validate is a miss, never trusted.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import datacache
from .cache import data_fingerprint, engine_fingerprint
from .ledger import Ledger, build

ENV = "REDERIVE_LEDGER"  # where the renderer tells the chapters the saved ledger is
DEFAULT = ".rederive/ledger.json"  # where Quarto's pre-render saves it (see _quarto.yml)


def fingerprint(root: Path) -> str:
    return data_fingerprint(root) + engine_fingerprint()


def save(ledger: Ledger, root: Path, path: Path) -> None:
    path = path if path.is_absolute() else root / path
    datacache.save(path, "ledger", {"fingerprint": fingerprint(root), "sources": list(ledger.sources.values()),
                                    "rows": ledger.rows, "analyses": list(ledger.analyses.values())})


def load(root: Path) -> Ledger:
    """The ledger this render saved, if it is current; else one built now."""
    path = Path(os.environ.get(ENV) or root / DEFAULT)
    try:
        saved = datacache.load(path, "ledger")
    except datacache.CacheMiss:
        saved = None
    if _valid(saved) and saved["fingerprint"] == fingerprint(root):
        return Ledger(saved["sources"], saved["rows"], saved["analyses"])
    return build(root)


def _valid(saved) -> bool:
    from ..analyses import Analysis
    from .ledger import LedgerRow
    from ..core.types import Source
    return (isinstance(saved, dict) and isinstance(saved.get("fingerprint"), str)
            and all(isinstance(saved.get(k), list) for k in ("sources", "rows", "analyses"))
            and all(isinstance(s, Source) for s in saved["sources"])
            and all(isinstance(r, LedgerRow) for r in saved["rows"])
            and all(isinstance(a, Analysis) for a in saved["analyses"]))
