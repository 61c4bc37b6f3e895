"""Every printed table cell that holds a result is a ledger row with the checks it admits, and
agreement rows compare every number a value prints."""
import csv
from fractions import Fraction

import pytest
import yaml

from rederive.core import outcomes
from rederive.checks.consistency import check_ci_consistency
from rederive.checks.derivations import Agrees, Grim
from rederive.ledger.ledger import build
from rederive.core.reported import parse
from rederive.data.tables import NOT_PRINTED, read_median_ci, read_median_range

from conftest import ROOT, rederive_in_process


def test_every_result_cell_of_every_printed_table_is_a_ledger_row():
    # Oracle: the table CSVs themselves; every cell of a column the spec declares, unless the
    # table prints a dash (not reported) or a footnoted "NR*", must be a row named after it.
    ledger = build(ROOT, with_analyses=False)
    for source in ledger.sources.values():
        spec = yaml.safe_load((source.directory / "source.yml").read_text(encoding="utf-8")).get("tables") or {}
        for name, table_spec in spec.items():
            rows = list(csv.DictReader((source.directory / f"{name}.csv").open(encoding="utf-8")))
            for column in table_spec.get("cells", {}):
                for r in rows:
                    if r[column] in ("", NOT_PRINTED) or r[column].endswith("*"):
                        continue
                    row_id = f"{table_spec['id_prefix']}_{r['key']}_{column}"
                    assert row_id in ledger, row_id
                    assert ledger[row_id].reported == r[column] and ledger[row_id].quote == r["quote"]


def test_table_cells_are_read_as_what_they_print():
    m = read_median_ci("22.0m (6.7-NR)")
    assert (m.estimate.value, m.unit, m.ci[0].value, m.ci[1].not_reached, m.ci_level) == (22, "months", Fraction("6.7"), True, None)
    r = read_median_range("3(2-13)")
    assert (r.estimate.value, r.range[0].value, r.range[1].value, r.ci) == (3, 2, 13, None)
    assert read_median_ci("1-y 25%").unit == "%"  # a landmark rate, not a median


def test_a_proportion_is_grim_checked_at_its_own_precision_and_nearby_denominators_are_named():
    # Oracle: 0.667 needs k/46 in [0.6665, 0.6675): 30/46 = 0.652 and 31/46 = 0.674 miss; 30/45 fits.
    result = Grim(46).compare(parse("0.667"))
    assert result.outcome == outcomes.DISCREPANCY and "30/45" in result.detail
    assert Grim(52).compare(parse("0.885")).outcome == outcomes.REPRODUCED  # 46/52 = 0.8846


def test_agreement_compares_both_ci_bounds_and_the_level_not_only_the_estimate():
    printed = parse("5.2 months (95% CI 4.0-6.5)")
    assert Agrees("x", parse("5.2 months (95% CI 4.0-6.0)")).compare(printed).outcome == outcomes.INCONSISTENT
    assert "CI upper bound" in Agrees("x", parse("5.2 months (95% CI 4.0-6.0)")).compare(printed).detail
    level = Agrees("x", parse("5.2 months (90% CI 4.0-6.5)")).compare(printed)
    assert level.outcome == outcomes.INCONSISTENT and "CI level" in level.detail
    assert Agrees("x", parse("5.2 months")).compare(printed).outcome == outcomes.CONSISTENT


def test_agreement_of_a_p_value_alone_with_a_full_value_compares_the_p_values():
    # Oracle: .078 and .07 differ under half-up rounding; .078 truncates to .07.
    result = Agrees("x", parse("P = .07, HR 0.55, 95% CI 0.29-1.07")).compare(parse("P = .078"))
    assert result.outcome == outcomes.TRUNCATED


def test_identical_numbers_for_different_cohorts_are_suspect_not_reassuring():
    table1 = parse("3 (range 2-11)")
    assert Agrees("x", table1, separate=True).compare(read_median_range("3(2-11)")).outcome == outcomes.SUSPECT_IDENTICAL
    assert Agrees("x", table1, separate=True).compare(read_median_range("3(2-12)")).outcome == outcomes.INCONSISTENT
    assert Agrees("x", table1).compare(read_median_range("3(2-11)")).outcome == outcomes.CONSISTENT


def test_nothing_to_compare_is_uninformative():
    assert Agrees("x", read_median_ci("NE (NE)")).compare(parse("not reached")).outcome == outcomes.UNINFORMATIVE


@pytest.mark.parametrize("cell, outcome", [("NR (19.7-NR)", outcomes.CONSISTENT), ("NR (3.0-12.0)", outcomes.INCONSISTENT)])
def test_a_median_not_reached_cannot_have_a_finite_upper_bound(cell, outcome):
    assert check_ci_consistency(read_median_ci(cell)).outcome == outcome


def test_a_table_count_above_its_cohort_is_bad_input(project):
    # A maintainer's consistent edit of cell and quote: Chong's complete responders 6 -> 28 of 27.
    path = project / "data" / "shen2025" / "table2.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("11(40),6(23)", "11(40),28(23)").replace("11(40) 6(23)", "11(40) 28(23)"), encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "data/shen2025/table2.csv:2 [cr]: 28 is more than the row's n (27)" in done.stderr


def test_a_footnote_mark_never_hides_a_cells_check(project):
    # Hutchings' median duration of complete response "22.0m (6.7-NR)" edited with its quote to "22.0m (23.5-30.0)*": a
    # median outside its own interval, footnoted. Oracle: the mark is read as a mark, so the cell
    # is still checked (ci_consistency: inconsistent, an unexpected outcome, exit 1 naming it);
    # it used to be skipped as "footnoted", exit 0.
    path = project / "data" / "shen2025" / "table1.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("22.0m (6.7-NR)") == 2  # the cell and its quote
    path.write_text(text.replace("22.0m (6.7-NR)", "22.0m (23.5-30.0)*"), encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "t1_hutchings15_docr (" in done.stdout and "'inconsistent'" in done.stdout


def test_not_reported_with_a_footnote_mark_is_still_not_a_row():
    from rederive.data.tables import without_marks
    assert without_marks("NR*") == ("NR", True) and without_marks("4.8m (2.6-5.4)†") == ("4.8m (2.6-5.4)", True)
    assert without_marks("27") == ("27", False)
