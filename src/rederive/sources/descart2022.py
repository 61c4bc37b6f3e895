"""DESCAR-T 2022 (Di Blasi et al., Blood 2022): 238 failures after anti-CD19 CAR T cells.

Every claim of data/descart2022/claims.csv whose check needs other inputs is derived here.
The intrinsic checks (p from CI, estimate inside CI, median inside range) run in the ledger.
"""
from fractions import Fraction

from ..checks import verdicts as says
from ..checks.derivations import Agrees, ColumnPrecision, Grim, Percent, Total, Verbal, Within
from ..stats.survival import landmark_bounds, pooled_median_bounds

DAYS_PER_MONTH = Fraction(36525, 1200)  # 365.25 / 12


def derive(x):
    d = x.derivations()

    def percent(claim, numerator, denominator):
        d[claim] = Percent(x.n(numerator), x.n(denominator))

    def agrees(claim, other):
        d[claim] = Agrees(other, x[other])

    # population
    percent("failures_pct", "failures_n", "infused_n")
    d["infused_sum"] = Total((x.n("axicel_n"), x.n("tisacel_n")))
    d["nonprogressive_n"] = Total((x.n("infused_n"), -x.n("failures_n")))
    for key in ("cr", "pr", "sd"):
        percent(f"nonprogressive_{key}_pct", f"nonprogressive_{key}_n", "nonprogressive_n")
    d["nonprogressive_breakdown_sum"] = Total(tuple(x.n(f"nonprogressive_{k}_n") for k in ("cr", "pr", "sd")))
    d["failures_by_product_sum"] = Total((x.n("failures_axicel_n"), x.n("failures_tisacel_n")))

    # baseline characteristics: the paper's denominator is the 238 failures
    # Over the 238 failures where the data are complete; aaIPI, disease status at infusion and
    # LDH were not known for everyone, and the paper does not say over how many it counts them.
    for key in ("dlbcl", "lines", "transplant", "bridging"):
        percent(f"{key}_pct", f"{key}_n", "failures_n")
    for key in ("aaipi", "pd_infusion", "ldh_high"):
        d[f"{key}_pct"] = Percent(x.n(f"{key}_n"), x.n("failures_n"), stated=False)
    d["transplant_sum"] = Total((x.n("transplant_auto_n"), x.n("transplant_allo_n")))
    for key in ("chemo", "light", "rt"):
        percent(f"bridging_{key}_pct", f"bridging_{key}_n", "bridging_n")
    d["bridging_sum"] = Total(tuple(x.n(f"bridging_{k}_n") for k in ("chemo", "light", "rt")))
    for key in ("aaipi", "lines", "bridging", "pd_infusion", "ldh_high"):
        agrees(f"abstract_{key}_pct", f"{key}_pct")
    d["abstract_ecog_pct"] = Grim(x.n("failures_n"))

    # timing of failure
    groups = ("very_early", "early", "late")
    for key in groups:
        percent(f"{key}_pct", f"{key}_n", "failures_n")
        agrees(f"abstract_{key}_pct", f"{key}_pct")
    d["timing_sum"] = Total(tuple(x.n(f"{k}_n") for k in groups))
    # The median patient's failure day lies in the window that holds the middle of the counts.
    windows = [(0, 30, "very_early"), (30, 90, "early"), (90, None, "late")]
    n, cumulative = x.n("failures_n"), 0
    for start, end, key in windows:
        cumulative += x.n(f"{key}_n")
        if cumulative >= Fraction(n + 1, 2):
            break
    longest = x["failure_time"].range[1].value  # the last window is open: the range bounds it
    upper = end / DAYS_PER_MONTH if end is not None else longest
    d["failure_time_window"] = Within(start / DAYS_PER_MONTH, upper,
                                      f"the middle of {n} failures falls in D{start}-D{end or ''}")
    agrees("abstract_failure_time", "failure_time")

    # treatment at failure (denominator: the 154 with data on a new line)
    percent("treated_pct", "treated_n", "failures_n")
    percent("abstract_treated_pct", "treated_n", "failures_n")
    for key in ("len", "bsab", "targeted", "rt", "chemo"):
        percent(f"treated_{key}_pct", f"treated_{key}_n", "treated_n")
        agrees(f"abstract_treated_{key}_pct", f"treated_{key}_pct")

    # response to salvage (denominator: the 120 with a known response)
    percent("response_pct", "response_n", "treated_n")
    for key in ("orr", "cr", "pr", "sd", "pd"):
        percent(f"{key}_pct", f"{key}_n", "response_n")
    d["orr_sum"] = Total((x.n("cr_n"), x.n("pr_n")))
    d["response_breakdown_sum"] = Total(tuple(x.n(f"{k}_n") for k in ("cr", "pr", "sd", "pd")))

    # survival: medians bound landmark rates, PFS cannot outlast OS, pooled medians lie between
    six, twelve = Fraction(6), Fraction(12)
    lo, hi = landmark_bounds(x.value("all_pfs_median"), six)
    d["all_pfs_6mo"] = Within(lo, hi, "median PFS vs 6 months")
    lo, hi = landmark_bounds(x.value("dor_median"), six)
    d["dor_6mo"] = Within(lo, hi, "median duration of response vs 6 months")
    lo, hi = landmark_bounds(x.value("pfs2_median"), six)  # progressed = 100 - PFS
    d["pfs2_6mo_progressed"] = Within(100 - hi, 100 - lo, "median PFS-2 vs 6 months")
    d["pfs2_12mo_progressed"] = Within(x.value("pfs2_6mo_progressed"), 100, "cumulative, at least the 6-month value")
    lo, hi = landmark_bounds(x.value("os2_median"), six)
    d["os2_6mo"] = Within(lo, hi, "median OS-2 vs 6 months")
    d["os2_12mo"] = Within(0, min(x.value("os2_6mo"), landmark_bounds(x.value("os2_median"), twelve)[1]),
                           "at most the 6-month value")
    lo, hi = landmark_bounds(x.value("os2_very_early"), six)
    d["abstract_os2_6mo_very_early"] = Within(lo, hi, "median OS-2 after very early failure vs 6 months")
    d["pfs2_not_above_os2"] = Within(0, x.value("os2_median"), "median OS-2")
    for key in groups:
        d[f"pfs2_{key}_not_above_os2"] = Within(0, x.value(f"os2_{key}"), f"median OS-2, {key.replace('_', ' ')}")
    agrees("abstract_pfs2_median", "pfs2_median")
    agrees("abstract_os2_median", "os2_median")
    agrees("abstract_os2_6mo", "os2_6mo")
    agrees("abstract_os2_very_early", "os2_very_early")
    lo, hi = pooled_median_bounds([x.value("os2_early"), x.value("os2_late")])
    d["abstract_os2_after_d30"] = Within(lo, hi, "pooled median of the D31-D90 and >D90 groups")
    agrees("abstract_os2_timing_p", "os2_timing_p")

    # the same numbers printed again in the learning objectives, methods, results and figure legends
    for claim, other in (("cme_objectives_n", "infused_n"), ("methods_registered_n", "registered_n"),
                         ("methods_infused_n", "infused_n"), ("results_followup_median", "followup_median"),
                         ("results_failures_n", "failures_n"), ("cytopenia_axicel_n", "failures_axicel_n"),
                         ("fig1_response_n", "response_n"), ("fig1_treated_n", "treated_n"),
                         ("fig2_3_failures_n", "failures_n")):
        agrees(claim, other)

    # two sections' counts of the same patients
    agrees("rt_localized_n", "treated_rt_n")
    still_responding = x.n("nonprogressive_cr_n") + x.n("nonprogressive_pr_n")
    d["responders_n"] = Within(still_responding, x.n("infused_n"),
                               "at least the nonprogressive responders, at most the patients infused")

    # words the printed numbers decide (rederive.checks.verdicts)
    def worse(ids):
        return says._all([says.ratio_direction(x[i], better_below_one=False, label=i.rsplit("_", 2)[-2]) for i in ids])

    def no_association(ids):
        return says._all([says.not_significant(x[i], label=i.rsplit("_", 2)[-2]) for i in ids])

    d["verbal_key_immunomodulatory"] = Verbal("lenalidomide's OS-2 HR below 1, significantly (multivariate)",
                                              says.ratio_direction(x["os2_multi_len_p"], better_below_one=True, label="lenalidomide"))
    d["verbal_treatment_pfs2_nonsig"] = Verbal("P at least .05", says.not_significant(x["pfs2_treatment_p"]))
    d["verbal_pfs2_uni_worse"] = Verbal("every factor listed has HR above 1, significantly",
                                        worse([f"pfs2_uni_{k}_p" for k in ("ldh", "ecog", "very_early", "crp", "ferritin")]))
    d["verbal_pfs2_uni_treatment_nonsig"] = Verbal("no treatment listed is significant",
                                                   no_association([f"pfs2_uni_{k}_p" for k in ("bsab", "len", "targeted")]))
    d["verbal_os2_uni_worse"] = Verbal("every factor listed has HR above 1, significantly",
                                       worse([f"os2_uni_{k}_p" for k in ("ldh", "ecog", "very_early", "crp", "ferritin")]))
    d["verbal_os2_uni_treatment_nonsig"] = Verbal("no treatment listed is significant",
                                                  no_association([f"os2_uni_{k}_p" for k in ("bsab", "len", "targeted")]))
    d["verbal_pfs2_multi_worse"] = Verbal("every factor listed has HR above 1, significantly",
                                          worse([f"pfs2_multi_{k}_p" for k in ("ldh", "ferritin")]))
    d["verbal_pfs2_multi_treatment_nonsig"] = Verbal("no treatment listed is significant",
                                                     no_association(["pfs2_multi_bsab", "pfs2_multi_len_p", "pfs2_multi_targeted_p"]))
    d["verbal_os2_multi_worse"] = Verbal("every factor listed has HR above 1, significantly",
                                         worse([f"os2_multi_{k}_p" for k in ("ldh", "crp", "very_early")]))
    d["verbal_os2_multi_treatment_nonsig"] = Verbal("no treatment listed is significant",
                                                    no_association(["os2_multi_bsab_p", "os2_multi_targeted_p"]))
    d["verbal_os2_multi_len_better"] = Verbal("HR below 1, significantly",
                                              says.ratio_direction(x["os2_multi_len_p"], better_below_one=True, label="lenalidomide"))
    d["verbal_discussion_len"] = Verbal("significant for OS, not for PFS",
                                        says._all([says.significant(x["discussion_len_os_p"], "OS"),
                                                   says.not_significant(x["discussion_len_pfs_p"], "PFS")]))
    # "may improve PFS": some printed PFS-2 analysis of bispecifics or lenalidomide would show a
    # significant benefit; the claim fails if none does.
    pfs_tests = [("pfs2_uni_bsab_p", "bispecifics, univariate"), ("pfs2_uni_len_p", "lenalidomide, univariate"),
                 ("pfs2_multi_bsab", "bispecifics, multivariate"), ("pfs2_multi_len_p", "lenalidomide, multivariate"),
                 ("pfs2_treatment_p", "treatment strategies compared")]
    benefit = [says.significant(x[i], label) for i, label in pfs_tests]
    holds = True if any(b.holds for b in benefit) else False if all(b.holds is False for b in benefit) else None
    d["verbal_conclusion_pfs"] = Verbal("some PFS-2 analysis of these treatments is significant",
                                        says.Decision(holds, "; ".join(b.evidence for b in benefit)))
    d["verbal_most_dlbcl"] = Verbal("more than half", says.majority(x.n("dlbcl_n"), x.n("failures_n")))
    d["verbal_cytopenia_choice"] = Verbal("P at least .05", says.not_significant(x["cytopenia_choice_p"]))
    d["verbal_cytopenia_higher"] = Verbal("axi-cel's rate above tisa-cel's",
                                          says.undecidable(f"the rates are not printed; {x['cytopenia_product_p'].text} says only that they differ"))

    # discussion against results
    agrees("discussion_len_os_p", "os2_multi_len_p")
    agrees("discussion_len_pfs_p", "pfs2_multi_len_p")
    agrees("discussion_bsab_n", "treated_bsab_n")
    agrees("discussion_pfs2_median", "pfs2_median")
    agrees("discussion_pfs2_very_early", "pfs2_very_early")

    # contradictions inside the article found by the systematic search (issue 16): the abstract's
    # population against the methods', a share rounded more coarsely than its list, and rows
    # printed identically for the univariate PFS-2 and OS-2 models
    agrees("abstract_registered_n", "registered_n")
    listed = lambda *keys: tuple(x.context(f"treated_{k}_pct").text for k in keys)  # noqa: E731  (the column's precision)
    d["treated_chemo_pct_precision"] = ColumnPrecision(listed("len", "bsab", "targeted", "rt"), x.n("treated_n"),
                                                       x.n("treated_chemo_n"))
    d["treated_rt_pct_precision"] = ColumnPrecision(listed("len", "bsab", "targeted", "chemo"), x.n("treated_n"),
                                                    x.n("treated_rt_n"))
    d["verbal_abstract_received_salvage"] = Verbal(
        f"{x['treated_n'].text} patients received salvage treatment", says.undecidable(
            f"the results say data for a new line of treatment were available for {x['treated_n'].text} "
            f"({x['treated_pct'].text}); how many were treated is not printed"))
    for factor in ("ldh", "ferritin"):
        d[f"pfs2_uni_{factor}_same_as_os2"] = Agrees(f"os2_uni_{factor}_p", x[f"os2_uni_{factor}_p"], separate=True)
    return d
