"""P values implied by a ratio's confidence interval (Altman & Bland, BMJ 2011;343:d2090)."""
from __future__ import annotations

import functools
import math
from fractions import Fraction

from ..core import outcomes
from .rounding import OUTCOME_OF_RULE, RULES, bounds
from ..core.reported import Number, Reported
from ..core.values import PRange

ALPHA = 0.05


def _sf(z: float) -> float:
    """The standard normal's upper tail: scipy.stats.norm.sf without its argument handling, which
    cost most of `check`'s P-value time (the same value: norm.sf(z) is ndtr(-z) in scipy).
    Imported on first use: a chapter loading the saved ledger never computes a P value."""
    from scipy.special import ndtr
    return float(ndtr(-z))


@functools.cache
def z_of_level(level: int) -> float:
    from scipy.special import ndtri  # scipy.stats.norm.ppf's own function
    return float(ndtri(1 - (1 - level / 100) / 2))


def p_from_ratio_ci(estimate: Number, lower: Number, upper: Number, level: int = 95) -> PRange:
    """Two-sided Wald p for a ratio from its CI: SE = (ln U - ln L) / (2 z), z = ln(est) / SE.

    The range is exact over the rounding box: |ln est| and the log-width are each monotone in
    one printed number, so the extremes of |z| sit at the box's corners."""
    z = z_of_level(level)
    point_se = (math.log(upper.value) - math.log(lower.value)) / (2 * z)
    point = 2 * _sf(abs(math.log(estimate.value)) / point_se)

    e_lo, e_hi = (math.log(v) for v in estimate.interval())
    if e_lo <= 0 <= e_hi:
        abs_min, abs_max = 0.0, max(-e_lo, e_hi)
    else:
        abs_min, abs_max = sorted((abs(e_lo), abs(e_hi)))
    l_lo, l_hi = (max(v, Fraction(1, 10**9)) for v in lower.interval())
    u_lo, u_hi = upper.interval()
    width_min = max(math.log(u_lo) - math.log(l_hi), 0.0)
    width_max = math.log(u_hi) - math.log(l_lo)
    z_max = math.inf if width_min == 0 else abs_max / (width_min / (2 * z))
    z_min = abs_min / (width_max / (2 * z))
    return PRange(point=float(point), low=float(2 * _sf(z_max)), high=float(2 * _sf(z_min)))


def p_from_symmetric_ci(estimate: Number, lower: Number, upper: Number, level: int = 95) -> PRange | None:
    """The same P range, using what a Wald interval also says: before rounding, the estimate is
    the geometric mid-point of its bounds (ln est = (ln L + ln U) / 2).

    In a = ln L, b = ln U, z = z0 |a + b| / (b - a) over the box of L and U that print as the
    printed bounds, cut by the strip in which (a + b) / 2 prints as the printed estimate. z is a
    ratio of linear functions there, so its extremes lie at the corners of that polygon (and z is
    0 where the strip allows a + b = 0). None when no interval prints as all three numbers."""
    z0 = z_of_level(level)
    (a_lo, a_hi), (b_lo, b_hi) = ((math.log(max(v, Fraction(1, 10**9))) for v in n.interval()) for n in (lower, upper))
    s_lo, s_hi = (2 * math.log(max(v, Fraction(1, 10**9))) for v in estimate.interval())
    # corners of the box inside the strip, and where the strip's edges cross the box's edges
    points = [(a, b) for a in (a_lo, a_hi) for b in (b_lo, b_hi) if s_lo <= a + b <= s_hi]
    for s in (s_lo, s_hi):
        points += [(a, s - a) for a in (a_lo, a_hi) if b_lo <= s - a <= b_hi]
        points += [(s - b, b) for b in (b_lo, b_hi) if a_lo <= s - b <= a_hi]
    if not points:
        return None
    # Where the polygon reaches b = a (bounds printed next to each other), |z| has no bound.
    z_max = math.inf if any(b - a <= 0 and a + b != 0 for a, b in points) else None
    zs = [z0 * abs(a + b) / (b - a) for a, b in points if b > a]
    if not zs:
        return None
    z_max = z_max or max(zs)
    z_min = 0.0 if s_lo <= 0 <= s_hi else min(zs)
    point = p_from_ratio_ci(estimate, lower, upper, level).point
    return PRange(point=point, low=float(2 * _sf(z_max)), high=float(2 * _sf(z_min)))


def classify_p(printed: Reported, implied: PRange) -> str:
    """Compare a printed p with the p its CI implies.

    reproduced: the printed p (rounded half-up) is among the implied ones, which all fall on one
    side of 0.05; uninformative: the implied range spans 0.05, so the printed CI cannot settle
    significance; reproduced under another rounding rule (a printed "P = .07" for .076 was
    truncated); decision error: no overlap, and the implied p lies wholly on the other side of
    0.05; discrepancy: no overlap otherwise."""
    lo, hi = (float(v) for v in printed.p.interval())
    overlaps = lo <= implied.high and implied.low < hi
    if overlaps:
        return outcomes.UNINFORMATIVE if implied.low < ALPHA <= implied.high else outcomes.REPRODUCED
    if printed.p.comparator == "=":
        for rule in RULES[1:]:
            r_lo, r_hi = (float(v) for v in bounds(printed.p.number, rule))
            if r_lo <= implied.high and implied.low <= r_hi:
                return OUTCOME_OF_RULE[rule]
    if hi <= ALPHA and implied.low >= ALPHA:
        return outcomes.DECISION_ERROR
    if lo >= ALPHA and implied.high < ALPHA:
        return outcomes.DECISION_ERROR
    return outcomes.DISCREPANCY
