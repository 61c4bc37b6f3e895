"""Mutation scores: would a wrong printed number get through?

Every printed number of every register row and printed table cell is perturbed by one unit of
its last printed digit, up and down, one at a time, in two ways:

- the quote left unchanged (a typo in `reported` or a cell): caught when the number no longer
  occurs in its quote, or any outcome changes;
- the quote edited to match (a maintainer's consistent edit: the number changed everywhere the
  register records that printed string): caught by `check` when some row's outcome, or a pinned
  result of the report's own analyses, changes; caught by the verbatim-quote test when the edited
  quote no longer occurs in the source document; else caught by neither, and the row's role and
  note say why (a plain input that feeds no check and no analysis).

`python -m rederive mutation` (`make mutation`) prints the table per source and exits 1 unless
every claim's mutations are caught by `check`. Mutation testers such as mutmut or cosmic-ray
mutate code, not data, so this module does the data's.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import analyses as analyses_
from ..data import pins as pins_
from . import cache as analysis_cache
from .ledger import _derivations, evaluate_source
from ..core.types import RegisterError
from ..core import outcomes
from ..data.register import load_source, normalise_space, quote_contains

_NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d+\.\d+|\.\d+|\d+)(?![\d])")  # not the 2 of "PFS-2"
# Checks that bound a value rather than re-derive it exactly: one unit of the last digit can stay
# inside their bounds (a GRIM of a whole percentage over hundreds of patients, "PFS below OS").
BOUNDING = {"grim", "within", "feasible", "range", "p_from_ci", "ci_consistency", "median_in_range", "verbal",
            "untraceable"}


def why_let_through(row) -> str | None:
    """Why re-derivation cannot catch a one-digit change of this claim, or None if it should."""
    if row.check in BOUNDING:
        return f"its check ({row.check}) bounds the value rather than re-deriving it"
    if row.expected not in outcomes.GOOD:
        return f"it is a finding ({row.expected}) that a one-digit change does not undo"
    if row.check == "agrees_with":
        return "it agrees with a copy printed more coarsely, whose rounding absorbs the change"
    return None


def perturbations(text: str) -> list[tuple[str, str, str]]:
    """(old number, new number, new text) for each printed number of `text`, one unit of its last
    digit up and down; "43.3%" gives 43.4% and 43.2%, ".0187" gives .0188 and .0186."""
    out = []
    for m in _NUMBER.finditer(text):
        old = m.group(1)
        value = Decimal(old if not old.startswith(".") else "0" + old)
        step = Decimal(1).scaleb(value.as_tuple().exponent)
        for new_value in (value + step, value - step):
            if new_value < 0:
                continue
            new = f"{new_value:f}"
            if old.startswith("."):
                new = new.removeprefix("0")
            out.append((old, new, text[:m.start(1)] + new + text[m.end(1):]))
    return out


@dataclass(frozen=True)
class LetThrough:
    """A mutation that re-derivation did not catch."""
    row_id: str
    role: str
    check: str
    change: str  # "43.3->43.4, quote edited"
    why: str | None  # for a claim: why re-derivation cannot catch it (None: it should have)

    def __str__(self) -> str:
        return f"{self.row_id} ({self.change}): {self.role}, check {self.check}; {self.why or 'UNEXPLAINED'}"


@dataclass
class Score:
    source: str
    mutations: Counter = field(default_factory=Counter)  # by role
    by_check: Counter = field(default_factory=Counter)
    by_quote_test: Counter = field(default_factory=Counter)
    by_neither: Counter = field(default_factory=Counter)
    uncaught: list[LetThrough] = field(default_factory=list)  # caught by neither
    quote_only: list[LetThrough] = field(default_factory=list)  # caught only by the quote test


def _rewrite(path: Path, line: int, column: str, new: str, quote_too: bool) -> bool:
    """Change one printed number in one CSV row (and, for a consistent edit, in the quote of every
    row that printed the same string, and in their cells that hold it). False if nothing changed."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    qi, ci = header.index("quote"), header.index(column)
    target = body[line - 2]
    original_quote = target[qi]
    cell = target[ci]
    if not quote_too:
        target[ci] = new
    else:
        old_quote_text = None
        for r in body:
            if r[qi] == original_quote:
                old_quote_text = r[qi]
                r[qi] = r[qi].replace(cell, new) if cell in r[qi] else r[qi]
                for j, value in enumerate(r):
                    if j != qi and value == cell:
                        r[j] = new
        if old_quote_text is None:
            return False
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    path.write_text(out.getvalue(), encoding="utf-8")
    return True


def caught_by_check(project: Path, source_id: str, all_sources: list, pinned: dict, cache: dict) -> bool:
    """Would `check` fail on project/data as it is now, where only `source_id`'s files changed?
    What check computes (the source's register, its derivations, every outcome against its
    expected one, the analyses against their pins), stopping at the first difference."""
    problems = []
    source = load_source(project / "data" / source_id, project, problems)
    if problems or source is None:
        return True  # bad input: check exits 2
    # A printed number no longer in its quote is misquoted whatever its derivation gives (the
    # first test of ledger._evaluate, which findings travelling leave alone): found without
    # deriving the whole source again.
    if any(row.expected != outcomes.MISQUOTED and not quote_contains(row.quote, row.reported) for row in source.rows):
        return True
    derivations, provenance = _derivations(source, problems)
    evaluated = evaluate_source(source, derivations, provenance, problems)
    if problems or len(evaluated) < len(source.rows):
        return True
    if any(result.outcome != row.expected for row, result, _ in evaluated):
        return True
    sources = [source if s.id == source_id else s for s in all_sources]
    for analysis in analyses_.run(sources, problems, dict(cache)):  # a copy: mutated results are not kept
        if analysis.error:
            return True
        for key, value in analyses_.flatten(analysis.result).items():
            pin = pinned.get(f"{analysis.name}.{key}")
            if pin is not None and not analyses_.matches(value, pin.value, pin.digits):
                return True
    return bool(problems)


def warm_analyses(root: Path, sources: list, problems: list) -> dict:
    """Every analysis of the unmutated data, for caught_by_check to reuse what a mutation leaves
    unchanged: from the project's analysis cache where it holds them (each reused only while the
    engine and its inputs are unchanged, rederive.ledger.cache), computed otherwise. A copy: the
    project's cache is not written."""
    cache = dict(analysis_cache.load(root))
    analyses_.run(sources, problems, cache)
    return cache


def run(root: Path, seeds: Path | None, only: list[str] | None = None) -> list[Score]:
    """Mutate every printed number of every source (or those in `only`) in a scratch copy of data/."""
    from ..data.register import load_all
    problems = []
    all_sources = load_all(root)
    pinned = pins_.load(root, problems)
    cache = warm_analyses(root, all_sources, problems)
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(root / "data", project / "data")
        for source in all_sources:
            if only and source.id not in only:
                continue
            score = Score(source.id)
            documents: dict[str, str] = {}  # each version of the document a row quotes, read once
            for row in source.rows:
                seed = source.seed_of(row.document)
                if seed not in documents:
                    path = seeds / seed if seeds is not None else None
                    documents[seed] = normalise_space(path.read_text(encoding="utf-8")) if path and path.is_file() else ""
                document = documents[seed]
                column = "corrected" if row.corrected else "reported"
                if row.file.endswith("claims.csv"):
                    path, line, field_name, printed = project / row.file, row.line, column, getattr(row, column)
                else:  # a generated table-cell row: its column is the last word of its id
                    table_column = row.id.rsplit("_", 1)[1]
                    path, line, field_name, printed = project / row.file, row.line, table_column, row.reported
                for old, new, new_printed in perturbations(printed):
                    for quote_too in (False, True):
                        score.mutations[row.role] += 1
                        saved = path.read_text(encoding="utf-8")
                        try:
                            if not _rewrite(path, line, field_name, new_printed, quote_too):
                                continue
                            if caught_by_check(project, source.id, all_sources, pinned, cache):
                                score.by_check[row.role] += 1
                                continue
                            edited_quote = normalise_space(row.quote.replace(printed, new_printed))
                            let = LetThrough(row.id, row.role, row.check,
                                             f"{old}->{new}{', quote edited' if quote_too else ''}",
                                             why_let_through(row) if row.role == "claim" else
                                             row.note or "a plain input: it feeds no check and no analysis")
                            if quote_too and document and edited_quote not in document:
                                score.by_quote_test[row.role] += 1
                                score.quote_only.append(let)
                                continue
                            score.by_neither[row.role] += 1
                            score.uncaught.append(let)
                        finally:
                            path.write_text(saved, encoding="utf-8")
            scores.append(score)
    if problems:
        raise RegisterError(problems)
    return scores


def table(scores: list[Score]) -> list[str]:
    lines = [f"{'source':<14} {'role':<6} {'mutations':>9} {'by check':>9} {'by quote test':>13} {'neither':>8}"]
    for s in scores:
        for role in ("claim", "input"):
            if s.mutations[role]:
                lines.append(f"{s.source:<14} {role:<6} {s.mutations[role]:>9} {s.by_check[role]:>9} "
                             f"{s.by_quote_test[role]:>13} {s.by_neither[role]:>8}")
    return lines
