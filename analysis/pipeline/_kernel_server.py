"""The warm-kernel server: a preloaded Python process that forks the batch's kernels.

Started by :class:`analysis.pipeline.kernels.KernelServer` as a *script* with the interpreter
and the interpreter options of the kernel spec (never imported by the pipeline: nothing of the
batch runner is loaded in it)::

    .venv/bin/python -Xfrozen_modules=off analysis/pipeline/_kernel_server.py \
        --fd 3 --preload pandas,analysis.clean.stage,... --parent 1234

It listens on the Unix socket handed to it (``--fd``), imports IPython's kernel machinery and
then the modules the batch's notebooks import, one module at a time, answering requests in
between. A ``fork`` request carries what jupyter_client would have started — the command line
``python … -m ipykernel_launcher -f CONNECTION``, the environment and the working directory —
and the server forks a child that becomes that kernel: the same ``sys.argv``, environment,
working directory, signal dispositions and a fresh random seed, in a session of its own, killed
when the server dies (``PR_SET_PDEATHSIG``). Each notebook runs in its own forked process and
ends with it, so nothing of one notebook (its globals, matplotlib state, working directory,
environment, imported modules, a crash) can reach the next.

The server never serves stale code: before each fork it compares the files of every project
module it imported (the whole package folder, ``resources/`` included: every imported package
that is not installed under ``sys.prefix``) and the environment with what they were when it
imported them; when something changed it replaces itself (``execve``, same pid, same socket,
its kernels keep running) with a fresh server that imports the new code, and the request is
retried. A module whose import changes process-wide state a notebook could see (matplotlib
``rcParams``, pandas or numpy display options, warning filters of the built-in categories,
the root logger, the working directory, the environment) is not preloaded: the server restarts
without it and each notebook imports it itself, as a cold kernel would.

Only the standard library is imported before the preload starts.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
import time
import types
import warnings

#: What a cold ipykernel imports before the notebook's first cell (the kernel machinery: the
#: application, the shell, and what they import while starting: the debugger, history, …).
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
                  "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib",
                  "IPython.core.logger", "IPython.core.oinspect", "sqlite3", "pdb", "code",
                  "pydoc", "tornado.gen", "tornado.locks", "tornado.queues", "mimetypes", "gzip",
                  "xmlrpc.client", "email.parser", "encodings.idna", "unicodedata")

#: Environment variables that differ between kernels by design (set per kernel by jupyter_client
#: or ipykernel, or per test by pytest): they never make the server stale (each kernel still
#: gets exactly the environment it asked for).
PER_KERNEL_ENV = frozenset({"JPY_PARENT_PID", "JPY_SESSION_NAME", "JPY_INTERRUPT_EVENT",
                            "IPY_INTERRUPT_EVENT", "PYTEST_CURRENT_TEST"})
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

LOOP_SECONDS = 0.2
#: After this many restarts to leave out a module, the server preloads nothing more.
MAX_GUARD_RESTARTS = 6
#: Seconds after its start a server waits for its first request once the first notebook's
#: modules are loaded (instead of starting a long import that request would wait for).
FIRST_WAIT = 1.5
SCRIPT = os.path.abspath(__file__)
_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGCHLD", "SIGPIPE",
                                               "SIGHUP", "SIGXFSZ", "SIGQUIT")
            if hasattr(signal, name)]


def _prctl_pdeathsig(signum: int) -> None:
    """Ask Linux to send ``signum`` to this process when its parent thread ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signum)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def receive_line(conn: socket.socket) -> bytes:
    """One message of the server's protocol: bytes up to a newline (or the end)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not); the runner's workers ask too."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rpartition(")")[2].split()[:1] != ["Z"]
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- what can go stale


_PREFIXES: tuple[str, ...] = ()


def _outside_prefixes(path: str) -> bool:
    """True for a file that is not part of the installed environment (project code)."""
    global _PREFIXES
    if not _PREFIXES:
        _PREFIXES = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                                         sys.exec_prefix, sys.base_exec_prefix)})
    real = os.path.realpath(path)
    return not any(real == root or real.startswith(root + os.sep) for root in _PREFIXES)


def _tree_files(root: str) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (no hidden files, no ``__pycache__``) with mtime and size."""
    found = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "__pycache__"]
        for name in files:
            if not name.startswith(".") and not name.endswith((".pyc", ".pyo")):
                path = os.path.join(folder, name)
                found[path] = _file_stamp(path)
    return found


def _file_stamp(path: str) -> tuple[int, int]:
    try:
        stat = os.stat(path)
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _env_key(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in PER_KERNEL_ENV}


def _reread_environment(env: dict[str, str]) -> None:
    """Settings the kernel machinery read from the environment when it was imported in the
    server, read again from the kernel's own: ipykernel's ``parent_handle`` and ``interrupt``
    (``JPY_PARENT_PID``, ``JPY_INTERRUPT_EVENT``: the process that asked for the kernel)."""
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    app = getattr(kernelapp, "IPKernelApp", None)
    if app is None:
        return
    traits = app.class_traits()
    for name, variable in (("parent_handle", "JPY_PARENT_PID"), ("interrupt", "JPY_INTERRUPT_EVENT")):
        if name not in traits:
            continue
        try:
            value = int(env.get(variable) or 0)
        except (TypeError, ValueError):
            continue
        traits[name].default_value = value
        for klass in app.__mro__:  # traitlets copies static defaults into each class
            initial = klass.__dict__.get("_static_immutable_initial_values")
            if isinstance(initial, dict) and name in initial:
                initial[name] = value


# --------------------------------------------------------------------------- as in a kernel


class _KernelShell:
    """What ``get_ipython()`` gives a library imported in a kernel, as far as an import may look:
    a shell with a kernel (pandas then chooses its notebook display defaults). Anything else
    raises AttributeError, so a library that does more with the shell when imported fails to
    import here and is left for each kernel to import."""

    kernel = "ipykernel"

    def __repr__(self) -> str:
        return "<a kernel's shell, as seen by an import in the kernel server>"


class _NotATerminal:
    """``sys.stdout`` / ``sys.stderr`` while a module is imported: a kernel's streams are not
    terminals (the server's own may be the runner's)."""

    def __init__(self, stream: object) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


class _as_in_a_kernel:  # noqa: N801 - used as a context manager
    """Import a notebook's module as its kernel would: ``get_ipython`` and ``__IPYTHON__`` in
    builtins (IPython puts them there while a cell runs), streams that are not terminals."""

    def __init__(self, active: bool) -> None:
        self.active = active
        self.saved: dict[str, object] = {}

    def __enter__(self) -> None:
        if not self.active:
            return
        import builtins

        self.saved = {k: builtins.__dict__[k] for k in ("get_ipython", "__IPYTHON__")
                      if k in builtins.__dict__}
        builtins.get_ipython = lambda: _SHELL  # type: ignore[attr-defined]
        builtins.__IPYTHON__ = True  # type: ignore[attr-defined]
        self.streams = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = _NotATerminal(sys.stdout), _NotATerminal(sys.stderr)  # type: ignore[assignment]

    def __exit__(self, *exc: object) -> None:
        if not self.active:
            return
        import builtins

        sys.stdout, sys.stderr = self.streams
        for key in ("get_ipython", "__IPYTHON__"):
            builtins.__dict__.pop(key, None)
        builtins.__dict__.update(self.saved)


_SHELL = _KernelShell()


def _kernel_environment() -> None:
    """The variables ipykernel's shell sets before a notebook's first cell (``TERM``,
    ``PAGER``, …): the notebooks' modules are imported with them, as in a kernel."""
    try:
        from ipykernel.zmqshell import ZMQInteractiveShell

        ZMQInteractiveShell.init_environment(None)  # it only sets os.environ
    except Exception:  # noqa: BLE001 - an older ipykernel: imported without them
        pass


# --------------------------------------------------------------------------- process-wide state


def _state() -> dict[str, object]:
    """Process-wide state a notebook could observe, for the preload guard."""
    state: dict[str, object] = {
        "cwd": os.getcwd(),
        "env": _env_key(dict(os.environ)),
        # warning filters for every warning of a built-in category (a library's filters for
        # its own messages or its own categories only touch the warnings it raises itself)
        "filters": [(f[0], f[2].__name__, f[4]) for f in warnings.filters
                    if getattr(f[2], "__module__", "") == "builtins"
                    and not getattr(f[1], "pattern", f[1]) and not getattr(f[3], "pattern", f[3])],
        "hooks": (id(sys.displayhook), id(sys.excepthook), id(sys.stdout), id(sys.stderr)),
        "recursion": sys.getrecursionlimit(),
    }
    threading = sys.modules.get("threading")
    if threading is not None:  # a thread started by an import would not exist in a fork
        state["threads"] = threading.active_count()
    logging = sys.modules.get("logging")
    if logging is not None:
        root = logging.getLogger()
        state["logging"] = (root.level, tuple(id(h) for h in root.handlers))
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None and hasattr(matplotlib, "rcParams"):
        state["rcParams"] = {k: repr(v) for k, v in dict.items(matplotlib.rcParams)}
    numpy = sys.modules.get("numpy")
    if numpy is not None and hasattr(numpy, "get_printoptions"):
        state["numpy"] = (repr(sorted(numpy.get_printoptions().items())), repr(numpy.geterr()))
    config = sys.modules.get("pandas._config.config")
    if config is not None and hasattr(config, "_global_config"):
        state["pandas"] = repr(config._global_config)
    return state


def _changed(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Which parts of the state an import changed (a part that appeared is no change)."""
    return [k for k in before if k in after and before[k] != after[k]]


# --------------------------------------------------------------------------- the server


class Server:
    def __init__(self, args: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.sock = socket.socket(fileno=int(args["fd"]))
        self.sock.setblocking(False)
        os.set_inheritable(self.sock.fileno(), False)
        self.launcher = args.get("launcher") or "ipykernel_launcher"
        self.pdeathsig = args.get("pdeathsig", "1") == "1"
        self.preload = [m for m in args.get("preload", "").split(",") if m]
        # the first notebook's modules: once they are loaded, the first request is awaited
        # (briefly) before a long import could make it wait
        self.first = self.preload[: int(args.get("first") or 0)]
        self.forked = False
        self.exclude = {m for m in args.get("exclude", "").split(",") if m}
        self.parent = int(args.get("parent") or os.getppid())
        self.idle = float(args["idle"]) if args.get("idle") else None
        self.restarts = int(args.get("restarts") or 0)
        self.interpreter = list(sys.orig_argv[: sys.orig_argv.index(sys.argv[0])]) \
            if sys.argv[0] in sys.orig_argv else [sys.executable]
        self.kernels: dict[int, int] = {}  # kernel pid -> the pid of the process that asked
        for item in (args.get("kernels") or "").split(","):
            if ":" in item:
                pid, requester = item.split(":")
                self.kernels[int(pid)] = int(requester)
        self.env = _env_key(dict(os.environ))
        self.loaded: list[str] = []
        self.machinery_env: dict[str, str] = {}
        self.import_env: list[tuple[list[str], dict[str, str]]] = []
        self.loaded_at: dict[str, float] = {}
        self.failed: dict[str, str] = {}
        self.seconds: dict[str, float] = {}
        self.trees: dict[str, dict[str, tuple[int, int]]] = {}
        self.watched_trees: set[str] = set()
        self.seen: set[str] = set()
        self.watch: dict[str, tuple[int, int]] = {}
        self.last_activity = time.monotonic()
        self.ready = False
        # Ready kernels: after a requester's first kernel, the next one is started ahead, when
        # this server has nothing else to do, from the same request (command line, environment,
        # working directory) but a connection of its own; it is handed over only to an
        # identical request. requester -> (what it was started for, pid, connection info)
        self.templates: dict[int, tuple[str, list[str], dict[str, str], str, list[str]]] = {}
        self.ready_kernels: dict[int, tuple[str, int, dict[str, object]]] = {}
        self.started_ahead = 0
        try:
            self.folder = os.path.dirname(str(self.sock.getsockname()))
        except OSError:
            self.folder = ""

    # -- staleness

    def _baseline(self, name: str) -> None:
        """Stamp the files of a project package before it is imported (an edit made while
        it imports counts as a change)."""
        top = name.partition(".")[0]
        if top in self.trees or top in sys.modules:
            return
        try:
            import importlib.util

            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            return
        if spec is None or not spec.origin or not _outside_prefixes(spec.origin):
            return
        locations = list(spec.submodule_search_locations or [])
        root = locations[0] if locations else spec.origin
        self.trees[top] = _tree_files(root) if os.path.isdir(root) else {root: _file_stamp(root)}

    def _watch_loaded(self) -> None:
        """Watch the file of every imported project module (one not installed under the
        interpreter's prefixes) and the data files (``resources/``) of its package, each with
        its stamp from before the import when there is one. Only modules imported since the
        last call are looked at."""
        for name, module in list(sys.modules.items()):
            if name in self.seen:
                continue
            self.seen.add(name)
            path = getattr(module, "__file__", None) if module is not None else None
            if not isinstance(path, str) or not _outside_prefixes(path):
                continue
            top = name.partition(".")[0]
            files = self.trees.get(top)
            if files is None:
                parent = sys.modules.get(top)
                locations = list(getattr(parent, "__path__", None) or [])
                root = locations[0] if locations else path
                files = self.trees[top] = (_tree_files(root) if os.path.isdir(root)
                                           else {root: _file_stamp(root)})
            if top not in self.watched_trees:  # the package's data files
                self.watched_trees.add(top)
                for file, stamp in files.items():
                    if not file.endswith(".py"):
                        self.watch.setdefault(file, stamp)
            self.watch.setdefault(path, files.get(path) or _file_stamp(path))

    def stale(self, env: dict[str, str] | None) -> str:
        """Why this server's imports no longer match the code or the environment ('' if they do)."""
        for path, stamp in self.watch.items():
            if _file_stamp(path) != stamp:
                return f"{path} changed"
        if env is not None and _env_key(env) != self.env:
            changed = sorted(set(_env_key(env).items()) ^ set(self.env.items()))
            return f"the environment changed ({changed[0][0]})"
        return ""

    # -- preloading

    def _machinery(self) -> tuple[str, ...]:
        return KERNEL_MODULES if self.launcher == "ipykernel_launcher" else ()

    def _pending(self, names: list[str] | tuple[str, ...]) -> list[str]:
        return [m for m in names
                if m not in self.loaded and m not in self.failed and m not in self.exclude]

    def preload_next(self) -> bool:
        """Import the next module; False when everything is loaded (or for a moment, while the
        first kernel is about to be asked for)."""
        machinery = self._machinery()
        pending = self._pending([*machinery, *self.preload])
        if pending and self.first and not self.forked and not self._pending(
                [*machinery, *self.first]) and time.monotonic() - self.started < FIRST_WAIT:
            return False  # the first notebook's modules are in: do not start a long import now
        if not pending:
            if not self.ready:
                self.ready = True
                gc.collect()
                gc.freeze()  # forked kernels do not touch (copy) the preloaded objects' pages
                self._watch_loaded()
                self._log_ready()
            return False
        name = pending[0]
        if name in sys.modules:  # imported with an earlier one
            self.loaded.append(name)
            return True
        parent, _, attribute = name.rpartition(".")
        if parent in sys.modules and not isinstance(
                getattr(sys.modules[parent], attribute, types.ModuleType("")), types.ModuleType):
            self.loaded.append(name)  # ``from a.b import c``: c is a name, not a module
            return True
        self._baseline(name)
        before = _state()
        tops_before = {n.partition(".")[0] for n in sys.modules}
        started = time.perf_counter()
        caught: list[object] = []
        shown = warnings.showwarning  # record what would be shown; the filters stay as set
        warnings.showwarning = lambda message, *_args, **_kw: caught.append(message)
        try:
            with _as_in_a_kernel(name not in machinery):
                __import__(name)
        except ModuleNotFoundError as exc:
            # ``from a.b import c`` lists a.b.c, which may be a name, not a module
            if exc.name != name:
                self.failed[name] = f"{type(exc).__name__}: {exc}"
        except BaseException as exc:  # noqa: BLE001 - the notebook will meet it itself
            self.failed[name] = f"{type(exc).__name__}: {exc}"
        finally:
            warnings.showwarning = shown
        self.seconds[name] = time.perf_counter() - started
        self.loaded_at[name] = time.time()
        self.loaded.append(name)
        after = _state()
        changed = _changed(before, after)
        if "env" in changed:
            old: dict[str, str] = before["env"]  # type: ignore[assignment]
            delta = {k: v for k, v in os.environ.items()
                     if k not in PER_KERNEL_ENV and old.get(k) != v}
            if name in machinery:
                # The kernel machinery sets variables a cold kernel has too before the first
                # cell (debugpy: PYDEVD_USE_FRAME_EVAL): each kernel gets them on its own.
                self.machinery_env.update(delta)
                changed.remove("env")
            elif not [k for k in old if k not in os.environ]:
                # A library that sets variables when imported (pandera: SPARK_LOCAL_IP): a
                # kernel whose notebook imports it gets them as the import would set them.
                tops = {n.partition(".")[0] for n in sys.modules} - tops_before
                self.import_env.append((sorted(tops or {name.partition(".")[0]}), delta))
                changed.remove("env")
        if caught or changed:
            # A cold kernel would have shown that warning in the notebook, or the notebook
            # would not see that change when it does not import the module: never preload it.
            why = f"warning: {caught[0]}" if caught else f"changes {', '.join(changed)}"
            sys.stderr.write(f"plan-eval kernel server: not preloading {name} ({why})\n")
            exclude = {name}
            if self.restarts >= MAX_GUARD_RESTARTS:  # enough: preload nothing more
                exclude.update(m for m in self.preload if m not in self.loaded)
            self.restart(dict(_START_ENV), exclude=exclude)
        if name == "ipykernel.zmqshell" and name not in self.failed:
            _kernel_environment()
        self._watch_loaded()
        return True

    def _log_ready(self) -> None:
        """``PLAN_EVAL_TIMINGS=FILE`` (the benchmark): append what the preload took."""
        path = _START_ENV.get("PLAN_EVAL_TIMINGS")
        if not path:
            return
        line = json.dumps({"task": "kernel-server", "pid": os.getpid(), "seconds": self.seconds,
                           "loaded_at": self.loaded_at,
                           "restarts": self.restarts, "excluded": sorted(self.exclude)})
        try:
            with open(path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError:
            pass

    # -- serving

    def serve_pending(self, wait: float) -> bool:
        """Answer every request waiting now (or arriving within ``wait`` seconds)."""
        readable, _, _ = select.select([self.sock], [], [], wait)
        if not readable:
            return True
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return True
            self.last_activity = time.monotonic()
            keep_going = self.answer(conn)
            if keep_going is not True:
                return keep_going

    def answer(self, conn: socket.socket) -> object:
        conn.setblocking(True)
        conn.settimeout(10)
        try:
            request = json.loads(receive_line(conn).decode("utf-8") or "{}")
        except (OSError, ValueError):
            conn.close()
            return True
        op = request.get("op")
        if op == "modules":  # what a kernel forked now starts with
            self._reply(conn, {"ok": True, "modules": sorted(sys.modules)})
            return True
        if op == "status":
            self._reply(conn, {"ok": True, "pid": os.getpid(), "ready": self.ready,
                               "loaded": self.loaded, "failed": self.failed,
                               "seconds": self.seconds, "excluded": sorted(self.exclude),
                               "restarts": self.restarts, "kernels": sorted(self.kernels)})
            return True
        if op == "stop":
            self._reply(conn, {"ok": True})
            self.shutdown()
            return False
        if op != "fork":
            self._reply(conn, {"ok": False, "error": f"unknown request {op!r}"})
            return True
        return self.fork(conn, request)

    def _reply(self, conn: socket.socket, message: dict[str, object]) -> None:
        try:
            conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
        except OSError:
            pass
        finally:
            conn.close()

    def fork(self, conn: socket.socket, request: dict[str, object]) -> object:
        argv = [str(a) for a in request.get("argv") or []]
        env = {str(k): str(v) for k, v in dict(request.get("env") or {}).items()}
        cwd = str(request.get("cwd") or os.getcwd())
        requester = int(request.get("requester") or 0)
        n = len(self.interpreter)
        warm = argv[:n] == self.interpreter and argv[n:n + 2] == ["-m", self.launcher]
        why = self.stale(env) if warm else ""
        if why:
            if self.restarts < 3 or time.monotonic() - self.started > 5:
                self._reply(conn, {"ok": False, "retry": True, "why": why})
                self.restart(env)
            warm = False  # restarted a moment ago and stale again: serve this one cold
        # (forked before everything is preloaded, a kernel imports what is missing itself)
        modules = list(request.get("modules") or [])  # type: ignore[call-overload]
        key = self._template(argv, env, cwd, modules) if warm else None
        ready = self.ready_kernels.pop(requester, None)
        if ready is not None:
            if key is not None and ready[0] == key and alive(ready[1]):
                self.templates[requester] = (key, argv, env, cwd, modules)
                self._reply(conn, {"ok": True, "pid": ready[1], "mode": "warm", "ahead": True,
                                   "connection": ready[2], "loaded": len(self.loaded)})
                return True
            self._kill(ready[1])  # started for another request: never handed over
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the kernel
            return ("kernel", self._become_kernel(conn, argv, env, cwd, warm, modules))
        self.forked = True
        self.kernels[pid] = requester
        if key is not None:
            self.templates[requester] = (key, argv, env, cwd, modules)
        self._reply(conn, {"ok": True, "pid": pid, "mode": "warm" if warm else "cold",
                           "loaded": len(self.loaded), "why": why})
        return True

    def _become_kernel(self, conn: socket.socket | None, argv: list[str], env: dict[str, str],
                       cwd: str, warm: bool, modules: list[str] | tuple[str, ...] = ()
                       ) -> tuple[str, str]:
        """In the forked child: become the kernel jupyter_client asked for."""
        server = os.getppid()
        try:
            os.setsid()
            _prctl_pdeathsig(signal.SIGKILL)
            if os.getppid() != server:
                os._exit(1)
            if conn is not None:
                conn.close()
            self.sock.close()
            # stdin: a pipe nobody writes to, as jupyter_client gives a kernel
            read, _write = os.pipe()
            os.dup2(read, 0)
            os.close(read)
            for signum, handler in _ORIGINAL_SIGNALS.items():
                if handler is not None:  # None: a handler not set from Python, left alone
                    signal.signal(signum, handler)
            os.chdir(cwd)
            if not warm:
                os.execvpe(argv[0], argv, env)
            os.environ.clear()
            os.environ.update(env)
            for key, value in self.machinery_env.items():
                os.environ.setdefault(key, value)
            for index in self._applied(modules):
                os.environ.update(self.import_env[index][1])
            _reread_environment(env)
            numpy_random = sys.modules.get("numpy.random")
            if numpy_random is not None:
                numpy_random.seed()  # the legacy global generator, seeded afresh as at import
            sys.argv = ["-m", *argv[len(self.interpreter) + 2:]]
            sys.orig_argv = list(argv)
            return self.launcher, cwd
        except BaseException:  # noqa: BLE001 - never return into the server's loop
            import traceback

            traceback.print_exc()
            os._exit(1)

    def _applied(self, modules: object) -> list[int]:
        """Which of the variables set by imports (:attr:`import_env`) a kernel whose notebook
        imports ``modules`` gets: those of the libraries it imports."""
        wanted = {str(m).partition(".")[0] for m in (modules or [])}  # type: ignore[attr-defined]
        return [i for i, (tops, _) in enumerate(self.import_env) if wanted.intersection(tops)]

    def _template(self, argv: list[str], env: dict[str, str], cwd: str,
                  modules: object = ()) -> str | None:
        """What a kernel started ahead must match (its request less the connection file), or
        None when the request's kernel cannot be started ahead (no ``-f``, not over IPC)."""
        if not self.folder or "-f" not in argv[:-1]:
            return None
        at = argv.index("-f")
        try:
            with open(argv[at + 1], encoding="utf-8") as handle:
                if json.load(handle).get("transport") != "ipc":
                    return None
        except (OSError, ValueError, AttributeError):
            return None
        shape = [*argv[:at + 1], "{connection_file}", *argv[at + 2:]]
        return json.dumps([shape, sorted(env.items()), cwd, self._applied(modules)])

    def start_ahead(self) -> object:
        """Start the next kernel of each requester, when everything is preloaded and the
        code is as it was (a kernel started ahead of a change would be stale)."""
        if not self.ready:
            return True
        for requester, (key, argv, env, cwd, modules) in list(self.templates.items()):
            if requester in self.ready_kernels:
                continue
            if not alive(requester):
                del self.templates[requester]
                continue
            if self.stale(env):
                return True
            self.started_ahead += 1
            base = os.path.join(self.folder, f"ahead-{self.started_ahead}")
            import secrets

            info: dict[str, object] = {
                "transport": "ipc", "ip": base, "shell_port": 1, "iopub_port": 2,
                "stdin_port": 3, "control_port": 4, "hb_port": 5,
                "key": secrets.token_hex(16), "signature_scheme": "hmac-sha256",
                "kernel_name": ""}
            path = base + ".json"
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                      encoding="utf-8") as handle:
                json.dump(info, handle)
            at = argv.index("-f")
            ahead = [*argv[:at + 1], path, *argv[at + 2:]]
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                return ("kernel", self._become_kernel(None, ahead, env, cwd, True, modules))
            self.kernels[pid] = requester
            self.ready_kernels[requester] = (key, pid, info)
            return True  # one at a time: requests come first
        return True

    def restart(self, env: dict[str, str], exclude: set[str] = frozenset()) -> None:
        """Replace this process by a fresh server (same pid and socket; kernels keep running)."""
        for _, pid, _ in self.ready_kernels.values():  # started from the code that changed
            self._kill(pid)
        self.ready_kernels.clear()
        self.reap()
        fd = self.sock.fileno()
        os.set_inheritable(fd, True)
        env = {**{k: v for k, v in env.items() if k not in PER_KERNEL_ENV},
               **{k: v for k, v in _START_ENV.items() if k in PER_KERNEL_ENV}}
        arguments = {"fd": str(fd), "launcher": self.launcher,
                     "pdeathsig": "1" if self.pdeathsig else "0",
                     "preload": ",".join(self.preload), "first": "0",
                     "exclude": ",".join(sorted(self.exclude | set(exclude))),
                     "parent": str(self.parent), "restarts": str(self.restarts + 1),
                     "kernels": ",".join(f"{p}:{r}" for p, r in self.kernels.items())}
        if self.idle is not None:
            arguments["idle"] = str(self.idle)
        argv = [*self.interpreter, SCRIPT]
        for key, value in arguments.items():
            argv += [f"--{key}", value]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(self.interpreter[0], argv, env)

    # -- housekeeping

    def reap(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.kernels.pop(pid, None)
            for requester, ready in list(self.ready_kernels.items()):
                if ready[1] == pid:  # died before it was handed over: none again until the
                    del self.ready_kernels[requester]  # requester asks for a kernel itself
                    self.templates.pop(requester, None)

    def housekeeping(self) -> bool:
        """Reap kernels, kill those whose requester died; False when the server must end."""
        self.reap()
        for pid, requester in list(self.kernels.items()):
            if requester and not alive(requester):
                self._kill(pid)
        if os.getppid() != self.parent or not alive(self.parent):
            self.shutdown()
            return False
        if set(self.kernels) - {ready[1] for ready in self.ready_kernels.values()}:
            self.last_activity = time.monotonic()
        elif self.idle is not None and time.monotonic() - self.last_activity > self.idle:
            self.shutdown()
            return False
        return True

    def _kill(self, pid: int) -> None:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
                return
            except OSError:
                continue

    def shutdown(self) -> None:
        for pid in list(self.kernels):
            self._kill(pid)
        self.reap()
        try:
            self.sock.close()
        except OSError:
            pass
        if self.folder and os.path.basename(self.folder).startswith("plan-eval-kernels-"):
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)  # its socket, the kernels' files

    def run(self) -> object:
        while True:
            busy = self.preload_next()
            outcome = self.serve_pending(0 if busy else LOOP_SECONDS)
            if outcome is not True:
                return outcome
            outcome = self.start_ahead()
            if outcome is not True:
                return outcome
            if not self.housekeeping():
                return None


_ORIGINAL_SIGNALS: dict[int, object] = {}
_START_ENV: dict[str, str] = {}


def _arguments(argv: list[str]) -> dict[str, str]:
    found, key = {}, None
    for item in argv:
        if item.startswith("--") and key is None:
            key = item[2:]
        elif key is not None:
            found[key] = item
            key = None
    return found


def main() -> object:
    if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(SCRIPT):
        del sys.path[0]  # the script's folder; a kernel's sys.path never holds it
    for signum in _SIGNALS:
        _ORIGINAL_SIGNALS[signum] = signal.getsignal(signum)
    _START_ENV.update(os.environ)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    server = Server(_arguments(sys.argv[1:]))
    if server.pdeathsig:  # started by the runner's main thread: die with the runner at once
        _prctl_pdeathsig(signal.SIGKILL)
    signal.signal(signal.SIGTERM, lambda *_: (server.shutdown(), os._exit(0)))
    if not alive(server.parent):
        server.shutdown()
        return None
    # A kernel sets this before the notebook runs; matplotlib reads it when imported.
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    return server.run()


if __name__ == "__main__":
    _outcome = main()
    if not (isinstance(_outcome, tuple) and _outcome[0] == "kernel"):
        os._exit(0)
    # The forked kernel: what ``python -m LAUNCHER ARGS`` does from here on (the working
    # directory first on sys.path, which ipykernel_launcher takes off again).
    import runpy

    _launcher, _cwd = _outcome[1]
    del _outcome
    if not sys.flags.safe_path:
        sys.path.insert(0, _cwd)
    runpy.run_module(_launcher, run_name="__main__", alter_sys=True)
