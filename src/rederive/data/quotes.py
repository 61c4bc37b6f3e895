"""Is every quote verbatim in its source document? Checked wherever the documents are present.

The documents (../shared/seeds/, or the folder REDERIVE_SEEDS names) are copies of copyrighted
pages and are never shipped, so a clone without them still checks and renders; where they are
present, `check` also refuses a quote (of a register row or of a printed table's row) that does
not occur in its document, and a document named in source.yml that does not exist. That is what
catches an edit of a number together with its quote.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..core.types import Problem, Source
from .register import normalise_space

ENV = "REDERIVE_SEEDS"


def seeds_folder(root: Path) -> Path:
    return Path(os.environ.get(ENV) or root.parent / "shared" / "seeds")


def verify(sources: list[Source], root: Path) -> tuple[list[Problem], str]:
    """(problems, a line saying what was verified). Each quote is verified against the version of
    the document its row names (source.yml `versions`; the `seed` document by default), and only
    where that version's text copy has the hash source.yml records for it."""
    folder = seeds_folder(root)
    if not folder.is_dir():
        return [], f"quotes: not verified (the source documents are not present at {folder})"
    problems, quotes, unverified = [], 0, []
    for source in sources:
        meta = str((source.directory / "source.yml").relative_to(root))
        for version, quoted in _quotes_by_version(source).items():
            seed = source.seed_of(version)
            key = f"versions.{version}." if version else ""
            path = folder / seed
            if not path.is_file():
                problems.append(Problem(meta, None, key + "seed", f"{seed!r} is not among the source documents in {folder}"))
                continue
            try:
                data = path.read_bytes()
                text = normalise_space(data.decode("utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(meta, None, key + "seed", f"cannot read {seed!r}: {exc}"))
                continue
            recorded = source.recorded_hash(version)
            found = hashlib.sha256(data).hexdigest()
            if recorded and found != recorded:
                where = f"versions.{version}.sha256" if version else "document.sha256"
                unverified.append(f"{source.id} ({seed} is a different version of the document: sha256 {found}, "
                                  f"{meta} records {recorded}; to quote this version, set {where} to its hash in "
                                  f"{meta}, then python -m rederive update {source.id})")
                continue
            for file, line, quote in quoted:
                quotes += 1
                if normalise_space(quote) not in text:
                    problems.append(Problem(file, line, "quote", f"not verbatim in {seed}"))
    line = f"quotes: all {quotes} verbatim in their source documents ({folder})"
    if unverified:
        line += f"; not verified, {len(unverified)} document(s): " + "; ".join(unverified)
    return problems, line


def _quotes_by_version(source: Source) -> dict[str, list[tuple[str, int, str]]]:
    """(file, line, quote) of every register row and printed-table row, by the document version
    it quotes; the `seed` document ("") first, and always present, so that it is verified too."""
    out: dict[str, list] = {"": []}
    for row in source.rows:
        if row.file.endswith("claims.csv"):  # a table's cells are quoted once, by its rows below
            out.setdefault(row.document, []).append((row.file, row.line, row.quote))
    for table in source.tables.values():
        for r in table.rows:
            out.setdefault(table.document, []).append((table.file, r["line"], r["quote"]))
    return out
