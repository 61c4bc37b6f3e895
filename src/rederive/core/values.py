"""Derived values as data: what a check computed, readable by a program and by a chapter.

Each ledger row carries one of these next to its display text, and the JSON export writes it
with numbers as numbers (exact fractions also as "a/b" text). Chapters read these fields; they
never take a display string apart.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction


def _plain(x):
    """JSON-ready: Fractions as floats, tuples as lists, nested values as dicts."""
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else float(x)
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "to_json"):
        return x.to_json()
    return x


class Value:
    """Base: to_json() gives {"type": ..., field: number...}."""

    def to_json(self) -> dict:
        out = {"type": type(self).__name__.lower()}
        for f in fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        for name, extra in self._extra_json().items():
            out[name] = extra
        return out

    def _extra_json(self) -> dict:
        return {}


@dataclass(frozen=True)
class Share(Value):
    """k of n, as an exact percentage."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Fraction:
        return Fraction(100 * self.numerator, self.denominator)

    def _extra_json(self):
        return {"percent": float(self.percent), "exact": f"{self.percent.numerator}/{self.percent.denominator}"}


@dataclass(frozen=True)
class Exact(Value):
    """An exact result of arithmetic on printed numbers (a sum, a difference)."""

    value: Fraction
    terms: tuple = ()

    def _extra_json(self):
        return {"exact": f"{self.value.numerator}/{self.value.denominator}"}


@dataclass(frozen=True)
class Number(Value):
    """A computed number (a P value, a pooled I², a count)."""

    value: float


@dataclass(frozen=True)
class Bounds(Value):
    """Values a printed number must lie within; None for an open end."""

    low: Fraction | float | None
    high: Fraction | float | None


@dataclass(frozen=True)
class PRange(Value):
    """A P value implied by a printed estimate and CI: its point value and the range over every
    set of numbers that print as the printed ones."""

    point: float
    low: float
    high: float


@dataclass(frozen=True)
class Pooled(Value):
    """A pooled estimate with its CI, on the printed scale (percent or proportion)."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Counts(Value):
    """The whole counts over a denominator that give a printed percentage (GRIM)."""

    numerators: tuple
    denominator: int
    rule: str = "half-up"


@dataclass(frozen=True)
class Printed(Value):
    """Another printed value this one must agree with."""

    row: str
    text: str
    value: Fraction | None


@dataclass(frozen=True)
class Solutions(Value):
    """How many ways an exact enumeration reproduces a printed value, with a summary."""

    count: int
    ranges: tuple = ()  # per group: (low, high) of what the solutions allow


@dataclass(frozen=True)
class Pin(Value):
    """One of the report's own results, against its pinned value (data/analyses.csv)."""

    value: float | int | str


@dataclass(frozen=True)
class Verdict(Value):
    """What a source's word asserts, decided by printed numbers: holds True/False, or None
    (undecidable), with the evidence."""
    claim: str
    holds: bool | None
    evidence: str
