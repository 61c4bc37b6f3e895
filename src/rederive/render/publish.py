"""Staging and publishing: a render writes everything (book, ledger exports, figures) into a
staging folder, and only a render that succeeded replaces _book/ and figures/ with it."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

OUTPUT_DIR = "_book"
FIGURES = "figures"  # figures for citing, one PNG each (rederive.figures)


def staging_folder(root: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{OUTPUT_DIR}.tmp-", dir=root))


def staged_figures(staging: Path) -> Path:
    """Beside the staging folder, not in it: Quarto cleans its output folder."""
    return staging.with_name(staging.name + "-figures")


def figure_env(staging: Path) -> dict:
    """The environment under which chapters save their figures for citing, until published."""
    from ..figures import ENV
    return {ENV: str(staged_figures(staging))}


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(staged_figures(staging), ignore_errors=True)


def publish(staging: Path, root: Path) -> None:
    """Swap the finished render into place: the old one is removed only after the swap."""
    figures = staged_figures(staging)
    staging.chmod(0o755)  # mkdtemp makes it private; a website must be readable
    target = root / OUTPUT_DIR
    old = None
    if target.exists():
        old = root / f"{OUTPUT_DIR}.old-{os.getpid()}"
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old)
    if figures.exists():
        _replace_figures(figures, root / FIGURES)


def _replace_figures(new: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    for png in sorted(new.glob("*.png")):
        png.replace(folder / png.name)
    shutil.rmtree(new)
