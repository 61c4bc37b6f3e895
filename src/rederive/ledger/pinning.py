"""`python -m rederive pin`: add pins for new analysis results; re-pin moved ones only by name
and with a note, so that no change of a shown result is ever absorbed silently."""
from __future__ import annotations

import sys
from pathlib import Path

from .. import analyses
from ..data import pins
from . import cache as analysis_cache
from ..core.types import Problem, RegisterError
from ..data.register import load_all


def pin(root: Path, update: list[str] | None, note: str) -> int:
    """`update` None: add pins for new results only. A list: also re-pin (or drop, for a result
    no analysis gives any more) exactly the ids or prefixes it names. Nothing else changes."""
    if update is not None and not update:
        print("rederive pin: --update needs the ids (or prefixes ending in '.') of the results to re-pin; "
              "`python -m rederive check` lists the moved ones, `python -m rederive update SOURCE --note ...` "
              "re-pins those of one source", file=sys.stderr)
        return 2
    update = update or []
    if update and not note.strip():
        print("rederive pin: --update needs --note saying why the results moved", file=sys.stderr)
        return 2
    problems: list[Problem] = []
    try:
        sources = load_all(root)
    except RegisterError as exc:
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    cache = analysis_cache.load(root)  # each result reused only while its inputs and the engine are unchanged
    found = analyses.run(sources, problems, cache)
    analysis_cache.save(root, cache)
    failed = [a for a in found if a.error]
    for a in failed:
        print(f"rederive pin: {a.name} cannot be computed from the register's values ({a.error}); nothing written",
              file=sys.stderr)
    if failed:
        return 1
    current = {f"{a.name}.{k}": v for a in found for k, v in analyses.flatten(a.result).items()}
    existing = pins.load(root, problems, missing_ok=True)
    if problems:
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    names = lambda u, row_id: row_id == u or (u.endswith(".") and row_id.startswith(u))  # noqa: E731
    wanted = lambda row_id: any(names(u, row_id) for u in update)  # noqa: E731
    unmatched = [u for u in update if not any(names(u, row_id) for row_id in [*current, *existing])]
    if unmatched:
        for u in unmatched:
            print(f"rederive pin: --update {u!r} names no result (give ids, or a prefix ending in '.'); "
                  "nothing written", file=sys.stderr)
        return 2
    rows, added, updated, moved = [], 0, 0, []
    for row_id, value in current.items():
        old = existing.get(row_id)
        digits = old.digits if old else (str(analyses.DEFAULT_DIGITS) if _is_float(value) else "")
        text = analyses.pin_text(value, int(digits or analyses.DEFAULT_DIGITS))
        if old is None:
            rows.append({"id": row_id, "value": text, "digits": digits, "note": note or "first pinned"})
            added += 1
        elif analyses.matches(value, old.value, old.digits):
            rows.append({"id": row_id, "value": old.value, "digits": old.digits, "note": old.note})
        elif wanted(row_id):
            rows.append({"id": row_id, "value": text, "digits": old.digits, "note": note})
            updated += 1
        else:
            rows.append({"id": row_id, "value": old.value, "digits": old.digits, "note": old.note})
            moved.append(f"{row_id}: pinned {old.value}, now {text}")
    gone = sorted(set(existing) - set(current))
    dropped = [row_id for row_id in gone if wanted(row_id)]
    kept = [row_id for row_id in gone if not wanted(row_id)]
    for row_id in kept:  # a pin is never removed unless named
        old = existing[row_id]
        rows.append({"id": row_id, "value": old.value, "digits": old.digits, "note": old.note})
    pins.write(root, rows)
    print(f"pins: {added} added, {updated} updated, {len(dropped)} dropped (named, and no analysis gives them)")
    for line in moved:
        print(f"  moved, not updated: {line} (python -m rederive pin --update {line.split(':')[0]} --note ...)")
    for row_id in kept:
        print(f"  no analysis gives it, kept: {row_id} (python -m rederive pin --update {row_id} --note ... removes it)")
    return 1 if moved or kept else 0


def _is_float(value) -> bool:
    import numbers
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
