import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CACHE = ".rederive/analyses.json"


def copy_project(dest: Path) -> Path:
    """A copy of the tracked project files (what a fresh clone has), without outputs; with the
    analysis cache where this tree has one (rederive.cache: each entry is reused only while the
    engine and the inputs it read are unchanged, so it changes no result, only the time)."""
    from rederive.paths import copy_project as copy_tracked
    return copy_tracked(ROOT, dest, extra=(CACHE,))


def run_rederive(project: Path, *args: str, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rederive", *args], cwd=project, capture_output=True, text=True,
                          timeout=timeout, env=None if env is None else {**os.environ, **env})


def rederive_in_process(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """What `run_rederive` gives (exit code, stdout, stderr), the command run in this process
    (rederive.cli.main, from the project's folder, with `env` set for the call and the engine's
    in-process cache memory forgotten first, as a new process starts), for tests whose oracle is
    the command's outcome, not the process: each such call spares a Python start-up that
    imports pandas and scipy (about a second). Tests that need the process itself (a signal, a
    real stderr, PYTHONPATH, the entry point) keep run_rederive, and every command keeps at
    least one test through it."""
    import contextlib
    import io

    from rederive import cache, cli
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env or {}}
    here = os.getcwd()
    try:
        os.environ.update(env or {})
        os.chdir(project)
        cache.forget()
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
    from rederive.ledger import build
    build(ROOT)



@pytest.fixture(scope="session")
def shared_render(tmp_path_factory):
    """One fallback render of a copy of the project per test session, with `prepare(project)`
    applied first, shared by the test workers: the first worker to ask renders under a lock in
    the session's common temporary folder (pytest-xdist's documented pattern for a session
    fixture that runs once), the others wait for it. Returns a function giving each caller its
    own copy of the rendered project (book, figures and the render's caches, which are keyed
    by content, not by folder) and what the render returned (returncode, stdout, stderr, and
    the lines of REDERIVE_BUILD_LOG). fcntl's lock: the standard library's, no new package."""
    import fcntl
    import json
    import shutil
    from types import SimpleNamespace

    if "PYTEST_XDIST_WORKER" not in os.environ:  # no xdist: this process is the only one
        common = tmp_path_factory.mktemp("shared-render")
    else:
        common = tmp_path_factory.getbasetemp().parent / f"shared-render-{os.environ['PYTEST_XDIST_TESTRUNUID']}"
        common.mkdir(exist_ok=True)
    made = {}

    def rendered_copy(dest: Path, prepare) -> tuple[Path, SimpleNamespace]:
        where = common / prepare.__name__
        if prepare.__name__ not in made:
            with open(common / f"{prepare.__name__}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                result = where / "result.json"
                if not result.exists():
                    project = copy_project(where / "project")
                    prepare(project)
                    log = where / "builds.log"
                    done = run_rederive(project, "render", "--fallback", env={"REDERIVE_BUILD_LOG": str(log)})
                    builds = log.read_text().splitlines() if log.exists() else []
                    result.write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                                  "stderr": done.stderr, "builds": builds}), encoding="utf-8")
            made[prepare.__name__] = json.loads((where / "result.json").read_text(encoding="utf-8"))
        project = Path(shutil.copytree(where / "project", dest / "project", symlinks=True))
        return project, SimpleNamespace(**made[prepare.__name__])
    return rendered_copy
