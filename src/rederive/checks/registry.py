"""The registry of checks: which check names exist, what each can conclude, and which a
register row may carry. The checks themselves live by concern:

- rederive.checks.rounding: rounding rules and the counts that give a printed percentage;
- rederive.checks.pvalues: P values implied by a ratio's CI;
- rederive.checks.consistency: one printed statement against itself (intrinsic checks);
- rederive.checks.derivations: values a source module derives from other inputs;
- rederive.core.outcomes: the outcome names.
"""
from __future__ import annotations

from . import derivations as d
from ..core import outcomes as o
from .consistency import check_ci_consistency, check_median_in_range, check_p_from_ci


def check_untraceable(r):
    """A printed number the source gives no way to re-derive (an analysis it never describes, an
    impossible estimate): the ledger says so instead of calling it an input."""
    from ..core.result import Result
    return Result(o.METHOD_UNKNOWN, None, "the source describes no analysis that gives it")

INTRINSIC = {
    "p_from_ci": check_p_from_ci,
    "ci_consistency": check_ci_consistency,
    "median_in_range": check_median_in_range,
    "untraceable": check_untraceable,
}
DERIVED = {cls.check: cls for cls in (d.Percent, d.Total, d.Grim, d.Agrees, d.Within, d.Value,
                                      d.PooledProportion, d.Range, d.Feasible, d.Verbal, d.ColumnPrecision)}

_ROUNDED = {*o.ROUNDED, o.DISCREPANCY}
# Which outcomes each check can produce: the register's `expected` must be one of them.
POSSIBLE = {
    "none": {o.INPUT},
    "p_from_ci": {*o.ROUNDED, o.UNINFORMATIVE, o.DISCREPANCY, o.DECISION_ERROR},
    "ci_consistency": {o.CONSISTENT, o.INCONSISTENT},
    "median_in_range": {o.CONSISTENT, o.INCONSISTENT},
    "percent_of_counts": {*_ROUNDED, o.DENOMINATOR_UNSTATED},
    "sum": _ROUNDED,
    "grim": {*_ROUNDED, o.DENOMINATOR_UNSTATED},
    "agrees_with": {o.CONSISTENT, o.TRUNCATED, o.INCONSISTENT, o.UNINFORMATIVE, o.SUSPECT_IDENTICAL},
    "within": {o.CONSISTENT, o.INCONSISTENT},
    "value": {*_ROUNDED, o.METHOD_UNKNOWN},
    "untraceable": {o.METHOD_UNKNOWN},
    # a statement whose words printed numbers decide (rederive.checks.verdicts)
    "verbal": {o.CONSISTENT, o.INCONSISTENT, o.UNINFORMATIVE},
    "pooled_proportion": _ROUNDED,
    "range": _ROUNDED,
    "feasible": {o.CONSISTENT, o.INCONSISTENT},
    # a share printed with fewer decimals than its column (derivations.ColumnPrecision)
    "column_precision": {o.CONSISTENT, o.INCONSISTENT},
}
# A check that reads other printed values passes on to its row the findings they carry
# (rederive.ledger.travel): any of them can end in "rests on a flagged value".
for _check in DERIVED:
    POSSIBLE[_check] = POSSIBLE[_check] | {o.RESTS_ON_FLAGGED}

# What a check can show, for the tallies (rederive.ledger.tallies): RE_DERIVED computes the printed number
# again from other printed numbers and compares it at its printed precision (a percentage from its
# counts, a total from its parts, a P value from its ratio and CI, a pooled rate, a range from the
# values it spans, a value from the method the source names, words from the numbers that decide
# them, a share from its count at its column's precision); WEAK can only show that the number is possible or agrees (the same number printed twice,
# an estimate inside its own CI, a median inside its range, a value between bounds other numbers
# set, a percentage some whole count of its n gives, a rate some subgroup split or Kaplan-Meier
# curve can produce), or says that nothing can check it (untraceable).
RE_DERIVED = {"percent_of_counts", "sum", "value", "pooled_proportion", "range", "p_from_ci", "verbal",
              "column_precision"}
WEAK = {"agrees_with", "ci_consistency", "median_in_range", "within", "grim", "feasible", "untraceable"}

# Consistency checks may guard an input; re-derivations make a row a claim.
# What an intrinsic check needs in the printed value.
NEEDS = {"p_from_ci": ("p", "ci", "estimate"), "ci_consistency": ("ci", "estimate"), "median_in_range": ("range", "estimate")}
INPUT_CHECKS = {"none", "ci_consistency", "median_in_range"}
CLAIM_CHECKS = set(POSSIBLE) - {"none"}
