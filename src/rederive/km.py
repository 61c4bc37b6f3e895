"""Which Kaplan-Meier estimates can n patients produce at a landmark?

Before the landmark, each patient either has the event or is censored; the estimate there is
the product over event times of (1 - 1/at risk). Events tied at one time give the same product
as the same events in sequence, so sequences of single events and censorings reach every value
the estimator can take. The enumeration walks those sequences exactly (Fractions), merging
sequences that reach the same state, so n = 12 takes milliseconds.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from . import rounding
from .reported import Number


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


def matching(n: int, printed: Number) -> list[Path]:
    """Paths whose estimate rounds (half up) to the printed percentage."""
    return [p for p in reachable(n) if rounding.contains(printed, 100 * p.estimate)]

