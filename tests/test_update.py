"""A source publishes new numbers: the update path (`rederive update`, `pin`, `diff`) on a copy of
the project, never on this tree's data."""
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS, copy_project, run_rederive

SHUMILOV_DOC = "000_14131e3e41ddd69f.txt"
OLD = "A total of 92 patients from 24 study sites were identified."
NEW = "A total of 95 patients from 24 study sites were identified."


def _pins(project: Path) -> dict[str, dict]:
    text = (project / "data" / "analyses.csv").read_text(encoding="utf-8")
    return {r["id"]: r for r in csv.DictReader(io.StringIO(text))}


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project, check=True)


def test_pin_update_with_no_ids_refuses_and_changes_no_pin(project):
    before = (project / "data" / "analyses.csv").read_bytes()
    done = run_rederive(project, "pin", "--update", "--note", "something moved")
    assert done.returncode == 2 and "needs the ids" in done.stderr
    assert (project / "data" / "analyses.csv").read_bytes() == before


def test_a_pin_that_no_analysis_gives_is_kept_until_named(project):
    path = project / "data" / "analyses.csv"
    path.write_text(path.read_text(encoding="utf-8") + "tongren_km.PFS.gone,1,,an old result\n", encoding="utf-8")
    done = run_rederive(project, "pin")
    assert done.returncode == 1 and "no analysis gives it, kept: tongren_km.PFS.gone" in done.stdout
    assert "tongren_km.PFS.gone" in _pins(project)
    done = run_rederive(project, "pin", "--update", "tongren_km.PFS.gone", "--note", "the result was withdrawn")
    assert done.returncode == 0 and "1 dropped" in done.stdout
    assert "tongren_km.PFS.gone" not in _pins(project)


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_shumilov_92_to_95_update_on_a_copy_ends_with_check_at_0_and_the_data_independent_tests_pass(tmp_path):
    # A copy laid out as a clone beside its documents: <tmp>/project and <tmp>/shared/seeds, so
    # the copy's own tests find the copy's documents (tests/conftest.py: ROOT.parent/shared/seeds).
    project = copy_project(tmp_path / "project")
    seeds = tmp_path / "shared" / "seeds"
    shutil.copytree(SEEDS, seeds)
    os.chmod(seeds / SHUMILOV_DOC, 0o644)
    env = {"REDERIVE_SEEDS": str(seeds)}
    _git(project, "init", "-q")

    # 1. The publication's new version: the document says 95; the register still quotes 92. Its
    # hash is not the one source.yml records, so its quotes are not verified, and check says so.
    doc = seeds / SHUMILOV_DOC
    assert OLD in doc.read_text(encoding="utf-8")
    doc.write_text(doc.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    done = run_rederive(project, "check", env=env)
    assert done.returncode == 0
    new_hash = hashlib.sha256(doc.read_bytes()).hexdigest()
    assert f"not verified, 1 document(s): shumilov2025 ({SHUMILOV_DOC} is a different version" in done.stdout
    assert new_hash in done.stdout and "python -m rederive update shumilov2025)" in done.stdout
    # The maintainer records the new version: now its quotes are verified, and two are not in it.
    meta = project / "data" / "shumilov2025" / "source.yml"
    old_hash = hashlib.sha256((SEEDS / SHUMILOV_DOC).read_bytes()).hexdigest()
    meta.write_text(meta.read_text(encoding="utf-8").replace(old_hash, new_hash), encoding="utf-8")
    done = run_rederive(project, "check", env=env)
    assert done.returncode == 2
    quote_lines = [l for l in done.stderr.splitlines() if "not verbatim" in l]
    assert quote_lines and all(l.endswith("python -m rederive update shumilov2025") for l in quote_lines)

    # 2. The register follows the document: every failing check line ends with its command.
    claims = project / "data" / "shumilov2025" / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace(f"{OLD},92,", f"{NEW},95,").replace(OLD, NEW), encoding="utf-8")
    done = run_rederive(project, "check", env=env)
    assert done.returncode == 1
    failing = [l for l in done.stdout.splitlines() if l.startswith("  ") and "expected" in l]
    assert failing and all(" -> " in l and "python -m rederive" in l.rsplit(" -> ", 1)[1] for l in failing)
    # a synthesis result that reads Shumilov and other sources names the update that accepts it
    pooled = next(l for l in failing if l.lstrip().startswith("synthesis_sequence.shumilov.orr "))
    assert "python -m rederive update " in pooled and "shumilov2025" in pooled.rsplit(" -> ", 1)[1]

    # 3. The walk-through: consequences shown, nothing written without a note.
    pins_before = _pins(project)
    shown = run_rederive(project, "update", "shumilov2025", env=env)
    assert shown.returncode == 1 and "the report's results that moved" in shown.stdout
    solutions = "shumilov_reconstructions.partition.solutions"
    assert f"    {solutions}: {pins_before[solutions]['value']} -> " in shown.stdout  # old beside new
    assert _pins(project) == pins_before
    done = run_rederive(project, "update", "shumilov2025", "--note", "the publication now reports 95 patients", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert run_rederive(project, "check", env=env).returncode == 0

    # Only results that read a Shumilov value moved, each with the note; no pin was removed.
    ledger = {r["id"]: r for r in json.loads(run_rederive(project, "ledger", "--format", "json").stdout)}
    shumilov_ids = {r["id"] for r in ledger.values() if r["source"] == "shumilov2025" and r["role"] != "analysis"}
    after = _pins(project)
    assert set(after) == set(pins_before)
    changed = [i for i in after if after[i] != pins_before[i]]
    assert solutions in changed
    for row_id in changed:
        assert after[row_id]["note"] == "shumilov2025 update: the publication now reports 95 patients"
        assert set(ledger[row_id]["inputs"]) & shumilov_ids, row_id

    # 4. The record of what changed lists the moved result with its note.
    diff = json.loads(run_rederive(project, "diff", "0.1.0", "--format", "json").stdout)
    moved = {c["id"]: c for c in diff["changes"] if c["kind"] == "report result moved"}
    assert moved[solutions]["note"].endswith("95 patients")

    # 5. The suite's data-independent checks, run in the updated copy against its documents.
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "copy")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                           "tests/test_register.py", "tests/test_book.py",
                           "tests/test_ledger.py::test_the_reports_own_results_are_ledger_rows_with_their_pins"],
                          cwd=project, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:]


def test_a_release_bumps_the_version_in_both_files_records_its_ledger_and_diffs_to_nothing(project):
    # Oracle: the version lines of pyproject.toml and CITATION.cff, and the ledger's own ids.
    assert run_rederive(project, "release", "1.2").returncode == 2
    assert run_rederive(project, "release", "0.0.1").returncode == 2  # before the current version
    done = run_rederive(project, "release", "9.9.9")
    assert done.returncode == 0, done.stderr
    assert 'version = "9.9.9"' in (project / "pyproject.toml").read_text(encoding="utf-8")
    cff = (project / "CITATION.cff").read_text(encoding="utf-8")
    assert "\nversion: 9.9.9\n" in cff
    # the release date is the day the release was made (UTC), within the run of this test
    days = {(dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=m)).date().isoformat() for m in (0, 10)}
    assert any(f"\ndate-released: {day}\n" in cff for day in days)
    recorded = json.loads((project / "releases" / "9.9.9.json").read_text(encoding="utf-8"))
    ledger = json.loads(run_rederive(project, "ledger", "--format", "json").stdout)
    assert [r["id"] for r in recorded] == [r["id"] for r in ledger]
    done = run_rederive(project, "diff", "9.9.9")
    assert done.returncode == 0 and done.stdout.startswith("changes since release 9.9.9 (releases/9.9.9.json): 0")
    bad = run_rederive(project, "diff", "no-such-revision")
    assert bad.returncode == 2 and "neither a ledger export" in bad.stderr


def test_a_document_version_that_is_not_a_sha256_is_bad_input_naming_file_and_key(project):
    meta = project / "data" / "tongren2025" / "source.yml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("  sha256: ", "  sha256: x", 1), encoding="utf-8")
    done = run_rederive(project, "check")
    assert done.returncode == 2 and "data/tongren2025/source.yml" in done.stderr and "document.sha256" in done.stderr


def _with_document_column(claims: Path, versions: dict[str, str]) -> None:
    """Add the register's optional `document` column: the version named for the ids given, "" else."""
    rows = list(csv.DictReader(io.StringIO(claims.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0].keys(), "document"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "document": versions.get(row["id"], "")})
    claims.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.skipif(not SEEDS.exists(), reason="the source documents (../shared/seeds/) are not present; they are never shipped")
def test_a_partial_update_verifies_each_quote_against_the_version_its_row_names(tmp_path):
    # Oracle: the Shumilov document (its seed copy) says "92"; a second version, a new file with
    # its own hash, says "95". Rows naming the new version are verified against it, the others
    # against the old copy, which stays; the ledger names each row's document.
    project = copy_project(tmp_path / "project")
    seeds = tmp_path / "shared" / "seeds"
    shutil.copytree(SEEDS, seeds)
    env = {"REDERIVE_SEEDS": str(seeds)}
    new_doc = seeds / "shumilov_v2.txt"
    new_doc.write_text((SEEDS / SHUMILOV_DOC).read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    new_hash = hashlib.sha256(new_doc.read_bytes()).hexdigest()
    meta = project / "data" / "shumilov2025" / "source.yml"
    meta.write_text(meta.read_text(encoding="utf-8") + f"versions:\n  v2:\n    seed: shumilov_v2.txt\n    sha256: {new_hash}\n"
                    "    retrieved: 2026-12-06\n",  # a date as YAML writes one, unquoted, as the README shows
                    encoding="utf-8")
    claims = project / "data" / "shumilov2025" / "claims.csv"

    # A row that names v2 but still quotes the old sentence is not verbatim in v2, named by file and line.
    _with_document_column(claims, {"shum_sites": "v2"})
    done = run_rederive(project, "check", env=env)
    assert done.returncode == 2
    assert "data/shumilov2025/claims.csv:3 [quote]: not verbatim in shumilov_v2.txt" in done.stderr

    # Re-quoted from v2 (the sites' sentence, 24 unchanged): every quote is verified where its row says.
    claims.write_text(claims.read_text(encoding="utf-8").replace(f"{OLD},24,", f"{NEW},24,"), encoding="utf-8")
    done = run_rederive(project, "check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not verified" not in done.stdout
    ledger = {r["id"]: r for r in json.loads(run_rederive(project, "ledger", "--format", "json").stdout)}
    assert ledger["shum_sites"]["seed"] == "shumilov_v2.txt"
    assert ledger["shum_n"]["seed"] == SHUMILOV_DOC

    # A version whose copy is not the one recorded is not verified, and check says which key to set.
    new_doc.write_text(new_doc.read_text(encoding="utf-8") + " ", encoding="utf-8")
    done = run_rederive(project, "check", env=env)
    assert "shumilov_v2.txt is a different version of the document" in done.stdout
    assert "set versions.v2.sha256 to its hash" in done.stdout


def test_a_row_naming_a_version_the_source_does_not_list_is_bad_input_naming_file_row_and_column(project):
    claims = project / "data" / "shumilov2025" / "claims.csv"
    _with_document_column(claims, {"shum_n": "v9"})
    done = run_rederive(project, "check")
    assert done.returncode == 2
    assert ("data/shumilov2025/claims.csv:2 [document]: 'v9' is not a version of the document listed under "
            "versions in data/shumilov2025/source.yml (listed: none)") in done.stderr
