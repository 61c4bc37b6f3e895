"""The report's own results in prose (issue 18, item 4): each number links to its ledger row
(Report.result), the PDF's ledger anchors the rows the chapters name (Report.results_in_prose),
and the fallback's check refuses an inline expression that shows an own result without a link
(rederive.report.unlinked_results)."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT
from rederive.core import formatting as fmt
from rederive.ledger.ledger import build
from rederive.report import Report, unlinked_results


@pytest.fixture(scope="module")
def R():
    return Report(build(ROOT), ROOT)


def test_an_own_result_links_to_its_row_showing_the_engines_value_with_a_card_of_its_own(R):
    # Oracle: data/analyses.csv pins synthesis_sequence.tests.needed at 11 (an exact count) and
    # synthesis_within_trials.orr.pooled.estimate at 0.5942 (4 significant digits): the linked
    # text is the engine's value through the named formatter (fmt.fixed(…, 2) of 0.594… is
    # "0.59"), the web link and the PDF link go to the row's id, and the card says which result
    # it is, its value now, its pin and "as pinned", never the pin's note.
    needed = R.result("synthesis_sequence.tests.needed").data
    assert '[[11](ledger.html#row-synthesis_sequence.tests.needed){aria-describedby="ledger-card-1"}]' in needed
    assert "[[11](#row-synthesis_sequence.tests.needed)]" in needed
    estimate = R.result("synthesis_within_trials.orr.pooled.estimate", "fixed", 2, page_folder=".").data
    assert "[0.59](chapters/ledger.html#row-synthesis_within_trials.orr.pooled.estimate)" in estimate
    row = R.row("synthesis_within_trials.orr.pooled.estimate")
    assert "Computed now: 0.5942; pinned: 0.5942" in estimate and "*as pinned*" in estimate
    assert row.note not in estimate


def test_an_own_results_text_is_its_value_formatted_as_named(R):
    # Oracle: the formatting functions applied by hand to the values pinned in data/analyses.csv
    # (0.0006852 for p_vs_pooled; 0.007631 for the pooled-rate spread, shown in percentage points;
    # "41-42, 35-46, 5-15" for the strict reading's group sizes, of which the third is shown).
    assert R.result_text("synthesis_sequence.tests.p_vs_pooled", "p") == fmt.p(0.0006852) == "P < .001"
    assert R.result_text("shen_method_summary.spread", "percent_digits", 1) == "0.8"
    assert R.result_text("shumilov_reconstructions.partition.sizes", "span_item", 2) == "5-15"
    assert R.result_text("synthesis_timing_sensitivity.fits", "thousands") == "2,876"


def test_a_number_that_is_not_an_own_result_is_refused_by_result(R):
    with pytest.raises(ValueError, match="not one of the report's own results"):
        R.result("failures_n")


def test_the_pdf_ledger_anchors_every_own_result_the_chapters_name_and_ids_built_from_templates(R):
    # Oracle: ids written in chapters/synthesis.qmd and chapters/shen-2025.qmd: a literal id, a
    # prefix (the rows under it) and a template whose "{}" is one part of an id. Rows no chapter
    # names (the timing model's individual readings) are not listed.
    shown = set(R.results_in_prose())
    assert "synthesis_sequence.tests.needed" in shown
    assert {"synthesis_timing_sensitivity.ranges.1.or_low", "synthesis_timing_sensitivity.ranges.1.p_high"} <= shown
    assert "synthesis_sketches.descart_os2.weibull.worst_error" in shown  # "synthesis_sketches.{}.{}.worst_error"
    assert not any(i.startswith("synthesis_timing_sensitivity.readings.") for i in shown)
    assert 50 < len(shown) < 400, len(shown)  # the prose's few, not the ledger's ~1,300


@pytest.mark.parametrize("expression, text, refused", [
    # a number of a result held in a variable, shown plain: refused
    ('fmt.p(tests["p_vs_pooled"])', "P < .001", ["synthesis_sequence"]),
    ('str(timing["fits"])', "2876", ["synthesis_timing_sensitivity"]),
    # the same with its link: accepted
    ('own("synthesis_sequence.tests.p_vs_pooled", "p")', "[P < .001](ledger.html#row-synthesis_sequence.tests.p_vs_pooled)", []),
    # a count of a result's items, a judgement in words, a label: accepted
    ('fmt.words(len(within["orr"]["trials"]))', "three", []),
    ('say.difference(tests["p_vs_pooled"])', "a difference at the 5% level", []),
    ('fmt.join(timing["_categories"])', "within 3 months, 3 to 6 months and after 6 months", []),
])
def test_the_fallback_check_refuses_an_own_result_shown_without_its_link(R, expression, text, refused):
    # Oracle: the rule stated in unlinked_results, case by case; the namespace is a chapter's
    # after reading the results (Report.analysis records their parts).
    from rederive import report
    namespace = {"tests": R.analysis("synthesis_sequence")["tests"],
                 "timing": R.analysis("synthesis_timing_sensitivity"),
                 "within": R.analysis("synthesis_within_trials")}
    report.ANALYSES_READ.clear()
    assert unlinked_results(expression, namespace, text) == refused


def test_a_chapter_function_that_reads_a_result_is_seen_too(R):
    # Oracle: chapters/descart-2022.qmd's former denominators_text(key), which joined a pinned
    # list of denominators ("208, 209 or 210") from a result held in a chapter variable.
    from rederive import report
    namespace = {"denominators": R.analysis("descart_baseline_denominators"), "fmt": fmt}
    exec('def denominators_text(key):\n    return fmt.join(denominators[key], last="or")', namespace)
    report.ANALYSES_READ.clear()
    assert unlinked_results('denominators_text("pd_infusion")', namespace, "208, 209 or 210") == ["descart_baseline_denominators"]


def test_an_analysis_read_inside_the_expression_itself_is_seen_too(R):
    from rederive import report
    report.ANALYSES_READ.clear()
    value = R.analysis("descart_example_p")["ferritin"]["box"].high
    assert unlinked_results('fmt.number(R.analysis("descart_example_p")["ferritin"]["box"].high, 2)', {},
                            fmt.number(value, 2)) == ["descart_example_p"]


def test_every_own_result_id_a_chapter_writes_is_a_ledger_row_or_a_prefix_of_rows(R):
    # Oracle: the ledger's analysis rows; a mistyped id in a chapter would be a dead link.
    ids = {r.id for r in R.rows(role="analysis")}
    names = {a.name for a in R.analyses()}
    bad = []
    for page in [ROOT / "index.qmd", *sorted((ROOT / "chapters").glob("*.qmd"))]:
        for literal in re.findall(r"""["']([a-z0-9_]+\.[A-Za-z0-9_.{}]*)["']""", page.read_text(encoding="utf-8")):
            if literal.split(".")[0] not in names:
                continue
            pattern = re.compile(r"\.".join(r"[^.]+" if p == "{}" else re.escape(p) for p in literal.split(".")) + r"(?:\..+)?")
            if not any(pattern.fullmatch(i) for i in ids):
                bad.append(f"{page.name}: {literal}")
    assert not bad, bad


def test_a_result_built_again_in_the_same_process_is_still_seen_without_its_link():
    # Oracle: the same rule as above, for a second ledger built in one process (the test suite
    # runs several; an in-process command forgets the analysis cache): its result objects are
    # new, and an expression showing a number of one of them must still be refused. (It was not:
    # a result's parts were recorded once per name, so a later ledger's went unseen.)
    from rederive import report
    from rederive.ledger import cache
    first = Report(build(ROOT), ROOT)
    first.analysis("synthesis_timing_sensitivity")
    cache.forget(ROOT)
    second = Report(build(ROOT), ROOT)
    timing = second.analysis("synthesis_timing_sensitivity")
    assert timing is not first.analysis("synthesis_timing_sensitivity")  # else this tests nothing
    report.ANALYSES_READ.clear()
    assert unlinked_results('str(timing["fits"])', {"timing": timing}, "2876") == ["synthesis_timing_sensitivity"]
