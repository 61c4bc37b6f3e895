"""Derivations: values a source module computes from other inputs, each knowing how to compare
itself with the printed claim. A source's derive(inputs) returns one per derived claim."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..core import formatting as fmt
from ..core import outcomes
from . import rounding
from ..core import values as v
from ..core.reported import Number, Reported
from ..core.result import Result


class Derivation:
    """A value derived from inputs, and how to compare it with the printed claim."""

    check: str

    def compare(self, printed: Reported) -> Result:
        raise NotImplementedError


def _estimate(printed: Reported) -> Number:
    if printed.estimate is None or printed.estimate.value is None:
        raise ValueError(f"{printed.text!r} has no number to compare")
    return printed.estimate


@dataclass(frozen=True)
class Percent(Derivation):
    """A printed percentage against numerator/denominator, exactly."""

    numerator: int
    denominator: int
    # False where the source does not say over whom the percentage is (missing data are likely):
    # a miss over `denominator` is then undecided when a smaller denominator gives the percentage.
    stated: bool = True
    check = "percent_of_counts"

    def compare(self, printed: Reported) -> Result:
        if self.denominator <= 0:
            raise ValueError("denominator must be positive")
        value = v.Share(self.numerator, self.denominator)
        shown = fmt.share(self.numerator, self.denominator)
        outcome = rounding.classify(_estimate(printed), value.percent)
        if outcome == outcomes.DISCREPANCY and not self.stated:
            return _unstated(printed, self.numerator, self.denominator, value, shown)
        return Result(outcome, value, shown)


def _unstated(printed: Reported, numerator: int, largest: int, value, shown: str) -> Result:
    """The percentage misses over the largest possible denominator: which smaller ones give it?"""
    fits = rounding.denominators(_estimate(printed), numerator, range(numerator, largest + 1))
    if not fits:
        return Result(outcomes.DISCREPANCY, value, shown, f"no denominator up to {largest} gives it")
    closest = ", ".join(fmt.share(numerator, d) for d in sorted(fits, reverse=True)[:3])
    return Result(outcomes.DENOMINATOR_UNSTATED, value, f"{shown}; over fewer patients: {closest}",
                  f"{len(fits)} denominator(s) up to {largest} give it")


@dataclass(frozen=True)
class Total(Derivation):
    """A printed number against the sum of its parts (or any exact arithmetic)."""

    parts: tuple
    misprints: str = ""  # where the identity fails: which printed terms could be wrong (rederive.checks.identities)
    check = "sum"

    def compare(self, printed: Reported) -> Result:
        value = sum(Fraction(p) for p in self.parts)
        terms = [str(self.parts[0])] + [f"{'-' if p < 0 else '+'} {abs(p)}" for p in self.parts[1:]]
        shown = " ".join(terms) + f" = {float(value):g}"
        outcome = rounding.classify(_estimate(printed), value)
        detail = self.misprints if outcome == outcomes.DISCREPANCY else ""
        return Result(outcome, v.Exact(value, tuple(self.parts)), shown, detail)


def _over_fewer(estimate, denominator: int, scale: int) -> list[str]:
    """"k/d" for each smaller denominator d, largest first, over which some count rounds
    (half up) to the printed value."""
    return [f"{ks[0]}/{d}" for d in range(denominator - 1, 0, -1)
            if (ks := rounding.numerators(estimate, d, rounding.HALF_UP, scale))]


@dataclass(frozen=True)
class Grim(Derivation):
    """Can some integer count over this denominator produce the printed percentage?"""

    denominator: int
    stated: bool = True  # False: the source does not say the percentage is over all `denominator`
    # Printed values of the same source that only half-up rounding explains (rounding.convention_evidence):
    # with any, a value that fits only by truncation may as well be rounded over fewer patients.
    rounds_elsewhere: tuple = ()
    check = "grim"

    def compare(self, printed: Reported) -> Result:
        estimate = _estimate(printed)
        # a percentage ("43.3%", or a table's "(23)"), or a proportion such as 0.885
        scale = 1 if printed.unit is None and estimate.value <= 1 and estimate.decimals else 100
        for rule in rounding.RULES:
            ks = rounding.numerators(estimate, self.denominator, rule, scale)
            if ks:
                value = v.Counts(tuple(ks), self.denominator, rule)
                shown = ", ".join(fmt.share(k, self.denominator) for k in ks)
                if rule != rounding.HALF_UP and self.rounds_elsewhere:
                    fewer = _over_fewer(estimate, self.denominator, scale)
                    if fewer:
                        return Result(outcomes.DENOMINATOR_UNSTATED, value,
                                      f"{shown} ({rule}); rounded over fewer patients: {', '.join(fewer[:3])}",
                                      f"the source rounds elsewhere ({', '.join(self.rounds_elsewhere)}): "
                                      f"{rule} over {self.denominator}, or half-up over an unstated denominator")
                return Result(rounding.OUTCOME_OF_RULE[rule], value, shown)
        if not self.stated:
            fits = _over_fewer(estimate, self.denominator, scale)
            if fits:
                return Result(outcomes.DENOMINATOR_UNSTATED, v.Counts((), self.denominator),
                              f"no count out of {self.denominator}; over fewer patients: {', '.join(fits[:3])}",
                              f"{len(fits)} smaller denominator(s) give it")
        near = [f"{ks[0]}/{d}" for d in range(max(1, self.denominator - 5), self.denominator + 6)
                if d != self.denominator and (ks := rounding.numerators(estimate, d, rounding.HALF_UP, scale))]
        return Result(outcomes.DISCREPANCY, v.Counts((), self.denominator), f"no count out of {self.denominator}",
                      ("nearby denominators that fit: " + ", ".join(near)) if near else "")


def _is_p(r: Reported) -> bool:
    return r.estimate is None and r.p is not None


def _parts(r: Reported) -> dict:
    """Every number a printed value holds, by what it is: estimate, CI bounds, range bounds, P."""
    parts = {"estimate": r.estimate, "P": r.p.number if r.p is not None else None}
    for name, pair in (("CI", r.ci), ("range", r.range)):
        if pair is not None:
            parts[f"{name} lower bound"], parts[f"{name} upper bound"] = pair
    return {k: v for k, v in parts.items() if v is not None}


@dataclass(frozen=True)
class Agrees(Derivation):
    """Two places print the same quantity: do all their printed numbers (estimate, both CI
    bounds, the CI level, a range, the P value) admit common values? With `separate`, the
    source says the two come from different analyses or populations: numbers printed
    identically are then suspect rather than reassuring."""

    other_id: str
    other: Reported
    separate: bool = False
    check = "agrees_with"

    def compare(self, printed: Reported) -> Result:
        shown = f"{self.other.text} ({self.other_id})"
        mine, theirs = _parts(printed), _parts(self.other)
        common = [k for k in mine if k in theirs]
        main = "estimate" if "estimate" in mine else "P"  # the number the row is about
        first, other_first = mine.get(main), theirs.get(main)
        value = v.Printed(self.other_id, self.other.text, other_first.value if other_first else None)
        compared, differ = [], []
        for part in common:
            a, b = mine[part], theirs[part]
            if a.not_reached or b.not_reached:
                if a.not_reached != b.not_reached:
                    differ.append(f"{part}: {a.text} vs {b.text}")
                continue
            compared.append(part)
            if part == "P":  # "P < .001" admits every value below .001
                (a_lo, a_hi), (b_lo, b_hi) = printed.p.interval(), self.other.p.interval()
            else:
                (a_lo, a_hi), (b_lo, b_hi) = a.interval(), b.interval()
            if not (a_lo < b_hi and b_lo < a_hi):
                differ.append(f"{part}: {a.text} vs {b.text}")
        if printed.ci_level and self.other.ci_level and printed.ci_level != self.other.ci_level:
            differ.append(f"CI level: {printed.ci_level}% vs {self.other.ci_level}%")
        if not compared and not differ:
            return Result(outcomes.UNINFORMATIVE, value, shown, "neither prints a number the other can be compared with")
        if differ:
            only_main = len(differ) == 1 and differ[0].startswith(main + ":") and first and other_first \
                and first.value is not None and other_first.value is not None
            if only_main and (rounding.contains(other_first, first.value, rounding.TRUNCATION)
                                  or rounding.contains(first, other_first.value, rounding.TRUNCATION)):
                return Result(outcomes.TRUNCATED, value, shown, "equal only if one of them was truncated")
            return Result(outcomes.INCONSISTENT, value, shown, "; ".join(differ))
        if self.separate and all(mine[k].text == theirs[k].text for k in compared):
            return Result(outcomes.SUSPECT_IDENTICAL, value, shown,
                          f"the same {', '.join(compared)} for what the source says are different analyses")
        return Result(outcomes.CONSISTENT, value, shown, "compared: " + ", ".join(compared) if len(compared) > 1 else "")


@dataclass(frozen=True)
class Within(Derivation):
    """A printed value must lie within bounds that other inputs imply (why: `reason`)."""

    low: Fraction | float
    high: Fraction | float | None  # None: no upper bound
    reason: str
    check = "within"

    def compare(self, printed: Reported) -> Result:
        lo, hi = _estimate(printed).interval()
        ok = hi > Fraction(self.low) and (self.high is None or lo <= Fraction(self.high))
        bound = f"at least {fmt.number(self.low, 3)}" if self.high is None else \
            f"between {fmt.number(self.low, 3)} and {fmt.number(self.high, 3)}"
        outcome = outcomes.CONSISTENT if ok else outcomes.INCONSISTENT
        return Result(outcome, v.Bounds(self.low, self.high), f"{bound} ({self.reason})")


def _combine(found: list[str]) -> str:
    """Several printed numbers checked together: the weakest outcome stands for all."""
    for outcome in outcomes.ROUNDED:
        if all(o in outcomes.ROUNDED[: outcomes.ROUNDED.index(outcome) + 1] for o in found):
            return outcome
    return outcomes.DISCREPANCY


@dataclass(frozen=True)
class Value(Derivation):
    """A printed number (or P value) against one value computed from inputs."""

    value: float | Fraction
    shown: str = ""
    # False where the source does not say how it computed the number (the value tried is then
    # the closest of several plausible methods): a miss is undecided, not a discrepancy.
    method_stated: bool = True
    check = "value"

    def compare(self, printed: Reported) -> Result:
        result = self._compare(printed)
        if result.outcome == outcomes.DISCREPANCY and not self.method_stated:
            return Result(outcomes.METHOD_UNKNOWN, result.value, result.shown, "closest of the methods tried")
        return result

    def _compare(self, printed: Reported) -> Result:
        derived = Fraction(self.value)
        shown = self.shown or fmt.number(derived)
        value = v.Number(float(derived))
        if _is_p(printed):
            lo, hi = printed.p.interval()
            if lo <= derived < hi:
                return Result(outcomes.REPRODUCED, value, shown)
            if printed.p.comparator == "=":
                return Result(rounding.classify(printed.p.number, derived), value, shown)
            return Result(outcomes.DISCREPANCY, value, shown)
        return Result(rounding.classify(_estimate(printed), derived), value, shown)


@dataclass(frozen=True)
class PooledProportion(Derivation):
    """A printed pooled proportion and its CI against a meta-analysis (proportions in [0, 1])."""

    estimate: float
    low: float
    high: float
    level: int = 95  # the confidence level of low-high
    check = "pooled_proportion"

    def compare(self, printed: Reported) -> Result:
        if printed.ci is None:
            raise ValueError("a pooled proportion needs its printed CI")
        scale = 100 if printed.is_percent else 1
        derived = [Fraction(x) * scale for x in (self.estimate, self.low, self.high)]
        numbers = [_estimate(printed), *printed.ci]
        outcome = _combine([rounding.classify(n, d) for n, d in zip(numbers, derived)])
        unit = "%" if scale == 100 else ""
        shown = f"{fmt.number(derived[0])}{unit} ({self.level}% CI {fmt.number(derived[1])}-{fmt.number(derived[2])}{unit})"
        if printed.ci_level is not None and printed.ci_level != self.level:
            return Result(outcomes.DISCREPANCY, v.Pooled(*(float(d) for d in derived)), shown,
                          f"the printed interval is a {printed.ci_level}% CI, the derived one {self.level}%")
        return Result(outcome, v.Pooled(*(float(d) for d in derived)), shown)


@dataclass(frozen=True)
class Range(Derivation):
    """A printed range ("50-76.1%") against the smallest and largest of the values it summarises.

    `ends`: where those values are printed values (no counts behind them), the register ids of the
    ones at the two ends, which the range rests on (rederive.ledger.travel). `as_printed`: where the
    values are computed from counts, the same values as the source prints them, as (register id,
    value) pairs: a printed range that misses the counts but matches these copies the printed
    values at its ends, and rests on them instead of the counts."""

    low: float | Fraction
    high: float | Fraction
    shown: str = ""
    ends: tuple = ()
    as_printed: tuple = ()
    check = "range"

    def compare(self, printed: Reported) -> Result:
        if printed.range is None:
            raise ValueError("a range check needs a printed range")
        derived = (Fraction(self.low), Fraction(self.high))
        outcome = _combine([rounding.classify(n, d) for n, d in zip(printed.range, derived)])
        shown = self.shown or f"{fmt.number(derived[0])} to {fmt.number(derived[1])}"
        if not self.as_printed:
            return Result(outcome, v.Bounds(*derived), shown, rests_on=self.ends or None)
        low, high = (min(Fraction(value) for _, value in self.as_printed), max(Fraction(value) for _, value in self.as_printed))
        if outcome != outcomes.REPRODUCED and \
                _combine([rounding.classify(n, d) for n, d in zip(printed.range, (low, high))]) == outcomes.REPRODUCED:
            at_ends = tuple(i for i, value in self.as_printed if Fraction(value) in (low, high))
            return Result(outcomes.REPRODUCED, v.Bounds(*derived),
                          f"{shown} from the counts; {fmt.number(low)} to {fmt.number(high)} as printed",
                          f"{outcome} against the counts; it matches the values as printed",
                          rests_on=at_ends)
        return Result(outcome, v.Bounds(*derived), shown, rests_on=())  # it rests on the counts, not the printed values


@dataclass(frozen=True)
class Feasible(Derivation):
    """A printed value that some exact enumeration can produce (count: how many ways)."""

    count: int
    shown: str
    ranges: tuple = ()
    check = "feasible"

    def compare(self, printed: Reported) -> Result:
        outcome = outcomes.CONSISTENT if self.count > 0 else outcomes.INCONSISTENT
        return Result(outcome, v.Solutions(self.count, self.ranges), self.shown)


@dataclass(frozen=True)
class Verbal(Derivation):
    """A statement the printed numbers decide ("significant", "superior", "most", "no
    heterogeneity"): `claim` says what the word asserts, `decision` what the numbers say
    (rederive.checks.verdicts)."""

    claim: str
    decision: object  # verdicts.Decision
    check = "verbal"

    def compare(self, printed: Reported) -> Result:
        holds = self.decision.holds
        outcome = outcomes.CONSISTENT if holds else outcomes.INCONSISTENT if holds is False else outcomes.UNINFORMATIVE
        value = v.Verdict(self.claim, holds, self.decision.evidence)
        return Result(outcome, value, f"{self.claim}: {self.decision.evidence}")


def _places(decimals: int) -> str:
    return "as a whole number" if decimals == 0 else f"to {fmt.count(decimals, 'decimal')}"


@dataclass(frozen=True)
class ColumnPrecision(Derivation):
    """A percentage (or proportion) printed with fewer decimals than the other cells of its
    column or list: read at the column's precision, does its count over `denominator` give it?

    "11%" among "38.3%, 7.1%, 21.4%" is 11.0% with the trailing zero dropped when its count gives
    11.0 (consistent); "20%" whose count gives 20.1 was rounded more coarsely than its column,
    and "0.8" among three-decimal shares, which no count of 27 gives as 0.800, stands for several
    counts at once (inconsistent with its column). `count`: the printed count, where there is one
    (otherwise every count over `denominator` is tried)."""

    column: tuple  # the other cells as printed ("38.3", "0.885")
    denominator: int
    count: int | None = None
    check = "column_precision"

    def compare(self, printed: Reported) -> Result:
        estimate = _estimate(printed)
        scale = 1 if printed.unit is None and estimate.value <= 1 and estimate.decimals else 100
        places = [Number.parse(c.strip().rstrip("%")).decimals for c in self.column]
        wanted = max(set(places), key=lambda d: (places.count(d), d))  # the column's usual precision
        counts = [self.count] if self.count is not None else range(self.denominator + 1)

        def giving(number: Number) -> list[int]:
            return [k for k in counts if rounding.contains(number, Fraction(scale * k, self.denominator), rounding.HALF_UP)]

        own = giving(estimate)
        shares = ", ".join(fmt.share(k, self.denominator) for k in own) or f"no count out of {self.denominator}"
        if estimate.decimals >= wanted:
            return Result(outcomes.CONSISTENT, v.Counts(tuple(own), self.denominator),
                          f"printed {_places(estimate.decimals)}, as its column ({shares})")
        at_column = Number(f"{float(estimate.value):.{wanted}f}", estimate.value, wanted)
        fits = giving(at_column)
        value = v.Counts(tuple(fits), self.denominator)
        if fits:
            return Result(outcomes.CONSISTENT, value,
                          f"{at_column.text} at its column's precision ({fmt.count(wanted, 'decimal')}): {', '.join(fmt.share(k, self.denominator) for k in fits)} "
                          f"(a trailing zero dropped)")
        which = f"no count out of {self.denominator} gives" if self.count is None else \
            f"its count, {fmt.share(self.count, self.denominator)}, does not give"
        return Result(outcomes.INCONSISTENT, value,
                      f"printed {_places(estimate.decimals)} in a column printed {_places(wanted)}: "
                      f"{which} {at_column.text}; at its own precision: {shares}")
