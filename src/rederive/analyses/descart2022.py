"""DESCAR-T 2022: the denominators behind its baseline percentages, and the methods chapter's
worked P-value example."""
from __future__ import annotations

from ..pvalues import p_from_ratio_ci, p_from_symmetric_ci
from ..rounding import denominators

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


ANALYSES = {"descart_baseline_denominators": baseline_denominators, "descart_example_p": example_p}
