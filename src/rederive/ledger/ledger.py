"""The ledger: every register row with its derived value, outcome and verdict, and every result
the report computes itself against its pin.

For each source it runs rederive.sources.<source>.derive(inputs), enforces coverage both ways
(every claim with a derived check has a derivation, every derivation has such a claim), runs
the intrinsic checks on the rows that carry them, and compares each outcome with the one the
register expects. A row whose `reported` text is not in its own `quote` is *misquoted*, which
no register may expect: that is what makes a silently edited number fail the build. Then it
runs rederive.analyses and compares every shown result with data/analyses.csv.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import importlib
import io
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import analyses as analyses_
from . import cache as cache_
from .. import statements
from ..checks import registry as checks
from ..core import outcomes
from ..data import pins
from . import certainty, travel
from ..data.inputs import Inputs, UnknownInput
from ..core.types import Problem, RegisterError, Row, Source
from ..data.register import load_all, quote_contains
from ..core.reported import Reported
from ..core.result import Result
from .spreadsheet import neutralise_row
from ..core.values import Pin

FIELDS = ["id", "source", "seed", "location", "quote", "reported", "corrected", "role", "check",
          "derived", "inputs", "rests_on", "outcome", "expected", "ok", "note", "detail", "file", "line"]
ANALYSIS_ROLE = "analysis"
STATEMENT_ROLE = "statement"
REPORT = "report"  # the source of the report's own statements


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
    derived: str  # the derived value as text
    outcome: str
    expected: str
    ok: bool
    note: str
    detail: str
    file: str
    line: int
    inputs: tuple = ()  # ids (and tables) its derivation read
    rests_on: tuple = ()  # the root findings its value comes from (rederive.ledger.travel)
    value: object = field(default=None, compare=False)  # the derived value as data (rederive.core.values)
    printed: Reported | None = field(default=None, compare=False)  # the printed value, parsed

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in FIELDS}
        out["inputs"] = list(self.inputs)
        out["rests_on"] = list(self.rests_on)
        out["derived_value"] = self.value.to_json() if self.value is not None else None
        out["printed_value"] = _printed_json(self.printed)
        return out

    def to_csv(self) -> dict:
        out = {k: getattr(self, k) for k in FIELDS}
        out["inputs"] = " ".join(self.inputs)
        out["rests_on"] = " ".join(self.rests_on)
        return out


def _printed_json(r: Reported | None) -> dict | None:
    if r is None:
        return None

    def num(n):
        return None if n is None or n.value is None else float(n.value)

    out = {"estimate": num(r.estimate), "unit": r.unit, "label": r.label}
    if r.ci:
        out["ci"] = [num(r.ci[0]), num(r.ci[1])]
        out["ci_level"] = r.ci_level
    if r.range:
        out["range"] = [num(r.range[0]), num(r.range[1])]
    if r.p:
        out["p"] = {"comparator": r.p.comparator, "value": num(r.p.number)}
    return out


class Ledger:
    def __init__(self, sources: list[Source], rows: list[LedgerRow], analyses: list | None = None):
        self.sources = {s.id: s for s in sources}
        self.rows = rows
        self.analyses = {a.name: a for a in analyses or []}
        self._by_id = {r.id: r for r in rows}

    def __getitem__(self, row_id: str) -> LedgerRow:
        return self._by_id[row_id]

    def __contains__(self, row_id: str) -> bool:
        return row_id in self._by_id

    def unexpected(self, source: str | None = None) -> list[LedgerRow]:
        return [r for r in self.rows if not r.ok and (source is None or r.source == source)]

    def counts(self) -> dict[str, dict[str, int]]:
        """{source: {outcome: count}} in the order of outcomes.ORDER."""
        out: dict[str, dict[str, int]] = {}
        across = sorted({r.source for r in self.rows} - set(self.sources))  # e.g. "synthesis"
        for s in [*self.sources, *across]:
            rows = [r for r in self.rows if r.source == s]
            out[s] = {o: n for o in outcomes.ORDER if (n := sum(r.outcome == o for r in rows))}
        return out

    def to_json(self) -> str:
        return json.dumps([r.to_json() for r in self.rows], indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for r in self.rows:
            writer.writerow(neutralise_row(r.to_csv()))  # no spreadsheet formulas (rederive.ledger.spreadsheet)
        return buf.getvalue()


def _evaluate(row: Row, derivations: dict, problems: list[Problem]) -> Result | None:
    if not quote_contains(row.quote, row.reported):
        return Result(outcomes.MISQUOTED, None, "", f"reported {row.reported!r} does not occur in its quote")
    if row.check == "none":
        return Result(outcomes.INPUT, None)
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


def evaluate_source(source: Source, derivations: dict, provenance: dict, problems: list[Problem]):
    """(row, result, roots) for every row of a source that can be evaluated, in register order,
    with the findings its value rests on carried to it (rederive.ledger.travel)."""
    results = {}
    for row in source.rows:
        result = _evaluate(row, derivations, problems)
        if result is not None:
            results[row.id] = result
    travelled = travel.apply(source.rows, results, provenance)
    return [(row, *travelled[row.id]) for row in source.rows if row.id in travelled]


def _derivations(source: Source, problems: list[Problem]):
    module_file = f"src/rederive/sources/{source.id}.py"
    try:
        module = importlib.import_module(f"rederive.sources.{source.id}")
    except ModuleNotFoundError:
        problems.append(Problem(f"data/{source.id}/source.yml", None, "id",
                                f"no derivation module {module_file} for source {source.id!r}"))
        return {}, {}
    try:
        derivations = module.derive(Inputs(source))
    except UnknownInput as exc:  # a row it reads is gone from the register (deleted or renamed)
        claims = f"data/{source.id}/claims.csv"
        problems.append(Problem(claims, None, "id", f"no row {exc.args[0]!r}, which {module_file} reads "
                                                    "(a deleted or renamed row?)"))
        return {}, {}
    except KeyError as exc:  # a table row it looks up by key is gone (deleted or renamed)
        tables = [t.file for t in source.tables.values()]
        where = tables[0] if len(tables) == 1 else f"data/{source.id}"
        problems.append(Problem(where, None, "key", f"no row {exc.args[0]!r}, which {module_file} looks up "
                                                    f"(a deleted or renamed row in {', '.join(tables) or 'the register'}?)"))
        return {}, {}
    except (ValueError, ZeroDivisionError, AttributeError, TypeError, IndexError, ArithmeticError) as exc:
        problems.append(Problem(f"data/{source.id}/claims.csv", None, None,
                                f"{module_file} cannot derive from the register's values: {exc}"))
        return {}, {}
    rows = {r.id: r for r in source.rows}
    for claim_id in derivations:
        row = rows.get(claim_id)
        if row is None:
            problems.append(Problem(f"data/{source.id}/claims.csv", None, "id",
                                    f"no row {claim_id!r}, which {module_file} derives (a deleted or renamed row?)"))
        elif row.check not in checks.DERIVED:
            problems.append(Problem(row.file, row.line, "check",
                                    f"{claim_id!r} has a derivation but its check {row.check!r} does not use one"))
    for row in source.rows:
        if row.check in checks.DERIVED and row.id not in derivations:
            problems.append(Problem(row.file, row.line, "check",
                                    f"claim {row.id!r} ({row.check}) has no derivation in {module_file}"))
    return derivations, getattr(derivations, "provenance", {})


def _analysis_rows(root: Path, sources: list[Source], problems: list[Problem]):
    """Every result of rederive.analyses as a ledger row, compared with its pin. A result that
    moved, vanished, appeared without a pin or can no longer be computed is an unexpected
    outcome (exit 1, naming it), never silently accepted."""
    cache = cache_.load(root)
    found = analyses_.run(sources, problems, cache)
    cache_.save(root, cache)
    pinned = pins.load(root, problems)
    seeds = {s.id: s.seed for s in sources} | {"synthesis": ""}
    rows, seen = [], set()

    def row(analysis, row_id, reported, derived, ok, detail, pin=None, value=None):
        return LedgerRow(
            id=row_id, source=analysis.source, seed=seeds[analysis.source], location=analysis.description,
            quote="", reported=reported, corrected="", role=ANALYSIS_ROLE, check="pin", derived=derived,
            outcome=outcomes.PINNED if ok else outcomes.MOVED, expected=outcomes.PINNED, ok=ok,
            note=pin.note if pin else "", detail=detail, file=pins.FILE, line=pin.line if pin else 0,
            inputs=analysis.inputs, value=None if value is None else Pin(value))

    for analysis in found:
        if analysis.error:
            rows.append(row(analysis, analysis.name, "-", "-", False, f"cannot be computed: {analysis.error}"))
            seen.update(i for i in pinned if i.startswith(analysis.name + "."))
            continue
        for key, value in analyses_.flatten(analysis.result).items():
            row_id = f"{analysis.name}.{key}"
            seen.add(row_id)
            pin = pinned.get(row_id)
            if pin is None:
                shown = analyses_.pin_text(value)
                rows.append(row(analysis, row_id, "-", shown, False, "a new result with no pin (python -m rederive pin)"))
                continue
            ok = analyses_.matches(value, pin.value, pin.digits)
            shown = analyses_.pin_text(value, int(pin.digits or analyses_.DEFAULT_DIGITS))
            rows.append(row(analysis, row_id, pin.value, shown, ok,
                            "" if ok else f"the engine now gives {shown}, pinned {pin.value}", pin,
                            value if isinstance(value, (int, float, str)) else str(value)))
    names = {a.name: a for a in found}
    for row_id, pin in pinned.items():
        if row_id in seen:
            continue
        analysis = names.get(row_id.split(".")[0])
        if analysis is None:
            problems.append(Problem(pins.FILE, pin.line, "id", f"{row_id!r} is pinned but no analysis of that name exists"))
        else:
            rows.append(row(analysis, row_id, pin.value, "-", False, "pinned, but the result no longer has it", pin))
    return rows, found


def _statement_rows(root: Path, rows: list[LedgerRow], found: list, problems: list[Problem]) -> list[LedgerRow]:
    """Every statement of the report's own (rederive.statements, rederive.ledger.certainty) as a ledger
    row: its words, the numbers that decide it, and whether they still support it (the only
    outcome it may have); a registered judgement of certainty is a row of its own, located in
    data/certainty.csv."""
    judgements = certainty.load_judgements(root, problems)
    if problems:
        return []
    judged = {s.id: j for s, j in zip(certainty.judgement_statements(judgements), judgements.values())}
    decided = statements.evaluate({r.id: r for r in rows}, {a.name: a for a in found}, judgements,
                                  tuple(certainty.judgement_statements(judgements)))
    return [LedgerRow(id=statements.PREFIX + s.id, source=REPORT, seed="", location=s.where, quote=s.words,
                      reported=s.words, corrected="", role=STATEMENT_ROLE, check="statement", derived=detail,
                      outcome=statements.outcome(holds), expected=outcomes.HOLDS, ok=holds, note="",
                      detail="" if holds else f"the numbers no longer support these words: {detail}",
                      file=certainty.FILE if s.id in judged else statements.FILE,
                      line=judged[s.id].line if s.id in judged else line)
            for s, holds, detail, line in decided]


BUILD_LOG = "REDERIVE_BUILD_LOG"  # if set, each build appends a line there (tests count builds per render)


def _source_key(source: Source) -> str:
    """Everything a source's derive() can read: every row's printed value and every table cell."""
    text = repr([(r.id, r.reported, r.corrected, r.role, r.check) for r in source.rows]) + \
        repr({name: t.rows for name, t in sorted(source.tables.items())})
    return hashlib.sha256(text.encode()).hexdigest()


def _cached_derivations(source: Source, problems: list[Problem], cache: dict):
    """A source's derivations, reused while its register is unchanged and the engine too (the
    cache is the analyses' one, cleared when any engine file changes). This spares `check` the
    pooled meta-analyses and the imports they need when nothing they read has changed."""
    name, key = f"derive:{source.id}", _source_key(source)
    if name in cache and cache[name][0] == key:
        return cache[name][1]
    before = len(problems)
    derivations, provenance = _derivations(source, problems)
    found = (dict(derivations), provenance)  # a plain dict: the recording dict does not unpickle
    if len(problems) == before:
        cache[name] = (key, found)
    return found


@contextmanager
def _no_cyclic_gc():
    """A build allocates hundreds of thousands of small objects that hold no reference cycles
    (reference counting frees them); the cyclic collector's passes over them cost a fifth of a
    100,000-row build and find nothing. Paused for the build, restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(root: Path, with_analyses: bool = True) -> Ledger:
    """Load every register under root/data, derive, compare. RegisterError on bad input."""
    with _no_cyclic_gc():
        return _build(root, with_analyses)


def _build(root: Path, with_analyses: bool) -> Ledger:
    if os.environ.get(BUILD_LOG):
        with open(os.environ[BUILD_LOG], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
    sources = load_all(root)
    problems: list[Problem] = []
    rows: list[LedgerRow] = []
    cache = cache_.load(root)
    for source in sources:
        derivations, provenance = _cached_derivations(source, problems, cache)
        for row, result, roots in evaluate_source(source, derivations, provenance, problems):
            rows.append(LedgerRow(
                id=row.id, source=source.id, seed=source.seed_of(row.document), location=row.location, quote=row.quote,
                reported=row.reported, corrected=row.corrected, role=row.role, check=row.check,
                derived=result.shown, outcome=result.outcome, expected=row.expected,
                ok=result.outcome == row.expected, note=row.note, detail=result.detail,
                file=row.file, line=row.line, inputs=provenance.get(row.id, ()), rests_on=roots,
                value=result.value, printed=row.value))
    if not problems and not with_analyses:  # with analyses, _analysis_rows saves the same cache
        cache_.save(root, cache)
    found = []
    if with_analyses and not problems:
        analysis_rows, found = _analysis_rows(root, sources, problems)
        rows.extend(analysis_rows)
        rows.extend(_statement_rows(root, rows, found, problems))
    if problems:
        raise RegisterError(problems)
    return Ledger(sources, rows, found)
