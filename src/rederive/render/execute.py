"""The fallback's chapter execution: jupytext reads a .qmd (its R Markdown reader; jupytext's
own .qmd reader calls the quarto CLI, absent here), nbclient runs its cells in a Jupyter kernel
in the project folder (execute-dir: project). Written here, because neither part has it: Quarto's
`#| key: value` cell options (only those in config.CELL_OPTIONS; any other is refused by name)
and its inline `{python} expr` expressions."""
from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .config import CELL_OPTIONS
from .errors import RenderError


@dataclass
class Block:
    kind: str  # markdown | code
    text: str = ""  # markdown, or the code without its #| lines
    options: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)


@dataclass
class Chapter:
    path: str
    blocks: list[Block]
    figures: dict[str, bytes] = field(default_factory=dict)  # saved for citing (rederive.book.figures)
    reads: list = field(default_factory=list)  # what it read from the report (rederive.book.reads)


_OPTION_LINE = re.compile(r"^#\|\s?(.*)$")
_INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
# A falsy value (an empty string, 0, None, False) Quarto prints as the expression's source text
# (rederive.render.inline): refused here, as the value is known only when evaluated.
# A ledger number in prose must link to its row (issue 18): an expression that reads a row's
# number text (rederive.report.NUMBER_TEXTS_READ) and shows no link to that row is refused; so is
# one that shows a number of the report's own results without a link to one of its rows
# (rederive.report.unlinked_results).
# A markdown cell's inline expressions, evaluated in one request to its kernel, in order, up to
# the first that fails (a request per expression cost 8 ms each, 500 in the book); the values, or
# where it stopped and why, come back as JSON. An expression's own printing is kept off the reply.
_INLINE_CODE = """import contextlib as __contextlib, io as __io, json as __json
from rederive import report as __report
__inline_texts, __inline_failed = [], None
for __inline_at, __inline_expr in enumerate({expressions!r}):
    try:
        __report.NUMBER_TEXTS_READ.clear()
        __report.ANALYSES_READ.clear()
        with __contextlib.redirect_stdout(__io.StringIO()):
            __inline_value = eval(compile(__inline_expr, "<inline>", "eval"), globals())
        if isinstance(__inline_value, (str, int, float, type(None))) and not __inline_value:
            raise ValueError(f"its value is {{__inline_value!r}}, which Quarto prints as the expression's source text")
        __inline_markdown = getattr(__inline_value, "_repr_markdown_", None)
        __inline_text = __inline_markdown() if __inline_markdown else (__inline_value if isinstance(__inline_value, str) else repr(__inline_value))
        __unlinked = sorted(i for i in __report.NUMBER_TEXTS_READ if f"#row-{{i}})" not in __inline_text)
        if __unlinked:
            raise ValueError(f"it shows ledger row {{', '.join(__unlinked)}} without its link to that row: write "
                             f"n({{__unlinked[0]!r}}) (Report.number) in prose; f() is for code")
        __unlinked = __report.unlinked_results(__inline_expr, globals(), __inline_text)
        if __unlinked:
            raise ValueError(f"it shows the report's own result {{', '.join(__unlinked)}} without a link to its ledger row: "
                             f"write own('<analysis>.<path>', ...) (Report.result) in prose")
        __inline_texts.append(__inline_text)
    except Exception as __exc:
        __inline_failed = [__inline_at, f"{{type(__exc).__name__}}: {{__exc}}"]
        break
print(__json.dumps({{"texts": __inline_texts, "failed": __inline_failed}}), end="")
for __name in [n for n in globals() if n.startswith("__inline_") or n in ("__unlinked", "__exc", "__report", "__json", "__io", "__contextlib")]:
    del globals()[__name]
del __name"""
# Run after a chapter's last cell: what it read from the report (rederive.book.reads), for the cache.
# Data only (rederive.ledger.datacache), never pickle: the render process decodes it.
_READS_CODE = """from rederive.ledger import datacache as __d
from rederive.book import reads as __r
print(__d.dumps("reads", __r.recorded_reads()).decode(), end="")
del __d, __r"""


# Every cell may run this long (seconds; REDERIVE_CELL_TIMEOUT changes it). Quarto documents no
# per-cell time limit for Jupyter, so this is the fallback's own, and says so when it stops a cell.
CELL_TIMEOUT = 600
TIMEOUT_ENV = "REDERIVE_CELL_TIMEOUT"

_running: dict[int, object] = {}  # kernel managers of the chapters executing now, by id
_running_lock = threading.Lock()
_stopping = threading.Event()  # set by kill_running_kernels: a kernel still starting is stopped as it starts


def cell_timeout() -> int:
    try:
        value = int(os.environ.get(TIMEOUT_ENV) or CELL_TIMEOUT)
    except ValueError:
        raise RenderError(f"{TIMEOUT_ENV}={os.environ.get(TIMEOUT_ENV)!r} is not a whole number of seconds") from None
    if value <= 0:
        raise RenderError(f"{TIMEOUT_ENV}={value} must be at least 1 second")
    return value


def allow_kernels() -> None:
    """Kernels may start again: the threads of the kernels kill_running_kernels stopped have ended."""
    _stopping.clear()


def kill_running_kernels() -> None:
    """Stop at once every kernel a chapter is executing in (a render that is interrupted): the
    thread waiting on it notices within a second (nbclient's kernel-alive check) and ends. A kernel
    still starting has no process to stop yet: it stops itself once started (Kernel.start)."""
    with _running_lock:
        _stopping.set()
        managers = list(_running.values())
    for km in managers:
        pid = getattr(getattr(km, "provisioner", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _split_options(source: str) -> tuple[dict, str]:
    """Quarto's `#| key: value` lines at the top of a cell: parsed as YAML, removed from code."""
    lines = source.splitlines()
    option_lines = []
    while lines and (m := _OPTION_LINE.match(lines[0])):
        option_lines.append(m.group(1))
        lines.pop(0)
    from ..core.yamlfile import YamlError, load
    try:
        options = load("\n".join(option_lines)) if option_lines else {}
    except YamlError as exc:
        raise ValueError(f"cell options are not valid YAML: {exc.message}") from None
    if not isinstance(options or {}, dict):
        raise ValueError("cell options must be `#| key: value` lines")
    return options or {}, "\n".join(lines)


def _cell_options(source: str, rel: str, number: int) -> tuple[dict, str, str]:
    """A code cell's options and code, and where it is ("chapter, cell 3 (label)"); RenderError
    for options that are not YAML or that the fallback does not implement."""
    try:
        options, code = _split_options(source)
    except ValueError as exc:
        raise RenderError(f"{rel}, cell {number}: {exc}") from None
    where = f"{rel}, cell {number}" + (f" ({options['label']})" if options.get("label") else "")
    unknown = sorted(set(options) - CELL_OPTIONS)
    if unknown:
        raise RenderError(f"{where}: the fallback does not implement the cell option(s) "
                          f"{', '.join(unknown)} (known: {', '.join(sorted(CELL_OPTIONS))})")
    return options, code, where


def read_chapter(root: Path, rel: str) -> Chapter:
    """A chapter as written, before any kernel starts (its prose unevaluated, no outputs), every
    cell's options checked: a render refused for an option fails at once."""
    import jupytext
    nb = jupytext.reads((root / rel).read_text(encoding="utf-8"), fmt="Rmd")
    blocks, code_cells = [], 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            blocks.append(Block("markdown", cell.source))
        elif cell.cell_type == "code":
            code_cells += 1
            options, code, _ = _cell_options(cell.source, rel, code_cells)
            blocks.append(Block("code", code, options))
    return Chapter(rel, blocks)


def _error_text(outputs) -> str:
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return "unknown error"


class Kernel:
    """A Jupyter kernel for one chapter, working in the project folder (Quarto's execute-dir:
    project, whichever folder the render was started from), in private folders of its own: the
    IPC sockets (and the kernel's own stderr) and the folder its chapter saves figures to; `close`
    stops it at once."""

    def __init__(self, root: Path):
        self.root = root
        from jupyter_client.manager import AsyncKernelManager
        self.sockets = tempfile.mkdtemp(prefix="rederive-kernel-")
        self.figures = tempfile.mkdtemp(prefix="rederive-figures-")
        # The kernel talks over local (IPC) sockets in a private folder rather than TCP, so it has
        # no unencrypted network port to warn about, and needs no loopback interface.
        # An AsyncKernelManager: with it, nbclient checks every second that the kernel is alive and
        # enforces the cell time limit (with a synchronous KernelManager it does neither, and a
        # kernel that dies or a cell that never ends holds the render for ever).
        self.km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(Path(self.sockets) / "kernel"))
        # The kernel process's own stderr (its machinery: a cell's output reaches us as messages)
        # goes to a file: a kernel stopped mid-render can log a teardown traceback there, which
        # must not reach the render's one-line ending; it is quoted if the kernel fails.
        self.log = Path(self.sockets) / "kernel-stderr.log"
        with _running_lock:
            _running[id(self.km)] = self.km

    def start(self) -> None:
        from jupyter_core.utils import run_sync

        from ..book.figures import ENV
        from .forkserver import ForkedKernelProvisioner
        # Forked from a process that has imported what every chapter imports (forkserver.py).
        self.km.kernel_id = self.km.kernel_id or str(uuid.uuid4())
        self.km.provisioner = ForkedKernelProvisioner(kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec,
                                                      parent=self.km)
        with self.log.open("w", encoding="utf-8") as stderr:
            # No IPython history: a render's cells are not a session to recall, and writing them
            # to ~/.ipython costs every kernel time at its start and end.
            run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"], cwd=str(self.root),
                                           env=dict(os.environ, **{ENV: self.figures}), stderr=stderr)
        with _running_lock:
            stopped = _stopping.is_set()
        if stopped:  # the render was interrupted while this kernel started: its chapter must not run
            self.close()
            raise RenderError("the render was stopped while a kernel started")

    def close(self) -> None:
        """Stop the kernel at once (its outputs, figures and reads are in hand by then; a polite
        shutdown waits for it to exit, half a second a chapter, or after a failure interrupts it
        first, which prints its own traceback if it is still starting) and remove its folders."""
        import shutil

        from jupyter_core.utils import run_sync
        with _running_lock:
            _running.pop(id(self.km), None)
        if self.km.has_kernel:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already dead (killed, or it died): nothing to stop
                pass
        shutil.rmtree(self.sockets, ignore_errors=True)
        shutil.rmtree(self.figures, ignore_errors=True)


class Standby:
    """A kernel started before any chapter is known to need one, for the first that does: started
    while the pre-render check runs, when a chapter will probably be executed (--fresh, or the
    data or a chapter's text changed since the last published render; with neither changed none
    is started, as it would only take a core from the check). Not handed to a chapter, it is
    stopped."""

    def __init__(self, root: Path):
        self.root = root
        self._lock, self._handed = threading.Lock(), False
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._kernel: Kernel | None = None
        self._thread.start()

    def _start(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # as fallback._execute_all's workers
        kernel = Kernel(self.root)
        try:
            kernel.start()
            self._kernel = kernel
        except Exception:  # noqa: BLE001 - the chapter starts its own, and reports its failure
            kernel.close()

    def take(self) -> Kernel | None:
        """The started kernel, to the first caller only (None: not started, or taken)."""
        with self._lock:
            if self._handed:
                return None
            self._handed = True
        self._thread.join()
        return self._kernel

    def close(self) -> None:
        kernel = self.take()
        if kernel is not None:
            kernel.close()


def execute_chapter(root: Path, rel: str, kernel: Kernel | None = None) -> Chapter:
    """Run a chapter in a kernel of its own (`kernel`: one started already, for it alone), stopped
    afterwards. The figures it saves for citing (rederive.book.figures) go to the kernel's own
    folder and come back with it, so that a reused chapter brings its figures too."""
    import jupytext
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient

    text = (root / rel).read_text(encoding="utf-8")
    # The R Markdown reader: jupytext's own .qmd reader calls the quarto CLI, absent here.
    nb = jupytext.reads(text, fmt="Rmd")
    started, kernel = kernel is not None, kernel or Kernel(root)
    try:
        if not started:
            kernel.start()
        client = NotebookClient(nb, km=kernel.km, timeout=cell_timeout(),
                                resources={"metadata": {"path": str(root)}})  # execute-dir: project
        chapter = _run(client, nb, rel)
        chapter.figures = {p.name: p.read_bytes() for p in sorted(Path(kernel.figures).glob("*.png"))}
        return chapter
    except RenderError:
        raise
    except (RuntimeError, TimeoutError, OSError, NoSuchKernel) as exc:  # "Kernel didn't respond", no kernel
        said = _last_line(kernel.log)
        raise RenderError(f"{rel}: the Jupyter kernel did not start or stopped answering: "
                          f"{' '.join(str(exc).split())}" + (f" (kernel: {said})" if said else "")) from None
    finally:  # nbclient leaves a kernel it was handed running; stopped here
        kernel.close()


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _stopped(exc: BaseException, where: str, timeout: int) -> RenderError | None:
    """A cell that ran past the time limit or whose kernel died, as one line naming it."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    if isinstance(exc, CellTimeoutError):
        return RenderError(f"{where}: did not finish within {timeout} s (the fallback's per-cell time limit, "
                           f"{TIMEOUT_ENV}); it was stopped")
    if isinstance(exc, DeadKernelError):
        return RenderError(f"{where}: the Jupyter kernel died while running it (a crash, os._exit or a "
                           "signal in the cell?)")
    return None


def _run(client, nb, rel: str) -> Chapter:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    blocks: list[Block] = []
    code_cells = 0
    with client.setup_kernel():  # the kernel is started: only its client is
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                blocks.append(Block("markdown", _evaluate_inline(client, cell.source, rel)))
            elif cell.cell_type == "code":
                code_cells += 1
                options, code, where = _cell_options(cell.source, rel, code_cells)
                if options.get("eval", True):
                    try:
                        client.execute_cell(cell, index)
                    except CellExecutionError:
                        raise RenderError(f"{where}: {_error_text(cell.outputs)}") from None
                    except (CellTimeoutError, DeadKernelError) as exc:
                        raise _stopped(exc, where, client.timeout) from None
                blocks.append(Block("code", code, options, list(cell.get("outputs", []))))
        reads = _recorded_reads(client, rel)
    return Chapter(rel, blocks, reads=reads)


def _recorded_reads(client, rel: str) -> list:
    import nbformat

    from ..ledger.datacache import loads
    from ..book.reads import Read
    cell = nbformat.v4.new_code_cell(_READS_CODE)
    try:
        client.execute_cell(cell, 0)
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        reads = loads("reads", text.encode())
        if not isinstance(reads, list) or not all(isinstance(r, Read) for r in reads):
            raise ValueError("not a list of reads")
        return reads
    except Exception:
        raise RenderError(f"{rel}: could not ask its kernel what it read from the report: "
                          f"{_error_text(cell.outputs)}") from None


def _evaluate_inline(client, markdown: str, rel: str) -> str:
    """Replace each `{python} expr` with its value, rendered as Quarto renders it."""
    import json

    import nbformat

    found = list(_INLINE.finditer(markdown))
    if not found:
        return markdown

    def where(match: re.Match) -> str:
        from .inline import line_of_expression
        line = line_of_expression(Path(client.resources["metadata"]["path"]), rel, match.group(0))
        return f"{rel}{f':{line}' if line else ''}: inline expression `{match.group(1)}`"

    cell = nbformat.v4.new_code_cell(_INLINE_CODE.format(expressions=[m.group(1) for m in found]))
    try:
        client.execute_cell(cell, 0)
    except Exception as exc:  # the request itself failed (a time limit, a dead kernel): in which expression is not known
        stopped_in = where(found[0]) + (f" or one of the {len(found) - 1} after it in its paragraph" if len(found) > 1 else "")
        raise (_stopped(exc, stopped_in, client.timeout) or RenderError(f"{stopped_in}: {_error_text(cell.outputs)}")) from None
    reply = json.loads("".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"))
    if reply["failed"] is not None:
        at, error = reply["failed"]
        raise RenderError(f"{where(found[at])}: {error}")
    texts = iter(reply["texts"])
    return _INLINE.sub(lambda match: next(texts), markdown)
