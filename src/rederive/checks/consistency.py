"""Intrinsic checks: one printed statement against itself (an estimate inside its CI, a ratio's
CI symmetric on the log scale, a median inside its range, a P value against its own CI)."""
from __future__ import annotations

import math

from ..core import formatting as fmt
from ..core import outcomes
from .pvalues import classify_p, p_from_ratio_ci, p_from_symmetric_ci
from ..core.reported import Reported
from ..core.result import Result
from ..core.values import Bounds

RATIO_LABELS = {"HR", "OR", "RR", "IRR"}


def check_p_from_ci(r: Reported) -> Result:
    if r.p is None or r.ci is None or r.estimate is None:
        raise ValueError("p_from_ci needs a printed p, estimate and CI")
    box = p_from_ratio_ci(r.estimate, r.ci[0], r.ci[1], r.ci_level or 95)
    # A Wald interval is symmetric on the log scale before rounding: the range under that
    # constraint is the one the printed numbers allow; without a consistent interval, the box's.
    implied = p_from_symmetric_ci(r.estimate, r.ci[0], r.ci[1], r.ci_level or 95) or box
    shown = (f"p {fmt.number(implied.point, 3)} (range {fmt.number(implied.low, 3)} to {fmt.number(implied.high, 3)}; "
             f"{fmt.number(box.low, 3)} to {fmt.number(box.high, 3)} without the log-symmetry constraint)")
    return Result(classify_p(r, implied), implied, shown, f"printed {r.p}")


def check_ci_consistency(r: Reported) -> Result:
    """The estimate lies inside its CI and, for a ratio, the CI is symmetric on the log scale,
    both allowing for the rounding of every printed number."""
    if r.estimate is None or r.ci is None:
        raise ValueError("ci_consistency needs an estimate and a CI")
    if r.estimate.not_reached:  # "NR (19.7-NR)": a median not reached cannot have a finite upper bound
        upper = r.ci[1]
        value = Bounds(None if r.ci[0].not_reached else r.ci[0].value, None if upper.not_reached else upper.value)
        if upper.not_reached:
            return Result(outcomes.CONSISTENT, value, "median and upper bound not reached")
        return Result(outcomes.INCONSISTENT, value, "median not reached",
                      f"the median is {r.estimate} but the upper bound is {upper}")
    e_lo, e_hi = r.estimate.interval()
    lower, upper = r.ci
    problems = []
    if not lower.not_reached and e_hi < lower.interval()[0]:
        problems.append(f"estimate {r.estimate} below lower bound {lower}")
    if not upper.not_reached and e_lo >= upper.interval()[1]:
        problems.append(f"estimate {r.estimate} above upper bound {upper}")
    value = Bounds(None if lower.not_reached else lower.value, None if upper.not_reached else upper.value)
    shown = "estimate inside CI"
    if r.label in RATIO_LABELS and not (lower.not_reached or upper.not_reached):
        (l_lo, l_hi), (u_lo, u_hi) = lower.interval(), upper.interval()
        geo_lo, geo_hi = math.sqrt(l_lo * u_lo), math.sqrt(l_hi * u_hi)
        value = Bounds(geo_lo, geo_hi)
        shown = f"geometric mid-point of CI {geo_lo:.3f} to {geo_hi:.3f}"
        if geo_hi < e_lo or geo_lo >= e_hi:
            problems.append(f"CI not symmetric on log scale around {r.estimate}")
    outcome = outcomes.INCONSISTENT if problems else outcomes.CONSISTENT
    return Result(outcome, value, shown, "; ".join(problems))


def check_median_in_range(r: Reported) -> Result:
    if r.estimate is None or r.range is None:
        raise ValueError("median_in_range needs an estimate and a range")
    lo, hi = r.range[0].interval()[0], r.range[1].interval()[1]
    e_lo, e_hi = r.estimate.interval()
    ok = e_hi >= lo and e_lo < hi
    return Result(outcomes.CONSISTENT if ok else outcomes.INCONSISTENT, Bounds(r.range[0].value, r.range[1].value),
                  f"range {r.range[0]} to {r.range[1]}")
