"""Load and validate each source's register: data/<source>/source.yml and claims.csv.

Validation collects every problem in every file before failing, and each problem names the
file, the row (the line number in the CSV, header = line 1) and the column.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..checks import registry as checks
from ..core import outcomes
from . import csvfile
from . import tables as table_cells
from ..core.reported import ParseError, Reported, parse
from ..core.types import ID_PATTERN, Problem, RegisterError, Row, Table, Source

COLUMNS = ["id", "location", "quote", "reported", "corrected", "role", "check", "expected", "note"]
# A register may add `document`: the version of the source's document a row quotes (a name under
# source.yml's `versions`); empty, or no such column, is the document `seed` names. So an update
# can be partial: re-quoted rows name the new version, the others keep quoting the old one.
OPTIONAL_COLUMNS = ["document"]
REQUIRED = ["id", "location", "quote", "reported", "role", "check", "expected"]
SOURCE_KEYS = ["id", "short", "title", "seed", "citation"]
ROLES = {"input", "claim"}


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def quote_contains(quote: str, printed: str) -> bool:
    """The printed value occurs in its quote as a whole number: "201" is not in "2018"."""
    return quote_offset(quote, printed) >= 0


def quote_offset(quote: str, printed: str) -> int:
    """Where the printed value first occurs in its quote as a whole number (both with their
    spaces normalised), or -1. (A plain search with the boundaries checked by hand: a regex per
    row would be compiled anew for every row of a large register.)"""
    text, q = normalise_space(printed), normalise_space(quote)
    numeric_start = text[:1].isdigit() or text[:1] == "."
    numeric_end = text[-1:].isdigit()
    at = q.find(text)
    while text and at >= 0:
        end = at + len(text)
        left_ok = not numeric_start or at == 0 or not (q[at - 1].isdigit() or q[at - 1] == ".")
        right_ok = not numeric_end or end == len(q) or not (
            q[end].isdigit() or (q[end] == "." and end + 1 < len(q) and q[end + 1].isdigit()))
        if left_ok and right_ok:
            return at
        at = q.find(text, at + 1)
    return -1


def _load_table(directory: Path, root: Path, name: str, spec: dict, problems: list[Problem]) -> Table | None:
    path = directory / f"{name}.csv"
    rel = str(path.relative_to(root))
    if not path.exists():
        problems.append(Problem(rel, None, None, f"table {name!r} named in source.yml is missing"))
        return None
    not_printed = tuple(str(c) for c in (spec.get("not_printed") or []))
    read = csvfile.read(path, rel, problems)
    if read is None:
        return None
    if "quote" not in read.header:
        problems.append(Problem(rel, 1, "quote", "a table needs a quote column (the printed row, verbatim)"))
        return None
    rows = []
    for line, raw in read.rows:
        if None in raw:
            problems.append(Problem(rel, line, "-", f"{len(raw[None])} field(s) more than the header has"))
            continue
        quote = (raw.get("quote") or "").strip()
        if not quote:
            problems.append(Problem(rel, line, "quote", "empty"))
        for column, cell in raw.items():
            cell = (cell or "").strip()
            if column in ("quote", *not_printed) or not cell or not quote:
                continue
            if not quote_contains(quote, cell):
                problems.append(Problem(rel, line, column, f"{cell!r} is not in the row's quote"))
        rows.append({**{k: (v or "").strip() for k, v in raw.items()}, "line": line})
    return Table(name, rel, rows, not_printed, str(spec.get("document") or ""))


def _read_source_meta(directory: Path, root: Path, problems: list[Problem]) -> dict | None:
    """source.yml, read only if it is a regular file, as bounded YAML with no repeated key
    (rederive.core.yamlfile), and validated key by key against its schema (rederive.data.source_schema)."""
    from ..core import yamlfile
    from . import source_schema
    from ..core.files import BadFile, read_bytes
    path = directory / "source.yml"
    rel = str(path.relative_to(root))
    try:
        meta, lines = yamlfile.load_with_lines(read_bytes(path).decode("utf-8-sig"))
    except FileNotFoundError:
        problems.append(Problem(rel, None, None, "missing source.yml"))
        return None
    except BadFile as exc:
        problems.append(Problem(rel, None, None, str(exc)))
        return None
    except yamlfile.YamlError as exc:
        problems.append(Problem(rel, exc.line, None, exc.message))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, None, None, f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
        return None
    meta = {} if meta is None else meta
    if not isinstance(meta, dict):
        problems.append(Problem(rel, None, None, f"must be a mapping of keys ({', '.join(SOURCE_KEYS)}), "
                                                 f"not a {type(meta).__name__}"))
        return None
    found = source_schema.problems(meta, rel, lines)
    if found:
        problems.extend(found)
        return None
    if meta["id"] != directory.name:
        problems.append(Problem(rel, lines.get(("id",)), "id", f"id {meta['id']!r} differs from folder name {directory.name!r}"))
    meta["_lines"] = lines
    return meta


def _check_citations(sources: list, root: Path, problems: list[Problem]) -> None:
    """Every source's `citation:` is a key of references.bib (where the project has one, as the
    book does; a register without a book, such as the benchmark's, has none to check against)."""
    from ..core.files import BadFile, read_bytes
    bib = root / "references.bib"
    try:
        text = read_bytes(bib).decode("utf-8")
    except FileNotFoundError:
        quarto = root / "_quarto.yml"
        if quarto.is_file() and "references.bib" in quarto.read_text(encoding="utf-8", errors="replace"):
            problems.append(Problem("references.bib", None, None, "missing (_quarto.yml names it as the bibliography)"))
        return
    except (OSError, BadFile, UnicodeDecodeError) as exc:
        problems.append(Problem("references.bib", None, None, f"cannot read: {exc}"))
        return
    keys = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))
    for source in sources:
        if source.citation not in keys:
            rel = str((source.directory / "source.yml").relative_to(root))
            problems.append(Problem(rel, source.lines.get(("citation",)), "citation",
                                    f"{source.citation!r} is not a key of references.bib"))


def impossible(r: Reported) -> list[str]:
    """What no printed value can be: a CI or range whose lower bound exceeds its upper, a P value
    outside [0, 1], a percentage above 100. Bad input, never a number to derive from."""
    out = []
    for name, pair in (("CI", r.ci), ("range", r.range)):
        if pair and not any(b.not_reached for b in pair) and pair[0].value > pair[1].value:
            out.append(f"the {name} runs from {pair[0].text} down to {pair[1].text}")
    if r.p is not None and r.p.number.value is not None and not 0 <= r.p.number.value <= 1:
        out.append(f"a P value of {r.p.number.text} is outside 0 to 1")
    elif r.p is not None and r.p.comparator in ("<", "<=", "≤") and r.p.number.value == 0:
        out.append(f"{r.p} admits no P value")
    if r.unit == "%":
        numbers = [r.estimate, *(r.range or ()), *(r.ci or ())]
        if any(n is not None and n.value is not None and n.value > 100 for n in numbers):
            out.append("a percentage above 100")
    return out


def _validate_row(raw: dict, rel: str, line: int, source: str, problems: list[Problem]) -> Row | None:
    start = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(Problem(rel, line, column, message))

    if None in raw:  # csv.DictReader puts surplus fields under the key None
        bad("-", f"{len(raw[None])} field(s) more than the header has (an unquoted comma?)")
    values = {c: (raw.get(c) or "").strip() for c in COLUMNS + OPTIONAL_COLUMNS}
    for c in REQUIRED:
        if not values[c]:
            bad(c, "empty")
    if values["id"] and not ID_PATTERN.match(values["id"]):
        bad("id", f"{values['id']!r} is not lower_snake_case")
    if values["role"] and values["role"] not in ROLES:
        bad("role", f"{values['role']!r} is not one of {sorted(ROLES)}")
    check = values["check"]
    if check and check not in checks.POSSIBLE:
        bad("check", f"unknown check {check!r}; known: {', '.join(sorted(checks.POSSIBLE))}")
    elif check and values["role"] == "input" and check not in checks.INPUT_CHECKS:
        bad("check", f"an input can only carry a consistency check ({', '.join(sorted(checks.INPUT_CHECKS))}), not {check!r}")
    elif check and values["role"] == "claim" and check not in checks.CLAIM_CHECKS:
        bad("check", "a claim needs a re-derivation, not 'none'")
    expected = values["expected"]
    if expected and check in checks.POSSIBLE and expected not in checks.POSSIBLE[check]:
        bad("expected", f"{expected!r} is not an outcome of {check!r} ({', '.join(sorted(checks.POSSIBLE[check]))})")
    if expected and expected not in outcomes.GOOD and not values["note"]:
        bad("note", f"expected outcome {expected!r} must be explained in the note")
    if values["corrected"] and not values["note"]:
        bad("note", "a corrected value needs the reason in the note")
    elif values["corrected"]:
        # a correction reads what is printed: each of its numbers is printed, or the note says where it comes from
        for number in re.findall(r"(?<![\d.])(?:\d+(?:\.\d+)?|\.\d+)", values["corrected"]):
            if not any(quote_contains(text, number) for text in (values["reported"], values["note"])):
                bad("corrected", f"{number} is neither printed in 'reported' nor explained in the note")

    parsed = None
    text = values["corrected"] or values["reported"]
    column = "corrected" if values["corrected"] else "reported"
    if text and check == "verbal":  # words, not a number: what they assert is decided by a derivation
        parsed = Reported(text=text)
    elif text:
        try:
            parsed = parse(text)
        except ParseError as exc:
            hint = "" if values["corrected"] else " (if the source printed it so, add a documented correction)"
            bad(column, f"{exc}{hint}")
    if parsed is not None:
        for message in impossible(parsed):
            bad(column, message)
        if check in ("percent_of_counts", "grim") and parsed.unit not in ("%", None):
            bad(column, f"a percentage check needs a value printed as a percentage, not in {parsed.unit}")
    if parsed is not None and check in checks.INTRINSIC:
        needs = checks.NEEDS.get(check, ())
        missing = [n for n in needs if getattr(parsed, n) is None]
        if missing:
            bad(column, f"check {check!r} needs {', '.join(missing)} in the value, found none")
        elif check == "p_from_ci" and any(b.not_reached for b in parsed.ci):
            bad(column, "check 'p_from_ci' needs both CI bounds as numbers")
        elif check == "p_from_ci":
            # its P comes from the logarithms of the estimate and bounds, and the CI's width
            zero = [n.text for n in (parsed.estimate, *parsed.ci) if n.interval()[0] <= 0]
            if zero:
                bad(column, f"a ratio's estimate and CI bounds must print above 0 (a P value from its CI takes "
                            f"their logarithm), not {', '.join(zero)}")
            elif parsed.ci[0].value == parsed.ci[1].value:
                bad(column, f"the CI {parsed.ci[0].text}-{parsed.ci[1].text} has equal bounds: no standard error "
                            "to derive a P value from")
    if len(problems) > start:
        return None
    return Row(source=source, file=rel, line=line, value=parsed, **values)


def load_source(directory: Path, root: Path, problems: list[Problem]) -> Source | None:
    meta = _read_source_meta(directory, root, problems)
    path = directory / "claims.csv"
    rel = str(path.relative_to(root))
    read = csvfile.read(path, rel, problems)
    if read is None:
        return None
    missing = [c for c in REQUIRED if c not in read.header]
    unknown = [c for c in read.header if c not in COLUMNS + OPTIONAL_COLUMNS]
    for c in missing:
        problems.append(Problem(rel, 1, c, "column missing from header"))
    for c in unknown:
        problems.append(Problem(rel, 1, c, f"unknown column (expected {', '.join(COLUMNS)}, optionally {', '.join(OPTIONAL_COLUMNS)})"))
    if missing:
        return None
    rows = []
    for line, raw in read.rows:
        row = _validate_row(raw, rel, line, directory.name, problems)
        if row is not None:
            rows.append(row)
    if meta is None:
        return None
    tables = {}
    rel_yml = str((directory / "source.yml").relative_to(root))
    for name, spec in (meta.get("tables") or {}).items():
        table = _load_table(directory, root, name, spec, problems)
        if table is not None:
            tables[name] = table
            rows.extend(table_cells.cell_rows(directory.name, table, spec or {}, rel_yml, problems))
    versions = {str(k): dict(v) for k, v in (meta.get("versions") or {}).items()}
    for row in rows:
        if row.document and row.document not in versions:
            problems.append(Problem(row.file, row.line, "document", _unknown_version(row.document, versions, rel_yml)))
    for table in tables.values():
        if table.document and table.document not in versions:
            problems.append(Problem(rel_yml, None, f"tables.{table.name}.document",
                                    _unknown_version(table.document, versions, rel_yml)))
    return Source(id=directory.name, short=str(meta.get("short", "")), title=str(meta.get("title", "")),
                  seed=str(meta.get("seed", "")), citation=str(meta.get("citation", "")),
                  read_kind=str((meta.get("read") or {}).get("kind", "")), read_page=str((meta.get("read") or {}).get("page", "")),
                  directory=directory, rows=rows, tables=tables, lines=meta.get("_lines", {}),
                  document=dict(meta.get("document") or {}), versions=versions)


def _unknown_version(name: str, versions: dict, rel_yml: str) -> str:
    known = ", ".join(sorted(versions)) or "none"
    return f"{name!r} is not a version of the document listed under versions in {rel_yml} (listed: {known})"


def load_all(root: Path) -> list[Source]:
    """Every source under root/data, validated together; RegisterError lists all problems."""
    problems: list[Problem] = []
    data = root / "data"
    if not data.is_dir():
        raise RegisterError([Problem("data", None, None, "no data folder: the registers live in data/<source>/")])
    sources = []
    for directory in sorted(p for p in data.iterdir() if p.is_dir()):
        src = load_source(directory, root, problems)
        if src is not None:
            sources.append(src)
    _check_citations(sources, root, problems)
    seen: dict[str, Row] = {}
    for src in sources:
        for row in src.rows:
            if row.id in seen:
                first = seen[row.id]
                problems.append(Problem(row.file, row.line, "id", f"duplicate id {row.id!r} (first at {first.file}:{first.line})"))
            else:
                seen[row.id] = row
    if problems:
        raise RegisterError(problems)
    return sources
