"""The types every layer shares: a register row, its source and printed tables, and a problem
located by file, row and column, with the error that carries them all.

They stand at the bottom (rederive.core) so that reading data/, the checks and the ledger can all
use them without importing one another: csvfile, tables and register no longer import each other
in a circle. A printed value is rederive.core.reported; a derived value, rederive.core.values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .reported import Reported

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        # a column name read from a damaged header is shown escaped if it holds a line break or
        # another unprintable character (U+0085 ends a line for str.splitlines): one problem, one line
        column = self.column if self.column is None or self.column.isprintable() else repr(self.column)[1:-1]
        where = self.file + (f":{self.row}" if self.row else "") + (f" [{column}]" if column else "")
        return f"{where}: {self.message}"


class RegisterError(Exception):
    """Bad input: carries every problem found, so they can all be reported at once."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the register")
        self.problems = problems


@dataclass(frozen=True)
class Row:
    source: str
    file: str
    line: int
    id: str
    location: str
    quote: str
    reported: str  # exactly as printed
    corrected: str  # the documented correction of a malformed printed value, or ""
    role: str
    check: str
    expected: str
    note: str
    value: Reported  # parsed from `corrected` when there is one, else from `reported`
    document: str = ""  # the version of the document quoted (source.yml `versions`), "" for `seed`


@dataclass(frozen=True)
class Table:
    """A table printed by the source, one CSV row per printed row: cells as printed, plus the
    row's verbatim `quote`. Columns in `not_printed` are this report's own (a subgroup label)."""

    name: str
    file: str
    rows: list[dict]
    not_printed: tuple = ()
    document: str = ""  # the version of the document its quotes come from, "" for `seed`


@dataclass
class Source:
    id: str
    short: str
    title: str
    seed: str
    citation: str
    directory: Path
    read_kind: str = ""  # what the report read: full article, news article, education summary, preprint abstract
    read_page: str = ""  # the web page it was read from, as the page names itself
    rows: list[Row] = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict, compare=False, repr=False)  # source.yml's key paths -> line
    document: dict = field(default_factory=dict, compare=False)  # source.yml's `document`: the version quoted
    versions: dict = field(default_factory=dict, compare=False)  # source.yml's `versions`: later versions, by name

    def seed_of(self, version: str) -> str:
        """The text copy of a version of the document ("" is the one `seed` names)."""
        return self.versions[version]["seed"] if version else self.seed

    @property
    def current_seed(self) -> str:
        """The text copy of the latest version of the document (the last under `versions`, else `seed`):
        what the coverage audit accounts for."""
        return self.seed_of(list(self.versions)[-1]) if self.versions else self.seed

    def recorded_hash(self, version: str) -> str | None:
        return (self.versions[version] if version else self.document).get("sha256")

    def row(self, row_id: str) -> Row:
        for r in self.rows:
            if r.id == row_id:
                return r
        raise KeyError(row_id)
