import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

# pytest keeps the test modules (and those of hypothesis, a plugin) it rewrites for its assertion
# messages in __pycache__ only where Python may write bytecode; under PYTHONDONTWRITEBYTECODE,
# which these machines set, every test process parsed and rewrote them again (collecting the
# suite: 4.1-4.7 s, against 2.6 once they are kept). Only this process is concerned: the commands
# the tests run keep the environment's setting.
sys.dont_write_bytecode = False

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CACHE = ".rederive/analyses.json"


def copy_project(dest: Path, with_code: bool = False) -> Path:
    """A copy of the tracked project files (what a fresh clone has), without outputs; with the
    analysis cache where this tree has one (rederive.ledger.cache: each entry is reused only while the
    engine and the inputs it read are unchanged, so it changes no result, only the time). Without
    the engine's source, the tests and the benchmarks (two thirds of its files) unless
    `with_code`: the commands a test runs use this working tree's engine (the editable install,
    or the test's own process), so a copy's src/ is read only by a test that puts it on
    PYTHONPATH or runs the copy's tests. (Copies are made for each of hundreds of cases: in the
    suite the bad-input and reader-property tests alone made 194, 11 CPU-s of copying with
    every file.)"""
    from rederive.core.paths import copy_project as copy_tracked
    return copy_tracked(ROOT, dest, extra=(CACHE,), leave_out=() if with_code else ("src", "tests", "benchmarks"))


def read_rows(path: Path) -> list[dict]:
    """A register's (or any CSV's) rows, as dicts keyed by its header."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path: Path, rows: list[dict], fields: list[str] | None = None) -> None:
    """Rows written back as the registers are written: a header, LF line ends; a field a row
    lacks is left empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fields or list(rows[0]), lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def run_rederive(project: Path, *args: str, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rederive", *args], cwd=project, capture_output=True, text=True,
                          timeout=timeout, env=None if env is None else {**os.environ, **env})


def rederive_in_process(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """What `run_rederive` gives (exit code, stdout, stderr), the command run in this process
    (rederive.cli.main, from the project's folder, with `env` set for the call and this
    process's memory of the project's analysis cache forgotten first, as a new process starts),
    for tests whose oracle is the command's outcome, not the process: each such call spares a
    Python start-up that imports pandas and scipy (about a second). Tests that need the process itself (a signal, a
    real stderr, PYTHONPATH, the entry point) keep run_rederive, and every command keeps at
    least one test through it."""
    import contextlib
    import io

    from rederive import cli
    from rederive.ledger import cache
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env or {}}
    here = os.getcwd()
    try:
        os.environ.update(env or {})
        os.chdir(project)
        cache.forget(Path(project))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        os.chdir(here)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(["rederive", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session", autouse=True)
def warm_analysis_cache():
    """The analysis cache in this tree, which copy_project copies (each test worker asks once;
    with a warm cache it is a fraction of a second)."""
    from rederive.ledger.ledger import build
    build(ROOT)



# How the two test workers share the work (pyproject: --dist loadfile --no-loadscope-reorder,
# with the scheduler below). A unit of work runs on one worker: a file, as --dist loadfile has
# it, except the tests named here, which are units of their own so that one file's long tests
# can run on both workers, each unit on its own copy of the session's one render where it reads
# it. (pytest-xdist's own xdist_group marks would say this in the test files, but --dist loadgroup
# silently stops grouping with pytest 9.2: pytest-xdist issue 1386.) Units start in this order,
# the other files after them in file order: first the longest that need no render, while the
# session's one render runs in the background (render_in_background); then the render's readers,
# longest first; the quick files last, to even out the end. Only the order and the worker
# change, never what a test does.
R, RA = "tests/render/test_render.py::", "tests/render/test_render_again.py::"
MUTATE = "tests/ledger/test_ledger.py::test_changing_any_single_reported_number_makes_check_fail[data/"
UNITS = [
    ("update", ["tests/ledger/test_update.py"]),
    ("mutate-shen", [MUTATE + "shen2025/"]),
    ("interrupted", ["tests/render/test_render_interrupted.py"]),
    ("mutate-descart", [MUTATE + "descart2022/"]),
    ("mutation", ["tests/ledger/test_mutation.py"]),
    ("bad-input", ["tests/test_bad_input.py"]),
    ("scaffold", ["tests/data/test_scaffold.py"]),
    ("render-again-fresh", [RA + "test_two_renders_of_the_same_tree_are_byte_identical"]),
    ("render-again-data", [RA + "test_a_data_change_re_executes_the_chapters_that_read_it_and_shows_the_new_number"]),
    ("render-again-css", [RA + "test_an_edit_to_the_books_stylesheet_is_published_without_executing_a_chapter"]),
    # the link test after the page test, in one Chromium, as the file has them: alone on a cold
    # browser under load its first row once missed its 3 s wait
    ("render-browser", [R + "test_every_page_loads_in_a_browser_with_working_links_images_and_search",
                        R + "test_every_number_link_lands_on_its_ledger_row_in_a_browser",
                        R + "test_a_number_shows_its_card_on_focus_and_hover_inside_a_phone_screen",
                        R + "test_an_own_results_number_shows_its_card_inside_the_screen",
                        R + "test_the_ledger_filters_to_one_source_in_a_browser",
                        R + "test_the_ledger_sorts_by_a_click_on_a_header_and_loads_its_script_from_one_shared_file",
                        R + "test_search_finds_nothing_for_a_word_the_report_does_not_contain"]),
    ("render-browser-axe", [R + "test_tables_hide_nothing_and_axe_finds_no_serious_violation"]),
    ("render-pdf", [R + "test_a_pdf_table_longer_than_a_page_breaks_across_pages",
                    R + "test_the_pdf_contents_list_the_books_chapters_and_nothing_else",
                    R + "test_no_page_of_the_pdf_has_overprinted_text_or_text_past_the_margin",
                    R + "test_every_finding_id_is_in_the_pdf_text",
                    R + "test_every_ledger_link_resolves_in_both_formats_and_the_pdf_never_links_to_a_web_page"]),
    ("render-edits", [R + "test_a_render_with_nothing_changed_writes_nothing_and_keeps_the_book",
                      R + "test_a_changed_number_fails_the_render_and_keeps_the_last_good_book_and_figures",
                      R + "test_a_failure_after_figures_were_drawn_keeps_the_last_good_figures",
                      R + "test_the_fallback_refuses_", R + "test_a_cell_exception_fails_naming_chapter_and_cell",
                      R + "test_an_unresolved_crossref_fails_the_render_before_any_chapter_runs"]),
    ("render-reads", ["tests/render/test_render.py"]),  # the rest of the file
    ("writes-and-exports", ["tests/test_writes_and_exports.py"]),  # 7 s alone (10 s before its in-process calls): last in file order, it ended the run alone
    ("untrusted-caches", ["tests/ledger/test_untrusted_caches.py"]),
    ("reader-properties", ["tests/test_reader_properties.py"]),
    ("ledger", ["tests/ledger/test_ledger.py"]),
]


def unit_of(nodeid: str) -> tuple[int, str]:
    """(rank, name) of the unit a test belongs to: the unit with the longest prefix of its id."""
    found = max(((len(p), rank, name) for rank, (name, prefixes) in enumerate(UNITS) for p in prefixes
                 if nodeid.startswith(p)), default=None)
    return (found[1], found[2]) if found else (len(UNITS), nodeid.split("::", 1)[0])


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: unit_of(item.nodeid)[0])  # stable: file order otherwise


def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile's scheduler, with the units above instead of files."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ByUnit(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)[1]
    return ByUnit(config, log)


def _common_folder(tmp_path_factory) -> Path:
    """The session's temporary folder that every test worker sees (pytest-xdist's documented
    pattern for a session fixture that runs once), or this process's own without xdist."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # no xdist: this process is the only one
        return tmp_path_factory.getbasetemp() / "shared-render"
    return tmp_path_factory.getbasetemp().parent / f"shared-render-{os.environ['PYTEST_XDIST_TESTRUNUID']}"


# Runs `python -m rederive render --fallback` in <project>, then writes what it returned to
# <result> (by a rename: a reader never sees half a file). A small process of its own, without
# the engine's imports, so that the render runs beside the tests and its result reaches every worker.
_RENDER_AND_RECORD = """
import json, os, subprocess, sys
project, log, result = sys.argv[1:4]
done = subprocess.run([sys.executable, "-m", "rederive", "render", "--fallback"], cwd=project, capture_output=True,
                      text=True, timeout=1800, env={**os.environ, "REDERIVE_BUILD_LOG": log})
builds = open(log).read().splitlines() if os.path.exists(log) else []
with open(result + ".tmp", "w", encoding="utf-8") as f:
    json.dump({"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "builds": builds}, f)
os.replace(result + ".tmp", result)
"""


def _start_render(common: Path, prepare):
    """Start the shared render of `prepare`'s project in the background, unless a worker already
    has (under the lock: the first to ask starts it). Returns the process if this call started it."""
    import fcntl
    common.mkdir(parents=True, exist_ok=True)
    where = common / prepare.__name__
    with open(common / f"{prepare.__name__}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (where / "started").exists():
            return None
        project = copy_project(where / "project")
        prepare(project)
        (where / "started").touch()
        return subprocess.Popen([sys.executable, "-c", _RENDER_AND_RECORD, str(project), str(where / "builds.log"),
                                 str(where / "result.json")], stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session", autouse=True)
def render_in_background(request, tmp_path_factory, warm_analysis_cache):
    """The session's one render starts as the session does, when any test collected reads it,
    and runs beside the tests that need none (the workers take those first: UNITS above)."""
    if not any("shared_render" in item.fixturenames for item in request.session.items):
        yield
        return
    from test_render import _plant_hostile_register_text
    started = _start_render(_common_folder(tmp_path_factory), _plant_hostile_register_text)
    yield
    if started is not None:
        started.wait()  # this worker started it: it collects it


@pytest.fixture(scope="session")
def shared_render(tmp_path_factory):
    """One fallback render of a copy of the project per test session, with `prepare(project)`
    applied first, shared by the test workers: the first worker to ask starts it (at the start
    of the session: render_in_background) in the session's common temporary folder, under a
    lock, and every worker waits for its result there. Returns a function giving each caller
    its own copy of the rendered project (book, figures and the render's caches, which are
    keyed by content, not by folder) and what the render returned (returncode, stdout,
    stderr, and the lines of REDERIVE_BUILD_LOG). fcntl's lock: the standard library's, no
    new package."""
    import json
    import shutil
    import time
    from types import SimpleNamespace

    common = _common_folder(tmp_path_factory)
    made = {}

    def rendered_copy(dest: Path, prepare) -> tuple[Path, SimpleNamespace]:
        where = common / prepare.__name__
        if prepare.__name__ not in made:
            started = _start_render(common, prepare)
            result = where / "result.json"
            deadline = time.monotonic() + 1800
            while not result.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no result from the shared render in {where} after 30 minutes")
                if started is not None and started.poll() is not None and not result.exists():
                    raise RuntimeError(f"the shared render's recorder ended ({started.returncode}) without a result")
                time.sleep(0.2)
            if started is not None:
                started.wait()
            made[prepare.__name__] = json.loads(result.read_text(encoding="utf-8"))
        project = Path(shutil.copytree(where / "project", dest / "project", symlinks=True))
        return project, SimpleNamespace(**made[prepare.__name__])
    return rendered_copy
