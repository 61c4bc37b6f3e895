"""Erbella 2025: the count treated, the denominators its percentages allow, and the P value its
second hazard ratio implies."""
from __future__ import annotations

from ..checks.pvalues import p_from_ratio_ci
from ..checks.rounding import numerators
from ..sources.erbella2025 import systemic_count

ITEMS = ("erb_dlbcl", "erb_stage", "erb_aaipi", "erb_systemic", "erb_orr", "erb_crr")
TREATED = ("erb_orr", "erb_crr")  # shares of the patients given systemic therapy


def treated(x) -> int:
    """Patients given systemic therapy: the only count of the cohort that gives the printed share."""
    return systemic_count(x)


def denominators_tried(x) -> dict:
    """Per printed percentage: the denominator tried, and the three largest up to it that some whole count gives."""
    out = {}
    for item in ITEMS:
        tried = systemic_count(x) if item in TREATED else x.n("erb_n")
        printed = x[item].estimate
        fitting = [d for d in range(1, tried + 1) if numerators(printed, d)]
        out[item] = {"tried": tried, "largest": tuple(fitting[-3:])}
    return out


def others_p(x):
    """The P value implied by the PFS-2 hazard ratio of bispecifics against all other treatments (not printed)."""
    r = x["erb_bsab_vs_others_ci"]
    return p_from_ratio_ci(r.estimate, *r.ci)


ANALYSES = {"erbella_treated": treated, "erbella_denominators": denominators_tried, "erbella_others_p": others_p}
