"""Each check against values known independently of this code (oracle, where from, tolerance, why)."""
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.stats import norm
from statsmodels.stats.weightstats import _zstat_generic2

from rederive.checks import consistency, pvalues, rounding
from rederive.core import outcomes
from rederive.stats import survival
from rederive.checks.derivations import Agrees, Percent, Total
from rederive.core.reported import parse


def test_p_from_ci_reproduces_the_printed_ecog_p():
    # Oracle: DESCAR-T 2022 prints P = .0067 for HR 1.94 (95% CI 1.20-3.13). By Altman & Bland
    # (BMJ 2011;343:d2090) by hand: SE = (ln 3.13 - ln 1.20)/3.92 = 0.24456, z = ln 1.94 / SE =
    # 2.7097, p = 0.00673. Tolerance 5e-5: the code uses the exact quantile 1.95996, not 1.96.
    implied = pvalues.p_from_ratio_ci(*(parse(t).estimate for t in ("1.94", "1.20", "3.13")))
    assert implied.point == pytest.approx(0.00673, abs=5e-5)
    assert implied.low <= 0.0067 <= implied.high


def test_p_from_ci_agrees_with_statsmodels_z_test():
    # Oracle: statsmodels' generic two-sided z test on the same log estimate and standard error;
    # an independent implementation of the last step. Tolerance: floating point only.
    est, lo, hi = (parse(t).estimate for t in ("2.93", "1.56", "5.50"))
    se = (math.log(5.50) - math.log(1.56)) / (2 * norm.ppf(0.975))
    _, p_statsmodels = _zstat_generic2(math.log(2.93), se, "two-sided")
    assert pvalues.p_from_ratio_ci(est, lo, hi).point == pytest.approx(p_statsmodels, rel=1e-12)


def test_p_range_covers_every_value_in_the_rounding_box():
    # Oracle: brute force over a grid of the box of values that round to HR 0.42 (0.21-0.82).
    # The grid's extreme p values must lie inside the computed range, and come close to its ends.
    printed = [parse(t).estimate for t in ("0.42", "0.21", "0.82")]
    implied = pvalues.p_from_ratio_ci(*printed)
    grids = [np.linspace(float(n.interval()[0]), float(n.interval()[1]) - 1e-9, 9) for n in printed]
    ps = [2 * norm.sf(abs(math.log(e)) / ((math.log(u) - math.log(l)) / (2 * norm.ppf(0.975))))
          for e, l, u in itertools.product(*grids)]
    assert implied.low <= min(ps) and max(ps) <= implied.high
    assert min(ps) == pytest.approx(implied.low, rel=1e-3) and max(ps) == pytest.approx(implied.high, rel=1e-3)


def test_a_p_that_crosses_005_is_a_decision_error():
    # HR 1.10 (0.90-1.30) implies p around 0.35; printing P = .01 claims significance.
    r = parse("P = .01, HR 1.10, 95% CI 0.90-1.30")
    assert consistency.check_p_from_ci(r).outcome == outcomes.DECISION_ERROR


def test_a_p_off_its_ci_on_the_same_side_of_005_is_a_discrepancy():
    r = parse("P = .20, HR 1.10, 95% CI 0.90-1.30")
    assert consistency.check_p_from_ci(r).outcome == outcomes.DISCREPANCY


def test_a_ci_too_coarse_to_settle_significance_is_uninformative():
    # DESCAR-T's multivariate ferritin: HR 1.02 (1.00-1.03) admits P from about .003 to .13 even
    # when the interval must be symmetric on the log scale: it straddles .05.
    r = parse("P = .01, HR 1.02, 95% CI 1.00-1.03")
    assert consistency.check_p_from_ci(r).outcome == outcomes.UNINFORMATIVE


def test_log_symmetry_settles_what_rounding_alone_cannot():
    # Univariate ferritin, HR 1.01 (1.01-1.02): the rounding box alone admits P up to about 0.32
    # (uninformative), but an interval symmetric around its estimate admits at most about 0.003,
    # so the printed P = .0002 is reproduced and significant.
    est, lo, hi = (parse(t).estimate for t in ("1.01", "1.01", "1.02"))
    assert pvalues.p_from_ratio_ci(est, lo, hi).high > 0.3
    assert pvalues.p_from_symmetric_ci(est, lo, hi).high < 0.004
    assert consistency.check_p_from_ci(parse("P = .0002, HR 1.01, 95% CI 1.01-1.02")).outcome == outcomes.REPRODUCED


def test_the_symmetric_p_range_matches_a_brute_force_over_symmetric_intervals():
    # Oracle: a 300 x 300 grid over the bounds that print as 0.19 and 1.09, keeping the pairs whose
    # geometric mid-point prints as 0.45 (DESCAR-T, bispecifics, univariate PFS-2). The engine's
    # corners must contain every grid value and come within 1e-3 (relative) of the grid's extremes.
    est, lo, hi = (parse(t).estimate for t in ("0.45", "0.19", "1.09"))
    z0 = norm.ppf(0.975)
    ps = []
    for L in np.linspace(0.185, 0.195, 300, endpoint=False):
        for U in np.linspace(1.085, 1.095, 300, endpoint=False):
            if 0.445 <= math.sqrt(L * U) < 0.455:
                ps.append(2 * norm.sf(abs(math.log(math.sqrt(L * U))) / ((math.log(U) - math.log(L)) / (2 * z0))))
    r = pvalues.p_from_symmetric_ci(est, lo, hi)
    assert r.low <= min(ps) and max(ps) <= r.high
    assert min(ps) == pytest.approx(r.low, rel=1e-3) and max(ps) == pytest.approx(r.high, rel=1e-3)


def test_a_printed_p_that_fits_only_truncated_says_so():
    # HR 0.45 (0.19-1.09) implies P .0752-.0788 under log symmetry: "P = .07" is that truncated.
    assert consistency.check_p_from_ci(parse("P = .07, HR 0.45, 95% CI 0.19-1.09")).outcome == outcomes.TRUNCATED


def test_percentages_compare_exactly_so_a_boundary_cannot_flip():
    # 133/2000 is exactly 6.65%: half-up rounding makes it 6.7, truncation 6.6. A float
    # (6.6499999...) would get the first wrong.
    # Printed 6.6, the tie fits half-even rounding (6 is even) before truncation is tried.
    value = Percent(133, 2000).compare(parse("6.7%")).value.percent
    assert value == Fraction(665, 100)
    assert rounding.classify(parse("6.7%").estimate, value) == outcomes.REPRODUCED
    assert rounding.classify(parse("6.6%").estimate, value) == outcomes.HALF_EVEN
    assert rounding.classify(parse("6.8%").estimate, value) == outcomes.DISCREPANCY


def test_each_rounding_rule_is_named_by_the_value_it_needs():
    # Hand-worked: 6.75 ties; half-even goes to 6.8 (7 is odd), half-up too, so plain reproduced.
    # 6.78 prints as 6.7 only by truncation; 6.62 as 6.7 only by rounding up; 6/27 = 22.2% as
    # "23" only by rounding up (Shen 2025, Table 2, Chong); 6.64 as 6.7 under no rule.
    assert rounding.classify(parse("6.8").estimate, Fraction(675, 100)) == outcomes.REPRODUCED
    assert rounding.rule_for(parse("6.7").estimate, Fraction(678, 100)) == rounding.TRUNCATION
    assert rounding.rule_for(parse("6.7").estimate, Fraction(662, 100)) == rounding.CEILING
    assert rounding.classify(parse("23").estimate, Fraction(600, 27)) == outcomes.CEILING
    assert rounding.classify(parse("6.5").estimate, Fraction(664, 100)) == outcomes.DISCREPANCY
    assert not rounding.contains(parse("6.7").estimate, Fraction(665, 100), rounding.HALF_EVEN)


def test_percent_of_counts_reproduces_and_flags_truncation():
    assert Percent(54, 238).compare(parse("22.7%")).outcome == outcomes.REPRODUCED
    assert Percent(17, 120).compare(parse("14.1%")).outcome == outcomes.TRUNCATED
    assert Percent(126, 238).compare(parse("57.0%")).outcome == outcomes.DISCREPANCY


def test_grim_finds_the_counts_and_denominators_a_percentage_allows():
    # Hand-solved: 45/238 = 18.907% is the only count over 238 that rounds to 18.9%;
    # 126/221 = 57.01% is the only denominator from 126 to 550 that gives 57.0%.
    assert rounding.numerators(parse("18.9%").estimate, 238) == [45]
    assert rounding.denominators(parse("57.0%").estimate, 126, range(126, 551)) == [221]
    assert rounding.numerators(parse("50.5%").estimate, 12) == []  # no k/12 is 50.5%


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 2), st.integers(1, 400), st.sampled_from(rounding.RULES))
def test_numerators_agree_with_brute_force_over_every_count(digits, places, n, rule):
    # Oracle: trying every k from 0 to n with the rule's own membership test. The search looks
    # only near printed * n / 100, so it must still find exactly the same counts.
    text = f"{digits / 10**places:.{places}f}"
    printed = parse(text).estimate
    brute = [k for k in range(n + 1) if rounding.contains(printed, Fraction(100 * k, n), rule)]
    assert rounding.numerators(printed, n, rule) == brute


def test_ci_consistency_accepts_symmetric_and_flags_asymmetric_ratio_intervals():
    assert consistency.check_ci_consistency(parse("HR 1.94, 95% CI 1.20-3.13")).outcome == outcomes.CONSISTENT
    assert consistency.check_ci_consistency(parse("HR 2.00, 95% CI 1.10-2.20")).outcome == outcomes.INCONSISTENT
    assert consistency.check_ci_consistency(parse("HR 0.50, 95% CI 0.60-0.90")).outcome == outcomes.INCONSISTENT
    assert consistency.check_ci_consistency(parse("9.6 months (95% CI 6.0-NR")).outcome == outcomes.CONSISTENT


def test_median_in_range():
    assert consistency.check_median_in_range(parse("2.7 months (range: 0.2-21.5)")).outcome == outcomes.CONSISTENT
    assert consistency.check_median_in_range(parse("25.0 months (range: 0.2-21.5)")).outcome == outcomes.INCONSISTENT


def test_sums_of_parts():
    assert Total((54, 102, 82)).compare(parse("238")).outcome == outcomes.REPRODUCED
    assert Total((8, 9, 1, 85)).compare(parse("120")).outcome == outcomes.DISCREPANCY


def test_two_printings_of_one_p_agree_only_by_truncation():
    # .078 is not in [.065, .075), but .07 is what truncating .078 gives.
    other = parse("P = .07, HR 0.55, 95% CI 0.29-1.07")
    assert Agrees("x", other).compare(parse("P = .078")).outcome == outcomes.TRUNCATED
    assert Agrees("x", parse("P = .01, HR 0.42, 95% CI 0.21-0.82")).compare(parse("P = .011")).outcome == outcomes.CONSISTENT


def test_landmark_rates_sit_on_the_side_of_50_percent_the_median_implies():
    assert survival.landmark_bounds(Fraction(28, 10), Fraction(6)) == (0, 50)
    assert survival.landmark_bounds(Fraction(111, 10), Fraction(6)) == (50, 100)
    assert survival.pooled_median_bounds([Fraction(61, 10), Fraction(96, 10)]) == (Fraction(61, 10), Fraction(96, 10))


def test_every_outcome_of_a_checked_number_belongs_to_exactly_one_chart_group():
    # Oracle: outcomes.ORDER; a new outcome must not fall off the front page's figure and summary.
    from rederive.core import outcomes
    not_charted = {outcomes.INPUT, outcomes.PINNED, outcomes.MOVED, outcomes.MISQUOTED,
                   outcomes.HOLDS, outcomes.NO_LONGER_HOLDS}  # the report's own results and statements
    grouped = [o for members in outcomes.GROUPS.values() for o in members]
    assert sorted(grouped) == sorted(set(outcomes.ORDER) - not_charted)


def test_a_percentage_over_an_unstated_denominator_is_undecided_not_a_discrepancy():
    # Oracle: 126/238 = 52.9% misses 57.0%; 126/221 = 57.01% is the only denominator <= 238 that fits.
    from rederive.core import outcomes
    from rederive.checks.derivations import Percent
    from rederive.core.reported import parse
    assert Percent(126, 238).compare(parse("57.0%")).outcome == outcomes.DISCREPANCY
    undecided = Percent(126, 238, stated=False).compare(parse("57.0%"))
    assert undecided.outcome == outcomes.DENOMINATOR_UNSTATED and "126/221" in undecided.shown
    # no denominator up to 238 gives 99.0% of 126: still a discrepancy
    assert Percent(126, 238, stated=False).compare(parse("99.0%")).outcome == outcomes.DISCREPANCY


def test_a_source_that_rounds_elsewhere_makes_a_truncation_only_fit_undecided():
    # Oracle: 177/298 = 59.396% truncates to 59.3% and no count of 298 rounds to it; 176/297 = 59.26% does.
    from rederive.checks import rounding
    from rederive.core import outcomes
    from rederive.checks.derivations import Grim
    from rederive.core.reported import parse
    assert Grim(298).compare(parse("59.3%")).outcome == outcomes.TRUNCATED
    result = Grim(298, rounds_elsewhere=("68.8% of 298",)).compare(parse("59.3%"))
    assert result.outcome == outcomes.DENOMINATOR_UNSTATED and "176/297" in result.shown
    # 205/298 = 68.79%: only rounding gives 68.8%, so it is evidence that the source rounds
    assert rounding.convention_evidence(parse("68.8%").estimate, 298) == rounding.HALF_UP
    assert rounding.convention_evidence(parse("59.3%").estimate, 298) == rounding.TRUNCATION


def test_a_value_whose_method_the_source_does_not_state_is_undecided_when_no_method_gives_it():
    from rederive.core import outcomes
    from rederive.checks.derivations import Value
    from rederive.core.reported import parse
    assert Value(0.598, method_stated=False).compare(parse("P = 0.602")).outcome == outcomes.METHOD_UNKNOWN
    assert Value(0.602, method_stated=False).compare(parse("P = 0.602")).outcome == outcomes.REPRODUCED
    assert Value(0.598).compare(parse("P = 0.602")).outcome == outcomes.DISCREPANCY
