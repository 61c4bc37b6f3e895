"""Which printed term of a failed arithmetic identity could be the misprint?

A chain of identities (a PRISMA flow: screened - excluded = assessed, assessed - excluded =
included) shares terms. If one printed number is wrong, every identity that contains it fails
and every other holds; so a term that appears in an identity that holds cannot be the single
misprint, and a candidate must appear in every identity that fails. For each candidate the value
that would make its identities hold is computed from one of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Candidate:
    term: str
    printed: Fraction
    needed: Fraction  # the value that would make every identity hold


def single_misprints(identities: list[dict[str, int]], values: dict[str, Fraction]) -> tuple[list[Candidate], list[str]]:
    """identities: each a {term: coefficient} with sum(coefficient * value) = 0 when it holds.
    Returns (the terms that could be the one misprint, with the value each would need; the terms
    that cannot, because an identity containing them holds)."""
    def residual(identity):
        return sum(c * Fraction(values[t]) for t, c in identity.items())

    failing = [i for i in identities if residual(i) != 0]
    holding = [i for i in identities if residual(i) == 0]
    cleared = sorted({t for i in holding for t in i})
    if not failing:
        return [], cleared
    candidates = []
    for term in failing[0]:
        if term in cleared or not all(term in i for i in failing):
            continue
        needed = Fraction(values[term]) - residual(failing[0]) / failing[0][term]
        if all(residual(i) - i[term] * (Fraction(values[term]) - needed) == 0 for i in failing):
            candidates.append(Candidate(term, Fraction(values[term]), needed))
    return candidates, cleared
