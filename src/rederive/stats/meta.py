"""Meta-analysis of proportions: Stata `metaprop` parity, and the alternatives it is judged against.

Parity with `metaprop` (Nyaga et al. 2014), the command Shen 2025 names:
- Freeman-Tukey double arcsine as Stata computes it: t = asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))),
  variance 1/(n + 0.5) (no 1/2 factor);
- DerSimonian-Laird random effects with the exact normal quantile;
- back-transformation by Miller (1978) at the harmonic mean of the included studies' sizes,
  clamped to [0, 1];
- with k <= 2 studies, Stata silently pools with fixed effect; reproduced, and flagged;
- study CIs by Wilson score (Stata's default), Clopper-Pearson on request.

statsmodels supplies the inverse-variance pooling, Q, DL and Paule-Mandel tau2 and the HKSJ
variance (`combine_effects`) and the study CIs (`proportion_confint`). Written here is only what
it lacks: the transform and back-transform, truncation of the DL tau2 at 0 (statsmodels leaves
it negative), REML tau2, the ML logit-normal GLMM, and the prediction interval.
"""
from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..checks.pvalues import z_of_level


# scipy is imported on first use: unpickling a saved ledger (every chapter does) loads this
# module for its result classes, and scipy.stats would be most of a chapter's start-up time.
def _stats():
    from scipy import stats
    return stats


def _optimize():
    from scipy import optimize
    return optimize


def z95() -> float:
    return z_of_level(95)


# --- the Freeman-Tukey transform, as Stata computes it --------------------------------------

def freeman_tukey(events, n) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.asarray(events, float), np.asarray(n, float)
    t = np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))
    return t, 1 / (n + 0.5)


def miller_inverse(t: float, n: float) -> float:
    """Miller (1978) inverse of the double arcsine at sample size n, clamped to [0, 1].

    At the transform's ends (t <= 0, t >= pi) sin t vanishes and the formula is undefined; the
    proportion there is 0 or 1."""
    if t <= 0:
        return 0.0
    if t >= math.pi:
        return 1.0
    s = math.sin(t)
    inner = 1 - (s + (s - 1 / s) / n) ** 2
    p = 0.5 * (1 - math.copysign(1, math.cos(t)) * math.sqrt(max(inner, 0.0)))
    return min(max(p, 0.0), 1.0)


def harmonic_mean(n) -> float:
    n = np.asarray(n, float)
    return len(n) / float(np.sum(1 / n))


def study_ci(events, n, method: str = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Per-study 95% CI: "wilson" (metaprop's default score interval) or "beta" (Clopper-Pearson)."""
    from statsmodels.stats.proportion import proportion_confint  # imported here: check with a warm cache never needs statsmodels
    return proportion_confint(np.asarray(events), np.asarray(n), alpha=0.05, method=method)


def _combine(y, v, method_re: str):
    """statsmodels' combine_effects, quietly: with a negative DL tau2 it takes the square root
    of a negative variance and warns; this module truncates tau2 itself."""
    from statsmodels.stats.meta_analysis import combine_effects  # imported here: check with a warm cache never needs statsmodels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return combine_effects(np.asarray(y, float), np.asarray(v, float), method_re=method_re)


# --- tau2 estimators ------------------------------------------------------------------------

def tau2_dl(y, v) -> float:
    """DerSimonian-Laird, truncated at 0 as the estimator is defined (statsmodels does not)."""
    return max(float(_combine(y, v, "dl").tau2), 0.0)


def tau2_pm(y, v) -> float:
    """Paule-Mandel, by statsmodels' iteration."""
    return max(float(_combine(y, v, "pm").tau2), 0.0)


def tau2_reml(y, v) -> float:
    """Restricted maximum likelihood (statsmodels' combine_effects has no REML)."""
    optimize = _optimize()
    y, v = np.asarray(y, float), np.asarray(v, float)

    def negative_restricted_loglik(tau2):
        w = 1 / (v + tau2)
        mu = (w * y).sum() / w.sum()
        return 0.5 * (np.log(v + tau2).sum() + math.log(w.sum()) + (w * (y - mu) ** 2).sum())

    upper = max(10 * float(np.var(y)) + 10 * float(v.max()), 1e-6)
    fit = optimize.minimize_scalar(negative_restricted_loglik, bounds=(0, upper), method="bounded",
                                   options={"xatol": 1e-12})
    return float(fit.x)


TAU2 = {"DL": tau2_dl, "PM": tau2_pm, "REML": tau2_reml}


# --- pooling ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pooled:
    method: str
    k: int
    estimate: float  # pooled proportion
    low: float
    high: float
    tau2: float
    q: float
    i2: float  # percent
    p_heterogeneity: float
    pi_low: float | None = None  # 95% prediction interval (k >= 3)
    pi_high: float | None = None
    fixed_fallback: bool = False  # Stata's silent fixed effect for k <= 2
    weights: tuple = field(default=(), repr=False)  # percent, per study

    def pins(self) -> dict:
        """What a chapter shows of a pooled estimate (rederive.analyses pins these)."""
        return {"k": self.k, "estimate": self.estimate, "low": self.low, "high": self.high,
                "pi_low": self.pi_low, "pi_high": self.pi_high, "tau2": self.tau2, "i2": self.i2}


def _heterogeneity(y, v) -> tuple[float, float, float]:
    stats = _stats()
    res = _combine(y, v, "dl")
    q, df = float(res.q), len(y) - 1
    i2 = 100 * max(0.0, (q - df) / q) if q > 0 else 0.0
    return q, i2, float(stats.chi2.sf(q, df)) if df > 0 else float("nan")


def metaprop(events, n, tau2: str = "DL", ci: str = "normal") -> Pooled:
    """Pool proportions on the Freeman-Tukey scale and back-transform, as metaprop does.

    tau2: DL (metaprop), PM or REML. ci: "normal" (metaprop) or "hksj" (Hartung-Knapp-Sidik-
    Jonkman, t on k-1 df with statsmodels' HKSJ variance)."""
    stats = _stats()
    y, v = freeman_tukey(events, n)
    k = len(y)
    q, i2, p_het = _heterogeneity(y, v)
    nh = harmonic_mean(n)
    fallback = k <= 2
    t2 = 0.0 if fallback else TAU2[tau2](y, v)
    w = 1 / (v + t2)
    mu = float((w * y).sum() / w.sum())
    se = float(1 / math.sqrt(w.sum()))
    if ci == "hksj" and k >= 2:
        scale = float((w * (y - mu) ** 2).sum() / (k - 1) / w.sum())
        half = float(stats.t.ppf(0.975, k - 1)) * math.sqrt(scale)
    else:
        half = z95() * se
    pi = (None, None)
    if k >= 3 and not fallback:
        spread = float(stats.t.ppf(0.975, k - 2)) * math.sqrt(t2 + se**2)
        pi = (miller_inverse(mu - spread, nh), miller_inverse(mu + spread, nh))
    label = ("fixed effect (k <= 2)" if fallback else f"random effects, {tau2}") + \
            (", HKSJ" if ci == "hksj" else "") + ", Freeman-Tukey"
    return Pooled(label, k, miller_inverse(mu, nh), miller_inverse(mu - half, nh), miller_inverse(mu + half, nh),
                  t2, q, i2, p_het, pi[0], pi[1], fallback, tuple(100 * w / w.sum()))


@functools.lru_cache(maxsize=4)
def _hermgauss(nodes: int):
    return np.polynomial.hermite.hermgauss(nodes)  # an eigenproblem: computed once per size


def glmm_negative_loglik(events, n, mu: float, tau: float, nodes: int = 60) -> float:
    """-log L of the logit-normal binomial model, u_i integrated by Gauss-Hermite quadrature."""
    x, n = np.asarray(events, float), np.asarray(n, float)
    gh_x, gh_w = _hermgauss(nodes)
    eta = mu + math.sqrt(2) * tau * gh_x[None, :]
    ll = x[:, None] * -np.logaddexp(0, -eta) + (n - x)[:, None] * -np.logaddexp(0, eta)
    top = ll.max(axis=1, keepdims=True)
    marginal = top[:, 0] + np.log((np.exp(ll - top) * gh_w[None, :]).sum(axis=1) / math.sqrt(math.pi))
    return -float(marginal.sum())


def glmm_logit(events, n, nodes: int = 60) -> Pooled:
    """Logit-normal random-intercept binomial model fitted by maximum likelihood.

    logit p_i = mu + u_i, u_i ~ N(0, tau2); the marginal likelihood integrates u_i by Gauss-
    Hermite quadrature (statsmodels offers only a Bayesian binomial mixed GLM). The CI of mu is
    Wald, from the observed information, as in metafor's rma.glmm."""
    optimize = _optimize()
    stats = _stats()
    x, n = np.asarray(events, float), np.asarray(n, float)

    def negative_loglik(theta):
        return glmm_negative_loglik(x, n, theta[0], math.exp(theta[1]), nodes)

    pooled_logit = math.log((x.sum() + 0.5) / (n.sum() - x.sum() + 0.5))
    best = None
    for start in (-3.0, -1.0, 0.5):
        fit = optimize.minimize(negative_loglik, [pooled_logit, start], method="Nelder-Mead",
                                options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 4000})
        if best is None or fit.fun < best.fun:
            best = fit
    mu, log_tau = best.x
    tau2 = math.exp(2 * log_tau)
    hessian = _hessian(negative_loglik, best.x)
    if tau2 < 1e-8:  # tau at its boundary: the likelihood is flat in log tau
        tau2 = 0.0
        se = 1 / math.sqrt(hessian[0, 0])
    else:
        se = math.sqrt(np.linalg.inv(hessian)[0, 0])
    expit = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    y, v = freeman_tukey(x, n)
    q, i2, p_het = _heterogeneity(y, v)
    k = len(x)
    pi = (None, None)
    if k >= 3:
        spread = float(stats.t.ppf(0.975, k - 2)) * math.sqrt(tau2 + se**2)
        pi = (expit(mu - spread), expit(mu + spread))
    return Pooled("GLMM, logit-normal, ML", k, expit(mu), expit(mu - z95() * se), expit(mu + z95() * se),
                  tau2, q, i2, p_het, pi[0], pi[1])


def _hessian(fun, x, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a function of two parameters."""
    x = np.asarray(x, float)
    out = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            out[i, j] = (fun(x + ei + ej) - fun(x + ei - ej) - fun(x - ei + ej) + fun(x - ei - ej)) / (4 * h * h)
    return out


def leave_one_out(events, n, **kwargs) -> list[Pooled]:
    events, n = list(events), list(n)
    return [metaprop(events[:i] + events[i + 1:], n[:i] + n[i + 1:], **kwargs) for i in range(len(n))]


def subgroup_difference(groups: list[tuple[list, list]]) -> tuple[float, int, float]:
    """Q test for differences between subgroups (random effects, DL within each subgroup), on the
    Freeman-Tukey scale: Q_between = sum w_g (mu_g - mu)^2, df = G - 1."""
    stats = _stats()
    mus, ws = [], []
    for events, n in groups:
        y, v = freeman_tukey(events, n)
        t2 = 0.0 if len(y) <= 2 else tau2_dl(y, v)
        w = 1 / (v + t2)
        mus.append(float((w * y).sum() / w.sum()))
        ws.append(float(w.sum()))
    mus, ws = np.array(mus), np.array(ws)
    overall = (ws * mus).sum() / ws.sum()
    q = float((ws * (mus - overall) ** 2).sum())
    df = len(groups) - 1
    return q, df, float(stats.chi2.sf(q, df))


# --- small-study effects ----------------------------------------------------------------------

def egger_p(effects, variances) -> float:
    """Egger's regression test: standardised effect on precision; p of the intercept."""
    import statsmodels.api as sm
    y, se = np.asarray(effects, float), np.sqrt(np.asarray(variances, float))
    fit = sm.OLS(y / se, sm.add_constant(1 / se)).fit()
    return float(fit.pvalues[0])


def egger_variants(events, n) -> dict[str, float]:
    """Egger p under the effect scales a reader might have used: which one gives the printed p?"""
    x, n = np.asarray(events, float), np.asarray(n, float)
    p = x / n
    t, v = freeman_tukey(x, n)
    logit_x, logit_n = x + 0.5 * ((x == 0) | (x == n)), n + 1.0 * ((x == 0) | (x == n))
    return {
        "Freeman-Tukey, var 1/(n+0.5) (metaprop)": egger_p(t, v),
        "Freeman-Tukey, var 1/(n+1)": egger_p(t, 1 / (n + 1)),
        "raw proportion, var p(1-p)/n": egger_p(p, p * (1 - p) / n),
        "logit, var 1/x + 1/(n-x)": egger_p(np.log(logit_x / (logit_n - logit_x)),
                                           1 / logit_x + 1 / (logit_n - logit_x)),
        "arcsine sqrt, var 1/(4n)": egger_p(np.arcsin(np.sqrt(p)), 1 / (4 * n)),
    }
