"""What a small series shows: exact intervals and exact tests against a reference rate.

statsmodels gives the Clopper-Pearson interval; scipy the binomial and Fisher tests. Written
here only the count of responders a one-sided exact test needs, which neither package answers
directly.
"""
from __future__ import annotations

# scipy is imported where it is used: scipy.stats would be most of a chapter's start-up time.


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


def p_at_least(k: int, n: int, p0: float) -> float:
    """One-sided exact P of k or more responders of n when the true rate is p0 (scipy's binomtest)."""
    from scipy.stats import binomtest
    return float(binomtest(k, n, p0, alternative="greater").pvalue)


def fisher_greater(k1: int, n1: int, k2: int, n2: int) -> float:
    """One-sided P of Fisher's exact test that the first group's rate exceeds the second's."""
    from scipy.stats import fisher_exact
    return float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative="greater").pvalue)
