"""The synthesis engine against closed forms and independent computations (oracle, where it
comes from, tolerance, why)."""
import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from rederive.stats import binomial, comparisons, sketches


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


def _fit(cohorts, categories):
    return comparisons.timing_models([cohorts], categories)[0]


def test_the_timing_model_with_one_source_is_the_cross_product_odds_ratio():
    # Closed form for one binary factor: OR = (a/b)/(c/d), Wald SE sqrt(1/a + 1/b + 1/c + 1/d).
    # Counts: Shumilov's strict split, early 12/41 vs late 9/15. Tolerance 1e-9 (Newton converges
    # to 1e-12 in the coefficients).
    o = _fit([("s", 0, 12, 41), ("s", 1, 9, 15)], ["early", "late"]).odds_ratios[0]
    ratio = (9 / 6) / (12 / 29)
    se = math.sqrt(1 / 9 + 1 / 6 + 1 / 12 + 1 / 29)
    assert o.estimate == pytest.approx(ratio, rel=1e-9)
    assert o.low == pytest.approx(ratio * math.exp(-stats.norm.ppf(0.975) * se), rel=1e-9)
    assert o.p == pytest.approx(2 * stats.norm.sf(math.log(ratio) / se), rel=1e-9)
    # The one-source shortcut (statsmodels' Table2x2) is the same model:
    alone = comparisons.one_source_odds([("s", 0, 12, 41), ("s", 1, 9, 15)], ["early", "late"])[0]
    assert (alone.estimate, alone.low, alone.high, alone.p) == pytest.approx((o.estimate, o.low, o.high, o.p), rel=1e-9)


SPLITS = [((12, 41), (22, 41), (6, 10)), ((12, 41), (25, 46), (3, 5)), ((12, 42), (19, 35), (9, 15)),
          ((11, 40), (20, 37), (7, 12))]
ODRO = [("o", 0, 6, 29), ("o", 1, 7, 11), ("o", 2, 16, 19)]


def _cohorts(split):
    return [("s", i, r, n) for i, (r, n) in enumerate(split)] + ODRO


def test_the_vectorised_timing_model_is_statsmodels_glm_fit_by_fit():
    # Oracle: statsmodels' binomial GLM (the documented path), fitted set by set to Shumilov
    # splits and the odronextamab groups, against the batch fit of all sets at once: estimates,
    # Wald CIs, P values and log-likelihood. Tolerance 1e-8 relative (both converge far below).
    batch = [_cohorts(s) for s in SPLITS]
    fits = comparisons.timing_models(batch, ["a", "b", "c"])
    for cohorts, fit in zip(batch, fits):
        x = np.array([[1.0, float(src == "s"), float(c == 1), float(c == 2)] for src, c, _, _ in cohorts])
        y = np.array([[r, n - r] for _, _, r, n in cohorts], float)
        glm = sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-14)  # its default stops at 1e-8
        ci = glm.conf_int()
        for i, o in zip((2, 3), fit.odds_ratios):
            assert o.estimate == pytest.approx(math.exp(glm.params[i]), rel=1e-8)
            assert (o.low, o.high) == pytest.approx((math.exp(ci[i][0]), math.exp(ci[i][1])), rel=1e-8)
            assert o.p == pytest.approx(glm.pvalues[i], rel=1e-8)
        binomial_coefficients = sum(math.log(math.comb(n, r)) for _, _, r, n in cohorts)
        assert fit.loglik + binomial_coefficients == pytest.approx(glm.llf, rel=1e-9)


def test_the_timing_model_matches_a_logistic_regression_on_individual_patients():
    # Oracle: statsmodels' Logit on one row per patient (an independent path from the grouped
    # binomial fit), with the same fixed source effect. Counts: Shumilov's first strict split and
    # the odronextamab groups. Tolerance 1e-6 relative (Logit's own convergence).
    cohorts = _cohorts(SPLITS[0])
    y, x = [], []
    for source, cat, r, n in cohorts:
        for i in range(n):
            y.append(1 if i < r else 0)
            x.append([1.0, float(source == "s"), float(cat == 1), float(cat == 2)])
    logit = sm.Logit(np.array(y), np.array(x)).fit(disp=0)
    for o, coef in zip(_fit(cohorts, ["a", "b", "c"]).odds_ratios, logit.params[2:]):
        assert o.estimate == pytest.approx(math.exp(coef), rel=1e-6)


# The oracle's interaction model has one rate per cohort: it fits exactly, which statsmodels reports.
@pytest.mark.filterwarnings("ignore:divide by zero", "ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_the_common_odds_ratio_test_is_the_likelihood_ratio_against_one_model_per_source():
    # Oracle: statsmodels' GLM with the source-by-timing interaction (one rate per cohort) against
    # the model without it; LR statistic 2 (llf1 - llf0) on 2 df. Tolerance 1e-8 relative.
    cohorts = _cohorts(SPLITS[0])
    x0 = np.array([[1.0, float(s == "s"), float(c == 1), float(c == 2)] for s, c, _, _ in cohorts])
    x1 = np.column_stack([x0, x0[:, 1] * x0[:, 2], x0[:, 1] * x0[:, 3]])
    y = np.array([[r, n - r] for _, _, r, n in cohorts], float)
    lr = 2 * (sm.GLM(y, x1, family=sm.families.Binomial()).fit().llf - sm.GLM(y, x0, family=sm.families.Binomial()).fit().llf)
    p = comparisons.common_odds_test(_fit(cohorts, ["a", "b", "c"]), cohorts, ["a", "b", "c"])
    assert p == pytest.approx(stats.chi2.sf(lr, 2), rel=1e-8)


def test_ranges_over_fits_are_the_extremes_of_the_individual_fits():
    # Oracle: each split fitted on its own, then min and max taken here. Tolerance 1e-10 relative:
    # a batch and a lone fit stop Newton's iterations at different rounding.
    fits = [f.odds_ratios for f in comparisons.timing_models([_cohorts(s) for s in SPLITS], ["a", "b", "c"])]
    direct = [_fit(_cohorts(s), ["a", "b", "c"]).odds_ratios[1] for s in SPLITS]
    r = comparisons.ranges(fits)
    assert r[1]["or_low"] == pytest.approx(min(o.estimate for o in direct), rel=1e-10)
    assert r[1]["or_high"] == pytest.approx(max(o.estimate for o in direct), rel=1e-10)
    assert r[1]["p_high"] == pytest.approx(max(o.p for o in direct), rel=1e-10)
    assert r[1]["ci_low"] == pytest.approx(min(o.low for o in direct), rel=1e-10)


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


def test_breslow_day_and_leave_one_out_on_the_within_trial_tables():
    # Oracle for Breslow-Day: R's mantelhaen/BreslowDayTest is not at hand, so the statistic is
    # written out here (Breslow and Day 1980): for each table, the expected count under the MH odds
    # ratio solves a quadratic; sum (a - E)^2 / Var, on k - 1 df; Tarone's adjustment subtracts
    # (sum a - sum E)^2 / sum Var. Tables: Shen 2025 Table 2, ORR, prior vs naive. Tolerance 1e-6.
    tables = [(33, 61, 66, 96), (20, 35, 38, 63), (22, 29, 66, 74)]
    pooled, _ = comparisons.within_trials(tables)
    psi = pooled.estimate
    stat = sum_a = sum_e = sum_v = 0.0
    for ra, na, rb, nb in tables:
        m1 = ra + rb  # responders in the table
        lo, hi = max(0, m1 - nb), min(na, m1)
        # E solves (E (nb - m1 + E)) / ((na - E)(m1 - E)) = psi
        qa, qb, qc = 1 - psi, (nb - m1) + psi * (na + m1), -psi * na * m1
        e = next(r for r in np.roots([qa, qb, qc]).real if lo <= r <= hi)
        v = 1 / (1 / e + 1 / (na - e) + 1 / (m1 - e) + 1 / (nb - m1 + e))
        stat += (ra - e) ** 2 / v
        sum_a, sum_e, sum_v = sum_a + ra, sum_e + e, sum_v + v
    stat -= (sum_a - sum_e) ** 2 / sum_v
    assert comparisons.equal_odds_p(tables) == pytest.approx(stats.chi2.sf(stat, 2), rel=1e-6)
    # Leaving a trial out is the Mantel-Haenszel estimate of the other two (hand formula above).
    two = tables[1:]
    ratio = sum(a * (nb - b) / (na + nb) for a, na, b, nb in two) / sum((na - a) * b / (na + nb) for a, na, b, nb in two)
    assert comparisons.within_trials(two)[0].estimate == pytest.approx(ratio, rel=1e-12)


def test_exact_tests_of_a_twelve_patient_series():
    # Closed forms: 12 of 12 has Clopper-Pearson lower bound 0.025^(1/12) and one-sided exact P
    # p0^12; the critical count against p0 = 0.545 is found by summing binomial terms with
    # math.comb. Fisher's one-sided P for 12/12 against 40/92 is the hypergeometric tail
    # C(52, 12) / C(104, 12) (all 12 responders of the 104 drawn into the series). Tolerances:
    # floating point.
    assert binomial.exact_ci(12, 12)[0] == pytest.approx(0.025 ** (1 / 12), rel=1e-9)
    tail = lambda k, p: sum(math.comb(12, j) * p**j * (1 - p) ** (12 - j) for j in range(k, 13))  # noqa: E731
    assert binomial.critical_count(12, 0.545) == min(k for k in range(13) if tail(k, 0.545) <= 0.025)
    assert binomial.p_at_least(12, 12, 0.545) == pytest.approx(0.545 ** 12, rel=1e-9)
    assert binomial.fisher_greater(12, 12, 40, 92) == pytest.approx(math.comb(52, 12) / math.comb(104, 12), rel=1e-9)
