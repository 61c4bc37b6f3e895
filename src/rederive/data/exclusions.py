"""Load and validate data/<source>/exclusions.csv: the printed numbers the report deliberately leaves out.

Each row names a short verbatim context from the source document and one reason from a fixed
list; every number inside that context (all its occurrences) is accounted for as excluded. An
optional `through` names where the excluded span ends (for a reference list or a block of
continuing-education text, which would be too long to quote): the span then runs from the start
of `context` to the end of the first occurrence of `through` after it.

The reasons are the kinds of number that are not results of the study. Whether a row hides a
result is decided by the audit (coverage.py), which refuses any exclusion covering a number
that reads as one.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import csvfile
from ..core.types import Problem

COLUMNS = ["context", "through", "reason", "note"]
REQUIRED = ["context", "reason"]
REASONS = (
    "date",
    "reference or citation number",
    "page furniture",
    "continuing-education text",
    "reference list",
    "trial identifier",
    "definition or threshold",
    "dosing",
)


@dataclass(frozen=True)
class Exclusion:
    file: str
    line: int
    context: str
    through: str
    reason: str
    note: str


def load(directory: Path, root: Path, problems: list[Problem]) -> list[Exclusion]:
    """The source's exclusions (none when the file does not exist); problems are appended."""
    path = directory / "exclusions.csv"
    if not path.exists():
        return []
    rel = str(path.relative_to(root))
    read = csvfile.read(path, rel, problems)
    if read is None:
        return []
    header = read.header
    for c in [c for c in REQUIRED if c not in header]:
        problems.append(Problem(rel, 1, c, "column missing from header"))
    for c in [c for c in header if c not in COLUMNS]:
        problems.append(Problem(rel, 1, c, f"unknown column (expected {', '.join(COLUMNS)})"))
    if any(c not in header for c in REQUIRED):
        return []
    found = []
    for line, raw in read.rows:
        if None in raw:
            problems.append(Problem(rel, line, "-", f"{len(raw[None])} field(s) more than the header has"))
            continue
        values = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(values.values()):
            continue
        bad = False
        for c in REQUIRED:
            if not values[c]:
                problems.append(Problem(rel, line, c, "empty"))
                bad = True
        if values["reason"] and values["reason"] not in REASONS:
            problems.append(Problem(rel, line, "reason", f"{values['reason']!r} is not one of: {'; '.join(REASONS)}"))
            bad = True
        if not bad:
            found.append(Exclusion(file=rel, line=line, **values))
    return found
