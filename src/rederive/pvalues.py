"""P values implied by a ratio's confidence interval (Altman & Bland, BMJ 2011;343:d2090)."""
from __future__ import annotations

import math
from fractions import Fraction

from scipy.stats import norm

from . import outcomes
from .reported import Number, Reported
from .values import PRange

ALPHA = 0.05


def z_of_level(level: int) -> float:
    return float(norm.ppf(1 - (1 - level / 100) / 2))


def p_from_ratio_ci(estimate: Number, lower: Number, upper: Number, level: int = 95) -> PRange:
    """Two-sided Wald p for a ratio from its CI: SE = (ln U - ln L) / (2 z), z = ln(est) / SE.

    The range is exact over the rounding box: |ln est| and the log-width are each monotone in
    one printed number, so the extremes of |z| sit at the box's corners."""
    z = z_of_level(level)
    point_se = (math.log(upper.value) - math.log(lower.value)) / (2 * z)
    point = 2 * norm.sf(abs(math.log(estimate.value)) / point_se)

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
    return PRange(point=float(point), low=float(2 * norm.sf(z_max)), high=float(2 * norm.sf(z_min)))


def classify_p(printed: Reported, implied: PRange) -> str:
    """Compare a printed p with the p its CI implies.

    reproduced: the printed p is among the implied ones, which all fall on one side of 0.05;
    uninformative: the implied range spans 0.05, so the printed CI cannot settle significance;
    decision error: no overlap, and the implied p lies wholly on the other side of 0.05;
    discrepancy: no overlap otherwise."""
    lo, hi = (float(v) for v in printed.p.interval())
    overlaps = lo <= implied.high and implied.low < hi
    if overlaps:
        return outcomes.UNINFORMATIVE if implied.low < ALPHA <= implied.high else outcomes.REPRODUCED
    if hi <= ALPHA and implied.low >= ALPHA:
        return outcomes.DECISION_ERROR
    if lo >= ALPHA and implied.high < ALPHA:
        return outcomes.DECISION_ERROR
    return outcomes.DISCREPANCY
