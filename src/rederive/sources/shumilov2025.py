"""Shumilov 2025 (Blood Adv): bispecific antibodies after CAR T-cell failure, 92 patients.

Known here only through a news article, which prints subgroup response rates without subgroup
sizes; rederive.checks.subgroups finds every split of the 92 patients the printed rates allow.
"""
from ..checks import verdicts as says
from ..checks.derivations import Feasible, Grim, Verbal, Within
from ..checks.subgroups import reconstruct
from ..stats.survival import pooled_median_bounds

GROUPS = ("early", "mid", "late")  # relapse within 3 months, 4-6 months, after 6 months
MODES = ("partition", "evaluable", "subset")


def reconstruction(x, mode: str = "partition"):
    """Every (responders, patients) per timing group that the printed rates allow. "partition",
    the strict reading: every patient in exactly one timing group, all evaluable."""
    rates = [x[f"shum_{g}_orr"].estimate for g in GROUPS]
    return reconstruct(rates, x.n("shum_n"), x["shum_orr"].estimate, mode)


def timing_p(split) -> float:
    """Chi-squared test of response across the timing groups, for one (responders, patients) split."""
    from scipy.stats import chi2_contingency
    table = [[r for r, _ in split], [n - r for r, n in split]]
    return float(chi2_contingency(table)[1])


def derive(x):
    d = x.derivations()
    d["shum_orr"] = Grim(x.n("shum_n"))
    strict = reconstruction(x)
    d["shum_orr_partition"] = Feasible(len(strict.solutions),
                                       f"{len(strict.solutions)} splits of the {x.n('shum_n')} patients fit every printed rate",
                                       tuple(strict.size_ranges()))
    for i, group in enumerate(GROUPS):
        strict = reconstruction(x)
        if strict.solutions:
            (n_lo, n_hi), (r_lo, r_hi) = strict.size_ranges()[i], strict.responder_ranges()[i]
            shown = f"group size {n_lo}-{n_hi}, responders {r_lo}-{r_hi} (every patient in one group)"
            ranges = ((n_lo, n_hi), (r_lo, r_hi))
        else:
            shown, ranges = "no split of the cohort fits", ()
        d[f"shum_{group}_orr"] = Feasible(len(strict.solutions), shown, ranges)
    # "varied significantly" with timing: a test of response across the three timing groups, in
    # every split of the cohort that the printed rates allow (the article prints no group sizes)
    for claim in ("verbal_shum_varied", "verbal_shum_predicts"):
        ps = [timing_p(split) for split in reconstruction(x).solutions]
        d[claim] = Verbal("response differs across the timing groups (chi-squared, P < .05)",
                          says.significant_in_every(ps, "splits of the cohort"))
    low, high = pooled_median_bounds([x.value(f"shum_{g}_pfs") for g in GROUPS])
    d["shum_pfs_between_groups"] = Within(low, high, "the whole cohort's median lies between its groups' medians")
    d["shum_late_pfs_between"] = Within(x.value("shum_late_later_pfs"), None,
                                        "late group = first-salvage (median not reached) + later-line patients")
    d["shum_late_later_pfs_below_os"] = Within(0, x.value("shum_late_later_os"), "their median OS")
    return d
