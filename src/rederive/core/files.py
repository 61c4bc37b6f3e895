"""Reading only regular files, and writing every file atomically.

Reading: a data file that is a named pipe with no writer, a device or a socket would block a
plain open() or read() forever; here it is opened without blocking and refused unless fstat
says it is a regular file (`BadFile`, which callers report as bad input naming the file).

Writing: a file the project writes (pins, exports, caches, the parts of a book swap) goes to
a temporary file in the same folder, is flushed and fsynced, and only then renamed over the
old one, so a full disk, a size limit or a kill at any point leaves the previous file byte for
byte. (os.replace is atomic within one file system; the same folder guarantees that.)
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class WriteError(OSError):
    """A file could not be written (disk full, size limit, permission); the previous one is intact."""

    def __init__(self, path: Path, cause: OSError):
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.path, self.cause = path, cause

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.strerror}; the previous file is left as it was"


class BadFile(Exception):
    """Not a regular file (a FIFO, device, socket or folder): the message says which."""


_KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]


def kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file. FileNotFoundError/OSError as open() raises them; BadFile for
    anything else than a regular file, found without blocking."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BadFile(f"{kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, encoding: str = "utf-8") -> str:
    return read_bytes(path).decode(encoding)


def write_atomically(path: Path, data: bytes | str, encoding: str = "utf-8") -> None:
    """Replace `path` with `data`, or leave it exactly as it was (WriteError raised)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    if path.is_dir():
        raise WriteError(path, IsADirectoryError(21, "it is a folder", str(path)))
    try:
        _write(path, data)
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(path, exc) from None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:  # the mode the file had, or the one a plain open() would give (mkstemp's is 0600)
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode) if path.exists() else 0o666 & ~_umask())
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
