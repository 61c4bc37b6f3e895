"""The front page's summary of findings: one row per question, the estimate with its interval and
its range over the readings the report shows, the patients and studies behind it, the kind of
evidence, and the certainty with the reason for every step down (rederive.ledger.certainty).

Numbers come from the same analyses and ledger rows the findings use; the ratings and their
reasons come from the statement rows `check` evaluated (`says.certainty_*`), shown only while
they hold (`R.says`)."""
from __future__ import annotations

import pandas as pd

from ..ledger import certainty
from ..core import formatting as fmt

STEP_WORDS = {"serious": "−1", "very serious": "−2"}
SHORT = {"timing": "Timing of failure: response beyond 6 months against within 3",
         "bispecific": "A bispecific alone after CAR-T: response",
         "salvage": "Which salvage: bispecific against chemotherapy, PFS-2",
         "sequence": "CAR T cells after a bispecific: response"}


def steps(R, question: str) -> list[tuple[str, str, str]]:
    """(domain, rating, reason) of each domain that steps a question's certainty down, from the
    ledger's statement rows (a rule's numbers, or a registered judgement's reason)."""
    out = []
    for domain in (*certainty.JUDGED, *certainty.RULED):
        row_id = certainty.statement_id(question, domain)
        rating = R.says(row_id)
        if rating in STEP_WORDS:
            out.append((domain, rating, R.row("says." + row_id).derived.split(": ", 1)[1]))
    return out


def start_text(question: str) -> str:
    q = certainty.QUESTIONS[question]
    return f"starts {certainty.start(q)} ({'prospective trials' if q.trials_only else 'not randomised, not trials'})"


def certainty_cell(R, question: str) -> str:
    level = fmt.sentence_case(R.says(certainty.statement_id(question, None)))
    return f"{level}: " + ", ".join(f"{d} {STEP_WORDS[r]}" for d, r, _ in steps(R, question))


def reasons(R) -> list[str]:
    """One line per question: where it starts and the reason for every step down."""
    return [f"{SHORT[q]}: {start_text(q)}; " + "; ".join(f"{d} {STEP_WORDS[r]} ({r}): {why}" for d, r, why in steps(R, q)) + "."
            for q in certainty.QUESTIONS]


def table(R) -> pd.DataFrame:
    timing = R.analysis("synthesis_timing_sensitivity")
    late = timing["ranges"][1]
    seq = R.analysis("synthesis_sequence")
    mono = seq["pooled_monotherapy"]
    methods = {k: v for k, v in R.analysis("shen_methods")["mono_orr"].items() if not k.startswith("_")}
    erb = R.value("erb_bsab_vs_chemo_p")
    tongren = seq["tongren"]
    estimates = [m.estimate for m in methods.values()]
    rows = {
        "timing": (
            f"odds ratio {fmt.fixed(late['or_low'], 1)} to {fmt.fixed(late['or_high'], 1)}, 95% CIs "
            f"{fmt.fixed(late['ci_low'], 1)} to {fmt.fixed(late['ci_high'], 1)}, over {timing['fits']:,} fits "
            "(every reading of the printed counts)",
            f"{fmt.span(*(str(R.count_of('shum_n') + timing['odronextamab_n'][k]) for k in ('windows', 'table2')))} "
            f"patients (the trial's {timing['odronextamab_n']['windows']} or {timing['odronextamab_n']['table2']}, by reading), "
            "2 cohorts: a multicentre retrospective cohort, a trial's time windows"),
        "bispecific": (
            f"{fmt.proportion(mono['estimate'])} (95% CI {fmt.proportion_interval(mono['low'], mono['high'])}; "
            f"{fmt.span(fmt.proportion(min(estimates)), fmt.proportion(max(estimates)))} under all {len(methods)} "
            f"pooling methods); a new trial: {fmt.proportion(mono['pi_low'])} to {fmt.proportion(mono['pi_high'])}",
            f"{mono['patients']} patients, {mono['k']} single-arm trial cohorts"),
        "salvage": (
            f"hazard ratio {erb.estimate.text} (95% CI {erb.ci[0].text}-{erb.ci[1].text}), failures after 3 months, "
            f"as printed; all failures: no difference between classes ({R.fmt('pfs2_treatment_p')})",
            f"{R.fmt('erb_n')} failures after 3 months (arm sizes not printed) and {R.fmt('failures_n')} failures at any time; "
            "1 registry (DESCAR-T) in 2 reports, whose patients may overlap"),
        "sequence": (
            f"{tongren['orr']} responded (exact 95% CI {fmt.proportion_interval(*tongren['orr_ci'])}), as printed",
            f"{R.fmt('tr_n')} patients, 1 centre's case series"),
    }
    return pd.DataFrame([{"Question": SHORT[q], "Estimate (95% CI), over the readings shown": estimate,
                          "Behind it": behind, "Certainty (steps down)": certainty_cell(R, q)}
                         for q, (estimate, behind) in rows.items()])
