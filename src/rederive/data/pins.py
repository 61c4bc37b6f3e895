"""data/analyses.csv: the pinned value of every result the report computes itself.

Columns: id (analysis name and key, dotted), value (as pinned), digits (significant digits a
float is pinned to; blank for counts and text), note (why a pin was set or changed).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from . import csvfile
from ..core.types import Problem

FILE = "data/analyses.csv"
COLUMNS = ["id", "value", "digits", "note"]


@dataclass(frozen=True)
class Pin:
    id: str
    value: str
    digits: str
    note: str
    line: int


MAX_DIGITS = 17  # a double holds no more


def load(root: Path, problems: list[Problem], missing_ok: bool = False) -> dict[str, Pin]:
    """The pins; a missing file is bad input (every result the report computes is pinned), except
    to `rederive pin`, which writes it."""
    path = root / FILE
    if not path.exists() and not path.is_symlink():
        if not missing_ok:
            problems.append(Problem(FILE, None, None, "missing: every result the report computes is pinned here "
                                                      "(python -m rederive pin writes it)"))
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
        if values["digits"] and not (values["digits"].isdigit() and 1 <= int(values["digits"]) <= MAX_DIGITS):
            problems.append(Problem(FILE, line, "digits", f"{values['digits']!r} is not a number of significant "
                                                          f"digits (a whole number from 1 to {MAX_DIGITS})"))
            continue
        if values["id"] in pins:
            problems.append(Problem(FILE, line, "id", f"duplicate id {values['id']!r}"))
            continue
        pins[values["id"]] = Pin(line=line, **values)
    return pins


def write(root: Path, pins: list[dict]) -> None:
    """Atomically (rederive.core.files): a full disk leaves the previous file byte for byte."""
    import io

    from ..core.files import write_atomically
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(pins)
    write_atomically(root / FILE, buffer.getvalue())
