"""Progress lines while a batch runs.

On a terminal one status line is redrawn in place, once a second (``[3/12 00:41 ~01:10 left]
running: county_a chapter 2 (cell 7/19), county_a chapter 3 (cell 3/19)``) with a permanent line
per finished task; when stdout is not a terminal (CI logs, ``make`` piped to a file) every
event is one plain line. The time left is estimated from earlier runs of the same tasks
(:class:`TimingHistory`, ``<reports>/.cache/timings.json``); the cell a notebook is in is read
from the notebook papermill saves after every cell. ``quiet`` prints nothing while the batch
runs; ``log`` receives every event as a plain, time-stamped line.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

#: Where the timing history of a reports folder is kept (relative to the reports root).
TIMINGS_FILE = Path(".cache") / "timings.json"

#: Seconds between two redraws of the status line on a terminal.
REDRAW_INTERVAL = 1.0

#: Largest running notebook read to find the cell it is in (bytes).
MAX_WATCHED_BYTES = 16 * 2**20


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def _left(seconds: float) -> str:
    return f"~{_clock(seconds)} left" if seconds >= 1 else "~00:00 left"


class Progress:
    """Counts done/total and prints what starts and finishes, with elapsed time.

    ``estimates`` (task id → seconds, from :class:`TimingHistory`) and ``jobs`` give the time
    left; ``watch`` (task id → the executed notebook's path) lets the status line show the
    cell a running notebook is in; ``quiet`` prints nothing; ``log`` gets every line, plain
    and time-stamped.
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, tty: bool | None = None,
                 estimates: Mapping[str, float] | None = None, jobs: int = 1,
                 watch: Mapping[str, str] | None = None, quiet: bool = False,
                 log: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stdout
        self.tty = (self.stream.isatty() if tty is None else tty) and not quiet
        self.quiet = quiet
        self.log = log
        self.started = time.perf_counter()
        self.running: dict[str, str] = {}
        self.estimates = dict(estimates or {})
        self.jobs = max(1, int(jobs))
        self.watch = dict(watch or {})
        self._since: dict[str, float] = {}
        self._finished: set[str] = set()
        self._status_shown = False
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._cells: dict[str, tuple[tuple[int, int], str]] = {}
        self._ticker: threading.Thread | None = None
        if self.tty:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_INTERVAL):
            with self._lock:
                if self.running:
                    self._draw_status()

    def time_left(self) -> float | None:
        """Seconds of work left divided among the jobs, from the estimates (None without any)."""
        if not self.estimates:
            return None
        known = list(self.estimates.values())
        typical = statistics.median(known) if known else 0.0
        now = time.perf_counter()
        work = 0.0
        for task_id, estimate in self.estimates.items():
            if task_id in self._finished:
                continue
            if task_id in self._since:
                work += max(estimate - (now - self._since[task_id]), 0.0)
            else:
                work += estimate
        unknown = self.total - len(self._finished) - sum(
            1 for t in self.estimates if t not in self._finished)
        work += max(unknown, 0) * typical
        return work / self.jobs

    @property
    def elapsed(self) -> float:
        """Seconds since the batch started."""
        return time.perf_counter() - self.started

    def _prefix(self) -> str:
        width = len(str(self.total))
        left = self.time_left() if self.done < self.total else None
        shown = f" {_left(left)}" if left is not None else ""
        return f"[{self.done:>{width}}/{self.total} {_clock(self.elapsed)}{shown}]"

    def _cell(self, task_id: str) -> str:
        """`` (cell 7/19)`` for a running notebook papermill has saved, else ``""``."""
        executed = self.watch.get(task_id)
        if not executed:
            return ""
        path = Path(executed)
        try:
            candidates = list(path.parent.glob(f".{path.stem}.*.running.ipynb"))
            if not candidates:
                return ""
            running = max(candidates, key=lambda p: p.stat().st_mtime_ns)
            stat = running.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._cells.get(task_id)
            if cached and cached[0] == stamp:
                return cached[1]
            shown = ""
            if stat.st_size <= MAX_WATCHED_BYTES:
                shown = running_cell(json.loads(running.read_text(encoding="utf-8")))
            self._cells[task_id] = (stamp, shown)
            return shown
        except (OSError, ValueError):
            return ""

    def _clear_status(self) -> None:
        if self.tty and self._status_shown:
            self.stream.write("\r\033[K")
            self._status_shown = False

    def _draw_status(self) -> None:
        if not self.tty:
            return
        names = ", ".join(f"{label}{self._cell(task_id)}"
                          for task_id, label in self.running.items()) or "waiting"
        line = f"{self._prefix()} running: {names}"
        self.stream.write("\r\033[K" + line[:200])
        self.stream.flush()
        self._status_shown = True

    def started_task(self, task_id: str, label: str) -> None:
        """A task was handed to a worker."""
        with self._lock:
            self.running[task_id] = label
            self._since[task_id] = time.perf_counter()
            if self.tty:
                self._draw_status()
                self._log(f"{self._prefix()} start {label}")
            else:
                self._line(f"{self._prefix()} start {label}")

    def finished_task(self, task_id: str, label: str, status: str, seconds: float,
                      message: str = "") -> None:
        """A task ended (ok, failed, skipped from the cache, or blocked by a failed upstream)."""
        with self._lock:
            self.running.pop(task_id, None)
            self._finished.add(task_id)
            self.done += 1
            detail = f" — {message}" if message and status != "ok" else ""
            timing = f" ({seconds:.1f} s)" if status in ("ok", "failed") else ""
            self._clear_status()
            self._line(f"{self._prefix()} {status:<7} {label}{timing}{detail}")
            self._draw_status()

    def note(self, text: str) -> None:
        """A line of its own (an error met outside any task), below the status line."""
        with self._lock:
            self._clear_status()
            self._line(text, always=True)
            self._draw_status()

    def _line(self, text: str, *, always: bool = False) -> None:
        self._log(text)
        if self.quiet and not always:
            return
        self.stream.write(text + "\n")
        self.stream.flush()

    def _log(self, text: str) -> None:
        if self.log is not None:
            self.log.write(f"{datetime.now().isoformat(sep=' ', timespec='seconds')} {text}\n")
            self.log.flush()

    def close(self) -> None:
        """Stop redrawing and remove the status line."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2 * REDRAW_INTERVAL)
        with self._lock:
            self._clear_status()
            self.stream.flush()


def running_cell(notebook: Mapping[str, Any]) -> str:
    """`` (cell 7/19)``: the code cell papermill is running (its ``papermill.status``), counted
    among the notebook's code cells; ``""`` when none is running."""
    cells = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    for index, cell in enumerate(cells, start=1):
        state = cell.get("metadata", {}).get("papermill", {}).get("status")
        if state == "running":
            return f" (cell {index}/{len(cells)})"
    return ""


# --------------------------------------------------------------------------- timing history


class TimingHistory:
    """Seconds each task took in earlier runs, kept in ``<reports>/.cache/timings.json``.

    A task is known by its plan, stage, chapter and language (not its year: a re-run for
    another year takes as long). A task never run before is estimated by the median of its
    stage's known tasks. Each success updates the estimate (the mean of the last and the
    new time, so one slow run does not dominate).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.seconds: dict[str, float] = {}
        self._changed = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if isinstance(data, dict) and isinstance(data.get("seconds"), dict):
            self.seconds = {str(k): float(v) for k, v in data["seconds"].items()
                            if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0}

    @classmethod
    def of_reports(cls, reports_root: str | Path) -> TimingHistory:
        """The history of a reports folder."""
        return cls(Path(reports_root) / TIMINGS_FILE)

    @staticmethod
    def name(stage: str, plan: str, chapter: int | None, lang: str = "zh") -> str:
        """How a task is known in the history: ``<plan>/chapter/2/zh``."""
        return f"{plan}/{stage}/{'' if chapter is None else chapter}/{lang}"

    def estimate(self, stage: str, plan: str, chapter: int | None, lang: str = "zh") -> float | None:
        """Seconds the task is expected to take, or None when nothing like it has run."""
        known = self.seconds.get(self.name(stage, plan, chapter, lang))
        if known is not None:
            return known
        same = [v for k, v in self.seconds.items() if k.split("/")[1:2] == [stage]]
        return statistics.median(same) if same else None

    def estimates(self, tasks: Iterable[Any]) -> dict[str, float]:
        """``task id → seconds`` for the tasks of a graph (runner ``Task`` objects) with one."""
        found = {}
        for task in tasks:
            spec = task.spec
            value = self.estimate(spec.stage, spec.plan, spec.chapter,
                                  str(spec.parameters.get("lang", "zh")))
            if value is not None:
                found[spec.task_id] = value
        return found

    def update(self, results: Iterable[Any], lang_of: Callable[[Any], str] = lambda _: "zh") -> None:
        """Take the seconds of every task that ran and succeeded (``TaskResult`` objects)."""
        for result in results:
            if result.status != "ok" or result.seconds <= 0:
                continue
            key = self.name(result.stage, result.plan, result.chapter, lang_of(result))
            old = self.seconds.get(key)
            self.seconds[key] = round(result.seconds if old is None
                                      else (old + result.seconds) / 2, 2)
            self._changed = True

    def save(self) -> None:
        """Write the history (atomically) when a run changed it; OSError when it cannot."""
        if not self._changed:
            return
        from analysis.core.io import write_atomic

        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps({"seconds": dict(sorted(self.seconds.items()))},
                                           indent=1) + "\n")
        self._changed = False
