"""Fingerprints of what results are built from, and the analysis cache they guard.

An analysis result is reused only while the engine's source is byte-identical and every input
it read is unchanged (rederive.analyses.run compares them), so a cached result can never be
stale; the cache lives in .rederive/ (not tracked) and may be deleted at any time.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

ENGINE = Path(__file__).parent
CACHE = ".rederive/analyses.pickle"
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
        saved_engine, saved = pickle.loads(path.read_bytes())
        if saved_engine == engine:
            cache = saved
            _saved[key] = dict(saved)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, ImportError, TypeError):
        pass
    _memory[key] = (engine, cache)
    return cache


def save(root: Path, cache: dict) -> None:
    key = str(root.resolve())
    last = _saved.get(key)
    if last is not None and len(last) == len(cache) and all(cache.get(k) is v for k, v in last.items()):
        return  # no entry added or replaced since it was read or written
    path = root / CACHE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}-{id(cache)}")  # parallel test workers write it too
        tmp.write_bytes(pickle.dumps((engine_fingerprint(), cache), protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
        _saved[key] = dict(cache)
    except OSError:
        pass  # a read-only tree still checks; it only loses the speed-up
