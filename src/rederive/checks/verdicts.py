"""What a source's words assert, decided by the numbers it prints.

A verbal claim ("significantly associated with worse PFS-2", "superior PFS-2", "no significant
correlation", "with low heterogeneity", "most patients") is true or false given printed numbers.
Each function here returns a `Decision`: holds (True, False, or None when the printed precision
or the printed numbers cannot decide) and the evidence, in words. Significance is judged at the
two-sided 5% level the sources use, from the printed P value (as an interval: "P = .07" is any
value rounding to it) and, where a ratio's CI is printed, from whether the CI excludes 1; a P
value and a CI that disagree about significance make the claim undecidable by the printed numbers
and say so.

(The opposite direction, the report's own words chosen from numbers, is rederive.book.judgements.)
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..core import formatting as fmt
from ..core.reported import Reported

ALPHA = Fraction(5, 100)


@dataclass(frozen=True)
class Decision:
    holds: bool | None
    evidence: str


def _all(decisions: list[Decision], joiner: str = "; ") -> Decision:
    """Every part must hold; one that fails makes the whole fail; otherwise undecided if any is."""
    holds = False if any(d.holds is False for d in decisions) else \
        None if any(d.holds is None for d in decisions) else True
    return Decision(holds, joiner.join(d.evidence for d in decisions))


def significant(r: Reported, label: str = "") -> Decision:
    """Is this printed result significant at 5%? From its P value and, for a ratio, its CI."""
    votes, said = [], []
    if r.p is not None:
        lo, hi = r.p.interval()
        votes.append(True if hi <= ALPHA else False if lo >= ALPHA else None)
        said.append(str(r.p))
    if r.ci is not None and r.estimate is not None and r.label in ("HR", "OR", "RR") \
            and not any(b.not_reached for b in r.ci):
        # each printed bound stands for the values that round to it: 1.00 may be 1.004
        (low_lo, low_hi), (high_lo, high_hi) = r.ci[0].interval(), r.ci[1].interval()
        excludes = True if (low_lo > 1 or high_hi <= 1) else False if (low_hi <= 1 <= high_lo) else None
        votes.append(excludes)
        said.append(f"CI {r.ci[0].text}-{r.ci[1].text} " +
                    {True: "excludes 1", False: "includes 1", None: "touches 1 at its printed precision"}[excludes])
    where = f"{label}: " if label else ""
    if not votes:
        return Decision(None, f"{where}no P value or ratio CI printed")
    decided = {v for v in votes if v is not None}
    holds = decided.pop() if len(decided) == 1 else None
    return Decision(holds, where + ", ".join(said) + ("" if len(decided) < 2 else " (they disagree)"))


def not_significant(r: Reported, label: str = "") -> Decision:
    d = significant(r, label)
    return Decision(None if d.holds is None else not d.holds, d.evidence)


def ratio_direction(r: Reported, better_below_one: bool, label: str = "") -> Decision:
    """'Worse' / 'better' / 'superior' for a hazard ratio: the estimate on that side of 1, and
    significantly so (the CI excludes 1)."""
    if r.estimate is None or r.estimate.value is None:
        return Decision(None, f"{label}: no estimate printed")
    side = (r.estimate.value < 1) == better_below_one
    sig = significant(r, label)
    holds = False if not side else sig.holds
    return Decision(holds, f"{sig.evidence}, HR {r.estimate.text}")


def majority(count: int, total: int, label: str = "") -> Decision:
    """'Most', 'the majority': more than half."""
    return Decision(2 * count > total, f"{label + ': ' if label else ''}{fmt.share(count, total)}")


def majority_of_percent(r: Reported, label: str = "") -> Decision:
    lo, hi = r.estimate.interval()
    holds = True if lo > 50 else False if hi <= 50 else None
    return Decision(holds, f"{label + ': ' if label else ''}{r.text}")


def heterogeneity(word: str, i2: Fraction | float, thresholds: tuple = (25, 50)) -> Decision:
    """The source's own I² words: low up to the first threshold, moderate to the second,
    substantial above; 'no' heterogeneity means I² = 0."""
    i2 = Fraction(i2).limit_denominator(10**6)
    low, high = thresholds
    holds = {"no": i2 == 0, "low": i2 <= low, "moderate": low < i2 <= high, "substantial": i2 > high}[word]
    return Decision(holds, f"I² = {float(i2):.2f}% ({word}: {'0' if word == 'no' else f'≤{low}%' if word == 'low' else f'{low}-{high}%' if word == 'moderate' else f'>{high}%'})")


def significant_in_every(ps: list[float], what: str) -> Decision:
    """A significance word about data the source does not print in full: it holds if every
    reconstruction the printed numbers allow gives P < .05, fails if none does."""
    if not ps:
        return Decision(None, f"no {what} fits the printed numbers")
    below = [p < ALPHA for p in ps]
    holds = True if all(below) else False if not any(below) else None
    return Decision(holds, f"P from {fmt.p(min(ps))[4:]} to {fmt.p(max(ps))[4:]} over the {len(ps)} {what}")


def undecidable(why: str) -> Decision:
    return Decision(None, why)
