"""Beijing Tongren preprint (Research Square 2025): CAR T cells after bispecific failure, 12 patients.

With 12 patients every rate is a count of 12 (GRIM), and each Kaplan-Meier landmark is a
product over at most 12 steps: rederive.checks.km enumerates which curves reach the printed values.
"""
from fractions import Fraction

from ..checks import verdicts as says
from ..checks.derivations import Agrees, Feasible, Grim, Percent, Total, Verbal, Within
from ..checks.km import at_risk_bounds, matching

LANDMARK = Fraction(12)  # months

ADVERSE_EVENTS = ("crs", "icans", "neutropenia", "anemia", "thrombocytopenia", "transaminases", "ddimer", "fibrinogen")


def followup_bounds(x) -> tuple[int, int]:
    """Patients who can be at risk at 12 months, from the printed follow-up (median and range)."""
    fu = x["tr_followup"]
    return at_risk_bounds(x.n("tr_n"), LANDMARK, fu.estimate.value, fu.range[1].value)


def km_paths(x, row_id):
    bounds = followup_bounds(x)
    return matching(x.n("tr_n"), x[row_id].estimate, bounds), bounds


def derive(x):
    d = x.derivations()
    d["tr_sex_sum"] = Total((x.n("tr_male"), x.n("tr_female")))
    for key in ("extranodal", "bulky", "relapsed", "refractory"):
        d[f"tr_{key}_pct"] = Percent(x.n(f"tr_{key}_n"), x.n("tr_n"))
    d["tr_bsab_status_sum"] = Total((x.n("tr_relapsed_n"), x.n("tr_refractory_n")))
    d["tr_cd20_n"] = Total((x.n("tr_glofit_n"), x.n("tr_cd20_invest_n")))
    d["tr_targets_sum"] = Total((x.n("tr_cd20_n"), x.n("tr_cd19_n")))
    d["tr_products_sum"] = Total((x.n("tr_dual_n"), x.n("tr_single_n")))
    for key in ("tr_orr", "tr_cr", "tr_pr", *(f"tr_{e}" for e in ADVERSE_EVENTS)):
        d[key] = Grim(x.n("tr_n"))
    d["tr_orr_sum"] = Total((x.value("tr_cr"), x.value("tr_pr")))
    d["tr_conclusion_orr"] = Agrees("tr_orr", x["tr_orr"])
    d["verbal_tr_majority"] = Verbal("more than half", says.majority(x.n("tr_extranodal_n"), x.n("tr_n")))
    survival = f"{x['tr_pfs12_km'].text} and {x['tr_os12_km'].text} at 12 months"  # the data the sentence is about
    d["verbal_tr_significant_benefit"] = Verbal("a benefit significant against some comparison",
                                                says.undecidable(f"single-arm ({survival}): no comparison and no test printed"))
    for key in ("tr_pfs12", "tr_os12"):
        paths, (low, high) = km_paths(x, f"{key}_km")
        fewest = min(paths, key=lambda p: (p.events, p.censored)) if paths else None
        shown = (f"{len(paths)} combinations of events and censorings before 12 months with {low} to {high} "
                 f"at risk (as the follow-up allows); fewest events {fewest.events} with {fewest.censored} "
                 f"censored ({fewest.sequence})") if fewest else \
            f"no KM curve of {x.n('tr_n')} patients with {low} to {high} at risk at 12 months gives it"
        d[f"{key}_km"] = Feasible(len(paths), shown)
        d[f"{key}_median"] = Within(50, 100, "the median was not reached, so the curve stayed above 50%")
    return d
