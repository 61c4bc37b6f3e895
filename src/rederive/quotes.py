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

from .register import Problem, Source, normalise_space

ENV = "REDERIVE_SEEDS"


def seeds_folder(root: Path) -> Path:
    return Path(os.environ.get(ENV) or root.parent / "shared" / "seeds")


def verify(sources: list[Source], root: Path) -> tuple[list[Problem], str]:
    """(problems, a line saying what was verified)."""
    folder = seeds_folder(root)
    if not folder.is_dir():
        return [], f"quotes: not verified (the source documents are not present at {folder})"
    problems, quotes, unverified = [], 0, []
    for source in sources:
        path = folder / source.seed
        meta = str((source.directory / "source.yml").relative_to(root))
        if not path.is_file():
            problems.append(Problem(meta, None, "seed", f"{source.seed!r} is not among the source documents in {folder}"))
            continue
        try:
            data = path.read_bytes()
            text = normalise_space(data.decode("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(meta, None, "seed", f"cannot read {source.seed!r}: {exc}"))
            continue
        recorded = source.document.get("sha256")
        found = hashlib.sha256(data).hexdigest()
        if recorded and found != recorded:
            unverified.append(f"{source.id} ({source.seed} is a different version of the document: sha256 {found}, "
                              f"{meta} records {recorded}; to quote this version, set document.sha256 to its hash in "
                              f"{meta}, then python -m rederive update {source.id})")
            continue
        for row in source.rows:
            quotes += 1
            if normalise_space(row.quote) not in text:
                problems.append(Problem(row.file, row.line, "quote", f"not verbatim in {source.seed}"))
        for table in source.tables.values():
            for r in table.rows:
                quotes += 1
                if normalise_space(r["quote"]) not in text:
                    problems.append(Problem(table.file, r["line"], "quote", f"not verbatim in {source.seed}"))
    line = f"quotes: all {quotes} verbatim in their source documents ({folder})"
    if unverified:
        line += f"; not verified, {len(unverified)} document(s): " + "; ".join(unverified)
    return problems, line
