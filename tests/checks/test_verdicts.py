"""Words a source uses, decided by the numbers it prints (rederive.checks.verdicts)."""
import pytest

from rederive.checks import verdicts
from rederive.core import outcomes
from rederive.checks.derivations import Verbal
from rederive.core.reported import parse


@pytest.mark.parametrize("printed, holds", [
    ("P = .01, HR 0.42, 95% CI 0.21-0.82", True),     # P and CI agree: significant
    ("P = .07, HR 0.55, 95% CI 0.29-1.07", False),    # both say not significant
    ("P = .05", None),                                # .045 to .055: either side of .05
    ("P = .01, HR 1.02, 95% CI 1.00-1.03", True),     # the CI's 1.00 may be 1.004: only P decides
    ("P = .20, HR 2.00, 95% CI 1.10-3.00", None),     # P and CI disagree: the printed numbers cannot decide
])
def test_significance_is_read_from_the_p_value_interval_and_the_ci_at_their_printed_precision(printed, holds):
    assert verdicts.significant(parse(printed)).holds is holds


def test_worse_needs_the_ratio_on_the_worse_side_and_significant():
    assert verdicts.ratio_direction(parse("P < .0001, HR 2.66, 95% CI 1.74-4.06"), better_below_one=False).holds
    assert verdicts.ratio_direction(parse("P < .0001, HR 0.40, 95% CI 0.20-0.60"), better_below_one=False).holds is False
    assert verdicts.ratio_direction(parse("HR 1.20, 95% CI 0.80-1.80"), better_below_one=False).holds is False


def test_majority_means_more_than_half():
    # Oracle: 6 of 12 is half, not a majority; 7 of 12 is.
    assert not verdicts.majority(6, 12).holds and verdicts.majority(7, 12).holds
    assert verdicts.majority_of_percent(parse("50.4%")).holds and verdicts.majority_of_percent(parse("50%")).holds is None


def test_heterogeneity_words_follow_the_papers_own_thresholds():
    # Shen: <=25% low, 26-50% moderate, >50% substantial; 'no' is I² = 0.
    assert verdicts.heterogeneity("low", 13.5).holds and not verdicts.heterogeneity("low", 44.6).holds
    assert verdicts.heterogeneity("moderate", 44.6).holds and verdicts.heterogeneity("substantial", 68.24).holds
    assert not verdicts.heterogeneity("no", 0.5).holds


def test_a_word_about_unprinted_data_holds_only_if_every_reconstruction_agrees():
    assert verdicts.significant_in_every([0.01, 0.04], "splits").holds is True
    assert verdicts.significant_in_every([0.01, 0.2], "splits").holds is None
    assert verdicts.significant_in_every([0.2, 0.3], "splits").holds is False


def test_a_verbal_claim_the_numbers_contradict_is_inconsistent_and_an_undecidable_one_uninformative():
    printed = parse("P = .07")  # any Reported will do: the words are the row's
    assert Verbal("x", verdicts.Decision(False, "")).compare(printed).outcome == outcomes.INCONSISTENT
    assert Verbal("x", verdicts.Decision(None, "")).compare(printed).outcome == outcomes.UNINFORMATIVE
    assert Verbal("x", verdicts.Decision(True, "")).compare(printed).outcome == outcomes.CONSISTENT


def test_descart_conclusion_that_alternatives_may_improve_pfs_is_contradicted_by_its_own_pfs_analyses():
    # Oracle: the article's PFS-2 P values for bispecifics and lenalidomide (.07, .10, .98, .07) and
    # for the strategies compared (.104) are all above .05.
    from conftest import ROOT
    from rederive.ledger.ledger import build
    row = build(ROOT, with_analyses=False)["verbal_conclusion_pfs"]
    assert row.outcome == outcomes.INCONSISTENT and row.value.holds is False
