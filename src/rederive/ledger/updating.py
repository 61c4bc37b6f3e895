"""`python -m rederive update SOURCE [--note NOTE]`: walk a maintainer through a source's update.

Without --note it runs the check and shows every consequence of the source's new numbers,
grouped by kind (quotes not found in the document, outcomes that changed, the report's results
that moved, statements that no longer hold), old and new side by side, each with the command
that addresses it. With --note it re-pins exactly the moved results that read this source's
values (named, one by one, through `rederive pin`) and nothing else: no pin of another source,
no register row, nothing removed unless named. Register outcomes are never accepted here: a
changed outcome is a finding, set in the register's `expected` with its note by hand.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..data import quotes
from .ledger import ANALYSIS_ROLE, REPORT, Ledger
from ..core.types import Problem

NOTE_HINT = '--note "what changed in the source"'


def input_sources(ledger: Ledger) -> dict[str, str]:
    """{register id or table path: source id}."""
    owner = {}
    for source in ledger.sources.values():
        for row in source.rows:
            owner[row.id] = source.id
        for name in source.tables:
            owner[f"{source.id}/{name}.csv"] = source.id
    return owner


def sources_read(row, owner: dict[str, str]) -> set[str]:
    """The sources whose values a ledger row's derivation or analysis read (its own, at least)."""
    read = {owner[i] for i in row.inputs if i in owner}
    if row.source in owner.values():
        read.add(row.source)
    return read


def remedy(row, ledger: Ledger, owner: dict[str, str] | None = None) -> str:
    """The command that addresses one unexpected outcome (ends every failing `check` line)."""
    owner = owner if owner is not None else input_sources(ledger)
    if row.role == ANALYSIS_ROLE:
        if "no pin" in row.detail:
            return "python -m rederive pin"
        read = sorted(sources_read(row, owner))
        if len(read) == 1:
            return f"python -m rederive update {read[0]} {NOTE_HINT}"
        if read:  # a result that reads several sources moves with whichever of them changed
            return f"python -m rederive update {'|'.join(read)} {NOTE_HINT} (the source that changed)"
        return f'python -m rederive pin --update {row.id} --note "why it moved"'
    if row.source == REPORT:
        return f"revise the statement at {row.file}:{row.line}, then python -m rederive check"
    return f"if the new outcome is right, set expected (and note) at {row.file}:{row.line}; then python -m rederive check"


def quote_remedy(problem: Problem, ledger: Ledger) -> str:
    source = next((s.id for s in ledger.sources.values() if problem.file.startswith(f"data/{s.id}/")), None)
    if source is None:
        return ""
    return (f"the document read may be a new version: edit the quote to the document's words, then "
            f"python -m rederive update {source}")


def walk(root: Path, ledger: Ledger, source: str, note: str | None) -> int:
    if source not in ledger.sources:
        print(f"rederive update: no source {source!r}; the sources are {', '.join(ledger.sources)}", file=sys.stderr)
        return 2
    if note is not None and not note.strip():
        print("rederive update: --note must say what changed in the source", file=sys.stderr)
        return 2
    owner = input_sources(ledger)
    quote_problems, verified = quotes.verify([ledger.sources[source]], root)
    bad = ledger.unexpected()
    ours = [r for r in bad if source in sources_read(r, owner)]
    outcome_changes = [r for r in ours if r.role != ANALYSIS_ROLE]
    moved = [r for r in ours if r.role == ANALYSIS_ROLE]
    statements = [r for r in bad if r.source == REPORT]
    others = [r for r in bad if r not in ours and r not in statements]

    print(f"update {source}: what its numbers change\n{verified}")
    print(f"\nquotes not found in the document ({len(quote_problems)}):")
    for p in quote_problems:
        print(f"  {p} -> {quote_remedy(p, ledger)}")
    print(f"\noutcomes that changed ({len(outcome_changes)}): expected -> now, reported, derived")
    for r in outcome_changes:
        print(f"  {r.id}: {r.expected} -> {r.outcome}; reported {r.reported!r}, derived {r.derived or '-'}"
              f" -> {remedy(r, ledger, owner)}")
    print(f"\nthe report's results that moved ({len(moved)}): pinned -> now")
    for group in sorted({r.source for r in moved}):
        rows = [r for r in moved if r.source == group]
        print(f"  {group} ({len(rows)}):")
        for r in rows:
            print(f"    {r.id}: {r.reported} -> {r.derived}")
    print(f"\nthe report's statements that no longer hold ({len(statements)}):")
    for r in statements:
        print(f"  {r.id}: {r.detail or r.derived} -> {remedy(r, ledger, owner)}")
    if others:
        print(f"\n{len(others)} unexpected outcome(s) that read no value of {source} (not this update's; "
              f"python -m rederive check lists them)")

    if note is None:
        if moved:
            print(f"\nto accept the {len(moved)} moved result(s) above, and only those: "
                  f"python -m rederive update {source} {NOTE_HINT}")
        return 0 if not bad and not quote_problems else 1
    if quote_problems:
        print(f"\nnothing accepted: the quotes of {source} must be verbatim in its document first", file=sys.stderr)
        return 1
    if not moved:
        print(f"\nnothing to accept for {source}")
        return 0 if not bad else 1
    from .pinning import pin
    print(f"\naccepting {len(moved)} moved result(s) of {source}, note: {note}")
    done = pin(root, [r.id for r in moved], f"{source} update: {note}")
    left = len(outcome_changes) + len(statements) + len(others)
    if left:
        print(f"{left} unexpected outcome(s) remain, which only an edit of the register or a statement "
              "resolves (listed above); then python -m rederive check")
    return done if done else (1 if left else 0)
