"""Which subgroup sizes and responder counts are consistent with printed percentages?

GRIM extended to several subgroups at once (in the spirit of SPRITE, but exact): every
combination of (responders, patients) per subgroup whose percentages round to the printed ones
and whose totals agree with the printed totals. Enumeration, not sampling: each subgroup's
candidate pairs are listed once (at most one or two responder counts per size), then combined
with the totals as constraints.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import rounding
from ..core.reported import Number


def candidate_pairs(printed: Number, max_n: int) -> list[tuple[int, int]]:
    """(responders, patients) with 1 <= patients <= max_n whose percentage rounds to printed."""
    return [(r, n) for n in range(1, max_n + 1) for r in rounding.numerators(printed, n)]


@dataclass(frozen=True)
class Reconstruction:
    assumption: str
    solutions: list[tuple[tuple[int, int], ...]]  # one (responders, patients) per subgroup

    def size_ranges(self) -> list[tuple[int, int]]:
        return [(min(s[i][1] for s in self.solutions), max(s[i][1] for s in self.solutions))
                for i in range(len(self.solutions[0]))] if self.solutions else []

    def pins(self) -> dict:
        """What a chapter shows (rederive.analyses pins these); the splits themselves when few."""
        out = {"solutions": len(self.solutions),
               "sizes": ", ".join(f"{lo}-{hi}" for lo, hi in self.size_ranges()),
               "responders": ", ".join(f"{lo}-{hi}" for lo, hi in self.responder_ranges())}
        if len(self.solutions) <= 10:
            out["splits"] = "; ".join(" ".join(f"{r}/{n}" for r, n in s) for s in self.solutions)
        return out

    def responder_ranges(self) -> list[tuple[int, int]]:
        return [(min(s[i][0] for s in self.solutions), max(s[i][0] for s in self.solutions))
                for i in range(len(self.solutions[0]))] if self.solutions else []


def _total_responders(overall: Number, total: int) -> set[int]:
    return set(rounding.numerators(overall, total))


def reconstruct(groups: list[Number], total: int, overall: Number, mode: str = "partition") -> Reconstruction:
    """All subgroup (responders, patients) tuples consistent with the printed percentages.

    mode "partition": every patient is in exactly one subgroup and evaluable (sizes add up to
        total; responders add up to a count whose share of total rounds to overall);
    mode "evaluable": the subgroups hold only the evaluable patients (sizes add up to at most
        total) and the overall rate is over those same patients;
    mode "subset": the subgroups hold some of the patients (sizes add up to at most total); the
        others may or may not have responded, and the overall rate is over all of them."""
    candidates = [candidate_pairs(g, total) for g in groups]
    overall_counts = _total_responders(overall, total)
    solutions = []

    def consistent(pairs) -> bool:
        r = sum(p[0] for p in pairs)
        n = sum(p[1] for p in pairs)
        if mode == "partition":
            return n == total and r in overall_counts
        if mode == "evaluable":
            return rounding.contains(overall, Fraction(100 * r, n))
        return any(r <= k <= r + (total - n) for k in overall_counts)  # subset

    def extend(chosen, size):
        i = len(chosen)
        if i == len(candidates):
            if consistent(chosen):
                solutions.append(tuple(chosen))
            return
        left = len(candidates) - i - 1  # each remaining subgroup needs at least one patient
        for pair in candidates[i]:
            if size + pair[1] + left <= total:
                extend(chosen + [pair], size + pair[1])

    extend([], 0)
    described = {"partition": "every patient in exactly one subgroup, all evaluable",
                 "evaluable": "subgroups hold the evaluable patients only; overall rate over them",
                 "subset": "subgroups hold some patients; overall rate over all patients"}[mode]
    return Reconstruction(described, solutions)
