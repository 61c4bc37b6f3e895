"""Re-derivations and consistency checks, each comparing a printed value with what it implies.

Two kinds of check:
- *intrinsic* checks read one printed statement on its own (a p-value against its own CI, an
  estimate inside its CI, a median inside its range); the ledger runs them on the row itself;
- *derived* checks compare a printed value with something a source module computed from other
  inputs (a percentage from its counts, a total from its parts); the source module returns one
  of the Derivation objects below for every such claim.

Every comparison honours the printed precision (see reported.Number.interval) and uses exact
fractions wherever the arithmetic allows, so 6.65 vs 6.6499 cannot flip a verdict.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from scipy.stats import norm

from .reported import Number, Reported

# Outcomes. Only `misquoted` can never be expected: it means the register contradicts itself.
INPUT = "input"
REPRODUCED = "reproduced"
TRUNCATED = "reproduced by truncation"
DISCREPANCY = "discrepancy"
DECISION_ERROR = "decision error"
CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
UNINFORMATIVE = "uninformative"
MISQUOTED = "misquoted"

GOOD_OUTCOMES = {INPUT, REPRODUCED, CONSISTENT}
OUTCOMES = [INPUT, REPRODUCED, TRUNCATED, CONSISTENT, UNINFORMATIVE, DISCREPANCY,
            INCONSISTENT, DECISION_ERROR, MISQUOTED]

ALPHA = 0.05


@dataclass(frozen=True)
class Result:
    outcome: str
    derived: str  # the derived value, as the ledger shows it
    detail: str = ""


def pct(x: Fraction | float, places: int = 2) -> str:
    return f"{float(x):.{places}f}%"


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    return f"{x:.3g}" if abs(x) < 1e-3 else f"{x:.4f}"


# --- percentages of counts -------------------------------------------------------------------

def percent_of_counts(numerator: int, denominator: int) -> Fraction:
    """Exact percentage: Fraction(100 * numerator, denominator)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return Fraction(100 * numerator, denominator)


def classify_rounded(printed: Number, derived: Fraction) -> str:
    """reproduced if derived rounds (half up) to the printed text; by truncation if it
    truncates to it; otherwise a discrepancy."""
    lo, hi = printed.interval()
    if lo <= derived < hi:
        return REPRODUCED
    lo, hi = printed.truncation_interval()
    if lo <= derived < hi:
        return TRUNCATED
    return DISCREPANCY


def grim_numerators(printed: Number, denominator: int, truncated: bool = False) -> list[int]:
    """Integer numerators k (0..denominator) whose k/denominator rounds (or, with truncated,
    truncates) to the printed %."""
    lo, hi = printed.truncation_interval() if truncated else printed.interval()
    return [k for k in range(denominator + 1) if lo <= percent_of_counts(k, denominator) < hi]


def grim_denominators(printed: Number, numerator: int, candidates) -> list[int]:
    """Denominators n among candidates for which numerator/n rounds to the printed %."""
    lo, hi = printed.interval()
    return [n for n in candidates if n >= numerator and lo <= percent_of_counts(numerator, n) < hi]


# --- p-values from confidence intervals (Altman & Bland, BMJ 2011;343:d2090) ----------------

@dataclass(frozen=True)
class PRange:
    """p implied by a ratio and its CI: the point value from the printed numbers, and the
    range over every value that rounds to the printed estimate and bounds."""

    point: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"p {_fmt(self.point)} (range {_fmt(self.low)} to {_fmt(self.high)})"


def _z(level: int) -> float:
    return float(norm.ppf(1 - (1 - level / 100) / 2))


def p_from_ratio_ci(estimate: Number, lower: Number, upper: Number, level: int = 95) -> PRange:
    """Two-sided Wald p for a ratio from its CI: SE = (ln U - ln L) / (2 z), z = ln(est) / SE.

    The range is exact over the rounding box: |ln est| and the log-width are each monotone in
    one printed number, so the extremes of |z| sit at the box's corners."""
    z = _z(level)
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
        return UNINFORMATIVE if implied.low < ALPHA <= implied.high else REPRODUCED
    printed_significant = hi <= ALPHA
    if printed_significant and implied.low >= ALPHA:
        return DECISION_ERROR
    if lo >= ALPHA and implied.high < ALPHA:
        return DECISION_ERROR
    return DISCREPANCY


def check_p_from_ci(r: Reported) -> Result:
    if r.p is None or r.ci is None or r.estimate is None:
        raise ValueError("p_from_ci needs a printed p, estimate and CI")
    implied = p_from_ratio_ci(r.estimate, r.ci[0], r.ci[1], r.ci_level or 95)
    return Result(classify_p(r, implied), str(implied), f"printed {r.p}")


# --- estimates, intervals, ranges ---------------------------------------------------------------

RATIO_LABELS = {"HR", "OR", "RR", "IRR"}


def check_ci_consistency(r: Reported) -> Result:
    """The estimate lies inside its CI and, for a ratio, the CI is symmetric on the log scale,
    both allowing for the rounding of every printed number."""
    if r.estimate is None or r.ci is None:
        raise ValueError("ci_consistency needs an estimate and a CI")
    e_lo, e_hi = r.estimate.interval()
    lower, upper = r.ci
    problems = []
    if not lower.not_reached and e_hi < lower.interval()[0]:
        problems.append(f"estimate {r.estimate} below lower bound {lower}")
    if not upper.not_reached and e_lo >= upper.interval()[1]:
        problems.append(f"estimate {r.estimate} above upper bound {upper}")
    derived = "estimate inside CI"
    if r.label in RATIO_LABELS and not (lower.not_reached or upper.not_reached):
        (l_lo, l_hi), (u_lo, u_hi) = lower.interval(), upper.interval()
        geo_lo, geo_hi = math.sqrt(l_lo * u_lo), math.sqrt(l_hi * u_hi)
        derived = f"geometric mid-point of CI {geo_lo:.3f} to {geo_hi:.3f}"
        if geo_hi < e_lo or geo_lo >= e_hi:
            problems.append(f"CI not symmetric on log scale around {r.estimate}")
    return Result(INCONSISTENT if problems else CONSISTENT, derived, "; ".join(problems))


def check_median_in_range(r: Reported) -> Result:
    if r.estimate is None or r.range is None:
        raise ValueError("median_in_range needs an estimate and a range")
    lo, hi = r.range[0].interval()[0], r.range[1].interval()[1]
    e_lo, e_hi = r.estimate.interval()
    ok = e_hi >= lo and e_lo < hi
    return Result(CONSISTENT if ok else INCONSISTENT, f"range {r.range[0]} to {r.range[1]}")


# --- derivations returned by source modules -----------------------------------------------------

class Derivation:
    """A value derived from inputs, and how to compare it with the printed claim."""

    check: str

    def compare(self, printed: Reported) -> Result:
        raise NotImplementedError


@dataclass(frozen=True)
class Percent(Derivation):
    """A printed percentage against numerator/denominator, exactly."""

    numerator: int
    denominator: int
    check = "percent_of_counts"

    def compare(self, printed: Reported) -> Result:
        value = percent_of_counts(self.numerator, self.denominator)
        shown = f"{self.numerator}/{self.denominator} = {pct(value)}"
        return Result(classify_rounded(printed.estimate, value), shown)


@dataclass(frozen=True)
class Total(Derivation):
    """A printed number against the sum of its parts (or any exact arithmetic)."""

    parts: tuple
    check = "sum"

    def compare(self, printed: Reported) -> Result:
        value = sum(Fraction(p) for p in self.parts)
        terms = [str(self.parts[0])] + [f"{'-' if p < 0 else '+'} {abs(p)}" for p in self.parts[1:]]
        shown = " ".join(terms) + f" = {float(value):g}"
        return Result(classify_rounded(printed.estimate, value), shown)


@dataclass(frozen=True)
class Grim(Derivation):
    """Can some integer count over this denominator produce the printed percentage?"""

    denominator: int
    check = "grim"

    def compare(self, printed: Reported) -> Result:
        ks = grim_numerators(printed.estimate, self.denominator)
        if ks:
            shown = ", ".join(f"{k}/{self.denominator} = {pct(percent_of_counts(k, self.denominator))}" for k in ks)
            return Result(REPRODUCED, shown)
        ks = grim_numerators(printed.estimate, self.denominator, truncated=True)
        if ks:
            return Result(TRUNCATED, f"{ks[0]}/{self.denominator} = {pct(percent_of_counts(ks[0], self.denominator))}")
        return Result(DISCREPANCY, f"no count out of {self.denominator}")


@dataclass(frozen=True)
class Agrees(Derivation):
    """Two places print the same quantity: do their printed values admit a common value?"""

    other_id: str
    other: Reported
    check = "agrees_with"

    def compare(self, printed: Reported) -> Result:
        shown = f"{self.other.text} ({self.other_id})"
        a, b = _main_number(printed, printed), _main_number(self.other, printed)
        (a_lo, a_hi), (b_lo, b_hi) = _admitted(printed, printed), _admitted(self.other, printed)
        if a_lo < b_hi and b_lo < a_hi:
            return Result(CONSISTENT, shown)
        (ta_lo, ta_hi), (tb_lo, tb_hi) = a.truncation_interval(), b.truncation_interval()
        if tb_lo <= a.value < tb_hi or ta_lo <= b.value < ta_hi:
            return Result(TRUNCATED, shown, "equal only if one of them was truncated")
        return Result(INCONSISTENT, shown)


def _is_p(r: Reported) -> bool:
    return r.estimate is None and r.p is not None


def _main_number(r: Reported, like: Reported) -> Number:
    """The number of r that corresponds to `like`'s: its p if `like` is a bare p."""
    return r.p.number if _is_p(like) else r.estimate


def _admitted(r: Reported, like: Reported) -> tuple[Fraction, Fraction]:
    return r.p.interval() if _is_p(like) else r.estimate.interval()


@dataclass(frozen=True)
class Within(Derivation):
    """A printed value must lie within bounds that other inputs imply (why: `reason`)."""

    low: Fraction | float
    high: Fraction | float | None  # None: no upper bound
    reason: str
    check = "within"

    def compare(self, printed: Reported) -> Result:
        lo, hi = printed.estimate.interval()
        ok = hi > Fraction(self.low) and (self.high is None or lo <= Fraction(self.high))
        bound = f"at least {float(self.low):.3g}" if self.high is None else \
            f"between {float(self.low):.3g} and {float(self.high):.3g}"
        shown = f"{bound} ({self.reason})"
        return Result(CONSISTENT if ok else INCONSISTENT, shown)


def _combine(outcomes: list[str]) -> str:
    """Several printed numbers checked together: the weakest outcome stands for all."""
    if all(o == REPRODUCED for o in outcomes):
        return REPRODUCED
    if all(o in (REPRODUCED, TRUNCATED) for o in outcomes):
        return TRUNCATED
    return DISCREPANCY


@dataclass(frozen=True)
class Value(Derivation):
    """A printed number (or P value) against one value computed from inputs."""

    value: float | Fraction
    shown: str = ""
    check = "value"

    def compare(self, printed: Reported) -> Result:
        derived = Fraction(self.value)
        shown = self.shown or f"{float(derived):.4g}"
        if printed.estimate is None and printed.p is not None:
            lo, hi = printed.p.interval()
            if lo <= derived < hi:
                return Result(REPRODUCED, shown)
            if printed.p.comparator == "=":
                t_lo, t_hi = printed.p.number.truncation_interval()
                if t_lo <= derived < t_hi:
                    return Result(TRUNCATED, shown)
            return Result(DISCREPANCY, shown)
        return Result(classify_rounded(printed.estimate, derived), shown)


@dataclass(frozen=True)
class PooledProportion(Derivation):
    """A printed pooled proportion and its CI against a meta-analysis (proportions in [0, 1])."""

    estimate: float
    low: float
    high: float
    check = "pooled_proportion"

    def compare(self, printed: Reported) -> Result:
        scale = 100 if printed.is_percent else 1
        derived = [Fraction(v) * scale for v in (self.estimate, self.low, self.high)]
        numbers = [printed.estimate, *printed.ci]
        outcome = _combine([classify_rounded(n, d) for n, d in zip(numbers, derived)])
        unit = "%" if scale == 100 else ""
        shown = f"{float(derived[0]):.4g}{unit} ({float(derived[1]):.4g}-{float(derived[2]):.4g}{unit})"
        return Result(outcome, shown)


@dataclass(frozen=True)
class Range(Derivation):
    """A printed range ("50-76.1%") against the smallest and largest of the values it summarises."""

    low: float | Fraction
    high: float | Fraction
    shown: str = ""
    check = "range"

    def compare(self, printed: Reported) -> Result:
        derived = (Fraction(self.low), Fraction(self.high))
        outcome = _combine([classify_rounded(n, d) for n, d in zip(printed.range, derived)])
        return Result(outcome, self.shown or f"{float(derived[0]):.4g} to {float(derived[1]):.4g}")


@dataclass(frozen=True)
class Feasible(Derivation):
    """A printed value that some exact enumeration can produce (count: how many ways)."""

    count: int
    shown: str
    check = "feasible"

    def compare(self, printed: Reported) -> Result:
        return Result(CONSISTENT if self.count > 0 else INCONSISTENT, self.shown)


INTRINSIC = {
    "p_from_ci": check_p_from_ci,
    "ci_consistency": check_ci_consistency,
    "median_in_range": check_median_in_range,
}
DERIVED = {cls.check: cls for cls in (Percent, Total, Grim, Agrees, Within, Value, PooledProportion, Range, Feasible)}

# Which outcomes each check can produce: the register's `expected` must be one of them.
POSSIBLE = {
    "none": {INPUT},
    "p_from_ci": {REPRODUCED, UNINFORMATIVE, DISCREPANCY, DECISION_ERROR},
    "ci_consistency": {CONSISTENT, INCONSISTENT},
    "median_in_range": {CONSISTENT, INCONSISTENT},
    "percent_of_counts": {REPRODUCED, TRUNCATED, DISCREPANCY},
    "sum": {REPRODUCED, TRUNCATED, DISCREPANCY},
    "grim": {REPRODUCED, TRUNCATED, DISCREPANCY},
    "agrees_with": {CONSISTENT, TRUNCATED, INCONSISTENT},
    "within": {CONSISTENT, INCONSISTENT},
    "value": {REPRODUCED, TRUNCATED, DISCREPANCY},
    "pooled_proportion": {REPRODUCED, TRUNCATED, DISCREPANCY},
    "range": {REPRODUCED, TRUNCATED, DISCREPANCY},
    "feasible": {CONSISTENT, INCONSISTENT},
}
# Consistency checks may guard an input; re-derivations make a row a claim.
INPUT_CHECKS = {"none", "ci_consistency", "median_in_range"}
CLAIM_CHECKS = set(POSSIBLE) - {"none"}
