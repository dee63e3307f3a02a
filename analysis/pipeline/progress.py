"""Progress lines while a batch runs.

On a terminal one status line is redrawn in place (``[3/12 00:41] running: county_a chapter 2,
county_a chapter 3``) with a permanent line per finished task; when stdout is not a terminal
(CI logs, ``make`` piped to a file) every event is one plain line.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


class Progress:
    """Counts done/total and prints what starts and finishes, with elapsed time."""

    def __init__(self, total: int, *, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.started = time.perf_counter()
        self.running: dict[str, str] = {}
        self._status_shown = False

    @property
    def elapsed(self) -> float:
        """Seconds since the batch started."""
        return time.perf_counter() - self.started

    def _prefix(self) -> str:
        width = len(str(self.total))
        return f"[{self.done:>{width}}/{self.total} {_clock(self.elapsed)}]"

    def _clear_status(self) -> None:
        if self.tty and self._status_shown:
            self.stream.write("\r\033[K")
            self._status_shown = False

    def _draw_status(self) -> None:
        if not self.tty:
            return
        names = ", ".join(self.running.values()) or "waiting"
        line = f"{self._prefix()} running: {names}"
        self.stream.write("\r\033[K" + line[:200])
        self.stream.flush()
        self._status_shown = True

    def started_task(self, task_id: str, label: str) -> None:
        """A task was handed to a worker."""
        self.running[task_id] = label
        if self.tty:
            self._draw_status()
        else:
            self._line(f"{self._prefix()} start {label}")

    def finished_task(self, task_id: str, label: str, status: str, seconds: float,
                      message: str = "") -> None:
        """A task ended (ok, failed, skipped from the cache, or blocked by a failed upstream)."""
        self.running.pop(task_id, None)
        self.done += 1
        detail = f" — {message}" if message and status != "ok" else ""
        timing = f" ({seconds:.1f} s)" if status in ("ok", "failed") else ""
        self._clear_status()
        self._line(f"{self._prefix()} {status:<7} {label}{timing}{detail}")
        self._draw_status()

    def note(self, text: str) -> None:
        """A line of its own (an error met outside any task), below the status line."""
        self._clear_status()
        self._line(text)
        self._draw_status()

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Remove the status line."""
        self._clear_status()
        self.stream.flush()
