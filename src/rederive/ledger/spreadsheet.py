"""Neutralise spreadsheet formulas in the CSV export (CSV injection, as OWASP describes it).

A methodologist opens ledger.csv in a spreadsheet; a text cell beginning with `=`, `+`, `-`,
`@`, a tab or a carriage return would be read there as a formula. OWASP's recommendation: prefix
such a cell with a single quote, so that it is shown as the text it is (the csv module already
quotes the field and doubles any double quote in it). A cell that is a plain number ("-0.5",
"+3") is left as it is: a spreadsheet reads it as that number, never as a formula. Only the CSV
export is neutralised; the JSON export carries every value exactly.
"""
from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value):
    """The value as a spreadsheet should show it: text that could start a formula gets a leading '."""
    if not isinstance(value, str) or not value.startswith(TRIGGERS) or _PLAIN_NUMBER.fullmatch(value) \
            or value == "-":  # the ledger's "nothing derived": no formula starts and ends with one dash
        return value
    return "'" + value


def neutralise_row(row: dict) -> dict:
    return {key: neutralise(value) for key, value in row.items()}
