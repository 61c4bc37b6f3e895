"""What a small series can and cannot show: exact intervals and the power of an exact test.

statsmodels gives the Clopper-Pearson interval; scipy the binomial distribution. Written here
only the two questions a 12-patient series raises, which neither package answers directly:
the power of a one-sided exact test against a reference rate, and the smallest true rate such
a test would detect with a given power.
"""
from __future__ import annotations

from dataclasses import dataclass

# scipy is imported where it is used: unpickling a saved ledger loads this module for
# Detectable, and scipy.stats would be most of a chapter's start-up time.


def exact_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval for k of n."""
    from statsmodels.stats.proportion import proportion_confint  # imported here: check with a warm cache never needs statsmodels
    low, high = proportion_confint(k, n, alpha=1 - level, method="beta")
    return float(low), float(high)


def critical_count(n: int, p0: float, alpha: float = 0.025) -> int | None:
    """The smallest k whose upper tail P(X >= k | p0) is at most alpha (one-sided exact test of
    H0: p <= p0); None when even n of n is not significant."""
    from scipy import stats
    for k in range(n + 1):
        if stats.binom.sf(k - 1, n, p0) <= alpha:
            return k
    return None


def power(n: int, p0: float, p1: float, alpha: float = 0.025) -> float:
    """Probability that the one-sided exact test rejects H0: p <= p0 when the true rate is p1."""
    from scipy import stats
    k = critical_count(n, p0, alpha)
    return 0.0 if k is None else float(stats.binom.sf(k - 1, n, p1))


@dataclass(frozen=True)
class Detectable:
    n: int
    reference: float  # p0
    critical: int | None  # responders needed to reject p <= p0
    rate: float | None  # smallest true rate detected with the stated power (None: none is)
    power: float
    alpha: float


def detectable_rate(n: int, p0: float, target_power: float = 0.8, alpha: float = 0.025) -> Detectable:
    """The smallest true response rate that a series of n, tested one-sided and exactly against
    p0, would detect with probability target_power."""
    k = critical_count(n, p0, alpha)
    if k is None or power(n, p0, 1.0, alpha) < target_power:
        return Detectable(n, p0, k, None, target_power, alpha)
    from scipy import optimize
    rate = optimize.brentq(lambda p: power(n, p0, p, alpha) - target_power, p0, 1.0, xtol=1e-10)
    return Detectable(n, p0, k, float(rate), target_power, alpha)
