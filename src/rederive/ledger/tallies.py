"""Honest tallies: distinct printed values, how strongly each is checked, and what became of it.

One printed value can be checked by several register rows: a Cox result by its CI
(ci_consistency) and by its P (p_from_ci), a median by its CI and by "PFS below OS" (within),
each row with its own excerpt. Rows print the same value when their printed texts start at the
same place of the source's text, as their quotes locate it (same_values). The tallies count it
once. It is *checked* when any of its rows carries a check; *re-derived* when any of those
checks computes it again from other printed numbers (checks.RE_DERIVED), *weak* otherwise
(checks.WEAK: the same number printed twice, an estimate inside its own CI...); and it falls in
the last outcome group (outcomes.GROUPS runs from holding up to contradicted) that any of its
checks falls in, so a value one check clears and another contradicts counts as contradicted.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..checks import registry as checks
from ..core import outcomes
from ..data.register import normalise_space, quote_offset

RE_DERIVED, WEAK = "re-derived", "weak"
GROUP_ORDER = list(outcomes.GROUPS)
_GROUP_OF = {o: g for g, members in outcomes.GROUPS.items() for o in members}


@dataclass(frozen=True)
class PrintedValue:
    source: str
    rows: tuple  # its ledger rows, in register order

    @property
    def checks(self) -> tuple:
        return tuple(r for r in self.rows if r.check != "none")

    @property
    def checked(self) -> bool:
        return bool(self.checks)

    @property
    def kind(self) -> str | None:
        """re-derived, weak, or None when nothing checks it."""
        if not self.checked:
            return None
        return RE_DERIVED if any(r.check in checks.RE_DERIVED for r in self.checks) else WEAK

    @property
    def group(self) -> str | None:
        """The outcome group of its worst check (None when nothing checks it)."""
        groups = [_GROUP_OF.get(r.outcome, GROUP_ORDER[-1]) for r in self.checks]  # misquoted: the worst
        return max(groups, key=GROUP_ORDER.index) if groups else None


def same_values(rows) -> list[int]:
    """For each register row, the number of the printed value it prints (equal numbers: the same
    value). Two rows of a source print the same value when their quotes, aligned where one
    contains the other, put the start of their printed texts at the same place: "2.8 months (95%
    CI 2.4-3.1)" in "median PFS-2 was 2.8 months (95% CI 2.4-3.1) from the time" and "2.8 months"
    in "median PFS-2 was 2.8 months (95% CI 2.4-3.1)" are one value; "33.3%" in "anemia (33.3%),
    and thrombocytopenia (33.3%)" and in "and thrombocytopenia (33.3%)" are two. Only rows whose
    printed texts begin alike are compared (the same place gives the same first characters)."""
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(j)] = root(i)

    buckets: dict[tuple, list[tuple]] = {}
    for i, r in enumerate(rows):
        printed = normalise_space(r.reported)
        buckets.setdefault((r.source, printed.split(" ")[0]), []).append((i, normalise_space(r.quote), quote_offset(r.quote, r.reported)))
    for located in buckets.values():
        _join_aligned([row for row in located if row[2] >= 0], join)
        # a printed text its quote does not hold (rare): compared with every row of its bucket
        for i, quote_a, at_a in (row for row in located if row[2] < 0):
            for j, quote_b, at_b in located:
                if j != i and (_same_place(quote_a, at_a, quote_b, at_b) or _same_place(quote_b, at_b, quote_a, at_a)):
                    join(i, j)
    return [root(i) for i in range(len(rows))]


def _join_aligned(located: list[tuple], join) -> None:
    """`_same_place` for every pair of rows whose printed text is in their quote, without comparing
    every pair (a bucket of a large register holds thousands of rows): `inner` sits in `outer` with
    the printed texts aligned exactly when the text from inner's printed value on is a prefix of
    outer's, and the text before it a suffix of outer's. Sorted by the text from the printed value
    on, the rows whose text starts with a row's text follow it in one run, so each row is compared
    only with those. (Identical quotes are joined first, so a run holds distinct ones.)"""
    first_of: dict[tuple, int] = {}
    for i, quote, at in located:
        key = (quote[at:], quote[:at][::-1])
        if key in first_of:
            join(first_of[key], i)
        else:
            first_of[key] = i
    keyed = sorted(first_of.items())
    for n, ((after, before_reversed), i) in enumerate(keyed):
        for (after_outer, before_outer_reversed), j in keyed[n + 1:]:
            if not after_outer.startswith(after):
                break
            if before_outer_reversed.startswith(before_reversed):
                join(j, i)


def _same_place(outer: str, at_outer: int, inner: str, at_inner: int) -> bool:
    """Does `inner` occur in `outer` so that the printed text at `at_inner` falls at `at_outer`?"""
    k = outer.find(inner)
    while k >= 0:
        if k + at_inner == at_outer:
            return True
        k = outer.find(inner, k + 1)
    return False


def printed_values(rows) -> list[PrintedValue]:
    """The distinct printed values among register rows (inputs and claims), in register order."""
    rows = list(rows)
    found: dict[int, list] = {}
    for r, value in zip(rows, same_values(rows)):
        found.setdefault(value, []).append(r)
    return [PrintedValue(group[0].source, tuple(group)) for group in found.values()]


def summary(values: list[PrintedValue]) -> dict[str, int]:
    """How many printed values, how many checked, re-derived and weak, and how many in each
    outcome group (the groups add up to the checked, and so do re-derived and weak)."""
    checked = [v for v in values if v.checked]
    out = {"printed": len(values), "checked": len(checked),
           RE_DERIVED: sum(v.kind == RE_DERIVED for v in checked), WEAK: sum(v.kind == WEAK for v in checked)}
    for group in GROUP_ORDER:
        out[group] = sum(v.group == group for v in checked)
    return out


def by_kind(values: list[PrintedValue], group: str) -> dict[str, int]:
    """Of the checked values in one outcome group: how many re-derived, how many weak."""
    chosen = [v for v in values if v.checked and v.group == group]
    return {RE_DERIVED: sum(v.kind == RE_DERIVED for v in chosen), WEAK: sum(v.kind == WEAK for v in chosen)}
