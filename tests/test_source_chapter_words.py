"""The source chapters' own sentences that issue 16 corrected or added, each decided by a
computation with a hand-computed oracle."""
import math

import pytest
from scipy.stats import chi2

from rederive.ledger.ledger import build
from rederive.report import Report

from conftest import ROOT


@pytest.fixture(scope="module")
def report():
    return Report(build(ROOT), ROOT)


def _freeman_tukey_q(cohorts):
    """Cochran's Q on metaprop's Freeman-Tukey scale, written out independently of rederive.stats.meta:
    t = asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))), variance 1/(n + 0.5)."""
    t = [math.asin(math.sqrt(x / (n + 1))) + math.asin(math.sqrt((x + 1) / (n + 1))) for x, n in cohorts]
    w = [n + 0.5 for _, n in cohorts]
    mean = sum(a * b for a, b in zip(w, t)) / sum(w)
    return sum(a * (b - mean) ** 2 for a, b in zip(w, t))


def test_heterogeneity_p_values_where_shen_says_no_heterogeneity(report):
    # Oracle: Table 2's combination ORR counts (Budde 20/35, Hutchings 21/27, Brody 22/29) give
    # Q = 3.610 on 2 df, P = .1644 and I² = (Q - 2)/Q = 44.6% by the formula above; the CAR-T-naive
    # ORR (66/96, 38/63, 66/74) gives P < .001. Tolerance 1e-9: the same double-precision formula.
    het = report.analysis("shen_heterogeneity")
    q = _freeman_tukey_q([(20, 35), (21, 27), (22, 29)])
    assert het["comb_orr"]["q"] == pytest.approx(q, abs=1e-9)
    assert het["comb_orr"]["p"] == pytest.approx(chi2.sf(q, 2), abs=1e-9) and round(het["comb_orr"]["p"], 4) == 0.1644
    assert het["comb_orr"]["i2"] == pytest.approx(100 * (q - 2) / q, abs=1e-9)
    assert het["naive_orr"]["q"] == pytest.approx(_freeman_tukey_q([(66, 96), (38, 63), (66, 74)]), abs=1e-9)
    assert het["naive_orr"]["p"] < 0.001


def test_shens_overall_orr_pools_the_car_t_naive_cohorts(report):
    # Oracle: the overall ORR reproduces the printed 0.644 over 11 cohorts (8 prior-CAR-T with an ORR
    # and 3 CAR-T-naive); without the naive ones it is lower (59.9%, pinned).
    overall = report.analysis("shen_heterogeneity")["overall_orr"]
    assert (overall["k"], overall["naive_k"], overall["prior_k"]) == (11, 3, 8)
    assert round(overall["estimate"], 3) == 0.644 and overall["prior_estimate"] < overall["estimate"]


def test_descart_complete_case_size_follows_from_the_recovered_denominators(report):
    # Oracle, by hand: 72 high-LDH patients are 38.9% only of 185 (72/185 = 38.92%; 72/184 = 39.13%,
    # 72/186 = 38.71%); 154 had a new line of treatment; of 238 failures at least 185 + 154 - 238 = 101
    # and at most 154 can have both.
    complete = report.analysis("descart_complete_cases")
    assert (complete["ldh_known_low"], complete["ldh_known_high"]) == (185, 185)
    assert (complete["treated"], complete["both_low"], complete["both_high"]) == (154, 101, 154)
