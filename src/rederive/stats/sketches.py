"""Survival sketches from summary statistics: exponential and Weibull curves through a printed
median and landmark rates. They approximate; they are not patient data.

A printed median m says S(m) = 0.5; a landmark rate r at t says S(t) = r. An exponential has
one parameter (exact through a median: rate ln 2 / m), a Weibull two (exact through two
points); with more points both are fitted by least squares on the survival scale
(scipy.optimize.least_squares). `pooled_median` solves for the median of a mixture of
subgroups, the sharper version of the engine's bound (rederive.stats.survival.pooled_median_bounds).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# scipy.optimize is imported where it is used: unpickling a saved ledger loads this module for
# its result classes, and every chapter unpickles one.

EXPONENTIAL, WEIBULL = "exponential", "Weibull"


@dataclass(frozen=True)
class Sketch:
    family: str
    scale: float  # exponential: mean (1 / rate); Weibull: scale lambda
    shape: float  # 1 for the exponential
    points: tuple  # the printed (time, survival) points it was fitted to
    fitted: tuple  # its survival at those times

    def survival(self, t):
        t = np.asarray(t, float)
        return np.exp(-((t / self.scale) ** self.shape))

    @property
    def median(self) -> float:
        return self.scale * math.log(2) ** (1 / self.shape)

    @property
    def worst_error(self) -> float:
        """The largest distance, in survival probability, between a printed point and the sketch."""
        return max(abs(s - f) for (_, s), f in zip(self.points, self.fitted))

    def pins(self) -> dict:
        return {"family": self.family, "scale": self.scale, "shape": self.shape, "median": self.median,
                "worst_error": self.worst_error}


def _sketch(family, scale, shape, points) -> Sketch:
    s = Sketch(family, float(scale), float(shape), tuple(points), ())
    return Sketch(family, float(scale), float(shape), tuple(points), tuple(float(v) for v in s.survival([t for t, _ in points])))


def exponential(points: list[tuple[float, float]]) -> Sketch:
    """Least squares on the survival scale (exact through a single point, e.g. a median)."""
    from scipy import optimize
    points = [(float(t), float(s)) for t, s in points]
    if len(points) == 1:
        t, s = points[0]
        return _sketch(EXPONENTIAL, t / -math.log(s), 1.0, points)
    times, surv = np.array([t for t, _ in points]), np.array([s for _, s in points])
    start = float(np.mean(times / -np.log(surv)))
    fit = optimize.least_squares(lambda p: np.exp(-times / math.exp(p[0])) - surv, [math.log(start)],
                                 xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return _sketch(EXPONENTIAL, math.exp(fit.x[0]), 1.0, points)


def weibull(points: list[tuple[float, float]]) -> Sketch:
    """Least squares on the survival scale (exact through two points); needs at least two."""
    from scipy import optimize
    points = [(float(t), float(s)) for t, s in points]
    if len(points) < 2:
        raise ValueError("a Weibull sketch needs at least two printed points")
    times, surv = np.array([t for t, _ in points]), np.array([s for _, s in points])
    # Start from the exact line through the two extreme points on log(-log S) against log t.
    x, y = np.log(times), np.log(-np.log(surv))
    shape0 = (y[-1] - y[0]) / (x[-1] - x[0]) if x[-1] != x[0] else 1.0
    scale0 = math.exp(x[0] - y[0] / shape0)
    fit = optimize.least_squares(
        lambda p: np.exp(-((times / math.exp(p[0])) ** math.exp(p[1]))) - surv,
        [math.log(scale0), math.log(max(shape0, 1e-3))], xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return _sketch(WEIBULL, math.exp(fit.x[0]), math.exp(fit.x[1]), points)


def pooled_median(sketches: list[Sketch], weights: list[float]) -> float:
    """The median of a mixture: the t at which the weighted mean survival is 0.5."""
    from scipy import optimize
    w = np.asarray(weights, float) / float(np.sum(weights))
    mix = lambda t: float(sum(wi * float(s.survival(t)) for wi, s in zip(w, sketches))) - 0.5  # noqa: E731
    low, high = min(s.median for s in sketches), max(s.median for s in sketches)
    if high - low < 1e-12:
        return low
    return float(optimize.brentq(mix, low, high, xtol=1e-12))
