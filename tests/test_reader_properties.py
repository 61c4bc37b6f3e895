"""Property tests of the readers (issue 20, item 8): random YAML structures, YAML text and CSV
rows never give a traceback, a hang or an exit 0 with a check silently dropped.

Oracles: the CLI's documented exit codes (0, 1, 2; 3 would be a bug); every example ends
within its own time limit (a SIGALRM timer, not hypothesis's deadline, which only measures an
example that has already returned); an exit 0 keeps every (row id, check) the unedited project
has. Complements test_bad_input.py's byte-level fuzz test with structure-aware edits."""
import contextlib
import csv
import io
import shutil
import signal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_project

from rederive import cli
from rederive.core import yamlfile
from rederive.ledger.ledger import build

SHEN = "data/shen2025/source.yml"
CLAIMS = "data/tongren2025/claims.csv"
SECONDS = 20  # per example: a check takes well under a second here; a hang never ends


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise TooSlow(f"an example ran past {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("pristine") / "project")
    checks = {(r.id, r.check) for r in build(project).rows}
    return project, checks


def _check(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    monkeypatch.setenv("REDERIVE_SEEDS", str(project / "no-seeds"))
    with time_limit(SECONDS):
        code = cli.main(["check"])
    err = capsys.readouterr().err
    assert code in (0, 1, 2), f"exit {code}: {err[-2000:]}"
    assert "Traceback" not in err
    return code


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def _typo(key: str, n: int) -> str:
    i = n % (len(key) + 1)
    return key[:i] + key[i + 1:] if n % 2 and key else key[:i] + "x" + key[i:]


@st.composite
def structure_edit(draw):
    """A path into source.yml's mapping (as indices, resolved against it) and what to do there."""
    return (draw(st.lists(st.integers(0, 50), min_size=1, max_size=4)),
            draw(st.sampled_from(["misspell", "delete", "replace", "add"])), draw(st.integers(0, 100)), draw(VALUES))


def _apply_structure(meta: dict, path: list[int], action: str, n: int, value) -> None:
    node = meta
    for step in path[:-1]:
        keys = list(node) if isinstance(node, dict) else []
        child = node[keys[step % len(keys)]] if keys else None
        if not isinstance(child, dict):
            break
        node = child
    keys = list(node)
    if not keys:
        return
    key = keys[path[-1] % len(keys)]
    if action == "misspell" and isinstance(key, str):
        node[_typo(key, n)] = node.pop(key)
    elif action == "delete":
        del node[key]
    elif action == "replace":
        node[key] = value
    else:
        node[f"k{n}"] = value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(structure_edit(), min_size=1, max_size=3))
def test_random_source_yml_structures_are_bad_input_or_keep_every_check(pristine, tmp_path_factory, monkeypatch,
                                                                       capsys, edits):
    source, checks = pristine
    project = tmp_path_factory.mktemp("yaml") / "project"
    shutil.copytree(source, project)
    meta = yaml.safe_load((project / SHEN).read_text(encoding="utf-8"))
    for edit in edits:
        _apply_structure(meta, *edit)
    (project / SHEN).write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    if _check(project, monkeypatch, capsys) == 0:
        assert {(r.id, r.check) for r in build(project).rows} == checks


ROW = st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=30), min_size=0, max_size=11)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=4), replace=st.booleans(), at=st.integers(0, 1000))
def test_random_csv_rows_are_bad_input_or_keep_every_check(pristine, tmp_path_factory, monkeypatch, capsys,
                                                           rows, replace, at):
    source, checks = pristine
    project = tmp_path_factory.mktemp("csv") / "project"
    shutil.copytree(source, project)
    existing = list(csv.reader(io.StringIO((project / CLAIMS).read_text(encoding="utf-8"))))
    i = 1 + at % (len(existing) - 1)
    gone = {existing[i][0]} if replace else set()  # the id of the row replaced, whose checks may go with it
    existing[i:i + (1 if replace else 0)] = rows
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(existing)
    (project / CLAIMS).write_text(out.getvalue(), encoding="utf-8")
    if _check(project, monkeypatch, capsys) == 0:
        kept = {(r.id, r.check) for r in build(project).rows}
        assert {c for c in checks if c[0] not in gone} <= kept


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#,? \n\t0123456789")), max_size=200))
def test_any_yaml_text_is_read_or_refused_in_one_error_at_once(text):
    with time_limit(5):
        try:
            yamlfile.load(text)
        except yamlfile.YamlError as exc:
            assert str(exc)


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(2, 12), width=st.integers(2, 12))
def test_aliases_are_expanded_only_up_to_the_limit(depth, width):
    # Oracle: the document has width**depth values once expanded; past yamlfile.MAX_NODES it is
    # refused, below it read, and either way within a second or so.
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, depth):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    text = "\n".join(lines) + "\n"
    total = sum(width ** (k + 1) for k in range(depth))  # every level's values, each list once
    with time_limit(5):
        if total + depth * 2 > yamlfile.MAX_NODES * 1.5:
            with pytest.raises(yamlfile.YamlError, match="aliases are expanded"):
                yamlfile.load(text)
        elif total * 2 < yamlfile.MAX_NODES:
            assert len(yamlfile.load(text)) == depth
