"""The fallback's chapter kernels, forked from a process that has already imported what every
chapter's kernel imports (ipykernel, pandas, rederive.report) instead of each starting a Python
that imports them again. Measured here: a kernel that runs `import rederive.report` costs 0.16 to
0.18 CPU-s forked, 1.1 started; a full render (11 kernels) 26 to 33 CPU-s of the machine against
32 to 38 (3 renders each, in turns), the test suite 322 against 346.

Written here because neither jupyter_client nor a maintained package does it (searched: PyPI and
the Jupyter documentation offer remote and container provisioners, none that forks a preloaded
process); it plugs into jupyter_client's documented extension point, a kernel provisioner
(LocalProvisioner, subclassed), so that nbclient and the kernel manager work as before.

What a forked kernel inherits is only imported modules: the server never runs a chapter's code,
and each kernel gets its own session, working folder, environment, stdin and stderr, as
`python -m ipykernel_launcher` started by jupyter_client would (tests/render/test_forkserver.py
compares the two). A kernel command other than this Python's `-m ipykernel_launcher` is forked
and then executes itself; when the server cannot be started or stops answering, or with
REDERIVE_FORK_KERNELS=0, kernels are started by jupyter_client as their kernelspec says.

Run as `python -m rederive.render.forkserver`, it reads one request a line on stdin and answers
with the forked kernel's pid on stdout; it ends when its stdin closes (its render process ended),
and its kernels end with it (ipykernel's parent poller).
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading

from jupyter_client.provisioning import LocalProvisioner

PRELOAD = ("ipykernel.kernelapp", "pandas", "rederive.report")
ENV = "REDERIVE_FORK_KERNELS"  # "0": every kernel is started as its kernelspec says (make bench compares)
_LAUNCHER = ("-m", "ipykernel_launcher")


def _serve() -> None:
    import gc
    import importlib
    import signal
    # Not stopped by a Ctrl-C meant for its render: it ends when the render's end closes its stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in PRELOAD:
        importlib.import_module(name)
    # What the imports made stays shared with every kernel: a collection in a kernel would write
    # to each object it walks, copying every page of this process's memory (Python's gc.freeze).
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # an ended kernel is reaped at once, never a zombie
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    while line := requests.readline():
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _become_kernel(request)  # never returns
        replies.write(json.dumps({"pid": pid}).encode() + b"\n")
        replies.flush()


def _become_kernel(request: dict) -> None:
    """In the forked child: what jupyter_client's launcher gives a kernel process (a session of
    its own, the working folder, the environment, a pipe for stdin, stderr to its file), then
    `python -m ipykernel_launcher ...` as runpy runs it, or the kernel's own command."""
    import runpy
    import signal
    import traceback
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new Python process
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(request["stderr"] or os.devnull, os.O_WRONLY | os.O_APPEND)
        os.dup2(log, 1)  # the kernel's own stdout: its cells' output reaches the render as messages
        os.dup2(log, 2)
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd > 2:
                try:
                    os.close(fd)
                except OSError:
                    pass
        # stdin a pipe nobody writes to, as jupyter_client gives a kernel (reading it waits, rather
        # than finding the end of /dev/null); its writing end stays open in the kernel itself.
        reading, _ = os.pipe()
        os.dup2(reading, 0)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # The kernel ends when its parent, this server, does (ipykernel's parent poller).
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        argv = request["argv"]
        if tuple(argv[1:3]) == _LAUNCHER and argv[0] == sys.executable:
            sys.argv = ["ipykernel_launcher", *argv[3:]]
            sys.path[0] = os.getcwd()  # as `python -m` sets it
            runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
            code = 0
        else:
            os.execvpe(argv[0], argv, os.environ)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - said in the kernel's stderr file, which a failed start quotes
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


class ForkedProcess:
    """What jupyter_client asks of a kernel's subprocess.Popen, for a kernel forked by the server
    (a child of the server, not of this process), followed through a pidfd, opened as soon as the
    server names it: signals sent through it cannot reach another process that took its pid. A
    kernel that ended before (a failure at its very start) is taken as ended. Its exit status is
    the server's to know: `returncode` is 0 once it has ended."""
    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.returncode = 0

    def poll(self) -> int | None:
        return self.wait(0) if self._ended(0) else None

    def _ended(self, timeout: float | None) -> bool:
        if self.returncode is None and select.select([self._pidfd], [], [], timeout)[0]:
            self.returncode = 0
            os.close(self._pidfd)
        return self.returncode is not None

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended(timeout):
            raise subprocess.TimeoutExpired([str(self.pid)], timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            import signal
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        import signal
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        import signal
        self.send_signal(signal.SIGTERM)


def _python_settings(env: dict) -> dict:
    """What decides which modules a Python imports (PYTHONPATH, PYTHONHOME, ...)."""
    return {k: v for k, v in env.items() if k.startswith("PYTHON")}


class ForkServer:
    """The render process's side: the server, started at the first kernel and kept until this
    process ends (a pytest worker's later renders use it too), or until a kernel is asked for with
    other Python settings than the server's (its imports would not be the kernel's): then a server
    is started with those."""

    def __init__(self, command: list[str] | None = None):
        self._command = command or [sys.executable, "-m", "rederive.render.forkserver"]
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._settings: dict | None = None
        self._broken = False

    def spawn(self, argv: list[str], env: dict, cwd: str, stderr: str | None) -> ForkedProcess | None:
        """A kernel forked for `argv`, or None when the server is unavailable (start it as usual)."""
        with self._lock:
            if self._broken:
                return None
            try:
                if self._process is not None and self._settings != _python_settings(env):
                    self.close()
                if self._process is None:
                    self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                     stderr=subprocess.DEVNULL, start_new_session=True, env=env)
                    self._settings = _python_settings(env)
                request = {"argv": argv, "env": env, "cwd": cwd, "stderr": stderr}
                self._process.stdin.write(json.dumps(request).encode() + b"\n")
                self._process.stdin.flush()
                reply = self._process.stdout.readline()
                return ForkedProcess(json.loads(reply)["pid"])
            except (OSError, ValueError, KeyError):  # it could not start, or ended: kernels start as usual
                self._broken = True
                self.close()
                return None

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


_SERVER = ForkServer()


class ForkedKernelProvisioner(LocalProvisioner):
    """LocalProvisioner with the kernel forked by the server where it can be. Only the launch
    arguments handled here are accepted; with any other, the kernel starts as LocalProvisioner
    starts it."""
    _HANDLED = {"env", "cwd", "stderr", "kernel_id", "extra_arguments"}

    async def launch_kernel(self, cmd: list[str], **kwargs):
        stderr = kwargs.get("stderr")
        process = None
        if (os.environ.get(ENV) != "0" and hasattr(os, "pidfd_open")  # pidfd: Linux 5.3 and later
                and set(kwargs) <= self._HANDLED and (stderr is None or hasattr(stderr, "name"))):
            env = kwargs.get("env") or dict(os.environ)
            process = _SERVER.spawn(list(cmd), dict(env), os.fspath(kwargs.get("cwd") or os.getcwd()),
                                    stderr.name if stderr is not None else None)
        if process is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process, self.pid, self.pgid = process, process.pid, process.pid  # its own session
        self.cwd = kwargs.get("cwd") or os.getcwd()
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        if isinstance(self.process, ForkedProcess) and self.process.poll() is not None:
            return  # ended: its process group's id may be another's now
        await super().send_signal(signum)


if __name__ == "__main__":
    _serve()
