"""Every printed table cell that holds a result becomes a register row of its own.

A table's spec in source.yml names, per column, what its cells are and how to read them:

    cells:
      n: {name: patients, read: count}
      mpfs: {name: median PFS, read: median_ci, check: ci_consistency}
      cr: {name: complete responders, read: count, of: n}

Each cell then becomes a Row with id `<prefix>_<row key>_<column>` (the row key is the table's
`key` column, e.g. "topp12"), a location such as "Table 1, Topp 2025, median PFS", the printed
row as its quote, the cell as printed as `reported`, and the value read from it. A column's
`check` (default: none, a plain input) is run like any register row's: intrinsic checks by the
ledger, the others by the source's derive(). Outcomes other than the good ones are expected
only where the spec's `expected` map says so, with a note (a finding), exactly as in claims.csv.
A count with `of` names the column of its cohort's size: a count above it is bad input.

Why a reader per column: a table prints "22.0m (6.7-NR)" where the text would print "22.0
months (95% CI 6.7-NR)", and "3(2-13)" is a median with its range, not a CI. The reader turns a
cell into the text the parser reads; `reported` keeps the cell exactly as printed. A cell that
lacks what its column's intrinsic check needs (a rate at one year in a column of medians with
their intervals) is a plain input.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..checks import registry as checks
from ..core import outcomes
from ..core.reported import ParseError, Reported, parse

_MONTHS_CI = re.compile(r"^(?P<est>[\d.]+m|NR|NE)\s*(?:\((?P<lo>[\d.]+|NR|NE)-(?P<hi>[\d.]+|NR|NE)\))?$")
_MEDIAN_RANGE = re.compile(r"^(?P<est>\d+)\((?P<lo>\d+)-(?P<hi>\d+)\)$")
_LANDMARK = re.compile(r"^(?P<years>\d+)-y (?P<rate>[\d.]+%)$")  # "1-y 25%": a rate at one year
_COUNT_PERCENT = re.compile(r"^(?P<count>\d+)\((?P<percent>[\d.]+)\)$")
NOT_PRINTED = "–"  # the tables' dash for "not reported"
FOOTNOTE_MARKS = "*†‡§¶"  # a mark after a cell points to a footnote; it never changes how the cell is read


def without_marks(cell: str) -> tuple[str, bool]:
    """The cell without its trailing footnote marks, and whether it had any."""
    bare = cell.rstrip(FOOTNOTE_MARKS).rstrip()
    return bare, bare != cell


def _marks_are_marks(reader):
    """A reader that reads "4.8m (2.6-5.4)*" as "4.8m (2.6-5.4)", keeping the cell as printed."""
    import functools

    @functools.wraps(reader)
    def read(cell: str) -> Reported:
        bare, marked = without_marks(cell)
        return replace(reader(bare), text=cell) if marked else reader(cell)
    return read


def _months(text: str) -> str:
    return "not reached" if text == "NR" else "not estimable" if text == "NE" else text.rstrip("m") + " months"


@_marks_are_marks
def read_median_ci(cell: str) -> Reported:
    """"22.0m (6.7-NR)": a median in months with its interval (the tables do not print its level)."""
    landmark = _LANDMARK.match(cell)
    if landmark:
        return replace(parse(landmark["rate"]), text=cell)
    if re.fullmatch(r"NE \(NE\)", cell):  # neither a median nor an interval
        return Reported(text=cell, estimate=parse("NE").estimate)
    m = _MONTHS_CI.match(cell)
    if not m:
        raise ParseError(f"not a median with an interval: {cell!r}")
    if m["lo"] is None:
        return replace(parse(_months(m["est"])), text=cell)
    est = _months(m["est"]).replace(" months", "")
    reported = parse(f"{est} months (95% CI {m['lo']}-{m['hi']})")
    return replace(reported, text=cell, ci_level=None)


@_marks_are_marks
def read_median_range(cell: str) -> Reported:
    """"3(2-13)": a median with its range."""
    m = _MEDIAN_RANGE.match(cell)
    if not m:
        raise ParseError(f"not a median with its range: {cell!r}")
    return replace(parse(f"{m['est']} (range {m['lo']}-{m['hi']})"), text=cell)


@_marks_are_marks
def read_count(cell: str) -> Reported:
    """"11(40)" or "27": the count (a percentage beside it is its own claim row)."""
    m = _COUNT_PERCENT.match(cell)
    reported = parse(m["count"] if m else cell)
    if not reported.is_count:
        raise ParseError(f"not a count: {cell!r}")
    return replace(reported, text=cell)


@_marks_are_marks
def read_proportion(cell: str) -> Reported:
    """"0.885": a proportion between 0 and 1 (GRIM reads it against the row's n at its own precision)."""
    reported = parse(cell)
    number = reported.estimate
    if number is None or number.value is None or reported.unit or not 0 <= number.value <= 1:
        raise ParseError(f"not a proportion between 0 and 1: {cell!r}")
    return reported


READERS = {"median_ci": read_median_ci, "median_range": read_median_range, "count": read_count,
           "proportion": read_proportion}


def cell_rows(source_id: str, table, spec: dict, rel_yml: str, problems: list) -> list:
    """The register rows of a table's result cells (types.Row), problems appended."""
    from ..core.types import ID_PATTERN, Problem, Row
    cells = spec.get("cells") or {}
    where = f"tables.{table.name}"
    if not isinstance(cells, dict) or not all(isinstance(c, dict) for c in cells.values()):
        problems.append(Problem(rel_yml, None, f"{where}.cells", "must map each column to {name, read, check}"))
        return []
    if not isinstance(spec.get("expected") or {}, dict):
        problems.append(Problem(rel_yml, None, f"{where}.expected", "must map cell ids to {outcome, note}"))
        return []
    # each cell's row is named by the key in its id and by author and year in its location
    for column, what in (("key", "the row's name in ids"), ("author", "the row's name in locations"),
                         ("year", "the row's year in locations")):
        if cells and any(column not in r for r in table.rows):
            problems.append(Problem(table.file, 1, column, f"a table with result cells needs a column {column!r} ({what})"))
            return []
    prefix = spec.get("id_prefix") or table.name
    expected = spec.get("expected") or {}
    title = spec.get("short") or table.name
    rows = []
    columns = set().union(*(r.keys() for r in table.rows)) if table.rows else None
    for column, cell_spec in cells.items():
        for name in (column, cell_spec.get("of")):
            if name and columns is not None and name not in columns:
                problems.append(Problem(rel_yml, None, f"tables.{table.name}.cells.{column}",
                                        f"{table.file} has no column {name!r}: its checks would be silently dropped"))
        if columns is not None and any(name and name not in columns for name in (column, cell_spec.get("of"))):
            continue
        read = READERS.get(cell_spec.get("read"))
        check = cell_spec.get("check", "none")
        if read is None:
            problems.append(Problem(rel_yml, None, f"tables.{table.name}.cells.{column}",
                                    f"unknown reader {cell_spec.get('read')!r}; known: {', '.join(READERS)}"))
            continue
        if check not in checks.POSSIBLE:
            problems.append(Problem(rel_yml, None, f"tables.{table.name}.cells.{column}", f"unknown check {check!r}"))
            continue
        for r in table.rows:
            cell = r.get(column, "")
            bare, marked = without_marks(cell)
            if not bare or bare == NOT_PRINTED or (marked and bare == "NR"):  # "NR*": not reported, footnoted
                continue
            row_id = f"{prefix}_{r['key']}_{column}"
            if not ID_PATTERN.match(row_id):
                problems.append(Problem(table.file, r["line"], "key", f"{r['key']!r} makes the id {row_id!r}, not lower_snake_case"))
                continue
            try:
                value = read(cell)
            except ParseError as exc:
                problems.append(Problem(table.file, r["line"], column, str(exc)))
                continue
            if cell_spec.get("of"):  # a count of the row's cohort: more than the cohort is impossible
                try:
                    whole = int(r[cell_spec["of"]])
                except (KeyError, ValueError):
                    problems.append(Problem(table.file, r["line"], cell_spec["of"], f"not a count: {r.get(cell_spec['of'])!r}"))
                    continue
                if value.count > whole:
                    problems.append(Problem(table.file, r["line"], column,
                                            f"{value.count} is more than the row's {cell_spec['of']} ({whole})"))
                    continue
            needs = checks.NEEDS.get(check, ())
            cell_check = check if all(getattr(value, part) is not None for part in needs) else "none"
            want = expected.get(row_id) or {}
            outcome = want.get("outcome") or next(o for o in outcomes.ORDER
                                                  if o in outcomes.GOOD and o in checks.POSSIBLE[cell_check])
            where = f"tables.{table.name}.expected.{row_id}"
            if outcome not in checks.POSSIBLE[cell_check]:
                problems.append(Problem(rel_yml, None, where, f"{outcome!r} is not an outcome of {cell_check!r}"))
                continue
            if outcome not in outcomes.GOOD and not want.get("note"):
                problems.append(Problem(rel_yml, None, where, f"expected outcome {outcome!r} must be explained in a note"))
                continue
            rows.append(Row(source=source_id, file=table.file, line=r["line"], id=row_id,
                            location=f"{title}, {r['author']} {r['year']}, {cell_spec.get('name', column)}",
                            quote=r["quote"], reported=cell, corrected="",
                            role="input" if cell_check in checks.INPUT_CHECKS else "claim",
                            check=cell_check, expected=outcome, note=want.get("note", ""), value=value,
                            document=table.document))
    for row_id in expected:
        if not any(r.id == row_id for r in rows):
            problems.append(Problem(rel_yml, None, f"tables.{table.name}.expected", f"{row_id!r} is not a cell of the table"))
    return rows
