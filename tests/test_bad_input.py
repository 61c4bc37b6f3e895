"""No input under data/ ends in a traceback: bad input is exit 2 with one located line per
problem (file, row, column), a finding is exit 1, a bug is exit 3.

The named cases are edits a spreadsheet, a careless maintainer or an attacker would make; each
states the located message it must produce. The fuzz test makes such edits at random. Both run
the CLI in-process (rederive.cli.main) so that hundreds of cases take seconds.
"""
import csv
import io
import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rederive import cli

from conftest import copy_project, read_rows, write_rows

LOCATED = re.compile(r"^  data/[\w./-]+(:\d+)?( \[[^\]]+\])?: \S")  # "  data/x/claims.csv:12 [reported]: ..."


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("bad") / "project")


@pytest.fixture
def project(pristine, tmp_path):
    target = tmp_path / "project"
    shutil.copytree(pristine, target)
    return target


def check(project, monkeypatch, capsys, *args):
    monkeypatch.chdir(project)
    monkeypatch.setenv("REDERIVE_SEEDS", str(project / "no-seeds"))  # quotes are the quote test's job
    code = cli.main(["check", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def edit_csv(path, row_id, column, value, key="id"):
    rows = read_rows(path)
    for r in rows:
        if r[key] == row_id:
            r[column] = value
    write_rows(path, rows)


TR = "data/tongren2025/claims.csv"
SHEN = "data/shen2025"


def _append(rel, data: bytes):
    return lambda p: (p / rel).write_bytes((p / rel).read_bytes() + data)


def _replace(rel, old: str, new: str):
    def edit(p):
        text = (p / rel).read_text(encoding="utf-8")
        assert old in text, old
        (p / rel).write_text(text.replace(old, new), encoding="utf-8")
    return edit


def _cell(rel, row_id, column, value, key="id"):
    return lambda p: edit_csv(p / rel, row_id, column, value, key)


def _as_directory(rel):
    def edit(p):
        (p / rel).unlink()
        (p / rel).mkdir()
    return edit


# (name, edit, expected located message: a regex searched in stderr)
CASES = [
    ("non-UTF-8 byte", _append(TR, b"\xff\n"), r"tongren2025/claims\.csv:\d+: not UTF-8: byte 0xff"),
    ("NUL byte", _append(TR, b"\x00"), r"tongren2025/claims\.csv:\d+: a NUL byte"),
    ("Windows-1252 file (a spreadsheet saving plain CSV)", lambda p: (p / TR).write_bytes((p / TR).read_text(encoding="utf-8").encode("cp1252", "replace")),
     r"tongren2025/claims\.csv:\d+: not UTF-8"),
    ("UTF-16 file", lambda p: (p / TR).write_bytes((p / TR).read_text(encoding="utf-8").encode("utf-16")),
     r"tongren2025/claims\.csv:1: not UTF-8"),
    ("claims.csv is a directory", _as_directory(TR), r"tongren2025/claims\.csv: a folder, not a regular file"),
    ("claims.csv missing", lambda p: (p / TR).unlink(), r"tongren2025/claims\.csv: missing"),
    ("field over the size limit", _replace(TR, "We retrospectively enrolled 12", "We retrospectively enrolled 12" + "x" * 200_000),
     r"tongren2025/claims\.csv:\d+: not readable as CSV: field larger than field limit"),
    ("source.yml is a list", lambda p: (p / "data/tongren2025/source.yml").write_text("- a\n- b\n"),
     r"tongren2025/source\.yml: must be a mapping"),
    ("source.yml is a string", lambda p: (p / "data/tongren2025/source.yml").write_text("hello\n"),
     r"tongren2025/source\.yml: must be a mapping"),
    ("source.yml is not YAML", lambda p: (p / "data/tongren2025/source.yml").write_text("id: [\n"),
     r"tongren2025/source\.yml:2: not valid YAML"),
    ("tables is a list", _replace(f"{SHEN}/source.yml", "tables:\n  table1:", "tables: [table1]\nold_tables:\n  table1:"),
     r"shen2025/source\.yml:\d+ \[tables\]: \['table1'\] must be a mapping of keys"),
    ("a table's cells are a list", _replace(f"{SHEN}/source.yml", "    cells:\n      n: {name: patients, read: count, check: agrees_with}",
                                           "    cells: [n]\n    old:\n      n: {name: patients, read: count, check: agrees_with}"),
     r"shen2025/source\.yml:\d+ \[tables\.table1\.cells\]: \['n'\] must be a mapping of keys"),
    ("unknown cell reader", _replace(f"{SHEN}/source.yml", "read: median_range, check: median_in_range", "read: guess, check: median_in_range"),
     r"shen2025/source\.yml:\d+ \[tables\.table1\.cells\.lopt\.read\]: 'guess' is not one of: count"),
    # issue 20: nothing in source.yml may silently drop a check or verify a quote elsewhere
    ("a misspelt key in a cell spec", _replace(f"{SHEN}/source.yml", "read: median_ci, check: ci_consistency}",
                                               "read: median_ci, chek: ci_consistency}"),
     r"shen2025/source\.yml:\d+ \[tables\.table1\.cells\.dor\.chek\]: unknown key 'chek'"),
    ("a cell spec for a column the table lacks", _replace(f"{SHEN}/source.yml", "      mos: {name: median OS",
                                                          "      mos2: {name: median OS"),
     r"shen2025/source\.yml \[tables\.table1\.cells\.mos2\]: data/shen2025/table1\.csv has no column 'mos2'"),
    # found by the fuzz test: a header cell emptied, the cells' locations had no author to name (exit 3)
    ("a table's author column renamed", _replace(f"{SHEN}/table2.csv", "key,author,", "key,,"),
     r"shen2025/table2\.csv:1 \[author\]: a table with result cells needs a column 'author'"),
    ("a table's year column renamed", _replace(f"{SHEN}/table1.csv", ",year,", ",yr,"),
     r"shen2025/table1\.csv:1 \[year\]: a table with result cells needs a column 'year'"),
    # issue 18: what the report read is one of the kinds of document the report names
    ("an unknown kind of document read", _replace("data/tongren2025/source.yml", "kind: preprint abstract", "kind: blog post"),
     r"tongren2025/source\.yml:\d+ \[read\.kind\]: 'blog post' is not one of"),
    ("a misspelt top-level key", _replace("data/tongren2025/source.yml", "citation:", "citaton:"),
     r"tongren2025/source\.yml:\d+ \[citaton\]: unknown key 'citaton'"),
    ("a duplicated key", lambda p: (p / "data/tongren2025/source.yml").write_text(
        (p / "data/tongren2025/source.yml").read_text() + "seed: ../../data/forged.txt\n"),
     r"tongren2025/source\.yml:\d+: the key 'seed' appears twice"),
    ("a seed outside the seeds folder", _replace("data/tongren2025/source.yml", "seed: 001_", "seed: ../../project/data/001_"),
     r"tongren2025/source\.yml:\d+ \[seed\]: .* must be a file name in the seeds folder"),
    ("a citation key references.bib lacks", _replace("data/tongren2025/source.yml", "citation: tongren2025", "citation: nobody2099"),
     r"tongren2025/source\.yml:\d+ \[citation\]: 'nobody2099' is not a key of references\.bib"),
    ("a CI with equal bounds for a P from its CI", _replace("data/descart2022/claims.csv", "95% CI 1.20-3.13", "95% CI 1.20-1.20"),
     r"descart2022/claims\.csv:\d+ \[reported\]: the CI 1\.20-1\.20 has equal bounds"),
    ("an HR of 0", _replace("data/descart2022/claims.csv", "HR 1.94, 95% CI 1.20-3.13", "HR 0, 95% CI 0.00-3.13"),
     r"descart2022/claims\.csv:\d+ \[reported\]: a ratio's estimate and CI bounds must print above 0"),
    ("a count of 5,000 digits", lambda p: (p / "data/tongren2025/claims.csv").write_text(
        (p / "data/tongren2025/claims.csv").read_text().replace(",12,", ",1" + "2" * 4999 + ",", 1)),
     r"tongren2025/claims\.csv:\d+ \[reported\]: a number of 5000 digits"),
    ("a YAML alias bomb", lambda p: (p / "data/tongren2025/source.yml").write_text(
        "id: tongren2025\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [{', '.join(['*' + chr(ord(c) - 1)] * 10)}]\n" for c in "bcdefghij") + "title: *j\n"),
     r"tongren2025/source\.yml:\d+: more than 100000 values once its aliases are expanded"),
    ("source.yml is a named pipe", lambda p: ((p / "data/tongren2025/source.yml").unlink(),
                                             os.mkfifo(p / "data/tongren2025/source.yml")),
     r"tongren2025/source\.yml: a named pipe \(FIFO\), not a regular file"),
    ("claims.csv is a named pipe", lambda p: ((p / "data/tongren2025/claims.csv").unlink(),
                                             os.mkfifo(p / "data/tongren2025/claims.csv")),
     r"tongren2025/claims\.csv: a named pipe \(FIFO\), not a regular file"),
    ("deleted table row", lambda p: (p / f"{SHEN}/table1.csv").write_text(
        "\n".join(line for line in (p / f"{SHEN}/table1.csv").read_text().splitlines() if not line.startswith("topp12,")) + "\n"),
     r"\[key\]: no row 'topp12'"),
    ("renumbered table row", _cell(f"{SHEN}/table2.csv", "topp12_prior", "key", "topp13_prior", key="key"),
     r"\[key\]: no row 'topp12_prior'"),
    ("table cell not in its row's quote", _cell(f"{SHEN}/table2.csv", "chong8_prior", "n", "28", key="key"),
     r"shen2025/table2\.csv:2 \[n\]: '28' is not in the row's quote"),
    ("table count above its cohort", _replace(f"{SHEN}/table2.csv", "11(40),6(23),", "11(40),28(23),"),
     r"shen2025/table2\.csv:2 \[cr\]: .*"),
    ("CI running downwards", _replace("data/descart2022/claims.csv", "95% CI 0.21-0.82", "95% CI 0.82-0.21"),
     r"descart2022/claims\.csv:\d+ \[reported\]: the CI runs from 0\.82 down to 0\.21"),
    ("P value above 1", _replace("data/descart2022/claims.csv", "P = .104", "P = 1.04"),
     r"descart2022/claims\.csv:\d+ \[reported\]: a P value of 1\.04 is outside 0 to 1"),
    ("count above its total with the percentage edited to match",
     lambda p: (_replace(TR, "(91.7%, 11/12)", "(108.3%, 13/12)")(p), _cell(TR, "tr_extranodal_pct", "reported", "108.3%")(p),
                _cell(TR, "tr_extranodal_n", "reported", "13")(p)),
     r"tongren2025/claims\.csv:\d+ \[reported\]: a percentage above 100"),
    ("unit changed from % to months", _cell(TR, "tr_orr", "reported", "100 months"),
     r"tongren2025/claims\.csv:\d+ \[reported\]: a percentage check needs a value printed as a percentage, not in months"),
    ("unparseable number", _cell(TR, "tr_n", "reported", "1.2.3"), r"tongren2025/claims\.csv:\d+ \[reported\]: cannot parse"),
    ("unknown column", _replace(TR, "id,location,", "id,place,"), r"tongren2025/claims\.csv:1 \[location\]: column missing"),
    ("unknown check", _cell(TR, "tr_orr", "check", "vibes"), r"tongren2025/claims\.csv:\d+ \[check\]: unknown check 'vibes'"),
    ("an input with a claim's check", _cell(TR, "tr_n", "check", "grim"), r"tongren2025/claims\.csv:\d+ \[check\]: an input can only carry"),
    ("expectation that is no outcome of the check", _cell(TR, "tr_orr", "expected", "consistent"),
     r"tongren2025/claims\.csv:\d+ \[expected\]: 'consistent' is not an outcome of 'grim'"),
    ("finding without a note", _cell("data/erbella2025/claims.csv", "erb_orr", "note", ""),
     r"erbella2025/claims\.csv:\d+ \[note\]: expected outcome .* must be explained"),
    ("duplicate id", _cell(TR, "tr_female", "id", "tr_male"), r"\[id\]: duplicate id 'tr_male'"),
    ("id that is not snake case", _cell(TR, "tr_n", "id", "Tr-N"), r"tongren2025/claims\.csv:\d+ \[id\]: 'Tr-N' is not lower_snake_case"),
    ("corrected number neither printed nor explained", _cell(TR, "tr_lines", "corrected", "6 (range: 1–8)"),
     r"tongren2025/claims\.csv:\d+ \[corrected\]: 6 is neither printed"),
    ("surplus field (an unquoted comma)", _replace(TR, "tr_n,abstract,We retrospectively", "tr_n,abstract,We, retrospectively"),
     r"tongren2025/claims\.csv:\d+ \[-\]: 1 field\(s\) more than the header has"),
    ("pins file with a bad header", lambda p: (p / "data/analyses.csv").write_text("id,value\n"), r"data/analyses\.csv:1: header must be"),
]


@pytest.mark.parametrize("edit, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_located_line_and_exit_2(project, monkeypatch, capsys, edit, message):
    edit(project)
    code, out, err = check(project, monkeypatch, capsys)
    assert code == 2, out + err
    assert "Traceback" not in err and re.search(message, err), err
    problem_lines = [line for line in err.splitlines()[1:]]
    assert problem_lines and all(LOCATED.match(line) for line in problem_lines), err


@pytest.mark.parametrize("name, edit", [
    ("byte-order mark (CSV UTF-8 from a spreadsheet)", lambda p: (p / TR).write_bytes(b"\xef\xbb\xbf" + (p / TR).read_bytes())),
    ("CRLF line ends and trailing blank lines", lambda p: (p / TR).write_bytes((p / TR).read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")),
])
def test_what_spreadsheets_write_is_accepted(project, monkeypatch, capsys, name, edit):
    edit(project)
    code, out, err = check(project, monkeypatch, capsys)
    assert code == 0, err


def test_an_internal_error_exits_3_in_one_line_never_1(project, monkeypatch, capsys):
    # A bug (not bad data) must not pass for a finding: simulate one inside the engine.
    from rederive.ledger import ledger

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")
    monkeypatch.setattr(ledger, "_evaluate", broken)
    code, out, err = check(project, monkeypatch, capsys)
    assert code == 3 and "Traceback" not in err
    assert err.startswith("rederive: internal error (a bug in the engine, not in the data)") and "simulated bug" in err


# --- the fuzz test -------------------------------------------------------------------------

FILES = ["data/tongren2025/claims.csv", "data/shen2025/table2.csv", "data/shen2025/table1.csv",
         "data/tongren2025/source.yml", "data/shen2025/source.yml", "data/analyses.csv"]
YAML_SHAPES = ["[]", "- a\n- b", "just text", "42", "id: [", "tables: 3", "tables:\n  table1: [1, 2]",
               "tables:\n  table1:\n    cells: {n: 5}", "{}", "id: tongren2025"]


@st.composite
def damage(draw):
    rel = draw(st.sampled_from(FILES))
    kind = draw(st.sampled_from(["cell", "bytes", "delete line", "duplicate line", "encoding", "yaml", "truncate"]))
    return rel, kind, draw(st.integers(0, 10**6)), draw(st.text(max_size=12)), draw(st.binary(min_size=1, max_size=4))


def _apply(project, rel, kind, n, text, raw):
    path = project / rel
    data = path.read_bytes()
    lines = data.split(b"\n")
    if kind == "cell" and rel.endswith(".csv"):
        # newline="": a cell an earlier edit set to "\r" is written unquoted and must read back
        try:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))
        except csv.Error:  # an earlier edit left the file damaged already
            return
        if not rows:  # an earlier edit emptied the file: it has no cell to change
            return
        r = rows[n % len(rows)]
        if r:
            r[n % len(r)] = text
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    elif kind == "bytes":
        at = n % (len(data) + 1)
        path.write_bytes(data[:at] + raw + data[at:])
    elif kind == "delete line" and len(lines) > 1:
        del lines[n % len(lines)]
        path.write_bytes(b"\n".join(lines))
    elif kind == "duplicate line":
        i = n % len(lines)
        lines.insert(i, lines[i])
        path.write_bytes(b"\n".join(lines))
    elif kind == "encoding":
        path.write_bytes(data.decode("utf-8", "replace").encode(["utf-16", "latin-1", "cp1252"][n % 3], "replace"))
    elif kind == "yaml" and rel.endswith(".yml"):
        path.write_text(YAML_SHAPES[n % len(YAML_SHAPES)] + ("\n" + text if n % 2 else ""), encoding="utf-8")
    elif kind == "truncate":
        path.write_bytes(data[: n % (len(data) + 1)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(damage(), min_size=1, max_size=3))
def test_fuzzed_registers_never_end_in_a_traceback(pristine, tmp_path_factory, monkeypatch, capsys, edits):
    project = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(pristine, project)
    for edit in edits:
        _apply(project, *edit)
    code, out, err = check(project, monkeypatch, capsys)
    assert code in (0, 1, 2), f"exit {code}: {err[-2000:]}"
    assert "Traceback" not in err
    if code == 2:
        problems = [line for line in err.splitlines()[1:]]
        assert problems and all(LOCATED.match(line) for line in problems), err


def test_a_header_cell_with_a_line_separator_is_named_on_one_line():
    # Found by the fuzz test above: U+0085 (NEL) in a header cell split the problem over two lines
    # (str.splitlines treats it as a line break). Oracle: one problem, one line, the character escaped.
    from rederive.core.types import Problem
    text = str(Problem("data/x/claims.csv", 1, "0\x850", "unknown column"))
    assert text.splitlines() == [text] and "\\x85" in text
