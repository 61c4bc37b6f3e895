"""What a check returns: the outcome, the derived value as data, and its display text."""
from __future__ import annotations

from dataclasses import dataclass

from .values import Value


@dataclass(frozen=True)
class Result:
    outcome: str
    value: Value | None  # the derived value as data (None: nothing to derive)
    shown: str = ""  # the derived value as the ledger shows it
    detail: str = ""
    # The register ids of the printed values the derived value was taken from, where the derivation
    # knows better than its reads (a range that matches the percentages as printed, not their
    # counts). None: the values it read (rederive.data.inputs) are what it rests on (rederive.ledger.travel).
    rests_on: tuple | None = None
