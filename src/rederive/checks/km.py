"""Which Kaplan-Meier estimates can n patients produce at a landmark?

Before the landmark, each patient either has the event or is censored; the estimate there is
the product over event times of (1 - 1/at risk). Events tied at one time give the same product
as the same events in sequence, so sequences of single events and censorings reach every value
the estimator can take. The enumeration walks those sequences exactly (Fractions), merging
sequences that reach the same state, so n = 12 takes milliseconds.

What is counted: distinct (estimate, events, censorings before the landmark) combinations, each
with one example sequence; not sequences, of which there are many more. A printed follow-up
restricts them (`at_risk_bounds`): someone must be at risk at the landmark, or the estimate is
undefined there, and no more patients than the follow-up allows can still be observed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from . import rounding
from ..core.reported import Number


@dataclass(frozen=True)
class Path:
    estimate: Fraction
    events: int
    censored: int  # censored before the landmark
    sequence: str  # one example, in time order: E event, C censored


@functools.lru_cache(maxsize=8)
def reachable(n: int) -> tuple[Path, ...]:
    """Every (estimate, events, censorings) a KM curve of n patients can show at a landmark,
    with one example sequence each. A pure function of n, so computed once per n."""
    # state: (at risk, estimate, events, censored) -> example sequence
    frontier = {(n, Fraction(1), 0, 0): ""}
    seen = dict(frontier)
    while frontier:
        following = {}
        for (at_risk, s, e, c), seq in frontier.items():
            if at_risk == 0:
                continue
            for state, step in (((at_risk - 1, s * Fraction(at_risk - 1, at_risk), e + 1, c), "E"),
                                ((at_risk - 1, s, e, c + 1), "C")):
                if state not in seen:
                    seen[state] = following[state] = seq + step
        frontier = following
    best: dict[tuple, Path] = {}
    for (at_risk, s, e, c), seq in seen.items():
        key = (s, e, c)
        if key not in best or len(seq) < len(best[key].sequence):
            best[key] = Path(s, e, c, " ".join(seq) or "(none)")
    return tuple(sorted(best.values(), key=lambda p: (p.events, p.censored, p.estimate)))


def at_risk_bounds(n: int, landmark: Fraction, median_followup: Fraction | None = None,
                   longest_followup: Fraction | None = None) -> tuple[int, int]:
    """How many of n patients can be at risk at the landmark, given the printed follow-up.

    At least one, or the estimate is undefined there; none at all if nobody was followed that
    long. With a median follow-up shorter than the landmark, at least half the patients (the
    ceiling of n/2) were followed no longer than the median, so at most the rest can be at risk."""
    if longest_followup is not None and longest_followup < landmark:
        return 1, 0  # an empty range: no curve of these patients reaches the landmark
    high = n
    if median_followup is not None and median_followup < landmark:
        high = n - (n + 1) // 2
    return 1, high


def matching(n: int, printed: Number, at_risk: tuple[int, int] = (1, None)) -> list[Path]:
    """Paths whose estimate rounds (half up) to the printed percentage, with a number at risk at
    the landmark inside `at_risk` (default: at least one, so that the estimate is defined)."""
    low, high = at_risk[0], n if at_risk[1] is None else at_risk[1]
    return [p for p in reachable(n) if rounding.contains(printed, 100 * p.estimate)
            and low <= n - p.events - p.censored <= high]

