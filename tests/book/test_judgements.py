"""Words that judge numbers are chosen by code: moving a value across a stated threshold changes
the word. Oracle: the thresholds each function documents (Shen 2025's own I² bands; 5% for
significance), tested on both sides of each."""
from fractions import Fraction

import pytest

from rederive.core import formatting as fmt
from rederive.book import judgements as say


@pytest.mark.parametrize("i2, word", [(0, "no"), (0.1, "low"), (25, "low"), (25.01, "moderate"), (44.6, "moderate"),
                                      (50, "moderate"), (50.01, "substantial"), (88.8, "substantial")])
def test_heterogeneity_words_follow_the_sources_own_thresholds(i2, word):
    assert say.heterogeneity(i2) == word


def test_significance_words_flip_at_five_percent():
    assert say.difference(0.0499) == "a difference at the 5% level"
    assert say.difference(0.05) == "no difference at the 5% level"
    assert say.supported(0.049) == "is supported" and say.supported(0.069) == "is not supported"


@pytest.mark.parametrize("percent, word", [(100, "all"), (Fraction(1999, 20), "nearly all"), (90, "nearly all"),
                                           (89.9, "most"), (50.1, "most"), (50, "half"), (49.9, "almost half"),
                                           (40, "almost half"), (39.9, "a minority"), (0, "none")])
def test_share_words_change_at_their_thresholds(percent, word):
    assert say.share(percent) == word


def test_about_names_a_simple_fraction_only_when_close():
    assert say.about(0.545) == "about half" and say.about(0.356) == "about a third"
    assert say.about(0.42) is None  # 0.08 from a half, 0.087 from a third: say the number instead


def test_interval_widths_are_compared_not_assumed():
    assert say.wider(2.06, 1.0) == "wider" and say.wider(0.79, 1.0) == "narrower" and say.wider(1.005, 1.0) == "as wide"


def test_how_many_and_largest_group():
    assert say.how_many(6, 6) == "all 6" and say.how_many(0, 4) == "none of the 4" and say.how_many(3, 4) == "3 of the 4"
    assert say.largest([(41, 42), (35, 46), (5, 15)]) is None  # 35-46 overlaps 41-42: not settled
    assert say.largest([(50, 60), (20, 40), (1, 9)]) == 0


@pytest.mark.parametrize("p, text", [(0.00000601, "P < .001"), (0.0067, "P = .007"), (0.0496, "P = .0496"),
                                     (0.04, "P = .040"), (0.069, "P = .069"), (0.33, "P = .33"), (0.995, "P > .99")])
def test_p_values_print_in_journal_style(p, text):
    # Oracle: AMA style (P < .001 below a thousandth, no leading zero, 3 places below .1, 2 above);
    # a value that would round onto .05 gets one more place, so the threshold never appears by rounding.
    assert fmt.p(p) == text


def test_formatting_rounds_exact_decimals_half_up_and_speaks_plurals():
    assert fmt.percent(Fraction(665, 100), 1) == "6.7%"  # a float 6.65 would print 6.6 or 6.7 by accident
    assert fmt.count(1, "patient") == "1 patient" and fmt.count(2, "patient") == "2 patients"
    assert fmt.join([1, 2, 3], last="or") == "1, 2 or 3" and fmt.words(4) == "four" and fmt.words(13) == "13"
