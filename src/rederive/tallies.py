"""Honest tallies: distinct printed values, how strongly each is checked, and what became of it.

One printed value (the same quote and printed text, in one source) can be checked by several
register rows: a Cox result by its CI (ci_consistency) and by its P (p_from_ci). The tallies count
it once. It is *checked* when any of its rows carries a check; *re-derived* when any of those
checks computes it again from other printed numbers (checks.RE_DERIVED), *weak* otherwise
(checks.WEAK: the same number printed twice, an estimate inside its own CI...); and it falls in
the last outcome group (outcomes.GROUPS runs from holding up to contradicted) that any of its
checks falls in, so a value one check clears and another contradicts counts as contradicted.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import checks, outcomes, travel

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


def printed_values(rows) -> list[PrintedValue]:
    """The distinct printed values among register rows (inputs and claims), in register order."""
    found: dict[tuple, list] = {}
    for r in rows:
        found.setdefault((r.source, *travel.printed_value(r)), []).append(r)
    return [PrintedValue(key[0], tuple(group)) for key, group in found.items()]


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
