"""Read a register CSV the way a spreadsheet may have saved it, or say exactly why not.

Accepted: a UTF-8 byte-order mark ("CSV UTF-8" in spreadsheet programs), CRLF line ends,
trailing blank lines. Refused as bad input, each with the file, the line and, where it helps,
the column: a path that is not a file, bytes that are not UTF-8, a NUL byte, a field over the
csv module's size limit, quoting the csv module cannot read. The csv module raises these as
exceptions with no file name; this module is the one place that turns them into located
problems (types.Problem).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

FIELD_LIMIT = 100_000  # characters in one cell; a quote or note is never near this


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict]]  # (line number in the file, {column: cell}); surplus cells under None


def _decode(data: bytes, rel: str, problems: list) -> str | None:
    from ..core.types import Problem
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(rel, line, None, f"not UTF-8: byte 0x{data[exc.start]:02x} at character {column}"
                                                 " (save the file as CSV UTF-8)"))
        return None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        problems.append(Problem(rel, line, None, "a NUL byte (the file is binary or damaged)"))
        return None
    return text


def read(path: Path, rel: str, problems: list) -> Table | None:
    """The file's header and rows, or None with the problems appended."""
    from ..core.files import BadFile, read_bytes
    from ..core.types import Problem
    try:
        data = read_bytes(path)  # only a regular file: a named pipe would block for ever
    except FileNotFoundError:
        problems.append(Problem(rel, None, None, "missing"))
        return None
    except (BadFile, IsADirectoryError) as exc:
        problems.append(Problem(rel, None, None, str(exc) if isinstance(exc, BadFile) else "a folder, not a regular file"))
        return None
    except OSError as exc:
        problems.append(Problem(rel, None, None, f"cannot read: {exc.strerror or exc}"))
        return None
    text = _decode(data, rel, problems)
    if text is None:
        return None
    previous = csv.field_size_limit()
    csv.field_size_limit(FIELD_LIMIT)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            header = [(h or "").strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows, last = [], 1
            for raw in reader:
                last = reader.line_num
                if not any((v or "").strip() if isinstance(v, str) else v for v in raw.values()):
                    continue  # a blank line, as spreadsheets leave at the end
                rows.append((reader.line_num, raw))
        except csv.Error as exc:  # the record that failed starts on the line after the last one read
            problems.append(Problem(rel, last + 1, None, f"not readable as CSV: {exc}"))
            return None
    finally:
        csv.field_size_limit(previous)
    return Table(header, rows)
