"""The fallback renderer's re-renders of a finished book: executing every chapter again gives the
same bytes; a stylesheet edit or a data edit re-executes only what it must and shows its change.
Apart from test_render.py so that the two files' tests run on two workers at once, each on its
own copy of the session's one render (conftest.shared_render)."""
import re

import pytest

from conftest import run_rederive
from test_render import _plant_hostile_register_text, _snapshot, edited


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, shared_render):
    return shared_render(tmp_path_factory.mktemp("render-again"), _plant_hostile_register_text)


def test_two_renders_of_the_same_tree_are_byte_identical(rendered):
    # Oracle: every file of _book/ (pages, search index, ledger exports, PDF) and figures/, byte
    # for byte. Nothing is excluded: no output carries a time (the PDF's date is unset). The
    # second render executes every chapter again (--fresh). (That a render reusing chapters gives
    # the same bytes is tested with a data edit undone, below.)
    project, _ = rendered
    first = _snapshot(project)
    done = run_rederive(project, "render", "--fallback", "--fresh")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reused" not in done.stdout
    second = _snapshot(project)
    assert set(first) == set(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_an_edit_to_the_books_stylesheet_is_published_without_executing_a_chapter(rendered):
    # Oracle: _quarto.yml's css (theme/book.css), which every page links where the site publishes
    # it: a rule added to it must reach the published stylesheet (the whole-book "nothing changed"
    # key once missed the theme files), and no chapter is executed for it. The rule is removed
    # again afterwards.
    project, _ = rendered
    css = project / "theme" / "book.css"
    original = css.read_text(encoding="utf-8")
    marker = ".rederive-test-marker { color: #123456; }"
    try:
        css.write_text(original + "\n" + marker + "\n", encoding="utf-8")
        done = run_rederive(project, "render", "--fallback")
        assert done.returncode == 0, done.stderr[-2000:]
        assert "nothing changed" not in done.stdout and "executing" not in done.stdout
        index = (project / "_book" / "index.html").read_text(encoding="utf-8")
        assert '<link rel="stylesheet" href="theme/book.css"' in index
        assert marker in (project / "_book" / "theme" / "book.css").read_text(encoding="utf-8")
    finally:
        css.write_text(original, encoding="utf-8")
        assert run_rederive(project, "render", "--fallback").returncode == 0


def _plain_inputs_in_the_ledger(project) -> int:
    """The ledger chapter's "N are plain inputs" sentence, read from the published HTML. (The
    front page counts distinct printed values, which a second row of one printed value leaves
    unchanged, rederive.ledger.tallies.)"""
    html = (project / "_book" / "chapters" / "ledger.html").read_text(encoding="utf-8")
    return int(re.search(r"([\d,]+) are plain inputs", html).group(1).replace(",", ""))


def test_a_data_change_re_executes_the_chapters_that_read_it_and_shows_the_new_number(rendered):
    # A maintainer registers one more row of the Tongren preprint (a copy of an input row under a
    # new id: its quote is verbatim, so check passes). Oracle: the ledger chapter's count of plain
    # inputs, which must go up by exactly one, and back when the row is removed (a reused chapter
    # must never show a stale number); the render log, where the front page and
    # the ledger (which read every row) are executed again and the chapters of the other four
    # sources, which read none of Tongren's rows, are reused; and the book after the edit is
    # undone, byte for byte the book before it, every chapter reused: the front page and the
    # ledger from their executions before the edit, which the chapter cache keeps.
    project, _ = rendered
    good = _snapshot(project)  # every render of this tree is of this data
    before = _plain_inputs_in_the_ledger(project)
    claims = project / "data" / "tongren2025" / "claims.csv"

    def add_row(text):
        line = next(line for line in text.splitlines() if ",input,none,input," in line)
        return text.rstrip("\n") + "\n" + "tongren_extra," + line.split(",", 1)[1] + "\n"
    with edited(claims, add_row):
        done = run_rederive(project, "render", "--fallback")
        assert done.returncode == 0, done.stderr[-2000:]
        assert _plain_inputs_in_the_ledger(project) == before + 1
    executed = set(re.findall(r"executing (\S+):", done.stdout))
    reused = set(re.findall(r"reused (\S+):", done.stdout))
    assert {"index.qmd", "chapters/ledger.qmd"} <= executed, done.stdout
    assert {f"chapters/{c}.qmd" for c in ("descart-2022", "erbella-2025", "shumilov-2025", "shen-2025")} <= reused
    done = run_rederive(project, "render", "--fallback")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _plain_inputs_in_the_ledger(project) == before
    assert "executing" not in done.stdout and "reused index.qmd" in done.stdout and "reused chapters/ledger.qmd" in done.stdout
    assert _snapshot(project) == good
