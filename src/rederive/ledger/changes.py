"""What changed between two ledgers: `python -m rederive diff [REV]` and the book's "What changed".

A release records its ledger (the JSON export) as releases/<version>.json. The previous ledger
is that file, any ledger export named by path, or the ledger at a git revision (a tag such as
v0.1.0: its recorded export if the tree has one, else its engine run on its data). Rows are
matched by id; each change says what moved (printed value, derived value, outcome, pin) with the
note the row carries now: the register's note for a source's number, the note given to
`pin --update` or `update --note` for a result of the report's own.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.files import write_atomically

RELEASES = "releases"
KINDS = ("added", "removed", "printed value changed", "derived value changed", "outcome changed",
         "report result moved", "statement changed")


class NoPreviousLedger(Exception):
    pass


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    source: str
    old: str
    new: str
    note: str


def version_key(text: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def releases(root: Path) -> dict[str, Path]:
    """{version: recorded ledger export}, oldest first."""
    folder = root / RELEASES
    found = {p.stem: p for p in folder.glob("*.json") if re.fullmatch(r"\d+\.\d+\.\d+", p.stem)} if folder.is_dir() else {}
    return dict(sorted(found.items(), key=lambda kv: version_key(kv[0])))


def previous_release(root: Path, current: str) -> str | None:
    """The latest recorded release older than `current` (the version being built)."""
    older = [v for v in releases(root) if version_key(v) < version_key(current)]
    return older[-1] if older else None


def load_rows(root: Path, rev: str) -> tuple[list[dict], str]:
    """(rows, what they are) from a ledger export path, a recorded release version, or a git revision."""
    path = Path(rev)
    if path.is_file():
        return _read(path), str(path)
    recorded = releases(root)
    bare = rev.removeprefix("v")
    if bare in recorded:
        return _read(recorded[bare]), f"release {bare} ({recorded[bare].relative_to(root)})"
    return _at_revision(root, rev), f"git revision {rev}"


def _read(path: Path) -> list[dict]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NoPreviousLedger(f"{path}: not a ledger export ({exc})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "id" in r for r in rows):
        raise NoPreviousLedger(f"{path}: not a ledger export (a JSON list of rows with an id)")
    return rows


def _at_revision(root: Path, rev: str) -> list[dict]:
    """The ledger at a git revision: the tree exported, and its own engine run on its own data."""
    def git(*args, **kw):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, **kw)
    if git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise NoPreviousLedger(f"{rev!r} is neither a ledger export, a recorded release under {RELEASES}/, "
                               "nor a git revision")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(git("archive", "--format=tar", rev).stdout)) as archive:
            archive.extractall(tmp, filter="data")
        done = subprocess.run([sys.executable, "-m", "rederive", "ledger", "--format", "json"], cwd=tmp,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(Path(tmp) / "src")})
        if done.returncode != 0:
            raise NoPreviousLedger(f"the ledger at {rev} could not be built: {done.stderr.strip()[-300:]}")
        return json.loads(done.stdout)


def compare(old_rows: list[dict], new_rows: list[dict]) -> list[Change]:
    old = {r["id"]: r for r in old_rows}
    new = {r["id"]: r for r in new_rows}
    out = []
    for row_id, r in new.items():
        if row_id not in old:
            out.append(Change("added", row_id, r["source"], "", _shown(r), r.get("note", "")))
    for row_id, r in old.items():
        if row_id not in new:
            out.append(Change("removed", row_id, r["source"], _shown(r), "", r.get("note", "")))
    for row_id, r in new.items():
        o = old.get(row_id)
        if o is None:
            continue
        note = r.get("note", "")
        if r.get("role") == "analysis":
            if o.get("reported") != r.get("reported"):
                out.append(Change("report result moved", row_id, r["source"], o["reported"], r["reported"], note))
            continue
        if r.get("role") == "statement":
            if (o.get("reported"), o.get("derived")) != (r.get("reported"), r.get("derived")):
                out.append(Change("statement changed", row_id, r["source"], o.get("reported", ""), r.get("reported", ""), note))
            continue
        if o.get("reported") != r.get("reported") or o.get("corrected") != r.get("corrected"):
            out.append(Change("printed value changed", row_id, r["source"], o["reported"], r["reported"], note))
        if o.get("derived") != r.get("derived"):
            out.append(Change("derived value changed", row_id, r["source"], o.get("derived", ""), r.get("derived", ""), note))
        if o.get("outcome") != r.get("outcome"):
            out.append(Change("outcome changed", row_id, r["source"], o["outcome"], r["outcome"], note))
    return sorted(out, key=lambda c: (KINDS.index(c.kind), c.source, c.id))


def _shown(r: dict) -> str:
    if r.get("role") == "analysis":
        return r.get("derived") or r.get("reported", "")
    return r.get("reported", "") + (f" (derived {r['derived']})" if r.get("derived") else "")


def lines(changes: list[Change], against: str) -> list[str]:
    out = [f"changes since {against}: {len(changes)}"]
    for kind in KINDS:
        group = [c for c in changes if c.kind == kind]
        if not group:
            continue
        out.append(f"\n{kind} ({len(group)}):")
        for c in group:
            arrow = f"{c.old} -> {c.new}" if c.old and c.new else (c.new or c.old)
            out.append(f"  {c.source} {c.id}: {arrow}" + (f"  [note: {c.note}]" if c.note else ""))
    return out


RECORDED = ["id", "source", "role", "check", "reported", "corrected", "derived", "outcome", "expected", "note"]


def record(root: Path, version: str, rows: list[dict]) -> Path:
    """releases/<version>.json: the fields a later diff compares, one row a line (reviewable in git)."""
    text = "[\n" + ",\n".join(json.dumps({k: r.get(k, "") for k in RECORDED}, ensure_ascii=False) for r in rows) + "\n]\n"
    path = root / RELEASES / f"{version}.json"
    path.parent.mkdir(exist_ok=True)
    write_atomically(path, text)
    return path


_VERSION_LINES = {"pyproject.toml": re.compile(r'^(version = ")([^"]+)(")$', re.M),
                  "CITATION.cff": re.compile(r"^(version: )(\S+)()$", re.M)}
_RELEASE_DATE = re.compile(r"^(date-released: )(\S+)()$", re.M)  # CITATION.cff's


def release(root: Path, version: str, rows: list[dict]) -> list[str]:
    """Bump the version (pyproject.toml, which "How to cite" reads, and CITATION.cff) and record the
    release's ledger. Returns the files written. Raises ValueError naming what is wrong."""
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ValueError(f"VERSION must be x.y.z, not {version!r}")
    texts = {name: (root / name).read_text(encoding="utf-8") for name in _VERSION_LINES}
    current = _VERSION_LINES["pyproject.toml"].search(texts["pyproject.toml"]).group(2)
    if version_key(version) < version_key(current):  # the same version again records its ledger afresh
        raise ValueError(f"{version} is before the current version {current}")
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    for name, pattern in _VERSION_LINES.items():
        new, n = pattern.subn(lambda m: f"{m.group(1)}{version}{m.group(3)}", texts[name], count=1)
        if n != 1:
            raise ValueError(f"{name}: no version line to bump")
        if name == "CITATION.cff":
            new, n = _RELEASE_DATE.subn(lambda m: f"{m.group(1)}{today}", new, count=1)
            if n != 1:
                raise ValueError(f"{name}: no date-released line to set")
        write_atomically(root / name, new)
    return [*_VERSION_LINES, str(record(root, version, rows).relative_to(root))]
