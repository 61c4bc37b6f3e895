"""Words that judge a number, chosen by code from the number, never typed in prose.

Each function states its thresholds and where they come from, so a value that crosses one
changes the word on the page (tests/book/test_judgements.py moves values across each threshold).
"""
from __future__ import annotations

from fractions import Fraction

ALPHA = 0.05


def heterogeneity(i2: float) -> str:
    """Higgins' I² in the thresholds Shen 2025 states in its methods: <=25% low, 26-50%
    moderate, >50% substantial; exactly 0 is no heterogeneity."""
    if i2 <= 0:
        return "no"
    if i2 <= 25:
        return "low"
    if i2 <= 50:
        return "moderate"
    return "substantial"


def significant(p: float, alpha: float = ALPHA) -> bool:
    return p < alpha


def difference(p: float, alpha: float = ALPHA) -> str:
    """"a difference at the 5% level" or "no difference at the 5% level"."""
    level = f"{100 * alpha:g}%"
    return f"a difference at the {level} level" if significant(p, alpha) else f"no difference at the {level} level"


def supported(p: float, alpha: float = ALPHA) -> str:
    return "is supported" if significant(p, alpha) else "is not supported"


def share(percent) -> str:
    """How much of a group a percentage is, in words: all, nearly all (>= 90%), most (> 50%),
    half, almost half (>= 40%), a minority (> 0), none."""
    x = Fraction(percent)
    if x >= 100:
        return "all"
    if x >= 90:
        return "nearly all"
    if x > 50:
        return "most"
    if x == 50:
        return "half"
    if x >= 40:
        return "almost half"
    if x > 0:
        return "a minority"
    return "none"


_FRACTIONS = [(Fraction(1, 4), "a quarter"), (Fraction(1, 3), "a third"), (Fraction(1, 2), "half"),
              (Fraction(2, 3), "two thirds"), (Fraction(3, 4), "three quarters")]


def about(proportion, tolerance: float = 0.05) -> str | None:
    """"about half", "about a third": the simple fraction within `tolerance` of a proportion in
    [0, 1], or None when none is that close (then say the number instead)."""
    x = float(proportion)
    value, word = min(_FRACTIONS, key=lambda fw: abs(float(fw[0]) - x))
    return f"about {word}" if abs(float(value) - x) <= tolerance else None


def wider(width: float, reference: float) -> str:
    """"wider", "narrower" or "as wide" (within 1%), comparing two interval widths."""
    if abs(width - reference) <= 0.01 * reference:
        return "as wide"
    return "wider" if width > reference else "narrower"


def how_many(count: int, total: int) -> str:
    """"all 6", "none of the 6", "4 of the 6"."""
    if count == total:
        return f"all {total}" if total != 2 else "both"
    if count == 0:
        return f"none of the {total}"
    return f"{count} of the {total}"


def largest(ranges: list[tuple[int, int]]) -> int | None:
    """The group that must be the largest: its smallest possible size exceeds every other
    group's largest possible size. None when the ranges do not settle it."""
    for i, (low, _) in enumerate(ranges):
        if all(low > high for j, (_, high) in enumerate(ranges) if j != i):
            return i
    return None
