"""Parse numbers exactly as a source prints them, keeping the printed text and its precision.

"22.7%" is not the float 22.7: it is every value that rounds (half up) to 22.7 at one decimal,
the interval [22.65, 22.75). Everything downstream compares derived values with these
intervals, so the parser keeps each number's text, exact value (a Fraction) and decimals.

Forms handled (en-dashes, hyphens and semicolons alike as interval separators):
  "238", "22.7%", "18.0%", "7.9 months", "NR", "NE", "HR = not reached",
  "HR 2.66, 95% CI 1.74-4.06", "HR, 0.350; 95% CI, 0.193-0.633",
  "3.7 months (95% CI 2.3-not reached [NR])", "P < .0001", "P = .0067", "p = 0.0005",
  "P = .0067, HR 1.94, 95% CI 1.20-3.13", "2.7 months (range: 0.2-21.5)", "0.644, 0.546-0.735".
Anything left over after the recognised parts is an error: "1.74-4.0.6" does not parse.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction


MAX_DIGITS = 30  # no source prints a longer number; Python refuses ints past 4,300 digits


class ParseError(ValueError):
    """A reported string that is not one of the printed forms above."""


_NUM = r"(?:\d+\.\d+|\.\d+|\d+)(?![\d.])"
_NOT_REACHED = r"(?:not\s+reached(?:\s*\[\s*NR\s*\])?|not\s+estimable|not\s+evaluable|NR|NE)"
_BOUND = rf"(?:{_NUM}|{_NOT_REACHED})"
_SEP = r"\s*(?:-|–|—|;|\bto\b)\s*"
_UNIT = r"(?:%|months?|days?|weeks?|years?|patients?)"
_LABEL = r"(?:HR|OR|RR|IRR|ORR|CR|I²|I2|n|N)"

_P = re.compile(rf"\b[Pp]\s*(=|<=|>=|<|>|≤|≥)\s*({_NUM})")
_CI = re.compile(rf"(\d+)\s*%\s*CI\s*(?:[,:]|\bof\b)?\s*({_BOUND}){_SEP}({_BOUND})(?:\s*{_UNIT})?")
_RANGE = re.compile(rf"\brange\s*[:,]?\s*({_NUM}){_SEP}({_NUM})")
_BARE_INTERVAL = re.compile(rf"(?<![\d.])({_NUM})(?:\s*%)?\s*(?:-|–|—|\bto\b)\s*({_NUM})(?:\s*({_UNIT}))?")
_ESTIMATE = re.compile(
    rf"(?:\b({_LABEL})\b\s*[,:=]?\s*)?({_BOUND})(?:\s*({_UNIT}))?(?![\w%])"
)
_NUM_ONLY = re.compile(_NUM)
_NOT_REACHED_ONLY = re.compile(_NOT_REACHED, re.IGNORECASE)
_LEFTOVER_OK = re.compile(r"^[\s,;()\[\]*]*$")  # "*": a footnote mark
# Counts the sources spell out ("Nine trials", "Fifty-four patients").
_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


@dataclass(frozen=True)
class Number:
    """One printed number: its text, exact value and decimals; value None for NR/NE."""

    text: str
    value: Fraction | None
    decimals: int

    @classmethod
    def parse(cls, text: str) -> "Number":
        text = text.strip()
        if _NOT_REACHED_ONLY.fullmatch(text):
            return cls(text, None, 0)
        if not _NUM_ONLY.fullmatch(text):
            raise ParseError(f"not a number: {text!r}")
        if len(text) > MAX_DIGITS:
            raise ParseError(f"a number of {len(text)} digits ({text[:12]}...) is not a printed value "
                             f"(at most {MAX_DIGITS})")
        decimals = len(text.split(".")[1]) if "." in text else 0
        # Fraction(int, 10**d) rather than Fraction(text): the same value, without a regex per number
        return cls(text, Fraction(int(text.replace(".", "") or "0"), 10 ** decimals), decimals)

    @property
    def not_reached(self) -> bool:
        return self.value is None

    @property
    def step(self) -> Fraction:
        """One unit in the last printed place: 0.1 for "22.7"."""
        return Fraction(1, 10**self.decimals)

    def interval(self) -> tuple[Fraction, Fraction]:
        """Values that round half-up to the printed text: [v - step/2, v + step/2)."""
        if self.value is None:
            raise ValueError(f"{self.text!r} has no numeric value")
        half = self.step / 2
        return self.value - half, self.value + half

    def truncation_interval(self) -> tuple[Fraction, Fraction]:
        """Values that truncate to the printed text: [v, v + step)."""
        if self.value is None:
            raise ValueError(f"{self.text!r} has no numeric value")
        return self.value, self.value + self.step

    def __float__(self) -> float:
        if self.value is None:
            raise ValueError(f"{self.text!r} has no numeric value")
        return float(self.value)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PValue:
    comparator: str  # one of = < > <= >=
    number: Number

    def interval(self) -> tuple[Fraction, Fraction]:
        """The p-values the printed statement admits (upper bound open)."""
        v = self.number.value
        if self.comparator == "=":
            lo, hi = self.number.interval()
            return max(lo, Fraction(0)), hi
        if self.comparator in ("<", "<="):
            return Fraction(0), v
        return v, Fraction(1)

    def __str__(self) -> str:
        return f"P {self.comparator} {self.number.text}"


@dataclass(frozen=True)
class Reported:
    """Everything a printed statement says: estimate, unit, label, p, CI and range."""

    text: str
    estimate: Number | None = None
    label: str | None = None
    unit: str | None = None
    p: PValue | None = None
    ci: tuple[Number, Number] | None = None
    ci_level: int | None = None
    range: tuple[Number, Number] | None = None

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def is_count(self) -> bool:
        e = self.estimate
        return e is not None and e.value is not None and e.decimals == 0 and self.unit != "%"

    @property
    def count(self) -> int:
        if not self.is_count:
            raise ValueError(f"{self.text!r} is not a count")
        return int(self.estimate.value)

    @property
    def value(self) -> Fraction:
        if self.estimate is None or self.estimate.value is None:
            raise ValueError(f"{self.text!r} has no numeric estimate")
        return self.estimate.value


def _normalise_unit(unit: str | None) -> str | None:
    if unit and unit != "%":
        return unit.rstrip("s") + "s"  # "month" and "months" alike
    return unit


def _normalise_comparator(c: str) -> str:
    return {"≤": "<=", "≥": ">="}.get(c, c)


@functools.lru_cache(maxsize=8192)  # registers print the same texts ("12", "50%") many times; a Reported is immutable
def parse(text: str) -> Reported:
    """Parse one printed statement; raise ParseError naming what could not be read."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty reported value")
    if text.strip().lower() in _WORDS:
        return Reported(text=text, estimate=Number(text.strip(), Fraction(_WORDS[text.strip().lower()]), 0))
    rest = text
    fields: dict = {}

    def take(pattern: re.Pattern):
        nonlocal rest
        m = pattern.search(rest)
        if m:
            rest = rest[: m.start()] + " " * (m.end() - m.start()) + rest[m.end():]
        return m

    if m := take(_P):
        fields["p"] = PValue(_normalise_comparator(m.group(1)), Number.parse(m.group(2)))
    if m := take(_CI):
        fields["ci_level"] = int(m.group(1))
        fields["ci"] = (Number.parse(m.group(2)), Number.parse(m.group(3)))
    if m := take(_RANGE):
        fields["range"] = (Number.parse(m.group(1)), Number.parse(m.group(2)))
    if "ci" not in fields and "range" not in fields and (probe := _BARE_INTERVAL.search(rest)):
        m = take(_BARE_INTERVAL)
        bounds = (Number.parse(m.group(1)), Number.parse(m.group(2)))
        if _ESTIMATE.search(rest[: probe.start()]):
            # "0.644, 0.546-0.735": an estimate, then an unlabelled interval (taken as 95% CI)
            fields["ci_level"], fields["ci"] = 95, bounds
        else:
            # "50-76.1%", "13 to 42 months": a range on its own
            fields["range"] = bounds
            if m.group(3):
                fields["unit"] = _normalise_unit(m.group(3))
    if m := take(_ESTIMATE):
        fields["label"] = m.group(1)
        fields["estimate"] = Number.parse(m.group(2))
        fields["unit"] = _normalise_unit(m.group(3))
    if not _LEFTOVER_OK.match(rest):
        leftover = " ".join(rest.split())
        raise ParseError(f"cannot parse {text!r}: unread text {leftover!r}")
    if not fields:
        raise ParseError(f"no number in {text!r}")
    return Reported(text=text, **fields)
