"""One notebook task and the function that executes it in a worker process.

:func:`run_task` is a plain top-level function taking and returning picklable dataclasses,
so the same function runs in a local process pool and on a Dask distributed worker. It
never changes the worker's working directory (papermill's ``cwd`` is not used: every path
handed to a notebook is absolute).
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _resolve(dotted: str) -> Any:
    """``"package.module:function"`` → the function."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


#: Seconds a new worker waits before loading the renderer (its first kernel starts meanwhile).
PREPARE_DELAY = 1.5


def prepare_worker(renderer: str | None) -> None:
    """Pool initializer: load the HTML renderer in the background while the worker starts.

    The first report a worker renders would otherwise pay for importing the renderer's
    module and building its template environment (about a second with nbconvert); a worker
    mostly waits for its kernel, so it does this meanwhile, once that kernel has started.
    A renderer function may offer that set-up as its ``prepare`` attribute.
    """
    if not renderer:
        return

    def load() -> None:
        time.sleep(PREPARE_DELAY)  # let the worker's first kernel start without competition
        try:
            setup = getattr(_resolve(renderer), "prepare", None)
            if callable(setup):
                setup()
        except Exception:  # noqa: BLE001 - an optimisation only; rendering reports its errors
            pass

    threading.Thread(target=load, name="prepare-renderer", daemon=True).start()


def _replace(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def run_task(spec: TaskSpec) -> TaskResult:
    """Execute ``spec.notebook`` with papermill; keep the executed notebook; render HTML.

    On success the executed notebook is moved to ``spec.executed_path`` and, when the task
    has an HTML output, rendered with ``spec.renderer``. On any failure (an error in a cell,
    a cell timeout, a dead kernel, a rendering error) the executed notebook — with
    papermill's error banner above the failing cell — is kept in ``spec.failed_dir`` and the
    result says why; no exception leaves this function.
    """
    started = time.perf_counter()
    executed = Path(spec.executed_path)
    executed.parent.mkdir(parents=True, exist_ok=True)
    running = executed.with_name(f".{executed.stem}.{os.getpid()}.running.ipynb")
    failed = Path(spec.failed_dir) / executed.name
    worker = f"{socket.gethostname()}:{os.getpid()}"
    outputs = [str(executed)]
    sockets = tempfile.mkdtemp(prefix="plan-eval-kernel-")
    ran = False
    try:
        import papermill
        from traitlets.config import Config

        papermill.execute_notebook(
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
        )
        _replace(running, executed)
        ran = True
        if spec.html_path:
            html = Path(spec.html_path)
            html.parent.mkdir(parents=True, exist_ok=True)
            temp_html = html.with_name(f".{html.name}.{os.getpid()}.tmp")
            _resolve(spec.renderer or "analysis.report:render_notebook_html")(
                executed, temp_html, title=spec.title
            )
            _replace(temp_html, html)
            outputs.append(str(html))
        failed.unlink(missing_ok=True)
        return TaskResult(spec.task_id, spec.stage, spec.plan, spec.chapter, OK,
                          time.perf_counter() - started, "", str(executed), outputs, worker)
    except BaseException as exc:  # noqa: B036 - a worker must report, never die silently
        if isinstance(exc, KeyboardInterrupt):
            raise
        kept = None
        # The notebook as far as it ran: still at its temporary name when papermill failed,
        # already at its final name when only the HTML rendering failed.
        candidate = executed if ran else running
        if candidate.exists():
            _replace(candidate, failed)
            kept = str(failed)
        return TaskResult(spec.task_id, spec.stage, spec.plan, spec.chapter, FAILED,
                          time.perf_counter() - started, _describe(exc, spec.timeout), kept, [],
                          worker)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


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
    Path(out_html).write_text("\n".join(parts) + "\n", encoding="utf-8")
    return Path(out_html)
