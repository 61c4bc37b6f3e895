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


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_an_interrupted_render_ends_in_one_line_keeps_the_book_and_clears_staging(project, signame):
    # A render stopped while executing chapters: exit 128 + the signal, one line on stderr, the
    # previous _book/ byte for byte (here a stand-in: what is kept does not depend on what it
    # holds), no staging folder left; stale folders of a killed render (dead process ids) are
    # removed first.
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
        if line.startswith("[1/"):
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
    from jupyter_client.manager import KernelManager

    from rederive.render.errors import RenderError
    from rederive.render.execute import execute_chapter

    def no_kernel(self, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds")
    monkeypatch.setattr(KernelManager, "start_kernel", no_kernel)
    with pytest.raises(RenderError) as caught:
        execute_chapter(ROOT, "index.qmd")
    assert str(caught.value) == ("index.qmd: the Jupyter kernel did not start or stopped answering: "
                                 "Kernel didn't respond in 60 seconds")
