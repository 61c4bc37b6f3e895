"""Shen 2025: what the choice of pooling method changes, leave-one-out, the subgroup-difference
test, the Egger search, and the combination ORR with the footnoted estimate pooled in."""
from __future__ import annotations

from ..stats import meta
from ..sources.shen2025 import egger_search, events, studies

SUBGROUPS = {"mono": "monotherapy", "comb": "combination", "naive": "CAR-T-naive"}
SUBGROUP_LABELS = {"mono": "Monotherapy after CAR-T", "comb": "Combination after CAR-T", "naive": "CAR-T-naive"}
OUTCOMES = {"orr": "ORR", "cr": "CR"}
METHODS = {
    "dl": ("Freeman-Tukey, DerSimonian-Laird, normal CI (metaprop, the paper)", dict(tau2="DL")),
    "reml": ("Freeman-Tukey, REML", dict(tau2="REML")),
    "pm": ("Freeman-Tukey, Paule-Mandel", dict(tau2="PM")),
    "reml_hksj": ("Freeman-Tukey, REML, Hartung-Knapp-Sidik-Jonkman CI", dict(tau2="REML", ci="hksj")),
    "glmm": ("Logit-normal GLMM, maximum likelihood", None),
}


def _analyses(x):
    """(key, label, events, n) for each pooled analysis: subgroup by outcome."""
    t2 = studies(x.table("table2"))
    return [(f"{prefix}_{outcome}", f"{SUBGROUP_LABELS[prefix]}, {label}", *events(t2, subgroup, outcome))
            for prefix, subgroup in SUBGROUPS.items() for outcome, label in OUTCOMES.items()]


def methods(x) -> dict:
    """Each pooled rate under five methods: metaprop's (the paper's), REML, Paule-Mandel, REML with HKSJ, and a logit-normal GLMM."""
    out = {"_labels": {key: label for key, (label, _) in METHODS.items()}}
    for key, label, ev, n in _analyses(x):
        fits = {m: (meta.glmm_logit(ev, n) if kw is None else meta.metaprop(ev, n, **kw)) for m, (_, kw) in METHODS.items()}
        out[key] = {"_label": label, **fits}
    return out


def method_summary(x) -> dict:
    """What the method comparison shows: the largest spread of a pooled rate across methods, how HKSJ intervals compare with metaprop's, the largest GLMM gap."""
    fits = {k: v for k, v in methods(x).items() if not k.startswith("_")}
    spread = max(max(f[m].estimate for m in METHODS) - min(f[m].estimate for m in METHODS) for f in fits.values())
    width = {k: {m: f[m].high - f[m].low for m in ("dl", "reml_hksj")} for k, f in fits.items()}
    wider = tuple(k for k in fits if width[k]["reml_hksj"] > width[k]["dl"])
    narrower = tuple(k for k in fits if width[k]["reml_hksj"] < width[k]["dl"])
    widest = max(fits, key=lambda k: width[k]["reml_hksj"])
    ratio = {k: width[k]["reml_hksj"] / width[k]["dl"] for k in fits}
    return {"spread": spread, "hksj_wider": wider, "hksj_narrower": narrower,
            "hksj_width_ratio_low": min(ratio.values()), "hksj_width_ratio_high": max(ratio.values()),
            "widest_hksj": widest, "widest_hksj_low": fits[widest]["reml_hksj"].low,
            "widest_hksj_high": fits[widest]["reml_hksj"].high,
            "glmm_gap": max(abs(f["glmm"].estimate - f["dl"].estimate) for f in fits.values()),
            "_labels": {k: f["_label"] for k, f in fits.items()}}


def subgroup_differences(x) -> dict:
    """Q tests for differences between subgroups (random effects within each): all three subgroups for ORR and CR, and the two prior-CAR-T subgroups for ORR."""
    t2 = studies(x.table("table2"))
    groups = lambda names, outcome: [events(t2, s, outcome) for s in names]  # noqa: E731
    out = {}
    for key, names, outcome in (("orr", SUBGROUPS.values(), "orr"), ("cr", SUBGROUPS.values(), "cr"),
                                ("prior_orr", ("monotherapy", "combination"), "orr")):
        q, df, p = meta.subgroup_difference(groups(names, outcome))
        out[key] = {"q": q, "df": df, "p": p}
    return out


def leave_one_out(x) -> dict:
    """Each pooled rate with each cohort left out in turn: the range of estimates and the most influential cohort."""
    t2 = studies(x.table("table2"))
    out = {}
    for prefix, subgroup in SUBGROUPS.items():
        for outcome, label in OUTCOMES.items():
            chosen = [s for s in t2 if s.subgroup == subgroup and getattr(s, outcome) is not None]
            ev, n = [getattr(s, outcome) for s in chosen], [s.n for s in chosen]
            full = meta.metaprop(ev, n).estimate
            loo = meta.leave_one_out(ev, n)
            study, moved = max(zip(chosen, loo), key=lambda sp: abs(sp[1].estimate - full))
            out[f"{prefix}_{outcome}"] = {
                "_label": f"{SUBGROUP_LABELS[prefix]}, {label}",
                "low": min(p.estimate for p in loo), "high": max(p.estimate for p in loo),
                "most_influential": f"{study.label} ({study.treatment})", "without_it": moved}
    return out


def egger(x) -> list:
    """Egger's test under five effect scales, on the prior-CAR-T cohorts or on all cohorts."""
    t2 = studies(x.table("table2"))
    return [{"outcome": OUTCOMES[outcome], "studies": set_name, "scale": scale, "p": p}
            for outcome in OUTCOMES for set_name, scale, p in egger_search(t2, outcome)]


def with_footnote_estimate(x) -> dict:
    """The combination ORR with the Glofitamab-Gemox cohort pooled in at the footnote's manufacturer estimate."""
    t2 = studies(x.table("table2"))
    cohort = next(s for s in t2 if s.orr is None)
    count = round(float(x.value("t2_footnote_estimate")) / 100 * cohort.n)
    ev, n = events(t2, "combination", "orr")
    return {"count": count, "n": cohort.n, "pooled": meta.metaprop(ev + [count], n + [cohort.n])}


def forest_groups(x) -> dict:
    """The cohorts of each subgroup as the forest plots draw them (Table 2 counts)."""
    t2 = studies(x.table("table2"))
    out = {}
    for outcome in OUTCOMES:
        out[outcome] = [{"name": SUBGROUP_LABELS[prefix],
                         "labels": tuple(f"{s.label} ({s.treatment})" for s in t2
                                         if s.subgroup == subgroup and getattr(s, outcome) is not None),
                         "events": tuple(getattr(s, outcome) for s in t2
                                         if s.subgroup == subgroup and getattr(s, outcome) is not None),
                         "n": tuple(s.n for s in t2 if s.subgroup == subgroup and getattr(s, outcome) is not None)}
                        for prefix, subgroup in SUBGROUPS.items()]
        out[f"all_{outcome}"] = dict(zip(("events", "n"), (tuple(v) for v in events(t2, None, outcome))))
    return out


def heterogeneity(x) -> dict:
    """Cochran's Q test of each pooling the paper reports (metaprop's Freeman-Tukey scale), beside its I²; and the 'overall' ORR against the prior-CAR-T cohorts alone."""
    out = {}
    for key, label, ev, n in _analyses(x):
        p = meta.metaprop(ev, n)
        prefix, outcome = key.split("_")
        out[key] = {"_label": label, "_name": f"{SUBGROUPS[prefix]} {OUTCOMES[outcome]}",
                    "k": p.k, "q": p.q, "df": p.k - 1, "p": p.p_heterogeneity, "i2": p.i2}
    t2 = studies(x.table("table2"))
    prior = [s for s in t2 if s.subgroup != "CAR-T-naive"]
    everyone = meta.metaprop(*events(t2, None, "orr"))
    alone = meta.metaprop(*events(prior, None, "orr"))
    out["overall_orr"] = {"k": everyone.k, "estimate": everyone.estimate,
                          "naive_k": sum(s.subgroup == "CAR-T-naive" for s in t2 if s.orr is not None),
                          "prior_k": alone.k, "prior_estimate": alone.estimate, "prior_low": alone.low, "prior_high": alone.high}
    return out


ANALYSES = {"shen_methods": methods, "shen_heterogeneity": heterogeneity, "shen_method_summary": method_summary,
            "shen_subgroup_differences": subgroup_differences, "shen_leave_one_out": leave_one_out,
            "shen_egger": egger, "shen_with_footnote_estimate": with_footnote_estimate,
            "shen_forest": forest_groups}
