"""One notebook task and the function that executes it in a worker process.

:func:`run_task` is a plain top-level function taking and returning picklable dataclasses,
so the same function runs in a local process pool and on a Dask distributed worker. It
never changes the worker's working directory (papermill's ``cwd`` is not used: every path
handed to a notebook is absolute).

Every file a task writes is written atomically (:func:`analysis.core.io.write_atomic`: the
executed notebook at every save papermill makes, the HTML page), so a full disk or a killed
worker leaves the previous complete file, and an ``OSError`` names the file. A worker of the
local pool dies with the runner that started it (:func:`prepare_worker`), taking its kernel
with it. Kernels are warm: forked by the batch's kernel server (:mod:`analysis.pipeline.kernels`).
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.pipeline import kernels
from analysis.pipeline._kernel_server import alive

#: Statuses a task can end with.
OK, FAILED, SKIPPED, BLOCKED = "ok", "failed", "skipped", "blocked"


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs to execute one notebook (all paths absolute)."""

    task_id: str
    stage: str
    plan: str
    chapter: int | None
    notebook: str
    parameters: dict[str, Any]
    executed_path: str
    failed_dir: str
    kernel_name: str = "plan-eval"
    timeout: int = 600
    html_path: str | None = None
    title: str = ""
    renderer: str | None = None
    start_timeout: int = 120


@dataclass
class TaskResult:
    """What happened to one task."""

    task_id: str
    stage: str
    plan: str
    chapter: int | None
    status: str
    seconds: float = 0.0
    message: str = ""
    executed_path: str | None = None
    outputs: list[str] = field(default_factory=list)
    worker: str = ""
    stale: list[str] = field(default_factory=list)
    """Outputs of an earlier success kept (marked stale) because this run failed or was blocked."""
    report_dir: str = ""
    """The report folder holding :attr:`stale` (its ``manifest.json`` lists them)."""
    year: int | None = None
    """The evaluation year of the task (None for cleaning, which serves every year)."""
    lang: str = ""
    """The report language of a page or document task ("" for the other stages)."""

    @classmethod
    def of(cls, spec: TaskSpec, status: str, seconds: float = 0.0, message: str = "",
           executed_path: str | None = None, outputs: list[str] | None = None,
           worker: str = "") -> TaskResult:
        """The result of ``spec``'s task, its year and language taken from its parameters."""
        year = spec.parameters.get("eval_year", spec.parameters.get("as_of_year"))
        return cls(spec.task_id, spec.stage, spec.plan, spec.chapter, status, seconds, message,
                   executed_path, list(outputs or []), worker,
                   year=year if isinstance(year, int) else None,
                   lang=str(spec.parameters.get("lang", "")))


def _resolve(dotted: str) -> Any:
    """``"package.module:function"`` → the function."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


#: Seconds a new worker waits before loading the renderer (its first kernel starts meanwhile).
PREPARE_DELAY = 1.5


#: Seconds between two checks of a worker that its runner is still alive.
WATCH_INTERVAL = 0.5

#: Temporary files and folders of the task a worker is running (removed if it must die).
_current_temporaries: set[str] = set()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux ``/proc``; empty elsewhere)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry))
    return found


def _die() -> None:
    """End this worker at once: kill its kernels, remove the running task's temporary files."""
    kernels.kill_kernels()  # warm kernels are the kernel server's children, not ours
    for child in _children(os.getpid()):
        for kill in (os.killpg, os.kill):  # a kernel leads its own process group
            try:
                kill(child, signal.SIGKILL)
                break
            except OSError:
                continue
    for path in list(_current_temporaries):
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else \
            _remove_quietly(path)
    os._exit(1)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def die_with_runner(runner_pid: int | None) -> None:
    """Make this worker process end (with its kernel) when the runner process ends.

    On Linux the kernel sends the worker SIGTERM when its parent (the pool's fork server,
    which ends with the runner) dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, a daemon
    thread checks twice a second that the parent and the runner are still alive. Either
    way :func:`_die` kills the worker's kernels and removes the running task's temporary
    files, so a ``kill -9`` of the runner leaves no process behind.
    """
    parent = os.getppid()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: _die())
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
            except (OSError, AttributeError):
                pass

    def watch() -> None:
        while True:
            if os.getppid() != parent or (runner_pid and not alive(runner_pid)):
                _die()
            time.sleep(WATCH_INTERVAL)

    if os.getppid() != parent or (runner_pid and not alive(runner_pid)):
        _die()  # the runner died before the worker got here
    threading.Thread(target=watch, name="watch-runner", daemon=True).start()


def prepare_worker(renderer: str | None, runner_pid: int | None = None,
                   kernel_server: str | None = None) -> None:
    """Pool initializer: die with the runner; load the HTML renderer in the background.

    ``runner_pid`` (the process that created the pool) is watched by
    :func:`die_with_runner`. ``kernel_server`` is the address of the batch's warm-kernel
    server (:mod:`analysis.pipeline.kernels`): this worker's kernels are forked by it. The
    first report a worker renders would otherwise pay for importing the renderer's module and
    building its template environment (about a second with nbconvert); a worker mostly waits
    for its kernel, so it does this meanwhile, once that kernel has started, at a low priority.
    A renderer function may offer that set-up as its ``prepare`` attribute.
    """
    die_with_runner(runner_pid)
    kernels.use(kernel_server)
    if not renderer:
        return

    def load() -> None:
        time.sleep(PREPARE_DELAY)  # let the worker's first kernel start without competition
        try:  # and give way to the kernels (Linux: a thread's own priority)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
        except (AttributeError, OSError):
            pass
        try:
            setup = getattr(_resolve(renderer), "prepare", None)
            if callable(setup):
                setup()
        except Exception:  # noqa: BLE001 - an optimisation only; rendering reports its errors
            pass

    threading.Thread(target=load, name="prepare-renderer", daemon=True).start()


def _replace(source: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from None


class _AtomicNotebookWriter:
    """papermill's local file handler, with every write of the output notebook atomic.

    papermill rewrites the output notebook after each cell; its own handler truncates the
    file first, so a full disk left a 0-byte or cut-off notebook. Here each save replaces
    the previous complete one (without ``fsync``: :func:`run_task` syncs the last save).
    """

    def __init__(self, local: Any) -> None:
        self._local = local

    def __getattr__(self, name: str) -> Any:  # read, listdir, pretty_path, cwd
        return getattr(self._local, name)

    def write(self, buf: str, path: str) -> None:
        from analysis.core.io import write_atomic

        write_atomic(path, buf, durable=False)


def _atomic_notebook_writes() -> None:
    """Route papermill's writes to absolute local paths through :class:`_AtomicNotebookWriter`."""
    from papermill.iorw import LocalHandler, papermill_io

    if not any(isinstance(handler, _AtomicNotebookWriter) for _, handler in papermill_io._handlers):
        papermill_io.register(os.sep, _AtomicNotebookWriter(LocalHandler()))


#: Seconds between two saves of a running notebook. papermill saves the whole notebook before
#: and after every cell (a chapter: ~40 saves of a 650 kB JSON written with an indent, by
#: Python's slow encoder, between two cells: ~0.3 s); here a save is skipped when the last one
#: is more recent. The first save, the save when the notebook ends (also when a cell failed,
#: timed out or the kernel died) and papermill's final write are always made.
SAVE_INTERVAL = 2.0


def _throttled_saves() -> None:
    """Rate-limit papermill's saves of the running notebook (see :data:`SAVE_INTERVAL`)."""
    from papermill.engines import NotebookExecutionManager

    if getattr(NotebookExecutionManager, "_plan_eval_throttled", False):
        return
    save, complete = NotebookExecutionManager.save, NotebookExecutionManager.notebook_complete

    def throttled(self: Any, **kwargs: Any) -> None:
        now = time.monotonic()
        last = getattr(self, "_plan_eval_saved", None)
        if last is None or getattr(self, "_plan_eval_final", False) or now - last >= SAVE_INTERVAL:
            save(self, **kwargs)
            self._plan_eval_saved = now

    def notebook_complete(self: Any, **kwargs: Any) -> Any:
        self._plan_eval_final = True  # the notebook's last save is always written
        return complete(self, **kwargs)

    NotebookExecutionManager.save = throttled
    NotebookExecutionManager.notebook_complete = notebook_complete
    NotebookExecutionManager._plan_eval_throttled = True


def run_task(spec: TaskSpec, warm: kernels.WarmKernels | None = None) -> TaskResult:
    """Execute ``spec.notebook`` with papermill; keep the executed notebook; render HTML.

    The kernel is forked by this process's warm-kernel server (:func:`kernels.use`; on a
    Dask worker ``warm`` says how to start one) or, without one, started cold.

    On success the executed notebook is moved to ``spec.executed_path`` and, when the task
    has an HTML output, rendered with ``spec.renderer``. On any failure (an error in a cell,
    a cell timeout, a dead kernel, a rendering error) the executed notebook — with
    papermill's error banner above the failing cell — is kept in ``spec.failed_dir`` and the
    result says why; no exception leaves this function.
    """
    started, begun_at = time.perf_counter(), time.time()
    executed = Path(spec.executed_path)
    running = executed.with_name(f".{executed.stem}.{os.getpid()}.running.ipynb")
    failed = Path(spec.failed_dir) / executed.name
    worker = f"{socket.gethostname()}:{os.getpid()}"
    outputs = [str(executed)]
    sockets = ""
    html = Path(spec.html_path) if spec.html_path else None
    staged_html = html.with_name(f".{html.name}.{os.getpid()}.new") if html else None
    mine = {str(running), *([str(staged_html)] if staged_html else [])}
    _current_temporaries.update(mine)
    try:
        sockets = tempfile.mkdtemp(prefix="plan-eval-kernel-")
        mine.add(sockets)
        _current_temporaries.add(sockets)
        import papermill
        from traitlets.config import Config

        from analysis.core.io import write_atomic

        _atomic_notebook_writes()
        _throttled_saves()
        try:
            executed.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), str(executed.parent)) from None

        kernels.ensure(warm, spec.kernel_name)
        manager = kernels.manager_class(spec.notebook)
        begun = time.perf_counter()
        notebook = papermill.execute_notebook(
            spec.notebook,
            str(running),
            parameters=dict(spec.parameters),
            kernel_name=spec.kernel_name,
            execution_timeout=spec.timeout,
            start_timeout=spec.start_timeout,
            progress_bar=False,
            log_output=False,
            # Local IPC sockets: no TCP port races between parallel kernels, no plain-TCP warning.
            config=Config({"KernelManager": {"transport": "ipc",
                                             "ip": os.path.join(sockets, "kernel")}}),
            # Once the last cell has replied (its outputs are in the notebook, its files are
            # written), stop the kernel at once: the polite shutdown request makes the kernel
            # process take another ~1.2 s to exit, with nothing left for it to do.
            shutdown_kernel="immediate",
            **({"kernel_manager_class": manager} if manager is not None else {}),
        )
        timings = _timings(notebook, time.perf_counter() - begun,
                           getattr(manager, "plan_eval_mode", "cold"))
        try:
            _sync(running)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), str(executed)) from None
        if html is not None and staged_html is not None:
            # Render from the new notebook before replacing anything: a rendering failure
            # leaves the last good page and its executed notebook as they were.
            render = _resolve(spec.renderer or "analysis.report:render_notebook_html")
            begun = time.perf_counter()
            try:
                write_atomic(staged_html, lambda temporary: render(running, temporary,
                                                                   title=spec.title))
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror or str(exc), str(html)) from None
            timings["html"] = time.perf_counter() - begun
        _replace(running, executed)
        if html is not None and staged_html is not None:
            _replace(staged_html, html)
            outputs.append(str(html))
        try:
            failed.unlink(missing_ok=True)  # the notebook of an earlier failure, now fixed
        except OSError:
            pass
        seconds = time.perf_counter() - started
        _log_timings(spec, {**timings, "total": seconds, "start": begun_at, "end": time.time()})
        return TaskResult.of(spec, OK, seconds, "", str(executed), outputs, worker)
    except BaseException as exc:  # noqa: B036 - a worker must report, never die silently
        if isinstance(exc, KeyboardInterrupt):
            raise
        kept = None
        if isinstance(exc, OSError) and exc.filename == str(running):  # name the real file
            exc = OSError(exc.errno, exc.strerror, str(executed))
        message = _describe(exc, spec.timeout)
        # The notebook as far as it ran (every save of it was complete), with papermill's
        # error banner above the failing cell.
        if running.exists():
            try:
                _replace(running, failed)
                kept = str(failed)
            except OSError as error:
                message = f"{message} (the failed notebook could not be kept: {error})"
        return TaskResult.of(spec, FAILED, time.perf_counter() - started, message, kept, [],
                             worker)
    finally:
        for leftover in (running, staged_html):
            if leftover is not None:
                _remove_quietly(str(leftover))
        if sockets:
            shutil.rmtree(sockets, ignore_errors=True)
        _current_temporaries.difference_update(mine)


#: ``PLAN_EVAL_TIMINGS=FILE``: every successful task appends a JSON line saying where its
#: time went (``scripts/bench.py`` reads it).
TIMINGS = "PLAN_EVAL_TIMINGS"


def _timings(notebook: Any, execute_seconds: float, mode: str) -> dict[str, Any]:
    """Where a notebook's execution went: ``kernel`` (from the start of papermill's run to the
    first cell: kernel start and handshake), ``cells`` (the code cells' durations) and
    ``execute`` (all of papermill's work), from the metadata papermill records; ``kernel_mode``
    says whether the kernel was forked warm or started cold."""
    from datetime import datetime

    found: dict[str, Any] = {"execute": execute_seconds, "kernel_mode": mode}
    try:
        meta = notebook.metadata.papermill
        cells = [c.metadata.papermill for c in notebook.cells if c.cell_type == "code"]
        found["cells"] = sum(float(c.get("duration") or 0.0) for c in cells)
        first = next((c["start_time"] for c in cells if c.get("start_time")), None)
        if first and meta.get("start_time"):
            found["kernel"] = (datetime.fromisoformat(first)
                               - datetime.fromisoformat(meta["start_time"])).total_seconds()
    except (AttributeError, KeyError, TypeError, ValueError):
        pass
    return found


def _log_timings(spec: TaskSpec, timings: dict[str, Any]) -> None:
    path = os.environ.get(TIMINGS)
    if not path:
        return
    import json

    line = json.dumps({"task": spec.task_id, "stage": spec.stage, "pid": os.getpid(), **timings})
    try:
        with open(path, "a", encoding="utf-8") as out:  # one short line: appended whole
            out.write(line + "\n")
    except OSError:
        pass


def _sync(path: Path) -> None:
    """Flush a file to disk (the last save of an executed notebook)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _describe(exc: BaseException, timeout: int) -> str:
    """One line saying why a task failed."""
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        return (f"cell {getattr(exc, 'exec_count', '?')}: {getattr(exc, 'ename', '')}: "
                f"{str(getattr(exc, 'evalue', '')).splitlines()[0] if getattr(exc, 'evalue', '') else ''}")
    if isinstance(exc, TimeoutError) or name == "CellTimeoutError":
        return f"a cell ran longer than the {timeout} s timeout"
    text = str(exc).strip().splitlines()
    if not text:
        text = traceback.format_exception_only(type(exc), exc)[-1:]
    return f"{name}: {text[0][:300]}"


def render_plain_html(executed: str | Path, out_html: str | Path, *, title: str = "") -> Path:
    """A minimal HTML page of a notebook's text outputs (no nbconvert; for tests and fallbacks)."""
    import html
    import json

    document = json.loads(Path(executed).read_text(encoding="utf-8"))
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<h1>{html.escape(title)}</h1>"]
    for cell in document.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            if text:
                parts.append(f"<pre>{html.escape(text)}</pre>")
    from analysis.core.io import write_atomic

    return write_atomic(out_html, "\n".join(parts) + "\n")
