"""rederive.stats.meta against the paper it re-derives, published reference values and independent code."""
import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import integrate, stats
from statsmodels.stats.meta_analysis import combine_effects

from rederive.stats import meta

# Table 2 of Shen 2025 (Front Oncol 15:1641769): events and sizes per subgroup.
MONO_ORR = ([11, 26, 35, 33, 29], [27, 52, 46, 61, 60])
MONO_CR = ([6, 20, 21, 22, 19], [27, 52, 46, 61, 60])
COMB_ORR = ([21, 20, 22], [27, 35, 29])
COMB_CR = ([12, 14, 13, 7], [27, 35, 29, 13])
NAIVE_ORR = ([66, 38, 66], [96, 63, 74])
NAIVE_CR = ([41, 31, 50], [96, 63, 74])


@pytest.mark.parametrize("data, printed", [
    (MONO_ORR, (54.5, 43.1, 65.7)), (MONO_CR, (35.6, 29.1, 42.2)), (COMB_ORR, (70.0, 56.4, 82.2)),
    (COMB_CR, (44.2, 34.5, 54.1)), (NAIVE_ORR, (73.9, 55.3, 88.9)), (NAIVE_CR, (53.2, 38.1, 68.0)),
])
def test_metaprop_reproduces_the_papers_pooled_rates(data, printed):
    # Oracle: Shen 2025's printed pooled rates, computed with Stata metaprop (FT, DL).
    # Tolerance: half a unit in the printed last place (0.05 points), the printed precision.
    pooled = meta.metaprop(*data)
    for got, want in zip((pooled.estimate, pooled.low, pooled.high), printed):
        assert 100 * got == pytest.approx(want, abs=0.05)


def test_metaprop_reproduces_the_papers_heterogeneity():
    # Oracle: "P=0.013, I²=68.24%" (monotherapy ORR) and "P=0.33, I²=13.5%" (monotherapy CR).
    orr, cr = meta.metaprop(*MONO_ORR), meta.metaprop(*MONO_CR)
    assert orr.i2 == pytest.approx(68.24, abs=0.005) and orr.p_heterogeneity == pytest.approx(0.013, abs=0.0005)
    assert cr.i2 == pytest.approx(13.5, abs=0.05) and cr.p_heterogeneity == pytest.approx(0.33, abs=0.005)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_dl_tau2_is_truncated_at_zero_where_statsmodels_leaves_it_negative():
    y, v = meta.freeman_tukey(*COMB_CR)
    assert combine_effects(y, v, method_re="dl").tau2 < 0
    assert meta.tau2_dl(y, v) == 0.0


def test_two_studies_fall_back_to_fixed_effect_as_stata_does():
    # Oracle: the inverse-variance fixed-effect mean on the Freeman-Tukey scale, by hand.
    events, n = [5, 30], [10, 40]
    pooled = meta.metaprop(events, n)
    y, v = meta.freeman_tukey(events, n)
    fixed = (y / v).sum() / (1 / v).sum()
    assert pooled.fixed_fallback and pooled.tau2 == 0.0 and pooled.pi_low is None
    assert pooled.estimate == pytest.approx(meta.miller_inverse(fixed, meta.harmonic_mean(n)), abs=1e-12)
    assert not meta.metaprop([5, 30, 12], [10, 40, 30]).fixed_fallback


def test_miller_inverse_edges_and_clamping():
    assert meta.miller_inverse(0.0, 10) == 0.0 and meta.miller_inverse(-0.1, 10) == 0.0
    assert meta.miller_inverse(math.pi, 10) == 1.0 and meta.miller_inverse(3.2, 10) == 1.0
    # no events and all events: the back-transform stays inside [0, 1]
    for events in ([0, 0, 0], [10, 20, 30]):
        pooled = meta.metaprop(events, [10, 20, 30])
        assert 0.0 <= pooled.low <= pooled.estimate <= pooled.high <= 1.0
    # Miller inverts the double arcsine: a study's own transform returns close to x/n
    t, _ = meta.freeman_tukey([30], [100])
    assert meta.miller_inverse(float(t[0]), 100) == pytest.approx(0.30, abs=0.005)


def test_study_cis_are_wilson_by_default_and_clopper_pearson_on_request():
    # Oracle: Wilson 95% CI for 11/27 by hand: centre (11 + z²/2)/(27 + z²), half-width
    # z sqrt(p(1-p)/27 + z²/(4·27²))/(1 + z²/27).
    z = stats.norm.ppf(0.975)
    p = 11 / 27
    centre = (p + z**2 / 54) / (1 + z**2 / 27)
    half = z * math.sqrt(p * (1 - p) / 27 + z**2 / (4 * 27**2)) / (1 + z**2 / 27)
    low, high = meta.study_ci([11], [27])
    assert low[0] == pytest.approx(centre - half) and high[0] == pytest.approx(centre + half)
    low, _ = meta.study_ci([11], [27], method="beta")
    assert low[0] == pytest.approx(stats.beta.ppf(0.025, 11, 17))


# BCG vaccine trials (Colditz et al. 1994), log risk ratios: the example of metafor's
# documentation and of Viechtbauer W, J Stat Softw 2010;36(3):1-48.
BCG = [(4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619),
       (33, 5036, 47, 5761), (180, 1361, 372, 1079), (8, 2537, 10, 619), (505, 87886, 499, 87892),
       (29, 7470, 45, 7232), (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338),
       (27, 16886, 29, 17825)]


def _bcg():
    y = np.array([math.log((a / (a + b)) / (c / (c + d))) for a, b, c, d in BCG])
    v = np.array([1 / a - 1 / (a + b) + 1 / c - 1 / (c + d) for a, b, c, d in BCG])
    return y, v


def test_reml_matches_the_published_bcg_example():
    # Oracle: metafor rma(yi, vi, method="REML") on dat.bcg: tau² = 0.3132, estimate -0.7145
    # (SE 0.1798). Tolerance: half a unit in the printed fourth decimal.
    y, v = _bcg()
    tau2 = meta.tau2_reml(y, v)
    w = 1 / (v + tau2)
    assert tau2 == pytest.approx(0.3132, abs=5e-5)
    assert (w * y).sum() / w.sum() == pytest.approx(-0.7145, abs=5e-5)
    assert 1 / math.sqrt(w.sum()) == pytest.approx(0.1798, abs=5e-5)


def test_dl_matches_the_published_bcg_example():
    # Oracle: metafor rma(..., method="DL") on dat.bcg: tau² = 0.3088.
    assert meta.tau2_dl(*_bcg()) == pytest.approx(0.3088, abs=5e-5)


def test_glmm_likelihood_matches_direct_numerical_integration():
    # Oracle: scipy's adaptive quadrature of the same marginal likelihood, study by study.
    events, n, mu, tau = [11, 26, 35], [27, 52, 46], 0.2, 0.6
    direct = 0.0
    for x, m in zip(events, n):
        integrand = lambda u: stats.binom.pmf(x, m, 1 / (1 + math.exp(-(mu + u)))) * stats.norm.pdf(u, 0, tau)  # noqa: E731
        direct += math.log(integrate.quad(integrand, -8 * tau, 8 * tau, epsabs=1e-14)[0])
    constant = sum(math.log(math.comb(m, x)) for x, m in zip(events, n))  # left out by meta
    assert meta.glmm_negative_loglik(events, n, mu, tau) == pytest.approx(-(direct - constant), rel=1e-9)


def test_glmm_fit_is_a_maximum_of_its_likelihood():
    fit = meta.glmm_logit(*MONO_ORR)
    mu, tau = math.log(fit.estimate / (1 - fit.estimate)), math.sqrt(fit.tau2)
    best = meta.glmm_negative_loglik(*MONO_ORR, mu, tau)
    for dmu, dtau in [(0.02, 0), (-0.02, 0), (0, 0.02), (0, -0.02)]:
        assert meta.glmm_negative_loglik(*MONO_ORR, mu + dmu, tau + dtau) > best


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_glmm_without_heterogeneity_is_logistic_regression():
    # Oracle: statsmodels' binomial GLM with an intercept only: with identical proportions the
    # GLMM's tau² goes to 0 and its estimate and Wald CI are the GLM's.
    events, n = [10, 20, 30], [50, 100, 150]
    fit = meta.glmm_logit(events, n)
    glm = sm.GLM(np.column_stack([events, np.subtract(n, events)]), np.ones((3, 1)),
                 family=sm.families.Binomial()).fit()
    low, high = glm.conf_int()[0]
    expit = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert fit.tau2 == 0.0
    assert fit.estimate == pytest.approx(0.2, abs=1e-6)
    assert fit.low == pytest.approx(expit(low), abs=1e-4) and fit.high == pytest.approx(expit(high), abs=1e-4)


def test_hksj_interval_is_wider_with_few_studies_and_uses_t():
    normal, hksj = meta.metaprop(*COMB_ORR, tau2="REML"), meta.metaprop(*COMB_ORR, tau2="REML", ci="hksj")
    assert hksj.estimate == pytest.approx(normal.estimate)
    assert hksj.high - hksj.low > normal.high - normal.low


def test_subgroup_difference_is_a_chi_square_on_groups_minus_one_df():
    q, df, p = meta.subgroup_difference([MONO_ORR, COMB_ORR, NAIVE_ORR])
    assert df == 2 and p == pytest.approx(stats.chi2.sf(q, 2))
    q_same, _, p_same = meta.subgroup_difference([MONO_ORR, MONO_ORR])
    assert q_same == pytest.approx(0.0, abs=1e-12) and p_same == pytest.approx(1.0)
