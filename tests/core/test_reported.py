"""The parser reads every printed form the seeds use, keeps its precision, and rejects the rest."""
from fractions import Fraction

import pytest

from rederive.core.reported import ParseError, parse


def test_counts_and_percentages_keep_their_printed_precision():
    assert parse("238").count == 238
    pct = parse("22.7%")
    assert pct.is_percent and pct.estimate.decimals == 1 and pct.value == Fraction(227, 10)
    assert parse("18.0%").estimate.decimals == 1  # trailing zeros count
    assert parse("66%").estimate.decimals == 0


def test_a_printed_percentage_is_its_half_up_rounding_interval():
    assert parse("22.7%").estimate.interval() == (Fraction(2265, 100), Fraction(2275, 100))
    assert parse("22.7%").estimate.truncation_interval() == (Fraction(227, 10), Fraction(228, 10))


@pytest.mark.parametrize("text, label, est, lo, hi", [
    ("HR 2.66, 95% CI 1.74-4.06", "HR", "2.66", "1.74", "4.06"),
    ("HR 2.66, 95% CI 1.74–4.06", "HR", "2.66", "1.74", "4.06"),  # en-dash
    ("HR, 0.350; 95% CI, 0.193-0.633", "HR", "0.350", "0.193", "0.633"),
    ("P = .2 HR 0.51, 95% CI 0.18;1.49", "HR", "0.51", "0.18", "1.49"),  # semicolon separator
    ("3.7 months (95% CI 2.3-not reached [NR])", None, "3.7", "2.3", "not reached [NR]"),
    ("5.2 months (95% CI 4.1-6.6 months)", None, "5.2", "4.1", "6.6"),
    ("8.5 months (95% CI 2.9-NR)", None, "8.5", "2.9", "NR"),
    ("0.644, 0.546-0.735", None, "0.644", "0.546", "0.735"),
])
def test_estimates_with_confidence_intervals_in_every_printed_form(text, label, est, lo, hi):
    r = parse(text)
    assert r.label == label
    assert (r.estimate.text, r.ci[0].text, r.ci[1].text) == (est, lo, hi)
    assert r.ci_level == 95


def test_not_reached_bounds_have_no_value():
    r = parse("3.7 months (95% CI 2.3-not reached [NR])")
    assert r.ci[1].not_reached and not r.ci[0].not_reached
    assert parse("NR").estimate.not_reached and parse("NE").estimate.not_reached
    assert parse("HR = not reached").estimate.not_reached


@pytest.mark.parametrize("text, comparator, value, interval", [
    ("P < .0001", "<", "0.0001", (Fraction(0), Fraction(1, 10000))),
    ("P = .0067", "=", "0.0067", (Fraction(665, 100000), Fraction(675, 100000))),
    ("p = 0.0005", "=", "0.0005", (Fraction(45, 100000), Fraction(55, 100000))),
    ("P=.32", "=", "0.32", (Fraction(315, 1000), Fraction(325, 1000))),
])
def test_p_values_with_their_comparators(text, comparator, value, interval):
    r = parse(text)
    assert r.p.comparator == comparator
    assert r.p.number.value == Fraction(value)
    assert r.p.interval() == interval


def test_p_value_hazard_ratio_and_ci_in_one_statement():
    r = parse("P = .0067, HR 1.94, 95% CI 1.20-3.13")
    assert r.p.number.text == ".0067" and r.estimate.text == "1.94" and r.ci[0].text == "1.20"


@pytest.mark.parametrize("text", ["(range: 0.2-21.5)", "(range: 0.2; 21.5)", "2.7 months (range: 0.2-21.5)"])
def test_ranges_with_hyphen_or_semicolon(text):
    r = parse(text)
    assert (r.range[0].text, r.range[1].text) == ("0.2", "21.5")


def test_medians_keep_their_unit():
    assert parse("7.9 months").unit == "months"


@pytest.mark.parametrize("text", ["HR 2.66, 95% CI 1.74-4.0.6", "about a third", "12 apples", "", "1.2.3"])
def test_malformed_strings_are_errors(text):
    with pytest.raises(ParseError):
        parse(text)
