"""The ledger: every register row with its derived value, outcome and verdict.

For each source it runs rederive.sources.<source>.derive(inputs), enforces coverage both ways
(every claim with a derived check has a derivation, every derivation has such a claim), runs
the intrinsic checks on the rows that carry them, and compares each outcome with the one the
register expects. A row whose `reported` text is not in its own `quote` is *misquoted*, which
no register may expect: that is what makes a silently edited number fail the build.
"""
from __future__ import annotations

import csv
import importlib
import io
import json
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from . import checks
from .register import Problem, RegisterError, Row, Source, Table, load_all, quote_contains
from .reported import Reported

FIELDS = ["id", "source", "seed", "location", "quote", "reported", "corrected", "role", "check",
          "derived", "outcome", "expected", "ok", "note", "detail", "file", "line"]


class UnknownInput(KeyError):
    pass


class Inputs:
    """A source's printed values by id, as its derive() function reads them."""

    def __init__(self, source: Source):
        self._rows = {r.id: r for r in source.rows}
        self.source = source

    def __getitem__(self, row_id: str) -> Reported:
        try:
            return self._rows[row_id].value
        except KeyError:
            raise UnknownInput(row_id) from None

    def n(self, row_id: str) -> int:
        """A printed count."""
        return self[row_id].count

    def value(self, row_id: str) -> Fraction:
        """A printed estimate's exact value."""
        return self[row_id].value

    def table(self, name: str) -> Table:
        """A table the source prints (data/<source>/<name>.csv)."""
        try:
            return self.source.tables[name]
        except KeyError:
            raise UnknownInput(f"table {name}") from None


@dataclass(frozen=True)
class LedgerRow:
    id: str
    source: str
    seed: str
    location: str
    quote: str
    reported: str
    corrected: str
    role: str
    check: str
    derived: str
    outcome: str
    expected: str
    ok: bool
    note: str
    detail: str
    file: str
    line: int


class Ledger:
    def __init__(self, sources: list[Source], rows: list[LedgerRow]):
        self.sources = {s.id: s for s in sources}
        self.rows = rows
        self._by_id = {r.id: r for r in rows}

    def __getitem__(self, row_id: str) -> LedgerRow:
        return self._by_id[row_id]

    def __contains__(self, row_id: str) -> bool:
        return row_id in self._by_id

    def unexpected(self, source: str | None = None) -> list[LedgerRow]:
        return [r for r in self.rows if not r.ok and (source is None or r.source == source)]

    def counts(self) -> dict[str, dict[str, int]]:
        """{source: {outcome: count}} in the order of checks.OUTCOMES."""
        out: dict[str, dict[str, int]] = {}
        for s in self.sources:
            rows = [r for r in self.rows if r.source == s]
            out[s] = {o: n for o in checks.OUTCOMES if (n := sum(r.outcome == o for r in rows))}
        return out

    def to_json(self) -> str:
        return json.dumps([asdict(r) for r in self.rows], indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for r in self.rows:
            writer.writerow(asdict(r))
        return buf.getvalue()


def _evaluate(row: Row, derivations: dict, problems: list[Problem]) -> checks.Result | None:
    if not quote_contains(row.quote, row.reported):
        return checks.Result(checks.MISQUOTED, "", f"reported {row.reported!r} does not occur in its quote")
    if row.check == "none":
        return checks.Result(checks.INPUT, "")
    try:
        if row.check in checks.INTRINSIC:
            return checks.INTRINSIC[row.check](row.value)
        derivation = derivations.get(row.id)
        if derivation is None:  # already reported as a coverage problem
            return None
        if derivation.check != row.check:
            problems.append(Problem(row.file, row.line, "check",
                                    f"register says {row.check!r} but the derivation is {derivation.check!r}"))
            return None
        return derivation.compare(row.value)
    except (ValueError, ZeroDivisionError, AttributeError, TypeError) as exc:
        problems.append(Problem(row.file, row.line, "reported", f"cannot run {row.check!r}: {exc}"))
        return None


def _derivations(source: Source, problems: list[Problem]) -> dict:
    module_file = f"src/rederive/sources/{source.id}.py"
    try:
        module = importlib.import_module(f"rederive.sources.{source.id}")
    except ModuleNotFoundError:
        problems.append(Problem(module_file, None, None, f"no derivation module for source {source.id!r}"))
        return {}
    try:
        derivations = module.derive(Inputs(source))
    except UnknownInput as exc:
        problems.append(Problem(module_file, None, None, f"derive() reads id {exc.args[0]!r}, which is not in the register"))
        return {}
    except (ValueError, ZeroDivisionError, AttributeError, TypeError) as exc:
        problems.append(Problem(module_file, None, None, f"derive() failed on the register's values: {exc}"))
        return {}
    rows = {r.id: r for r in source.rows}
    for claim_id in derivations:
        row = rows.get(claim_id)
        if row is None:
            problems.append(Problem(module_file, None, None, f"derivation {claim_id!r} has no row in the register"))
        elif row.check not in checks.DERIVED:
            problems.append(Problem(row.file, row.line, "check",
                                    f"{claim_id!r} has a derivation but its check {row.check!r} does not use one"))
    for row in source.rows:
        if row.check in checks.DERIVED and row.id not in derivations:
            problems.append(Problem(row.file, row.line, "check",
                                    f"claim {row.id!r} ({row.check}) has no derivation in {module_file}"))
    return derivations


def build(root: Path) -> Ledger:
    """Load every register under root/data, derive, compare. RegisterError on bad input."""
    sources = load_all(root)
    problems: list[Problem] = []
    rows: list[LedgerRow] = []
    for source in sources:
        derivations = _derivations(source, problems)
        for row in source.rows:
            result = _evaluate(row, derivations, problems)
            if result is None:
                continue
            rows.append(LedgerRow(
                id=row.id, source=source.id, seed=source.seed, location=row.location, quote=row.quote,
                reported=row.reported, corrected=row.corrected, role=row.role, check=row.check,
                derived=result.derived, outcome=result.outcome, expected=row.expected,
                ok=result.outcome == row.expected, note=row.note, detail=result.detail,
                file=row.file, line=row.line))
    if problems:
        raise RegisterError(problems)
    return Ledger(sources, rows)
