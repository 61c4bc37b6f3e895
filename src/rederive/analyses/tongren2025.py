"""The Tongren preprint: each rate as a count of 12 with its exact and Wilson intervals, and the
Kaplan-Meier curves that give its printed 12-month PFS and OS."""
from __future__ import annotations

from ..checks import km
from ..stats import meta
from ..checks.rounding import numerators

RATES = ("tr_orr", "tr_cr", "tr_pr", "tr_crs", "tr_icans", "tr_neutropenia", "tr_anemia",
         "tr_thrombocytopenia", "tr_ddimer", "tr_fibrinogen")
LANDMARKS = {"PFS": "tr_pfs12_km", "OS": "tr_os12_km"}


def rates(x) -> dict:
    """Each printed rate as a whole count of the patients, with exact (Clopper-Pearson) and Wilson 95% CIs."""
    out = {}
    for rid in RATES:
        n = x.n("tr_n")
        counts = numerators(x[rid].estimate, n)
        if len(counts) != 1:
            raise ValueError(f"{rid}: {len(counts)} counts of {n} give the printed rate")
        k = counts[0]
        (cp_lo,), (cp_hi,) = meta.study_ci([k], [n], method="beta")
        (w_lo,), (w_hi,) = meta.study_ci([k], [n], method="wilson")
        out[rid] = {"count": k, "n": n, "exact_low": float(cp_lo), "exact_high": float(cp_hi),
                    "wilson_low": float(w_lo), "wilson_high": float(w_hi)}
    return out


def km_paths(x) -> dict:
    """The Kaplan-Meier paths (combinations of events and censorings before 12 months, with as
    many at risk at 12 months as the printed follow-up allows) that give each printed estimate;
    and, for comparison, how many there would be without the follow-up."""
    from ..sources.tongren2025 import followup_bounds
    out = {}
    for name, rid in LANDMARKS.items():
        n = x.n("tr_n")
        low, high = followup_bounds(x)
        paths = km.matching(n, x[rid].estimate, (low, high))
        unrestricted = km.matching(n, x[rid].estimate, (0, n))
        fewest = min(p.events for p in paths) if paths else None
        at_risk = sorted({n - p.events - p.censored for p in paths})
        out[name] = {"ways": len(paths), "ways_without_followup": len(unrestricted),
                     "at_risk_allowed_low": low, "at_risk_allowed_high": high, "fewest_events": fewest,
                     "every_path_censors": bool(paths) and all(p.censored > 0 for p in paths),
                     "at_risk_low": at_risk[0] if at_risk else None, "at_risk_high": at_risk[-1] if at_risk else None,
                     "with_fewest_events": [{"estimate": f"{p.estimate.numerator}/{p.estimate.denominator}",
                                             "events": p.events, "censored": p.censored,
                                             "at_risk": n - p.events - p.censored, "sequence": p.sequence}
                                            for p in paths if p.events == fewest],
                     "_paths": paths}
    return out


def km_reachable(x) -> dict:
    """Every value a Kaplan-Meier curve of the cohort can take at a landmark, by events before it."""
    paths = km.reachable(x.n("tr_n"))
    return {"values": len(paths), "_paths": paths}


ANALYSES = {"tongren_rates": rates, "tongren_km": km_paths, "tongren_km_reachable": km_reachable}
