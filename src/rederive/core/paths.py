"""Where the project is: the folder holding _quarto.yml and data/."""
from __future__ import annotations

from pathlib import Path


class NoProject(Exception):
    pass


def project_root(start: Path | None = None) -> Path:
    """The folder holding _quarto.yml and data/, searched upwards from start (default: cwd)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_quarto.yml").exists() and (folder / "data").is_dir():
            return folder
    raise NoProject(f"no project (a folder with _quarto.yml and data/) at or above {here}")


def copy_project(root: Path, dest: Path, extra: tuple[str, ...] = (), leave_out: tuple[str, ...] = ()) -> Path:
    """The files git tracks (or would: untracked and not ignored) under root, copied to dest, as
    a fresh clone has them, plus the listed extra files where they exist (tests and benchmarks
    work in such a scratch copy); without the top-level folders named in `leave_out`."""
    import shutil
    import subprocess
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.split()
    for rel in [*listed, *extra]:
        if rel.split("/", 1)[0] not in leave_out and (root / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, dest / rel)
    return dest
