"""Comparisons across cohorts: within trials first (Mantel-Haenszel, Breslow-Day), then a
logistic model of response on timing with a fixed effect for each source, and the same
comparison within one source.

statsmodels does the statistics (StratifiedTable, Table2x2); the logistic model is fitted here,
vectorised over thousands of reconstructed data sets, and checked against statsmodels' GLM by
the tests.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OddsRatio:
    estimate: float
    low: float
    high: float
    p: float


def within_trials(tables: list[tuple[int, int, int, int]]) -> tuple[OddsRatio, list[OddsRatio]]:
    """Mantel-Haenszel odds ratio across trials, each (responders a, n a, responders b, n b):
    the odds of response in group a against group b, compared within each trial. Returns the
    pooled odds ratio (CI from Robins-Breslow-Greenland, P from the Mantel-Haenszel test) and
    each trial's own (Woolf CI with 0.5 added to every cell when one is empty)."""
    from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2  # imported here: check with a warm cache never needs statsmodels
    arrays = [np.array([[ra, na - ra], [rb, nb - rb]], float) for ra, na, rb, nb in tables]
    pooled = StratifiedTable(arrays)
    low, high = pooled.oddsratio_pooled_confint()
    overall = OddsRatio(float(pooled.oddsratio_pooled), float(low), float(high),
                        float(pooled.test_null_odds(correction=False).pvalue))
    each = []
    for a in arrays:
        t = Table2x2(a + 0.5 if (a == 0).any() else a)
        lo, hi = t.oddsratio_confint()
        each.append(OddsRatio(float(t.oddsratio), float(lo), float(hi), float(t.oddsratio_pvalue())))
    return overall, each


def equal_odds_p(tables: list[tuple[int, int, int, int]]) -> float:
    """P of the Breslow-Day test that every trial has the same odds ratio (homogeneity of the
    Mantel-Haenszel strata; statsmodels' StratifiedTable.test_equal_odds, with Tarone's
    adjustment)."""
    from statsmodels.stats.contingency_tables import StratifiedTable  # imported here: check with a warm cache never needs statsmodels
    arrays = [np.array([[ra, na - ra], [rb, nb - rb]], float) for ra, na, rb, nb in tables]
    return float(StratifiedTable(arrays).test_equal_odds(adjust=True).pvalue)


def ranges(fits: list[tuple]) -> list[dict]:
    """Per later category: the smallest and largest odds ratio, CI bound and P over a list of
    fits (each a tuple of OddsRatio, one per later category)."""
    return [{"or_low": min(f[i].estimate for f in fits), "or_high": max(f[i].estimate for f in fits),
             "ci_low": min(f[i].low for f in fits), "ci_high": max(f[i].high for f in fits),
             "p_low": min(f[i].p for f in fits), "p_high": max(f[i].p for f in fits)}
            for i in range(len(fits[0]))]


@dataclass(frozen=True)
class BatchFit:
    """timing_models' answer for one set of cohorts: the odds ratios of each later category, and
    the log-likelihood (without the binomial coefficients, which cancel in a likelihood-ratio test)."""
    odds_ratios: tuple
    loglik: float


def _design(cohorts: list[tuple[str, int, int, int]], categories: list[str]) -> np.ndarray:
    sources = sorted({c[0] for c in cohorts})
    return np.array([[1.0] + [float(source == s) for s in sources[1:]] +
                     [float(category == i) for i in range(1, len(categories))]
                     for source, category, _, _ in cohorts])


def timing_models(batch: list[list[tuple[str, int, int, int]]], categories: list[str]) -> list[BatchFit]:
    """Logistic regression of response on timing category with a fixed effect per source (so that
    only comparisons within a source count), fitted to many sets of cohorts at once: each set is
    (source, category index, responders, patients) per cohort, and every set shares one design
    (the same sources and categories in the same order).

    Written here because statsmodels fits one model per call (10-30 ms each, mostly set-up) and
    the sensitivity analysis fits thousands of sets (every split of every reading of a cohort):
    Newton-Raphson on the binomial log-likelihood, vectorised over the sets, with Wald CIs and P
    values from the inverse information at the maximum, which is what GLM's defaults give
    (tests/stats/test_synthesis.py compares the two fit by fit)."""
    from scipy.special import expit, ndtr, ndtri
    design = _design(batch[0], categories)
    if any(not np.array_equal(_design(c, categories), design) for c in batch[1:]):
        raise ValueError("the sets of cohorts do not share one design")
    y = np.array([[c[2] for c in cohorts] for cohorts in batch], float)
    n = np.array([[c[3] for c in cohorts] for cohorts in batch], float)
    beta = np.zeros((len(batch), design.shape[1]))
    for _ in range(100):
        mu = expit(beta @ design.T)
        info = np.einsum("km,mi,mj->kij", n * mu * (1 - mu), design, design)
        step = np.linalg.solve(info, ((y - n * mu) @ design)[..., None])[..., 0]
        beta += step
        if np.abs(step).max() < 1e-12:
            break
    else:
        raise ValueError("the timing model did not converge (a group with no or only responders?)")
    mu = expit(beta @ design.T)
    info = np.einsum("km,mi,mj->kij", n * mu * (1 - mu), design, design)
    se = np.sqrt(np.diagonal(np.linalg.inv(info), axis1=1, axis2=2))
    loglik = (y * np.log(mu) + (n - y) * np.log1p(-mu)).sum(axis=1)
    z = float(ndtri(0.975))
    first = design.shape[1] - (len(categories) - 1)
    out = []
    for k in range(len(batch)):
        ors = tuple(OddsRatio(float(np.exp(beta[k, i])), float(np.exp(beta[k, i] - z * se[k, i])),
                              float(np.exp(beta[k, i] + z * se[k, i])),
                              float(2 * ndtr(-abs(beta[k, i] / se[k, i]))))
                    for i in range(first, design.shape[1]))
        out.append(BatchFit(ors, float(loglik[k])))
    return out


def saturated_loglik(cohorts: list[tuple[str, int, int, int]]) -> float:
    """The log-likelihood of a model with one rate per cohort (each source's own timing model):
    the alternative of the likelihood-ratio test that the sources share their odds ratios."""
    total = 0.0
    for _, _, r, n in cohorts:
        for k in (r, n - r):
            if k:
                total += k * np.log(k / n)
    return float(total)


def common_odds_test(pooled: BatchFit, cohorts: list[tuple[str, int, int, int]], categories: list[str]) -> float:
    """P of the likelihood-ratio test that every source has the same timing odds ratios (the
    source-by-timing interaction), when each source has one cohort per category."""
    from scipy.stats import chi2
    sources = {c[0] for c in cohorts}
    df = (len(sources) - 1) * (len(categories) - 1)
    return float(chi2.sf(2 * (saturated_loglik(cohorts) - pooled.loglik), df))


def one_source_odds(cohorts: list[tuple[str, int, int, int]], categories: list[str]) -> tuple:
    """One source's odds ratio of each later category against the first, with Woolf CIs and
    Wald P values: the timing model fitted to that source alone, whose maximum is the cross
    product of its counts (statsmodels' Table2x2 computes each)."""
    from statsmodels.stats.contingency_tables import Table2x2  # imported here: check with a warm cache never needs statsmodels
    by_category = {c[1]: (c[2], c[3]) for c in cohorts}
    r0, n0 = by_category[0]
    out = []
    for i in range(1, len(categories)):
        r, n = by_category[i]
        t = Table2x2(np.array([[r, n - r], [r0, n0 - r0]], float))
        low, high = t.oddsratio_confint()
        out.append(OddsRatio(float(t.oddsratio), float(low), float(high), float(t.oddsratio_pvalue())))
    return tuple(out)
