"""Erbella 2025 (Blood Adv): late failure after CAR T cells in 298 DESCAR-T patients.

Known through an education summary: percentages without counts, so each is checked for the
counts it allows (GRIM); hazard ratios are checked against their intervals in the ledger.
"""

from ..checks import rounding
from ..checks import verdicts as says
from ..checks.derivations import Grim, Verbal, Within


def systemic_count(x) -> int:
    """Patients given systemic therapy: 76.5% of 298 to the nearest patient. The erb_systemic
    row checks that this count really gives the printed percentage (it is the only one that does)."""
    return round(x.value("erb_systemic") * x.n("erb_n") / 100)


def derive(x):
    shares = ("erb_dlbcl", "erb_stage", "erb_aaipi", "erb_systemic")
    # The summary's convention, from the shares over all 298 that only rounding explains. Read
    # before the derivations start recording: it is how every share is read, not a value any
    # share comes from (a finding on one share must not travel to the others, rederive.ledger.travel).
    rounds = tuple(f"{x[k].text} of {x.n('erb_n')}" for k in shares
                   if rounding.convention_evidence(x[k].estimate, x.n("erb_n")) == rounding.HALF_UP)
    d = x.derivations()
    for key in shares:
        d[key] = Grim(x.n("erb_n"), rounds_elsewhere=rounds)
    # Response rates: over the patients given systemic therapy, or over those evaluable (unstated).
    d["erb_orr"] = Grim(systemic_count(x), stated=False)
    d["erb_crr"] = Grim(systemic_count(x), stated=False)
    d["verbal_erb_most"] = Verbal("each share above half", says._all(
        [says.majority_of_percent(x[k], label) for k, label in (("erb_dlbcl", "DLBCL"), ("erb_stage", "stage"), ("erb_aaipi", "aaIPI"))]))
    d["verbal_erb_superior_chemo"] = Verbal("HR below 1, significantly",
                                            says.ratio_direction(x["erb_bsab_vs_chemo_p"], better_below_one=True, label="vs chemotherapy"))
    d["verbal_erb_superior_others"] = Verbal("HR below 1, significantly",
                                             says.ratio_direction(x["erb_bsab_vs_others_ci"], better_below_one=True, label="vs other treatments"))
    d["erb_pfs2_below_os2"] = Within(0, x.value("erb_os2"), "median OS-2 of the same patients")
    return d
