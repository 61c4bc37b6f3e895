"""What a Kaplan-Meier median implies about landmark survival, and about pooled groups."""
from __future__ import annotations

from fractions import Fraction


def landmark_bounds(median: Fraction, landmark: Fraction) -> tuple[int, int]:
    """Bounds (in %) on survival at `landmark` given the median survival time.

    S is non-increasing and S(median) = 50%, so S(t) <= 50% after the median and >= 50% before.
    At the median itself nothing is excluded."""
    if median < landmark:
        return 0, 50
    if median > landmark:
        return 50, 100
    return 0, 100


def pooled_median_bounds(medians: list[Fraction]) -> tuple[Fraction, Fraction]:
    """A group's median when it is the union of subgroups lies between the subgroups' medians.

    Pooled S(t) is a weighted mean of the subgroups' S(t); at the smallest subgroup median every
    S is >= 50%, at the largest every S is <= 50%, so the pooled median lies between them."""
    return min(medians), max(medians)
