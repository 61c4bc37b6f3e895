"""Files the project writes are replaced atomically, exports carry no spreadsheet formulas, and
exit codes are the README's (issue 20, items 4, 6 and 7)."""
import csv
import io
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, read_rows, rederive_in_process, run_rederive, write_rows

from rederive import cli
from rederive.ledger.spreadsheet import neutralise

LIMIT = 20_480  # bytes: smaller than data/analyses.csv and ledger.csv, larger than any code Python writes


def _limited(project, *args):
    """`python -m rederive args` with a file-size limit (a full disk, as `ulimit -f` simulates it);
    SIGXFSZ ignored so that the write fails with EFBIG instead of killing the process."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    return subprocess.run([sys.executable, "-m", "rederive", *args], cwd=project, capture_output=True, text=True,
                          timeout=600, preexec_fn=limit)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_pin_on_a_full_disk_leaves_the_pins_byte_for_byte_and_says_so_in_one_line(project):
    pins = project / "data" / "analyses.csv"
    before = pins.read_bytes()
    assert len(before) > LIMIT  # else the test would not test anything
    done = _limited(project, "pin")
    assert done.returncode == cli.EXIT_CANNOT_WRITE, done.stderr
    assert pins.read_bytes() == before and not _leftovers(pins.parent)
    assert done.stderr.strip().count("\n") == 0 and "cannot write" in done.stderr and "analyses.csv" in done.stderr
    assert "Traceback" not in done.stderr


def test_ledger_output_on_a_full_disk_leaves_the_previous_export_byte_for_byte(project):
    out = project / "out" / "ledger.csv"
    assert rederive_in_process(project, "ledger", "--format", "csv", "--output", "out/ledger.csv").returncode == 0
    previous = b"id,previous export\n"
    out.write_bytes(previous)
    done = _limited(project, "ledger", "--format", "csv", "--output", "out/ledger.csv")
    assert done.returncode == cli.EXIT_CANNOT_WRITE and "cannot write" in done.stderr, done.stderr
    assert out.read_bytes() == previous and not _leftovers(out.parent)


def test_ledger_output_naming_a_folder_is_bad_input(project):
    (project / "out").mkdir()
    done = run_rederive(project, "ledger", "--output", "out")
    assert done.returncode == 2 and "is a folder" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("text, shown", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-0.5", "-0.5"), ("+3", "+3"), ("12", "12"), ("-", "-"), ("a = b", "a = b"), (7, 7), (True, True)])
def test_a_cell_that_could_start_a_formula_is_prefixed_and_a_number_is_not(text, shown):
    # Oracle: OWASP's CSV-injection advice (prefix ' to a cell starting = + - @ tab CR).
    assert neutralise(text) == shown


def test_the_csv_export_neutralises_formulas_and_leaves_numbers(project):
    claims = project / "data" / "tongren2025" / "claims.csv"
    rows = read_rows(claims)
    rows[0]["note"] = "=cmd|' /C calc'!A0"
    rows[0]["location"] = "@SUM(1+1)"
    write_rows(claims, rows)
    done = rederive_in_process(project, "ledger", "--format", "csv")
    assert done.returncode == 0, done.stderr
    exported = list(csv.DictReader(io.StringIO(done.stdout)))
    row = next(r for r in exported if r["id"] == rows[0]["id"])
    assert row["note"] == "'=cmd|' /C calc'!A0" and row["location"] == "'@SUM(1+1)"
    assert row["line"] == "2"  # numbers untouched
    assert not [(r["id"], k) for r in exported for k, v in r.items() if v and v[0] in "=+@\t\r"]
    as_json = rederive_in_process(project, "ledger", "--format", "json").stdout
    assert "\"=cmd|' /C calc'!A0\"" in as_json  # the JSON export keeps the value exactly


def _readme_exit_codes():
    """The README's exit-code list: '- **N** when ...' / '**N** on ...' items under 'What fails the build'."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What fails the build", 1)[1].split("\n## ", 1)[0]
    return {int(n) for n in re.findall(r"\*\*(\d+)\*\*", section.split("A printed number stands")[0])}


def test_the_readme_exit_code_list_and_the_cli_agree_and_each_code_is_produced(project, monkeypatch, capsys, tmp_path):
    documented = _readme_exit_codes()
    constants = {v for k, v in vars(cli).items() if k.startswith("EXIT_")}
    assert documented == constants, (documented, constants)
    monkeypatch.chdir(project)
    produced = {}
    produced[cli.main(["check"])] = "check on the project as it is"
    pins = project / "data" / "analyses.csv"
    text = pins.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("shen_subgroup_differences.orr.p,"))
    pins.write_text(text.replace(line, line.replace(line.split(",")[1], "0.5", 1)), encoding="utf-8")
    produced[cli.main(["check"])] = "a moved result"
    pins.write_text(text, encoding="utf-8")
    claims = project / "data" / "tongren2025" / "claims.csv"
    saved = claims.read_bytes()
    claims.write_text("id,location\n", encoding="utf-8")
    produced[cli.main(["check"])] = "a claims.csv without its columns"
    claims.write_bytes(saved)

    def bug(args):
        return 1 // 0
    monkeypatch.setitem(cli.__dict__, "cmd_check", bug)
    produced[cli.main(["check"])] = "a bug in the engine"

    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setitem(cli.__dict__, "cmd_check", interrupted)
    produced[cli.main(["check"])] = "Ctrl-C"
    monkeypatch.undo()
    produced[_limited(project, "pin").returncode] = "pin on a full disk"
    capsys.readouterr()
    assert set(produced) == documented, produced


def test_the_post_render_publishes_exactly_what_the_pre_render_check_wrote(project):
    # Oracle: _quarto.yml's own two commands, run as Quarto runs them (from the project folder, the
    # output folder in QUARTO_PROJECT_OUTPUT_DIR). tools/publish-exports names the files it copies
    # (a shell script, so that the render starts no Python after its chapters): they must be
    # every file `check --exports` writes, byte for byte, and nothing else; a file planted in the
    # exports folder beforehand is removed by the check and never published.
    import yaml
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["project"]
    exports = project / ".rederive" / "exports"
    (exports / "site_libs").mkdir(parents=True)
    (exports / "site_libs" / "planted.js").write_text("alert(1)", encoding="utf-8")
    pre = subprocess.run(config["pre-render"], shell=True, cwd=project, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "QUARTO_PYTHON": sys.executable})  # as make sets it
    assert pre.returncode == 0, pre.stderr
    written = {p.relative_to(exports): p.read_bytes() for p in exports.rglob("*") if p.is_file()}
    assert {"ledger.csv", "ledger.json"} <= {str(p) for p in written} and not (exports / "site_libs" / "planted.js").exists()
    out = project / "_out"
    out.mkdir()
    post = subprocess.run(config["post-render"], shell=True, cwd=project, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "QUARTO_PROJECT_OUTPUT_DIR": "_out"})
    assert post.returncode == 0, post.stderr
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == written


def test_the_exports_are_not_rewritten_when_unchanged_and_are_when_tampered_with(project):
    # Oracle: the files' own bytes and modification times. A check of an unchanged tree leaves
    # the exports as they are (a render with nothing changed spends no time on them); an export
    # edited by hand, or a file added beside them, is replaced by what the ledger gives.
    exports = project / ".rederive" / "exports"
    assert rederive_in_process(project, "check", "--exports", ".rederive/exports").returncode == 0
    csv_file = exports / "ledger.csv"
    good, stamp = csv_file.read_bytes(), csv_file.stat().st_mtime_ns
    assert rederive_in_process(project, "check", "--exports", ".rederive/exports").returncode == 0
    assert csv_file.stat().st_mtime_ns == stamp
    csv_file.write_bytes(good.replace(b",", b";", 1))
    (exports / "extra.js").write_text("alert(1)", encoding="utf-8")
    assert rederive_in_process(project, "check", "--exports", ".rederive/exports").returncode == 0
    assert csv_file.read_bytes() == good and not (exports / "extra.js").exists()


def test_the_published_table_script_is_the_bundle_itables_names():
    # Oracle: itables' own option, itables.options.dt_bundle. rederive.book.table_library finds
    # the file without importing itables (which imports pandas); if itables moves it, this fails.
    import itables.options
    from rederive.book.table_library import bundle
    assert bundle() == Path(itables.options.dt_bundle) and bundle().is_file()
