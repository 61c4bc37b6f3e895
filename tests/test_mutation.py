"""Mutation scores: every claim's printed numbers, perturbed by one unit of their last digit, are
caught by check; an input caught by neither check nor the quote test must be explained."""
from conftest import ROOT, SEEDS

from rederive import mutation


def test_perturbations_move_the_last_printed_digit_both_ways():
    # Oracle: one unit of the last printed digit, keeping the printed form.
    assert [p[2] for p in mutation.perturbations("43.3%")] == ["43.4%", "43.2%"]
    assert [p[2] for p in mutation.perturbations("P = .0187")] == ["P = .0188", "P = .0186"]
    assert [p[2] for p in mutation.perturbations("0 of 12")] == ["1 of 12", "0 of 13", "0 of 11"]


def test_every_claim_mutation_of_the_tongren_register_is_caught_by_check():
    # The smallest register, in full (make mutation runs every source): 100% of claims caught by
    # check, and every input mutation that neither check nor the quote test catches is a plain
    # input whose row says why.
    scores = mutation.run(ROOT, SEEDS if SEEDS.is_dir() else None, ["tongren2025"])
    (score,) = scores
    assert score.mutations["claim"] > 0 and score.by_check["claim"] == score.mutations["claim"], score.uncaught
    for uncaught in score.uncaught:
        assert ": input, check none;" in uncaught, uncaught
