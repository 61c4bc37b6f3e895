"""Exact enumerations: subgroup reconstruction and Kaplan-Meier feasibility."""
import itertools
from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from rederive.checks import km, subgroups
from rederive.core.reported import parse


def pct(text):
    return parse(text).estimate


# --- subgroups ---------------------------------------------------------------------------------

def test_candidate_pairs_hand_solved():
    # 50% with at most 4 patients: 1/2 and 2/4; 33% with at most 6: 1/3 and 2/6.
    assert subgroups.candidate_pairs(pct("50%"), 4) == [(1, 2), (2, 4)]
    assert subgroups.candidate_pairs(pct("33%"), 6) == [(1, 3), (2, 6)]


def _brute(rates, total, overall, mode):
    """Every assignment, tried one by one: the oracle for tiny inputs."""
    lo_o, hi_o = pct(overall).interval()
    found = []
    for n1, n2 in itertools.product(range(1, total + 1), repeat=2):
        if n1 + n2 > total or (mode == "partition" and n1 + n2 != total):
            continue
        for r1, r2 in itertools.product(range(n1 + 1), range(n2 + 1)):
            ok = all(pct(rate).interval()[0] <= Fraction(100 * r, n) < pct(rate).interval()[1]
                     for rate, r, n in zip(rates, (r1, r2), (n1, n2)))
            if not ok:
                continue
            r = r1 + r2
            if mode == "partition":
                ok = lo_o <= Fraction(100 * r, total) < hi_o
            elif mode == "evaluable":
                ok = lo_o <= Fraction(100 * r, n1 + n2) < hi_o
            else:
                ok = any(lo_o <= Fraction(100 * k, total) < hi_o for k in range(r, r + total - n1 - n2 + 1))
            if ok:
                found.append(((r1, n1), (r2, n2)))
    return sorted(found)


def test_reconstruction_matches_brute_force_on_small_cohorts():
    for rates, total, overall in [(("50%", "25%"), 12, "42%"), (("33%", "67%"), 9, "44%"), (("20%", "80%"), 10, "50%")]:
        for mode in ("partition", "evaluable", "subset"):
            got = sorted(subgroups.reconstruct([pct(r) for r in rates], total, pct(overall), mode).solutions)
            assert got == _brute(rates, total, overall, mode), (rates, total, mode)


def test_shumilov_partition_is_small_and_relaxing_assumptions_widens_it():
    rates = [pct("29%"), pct("54%"), pct("60%")]
    strict = subgroups.reconstruct(rates, 92, pct("43%"), "partition")
    evaluable = subgroups.reconstruct(rates, 92, pct("43%"), "evaluable")
    subset = subgroups.reconstruct(rates, 92, pct("43%"), "subset")
    assert 0 < len(strict.solutions) < len(evaluable.solutions) < len(subset.solutions)
    for solution in strict.solutions:
        assert sum(n for _, n in solution) == 92 and sum(r for r, _ in solution) == 40


# --- Kaplan-Meier --------------------------------------------------------------------------------

def test_hand_solved_km_values_for_three_patients():
    # n = 3: E -> 2/3; E E -> 1/3; C E -> 1/2; E C E -> 0; C C E -> 0 ... and nothing else but 1.
    values = {p.estimate for p in km.reachable(3)}
    assert values == {Fraction(1), Fraction(2, 3), Fraction(1, 3), Fraction(1, 2), Fraction(0)}


def test_six_of_eleven_is_reachable_with_twelve_patients_and_fewest_events_known():
    paths = km.matching(12, pct("54.5%"))
    assert paths and min(p.events for p in paths) == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.1, 20.0), st.booleans()), min_size=1, max_size=12))
def test_every_km_curve_value_is_among_the_enumerated(patients):
    # Oracle: statsmodels' Kaplan-Meier estimator on a random cohort, read at a landmark; the
    # enumeration must list that value with the same number of events and censorings before it.
    times = np.array([t for t, _ in patients])
    status = np.array([int(e) for _, e in patients])
    landmark = 10.0
    fit = SurvfuncRight(times, status)
    before = fit.surv_times <= landmark
    estimate = fit.surv_prob[before][-1] if before.any() else 1.0
    events = int(((times <= landmark) & (status == 1)).sum())
    censored = int(((times <= landmark) & (status == 0)).sum())
    reachable = {(p.estimate, p.events, p.censored) for p in km.reachable(len(patients))}
    assert any(abs(float(s) - estimate) < 1e-12 and e == events and c == censored for s, e, c in reachable)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 9), st.data())
def test_enumerated_values_are_exactly_km_products(n, data):
    # Each enumerated example sequence, replayed by hand, gives its estimate.
    path = data.draw(st.sampled_from(km.reachable(n)))
    at_risk, s = n, Fraction(1)
    for step in path.sequence.split():
        if step == "E":
            s *= Fraction(at_risk - 1, at_risk)
        at_risk -= 1
    assert s == path.estimate


def test_the_printed_follow_up_bounds_who_can_be_at_risk_at_the_landmark():
    # Oracle: 12 patients, median follow-up 9.3 < 12 months: the 6th shortest follow-up is at most
    # 9.3, so at most 6 can be followed past 12; the longest, 14, makes at least one possible.
    from fractions import Fraction
    from rederive.checks.km import at_risk_bounds
    assert at_risk_bounds(12, Fraction(12), Fraction("9.3"), Fraction(14)) == (1, 6)
    assert at_risk_bounds(11, Fraction(12), Fraction("9.3"), Fraction(14)) == (1, 5)
    assert at_risk_bounds(12, Fraction(12), Fraction(13), Fraction(14)) == (1, 12)
    low, high = at_risk_bounds(12, Fraction(12), Fraction("9.3"), Fraction(11))
    assert low > high  # nobody followed to 12 months: no curve reaches it


def test_a_curve_with_nobody_left_at_risk_does_not_count_as_giving_the_landmark_estimate():
    # Oracle: 1 event then 11 censorings leaves 11/12 = 91.7% and nobody at risk; with one left
    # at risk (10 censorings) the same estimate is defined.
    from rederive.checks.km import matching
    from rederive.core.reported import parse
    printed = parse("91.7%").estimate
    everything = matching(12, printed, (0, 12))
    defined = matching(12, printed)
    assert any(12 - p.events - p.censored == 0 for p in everything)
    assert defined and all(12 - p.events - p.censored >= 1 for p in defined)
