"""Values as text, in the style of a clinical journal. The one place numbers become words.

P values as "P = .007" or "P < .001" (never "6.01e-06" or "0.000"), percentages with their
places, counts with their nouns in the right number, lists joined as prose.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def number(x, digits: int = 4) -> str:
    """x to `digits` significant digits, positional (no exponent), trailing zeros dropped."""
    x = float(x)
    if x == 0:
        return "0"
    if math.isinf(x):
        return "infinity"
    return np.format_float_positional(x, precision=digits, unique=False, fractional=False, trim="-")


def fixed(x, places: int) -> str:
    """x with exactly `places` decimals, rounded half-up on its exact decimal value."""
    q = Fraction(x) * 10**places
    n = math.floor(q + Fraction(1, 2))
    sign = "-" if n < 0 else ""
    n = abs(n)
    whole, frac = divmod(n, 10**places)
    return f"{sign}{whole}" + (f".{frac:0{places}d}" if places else "")


def percent(x, places: int = 1) -> str:
    """A percentage (43.27 -> "43.3%")."""
    return f"{fixed(x, places)}%"


def proportion(x, places: int = 1) -> str:
    """A proportion in [0, 1] as a percentage (0.4327 -> "43.3%")."""
    return percent(Fraction(x) * 100, places)


def proportion_interval(low, high, places: int = 1) -> str:
    return f"{fixed(Fraction(low) * 100, places)}-{percent(Fraction(high) * 100, places)}"


def share(numerator: int, denominator: int, places: int = 2) -> str:
    """"40/92 = 43.48%"."""
    return f"{numerator}/{denominator} = {percent(Fraction(100 * numerator, denominator), places)}"


def p(value: float) -> str:
    """A P value as a clinical journal prints it: "P < .001", "P = .007", "P = .04", "P > .99"."""
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"not a P value: {value}")
    if value < 0.001:
        return "P < .001"
    if value > 0.99:
        return "P > .99"
    places = 3 if value < 0.1 else 2
    text = fixed(value, places)
    if text in ("0.05", "0.050") and value != 0.05:  # never let rounding land on the threshold
        text = fixed(value, 3 if places == 2 else 4)
    return f"P = {text.lstrip('0')}"


def p_range(low: float, high: float) -> str:
    """The range of P values a printed interval allows, e.g. "P from .0061 to .0074"."""
    return f"P from {p_digits(low)} to {p_digits(high)}"


def p_digits(value: float) -> str:
    """A P value's digits alone, as a range of them shows it (".0061", "<.0001")."""
    if value < 1e-4:
        return "<.0001"
    return number(value, 2).lstrip("0") if value < 1 else "1"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """"1 patient", "2 patients"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def words(n: int) -> str:
    """Small counts spelled as in prose ("four"); larger ones as digits."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def join(items, last: str = "and") -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    if not items:
        return ""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def span(low, high, unit: str = "") -> str:
    """"30-52", or just "30" when both ends agree."""
    return f"{low}{unit}" if low == high else f"{low}-{high}{unit}"


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]
