"""Across the sources: timing of CAR-T failure, within-trial comparisons, survival sketches,
and what the reverse sequence rests on. Reads every register at once (inputs.combined)."""
from __future__ import annotations

from fractions import Fraction

from ..stats import binomial, comparisons, meta, sketches
from ..checks.rounding import numerators
from ..sources.descart2022 import DAYS_PER_MONTH
from ..sources.shen2025 import events, studies
from ..sources.shumilov2025 import MODES, reconstruction
from ..stats.survival import pooled_median_bounds

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
    # Erbella's response rate is to any salvage, not to a bispecific, so it is not a point of the
    # response panel; its medians are.
    for row_id, label in (("erb_pfs2", "median PFS-2"), ("erb_os2", "median OS-2")):
        points.append({"source": "erbella2025", "group": "late", "outcome": label, "kind": "median", "from": 3.0,
                       "to": None, "n": x.n("erb_n"), "counts": "not printed", **_median(x, row_id)})
    return points


SHUMILOV_READINGS = {"partition": "strict: every patient in one group, all evaluable",
                     "evaluable": "the groups hold the evaluable patients only",
                     "subset": "the groups hold some of the patients"}


def _odronextamab_trial(x):
    """The odronextamab trial's post-CAR-T cohort in Table 2 of the meta-analysis."""
    return next(s for s in studies(x.table("shen2025/table2"))
                if s.treatment == "Odronextamab" and s.subgroup != "CAR-T-naive")


def _odro_readings(x) -> dict:
    """The odronextamab groups two ways: as the discussion prints them (sizes adding up to 59)
    and as the trial's n in Table 2 says (60). Table 2's responders fix the missing patient's
    response; which time window the patient belongs to is unknown, so each of the model's
    categories is tried in turn."""
    printed = _odro_counts(x)
    trial = _odronextamab_trial(x)
    missing_n = trial.n - sum(n for _, n in printed.values())
    missing_r = trial.orr - sum(r for r, _ in printed.values())
    readings = {f"{sum(n for _, n in printed.values())}, as the groups print": printed}
    if missing_n > 0 and 0 <= missing_r <= missing_n:
        for category, label in enumerate(CATEGORIES):
            key = next(k for k, _, _, c in ODRO_GROUPS if c == category)
            moved = dict(printed)
            r, n = printed[key]
            moved[key] = (r + missing_r, n + missing_n)
            readings[f"{trial.n}, as Table 2 prints: the {missing_n} missing {label}"] = moved
    return readings


def _cohorts(split, odro: dict) -> list:
    cohorts = [("shumilov2025", category, *split[i]) for i, (_, _, _, category) in enumerate(SHUMILOV_GROUPS)]
    for category in range(len(CATEGORIES)):
        keys = [key for key, _, _, c in ODRO_GROUPS if c == category]
        cohorts.append(("odronextamab", category, sum(odro[k][0] for k in keys), sum(odro[k][1] for k in keys)))
    return cohorts


def timing_sensitivity(x) -> dict:
    """The timing model over every split of every reading of the Shumilov cohort and both readings of the odronextamab group sizes, pooled and per source, with the test that the two sources share their odds ratios."""
    odro = _odro_readings(x)
    printed_odro = next(iter(odro.values()))
    readings, pooled, shumilov_alone, shumilov_every = [], [], [], []
    for mode in MODES:
        splits = reconstruction(x, mode).solutions
        if not splits:
            continue
        alone = [comparisons.one_source_odds(_cohorts(s, printed_odro)[:len(SHUMILOV_GROUPS)], CATEGORIES)
                 for s in splits]
        shumilov_every.extend(alone)
        shumilov_alone.append({"reading": mode, "_label": SHUMILOV_READINGS[mode], "splits": len(splits),
                               "ranges": comparisons.ranges(alone)})
        for odro_label, counts in odro.items():
            batch = [_cohorts(s, counts) for s in splits]
            fits = comparisons.timing_models(batch, CATEGORIES)
            tests = [comparisons.common_odds_test(f, c, CATEGORIES) for f, c in zip(fits, batch)]
            pooled.extend(f.odds_ratios for f in fits)
            readings.append({"shumilov": mode, "_shumilov_label": SHUMILOV_READINGS[mode], "odronextamab": odro_label,
                             "fits": len(fits), "ranges": comparisons.ranges([f.odds_ratios for f in fits]),
                             "common_odds_p_low": min(tests), "common_odds_p_high": max(tests)})
    odro_alone = [{"sizes": label, "odds_ratios": list(comparisons.one_source_odds(
        _cohorts(((1, 1),) * len(SHUMILOV_GROUPS), counts)[len(SHUMILOV_GROUPS):], CATEGORIES))}
        for label, counts in odro.items()]
    trial = _odronextamab_trial(x)
    return {"readings": readings, "fits": len(pooled), "ranges": comparisons.ranges(pooled),
            "odronextamab_n": {"windows": sum(n for _, n in printed_odro.values()), "table2": trial.n},
            "common_odds_p_low": min(r["common_odds_p_low"] for r in readings),
            "common_odds_p_high": max(r["common_odds_p_high"] for r in readings),
            "shumilov_alone": shumilov_alone, "shumilov_alone_ranges": comparisons.ranges(shumilov_every),
            "odronextamab_alone": odro_alone,
            "odronextamab_alone_ranges": comparisons.ranges([tuple(o["odds_ratios"]) for o in odro_alone]),
            "_categories": CATEGORIES}


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
        tables = [(getattr(a, outcome), a.n, getattr(b, outcome), b.n) for _, a, b in usable]
        pooled, each = comparisons.within_trials(tables)
        names = [f"{label[0]} ({label[1]})" for label, _, _ in usable]
        out[outcome] = {"pooled": pooled, "trials": [{"trial": name, "prior": f"{getattr(a, outcome)}/{a.n}",
                                                      "naive": f"{getattr(b, outcome)}/{b.n}", "odds_ratio": o,
                                                      "subgroup": a.subgroup}
                                                     for name, (label, a, b), o in zip(names, usable, each)],
                        "equal_odds_p": comparisons.equal_odds_p(tables) if len(tables) > 1 else None,
                        "leave_one_out": [{"left_out": name,
                                           "pooled": comparisons.within_trials(tables[:i] + tables[i + 1:])[0]}
                                          for i, name in enumerate(names)] if len(tables) > 2 else [],
                        "monotherapy": comparisons.within_trials([t for t, (_, a, _) in zip(tables, usable)
                                                                  if a.subgroup == "monotherapy"])[0]
                        if any(a.subgroup == "monotherapy" for _, a, _ in usable) else None}
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
    """CAR-T then bispecific against bispecific then CAR-T: exact CIs, and exact tests of the 12-patient series against the post-CAR-T bispecific response rates (the pooled trial rate, at its estimate and at its upper 95% bound, and the real-world cohort)."""
    t2 = studies(x.table("shen2025/table2"))
    mono_events = events(t2, "monotherapy", "orr")
    mono = meta.metaprop(*mono_events)
    n, k = x.n("tr_n"), numerators(x["tr_orr"].estimate, x.n("tr_n"))
    cr = numerators(x["tr_cr"].estimate, x.n("tr_n"))
    shum_n = x.n("shum_n")
    shum_k = numerators(x["shum_orr"].estimate, shum_n)
    if len(k) != 1 or len(cr) != 1 or len(shum_k) != 1:
        raise ValueError("a printed rate does not pin down one count")
    orr_ci = binomial.exact_ci(k[0], n)
    return {"tongren": {"orr": f"{k[0]}/{n}", "orr_ci": orr_ci, "cr": f"{cr[0]}/{n}",
                        "cr_ci": binomial.exact_ci(cr[0], n)},
            "shumilov": {"orr": f"{shum_k[0]}/{shum_n}", "rate": shum_k[0] / shum_n,
                         "orr_ci": binomial.exact_ci(shum_k[0], shum_n)},
            "pooled_monotherapy": {"estimate": mono.estimate, "low": mono.low, "high": mono.high,
                                   "pi_low": mono.pi_low, "pi_high": mono.pi_high, "k": mono.k,
                                   "patients": sum(mono_events[1]), "method": mono.method},
            "tests": {"alpha": ALPHA_ONE_SIDED,
                      "needed": binomial.critical_count(n, mono.estimate, ALPHA_ONE_SIDED),
                      "p_vs_pooled": binomial.p_at_least(k[0], n, mono.estimate),
                      "p_vs_pooled_upper": binomial.p_at_least(k[0], n, mono.high),
                      "p_vs_shumilov": binomial.fisher_greater(k[0], n, shum_k[0], shum_n),
                      "lower_bound_above_pooled_upper": orr_ci[0] > mono.high}}


ALPHA_ONE_SIDED = 0.025  # a one-sided test at 2.5%, the one-sided half of a two-sided 5% test


ANALYSES = {"synthesis_timing_points": timing_points,
            "synthesis_timing_sensitivity": timing_sensitivity,
            "synthesis_within_trials": within_trials, "synthesis_sketches": survival_sketches,
            "synthesis_pooled_medians": pooled_medians, "synthesis_sequence": sequence}
