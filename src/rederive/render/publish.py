"""Staging and publishing: a render writes everything (book, ledger exports, figures) into a
staging folder, and only a render that succeeded replaces _book/ and figures/ with it."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

OUTPUT_DIR = "_book"
FIGURES = "figures"  # figures for citing, one PNG each (rederive.book.figures)


def _owner() -> str:
    """This process as staging folders name it: its id and, where the system says, its start time,
    so that a process id reused by an unrelated process cannot keep stale folders for ever."""
    start = _start_time(os.getpid())
    return f"{os.getpid()}-{start}" if start is not None else str(os.getpid())


def staging_folder(root: Path) -> Path:
    """A private folder for this render, named with its process id and start time (see clean_stale)."""
    return Path(tempfile.mkdtemp(prefix=f"{OUTPUT_DIR}.tmp-{_owner()}-", dir=root))


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux /proc), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the name in brackets may hold spaces
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int, start: int | None = None) -> bool:
    """Is the process that made a folder still running? With its start time, a live process
    that reused the id but started at another time is not it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        pass
    if start is not None:
        now = _start_time(pid)
        return now is None or now == start
    return True


def clean_stale(root: Path) -> list[str]:
    """Remove what killed renders left behind (their process is gone): staging folders, staged
    figures, and a previous book set aside for a swap; a set-aside book comes back if the swap
    never finished. Returns what was removed or restored, for the log."""
    done = []
    for path in sorted(root.glob(f"{OUTPUT_DIR}.old-*")) + sorted(root.glob(f"{OUTPUT_DIR}.tmp-*")):
        parts = path.name.split("-")
        pid = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        # names with a start time: "_book.tmp-<pid>-<start>-<random>", "_book.old-<pid>-<start>"
        has_start = len(parts) > (2 if path.name.startswith(f"{OUTPUT_DIR}.old-") else 3)
        start = int(parts[2]) if has_start and parts[2].isdigit() else None
        if pid is not None and pid != os.getpid() and _alive(pid, start):
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
    from ..book.figures import ENV
    return {ENV: str(staged_figures(staging))}


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(staged_figures(staging), ignore_errors=True)


def snapshot(root: Path) -> dict[str, str]:
    """Fingerprints of what a render is made from: the data, the engine (src/), the chapters and
    the chapters' setup, _quarto.yml and the bibliography. Taken when a render starts and again
    before it publishes (see publish)."""
    import hashlib

    from ..ledger.cache import data_fingerprint, engine_fingerprint

    def digest(paths) -> str:
        h = hashlib.sha256()
        for path in sorted(paths):
            if path.is_file():
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        return h.hexdigest()
    return {"data/": data_fingerprint(root), "the engine (src/)": engine_fingerprint(),
            "the chapters": digest([*root.glob("*.qmd"), *(root / "chapters").glob("*.qmd"),
                                    *(root / "chapters").glob("*.py")]),
            "_quarto.yml or references.bib": digest([root / "_quarto.yml", root / "references.bib"])}


def publish(staging: Path, root: Path, started: dict | None = None) -> None:
    """Swap the finished render into place: the old one is removed only after the swap, and
    SIGINT and SIGTERM wait until the swap is done, so _book/ is never left half-replaced.

    With `started` (the snapshot taken when the render began), a render whose data, engine or
    chapters changed on disk while it ran is refused (RenderError), never published: its pages
    could show the old values beside exports built from the new ones."""
    import signal
    if started is not None:
        now = snapshot(root)
        changed = [name for name in started if now.get(name) != started[name]]
        if changed:
            from .errors import RenderError
            raise RenderError(f"{' and '.join(changed)} changed on disk while the render ran; nothing was "
                              "published (render again)")
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
        old = root / f"{OUTPUT_DIR}.old-{_owner()}"
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
