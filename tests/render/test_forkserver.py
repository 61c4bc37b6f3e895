"""The fallback's chapter kernels, forked from a preloaded process (rederive.render.forkserver):
a forked kernel sees what a kernel jupyter_client starts would see, and a kernel still starts
when the fork server cannot. (That forked kernels are stopped, noticed dead and time-limited is
tested by test_render_interrupted.py, whose kernels are forked as every render's are.)"""
import json
import os

import pytest

from rederive.render import forkserver
from rederive.render.execute import execute_chapter

# What a chapter's kernel reports of its own process (REDERIVE_FIGURES: rederive.book.figures.ENV,
# the folder each kernel saves its figures to). Compared between a forked kernel and one
# started by jupyter_client, these must agree, pids aside.
_FACTS = """import json, os, signal, sys
print(json.dumps({
    "cwd": os.getcwd(), "path0": sys.path[0], "argv0": os.path.basename(sys.argv[0]),
    "main": sys.modules["__main__"].__name__, "env": os.environ.get("REDERIVE_TEST_MARKER"),
    "figures": bool(os.environ.get("REDERIVE_FIGURES")), "own_session": os.getsid(0) == os.getpid(),
    "sigint": signal.getsignal(signal.SIGINT) is not signal.SIG_IGN,
    "sigchld": signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL,
    "stdin": os.readlink("/proc/self/fd/0").split(":")[0],
    "parent": os.getppid(), "preloaded": "pandas" in sys.modules,
}))"""


def _facts(tmp_path) -> dict:
    (tmp_path / "chapters").mkdir(exist_ok=True)
    (tmp_path / "chapters" / "facts.qmd").write_text(f"# Facts\n\n```{{python}}\n{_FACTS}\n```\n", encoding="utf-8")
    chapter = execute_chapter(tmp_path, "chapters/facts.qmd")
    outputs = [o for b in chapter.blocks if b.kind == "code" for o in b.outputs]
    return json.loads("".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream"))


def test_a_forked_kernel_sees_what_a_started_kernel_sees(tmp_path, monkeypatch):
    # Oracle: a kernel jupyter_client starts itself (REDERIVE_FORK_KERNELS=0), in the same
    # folder and environment: working folder, sys.path[0], argv, __main__, environment, a session
    # of its own, signal handling, stdin. A forked kernel's parent is the fork server, not this
    # process, and it has pandas imported before its first cell (the point of forking).
    monkeypatch.setenv("REDERIVE_TEST_MARKER", "set by the test")
    monkeypatch.setenv(forkserver.ENV, "0")
    started = _facts(tmp_path)
    monkeypatch.delenv(forkserver.ENV)
    forked = _facts(tmp_path)
    assert started.pop("parent") == os.getpid() and not started.pop("preloaded")
    assert forked.pop("parent") != os.getpid() and forked.pop("preloaded")
    assert forked == started
    assert started["cwd"] == str(tmp_path) != os.getcwd() and started["env"] == "set by the test"


def test_a_kernel_starts_as_usual_when_the_fork_server_cannot(tmp_path, monkeypatch):
    # Oracle: the kernel's parent is this process (jupyter_client started it) and the chapter ran.
    # The server cannot start: its command names a program that does not exist.
    monkeypatch.setattr(forkserver, "_SERVER", forkserver.ForkServer([str(tmp_path / "no-such-python")]))
    assert _facts(tmp_path)["parent"] == os.getpid()
    assert forkserver._SERVER.spawn(["x"], {}, str(tmp_path), None) is None  # and it is not tried again


def test_a_kernel_asked_for_with_another_pythonpath_imports_from_it(tmp_path, monkeypatch):
    # Oracle: Python's own search path. A server started before PYTHONPATH named a folder cannot
    # fork a kernel that imports from it; the kernel must find the folder's module, as a started
    # kernel would (rederive.render.forkserver starts a server with the new settings).
    _facts(tmp_path)  # a server is running, started without the folder
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "only_on_the_new_path.py").write_text("WHERE = 'the new path'\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "lib"))
    (tmp_path / "chapters" / "imports.qmd").write_text(
        "# Imports\n\n```{python}\nimport only_on_the_new_path\nprint(only_on_the_new_path.WHERE)\n```\n", encoding="utf-8")
    chapter = execute_chapter(tmp_path, "chapters/imports.qmd")
    assert [o.get("text") for b in chapter.blocks if b.kind == "code" for o in b.outputs] == ["the new path\n"]


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="forked kernels need pidfd_open (Linux 5.3 and later)")
def test_a_forked_kernel_that_ended_is_seen_as_ended_and_is_not_signalled(tmp_path):
    # Oracle: the pidfd. A process that has ended polls as ended (returncode 0, the server's to
    # know), and a signal sent to it afterwards reaches nothing (no error, no other process).
    import subprocess
    import sys
    server = forkserver.ForkServer()
    try:
        process = server.spawn([sys.executable, "-c", "pass"], dict(os.environ), str(tmp_path), None)
        assert process is not None
        assert process.wait(timeout=30) == 0 and process.poll() == 0
        process.kill()
        running = server.spawn([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ), str(tmp_path), None)
        with pytest.raises(subprocess.TimeoutExpired):
            running.wait(timeout=0.1)
        running.kill()
        assert running.wait(timeout=30) == 0
    finally:
        server.close()
