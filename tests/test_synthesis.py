"""The synthesis engine against closed forms and independent computations (oracle, where it
comes from, tolerance, why)."""
import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from rederive import binomial, comparisons, sketches


def test_an_exponential_through_a_median_has_rate_ln2_over_the_median():
    # Closed form: S(t) = exp(-t ln2 / m) gives S(m) = 1/2. Tolerance: floating point.
    s = sketches.exponential([(5.2, 0.5)])
    assert s.scale == pytest.approx(5.2 / math.log(2), rel=1e-12)
    assert float(s.survival(5.2)) == pytest.approx(0.5, abs=1e-12) and s.median == pytest.approx(5.2, rel=1e-12)


def test_a_weibull_through_two_points_is_exact():
    # Closed form through (t1, S1), (t2, S2): k = ln(ln S2 / ln S1) / ln(t2 / t1),
    # lambda = t1 / (-ln S1)^(1/k). Points: DESCAR-T's OS-2 after very early failure (median 1.9
    # months, 18.9% at 6). Tolerance 1e-8 relative: least squares converges to the exact solution.
    (t1, s1), (t2, s2) = (1.9, 0.5), (6.0, 0.189)
    k = math.log(math.log(s2) / math.log(s1)) / math.log(t2 / t1)
    lam = t1 / (-math.log(s1)) ** (1 / k)
    fit = sketches.weibull([(t1, s1), (t2, s2)])
    assert fit.shape == pytest.approx(k, rel=1e-8) and fit.scale == pytest.approx(lam, rel=1e-8)
    assert fit.worst_error < 1e-10


def test_a_weibull_least_squares_fit_is_no_worse_than_any_nearby_curve():
    # Oracle: the sum of squares on a grid of 41 x 41 shapes and scales around the fit (within
    # 10%); none may beat the fit by more than rounding. Points: DESCAR-T OS-2 (5.2 months, 47.9%
    # at 6, 26.9% at 12).
    points = [(5.2, 0.5), (6.0, 0.479), (12.0, 0.269)]
    fit = sketches.weibull(points)
    sse = lambda scale, shape: sum((math.exp(-((t / scale) ** shape)) - s) ** 2 for t, s in points)  # noqa: E731
    best = sse(fit.scale, fit.shape)
    grid = min(sse(fit.scale * a, fit.shape * b) for a in np.linspace(0.9, 1.1, 41) for b in np.linspace(0.9, 1.1, 41))
    assert best <= grid + 1e-15


def test_the_median_of_a_mixture_solves_the_weighted_survival_equation():
    # Oracle: bisection written out here on 0.5 = (102 exp(-t ln2/6.1) + 82 exp(-t ln2/9.6)) / 184
    # (DESCAR-T's D31-D90 and >D90 groups). Tolerance 1e-9 months.
    w, m = [102, 82], [6.1, 9.6]
    f = lambda t: sum(wi * math.exp(-t * math.log(2) / mi) for wi, mi in zip(w, m)) / sum(w) - 0.5  # noqa: E731
    lo, hi = 6.1, 9.6
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    curves = [sketches.exponential([(mi, 0.5)]) for mi in m]
    assert sketches.pooled_median(curves, w) == pytest.approx(lo, abs=1e-9)
    assert sketches.pooled_median([curves[0], curves[0]], [1, 3]) == pytest.approx(6.1, rel=1e-12)


def test_the_timing_model_with_one_source_is_the_cross_product_odds_ratio():
    # Closed form for one binary factor: OR = (a/b)/(c/d), Wald SE sqrt(1/a + 1/b + 1/c + 1/d).
    # Counts: Shumilov's strict split, early 12/41 vs late 9/15. Tolerance 1e-6 (IRLS convergence).
    fit = comparisons.timing_model([("s", 0, 12, 41), ("s", 1, 9, 15)], ["early", "late"])
    o = fit.odds_ratios[0]
    ratio = (9 / 6) / (12 / 29)
    se = math.sqrt(1 / 9 + 1 / 6 + 1 / 12 + 1 / 29)
    assert o.estimate == pytest.approx(ratio, rel=1e-6)
    assert o.low == pytest.approx(ratio * math.exp(-stats.norm.ppf(0.975) * se), rel=1e-6)
    assert o.p == pytest.approx(2 * stats.norm.sf(math.log(ratio) / se), rel=1e-6)


def test_the_timing_model_matches_a_logistic_regression_on_individual_patients():
    # Oracle: statsmodels' Logit on one row per patient (an independent path from the grouped
    # binomial GLM), with the same fixed source effect. Counts: Shumilov's first strict split and
    # the odronextamab groups. Tolerance 1e-6 relative.
    cohorts = [("shumilov", 0, 12, 41), ("shumilov", 1, 22, 41), ("shumilov", 2, 6, 10),
               ("odro", 0, 6, 29), ("odro", 1, 7, 11), ("odro", 2, 16, 19)]
    y, x = [], []
    for source, cat, r, n in cohorts:
        for i in range(n):
            y.append(1 if i < r else 0)
            x.append([1.0, float(source == "shumilov"), float(cat == 1), float(cat == 2)])
    logit = sm.Logit(np.array(y), np.array(x)).fit(disp=0)
    fit = comparisons.timing_model(cohorts, ["early", "mid", "late"])
    for o, coef in zip(fit.odds_ratios, logit.params[2:]):
        assert o.estimate == pytest.approx(math.exp(coef), rel=1e-6)


def test_ranges_over_splits_are_the_extremes_of_the_individual_fits():
    # Oracle: brute force over the three strict Shumilov splits, each fitted on its own.
    splits = [((12, 41), (22, 41), (6, 10)), ((12, 41), (25, 46), (3, 5)), ((12, 42), (19, 35), (9, 15))]
    build = lambda split: [("s", i, r, n) for i, (r, n) in enumerate(split)] + [("o", 0, 6, 29), ("o", 1, 7, 11), ("o", 2, 16, 19)]  # noqa: E731
    fits = comparisons.over_splits(splits, build, ["a", "b", "c"])
    r = comparisons.ranges(fits)
    direct = [comparisons.timing_model(build(s), ["a", "b", "c"]).odds_ratios[1] for s in splits]
    assert r[1]["or_low"] == min(o.estimate for o in direct) and r[1]["or_high"] == max(o.estimate for o in direct)
    assert r[1]["p_high"] == max(o.p for o in direct)


def test_mantel_haenszel_matches_the_hand_formula():
    # Oracle: OR_MH = sum(a d / n) / sum(b c / n); the MH chi-square without continuity
    # correction, (sum a - sum E[a])^2 / sum Var[a]. Tables: Shen 2025 Table 2, ORR, prior vs naive.
    tables = [(33, 61, 66, 96), (20, 35, 38, 63), (22, 29, 66, 74)]
    num = den = obs = exp = var = 0.0
    for ra, na, rb, nb in tables:
        a, b, c, d = ra, na - ra, rb, nb - rb
        n = a + b + c + d
        num += a * d / n
        den += b * c / n
        obs += a
        exp += (a + b) * (a + c) / n
        var += (a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1))
    pooled, each = comparisons.within_trials(tables)
    assert pooled.estimate == pytest.approx(num / den, rel=1e-12)
    assert pooled.p == pytest.approx(stats.chi2.sf((obs - exp) ** 2 / var, 1), rel=1e-9)
    assert len(each) == 3 and each[0].estimate == pytest.approx((33 * 30) / (28 * 66), rel=1e-12)


def test_exact_intervals_and_the_power_of_a_twelve_patient_series():
    # Closed forms: 12 of 12 has Clopper-Pearson lower bound 0.025^(1/12). The critical count
    # against p0 = 0.545 is found here by summing binomial terms with math.comb; the detectable
    # rate must give exactly the stated power. Tolerances: floating point; 1e-8 for the root.
    assert binomial.exact_ci(12, 12)[0] == pytest.approx(0.025 ** (1 / 12), rel=1e-9)
    tail = lambda k, p: sum(math.comb(12, j) * p**j * (1 - p) ** (12 - j) for j in range(k, 13))  # noqa: E731
    critical = min(k for k in range(13) if tail(k, 0.545) <= 0.025)
    assert binomial.critical_count(12, 0.545) == critical
    d = binomial.detectable_rate(12, 0.545)
    assert tail(critical, d.rate) == pytest.approx(0.8, abs=1e-8)
    assert binomial.detectable_rate(12, 0.99).rate is None  # nothing can beat 99% with 12 patients
