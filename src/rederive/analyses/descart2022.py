"""DESCAR-T 2022: the denominators behind its baseline percentages, and the methods chapter's
worked P-value example."""
from __future__ import annotations

from ..checks.pvalues import p_from_ratio_ci, p_from_symmetric_ci
from ..checks.rounding import denominators

BASELINE = ("dlbcl", "aaipi", "lines", "transplant", "bridging", "pd_infusion", "ldh_high")


def baseline_denominators(x) -> dict:
    """Every denominator from the count up to all infused patients that gives each printed baseline %."""
    out = {}
    for key in BASELINE:
        count = x.n(f"{key}_n")
        out[key] = tuple(denominators(x[f"{key}_pct"].estimate, count, range(count, x.n("infused_n") + 1)))
    return out


def example_p(x) -> dict:
    """The P values two printed hazard ratios imply (ECOG PS, the methods chapter's example; ferritin, the DESCAR-T chapter's), over the rounding box and with the log-symmetry constraint."""
    out = {}
    for key, row in (("ecog", "pfs2_uni_ecog_p"), ("ferritin", "pfs2_uni_ferritin_p")):
        r = x[row]
        out[key] = {"box": p_from_ratio_ci(r.estimate, *r.ci), "symmetric": p_from_symmetric_ci(r.estimate, *r.ci)}
    return out


def complete_cases(x) -> dict:
    """How many of the failures the multivariate Cox models can have used: LDH at infusion (in every multivariate model) was known only for the denominator its printed share recovers, treatment only for those with data on a new line."""
    ldh = baseline_denominators(x)["ldh_high"]
    failures, treated = x.n("failures_n"), x.n("treated_n")
    return {"failures": failures, "ldh_known_low": min(ldh), "ldh_known_high": max(ldh), "treated": treated,
            # patients with both: at least what the two groups must share, at most the smaller one
            "both_low": max(0, min(ldh) + treated - failures), "both_high": min(max(ldh), treated)}


ANALYSES = {"descart_baseline_denominators": baseline_denominators, "descart_example_p": example_p,
            "descart_complete_cases": complete_cases}
