"""DESCAR-T 2022: the denominators behind its baseline percentages, and the methods chapter's
worked P-value example."""
from __future__ import annotations

from ..pvalues import p_from_ratio_ci
from ..rounding import denominators

BASELINE = ("dlbcl", "aaipi", "lines", "transplant", "bridging", "pd_infusion", "ldh_high")


def baseline_denominators(x) -> dict:
    """Every denominator from the count up to all infused patients that gives each printed baseline %."""
    out = {}
    for key in BASELINE:
        count = x.n(f"{key}_n")
        out[key] = tuple(denominators(x[f"{key}_pct"].estimate, count, range(count, x.n("infused_n") + 1)))
    return out


def example_p(x):
    """The P value the univariate PFS-2 hazard ratio for ECOG PS implies (methods chapter example)."""
    r = x["pfs2_uni_ecog_p"]
    return p_from_ratio_ci(r.estimate, *r.ci)


ANALYSES = {"descart_baseline_denominators": baseline_denominators, "descart_example_p": example_p}
