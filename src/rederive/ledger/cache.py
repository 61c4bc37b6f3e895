"""Fingerprints of what results are built from, and the analysis cache they guard.

An analysis result is reused only while the engine's source is byte-identical and every input
it read is unchanged (rederive.analyses.run compares them), so a cached result can never be
stale; the cache lives in .rederive/ (not tracked) and may be deleted at any time. It is data
only (rederive.ledger.datacache: JSON, authenticated): a file that does not verify is a miss.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import datacache

ENGINE = Path(__file__).parents[1]
CACHE = ".rederive/analyses.json"
_memory: dict[str, tuple[str, dict]] = {}  # per project root, within one process
_saved: dict[str, dict] = {}  # per project root: the entries as last read or written
_engine: tuple = ((), "")  # the engine files' (name, size, mtime) when last hashed, and the hash


def _digest(files, base: Path) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def engine_fingerprint() -> str:
    """A hash of every engine source file; hashed again only when a file's size or time changed
    (a build asks several times, and a test or benchmark process builds hundreds of times)."""
    global _engine
    files = sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)
    stamp = tuple((str(p), st.st_size, st.st_mtime_ns) for p in files for st in [p.stat()])
    if stamp != _engine[0]:
        _engine = (stamp, _digest(files, ENGINE))
    return _engine[1]


def data_fingerprint(root: Path) -> str:
    data = root / "data"
    return _digest(sorted(p for p in data.rglob("*") if p.is_file()), data)


def load(root: Path) -> dict:
    engine = engine_fingerprint()
    key = str(root.resolve())
    if key in _memory and _memory[key][0] == engine:
        return _memory[key][1]
    cache: dict = {}
    path = root / CACHE
    try:
        saved = datacache.load(path, "analyses")
        if isinstance(saved, dict) and saved.get("engine") == engine and _valid(saved.get("entries")):
            cache = saved["entries"]
            _saved[key] = dict(cache)
    except datacache.CacheMiss:
        pass
    _memory[key] = (engine, cache)
    return cache


def save(root: Path, cache: dict) -> None:
    key = str(root.resolve())
    last = _saved.get(key)
    if last is not None and len(last) == len(cache) and all(cache.get(k) is v for k, v in last.items()):
        return  # no entry added or replaced since it was read or written
    # a read-only tree still checks; it only loses the speed-up
    if datacache.save(root / CACHE, "analyses", {"engine": engine_fingerprint(), "entries": cache}):
        _saved[key] = dict(cache)


def _valid(entries) -> bool:
    """Every entry is (key text, value), as analyses.run and ledger._cached_derivations write them."""
    from ..analyses import Analysis
    from ..checks.derivations import Derivation

    def valid(name, entry) -> bool:
        if not (isinstance(name, str) and isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
            return False
        if name.startswith("derive:"):  # (derivations by claim id, provenance by claim id)
            found = entry[1]
            return (isinstance(found, tuple) and len(found) == 2 and all(isinstance(d, dict) for d in found)
                    and all(isinstance(d, Derivation) for d in found[0].values())
                    and all(isinstance(p, tuple) for p in found[1].values()))
        return isinstance(entry[1], Analysis) and isinstance(entry[1].inputs, tuple)
    return isinstance(entries, dict) and all(valid(k, v) for k, v in entries.items())


def forget(root: Path) -> None:
    """Drop this process's memory of root's cache, as a new process starts (tests that run the
    CLI in-process, several commands in a row on one project, call it before each)."""
    key = str(root.resolve())
    _memory.pop(key, None)
    _saved.pop(key, None)
