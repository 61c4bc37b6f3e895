"""Which printed term of a failed identity could be its single misprint."""
from fractions import Fraction

from rederive.checks.identities import single_misprints

CHAIN = [{"screened": 1, "excluded": -1, "assessed": -1}, {"assessed": 1, "fulltext": -1, "included": -1}]


def test_a_term_shared_with_an_identity_that_holds_cannot_be_the_misprint():
    # Oracle: Shen's PRISMA text: 384 - 207 = 177, not 77; 77 - 68 = 9 holds. By hand: 284 or 307 fit.
    candidates, cleared = single_misprints(CHAIN, {"screened": 384, "excluded": 207, "assessed": 77, "fulltext": 68, "included": 9})
    assert {(c.term, c.needed) for c in candidates} == {("screened", Fraction(284)), ("excluded", Fraction(307))}
    assert cleared == ["assessed", "fulltext", "included"]


def test_a_term_in_both_failing_identities_is_the_only_candidate():
    # assessed printed 78 instead of 77: both subtractions fail, and only 'assessed' is in both.
    candidates, cleared = single_misprints(CHAIN, {"screened": 284, "excluded": 207, "assessed": 78, "fulltext": 68, "included": 9})
    assert [(c.term, c.needed) for c in candidates] == [("assessed", Fraction(77))] and cleared == []


def test_when_every_identity_holds_there_is_no_candidate():
    candidates, cleared = single_misprints(CHAIN, {"screened": 284, "excluded": 207, "assessed": 77, "fulltext": 68, "included": 9})
    assert candidates == [] and len(cleared) == 5
