"""The ledger and `check`: every outcome as expected, and any single changed number caught."""
import csv
import io
import json
import re

import pytest

from conftest import ROOT, copy_project, run_rederive
from rederive import cli
from rederive.ledger import FIELDS, build

def test_check_passes_on_the_register_as_committed():
    ledger = build(ROOT)
    assert ledger.rows and not ledger.unexpected()


def test_ledger_json_lists_every_row_with_the_documented_fields(project):
    done = run_rederive(project, "ledger", "--format", "json")
    assert done.returncode == 0
    rows = json.loads(done.stdout)
    assert {"descart2022", "shen2025"} <= {r["source"] for r in rows}
    for field in ["id", "source", "seed", "location", "quote", "reported", "role", "check",
                  "derived", "outcome", "expected", "ok", "note"]:
        assert all(field in r for r in rows), field
    seeds = {"descart2022": "002_11f6d694f4508804.txt", "shen2025": "004_da0c03bedafa6866.txt"}
    assert all(r["seed"] == seeds[r["source"]] for r in rows if r["source"] in seeds)
    by_id = {r["id"]: r for r in rows}
    assert by_id["failures_pct"]["derived"] == "238/550 = 43.27%"
    assert by_id["failures_pct"]["outcome"] == "reproduced" and by_id["failures_pct"]["ok"] is True


def test_ledger_csv_has_the_same_rows(project):
    done = run_rederive(project, "ledger", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == FIELDS and len(rows) == len(build(ROOT).rows)


WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def _mutate(text: str) -> str:
    """Change one printed digit (the last), a spelled-out count, or give a number to a value
    that has none."""
    if text.lower() in WORDS:
        return WORDS[(WORDS.index(text.lower()) + 1) % len(WORDS)]
    digits = [m.start() for m in re.finditer(r"\d", text)]
    if not digits:
        return "1"
    i = digits[-1]
    return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]


@pytest.mark.parametrize("claims", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "data").glob("*/claims.csv")))
def test_changing_any_single_reported_number_makes_check_fail_naming_it(claims, tmp_path, monkeypatch, capsys):
    project = copy_project(tmp_path / "project")
    path = project / claims
    original = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(original)))
    monkeypatch.chdir(project)
    missed = []
    for i, row in enumerate(rows):
        mutated = [dict(r) for r in rows]
        mutated[i]["reported"] = _mutate(row["reported"])
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(mutated)
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            code = cli.main(["check"])
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr().out
        if code != 1 or f"  {row['id']} (" not in out:
            missed.append((row["id"], row["reported"], mutated[i]["reported"], code))
    assert not missed, f"changed numbers that `check` did not catch: {missed[:10]}"
