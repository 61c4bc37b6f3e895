"""What a chapter read from the report: every call of a `Report` method, with a digest of its
answer, so that a later render can ask whether the chapter would read the same now.

The fallback renderer re-executes a chapter only when its text, the engine or one of these
answers changed (rederive.render.incremental). Answers are compared, not the files behind them:
an edit anywhere under data/ that changes a value a chapter shows re-executes that chapter, and
one that changes nothing it shows does not. This holds because chapters read the ledger only
through `Report` (tests/test_book.py refuses `R.ledger` and engine imports in chapter code).

Rows are read per field: a method returning ledger rows (or a list of them) hands the chapter
views of them (`RowView`) that note each attribute the chapter reads, and the read's digest
covers only those attributes of those rows (plus how many rows there were). So the front page,
which counts rows and reads their source, is not re-executed by a note edit, and a chapter that
shows notes is. A method's digest is therefore taken when the chapter has finished
(`recorded_reads`), not when it was called.

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
    # None: the digest is of the whole answer; else it is of these attributes of the rows the
    # answer holds ("*": a row used whole, e.g. printed or compared)
    fields: tuple | None = None


_reads: dict[tuple, Read] = {}  # this process's reads, first answer kept (they cannot differ)
_pending: dict[tuple, tuple] = {}  # per-field reads: key -> (method, args, kwargs, answer, row types, fields read so far)
_depth = 0  # a method calling another records only the outer call
WHOLE = "*"


class RowView:
    """A row as a chapter sees it: each attribute it reads is noted, for the digest. Anything that
    uses the row as a whole (repr, equality, a method of the row) notes the whole row."""
    __slots__ = ("_row", "_fields")

    def __init__(self, row, fields: set):
        object.__setattr__(self, "_row", row)
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name):
        value = getattr(self._row, name)
        self._fields.add(WHOLE if callable(value) else name)
        return value

    def __setattr__(self, name, value):
        raise AttributeError(f"a ledger row is read-only ({name})")

    def __repr__(self):
        self._fields.add(WHOLE)
        return repr(self._row)

    def __eq__(self, other):
        self._fields.add(WHOLE)
        return self._row == (other._row if isinstance(other, RowView) else other)

    def __hash__(self):
        self._fields.add(WHOLE)
        return hash(self._row)


def _projection(answer, fields, row_types):
    """The part of an answer a chapter read: the named attributes of each row (the whole row for WHOLE)."""
    def one(row):
        if WHOLE in fields:
            return row
        return tuple((name, getattr(row, name)) for name in fields)
    if isinstance(answer, row_types):
        return one(answer)
    return [one(row) for row in answer]


def _holds_rows(answer, row_types) -> bool:
    return isinstance(answer, row_types) or (
        isinstance(answer, list) and bool(answer) and all(isinstance(r, row_types) for r in answer))


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


def recorded(method, row_types: tuple = ()):
    """Record each outermost call of a Report method and a digest of what it returned; rows of
    `row_types` in the answer are handed out as RowViews and digested by the fields read."""
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
                if key in _pending or (key not in _reads and row_types and _holds_rows(answer, row_types)):
                    if key not in _pending:
                        _pending[key] = (method.__name__, args, key[2], answer, row_types, set())
                    fields = _pending[key][5]
                    if isinstance(answer, row_types):
                        return RowView(answer, fields)
                    return [RowView(r, fields) for r in answer] if isinstance(answer, list) else answer
                if key not in _reads:
                    _reads[key] = Read(method.__name__, args, key[2], digest(answer))
            except TypeError:  # an unhashable argument: recorded so that it never matches
                _reads[(method.__name__, id(args))] = Read(method.__name__, (), (), None)
        return answer
    wrapper.row_types = row_types
    return wrapper


def record_reads(cls=None, *, per_field: tuple = ()):
    """Class decorator: every public method of `cls` (not classmethods) is `recorded`; the rows
    of the types in `per_field` are recorded by the fields read (`@record_reads(per_field=(Row,))`)."""
    def decorate(cls):
        for name, member in list(vars(cls).items()):
            if callable(member) and not name.startswith("_"):
                setattr(cls, name, recorded(member, tuple(per_field)))
        return cls
    return decorate if cls is None else decorate(cls)


def recorded_reads() -> list[Read]:
    """This process's reads; a per-field read's digest is of the fields read up to now."""
    done = dict(_reads)
    for key, (method, args, kwargs, answer, row_types, fields) in _pending.items():
        chosen = tuple(sorted(fields))
        done[key] = Read(method, args, kwargs, digest(_projection(answer, chosen, row_types)), chosen)
    return list(done.values())


def still_the_same(report, reads: list[Read], rows: bool | None = None) -> str | None:
    """None when every read gives the same answer from `report` now; else what changed. `rows`:
    compare only the reads of register rows (True: cheap to answer, and what a data edit changes),
    or only the others (False)."""
    global _depth
    _depth += 1  # asking again is not reading: keep this process's record clean
    try:
        for read in reads:
            if rows is not None and (read.fields is not None) != rows:
                continue
            if read.digest is None:
                return f"{read.method}: its answer cannot be compared"
            try:
                now = _asked(report, read)
            except Exception as exc:  # e.g. a row the chapter read is gone
                return f"{read.method}{read.args}: {type(exc).__name__}"
            if read.fields is not None:
                if not _holds_rows(now, _row_types(report, read.method)):
                    return f"{read.method}({', '.join(map(repr, read.args))}) changed"
                now = _projection(now, read.fields, _row_types(report, read.method))
            if digest(now) != read.digest:
                return f"{read.method}({', '.join(map(repr, read.args))}) changed"
        return None
    finally:
        _depth -= 1


def _asked(report, read: Read):
    """The report's answer now, asked once per report however many chapters read it (the
    coverage audit, for one, takes a second)."""
    answers = report.__dict__.setdefault("_answers_now", {})
    key = (read.method, read.args, read.kwargs)
    if key not in answers:
        try:
            answers[key] = (getattr(report, read.method)(*read.args, **dict(read.kwargs)), None)
        except Exception as exc:
            answers[key] = (None, exc)
    answer, error = answers[key]
    if error is not None:
        raise error
    return answer


def _row_types(report, method: str) -> tuple:
    return getattr(getattr(type(report), method), "row_types", ())
