"""data/analyses.csv: the pinned value of every result the report computes itself.

Columns: id (analysis name and key, dotted), value (as pinned), digits (significant digits a
float is pinned to; blank for counts and text), note (why a pin was set or changed).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from . import csvfile
from .register import Problem

FILE = "data/analyses.csv"
COLUMNS = ["id", "value", "digits", "note"]


@dataclass(frozen=True)
class Pin:
    id: str
    value: str
    digits: str
    note: str
    line: int


def load(root: Path, problems: list[Problem]) -> dict[str, Pin]:
    path = root / FILE
    if not path.exists():
        return {}
    pins: dict[str, Pin] = {}
    read = csvfile.read(path, FILE, problems)
    if read is None:
        return {}
    if read.header != COLUMNS:
        problems.append(Problem(FILE, 1, None, f"header must be {','.join(COLUMNS)}"))
        return {}
    for line, raw in read.rows:
        if None in raw:
            problems.append(Problem(FILE, line, "-", "more fields than the header has"))
            continue
        values = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not values["id"] or not values["value"]:
            problems.append(Problem(FILE, line, "id" if not values["id"] else "value", "empty"))
            continue
        if values["digits"] and not values["digits"].isdigit():
            problems.append(Problem(FILE, line, "digits", f"{values['digits']!r} is not a whole number"))
            continue
        if values["id"] in pins:
            problems.append(Problem(FILE, line, "id", f"duplicate id {values['id']!r}"))
            continue
        pins[values["id"]] = Pin(line=line, **values)
    return pins


def write(root: Path, pins: list[dict]) -> None:
    with (root / FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(pins)
