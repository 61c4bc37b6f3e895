"""What a chapter read from the report: every call of a `Report` method, with a digest of its
answer, so that a later render can ask whether the chapter would read the same now.

The fallback renderer re-executes a chapter only when its text, the engine or one of these
answers changed (rederive.render.incremental). Answers are compared, not the files behind them:
an edit anywhere under data/ that changes a value a chapter shows re-executes that chapter, and
one that changes nothing it shows does not. This holds because chapters read the ledger only
through `Report` (tests/test_book.py refuses `R.ledger` and engine imports in chapter code).

Written here because no library records a method's answers for later comparison; the digest is
hashlib over pickle's bytes.
"""
from __future__ import annotations

import functools
import hashlib
import io
import pickle
from dataclasses import dataclass


@dataclass(frozen=True)
class Read:
    method: str
    args: tuple
    kwargs: tuple  # sorted (name, value) pairs
    digest: str | None  # None: the answer could not be fingerprinted, so it never matches


_reads: dict[tuple, Read] = {}  # this process's reads, first answer kept (they cannot differ)
_depth = 0  # a method calling another records only the outer call


def digest(value) -> str | None:
    """sha256 of the answer's pickle, written without pickle's memo ("fast" mode), so that equal
    answers give equal bytes however their objects happen to be shared: a ledger built afresh
    and the same ledger unpickled share strings differently."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(value)
    except Exception:  # a cycle (fast mode refuses them) or anything pickle refuses: never "unchanged"
        return None
    return hashlib.sha256(out.getvalue()).hexdigest()


def recorded(method):
    """Record each outermost call of a Report method and a digest of what it returned."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        global _depth
        _depth += 1
        try:
            answer = method(self, *args, **kwargs)
        finally:
            _depth -= 1
        if _depth == 0:
            key = (method.__name__, args, tuple(sorted(kwargs.items())))
            try:
                if key not in _reads:
                    _reads[key] = Read(method.__name__, args, key[2], digest(answer))
            except TypeError:  # an unhashable argument: recorded so that it never matches
                _reads[(method.__name__, id(args))] = Read(method.__name__, (), (), None)
        return answer
    return wrapper


def record_reads(cls):
    """Class decorator: every public method of `cls` (not classmethods) is `recorded`."""
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, recorded(member))
    return cls


def recorded_reads() -> list[Read]:
    return list(_reads.values())


def still_the_same(report, reads: list[Read]) -> str | None:
    """None when every read gives the same answer from `report` now; else what changed."""
    global _depth
    _depth += 1  # asking again is not reading: keep this process's record clean
    try:
        for read in reads:
            if read.digest is None:
                return f"{read.method}: its answer cannot be compared"
            try:
                now = getattr(report, read.method)(*read.args, **dict(read.kwargs))
            except Exception as exc:  # e.g. a row the chapter read is gone
                return f"{read.method}{read.args}: {type(exc).__name__}"
            if digest(now) != read.digest:
                return f"{read.method}({', '.join(map(repr, read.args))}) changed"
        return None
    finally:
        _depth -= 1
