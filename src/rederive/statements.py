"""The report's own statements, checked like a source's numbers.

A sentence of the front page, the synthesis or a chapter's "what a clinician can take" section
that states a result or a judgement of the report's own ("in every split", "lower", "does not
reach the 5% level", "mostly") takes its judging words from here: each statement has the words
a chapter shows (`R.says(id)`) and the computation that decides, from the ledger's values and
the report's own results, whether the data still support them. `check` evaluates every
statement; one that no longer holds is an unexpected outcome naming its row (`says.<id>`), so a
data update cannot leave a sentence on the page that its numbers contradict.

Quantifiers range over exactly what the words name: "every fit" is every split of every reading
of the Shumilov cohort with every reading of the odronextamab group sizes.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from itertools import combinations
from typing import Callable

from .core import outcomes

PREFIX = "says."
FILE = "src/rederive/statements.py"
ALPHA = 0.05


@dataclass(frozen=True)
class Statement:
    id: str
    where: str  # the page and section that show it
    words: str  # what the page says, as the reader sees it
    decide: Callable  # Facts -> (holds, what the numbers are)


STATEMENTS: dict[str, Statement] = {}


def statement(statement_id: str, where: str, words: str):
    def register(decide):
        STATEMENTS[statement_id] = Statement(statement_id, where, words, decide)
        return decide
    return register


class Facts:
    """What a statement may read: the ledger's printed values, outcomes and the report's own results."""

    def __init__(self, rows: dict, analyses: dict, judgements: dict | None = None):
        self._rows, self._analyses, self._judgements = rows, analyses, judgements or {}

    def judgement(self, question: str, domain: str):
        """A registered judgement of certainty (rederive.ledger.certainty, data/certainty.csv)."""
        return self._judgements[(question, domain)]

    def analysis(self, name: str):
        found = self._analyses[name]
        if found.error:
            raise ValueError(f"{name} cannot be computed: {found.error}")
        return found.result

    def printed(self, row_id: str):
        return self._rows[row_id].printed

    def number(self, row_id: str) -> float:
        return float(self.printed(row_id).estimate.value)

    def ci(self, row_id: str) -> tuple[float, float]:
        """A printed CI as numbers; an upper bound "not reached" is infinite."""
        low, high = self.printed(row_id).ci
        return float(low.value), float("inf") if high.not_reached else float(high.value)

    def p_at_most(self, row_id: str) -> float:
        """The largest P a printed P value allows ("P = .104": .1045; "P < .001": .001)."""
        return float(self.printed(row_id).p.interval()[1])

    def outcome(self, row_id: str) -> str:
        return self._rows[row_id].outcome

    def rows(self, source: str) -> list:
        return [r for r in self._rows.values() if r.source == source]


def evaluate(rows: dict, analyses: dict, judgements: dict | None = None,
             more: tuple = ()) -> list[tuple[Statement, bool, str, int]]:
    """Every statement (and `more`) with whether it holds, what the numbers are, and its line here."""
    facts = Facts(rows, analyses, judgements)
    out = []
    for s in [*STATEMENTS.values(), *more]:
        try:
            holds, detail = s.decide(facts)
        except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError, IndexError) as exc:
            holds, detail = False, f"cannot be decided: {type(exc).__name__}: {exc}"
        out.append((s, bool(holds), detail, inspect.getsourcelines(s.decide)[1]))
    return out


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _not_significant(p: float, test: str) -> tuple[bool, str]:
    """"no difference at the 5% level": the test's P is at least ALPHA."""
    return p >= ALPHA, f"{test} P {_fmt(p)}"


# --- Timing of failure (front page, finding 1; synthesis, "Timing of failure") ---

@statement("timing_late_every_fit", "index.qmd finding 1; synthesis.qmd, Timing of failure",
           "every 95% CI excluded 1 and every P was below .001")
def _(f):
    r = f.analysis("synthesis_timing_sensitivity")
    late = r["ranges"][1]
    return late["ci_low"] > 1 and late["p_high"] < 0.001, \
        f"after 6 months over {r['fits']} fits: OR {_fmt(late['or_low'])}-{_fmt(late['or_high'])}, " \
        f"lowest CI bound {_fmt(late['ci_low'])}, largest P {_fmt(late['p_high'])}"


@statement("timing_mid_every_fit", "synthesis.qmd, Timing of failure",
           "every 95% CI excluded 1 here too")
def _(f):
    r = f.analysis("synthesis_timing_sensitivity")
    mid = r["ranges"][0]
    return mid["ci_low"] > 1, f"3 to 6 months over {r['fits']} fits: lowest CI bound {_fmt(mid['ci_low'])}"


@statement("timing_sources_not_shown_to_differ", "index.qmd finding 1; synthesis.qmd, Timing of failure",
           "does not reject a common odds ratio in any fit")
def _(f):
    return _not_significant(f.analysis("synthesis_timing_sensitivity")["common_odds_p_low"],
                            "likelihood-ratio test of the source-by-timing interaction, smallest")


@statement("timing_shumilov_alone_not_shown", "index.qmd finding 1; synthesis.qmd, Timing of failure",
           "points the same way in every split, but its own 95% CI includes 1 in some")
def _(f):
    late = f.analysis("synthesis_timing_sensitivity")["shumilov_alone_ranges"][1]
    return late["or_low"] > 1 and late["ci_low"] < 1, \
        f"Shumilov alone, after 6 months: OR {_fmt(late['or_low'])}-{_fmt(late['or_high'])}, lowest CI bound {_fmt(late['ci_low'])}"


@statement("timing_odronextamab_alone_shown", "index.qmd finding 1; synthesis.qmd, Timing of failure",
           "with a 95% CI above 1 under each reading of its group sizes (59 or 60 patients)")
def _(f):
    late = f.analysis("synthesis_timing_sensitivity")["odronextamab_alone_ranges"][1]
    return late["ci_low"] > 1, \
        f"odronextamab alone, after 6 months: OR {_fmt(late['or_low'])}-{_fmt(late['or_high'])}, lowest CI bound {_fmt(late['ci_low'])}"


@statement("timing_every_series_improves", "synthesis.qmd, Figure on timing and conclusions",
           "in each source that reports more than one time window, the latest failures go with higher "
           "response or longer survival than the earliest")
def _(f):
    series = {}
    for p in f.analysis("synthesis_timing_points"):
        series.setdefault((p["source"], p["outcome"]), []).append((p["from"], p["estimate"]))
    compared = {k: sorted(v) for k, v in series.items() if len(v) > 1}
    worse = [f"{s} {o}" for (s, o), v in compared.items() if not v[-1][1] > v[0][1]]
    return bool(compared) and not worse, \
        f"{len(compared)} series compared" + (f"; not improving: {', '.join(worse)}" if worse else "")


@statement("timing_descart_os2_shortest_first", "index.qmd finding 1; descart-2022.qmd, What a clinician can take",
           "shortest after failure within the first month")
def _(f):
    very_early, early, late = (f.number(f"os2_{g}") for g in ("very_early", "early", "late"))
    return very_early < early and very_early < late, f"median OS-2 {very_early}, {early}, {late} months"


# --- Survival sketches (synthesis, "Survival sketches from the printed numbers") ---

CLOSE_MONTHS = 0.5  # a sketched median "close to" a printed one: within half a month, as the table says


@statement("sketch_weibull_shapes_below_one", "synthesis.qmd, Survival sketches",
           "because these curves fall steeply at first and flatten later (every Weibull shape is below 1)")
def _(f):
    shapes = {k: s["weibull"].shape for k, s in f.analysis("synthesis_sketches").items()}
    return all(v < 1 for v in shapes.values()), "Weibull shapes " + ", ".join(f"{k} {_fmt(v)}" for k, v in shapes.items())


def _sketch_close(u) -> bool:
    return any(abs(u["printed"] - u[k]) <= CLOSE_MONTHS for k in ("exponential", "weibull") if k in u)


@statement("sketch_whole_cohort_close", "synthesis.qmd, Survival sketches",
           "close to the printed ones, which supports the sketches")
def _(f):
    unions = f.analysis("synthesis_pooled_medians")
    whole = [unions[k] for k in ("descart_os2_all", "descart_pfs2_all")]
    return all(_sketch_close(u) for u in whole), "; ".join(
        f"printed {u['printed']}, sketched {_fmt(u['exponential'])}/{_fmt(u['weibull'])}" for u in whole)


@statement("sketch_after_d30_far", "synthesis.qmd, Survival sketches",
           "far from")
def _(f):
    u = f.analysis("synthesis_pooled_medians")["descart_os2_after_d30"]
    return abs(u["exponential"] - u["printed"]) > CLOSE_MONTHS, f"printed {u['printed']}, sketched {_fmt(u['exponential'])}"


# --- Prior CAR-T within trials (finding 2; synthesis, "Does prior CAR-T lower the response") ---

@statement("within_orr_lower", "index.qmd finding 2; synthesis.qmd, within trials",
           "lower odds of response than CAR-T-naive patients, with a 95% CI below 1")
def _(f):
    o = f.analysis("synthesis_within_trials")["orr"]["pooled"]
    return o.high < 1, f"Mantel-Haenszel OR {_fmt(o.estimate)} ({_fmt(o.low)}-{_fmt(o.high)})"


@statement("within_orr_rests_on_each_trial", "index.qmd finding 2; synthesis.qmd, within trials",
           "the 95% CI includes 1 when some single trials are left out")
def _(f):
    loo = f.analysis("synthesis_within_trials")["orr"]["leave_one_out"]
    including = [x["left_out"] for x in loo if x["pooled"].low <= 1 <= x["pooled"].high]
    return bool(including), f"CI includes 1 without: {', '.join(including) or 'none'}"


@statement("within_monotherapy_alone_includes_one", "synthesis.qmd, within trials",
           "its 95% CI includes 1")
def _(f):
    o = f.analysis("synthesis_within_trials")["orr"]["monotherapy"]
    return o.low <= 1 <= o.high, f"monotherapy trial alone: OR {_fmt(o.estimate)} ({_fmt(o.low)}-{_fmt(o.high)})"


@statement("within_no_heterogeneity_detected", "synthesis.qmd, within trials",
           "finds no difference between the trials' odds ratios at the 5% level")
def _(f):
    return _not_significant(f.analysis("synthesis_within_trials")["orr"]["equal_odds_p"], "Breslow-Day")


@statement("within_between_test_not_significant", "synthesis.qmd, within trials",
           "does not reach the 5% level")
def _(f):
    return _not_significant(f.analysis("shen_subgroup_differences")["orr"]["p"], "between-subgroup Q test")


# --- Choosing the salvage (finding 3; synthesis, "Comparing the salvage treatments") ---

SALVAGE_CLASSES = ("bsab", "len", "targeted", "chemo", "rt")
TESTED_CLASSES = ("bsab", "len", "targeted", "chemo")  # the classes DESCAR-T's P = .104 and P = .32 compare


def _overlap(a, b) -> bool:
    return max(a[0], b[0]) <= min(a[1], b[1])


def _apart(f) -> list[tuple[str, str, str]]:
    return [(e, a, b) for e in ("pfs2", "os2") for a, b in combinations(SALVAGE_CLASSES, 2)
            if not _overlap(f.ci(f"{e}_{a}"), f.ci(f"{e}_{b}"))]


@statement("salvage_tested_classes_overlap", "synthesis.qmd, Comparing the salvage treatments",
           "every pair of the four classes the registry's test compares has overlapping confidence intervals")
def _(f):
    bad = [x for x in _apart(f) if x[1] in TESTED_CLASSES and x[2] in TESTED_CLASSES]
    return not bad, "pairs apart: " + (", ".join(" ".join(x) for x in bad) or "none")


@statement("salvage_only_radiotherapy_apart", "synthesis.qmd, Comparing the salvage treatments",
           "the only intervals that do not overlap involve radiotherapy")
def _(f):
    apart = _apart(f)
    return bool(apart) and all("rt" in x[1:] for x in apart), "pairs apart: " + (", ".join(" ".join(x) for x in apart) or "none")


@statement("salvage_descart_no_difference", "index.qmd finding 3; synthesis.qmd, Comparing the salvage treatments",
           "finds no difference between the four classes at the 5% level")
def _(f):
    ps = [f.p_at_most("pfs2_treatment_p"), f.p_at_most("os2_treatment_p")]
    return min(ps) >= ALPHA, f"largest P the printed values allow: PFS-2 {_fmt(ps[0])}, OS-2 {_fmt(ps[1])}"


@statement("salvage_erbella_favours_bispecifics", "index.qmd finding 3; synthesis.qmd; erbella-2025.qmd",
           "longer PFS-2 with bispecific antibodies than with chemotherapy and than with the other "
           "treatments pooled, each with a 95% CI below 1")
def _(f):
    his = [f.ci("erb_bsab_vs_chemo_p"), f.ci("erb_bsab_vs_others_ci")]
    return all(h < 1 for _, h in his), f"upper CI bounds {his[0][1]}, {his[1][1]}"


@statement("salvage_monotherapy_vs_combination_not_shown", "synthesis.qmd, Comparing the salvage treatments",
           "does not reach the 5% level")
def _(f):
    return _not_significant(f.analysis("shen_subgroup_differences")["prior_orr"]["p"],
                            "monotherapy against combination after CAR-T, Q test")


# --- The reverse sequence (finding 4; synthesis, "The reverse sequence") ---

@statement("sequence_exceeds_pooled_rate", "index.qmd finding 4; synthesis.qmd, The reverse sequence",
           "above both the pooled post-CAR-T bispecific rate and the upper bound of its 95% CI")
def _(f):
    t = f.analysis("synthesis_sequence")["tests"]
    return max(t["p_vs_pooled"], t["p_vs_pooled_upper"]) < t["alpha"], \
        f"one-sided exact P {_fmt(t['p_vs_pooled'])} (estimate), {_fmt(t['p_vs_pooled_upper'])} (upper bound)"


@statement("sequence_lower_bound_above_pooled", "index.qmd finding 4; synthesis.qmd, The reverse sequence",
           "above the upper bound of the pooled rate's")
def _(f):
    t = f.analysis("synthesis_sequence")["tests"]
    return t["lower_bound_above_pooled_upper"], f"lower exact bound above pooled upper bound: {t['lower_bound_above_pooled_upper']}"


@statement("sequence_exceeds_real_world_rate", "synthesis.qmd, The reverse sequence",
           "more than the real-world rate of bispecifics after CAR-T")
def _(f):
    t = f.analysis("synthesis_sequence")["tests"]
    return t["p_vs_shumilov"] < t["alpha"], f"Fisher one-sided P {_fmt(t['p_vs_shumilov'])}"


@statement("sequence_mostly_dual_target", "index.qmd finding 4; synthesis.qmd; tongren-2025.qmd",
           "mostly CD19/CD22 dual-target")
def _(f):
    return f.number("tr_dual_n") > f.number("tr_n") / 2, f"{f.number('tr_dual_n'):g} of {f.number('tr_n'):g}"


@statement("sequence_follow_up_short_of_a_year", "index.qmd finding 4; synthesis.qmd; tongren-2025.qmd, What a clinician can take",
           "shorter than the year its 12-month estimates describe")
def _(f):
    return f.number("tr_followup") < 12, f"median follow-up {f.number('tr_followup'):g} months"


# --- Source chapters, "what a clinician can take" ---

@statement("descart_len_longer_os2", "descart-2022.qmd, What a clinician can take",
           "longer OS-2 (the hazard ratio's 95% CI lies below 1)")
def _(f):
    low, high = f.ci("os2_multi_len_ci")
    return high < 1, f"HR CI {low}-{high}"


@statement("descart_bsab_median_open", "descart-2022.qmd, What a clinician can take",
           "whose median PFS-2 has no upper confidence bound")
def _(f):
    return f.ci("pfs2_bsab")[1] == float("inf"), f"PFS-2 CI {f.ci('pfs2_bsab')}"


@statement("erbella_consistent_where_testable", "erbella-2025.qmd, What a clinician can take",
           "contradicts none of its own numbers where they can be tested")
def _(f):
    bad = [r.id for r in f.rows("erbella2025") if r.outcome in outcomes.GROUPS["Contradicted or suspect"]]
    return not bad, "contradicted or suspect: " + (", ".join(bad) or "none")


@statement("shen_monotherapy_pooled_reproduce", "shen-2025.qmd, What a clinician may take",
           "arithmetically sound")
def _(f):
    found = {i: f.outcome(i) for i in ("mono_orr_pooled", "mono_cr_pooled")}
    return all(o == outcomes.REPRODUCED for o in found.values()), ", ".join(f"{i}: {o}" for i, o in found.items())


@statement("shumilov_inside_pooled_ci", "shumilov-2025.qmd, What a clinician can take",
           "inside the 95% CI of")
def _(f):
    rate = 100 * f.analysis("synthesis_sequence")["shumilov"]["rate"]
    low, high = f.ci("mono_orr_pooled")
    return low <= rate <= high, f"recovered real-world rate {rate:.2f}% against the pooled CI {low}-{high}%"


@statement("shumilov_rate_rises", "shumilov-2025.qmd, What a clinician can take",
           "rose")
def _(f):
    early, mid, late = (f.number(f"shum_{g}_orr") for g in ("early", "mid", "late"))
    return early < mid < late, f"{early}%, {mid}%, {late}%"


def outcome(holds: bool) -> str:
    return outcomes.HOLDS if holds else outcomes.NO_LONGER_HOLDS
