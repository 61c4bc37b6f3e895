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


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session", autouse=True)
def warm_analysis_cache():
    """The analysis cache in this tree, which copy_project copies (each test worker asks once;
    with a warm cache it is a fraction of a second)."""
    from rederive.ledger import build
    build(ROOT)

