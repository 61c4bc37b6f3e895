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
