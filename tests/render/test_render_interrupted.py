"""A render that is interrupted, or whose kernel cannot start, ends in one line and keeps the
last good book. Apart from test_render.py, whose tests share one render: these need none, and
run beside it."""
import hashlib
import os
import signal
import subprocess
import sys

import pytest

from conftest import ROOT


# Where the signal comes: as the pre-render check prints its last line (the check, then in the
# render's process group, printed a traceback of its own after the render's one line, 3 times in
# 3), or once the first chapter has executed (chapters are executing). As from a terminal's
# Ctrl-C, the signal goes to the whole process group.
@pytest.mark.parametrize("signame, moment", [("SIGINT", "ok: all"), ("SIGTERM", "[1/")])
def test_an_interrupted_render_ends_in_one_line_keeps_the_book_and_clears_staging(project, signame, moment):
    # Oracle: exit 128 + the signal, one line on stderr, the previous _book/ byte for byte (here a
    # stand-in: what is kept does not depend on what it holds), no staging folder left; stale
    # folders of a killed render (dead process ids) are removed first.
    (project / "_book").mkdir()
    (project / "_book" / "index.html").write_text("<p>the last good render</p>\n", encoding="utf-8")
    digest = lambda: hashlib.sha256((project / "_book" / "index.html").read_bytes()).hexdigest()  # noqa: E731
    before = digest()
    (project / "_book.tmp-999999-stale").mkdir()
    (project / "_book.old-999998").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "rederive", "render", "--fallback", "--fresh"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(moment):
            break
    os.killpg(proc.pid, getattr(signal, signame))  # as a terminal's Ctrl-C reaches the whole group
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + getattr(signal, signame)
    assert err.strip().splitlines() == [f"render interrupted ({signame}): nothing was published; "
                                        "the last good render in _book/ was left in place"], err
    assert any("stale render output: removed _book.tmp-999999-stale" in s for s in seen)
    assert not list(project.glob("_book.tmp-*")) and not list(project.glob("_book.old-*"))
    assert digest() == before


def test_a_kernel_that_cannot_start_is_one_render_failed_line(monkeypatch):
    # As without a loopback interface or with a broken Jupyter install: jupyter_client raises
    # "Kernel didn't respond"; the render must say so in one RenderError, not a traceback.
    from jupyter_client.manager import AsyncKernelManager

    from rederive.render.errors import RenderError
    from rederive.render.execute import execute_chapter

    async def no_kernel(self, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds")
    monkeypatch.setattr(AsyncKernelManager, "start_kernel", no_kernel)
    with pytest.raises(RenderError) as caught:
        execute_chapter(ROOT, "index.qmd")
    assert str(caught.value) == ("index.qmd: the Jupyter kernel did not start or stopped answering: "
                                 "Kernel didn't respond in 60 seconds")


def test_a_kernel_that_finishes_starting_after_an_interrupt_stops_itself_and_runs_nothing(tmp_path):
    # An interrupted render stops the kernels it knows the process of (kill_running_kernels); one
    # still starting had none yet, and its chapter ran to its end before the render could exit.
    # Oracle: its start raises the stop, and no kernel process is left.
    from rederive.render.errors import RenderError
    from rederive.render.execute import Kernel, allow_kernels, kill_running_kernels
    kill_running_kernels()  # as the interrupted render does, before this kernel started
    kernel = Kernel(tmp_path)
    try:
        with pytest.raises(RenderError, match="stopped while a kernel started"):
            kernel.start()
        assert not kernel.km.has_kernel
    finally:
        allow_kernels()
        kernel.close()


def _chapter(tmp_path, code: str) -> str:
    (tmp_path / "chapters").mkdir(exist_ok=True)
    (tmp_path / "chapters" / "x.qmd").write_text(
        f"# X\n\n```{{python}}\nx = 1\n```\n\n```{{python}}\n#| label: the-cell\n{code}\n```\n", encoding="utf-8")
    return "chapters/x.qmd"


def test_after_a_render_stopped_by_a_failing_chapter_this_process_executes_chapters_again(tmp_path):
    # Oracle: the stop a failure (or an interrupt) sets for the render's kernels ends with that
    # render: a chapter executed afterwards in the same process (a test, a second render) runs.
    from types import SimpleNamespace

    from rederive.render.errors import RenderError
    from rederive.render.execute import execute_chapter
    from rederive.render.fallback import _execute_all
    good = _chapter(tmp_path, "y = x + 1")
    (tmp_path / "chapters" / "bad.qmd").write_text("# Bad\n\n```{python}\nraise ValueError('boom')\n```\n", encoding="utf-8")
    with pytest.raises(RenderError, match="boom"):
        _execute_all(tmp_path, SimpleNamespace(chapters=["chapters/bad.qmd"], bibliography=None), reuse=False)
    assert [b.kind for b in execute_chapter(tmp_path, good).blocks] == ["markdown", "code", "code"]


def test_a_cell_that_never_ends_is_stopped_at_the_time_limit_naming_chapter_and_cell(tmp_path, monkeypatch):
    # Oracle: the limit set (3 s) plus kernel start-up and shutdown, well under a minute; the
    # message names chapter, cell number and label.
    import time

    from rederive.render.errors import RenderError
    from rederive.render.execute import TIMEOUT_ENV, execute_chapter
    monkeypatch.setenv(TIMEOUT_ENV, "3")
    started = time.monotonic()
    with pytest.raises(RenderError) as caught:
        execute_chapter(tmp_path, _chapter(tmp_path, "while True:\n    pass"))
    assert str(caught.value).startswith("chapters/x.qmd, cell 2 (the-cell): did not finish within 3 s")
    assert time.monotonic() - started < 60


def test_a_kernel_that_dies_in_a_cell_is_noticed_at_once_and_named(tmp_path):
    # Oracle: nbclient's kernel-alive check runs every second; the default time limit (600 s) is
    # never reached.
    import time

    from rederive.render.errors import RenderError
    from rederive.render.execute import execute_chapter
    started = time.monotonic()
    with pytest.raises(RenderError) as caught:
        execute_chapter(tmp_path, _chapter(tmp_path, "import os\nos._exit(1)"))
    assert str(caught.value).startswith("chapters/x.qmd, cell 2 (the-cell): the Jupyter kernel died while running it")
    assert time.monotonic() - started < 30


def test_sigterm_stops_a_render_within_seconds_while_a_cell_never_ends(project, tmp_path):
    # Oracle: exit 143 (128 + SIGTERM) and the one interrupted line, within 20 s of the signal
    # (the kernel is killed; nbclient's alive check notices within a second); the book kept.
    import time
    marker = tmp_path / "cell-started"
    index = project / "index.qmd"
    text = index.read_text(encoding="utf-8")
    setup_ends = text.index("\n```\n", text.index("```{python}")) + len("\n```\n")  # right after the first cell
    index.write_text(text[:setup_ends] + f"\n```{{python}}\nopen({str(marker)!r}, 'w').close()\n"
                     "while True:\n    pass\n```\n" + text[setup_ends:], encoding="utf-8")
    (project / "_book").mkdir()
    (project / "_book" / "index.html").write_text("<p>the last good render</p>\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "rederive", "render", "--fallback", "--fresh"], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 400
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker.exists(), proc.stderr.read() if proc.poll() is not None else "the cell never started"
    os.kill(proc.pid, signal.SIGTERM)
    signalled = time.monotonic()
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - signalled < 20
    assert proc.returncode == 128 + signal.SIGTERM and "render interrupted (SIGTERM)" in err, err
    assert (project / "_book" / "index.html").read_text(encoding="utf-8") == "<p>the last good render</p>\n"
    assert not list(project.glob("_book.tmp-*"))


def test_a_staging_folder_whose_process_id_now_belongs_to_another_process_is_cleaned(tmp_path):
    # Oracle: this test's own process is alive but started at another time than the one the
    # folder's name records, so the folder is stale; one named with its real start time is kept.
    from rederive.render.publish import _start_time, clean_stale
    parent = os.getppid()  # alive, and not this process (clean_stale never removes its own)
    start = _start_time(parent)
    if start is None:
        pytest.skip("no process start times on this system (/proc): folders are judged by process id alone")
    (tmp_path / f"_book.tmp-{parent}-{start + 1}-abc").mkdir()
    (tmp_path / f"_book.tmp-{parent}-{start}-def").mkdir()
    removed = clean_stale(tmp_path)
    assert removed == [f"removed _book.tmp-{parent}-{start + 1}-abc"]
    assert (tmp_path / f"_book.tmp-{parent}-{start}-def").exists()
