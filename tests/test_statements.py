"""The report's own statements (rederive.statements): checked like a source's numbers, shown only
while their numbers support them, and the only source of the judging words on the front page,
in the synthesis and in the chapters' "what a clinician can take" sections."""
import re
from types import SimpleNamespace

import pytest

from conftest import ROOT, read_rows, rederive_in_process, write_rows
from rederive import statements
from rederive.core import outcomes
from rederive.ledger import certainty
from rederive.stats.comparisons import OddsRatio
from rederive.ledger.ledger import build


def test_every_statement_holds_on_the_registers_and_says_what_decides_it():
    # Oracle: the registers as they stand; each statement is a row "says.<id>" with outcome
    # "holds" and the numbers that decided it.
    ledger = build(ROOT)
    rows = [r for r in ledger.rows if r.role == "statement"]
    judged = {statements.PREFIX + certainty.statement_id(q, d) for q in certainty.QUESTIONS for d in certainty.JUDGED}
    assert {r.id for r in rows} == {statements.PREFIX + i for i in statements.STATEMENTS} | judged
    assert all(r.outcome == outcomes.HOLDS and r.ok and r.derived for r in rows), \
        [(r.id, r.derived) for r in rows if not r.ok]


def _facts(**analyses):
    return statements.Facts({}, {k: SimpleNamespace(result=v, error="") for k, v in analyses.items()})


def test_the_timing_statement_fails_when_one_fit_s_interval_reaches_1():
    # Hand-made oracle: the statement says "a 95% CI above 1 and P < .001 in every fit"; a
    # lowest CI bound of 0.99 (one fit) must make it fail, 1.01 with P .0009 must not.
    decide = statements.STATEMENTS["timing_late_every_fit"].decide
    ranges = lambda ci_low, p_high: {"fits": 3, "ranges": [{}, {"or_low": 2, "or_high": 9, "ci_low": ci_low,  # noqa: E731
                                                              "ci_high": 40, "p_low": 1e-6, "p_high": p_high}]}
    assert decide(_facts(synthesis_timing_sensitivity=ranges(1.01, 0.0009)))[0]
    assert not decide(_facts(synthesis_timing_sensitivity=ranges(0.99, 0.0009)))[0]
    assert not decide(_facts(synthesis_timing_sensitivity=ranges(1.01, 0.0011)))[0]


def test_the_leave_one_out_statement_needs_an_interval_that_includes_1():
    # Oracle: "its 95% CI includes 1 when one of the trials is left out" holds when any
    # leave-one-out interval spans 1 (0.34-1.29 here) and fails when none does.
    decide = statements.STATEMENTS["within_orr_rests_on_each_trial"].decide
    spanning = {"orr": {"leave_one_out": [{"left_out": "A", "pooled": OddsRatio(0.66, 0.34, 1.29, 0.2)},
                                          {"left_out": "B", "pooled": OddsRatio(0.49, 0.28, 0.87, 0.01)}]}}
    below = {"orr": {"leave_one_out": [{"left_out": "B", "pooled": OddsRatio(0.49, 0.28, 0.87, 0.01)}]}}
    assert decide(_facts(synthesis_within_trials=spanning)) == (True, "CI includes 1 without: A")
    assert not decide(_facts(synthesis_within_trials=below))[0]


def test_a_statement_that_cannot_be_computed_does_not_hold():
    # An analysis that failed is never evidence for a sentence: the row fails, saying why.
    facts = {"synthesis_timing_sensitivity": SimpleNamespace(result=None, error="ValueError: no split")}
    decided = {s.id: (holds, detail) for s, holds, detail, _ in statements.evaluate({}, facts)}
    holds, detail = decided["timing_late_every_fit"]
    assert not holds and detail.startswith("cannot be decided")


def _edit_register(project, path, edits: dict):
    file = project / path
    rows = read_rows(file)
    for r in rows:
        if r["id"] in edits:
            r.update(edits[r["id"]])
    write_rows(file, rows)


def test_a_data_change_that_contradicts_a_sentence_fails_check_naming_the_sentence(project, tmp_path):
    # The example: the Shumilov late group's rate made lower than its early group's
    # (quote edited with it, so the row is not misquoted; quotes are not verified against the
    # source here). Oracle: the chapter's "the response rose with the time to CAR-T failure"
    # rests on says.shumilov_rate_rises, which check must name as unexpected, exit 1.
    _edit_register(project, "data/shumilov2025/claims.csv", {
        "shum_late_orr": {"reported": "20%", "quote": "20%"}})
    done = rederive_in_process(project, "check", env={"REDERIVE_SEEDS": str(tmp_path / "no-seeds")})
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "says.shumilov_rate_rises" in done.stdout
    assert "no longer holds" in done.stdout


# The words that judge a result. On the pages below they must come from code (a statement, or a
# word chosen by rederive.book.judgements), never typed: oracle, these words in the prose outside
# inline expressions and code cells.
# ("lower bound", "at most 9" and "consistent", an outcome's name, are not judgements.)
JUDGING = re.compile(r"\b(?:every|consistently|largest|smallest|rules? out|cannot show|can show|overlaps?|"
                     r"(?:higher|lower)(?! bound| end)|longer|shorter|better|worse|best|significant(?:ly)?|"
                     r"(?<!at )most|no difference|favou?rs?|superior|inferior)\b", re.IGNORECASE)
CLINICIAN = re.compile(r"^## What a clinician (?:can|may) take from it.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def _prose(text: str) -> str:
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code cells
    text = re.sub(r"`\{python\}[^`]*`", "", text)  # inline expressions
    text = re.sub(r"\{#[^}]*\}", "", text)  # labels
    return re.sub(r'"[^"]*"', "", text)  # the sources' own words, quoted


def _judged_pages():
    index = (ROOT / "index.qmd").read_text(encoding="utf-8")
    findings = index[index.index("## What the sources say"):index.index("## The question")]
    yield "index.qmd, What the sources say", findings
    synthesis = (ROOT / "chapters" / "synthesis.qmd").read_text(encoding="utf-8")
    yield "chapters/synthesis.qmd", synthesis[synthesis.index("## Timing of failure"):]
    for chapter in sorted((ROOT / "chapters").glob("*.qmd")):
        for section in CLINICIAN.findall(chapter.read_text(encoding="utf-8")):
            yield f"{chapter.name}, what a clinician can take", section


def test_judging_words_on_the_front_page_synthesis_and_takeaways_come_from_code():
    offenders = []
    for where, text in _judged_pages():
        for line in _prose(text).splitlines():
            if line.startswith("#"):  # headings ask questions; they state nothing
                continue
            offenders += [f"{where}: {m.group(0)!r} in {line.strip()[:80]!r}" for m in JUDGING.finditer(line)]
    assert not offenders, offenders


def test_the_judging_lint_catches_typed_judgements():
    # The lint must match what it exists to forbid, and pass what it allows.
    text = 'The odds were higher in every split `{python} R.says("x")`, as "the best" source said.'
    found = [m.group(0) for m in JUDGING.finditer(_prose(text))]
    assert found == ["higher", "every"]
    assert not JUDGING.search(_prose('Odds `{python} R.says("timing_late_every_fit")`.'))


def test_every_statement_a_page_shows_exists():
    # A page that asks for a statement the engine does not define would fail only when rendered.
    pages = [ROOT / "index.qmd", *sorted((ROOT / "chapters").glob("*.qmd"))]
    # R.says("id") in code, says("id") (the linked words, chapters/_setup.py) in prose
    used = {m for p in pages for m in re.findall(r'(?<![\w.])(?:R\.)?says\("([^"]+)"', p.read_text(encoding="utf-8"))}
    assert used and used <= set(statements.STATEMENTS), used - set(statements.STATEMENTS)
