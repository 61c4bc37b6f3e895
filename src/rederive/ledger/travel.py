"""Findings travel: a check that passes on a value taken from a flagged printed value says so.

A printed value *carries a finding* when any register row of it (one printed value may be checked
by several rows, rederive.ledger.tallies.same_values) expects an outcome that is not clean. A derived or
agreement row whose check passes (reproduced, consistent) but whose value comes from such a value
gets the outcome "rests on a flagged value" instead, and names its *roots*: the flagged rows it
rests on or, where those only rest on a flagged value themselves, their roots. A row whose own
check already fails keeps its own outcome and names its roots too.

"Comes from" is what the row's derivation read (rederive.data.inputs records it), or, where the
derivation knows better, what it says its value was taken from (Result.rests_on: a range that
matches a table's percentages as printed but not their counts). A whole table read is not a
printed value: derivations that copy one cell read that cell's row by id.
"""
from __future__ import annotations

from dataclasses import replace

from ..checks import registry as checks
from ..core import outcomes
from ..core.result import Result
from .tallies import same_values

CLEAN = {outcomes.REPRODUCED, outcomes.CONSISTENT}


def apply(rows: list, results: dict[str, Result], provenance: dict[str, tuple]) -> dict[str, tuple[Result, tuple]]:
    """{row id: (result, roots)} for every row with a result: a clean result that rests on a
    flagged value becomes "rests on a flagged value"; roots are the ids of the root findings."""
    by_id = {r.id: r for r in rows}
    value_of = dict(zip(by_id, same_values(rows)))

    def printed_value(row) -> int:
        return value_of[row.id]

    # printed value -> the first of its rows that expects a finding, a finding of its own first.
    # Two printings that disagree do not say which of them is wrong: that agreement's finding
    # reaches only the rows that read the agreement row itself. (Printings identical where they
    # should differ are both suspect: that finding is the value's.)
    flagged: dict[int, str] = {}
    for r in sorted(rows, key=lambda r: r.expected == outcomes.RESTS_ON_FLAGGED):
        if r.expected not in outcomes.GOOD and (r.check != "agrees_with" or r.expected == outcomes.SUSPECT_IDENTICAL):
            flagged.setdefault(printed_value(r), r.id)

    def direct(row_id: str) -> list[str]:
        row, result = by_id[row_id], results.get(row_id)
        if row.check not in checks.DERIVED or result is None:
            return []
        read = result.rests_on if result.rests_on is not None else provenance.get(row_id, ())
        found = []
        for other_id in read:
            other = by_id.get(other_id)
            if other is None or printed_value(other) == printed_value(row):  # a whole table; its own value
                continue
            root = other_id if other.expected not in outcomes.GOOD else flagged.get(printed_value(other))
            if root is not None and root not in found:
                found.append(root)
        return found

    memo: dict[str, tuple] = {}

    def roots(row_id: str, seen: frozenset = frozenset()) -> tuple:
        if row_id not in memo:
            out: list[str] = []
            for flagged_id in direct(row_id):
                # a value flagged only for resting on another passes on that one's roots (none, once
                # its root is mended: then it is no root itself, and check names both rows)
                if by_id[flagged_id].expected != outcomes.RESTS_ON_FLAGGED:
                    found = (flagged_id,)
                else:
                    found = roots(flagged_id, seen | {row_id}) if flagged_id not in seen else ()
                out.extend(r for r in found if r not in out)
            memo[row_id] = tuple(out)
        return memo[row_id]

    travelled = {}
    for row in rows:
        result = results.get(row.id)
        if result is None:
            continue
        found = roots(row.id)
        if found:
            named = "; ".join(f"{r} ({by_id[r].expected})" for r in found)
            detail = "; ".join(filter(None, [result.detail, f"its value comes from a flagged value: {named}"]))
            result = replace(result, detail=detail,
                             outcome=outcomes.RESTS_ON_FLAGGED if result.outcome in CLEAN else result.outcome)
        travelled[row.id] = (result, found)
    return travelled
