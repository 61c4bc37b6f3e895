"""A source publishes new numbers: the update path (`rederive update`, `pin`, `diff`) on a copy of
the project, never on this tree's data."""
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, copy_project, read_rows, rederive_in_process, run_rederive, write_rows
from rederive.data.register import load_all



def _scenario(root: Path = ROOT) -> tuple[str, str, str, str, str]:
    """The Shumilov cohort grows by 3 patients, built from the register as it stands (so that a
    real update of the data leaves these tests meaningful): (the document its patient count is
    quoted from, the quote, the quote with the new count, the count, the new count)."""
    source = next(s for s in load_all(root) if s.id == "shumilov2025")
    row = source.row("shum_n")
    new_count = str(int(row.reported) + 3)
    new_quote = re.sub(rf"(?<!\d){row.reported}(?!\d)", new_count, row.quote, count=1)
    return source.seed_of(row.document), row.quote, new_quote, row.reported, new_count


def _rewrite_register(claims: Path, change, extra_field: str | None = None) -> None:
    """Apply `change(row)` to every row of a register (a CSV), adding `extra_field` to its header
    where it is missing."""
    rows = read_rows(claims)
    fields = list(rows[0]) + ([extra_field] if extra_field and extra_field not in rows[0] else [])
    for r in rows:
        change(r)
    write_rows(claims, rows, fields)


def _requote(claims: Path, old_quote: str, new_quote: str, count: str, new_count: str) -> None:
    """Every register row quoting `old_quote` now quotes `new_quote`; the count read from it is the new one."""
    def change(r):
        if r["quote"] == old_quote:
            r["quote"] = new_quote
            if r["reported"] == count:
                r["reported"] = new_count
    _rewrite_register(claims, change)


def _copy_beside_writable_seeds(tmp_path: Path) -> tuple[Path, Path, dict]:
    """A copy laid out as a clone beside its documents, <tmp>/project and <tmp>/shared/seeds (so
    the copy's own tests find the copy's documents: tests/conftest.py), with the documents
    writable (the shared folder is read-only, and a copy keeps its modes): (project, seeds, env)."""
    project = copy_project(tmp_path / "project", with_code=True)  # its own tests run in it
    seeds = tmp_path / "shared" / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in (seeds, *seeds.iterdir()):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return project, seeds, {"REDERIVE_SEEDS": str(seeds)}


def _pins(project: Path) -> dict[str, dict]:
    text = (project / "data" / "analyses.csv").read_text(encoding="utf-8")
    return {r["id"]: r for r in csv.DictReader(io.StringIO(text))}


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project, check=True)


def test_pin_update_with_no_ids_refuses_and_changes_no_pin(project):
    before = (project / "data" / "analyses.csv").read_bytes()
    done = rederive_in_process(project, "pin", "--update", "--note", "something moved")
    assert done.returncode == 2 and "needs the ids" in done.stderr
    assert (project / "data" / "analyses.csv").read_bytes() == before


def test_a_pin_that_no_analysis_gives_is_kept_until_named(project):
    path = project / "data" / "analyses.csv"
    path.write_text(path.read_text(encoding="utf-8") + "tongren_km.PFS.gone,1,,an old result\n", encoding="utf-8")
    done = run_rederive(project, "pin")
    assert done.returncode == 1 and "no analysis gives it, kept: tongren_km.PFS.gone" in done.stdout
    assert "tongren_km.PFS.gone" in _pins(project)
    done = rederive_in_process(project, "pin", "--update", "tongren_km.PFS.gone", "--note", "the result was withdrawn")
    assert done.returncode == 0 and "1 dropped" in done.stdout
    assert "tongren_km.PFS.gone" not in _pins(project)


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_shumilov_92_to_95_update_on_a_copy_ends_with_check_at_0_and_the_data_independent_tests_pass(tmp_path):
    # The example (92 patients become 95), made from the register as it stands: the
    # count grows by 3 in the document its row quotes, in a copy beside its documents.
    doc_name, old, new, count, new_count = _scenario()
    project, seeds, env = _copy_beside_writable_seeds(tmp_path)
    _git(project, "init", "-q")
    before = tmp_path / "ledger-before.json"  # the ledger before the update, for the record of what changed
    before.write_text(rederive_in_process(project, "ledger", "--format", "json", env=env).stdout, encoding="utf-8")

    # 1. The publication's new version: the document says the new count; the register still quotes
    # the old. Its hash is not the one source.yml records, so its quotes are not verified, and check says so.
    doc = seeds / doc_name
    assert old in doc.read_text(encoding="utf-8")
    old_hash = hashlib.sha256(doc.read_bytes()).hexdigest()
    doc.write_text(doc.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    done = rederive_in_process(project, "check", env=env)
    assert done.returncode == 0
    new_hash = hashlib.sha256(doc.read_bytes()).hexdigest()
    assert f"not verified, 1 document(s): shumilov2025 ({doc_name} is a different version" in done.stdout
    assert new_hash in done.stdout and "python -m rederive update shumilov2025)" in done.stdout
    # The maintainer records the new version: now its quotes are verified, and those of the count are not in it.
    meta = project / "data" / "shumilov2025" / "source.yml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(old_hash, new_hash), encoding="utf-8")
    done = rederive_in_process(project, "check", env=env)
    assert done.returncode == 2
    quote_lines = [l for l in done.stderr.splitlines() if "not verbatim" in l]
    assert quote_lines and all(l.endswith("python -m rederive update shumilov2025") for l in quote_lines)

    # 2. The register follows the document: every failing check line ends with its command.
    claims = project / "data" / "shumilov2025" / "claims.csv"
    _requote(claims, old, new, count, new_count)
    done = rederive_in_process(project, "check", env=env)
    assert done.returncode == 1
    failing = [l for l in done.stdout.splitlines() if l.startswith("  ") and "expected" in l]
    assert failing and all(" -> " in l and "python -m rederive" in l.rsplit(" -> ", 1)[1] for l in failing)
    # a synthesis result that reads Shumilov and other sources names the update that accepts it
    pooled = [l for l in failing if l.lstrip().startswith("synthesis_") and "shumilov2025" in l.rsplit(" -> ", 1)[1]]
    assert pooled and all("python -m rederive update " in l for l in pooled)

    # 3. The walk-through: consequences shown, old beside new, nothing written without a note.
    pins_before = _pins(project)
    shown = run_rederive(project, "update", "shumilov2025", env=env)
    assert shown.returncode == 1 and "the report's results that moved" in shown.stdout
    moved_lines = re.findall(r"^    (\S+): (.+) -> (.+)$", shown.stdout, re.M)
    assert moved_lines and all(pins_before[i]["value"] == before for i, before, _ in moved_lines)
    assert _pins(project) == pins_before
    done = rederive_in_process(project, "update", "shumilov2025", "--note", "the publication now reports more patients", env=env)
    # A statement of the report's that the new numbers no longer support is listed for a person to
    # revise, never accepted (with the register as it stands, 92 -> 95, none is; after a real
    # update, the next 3 patients may move a rate across a bound a statement names).
    stale = re.findall(r"^  (says\.\S+): ", shown.stdout, re.M)
    assert done.returncode == (1 if stale else 0), done.stdout + done.stderr
    checked = rederive_in_process(project, "check", env=env)
    assert checked.returncode == (1 if stale else 0)
    assert sorted(re.findall(r"^  (\S+) \(", checked.stdout, re.M)) == sorted(stale)

    # Exactly the results shown moved, each with the note, each reading a Shumilov value; no pin was removed.
    ledger = {r["id"]: r for r in json.loads(rederive_in_process(project, "ledger", "--format", "json").stdout)}
    shumilov_ids = {r["id"] for r in ledger.values() if r["source"] == "shumilov2025" and r["role"] != "analysis"}
    after = _pins(project)
    assert set(after) == set(pins_before)
    changed = [i for i in after if after[i] != pins_before[i]]
    assert sorted(changed) == sorted(i for i, _, _ in moved_lines)
    for row_id in changed:
        assert after[row_id]["note"] == "shumilov2025 update: the publication now reports more patients"
        assert set(ledger[row_id]["inputs"]) & shumilov_ids, row_id

    # 4. The record of what changed since the ledger before the update lists every moved result with its note.
    diff = json.loads(rederive_in_process(project, "diff", str(before), "--format", "json").stdout)
    moved = {c["id"]: c for c in diff["changes"] if c["kind"] == "report result moved"}
    assert set(changed) <= set(moved) and all(moved[i]["note"].endswith("more patients") for i in changed)

    # 5. The suite's data-independent checks, run in the updated copy against its documents, once
    # the update is complete: a statement left for a person to revise keeps check at 1 until then.
    if stale:
        return
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "copy")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                           "tests/data/test_register.py", "tests/test_book.py",
                           "tests/ledger/test_ledger.py::test_the_reports_own_results_are_ledger_rows_with_their_pins"],
                          cwd=project, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:]


def test_a_release_bumps_the_version_in_both_files_records_its_ledger_and_diffs_to_nothing(project):
    # Oracle: the version lines of pyproject.toml and CITATION.cff, and the ledger's own ids.
    assert rederive_in_process(project, "release", "1.2").returncode == 2
    assert rederive_in_process(project, "release", "0.0.1").returncode == 2  # before the current version
    done = run_rederive(project, "release", "9.9.9")
    assert done.returncode == 0, done.stderr
    assert 'version = "9.9.9"' in (project / "pyproject.toml").read_text(encoding="utf-8")
    cff = (project / "CITATION.cff").read_text(encoding="utf-8")
    assert "\nversion: 9.9.9\n" in cff
    # the release date is the day the release was made (UTC), within the run of this test
    days = {(dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=m)).date().isoformat() for m in (0, 10)}
    assert any(f"\ndate-released: {day}\n" in cff for day in days)
    recorded = json.loads((project / "releases" / "9.9.9.json").read_text(encoding="utf-8"))
    ledger = json.loads(rederive_in_process(project, "ledger", "--format", "json").stdout)
    assert [r["id"] for r in recorded] == [r["id"] for r in ledger]
    done = run_rederive(project, "diff", "9.9.9")
    assert done.returncode == 0 and done.stdout.startswith("changes since release 9.9.9 (releases/9.9.9.json): 0")
    bad = rederive_in_process(project, "diff", "no-such-revision")
    assert bad.returncode == 2 and "neither a ledger export" in bad.stderr


def test_a_document_version_that_is_not_a_sha256_is_bad_input_naming_file_and_key(project):
    meta = project / "data" / "tongren2025" / "source.yml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("  sha256: ", "  sha256: x", 1), encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "data/tongren2025/source.yml" in done.stderr and "document.sha256" in done.stderr


def _with_document_column(claims: Path, versions: dict[str, str]) -> None:
    """Name a version of the document in the register's `document` column for the ids given (the
    column is added where the register has none; other rows keep theirs)."""
    _rewrite_register(claims, lambda r: r.update(document=versions.get(r["id"], r.get("document") or "")), "document")


def _add_version(meta: Path, name: str, seed: str, sha256: str) -> None:
    """List a version of the document in source.yml (under `versions`, made where there is none);
    the date written unquoted, as the README's steps write it."""
    entry = f"  {name}:\n    seed: {seed}\n    sha256: {sha256}\n    retrieved: 2026-12-06\n"
    text = meta.read_text(encoding="utf-8")
    text = text.replace("\nversions:\n", "\nversions:\n" + entry, 1) if "\nversions:\n" in text else text + "versions:\n" + entry
    meta.write_text(text, encoding="utf-8")


def _register_line(claims: Path, row_id: str) -> int:
    return next(i for i, line in enumerate(claims.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(row_id + ","))


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_a_partial_update_verifies_each_quote_against_the_version_its_row_names(tmp_path):
    # Oracle: the document the Shumilov patient count is quoted from says the count; a later
    # version, a new file with its own hash, says the count + 3. Rows naming the new version are
    # verified against it, the others against the old copy, which stays; the ledger names each
    # row's document.
    doc_name, old, new, count, _ = _scenario()
    project, seeds, env = _copy_beside_writable_seeds(tmp_path)
    new_doc = seeds / "shumilov_vtest.txt"
    new_doc.write_text((SEEDS / doc_name).read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    meta = project / "data" / "shumilov2025" / "source.yml"
    _add_version(meta, "vtest", new_doc.name, hashlib.sha256(new_doc.read_bytes()).hexdigest())
    claims = project / "data" / "shumilov2025" / "claims.csv"

    # A row that names the new version but still quotes the old sentence is not verbatim in it,
    # named by file and line.
    _with_document_column(claims, {"shum_sites": "vtest"})
    done = rederive_in_process(project, "check", env=env)
    assert done.returncode == 2
    line = _register_line(claims, "shum_sites")
    assert f"data/shumilov2025/claims.csv:{line} [quote]: not verbatim in shumilov_vtest.txt" in done.stderr

    # Re-quoted from the new version (the sites' number unchanged): every quote is verified where its row says.
    _rewrite_register(claims, lambda r: r.update(quote=new) if r["id"] == "shum_sites" else None)
    done = rederive_in_process(project, "check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not verified" not in done.stdout
    ledger = {r["id"]: r for r in json.loads(rederive_in_process(project, "ledger", "--format", "json").stdout)}
    assert ledger["shum_sites"]["seed"] == "shumilov_vtest.txt"
    assert ledger["shum_n"]["seed"] == doc_name

    # A version whose copy is not the one recorded is not verified, and check says which key to set.
    new_doc.write_text(new_doc.read_text(encoding="utf-8") + " ", encoding="utf-8")
    done = rederive_in_process(project, "check", env=env)
    assert "shumilov_vtest.txt is a different version of the document" in done.stdout
    assert "set versions.vtest.sha256 to its hash" in done.stdout


def test_a_row_naming_a_version_the_source_does_not_list_is_bad_input_naming_file_row_and_column(project):
    claims = project / "data" / "shumilov2025" / "claims.csv"
    listed = ", ".join(sorted(next(s for s in load_all(ROOT) if s.id == "shumilov2025").versions)) or "none"
    _with_document_column(claims, {"shum_n": "no-such-version"})
    done = rederive_in_process(project, "check")
    assert done.returncode == 2
    assert (f"data/shumilov2025/claims.csv:{_register_line(claims, 'shum_n')} [document]: 'no-such-version' is not a "
            f"version of the document listed under versions in data/shumilov2025/source.yml (listed: {listed})") in done.stderr
