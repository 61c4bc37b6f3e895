"""The contradictions inside the sources that the systematic search of issue 16 found: the check
each one needs, against hand-computed oracles, and each finding registered and shown."""
from fractions import Fraction

import pytest

from rederive.core import outcomes
from rederive.checks.derivations import Agrees, ColumnPrecision
from rederive.ledger.ledger import build
from rederive.report import Report
from rederive.core.reported import parse

from conftest import ROOT

# Shen 2025, Table 1: the refractory shares of the other five trials, as printed.
TABLE1_REFRACTORY = ("0.885", "0.667", "0.754", "0.717", "0.743")
# DESCAR-T 2022: the treatment-at-failure list, as printed (of 154 patients).
DESCART_LIST = ("38.3%", "7.1%", "21.4%")

# Every finding the search registered: (source, ledger id, expected outcome).
SEARCH_FINDINGS = [
    ("descart2022", "abstract_registered_n", outcomes.INCONSISTENT),
    ("descart2022", "treated_chemo_pct_precision", outcomes.INCONSISTENT),
    ("descart2022", "pfs2_uni_ldh_same_as_os2", outcomes.SUSPECT_IDENTICAL),
    ("descart2022", "pfs2_uni_ferritin_same_as_os2", outcomes.SUSPECT_IDENTICAL),
    ("descart2022", "verbal_abstract_received_salvage", outcomes.UNINFORMATIVE),
    ("shen2025", "t1_chong8_refractory_precision", outcomes.INCONSISTENT),
    ("shen2025", "t1_chong8_refractory_vs_split", outcomes.INCONSISTENT),
    ("shen2025", "mosun_split_responders", outcomes.INCONSISTENT),
    ("shen2025", "verbal_all_prior_cart", outcomes.INCONSISTENT),
    ("shen2025", "records_vs_prisma_assessed", outcomes.INCONSISTENT),
    ("shen2025", "bg_zuma1_os4y_vs_range", outcomes.INCONSISTENT),
]


@pytest.fixture(scope="module")
def ledger():
    return build(ROOT)


def test_a_share_printed_coarser_than_its_column_that_no_count_gives_at_the_column_precision_is_inconsistent():
    # Hand-computed: 0.800 x 27 = 21.6 patients, not a whole number; at one decimal 21/27 = 0.778 and
    # 22/27 = 0.815 both round to 0.8 (exact fractions, so no tolerance).
    result = ColumnPrecision(TABLE1_REFRACTORY, 27).compare(parse("0.8"))
    assert result.outcome == outcomes.INCONSISTENT
    assert result.value.numerators == ()
    assert "21/27" in result.shown and "22/27" in result.shown


def test_a_printed_count_that_gives_another_value_at_the_column_precision_is_inconsistent():
    # Hand-computed: 31/154 = 20.13%, which prints as 20.1 at the list's one decimal, not 20.0.
    assert ColumnPrecision((*DESCART_LIST, "11%"), 154, 31).compare(parse("20%")).outcome == outcomes.INCONSISTENT


def test_a_whole_percentage_that_is_only_a_dropped_trailing_zero_is_consistent():
    # Hand-computed: 17/154 = 11.04%, which prints as 11.0 at one decimal: "11%" lost only its zero.
    result = ColumnPrecision((*DESCART_LIST, "20%"), 154, 17).compare(parse("11%"))
    assert result.outcome == outcomes.CONSISTENT and result.value.numerators == (17,)


def test_a_cell_printed_to_its_column_precision_is_consistent():
    # 46/52 = 0.8846 prints as 0.885, like its column.
    assert ColumnPrecision(("0.667", "0.754"), 52).compare(parse("0.885")).outcome == outcomes.CONSISTENT


def test_rows_printed_identically_for_two_models_are_suspect_and_different_rows_are_not():
    # DESCAR-T's univariate LDH row, PFS-2 (with '4.0.6' read as 4.06) and OS-2, as printed.
    ldh_os2 = parse("P < .0001, HR 2.66, 95% CI 1.74-4.06")
    same = Agrees("os2_uni_ldh_p", ldh_os2, separate=True).compare(parse("P < .0001, HR 2.66, 95% CI 1.74-4.06"))
    assert same.outcome == outcomes.SUSPECT_IDENTICAL
    # CRP differs between the two models (HR 1.03 vs 1.05): not identical, so not suspect.
    crp = Agrees("os2_uni_crp_p", parse("P = .0006, HR 1.05, 95% CI 1.02-1.08"), separate=True)
    assert crp.compare(parse("P = .0187, HR 1.03, 95% CI 1.01-1.06")).outcome == outcomes.INCONSISTENT


def test_chong_refractory_share_lies_outside_what_the_discussion_split_allows(ledger):
    # Hand-computed: 18 CAR-T nonresponders among the discussion's 30; Table 1's 27 lack at most 3 of
    # them, so 15 to 18 of the 27 are nonresponders: 15/27 = 0.556 to 18/27 = 0.667, and 0.8 is outside.
    row = next(r for r in ledger.rows if r.id == "t1_chong8_refractory_vs_split")
    assert (Fraction(row.value.low), Fraction(row.value.high)) == (Fraction(15, 27), Fraction(18, 27))
    assert row.outcome == outcomes.INCONSISTENT


def test_neither_reading_of_the_mosunetuzumab_split_gives_table_2s_responders(ledger):
    # Hand-computed: 3 + 3 = 6 responders under one reading, 12 under the other; Table 2 prints 11(40).
    row = next(r for r in ledger.rows if r.id == "mosun_split_responders")
    assert row.value.count == 0 and "6" in row.derived and "12" in row.derived and "11" in row.derived


@pytest.mark.parametrize("source, row_id, expected", SEARCH_FINDINGS)
def test_each_search_finding_is_registered_with_its_outcome_and_shown_in_its_chapter(ledger, source, row_id, expected):
    row = next(r for r in ledger.rows if r.id == row_id)
    assert (row.source, row.expected, row.outcome) == (source, expected, expected)
    assert row.note, "a finding needs a note that explains it"
    assert row_id in {r.id for r in Report(ledger, ROOT).findings(source)}


def test_the_population_and_flow_findings_compare_the_numbers_the_documents_print(ledger):
    # Oracles read off the documents by hand: DESCAR-T registers 680 and infuses 550 (methods); Shen's
    # CAR-T-naive cohorts are 96 + 63 + 74 = 233 patients (Table 2); its text counts 18 records at
    # eligibility, Figure 1 77; ZUMA-1's 44% lies above the discussion's 36-42%.
    rows = {r.id: r for r in ledger.rows}
    assert rows["abstract_registered_n"].derived.startswith("680")
    assert "(233 patients)" in rows["verbal_all_prior_cart"].derived
    assert rows["records_vs_prisma_assessed"].derived.startswith("77")
    bounds = rows["bg_zuma1_os4y_vs_range"].value
    assert (bounds.low, bounds.high) == (36, 42)
