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
    """A private folder for this render, named with its process id (see clean_stale)."""
    return Path(tempfile.mkdtemp(prefix=f"{OUTPUT_DIR}.tmp-{os.getpid()}-", dir=root))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale(root: Path) -> list[str]:
    """Remove what killed renders left behind (their process is gone): staging folders, staged
    figures, and a previous book set aside for a swap; a set-aside book comes back if the swap
    never finished. Returns what was removed or restored, for the log."""
    done = []
    for path in sorted(root.glob(f"{OUTPUT_DIR}.old-*")) + sorted(root.glob(f"{OUTPUT_DIR}.tmp-*")):
        parts = path.name.split("-")
        pid = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue  # another render is running now
        if path.name.startswith(f"{OUTPUT_DIR}.old-") and not (root / OUTPUT_DIR).exists():
            path.rename(root / OUTPUT_DIR)
            done.append(f"restored {OUTPUT_DIR}/ from {path.name}")
        elif path.exists():
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path.name}")
    return done


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
    """Swap the finished render into place: the old one is removed only after the swap, and
    SIGINT and SIGTERM wait until the swap is done, so _book/ is never left half-replaced."""
    import signal
    blocked = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        _swap(staging, root)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)


def _swap(staging: Path, root: Path) -> None:
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
