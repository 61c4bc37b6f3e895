"""Rounding rules, and which values a printed number stands for under each.

"22.7" printed to one decimal stands for an interval of true values, and which interval depends
on the rule the source used. Four rules are named here, in the order the ledger tries them:

- half-up (the default; plain "reproduced"): [22.65, 22.75)
- half-even (banker's rounding, used by some software): as half-up, except that an exact tie
  goes to the even digit, so 22.65 prints as 22.6 and 22.75 as 22.8
- truncation (digits dropped): [22.7, 22.8)
- ceiling (always rounded up): (22.6, 22.7]

Every search for "which counts give this printed percentage" goes through `numerators`, so the
rule is applied the same way by GRIM, the subgroup reconstruction and the Kaplan-Meier search.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

from ..core import outcomes
from ..core.reported import Number

HALF_UP, HALF_EVEN, TRUNCATION, CEILING = "half-up", "half-even", "truncation", "ceiling"
RULES = [HALF_UP, HALF_EVEN, TRUNCATION, CEILING]
OUTCOME_OF_RULE = {HALF_UP: outcomes.REPRODUCED, HALF_EVEN: outcomes.HALF_EVEN,
                   TRUNCATION: outcomes.TRUNCATED, CEILING: outcomes.CEILING}


def contains(printed: Number, x: Fraction, rule: str = HALF_UP) -> bool:
    """Does the true value x print as `printed` under `rule`?"""
    v, step = printed.value, printed.step
    if v is None:
        raise ValueError(f"{printed.text!r} has no numeric value")
    half = step / 2
    if rule == HALF_UP:
        return v - half <= x < v + half
    if rule == HALF_EVEN:
        last_digit_even = int(v / step) % 2 == 0
        if last_digit_even:
            return v - half <= x <= v + half
        return v - half < x < v + half
    if rule == TRUNCATION:
        return v <= x < v + step
    if rule == CEILING:
        return v - step < x <= v
    raise ValueError(f"unknown rounding rule {rule!r}")


def bounds(printed: Number, rule: str = HALF_UP) -> tuple[Fraction, Fraction]:
    """The closure of the values `printed` stands for under `rule` (ends may be open)."""
    v, step = printed.value, printed.step
    if v is None:
        raise ValueError(f"{printed.text!r} has no numeric value")
    if rule in (HALF_UP, HALF_EVEN):
        return v - step / 2, v + step / 2
    if rule == TRUNCATION:
        return v, v + step
    if rule == CEILING:
        return v - step, v
    raise ValueError(f"unknown rounding rule {rule!r}")


def rule_for(printed: Number, x: Fraction) -> str | None:
    """The first rule (in RULES order) under which x prints as `printed`; None if none does."""
    return next((rule for rule in RULES if contains(printed, x, rule)), None)


def classify(printed: Number, x: Fraction) -> str:
    """The outcome of comparing a derived value with a printed one: the rule it needs, or a
    discrepancy when no rule gives the printed digits."""
    rule = rule_for(printed, x)
    return OUTCOME_OF_RULE[rule] if rule else outcomes.DISCREPANCY


def numerators(printed: Number, denominator: int, rule: str = HALF_UP, scale: int = 100) -> list[int]:
    """Whole counts k (0..denominator) whose scale * k / denominator prints as `printed`.

    Only the few k near printed * denominator / scale can qualify, so this looks at those
    rather than at every k."""
    return list(_numerators(printed, denominator, rule, scale))


# Remembered: the subgroup reconstruction and the mutation scores ask the same questions many
# times over (mutation scores of two registers: 8.1-8.4 -> 6.0-6.4 CPU-s).
@functools.lru_cache(maxsize=1 << 16)
def _numerators(printed: Number, denominator: int, rule: str, scale: int) -> tuple[int, ...]:
    if denominator <= 0:
        return ()
    lo, hi = bounds(printed, rule)
    first = max(0, math.floor(lo * denominator / scale))
    last = min(denominator, math.ceil(hi * denominator / scale))
    return tuple(k for k in range(first, last + 1)
                 if contains(printed, Fraction(scale * k, denominator), rule))


def denominators(printed: Number, numerator: int, candidates, rule: str = HALF_UP) -> list[int]:
    """Denominators n among candidates for which numerator / n prints as the percentage."""
    return [n for n in candidates if n >= max(numerator, 1)
            and contains(printed, Fraction(100 * numerator, n), rule)]


def convention_evidence(printed: Number, denominator: int, numerator: int | None = None, scale: int = 100) -> str | None:
    """What one printed value shows about its source's rounding convention: HALF_UP when only
    rounding gives it (from the known count, or from any count over the denominator), TRUNCATION
    when only truncation does, None when both or neither do. A source that demonstrably rounds
    elsewhere makes a value that fits only by truncation more likely over another denominator."""
    if numerator is not None:
        value = Fraction(scale * numerator, denominator)
        rounded, truncated = contains(printed, value, HALF_UP), contains(printed, value, TRUNCATION)
    else:
        rounded = bool(numerators(printed, denominator, HALF_UP, scale))
        truncated = bool(numerators(printed, denominator, TRUNCATION, scale))
    if rounded != truncated:
        return HALF_UP if rounded else TRUNCATION
    return None
