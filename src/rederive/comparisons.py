"""Comparisons across cohorts: within trials first (Mantel-Haenszel), then a logistic model of
response on timing with a fixed effect for each source.

statsmodels does the statistics (StratifiedTable for Mantel-Haenszel, GLM for the binomial
model); this module only arranges printed counts into the shapes they take.
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


@dataclass(frozen=True)
class TimingFit:
    categories: tuple  # the timing categories; the first is the reference
    odds_ratios: tuple  # OddsRatio of each later category against the first


def timing_model(cohorts: list[tuple[str, int, int, int]], categories: list[str]) -> TimingFit:
    """Logistic regression of response on timing category with a fixed effect per source:
    cohorts are (source, category index, responders, patients). Wald CIs and P values."""
    import statsmodels.api as sm  # imported here: check with a warm cache never needs statsmodels
    sources = sorted({c[0] for c in cohorts})
    rows, endog = [], []
    for source, category, responders, n in cohorts:
        rows.append([1.0] + [float(source == s) for s in sources[1:]] +
                    [float(category == i) for i in range(1, len(categories))])
        endog.append([responders, n - responders])
    fit = sm.GLM(np.array(endog, float), np.array(rows), family=sm.families.Binomial()).fit()
    first = 1 + len(sources) - 1
    ci = fit.conf_int()
    ors = tuple(OddsRatio(float(np.exp(fit.params[i])), float(np.exp(ci[i][0])), float(np.exp(ci[i][1])),
                          float(fit.pvalues[i])) for i in range(first, first + len(categories) - 1))
    return TimingFit(tuple(categories), ors)


def over_splits(splits: list, build_cohorts, categories: list[str]) -> list[TimingFit]:
    """The timing model for each feasible reconstruction of the unprinted group sizes."""
    return [timing_model(build_cohorts(split), categories) for split in splits]


def ranges(fits: list[TimingFit]) -> list[dict]:
    """Per category: the smallest and largest odds ratio, CI bounds and P over the fits."""
    out = []
    for i in range(len(fits[0].odds_ratios)):
        values = [f.odds_ratios[i] for f in fits]
        out.append({"or_low": min(v.estimate for v in values), "or_high": max(v.estimate for v in values),
                    "ci_low": min(v.low for v in values), "ci_high": max(v.high for v in values),
                    "p_low": min(v.p for v in values), "p_high": max(v.p for v in values)})
    return out


