"""The fallback reuses a chapter only when nothing it depends on changed: what it read from the
report (rederive.book.reads) and its key (text, chapters' setup, engine, environment). The rendered
proof (a data edit shows its new number; untouched chapters are reused) is in test_render.py."""
import dataclasses

import pytest

from conftest import ROOT

from rederive.book import reads
from rederive.ledger import datacache, store
from rederive.ledger.ledger import Ledger
from rederive.render import incremental
from rederive.render.execute import Block, Chapter, Standby
from rederive.report import Report


@pytest.fixture(scope="module")
def report():
    return Report(store.load(ROOT), ROOT)


def _with_row(report, row_id, **changes):
    """The same report with one ledger row changed, as a data edit would change it."""
    ledger = report.ledger
    rows = [dataclasses.replace(r, **changes) if r.id == row_id else r for r in ledger.rows]
    return Report(Ledger(list(ledger.sources.values()), rows, list(ledger.analyses.values())), ROOT)


def _reads_of(calls):
    """What a chapter making these calls records (in a record of its own: a kernel starts empty)."""
    saved = reads._reads, reads._pending
    reads._reads, reads._pending = {}, {}
    try:
        calls()
        return reads.recorded_reads()
    finally:
        reads._reads, reads._pending = saved


def test_the_digest_compares_answers_not_how_their_objects_are_shared():
    # Oracle: equal values give equal digests whether a string is shared or copied (a ledger
    # built afresh and the same ledger unpickled share differently), and different values differ.
    word = "".join(["reprod", "uced"])
    shared = [word, word]
    copied = ["".join(["reprod", "uced"]), "".join(["repro", "duced"])]
    assert reads.digest(shared) == reads.digest(copied)
    assert reads.digest(["reproduced", "discrepancy"]) != reads.digest(shared)


def test_an_answer_that_cannot_be_fingerprinted_never_counts_as_unchanged(report):
    cycle = []
    cycle.append(cycle)
    assert reads.digest(cycle) is None
    read = reads.Read("fmt", ("tr_n",), (), None)
    assert reads.still_the_same(report, [read]) == "fmt: its answer cannot be compared"


def test_a_report_call_is_recorded_once_with_its_answer_and_nested_calls_are_not(report):
    recorded = _reads_of(lambda: (report.fmt("tr_n"), report.fmt("tr_n"), report.findings_list("tongren2025")))
    assert [(r.method, r.args) for r in recorded] == [("fmt", ("tr_n",)), ("findings_list", ("tongren2025",))]
    assert recorded[0].digest == reads.digest(report.fmt("tr_n"))


def test_a_changed_value_a_chapter_read_is_noticed_and_an_unread_one_is_not(report):
    # Oracle: the row tr_n ("12", Tongren's series size) edited in the ledger; the chapter that
    # read it must re-execute, the one that read only a DESCAR-T row must not.
    edited = _with_row(report, "tr_n", reported="13", note="edited")
    read_tongren = _reads_of(lambda: report.fmt("tr_n"))
    read_descart = _reads_of(lambda: report.fmt("failures_pct"))
    assert reads.still_the_same(report, read_tongren) is None
    assert reads.still_the_same(edited, read_tongren) == "fmt('tr_n') changed"
    assert reads.still_the_same(edited, read_descart) is None
    # a note a chapter shows through a whole-source read is a change for that read too
    notes_only = _with_row(report, "tr_n", note="edited")
    shows_notes = _reads_of(lambda: [r.note for r in report.rows("tongren2025")])
    assert reads.still_the_same(notes_only, shows_notes) == "rows('tongren2025') changed"


def test_rows_are_read_per_field_so_a_note_edit_leaves_a_chapter_that_shows_no_note_alone(report):
    # Oracle: the note of tr_n edited, nothing else. A chapter that read every row's source and
    # id (as the front page does) and one that only counted the findings read no note: they are
    # unchanged. One that showed the rows' notes, or printed a row whole, or read a row by id
    # and its note, read the change.
    notes_only = _with_row(report, "tr_n", note="edited")
    sources = _reads_of(lambda: [(r.source, r.id) for r in report.rows()])
    counted = _reads_of(lambda: len(report.findings()))
    assert [r.fields for r in sources] == [("id", "source")] and counted[0].fields == ()
    assert reads.still_the_same(notes_only, sources) is None
    assert reads.still_the_same(notes_only, counted) is None
    assert reads.still_the_same(notes_only, _reads_of(lambda: [r.note for r in report.rows()])) == "rows() changed"
    assert reads.still_the_same(notes_only, _reads_of(lambda: [repr(r) for r in report.rows()])) == "rows() changed"
    assert reads.still_the_same(notes_only, _reads_of(lambda: report.row("tr_n").note)) == "row('tr_n') changed"
    assert reads.still_the_same(notes_only, _reads_of(lambda: report.row("tr_n").reported)) is None
    # a field read at any call of the same method counts for the read (one record per call)
    twice = _reads_of(lambda: (report.rows()[0].id, [r.note for r in report.rows()]))
    assert reads.still_the_same(notes_only, twice) == "rows() changed"
    # a row added or gone changes how many rows there are, even for a chapter that read no field
    fewer = Report(Ledger(list(report.ledger.sources.values()), [r for r in report.ledger.rows if r.id != "tr_n"],
                          list(report.ledger.analyses.values())), ROOT)
    assert reads.still_the_same(fewer, counted) is None  # tr_n is not a finding: the findings are the same
    assert reads.still_the_same(fewer, sources) == "rows() changed"


def test_a_row_view_reads_like_the_row_and_cannot_be_changed(report):
    view = reads.RowView(report.ledger["tr_n"], set())
    assert view.reported == report.ledger["tr_n"].reported and view == report.ledger["tr_n"]
    with pytest.raises(AttributeError):
        view.note = "changed"


def test_a_row_that_is_gone_means_the_chapter_runs_again(report):
    ledger = report.ledger
    without = Report(Ledger(list(ledger.sources.values()), [r for r in ledger.rows if r.id != "tr_n"],
                            list(ledger.analyses.values())), ROOT)
    assert reads.still_the_same(without, _reads_of(lambda: report.fmt("tr_n"))) == "fmt('tr_n',): KeyError"


def _cache_with(tmp_path, monkeypatch, engine="engine-1"):
    """A ChapterCache over a small project: one chapter, the chapters' setup, a given engine."""
    (tmp_path / "chapters").mkdir(exist_ok=True)
    (tmp_path / "chapters" / "_setup.py").write_text("R = None\n", encoding="utf-8")
    if not (tmp_path / "chapters" / "a.qmd").exists():
        (tmp_path / "chapters" / "a.qmd").write_text("# A\n", encoding="utf-8")
    monkeypatch.setattr("rederive.ledger.cache.engine_fingerprint", lambda: engine)
    incremental._tools.cache_clear()
    return incremental.ChapterCache(tmp_path)


def test_the_chapter_key_changes_with_its_text_the_setup_and_the_engine(tmp_path, monkeypatch):
    # Oracle: the key is a hash of these inputs; each one changed alone must change it, and
    # nothing changed must not.
    key = _cache_with(tmp_path, monkeypatch).key("chapters/a.qmd")
    assert _cache_with(tmp_path, monkeypatch).key("chapters/a.qmd") == key
    assert _cache_with(tmp_path, monkeypatch, engine="engine-2").key("chapters/a.qmd") != key
    (tmp_path / "chapters" / "a.qmd").write_text("# A, edited\n", encoding="utf-8")
    assert _cache_with(tmp_path, monkeypatch).key("chapters/a.qmd") != key
    cache = _cache_with(tmp_path, monkeypatch)
    text_key = cache.key("chapters/a.qmd")
    (tmp_path / "chapters" / "_setup.py").write_text("R = 1\n", encoding="utf-8")
    assert incremental.ChapterCache(tmp_path).key("chapters/a.qmd") != text_key
    incremental._tools.cache_clear()


def test_a_saved_chapter_is_reused_only_with_the_same_key_and_answers(tmp_path, monkeypatch, report):
    cache = _cache_with(tmp_path, monkeypatch)
    cache._report = report  # what the render's saved ledger would answer
    chapter = Chapter("chapters/a.qmd", [Block("markdown", "12 patients")], figures={"a.png": b"png"},
                      reads=_reads_of(lambda: report.fmt("tr_n")))
    assert cache.reusable("chapters/a.qmd") == (None, "not executed before")
    cache.save("chapters/a.qmd", chapter)
    kept, why = cache.reusable("chapters/a.qmd")
    assert why is None and kept.blocks[0].text == "12 patients" and kept.figures == {"a.png": b"png"}
    cache._report = _with_row(report, "tr_n", reported="13")
    assert cache.reusable("chapters/a.qmd") == (None, "a value it reads changed: fmt('tr_n') changed")
    cache._report = report
    (tmp_path / incremental.CACHE / "chapters__a.qmd.json").write_bytes(b"not a cache")
    assert cache.reusable("chapters/a.qmd") == (None, "its saved execution is unreadable")
    datacache.save(tmp_path / incremental.CACHE / "chapters__a.qmd.json", "chapter",
                   incremental.Saved("another key", chapter))
    assert cache.reusable("chapters/a.qmd") == (None, "its text, the engine or the environment changed")
    incremental._tools.cache_clear()


def test_a_chapter_keeps_its_execution_before_the_latest_so_an_edit_undone_reuses_it(tmp_path, monkeypatch, report):
    # Oracle: the ledger as the chapter read it. Executed with tr_n at "12", then (a data edit)
    # at "13": with the edit undone the execution that read "12" is reused, with it in place the
    # one that read "13"; a third value finds neither, and an execution saved then drops the oldest.
    cache = _cache_with(tmp_path, monkeypatch)
    reads_of = lambda r: _reads_of(lambda: r.fmt("tr_n"))  # noqa: E731
    edited = _with_row(report, "tr_n", reported="13")
    cache._report = report
    cache.save("chapters/a.qmd", Chapter("chapters/a.qmd", [Block("markdown", "12 patients")], reads=reads_of(report)))
    cache._report = edited
    cache.save("chapters/a.qmd", Chapter("chapters/a.qmd", [Block("markdown", "13 patients")], reads=reads_of(edited)))
    for ledger, shown in ((report, "12 patients"), (edited, "13 patients")):
        cache._report = ledger
        kept, why = cache.reusable("chapters/a.qmd")
        assert why is None and kept.blocks[0].text == shown
    third = _with_row(report, "tr_n", reported="14")
    cache._report = third
    assert cache.reusable("chapters/a.qmd") == (None, "a value it reads changed: fmt('tr_n') changed")
    cache.save("chapters/a.qmd", Chapter("chapters/a.qmd", [Block("markdown", "14 patients")], reads=reads_of(third)))
    cache._report = report
    assert cache.reusable("chapters/a.qmd")[0] is None  # "12" was the oldest: gone
    incremental._tools.cache_clear()


def test_the_reads_of_rows_and_the_other_reads_are_compared_apart_and_together_miss_nothing(report):
    # Oracle: the note of tr_n edited. A chapter that showed every row's note (a read of rows) and
    # formatted a number (another read): the row pass finds the change, the other pass does not,
    # and all reads together find it (the fallback submits a chapter found changed by the row pass
    # at once, and compares the other reads only of the chapters it found unchanged).
    notes_only = _with_row(report, "tr_n", note="edited")
    chapter = _reads_of(lambda: (report.fmt("failures_pct"), [r.note for r in report.rows()]))
    assert reads.still_the_same(notes_only, chapter, rows=True) == "rows() changed"
    assert reads.still_the_same(notes_only, chapter, rows=False) is None
    assert reads.still_the_same(notes_only, chapter) == "rows() changed"
    # a changed value read by another method is found by the other pass only
    number = _with_row(report, "failures_pct", reported="43.4%")
    assert reads.still_the_same(number, chapter, rows=True) is None
    assert reads.still_the_same(number, chapter, rows=False) == "fmt('failures_pct') changed"


def test_a_standby_kernel_is_started_only_when_the_data_or_a_chapter_changed_since_the_published_book(tmp_path):
    # Oracle: the record of what the published book was made of (fallback.PUBLISHED_INPUTS). The
    # same data and chapters: no kernel is started (it would only take a core from the pre-render
    # check of a render that executes nothing). A data edit, a chapter edit, no record, or
    # --fresh: one is started, and one no chapter takes is stopped: its process is gone.
    import os
    import time

    from rederive.core.paths import copy_project
    from rederive.render import fallback
    from rederive.render.config import load_book
    project = copy_project(ROOT, tmp_path / "p")
    book = load_book(project)
    (project / ".rederive").mkdir(exist_ok=True)
    assert isinstance(fallback._standby(project, book, reuse=True), Standby)  # no record
    fallback._standby(project, book, reuse=True).close()
    (project / fallback.PUBLISHED_INPUTS).write_text(fallback._inputs(project, book), encoding="utf-8")
    assert fallback._standby(project, book, reuse=True) is None
    standby = fallback._standby(project, book, reuse=False)
    assert isinstance(standby, Standby)
    standby.close()
    chapter = project / "chapters" / "methods.qmd"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    standby = fallback._standby(project, book, reuse=True)
    assert isinstance(standby, Standby)
    standby.close()
    (project / fallback.PUBLISHED_INPUTS).write_text(fallback._inputs(project, book), encoding="utf-8")
    (project / "data" / "tongren2025" / "claims.csv").write_text("edited", encoding="utf-8")
    standby = fallback._standby(project, book, reuse=True)
    assert isinstance(standby, Standby)
    kernel = standby.take()
    assert kernel is not None and standby.take() is None  # handed to one chapter only
    pid = kernel.km.provisioner.pid
    kernel.close()
    for _ in range(50):  # SIGKILLed: gone as soon as it is reaped
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the standby kernel (pid {pid}) is still running after close()")


def test_the_page_cache_keeps_what_this_render_and_the_one_before_it_asked_for(tmp_path):
    # Oracle: three renders, each asking for one version of a page (an edit, then another): after
    # each, the versions the last two renders asked for are kept and an older one is gone; so an
    # edit undone finds the page (and PDF) of the render before the edit.
    def render(version):
        cache = incremental.PageCache(tmp_path)
        key = cache.key(version)
        found = cache.get(key)
        if found is None:
            cache.put(key, f"<p>{version}</p>")
        cache.prune()
        return key, found

    first, _ = render("before the edit")
    second, _ = render("after the edit")
    assert render("before the edit") == (first, "<p>before the edit</p>")  # the edit undone
    render("another edit")
    cache = incremental.PageCache(tmp_path)
    assert cache.get(first) is not None and cache.get(second) is None
