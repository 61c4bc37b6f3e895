"""The ledger and `check`: every outcome as expected, and any single changed number caught."""
import csv
import io
import json
import re

import pytest

from conftest import ROOT, copy_project, rederive_in_process, write_rows
from rederive import cli
from rederive.ledger.ledger import FIELDS, build

def test_check_passes_on_the_register_as_committed():
    ledger = build(ROOT)
    assert ledger.rows and not ledger.unexpected()


def test_ledger_json_lists_every_row_with_the_documented_fields(project):
    done = rederive_in_process(project, "ledger", "--format", "json")
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
    done = rederive_in_process(project, "ledger", "--format", "csv")
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


CLAIMS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "data").glob("*/claims.csv"))


def _with_row_changed(path, rows, i):
    mutated = [dict(r) for r in rows]
    mutated[i]["reported"] = _mutate(rows[i]["reported"])
    write_rows(path, mutated)
    return mutated[i]["reported"]


@pytest.mark.parametrize("claims", CLAIMS)
def test_changing_any_single_reported_number_makes_check_fail(claims, tmp_path):
    # Every row of every register, one at a time. Oracle: what `check` computes (the register,
    # its derivations, each outcome against the expected one, the analyses against their pins),
    # as rederive.ledger.mutation runs it, stopping at the first difference; the CLI's own exit code and
    # naming are tested on rows of every kind below.
    from rederive.data import pins
    from rederive.ledger import mutation
    from rederive.data.register import load_all
    project = copy_project(tmp_path / "project")
    path = project / claims
    original = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(original)))
    sources, problems = load_all(project), []
    pinned = pins.load(project, problems)
    cache = mutation.warm_analyses(project, sources, problems)
    source_id = path.parent.name
    assert not mutation.caught_by_check(project, source_id, sources, pinned, cache)  # unchanged: passes
    missed = []
    for i, row in enumerate(rows):
        new = _with_row_changed(path, rows, i)
        if not mutation.caught_by_check(project, source_id, sources, pinned, cache):
            missed.append((row["id"], row["reported"], new))
    path.write_text(original, encoding="utf-8")
    assert not missed, f"changed numbers that `check` did not catch: {missed[:10]}"


def test_check_names_each_changed_row_or_its_file_and_line(tmp_path, monkeypatch, capsys):
    # The CLI on each register's first input, first claim and last row (every row's change is
    # caught: the test above). Oracle: exit 1 naming the row ("  <id> ("), or, where the edit
    # makes the row impossible or inconsistent with its correction, exit 2 naming its file and line.
    project = copy_project(tmp_path / "project")
    monkeypatch.chdir(project)
    missed = []
    for claims in CLAIMS:
        path = project / claims
        original = path.read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(original)))
        first = {}
        for i, row in enumerate(rows):
            first.setdefault(row["role"], i)
        for i in sorted(set(first.values()) | {len(rows) - 1}):
            new = _with_row_changed(path, rows, i)
            code = cli.main(["check"])
            captured = capsys.readouterr()
            named = f"  {rows[i]['id']} (" in captured.out if code == 1 else f"{claims}:{i + 2} " in captured.err
            if code not in (1, 2) or not named:
                missed.append((rows[i]["id"], rows[i]["reported"], new, code))
        path.write_text(original, encoding="utf-8")
    assert not missed, f"changed numbers that `check` did not name: {missed[:10]}"


def test_json_export_carries_derived_values_as_numbers_and_the_inputs_each_derivation_read(project):
    rows = {r["id"]: r for r in json.loads(rederive_in_process(project, "ledger", "--format", "json").stdout)}
    # failures_pct: DESCAR-T prints 238 of 550 (43.3%); the derivation reads exactly those two counts.
    failures = rows["failures_pct"]
    assert failures["derived_value"] == {"type": "share", "numerator": 238, "denominator": 550,
                                         "percent": 238 * 100 / 550, "exact": "476/11"}
    assert failures["inputs"] == ["failures_n", "infused_n"]
    assert failures["printed_value"]["estimate"] == 43.3 and failures["printed_value"]["unit"] == "%"
    # A pooled rate reads the printed table it pools (Shen 2025, Table 2).
    assert rows["mono_orr_pooled"]["inputs"] == ["shen2025/table2.csv"]
    assert isinstance(rows["mono_orr_pooled"]["derived_value"]["estimate"], float)
    # Every derived claim names at least one input (an input row itself names none).
    derived = [r for r in rows.values() if r["role"] == "claim" and r["check"] not in ("p_from_ci", "ci_consistency",
                                                                                         "median_in_range", "within",
                                                                                         "untraceable")]
    assert derived and all(r["inputs"] for r in derived), [r["id"] for r in derived if not r["inputs"]][:5]


def test_the_reports_own_results_are_ledger_rows_with_their_pins(project):
    rows = json.loads(rederive_in_process(project, "ledger", "--format", "json").stdout)
    own = [r for r in rows if r["role"] == "analysis"]
    names = {r["id"].split(".")[0] for r in own}
    assert {"shen_methods", "shen_leave_one_out", "shen_subgroup_differences", "shen_egger",
            "shumilov_reconstructions", "tongren_km"} <= names
    assert all(r["outcome"] == "as pinned" and r["ok"] for r in own)
    # Each row shows its pin (data/analyses.csv, read here: the count of splits is data, which a
    # source's update may change) beside the engine's value.
    from rederive.data import pins
    pinned = pins.load(project, [])
    assert own and all(r["reported"] == pinned[r["id"]].value for r in own)
    strict = next(r for r in own if r["id"] == "shumilov_reconstructions.partition.solutions")
    assert strict["derived"] == pinned[strict["id"]].value


def test_an_engine_change_that_moves_a_shown_result_fails_check_until_re_pinned_with_a_note(project):
    pins = project / "data" / "analyses.csv"
    text = pins.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("shen_subgroup_differences.orr.p,"))
    moved_line = line.replace(line.split(",")[1], "0.5", 1)  # what the engine gave before, say
    pins.write_text(text.replace(line, moved_line), encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 1 and "shen_subgroup_differences.orr.p" in done.stdout
    refused = rederive_in_process(project, "pin", "--update", "shen_subgroup_differences.orr.p")
    assert refused.returncode == 2 and "--note" in refused.stderr
    done = rederive_in_process(project, "pin", "--update", "shen_subgroup_differences.orr.p", "--note", "test")
    assert done.returncode == 0 and rederive_in_process(project, "check").returncode == 0
    assert line.split(",")[1] in pins.read_text(encoding="utf-8")


def test_a_result_without_a_pin_fails_check_naming_it_until_pinned(project):
    # Oracle: the README's exit-code list: a result no pin has reviewed is an unexpected outcome
    # (exit 1, as a data edit that makes an analysis give a new result must be); a missing pins
    # file is bad input (exit 2, the test below).
    pins = project / "data" / "analyses.csv"
    lines = pins.read_text(encoding="utf-8").splitlines(keepends=True)
    pins.write_text("".join(l for l in lines if not l.startswith("tongren_km.PFS.ways,")), encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 1 and "tongren_km.PFS.ways" in done.stdout and "no pin" in done.stdout
    assert rederive_in_process(project, "pin").returncode == 0 and rederive_in_process(project, "check").returncode == 0


def test_a_deleted_pins_file_is_one_line_of_bad_input_and_pin_writes_it_again(project):
    (project / "data" / "analyses.csv").unlink()
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and done.stderr.count("\n") == 2 and "data/analyses.csv: missing" in done.stderr
    assert rederive_in_process(project, "pin").returncode == 0 and rederive_in_process(project, "check").returncode == 0


def test_pin_update_naming_no_result_exits_2_and_writes_nothing(project):
    pins = project / "data" / "analyses.csv"
    before = pins.read_bytes()
    done = rederive_in_process(project, "pin", "--update", "shen_mehtods.", "--note", "typo")
    assert done.returncode == 2 and "'shen_mehtods.' names no result" in done.stderr
    assert pins.read_bytes() == before


def test_a_pin_with_zero_significant_digits_is_bad_input(project):
    pins = project / "data" / "analyses.csv"
    text = pins.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.split(",")[2] == "4")
    pins.write_text(text.replace(line, ",".join([*line.split(",")[:2], "0", *line.split(",")[3:]])), encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "[digits]: '0' is not a number of significant digits" in done.stderr, done.stderr


def test_a_pin_of_an_analysis_that_does_not_exist_is_bad_input(project):
    pins = project / "data" / "analyses.csv"
    pins.write_text(pins.read_text(encoding="utf-8") + "no_such_analysis.x,1,,typo\n", encoding="utf-8")
    done = rederive_in_process(project, "check")
    assert done.returncode == 2 and "data/analyses.csv" in done.stderr and "no_such_analysis.x" in done.stderr
