"""The certainty ratings of the summary of findings (rederive.ledger.certainty): rules decided by numbers
are statements `check` evaluates, judgements are registered with a reason, and the front page
shows each question's estimate, interval, certainty and reasons."""
import re
from types import SimpleNamespace

from conftest import ROOT, rederive_in_process
from rederive import statements
from rederive.ledger import certainty
from rederive.ledger.ledger import build
from rederive.report import Report

MONO = {"estimate": 0.545, "low": 0.431, "high": 0.657, "pi_low": 0.182, "pi_high": 0.883, "k": 5, "patients": 246}
EGGER = [{"outcome": "ORR", "studies": "prior CAR-T studies", "scale": "Freeman-Tukey (metaprop)", "p": 0.34}]


def _facts(i2: float, mono: dict) -> statements.Facts:
    analyses = {"synthesis_sequence": {"pooled_monotherapy": mono},
                "shen_heterogeneity": {"mono_orr": {"i2": i2}}, "shen_egger": EGGER}
    return statements.Facts({}, {k: SimpleNamespace(result=v, error="") for k, v in analyses.items()})


def test_the_inconsistency_rating_follows_i2_and_the_prediction_interval():
    # Hand-made oracle, from the rule the methods chapter states: serious when I² >= 50% or the
    # prediction interval is more than twice as wide as the CI. The report's numbers (I² 68%,
    # PI 18.2-88.3% against CI 43.1-65.7%) give "serious"; I² 30% with a PI 40-70% (1.3 times
    # the CI) gives "not serious", so the page's "serious" no longer holds.
    decide = statements.STATEMENTS["certainty_bispecific_inconsistency"].decide
    assert decide(_facts(68.2, MONO))[0]
    narrow = dict(MONO, pi_low=0.40, pi_high=0.70)
    holds, detail = decide(_facts(30.0, narrow))
    assert not holds and detail.startswith("rule gives not serious")
    assert decide(_facts(50.0, narrow))[0]  # the threshold itself is serious ("at least 50%")


def test_every_rating_and_judgement_is_a_ledger_row_that_holds():
    # Oracle: the registers as they stand; one row per question for the overall level, one per
    # ruled domain, and one per registered judgement (from data/certainty.csv, with its line).
    ledger = build(ROOT)
    rows = {r.id: r for r in ledger.rows if r.id.startswith("says.certainty_")}
    for q in certainty.QUESTIONS:
        for domain in (None, *certainty.RULED, *certainty.JUDGED):
            row = rows["says." + certainty.statement_id(q, domain)]
            assert row.ok, (row.id, row.detail)
        judged = rows["says." + certainty.statement_id(q, "risk of bias")]
        assert judged.file == certainty.FILE and judged.line > 1 and judged.derived.startswith("judged: ")


def test_an_i2_input_changed_until_the_rule_no_longer_holds_fails_check_naming_the_rating(project, tmp_path):
    # The acceptance test. Shen's Table 2 prints Cartron's monotherapy cohort as 35 of 46
    # responding (76.1%), the cohort that makes the five monotherapy cohorts heterogeneous
    # (I² 68%). Edited to 25 of 46 (54.3%, quote edited with it), the five cohorts agree (I² 0%,
    # prediction interval about as wide as the CI): the rule gives "not serious" and check must
    # exit 1 naming the rating's row. Quotes are not verified here (no seeds).
    table = project / "data" / "shen2025" / "table2.csv"
    text = table.read_text(encoding="utf-8")
    assert text.count("35(76.1)") == 2  # the cell and its quote
    table.write_text(text.replace("35(76.1)", "25(54.3)"), encoding="utf-8")
    done = rederive_in_process(project, "check", env={"REDERIVE_SEEDS": str(tmp_path / "no-seeds")})
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "says.certainty_bispecific_inconsistency" in done.stdout
    assert re.search(r"says\.certainty_bispecific_inconsistency.*rule gives not serious", done.stdout, re.DOTALL)


def test_a_judgement_without_a_reason_or_with_an_unknown_rating_is_bad_input(project):
    # Oracle: one line per problem naming file, line and column; exit 2, no traceback.
    path = project / certainty.FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = "timing,risk of bias,serius,a reason"
    lines[2] = 'timing,indirectness,not serious,""'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert "data/certainty.csv:2 [rating]" in out and "data/certainty.csv:3 [reason]" in out
    assert "Traceback" not in out


def test_the_summary_of_findings_has_an_interval_a_certainty_and_reasons_for_every_question():
    # Oracle: the "done when": each row has an interval, a certainty and its reasons; the
    # certainty is one of GRADE's four levels; every step down has its reason listed below.
    R = Report(build(ROOT), ROOT)
    table = R.summary_of_findings()
    assert len(table) == len(certainty.QUESTIONS)
    for _, row in table.iterrows():
        assert "95% CI" in row.iloc[1]
        level, steps = row.iloc[-1].split(": ", 1)
        assert level.lower() in certainty.LEVELS and re.search(r"−[12]", steps)
    reasons = R.certainty_reasons()
    assert len(reasons) == len(certainty.QUESTIONS)
    assert all(re.search(r"\((serious|very serious)\): \S", r) for r in reasons)


def test_the_summary_of_findings_comes_before_the_question_and_the_findings_follow_it():
    index = (ROOT / "index.qmd").read_text(encoding="utf-8")
    order = [index.index(h) for h in ("## Summary of findings", "## What the sources say", "## The question")]
    assert order[0] < order[1] < order[2]
