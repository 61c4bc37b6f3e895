"""`python -m rederive pin`: add pins for new analysis results; re-pin moved ones only by name
and with a note, so that no change of a shown result is ever absorbed silently."""
from __future__ import annotations

import sys
from pathlib import Path

from . import analyses, pins
from . import cache as analysis_cache
from .register import Problem, RegisterError, load_all


def pin(root: Path, update: list[str], note: str) -> int:
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
    unmatched = [u for u in update if not any(names(u, row_id) for row_id in current)]
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
    dropped = sorted(set(existing) - set(current))
    pins.write(root, rows)
    print(f"pins: {added} added, {updated} updated, {len(dropped)} dropped (no analysis gives them)")
    for line in moved:
        print(f"  moved, not updated: {line}")
    return 1 if moved else 0


def _is_float(value) -> bool:
    import numbers
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
