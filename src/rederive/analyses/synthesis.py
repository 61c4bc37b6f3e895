"""Across the sources: timing of CAR-T failure, within-trial comparisons, survival sketches,
and what the reverse sequence rests on. Reads every register at once (inputs.combined)."""
from __future__ import annotations

from fractions import Fraction

from .. import binomial, comparisons, meta, sketches
from ..rounding import numerators
from ..sources.descart2022 import DAYS_PER_MONTH
from ..sources.shen2025 import events, studies
from ..sources.shumilov2025 import reconstruction
from ..survival import pooled_median_bounds

CATEGORIES = ["within 3 months", "3 to 6 months", "after 6 months"]  # harmonised time since CAR-T
DESCART_GROUPS = [("very_early", 0, 30), ("early", 30, 90), ("late", 90, None)]  # days
SHUMILOV_GROUPS = [("early", 0, 3, 0), ("mid", 3, 6, 1), ("late", 6, None, 2)]  # months, category
ODRO_GROUPS = [("le90", 0, 90, 0), ("le180", 90, 180, 1), ("le365", 180, 365, 2), ("gt365", 365, None, 2)]  # days


def _months(days):
    return None if days is None else float(Fraction(days) / DAYS_PER_MONTH)


def _median(x, row_id) -> dict:
    r = x[row_id]
    low, high = r.ci if r.ci else (None, None)
    value = lambda n: None if n is None or n.value is None else float(n.value)  # noqa: E731
    return {"estimate": value(r.estimate), "low": value(low), "high": value(high)}


def _odro_counts(x) -> dict:
    """Odronextamab responders per time since CAR-T: the one whole count of each printed n that
    gives the printed rate (Shen 2025's discussion prints rates and group sizes, not counts)."""
    out = {}
    for key, *_ in ODRO_GROUPS:
        n = x.n(f"odro_{key}_n")
        counts = numerators(x[f"odro_{key}_orr"].estimate, n)
        if len(counts) != 1:
            raise ValueError(f"odro_{key}_orr: {len(counts)} counts of {n} give the printed rate")
        out[key] = (counts[0], n)
    return out


def timing_points(x) -> list:
    """Outcome against time from CAR-T infusion to failure (or to bispecific start), on one axis in months, for every source that reports it."""
    points = []
    for group, start, end in DESCART_GROUPS:
        for endpoint, label in (("pfs2", "median PFS-2"), ("os2", "median OS-2")):
            points.append({"source": "descart2022", "group": group, "outcome": label, "kind": "median",
                           "from": _months(start), "to": _months(end), "n": x.n(f"{group}_n"), "counts": "printed",
                           **_median(x, f"{endpoint}_{group}")})
    strict = reconstruction(x).solutions
    for i, (group, start, end, _) in enumerate(SHUMILOV_GROUPS):
        cis = [binomial.exact_ci(*split[i]) for split in strict]
        points.append({"source": "shumilov2025", "group": group, "outcome": "ORR", "kind": "rate",
                       "from": float(start), "to": None if end is None else float(end),
                       "n": None, "counts": "reconstructed", "estimate": float(x.value(f"shum_{group}_orr")),
                       "low": 100 * min(c[0] for c in cis), "high": 100 * max(c[1] for c in cis)})
        points.append({"source": "shumilov2025", "group": group, "outcome": "median PFS", "kind": "median",
                       "from": float(start), "to": None if end is None else float(end), "n": None,
                       "counts": "not printed", **_median(x, f"shum_{group}_pfs")})
    for key, start, end, _ in ODRO_GROUPS:
        k, n = _odro_counts(x)[key]
        low, high = binomial.exact_ci(k, n)
        points.append({"source": "shen2025", "group": key, "outcome": "ORR (odronextamab)", "kind": "rate",
                       "from": _months(start), "to": _months(end), "n": n, "counts": "reconstructed",
                       "estimate": float(x.value(f"odro_{key}_orr")), "low": 100 * low, "high": 100 * high})
    for row_id, label, kind in (("erb_orr", "ORR", "rate"), ("erb_pfs2", "median PFS-2", "median"),
                                ("erb_os2", "median OS-2", "median")):
        entry = {"source": "erbella2025", "group": "late", "outcome": label, "kind": kind, "from": 3.0, "to": None,
                 "n": x.n("erb_n"), "counts": "not printed"}
        entry.update(_median(x, row_id) if kind == "median" else
                     {"estimate": float(x.value(row_id)), "low": None, "high": None})
        points.append(entry)
    return points


def _timing_cohorts(x, split) -> list:
    cohorts = [("shumilov2025", category, *split[i]) for i, (_, _, _, category) in enumerate(SHUMILOV_GROUPS)]
    odro = _odro_counts(x)
    for category in range(len(CATEGORIES)):
        keys = [key for key, _, _, c in ODRO_GROUPS if c == category]
        cohorts.append(("odronextamab", category, sum(odro[k][0] for k in keys), sum(odro[k][1] for k in keys)))
    return cohorts


def timing_model(x) -> dict:
    """Logistic model of bispecific response on time since CAR-T (fixed source effect), over every split of the Shumilov cohort its printed rates allow."""
    splits = reconstruction(x).solutions
    if not splits:
        raise ValueError("no split of the Shumilov cohort fits its printed rates")
    fits = [comparisons.timing_model(_timing_cohorts(x, split), CATEGORIES) for split in splits]
    return {"splits": len(splits), "per_split": [{"split": " ".join(f"{r}/{n}" for r, n in split),
                                                  "odds_ratios": list(fit.odds_ratios)}
                                                 for split, fit in zip(splits, fits)],
            "ranges": comparisons.ranges(fits), "_categories": CATEGORIES,
            "odronextamab_counts": {k: f"{r}/{n}" for k, (r, n) in _odro_counts(x).items()}}


def within_trials(x) -> dict:
    """Prior CAR-T against CAR-T-naive cohorts of the same trial (Mantel-Haenszel), for ORR and CR."""
    t2 = studies(x.table("shen2025/table2"))
    pairs = {}
    for s in t2:
        pairs.setdefault((s.label, s.treatment), {})["prior" if s.subgroup != "CAR-T-naive" else "naive"] = s
    both = [(label, p["prior"], p["naive"]) for label, p in pairs.items() if {"prior", "naive"} <= set(p)]
    out = {}
    for outcome in ("orr", "cr"):
        usable = [(label, a, b) for label, a, b in both if getattr(a, outcome) is not None and getattr(b, outcome) is not None]
        pooled, each = comparisons.within_trials([(getattr(a, outcome), a.n, getattr(b, outcome), b.n) for _, a, b in usable])
        out[outcome] = {"pooled": pooled, "trials": [{"trial": f"{label[0]} ({label[1]})", "prior": f"{getattr(a, outcome)}/{a.n}",
                                                      "naive": f"{getattr(b, outcome)}/{b.n}", "odds_ratio": o}
                                                     for (label, a, b), o in zip(usable, each)]}
    return out


SKETCHED = {  # population: (label, median row, [(landmark months, row, read as progressed?)])
    "descart_os2": ("DESCAR-T 2022, OS-2 (all 238)", "os2_median", [(6, "os2_6mo", False), (12, "os2_12mo", False)]),
    "descart_pfs2": ("DESCAR-T 2022, PFS-2 (all 238)", "pfs2_median",
                     [(6, "pfs2_6mo_progressed", True), (12, "pfs2_12mo_progressed", True)]),
    "descart_pfs": ("DESCAR-T 2022, PFS after CAR T cells (all infused)", "all_pfs_median", [(6, "all_pfs_6mo", False)]),
    "descart_os2_very_early": ("DESCAR-T 2022, OS-2 after very early failure", "os2_very_early",
                               [(6, "abstract_os2_6mo_very_early", False)]),
}


def _points(x, median_row, landmarks):
    points = [(float(x.value(median_row)), 0.5)]
    for t, row, progressed in landmarks:
        share = float(x.value(row)) / 100
        points.append((float(t), 1 - share if progressed else share))
    return points


def survival_sketches(x) -> dict:
    """Exponential and Weibull curves through each population's printed median and landmark rates, with how well each reproduces them."""
    out = {}
    for key, (label, median_row, landmarks) in SKETCHED.items():
        points = _points(x, median_row, landmarks)
        out[key] = {"_label": label, "points": [{"months": t, "printed": s} for t, s in points],
                    "exponential": sketches.exponential(points), "weibull": sketches.weibull(points)}
    return out


def pooled_medians(x) -> dict:
    """What subgroup medians imply for the median of their union: the engine's bound, sharpened by exponential sketches and by Weibull sketches sharing the whole population's fitted shape."""
    shape = sketches.weibull(_points(x, *SKETCHED["descart_os2"][1:])).shape
    pfs_shape = sketches.weibull(_points(x, *SKETCHED["descart_pfs2"][1:])).shape
    cases = {
        "descart_os2_all": ("OS-2, all 238 (three timing groups)", "os2_median",
                            [(f"os2_{g}", f"{g}_n") for g, *_ in DESCART_GROUPS], shape),
        "descart_pfs2_all": ("PFS-2, all 238 (three timing groups)", "pfs2_median",
                             [(f"pfs2_{g}", f"{g}_n") for g, *_ in DESCART_GROUPS], pfs_shape),
        "descart_os2_after_d30": ("OS-2 after D30 (abstract; D31-D90 and >D90 groups)", "abstract_os2_after_d30",
                                  [("os2_early", "early_n"), ("os2_late", "late_n")], shape),
    }
    out = {}
    for key, (label, printed_row, groups, shared_shape) in cases.items():
        medians = [float(x.value(m)) for m, _ in groups]
        weights = [x.n(n) for _, n in groups]
        low, high = pooled_median_bounds([x.value(m) for m, _ in groups])
        exp = sketches.pooled_median([sketches.exponential([(m, 0.5)]) for m in medians], weights)
        wei = sketches.pooled_median([_weibull_through_median(m, shared_shape) for m in medians], weights)
        out[key] = {"_label": label, "printed": float(x.value(printed_row)), "bound_low": float(low),
                    "bound_high": float(high), "exponential": exp, "weibull": wei}
    splits = reconstruction(x).solutions
    medians = [float(x.value(f"shum_{g}_pfs")) for g, *_ in SHUMILOV_GROUPS]
    curves = [sketches.exponential([(m, 0.5)]) for m in medians]
    mixes = [sketches.pooled_median(curves, [n for _, n in split]) for split in splits]
    low, high = pooled_median_bounds([x.value(f"shum_{g}_pfs") for g, *_ in SHUMILOV_GROUPS])
    out["shumilov_pfs_all"] = {"_label": "Shumilov 2025, PFS, all 92 (three timing groups, every feasible split)",
                               "printed": float(x.value("shum_pfs")), "bound_low": float(low), "bound_high": float(high),
                               "exponential_low": min(mixes), "exponential_high": max(mixes)}
    return out


def _weibull_through_median(median: float, shape: float) -> sketches.Sketch:
    scale = median / (0.6931471805599453 ** (1 / shape))
    return sketches.Sketch(sketches.WEIBULL, scale, shape, ((median, 0.5),), (0.5,))


def sequence(x) -> dict:
    """CAR-T then bispecific against bispecific then CAR-T: exact CIs, and what 12 patients can and cannot show against the post-CAR-T bispecific response rates."""
    t2 = studies(x.table("shen2025/table2"))
    mono = meta.metaprop(*events(t2, "monotherapy", "orr"))
    n, k = x.n("tr_n"), numerators(x["tr_orr"].estimate, x.n("tr_n"))
    cr = numerators(x["tr_cr"].estimate, x.n("tr_n"))
    shum_k = numerators(x["shum_orr"].estimate, x.n("shum_n"))
    if len(k) != 1 or len(cr) != 1 or len(shum_k) != 1:
        raise ValueError("a printed rate does not pin down one count")
    references = {"pooled_monotherapy": mono.estimate, "shumilov": shum_k[0] / x.n("shum_n")}
    return {"tongren": {"orr": f"{k[0]}/{n}", "orr_ci": binomial.exact_ci(k[0], n), "cr": f"{cr[0]}/{n}",
                        "cr_ci": binomial.exact_ci(cr[0], n)},
            "shumilov": {"orr": f"{shum_k[0]}/{x.n('shum_n')}", "orr_ci": binomial.exact_ci(shum_k[0], x.n("shum_n"))},
            "pooled_monotherapy": {"estimate": mono.estimate, "low": mono.low, "high": mono.high,
                                   "pi_low": mono.pi_low, "pi_high": mono.pi_high},
            "detectable": {name: binomial.detectable_rate(n, p0) for name, p0 in references.items()},
            "power_if_true_rate_were_its_lower_bound": {name: binomial.power(n, p0, binomial.exact_ci(k[0], n)[0])
                                        for name, p0 in references.items()}}


ANALYSES = {"synthesis_timing_points": timing_points, "synthesis_timing_model": timing_model,
            "synthesis_within_trials": within_trials, "synthesis_sketches": survival_sketches,
            "synthesis_pooled_medians": pooled_medians, "synthesis_sequence": sequence}
