"""Warm kernels: every notebook runs in a kernel forked from a preloaded server process.

A cold kernel is a new Python process that imports IPython's kernel machinery and then, in
the notebook's first cells, pandas, matplotlib, seaborn, statsmodels and the package — several
seconds per notebook, most of a batch. Here one **kernel server** per batch
(:mod:`analysis.pipeline._kernel_server`, started by the runner next to its process pool, or
once per Dask worker process) imports all that once, and each notebook's kernel is a fork of
it: jupyter_client asks for its kernel as always (connection file, command line, environment,
working directory) and :class:`WarmProvisioner` hands that request to the server instead of
starting ``python -m ipykernel_launcher``. The forked child becomes exactly that kernel.

Isolation is that of separate processes: a notebook's kernel is its own process, forked from
the server's clean state and ended with the notebook, so its globals, matplotlib state, open
figures, working directory, environment variables, imported modules or a crash never reach the
next notebook. The server refuses to serve stale code: when a file of the package it imported
(or the environment) changed, it replaces itself with a fresh server before forking.

After a worker's first kernel, the server starts that worker's next kernel ahead (same
request, a connection of its own) while it has nothing else to do, and hands it over only to
an identical request: a notebook then waits a few hundredths of a second for its kernel.

When no server can be used (``PLAN_EVAL_KERNELS=cold``, ``RunOptions(warm_kernels=False)``,
a kernel spec that is not ``python … -m ipykernel_launcher``, a system other than Linux, a
server that does not answer), the kernel is started cold, as before.

Importing this module is cheap: jupyter_client is imported only when a kernel starts.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.pipeline._kernel_server import receive_line

#: The server script (run as a script, so that it imports nothing of the pipeline).
SERVER_SCRIPT = Path(__file__).with_name("_kernel_server.py")

#: ``PLAN_EVAL_KERNELS=cold`` starts every kernel cold (a new process per notebook).
SWITCH = "PLAN_EVAL_KERNELS"

#: Seconds a server started lazily (on a Dask worker) stays up with nothing to do.
DASK_IDLE_SECONDS = 60.0

#: Seconds to wait for the server's answer (it may be importing a module right then).
REPLY_TIMEOUT = 120.0

_lock = threading.Lock()
_address: str | None = None
_own_server: KernelServer | None = None
_live: dict[int, int | None] = {}  # warm kernels this process asked for: pid -> start time
_last_mode = "cold"


def enabled() -> bool:
    """Warm kernels can be used here: Linux (``fork``, ``/proc``, ``PR_SET_PDEATHSIG``; elsewhere
    kernels start cold) and not switched off by :data:`SWITCH`."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") \
        and os.environ.get(SWITCH, "warm").strip().lower() != "cold"


@dataclass(frozen=True)
class WarmKernels:
    """How a task finds its kernel server on a Dask worker: start one (``preload``) if the
    worker process has none yet; it ends after ``idle`` seconds without a kernel."""

    preload: tuple[str, ...] = ()
    idle: float = DASK_IDLE_SECONDS


#: Not preloaded: the batch's own execution and rendering stack, imported lazily by
#: ``analysis.report`` for the workers (the HTML pages), never by a kernel (nbconvert: ~1.5 s);
#: and fontTools, which only builds a font subset the disk cache does not hold yet (0.3 s of
#: the server's time in every batch, spent while the models stage runs, for a rare miss).
NOT_PRELOADED = frozenset({"nbconvert", "nbformat", "nbclient", "papermill", "jupyter_client",
                           "fontTools"})


def preload_modules(notebooks: Iterable[str | Path]) -> tuple[str, ...]:
    """The modules the notebooks' kernels import, in notebook order, each once.

    First what each notebook's code cells import (``from a.b import c`` gives ``a.b`` and
    ``a.b.c``; the server skips a name that is no module), then, notebook by notebook, every
    module of the package its code uses (:func:`analysis.pipeline.cache.code_files`) and what
    those import, in functions too (seaborn inside ``setup_plotting``, the font tools of the
    pages, …): a kernel imports them sooner or later, each taking its time in every kernel.
    The server imports them in this order, serving kernels between two imports, so the first
    stages' modules come first.
    """
    from analysis.pipeline import cache

    top = cache.PACKAGE_ROOT.name
    notebooks = list(dict.fromkeys(str(n) for n in notebooks))
    names: list[str] = []
    for notebook in notebooks:  # first what every stage imports in its cells, in stage order
        names.extend(cache._notebook_imports(Path(notebook), top) or [])
    for notebook in notebooks:
        try:
            files = cache.code_files(notebook)
        except OSError:
            continue
        lazy: list[str] = []
        for path in files:
            if path.suffix != ".py":
                continue
            parts = path.relative_to(cache.PACKAGE_ROOT.parent).with_suffix("").parts
            module = ".".join(parts).removesuffix(".__init__")
            stat = path.stat()
            names.append(module)
            lazy.extend(cache._module_imports(str(path), (stat.st_mtime_ns, stat.st_size),
                                              module, path.name == "__init__.py", top))
        names.extend(n for n in lazy if not n.startswith(top))
    return tuple(dict.fromkeys(n for n in names if n and not n.startswith("__")
                               and n.partition(".")[0] not in NOT_PRELOADED))


# --------------------------------------------------------------------------- the kernel spec


def kernel_argv(kernel_name: str) -> tuple[list[str], dict[str, str]] | None:
    """``(argv, env)`` of a kernel spec (its ``kernel.json``), or None when not found.

    Read from the Jupyter data folders as jupyter_client looks them up, without importing
    jupyter_client (the runner stays light until a kernel starts).
    """
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        path = Path(folder) / kernel_name / "kernel.json"
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        argv, env = spec.get("argv"), spec.get("env") or {}
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return list(argv), {str(k): str(v) for k, v in dict(env).items()}
        return None
    return None


def _server_command(argv: list[str]) -> tuple[list[str], str] | None:
    """``(interpreter and its options, launcher module)`` of a ``python … -m MODULE -f {connection_file}``
    kernel command, or None for any other command (which is then started cold)."""
    if "-m" not in argv:
        return None
    at = argv.index("-m")
    if at < 1 or at + 1 >= len(argv) or "{connection_file}" not in argv[at + 2:]:
        return None
    return argv[:at], argv[at + 1]


# --------------------------------------------------------------------------- the server


class KernelServer:
    """A running kernel server: its process and the Unix socket it answers on."""

    def __init__(self, address: str, process: subprocess.Popen[bytes] | None, folder: str) -> None:
        self.address = address
        self.process = process
        self.folder = folder

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @classmethod
    def start(cls, preload: Iterable[str] = (), *, kernel_name: str = "plan-eval",
              idle: float | None = None, first: int = 0) -> KernelServer | None:
        """Start a server for ``kernel_name``'s kernels that preloads ``preload``; None when
        warm kernels cannot be used (then kernels start cold). ``first``: how many of the
        modules are the first notebook's (once loaded, the server awaits its kernel's request
        for a moment before a long import)."""
        if not enabled():
            return None
        spec = kernel_argv(kernel_name)
        command = _server_command(spec[0]) if spec else None
        if spec is None or command is None:
            return None
        interpreter, launcher = command
        _remove_orphaned_folders()
        folder = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")
        address = os.path.join(folder, "server.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(address)
            listener.listen(128)
            arguments = {"fd": str(listener.fileno()), "launcher": launcher,
                         "preload": ",".join(preload), "first": str(first),
                         "parent": str(os.getpid()),
                         # the parent-death signal follows the thread that starts the server
                         "pdeathsig": "1" if threading.current_thread() is threading.main_thread()
                         else "0"}
            if idle is not None:
                arguments["idle"] = str(idle)
            command_line = [*interpreter, str(SERVER_SCRIPT)]
            for key, value in arguments.items():
                command_line += [f"--{key}", value]
            env = {k: v for k, v in os.environ.items() if k != "PYTHONEXECUTABLE"}
            env.update(spec[1])  # as jupyter_client builds a kernel's environment
            process = subprocess.Popen(command_line, stdin=subprocess.DEVNULL, env=env,
                                       pass_fds=[listener.fileno()], start_new_session=True)
        except OSError:
            listener.close()
            _remove_folder(folder)
            return None
        listener.close()
        return cls(address, process, folder)

    def request(self, message: dict[str, Any], timeout: float = REPLY_TIMEOUT) -> dict[str, Any] | None:
        return request(self.address, message, timeout)

    def status(self) -> dict[str, Any] | None:
        """What the server has loaded (``loaded``, ``seconds`` per module, ``ready``, …)."""
        return self.request({"op": "status"})

    def wait_ready(self, timeout: float = 120.0) -> dict[str, Any] | None:
        """Block until every module is preloaded; the server's status (None if it died)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status is None or status.get("ready"):
                return status
            time.sleep(0.1)
        return self.status()

    def stop(self) -> None:
        """Stop the server (and any kernel it still runs); remove its socket."""
        if self.process is not None and self.process.poll() is None:
            self.request({"op": "stop"}, timeout=5)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        _remove_folder(self.folder)

    def __enter__(self) -> KernelServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: The servers' folders (socket, connection files): ``<tmp>/plan-eval-kernels-<owner pid>-…``.
FOLDER_PREFIX = "plan-eval-kernels-"


def _remove_orphaned_folders() -> None:
    """Folders of servers whose owner died without cleaning up (``kill -9`` of a runner)."""
    root = tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(root) if n.startswith(FOLDER_PREFIX)]
    except OSError:
        return
    for name in names:
        owner = name[len(FOLDER_PREFIX):].partition("-")[0]
        if owner.isdigit() and _start_time(int(owner)) is None:
            _remove_folder(os.path.join(root, name))


def _remove_folder(folder: str) -> None:
    """The server's folder: its socket, and the connection files and sockets of kernels it
    started ahead."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def request(address: str, message: dict[str, Any], timeout: float = REPLY_TIMEOUT) -> dict[str, Any] | None:
    """Send one request to the server at ``address``; its answer, or None when it cannot answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(address)
            conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
            data = receive_line(conn)
    except OSError:
        return None
    try:
        answer = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def use(address: str | None) -> None:
    """Make this process start its kernels from the server at ``address`` (None: cold)."""
    global _address
    _address = address


def _notebook_modules(notebook: str) -> tuple[str, ...]:
    try:
        stat = os.stat(notebook)
    except OSError:
        return ()
    return _modules_at(notebook, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _modules_at(notebook: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    del mtime_ns, size  # part of the cache key only
    return preload_modules([notebook])


def current() -> str | None:
    """The address of the server this process's kernels come from, if any."""
    return _address


def ensure(warm: WarmKernels | None, kernel_name: str) -> None:
    """On a process without a server of the runner's (a Dask worker): start one for ``warm``,
    and again when it ended after being idle."""
    global _own_server
    if warm is None or not enabled() or (_address is not None and _own_server is None):
        return  # no warm kernels asked for, or the runner's server (local pool)
    with _lock:
        ended = _own_server is not None and _own_server.process is not None \
            and _own_server.process.poll() is not None
        if _own_server is None or ended:
            if _own_server is not None:
                _own_server.stop()
            _own_server = KernelServer.start(warm.preload, kernel_name=kernel_name, idle=warm.idle)
            use(_own_server.address if _own_server is not None else None)


# --------------------------------------------------------------------------- forked kernels


def _start_time(pid: int) -> int | None:
    """The start time of a live process (Linux ``/proc``), 0 where unknown; None when it is
    gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except FileNotFoundError:
        return None
    except OSError:
        fields = []
    if fields:
        return None if fields[0] in ("Z", "X") else int(fields[19])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return 0


class ForkedKernel:
    """The kernel process, as ``subprocess.Popen`` would offer it (it is the server's child,
    not ours: its identity is checked by its start time, so a reused pid is never signalled)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._started = _start_time(pid)
        self._signal = 0
        _live[pid] = self._started

    def _running(self) -> bool:
        now = _start_time(self.pid)
        return now is not None and (not self._started or now == self._started)

    def poll(self) -> int | None:
        if self.returncode is None and not self._running():
            self.returncode = -self._signal if self._signal else 0
            _live.pop(self.pid, None)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is not None:
            return
        self._signal = signum
        for kill in (os.killpg, os.kill):  # the kernel leads its own session
            try:
                kill(self.pid, signum)
                return
            except ProcessLookupError:
                return
            except OSError:
                continue

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def kill_kernels() -> None:
    """Kill every warm kernel this process started and that still runs (a dying worker)."""
    for pid, started in list(_live.items()):
        now = _start_time(pid)
        if now is not None and (not started or now == started):
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                    break
                except OSError:
                    continue
        _live.pop(pid, None)


def _set_mode(mode: str) -> None:
    global _last_mode
    _last_mode = mode


def last_mode() -> str:
    """How this process's last kernel started: ``"warm"`` (forked by the server) or ``"cold"``."""
    return _last_mode


_classes: dict[str, type] = {}


def manager_classes() -> dict[str, type]:
    """The classes jupyter_client uses for warm kernels (defined, with their imports, once)."""
    if "manager" not in _classes:
        _classes.update(_define_classes())
    return _classes


def manager_class(notebook: str | Path | None = None) -> type | None:
    """The kernel manager class for papermill (``kernel_manager_class``) to run ``notebook``:
    jupyter_client's, with the kernel forked by this process's server; None when there is no
    server. A class of its own per call (what the notebook imports, how its kernel started:
    ``plan_eval_mode``), so that tasks running at once in one process (Dask threads) do not
    share them."""
    _set_mode("cold")  # until a kernel is forked
    if _address is None:
        return None
    modules = _notebook_modules(str(notebook)) if notebook else ()
    return type("WarmKernelManager", (manager_classes()["manager"],),
                {"plan_eval_modules": modules, "plan_eval_mode": "cold"})


def _define_classes() -> dict[str, type]:
    import asyncio
    import uuid
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import Type

    class WarmProvisioner(LocalProvisioner):  # type: ignore[misc]
        """jupyter_client's local provisioner, launching the kernel as a fork of the server."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            address = _address
            if address is not None:
                launch = self._scrub_kwargs(kwargs)
                env = dict(launch.get("env") or os.environ)
                env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
                cwd = str(launch.get("cwd") or os.getcwd())
                answer = None
                for attempt in range(4):  # "retry": the server is replacing itself by a fresh one
                    answer = request(address, {"op": "fork", "argv": list(cmd), "env": env,
                                               "cwd": cwd, "requester": os.getpid(),
                                               "modules": list(getattr(self.parent,
                                                                       "plan_eval_modules", ()))})
                    if answer is not None and not answer.get("retry"):
                        break
                    time.sleep(0.05 * attempt)
                if answer and answer.get("ok") and isinstance(answer.get("pid"), int):
                    self.process = ForkedKernel(answer["pid"])
                    self.pid = self.pgid = answer["pid"]
                    self.cwd = cwd
                    self._mode(str(answer.get("mode", "warm")))
                    connection = answer.get("connection")
                    if isinstance(connection, dict):  # a kernel started ahead: its own sockets
                        info = {**connection, "key": str(connection.get("key", "")).encode()}
                        self.connection_info = info
                        return info
                    return self.connection_info
            self._mode("cold")
            return await super().launch_kernel(cmd, **kwargs)

        def _mode(self, mode: str) -> None:
            _set_mode(mode)
            if self.parent is not None:
                type(self.parent).plan_eval_mode = mode

        async def wait(self) -> int | None:
            if isinstance(self.process, ForkedKernel):  # poll finely: a kill takes a moment
                while self.process.poll() is None:
                    await asyncio.sleep(0.005)
                code = self.process.returncode
                self.process = None
                return code
            return await super().wait()

        async def send_signal(self, signum: int) -> None:
            if isinstance(self.process, ForkedKernel):
                self.process.send_signal(signum)  # never a process group that is not ours
                return
            await super().send_signal(signum)

    class WarmKernelClient(AsyncKernelClient):  # type: ignore[misc]
        """jupyter_client's client, ready as soon as the kernel answers.

        jupyter_client's ``wait_for_ready`` ends by reading IOPub until it has been silent
        for 0.2 s (~0.2 s per notebook, idle). Here it drains what is already there: nbclient
        reads IOPub by the id of each cell's request, so a late status message of the
        ``kernel_info`` request is ignored anyway.
        """

        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    msg = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    pass
                else:
                    if msg["msg_type"] == "kernel_info_reply":
                        try:  # IOPub is connected once it carries the reply's status
                            await self.iopub_channel.get_msg(timeout=0.2)
                        except Empty:
                            pass
                        else:
                            self._handle_kernel_info_reply(msg)
                            break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
            while True:
                try:
                    await self.iopub_channel.get_msg(timeout=0.005)
                except Empty:
                    break

        wait_for_ready = _async_wait_for_ready

    class WarmKernelManager(AsyncKernelManager):  # type: ignore[misc]
        """AsyncKernelManager whose kernels come from the kernel server."""

        client_factory = Type(WarmKernelClient, klass=AsyncKernelClient)

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = WarmProvisioner(kernel_id=self.kernel_id,
                                                   kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return {"manager": WarmKernelManager, "provisioner": WarmProvisioner,
            "client": WarmKernelClient}


def __getattr__(name: str) -> Any:  # the classes, defined when first needed
    if name in ("WarmKernelManager", "WarmProvisioner", "WarmKernelClient"):
        return manager_classes()[{"WarmKernelManager": "manager", "WarmProvisioner": "provisioner",
                         "WarmKernelClient": "client"}[name]]
    raise AttributeError(name)


__all__ = ["KernelServer", "WarmKernels", "enabled", "preload_modules", "use", "current",
           "ensure", "manager_class", "kill_kernels", "ForkedKernel"]
