"""What a run would do, and where every task stands: ``run --dry-run`` and ``status``.

Both read the task graph the runner builds (:func:`analysis.pipeline.runner.build_tasks`) and
each task's cache record, and compute the task's key exactly as the runner does — they never
run a notebook and never write a file. A record keeps what its key was made of
(:func:`analysis.pipeline.cache.key_parts`: the notebook, the code files, every input file,
the parameters and the study settings), so a task that is not up to date says *why*: which
input, parameter, study setting or code file changed, or which output was changed or deleted
since. A task whose last run failed (its record is deleted then, and the notebook kept under
``failed/``) is ``failed``, with the time of that run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.core.errors import AnalysisError
from analysis.pipeline import cache
from analysis.pipeline.runner import Task, _key
from analysis.pipeline.stale import REPORT_MANIFEST, read_manifest
from analysis.pipeline.tasks import BLOCKED, FAILED, TaskResult

FRESH, STALE, FAILED_STATE = "fresh", "stale", "failed"


@dataclass
class TaskState:
    """Where one task stands: ``fresh`` (a run would skip it), ``stale`` (it would run, for
    :attr:`reasons`) or ``failed`` (its last run failed); with the time of its last run."""

    task: Task
    state: str
    reasons: list[str] = field(default_factory=list)
    last_run: datetime | None = None
    failed_notebook: Path | None = None

    @property
    def label(self) -> str:
        return self.task.label


def _local(stamp: object) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return None


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "None"
    return str(value) if not isinstance(value, str) else repr(value)


def _parameter_changes(old: object, new: dict[str, Any]) -> list[str]:
    if not isinstance(old, dict):
        return []
    names = [*new, *(n for n in old if n not in new)]
    return [f"parameter {name}: {_shown(old.get(name))} → {_shown(new.get(name))}"
            for name in names if old.get(name) != new.get(name)]


def _study_changes(old: object, new: dict[str, Any]) -> list[str]:
    old = old if isinstance(old, dict) else {}
    flat_old, flat_new = _flatten(old), _flatten(new)
    return [f"study.yaml {name}: {_shown(flat_old.get(name, 'unset'))} → "
            f"{_shown(flat_new.get(name, 'unset'))}"
            for name in sorted(set(flat_old) | set(flat_new))
            if flat_old.get(name) != flat_new.get(name)]


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            found.update(_flatten(item, f"{name}."))
        else:
            found[name] = item
    return found


def _changed_outputs(record: dict[str, Any]) -> list[str]:
    outputs, digests = record.get("outputs", []), record.get("output_digests")
    if not isinstance(outputs, list) or not isinstance(digests, dict):
        return ["the record predates output digests"]
    found = []
    for output in outputs:
        now = cache.output_digest(output)
        if now is None:
            found.append(f"output deleted: {output}")
        elif now != digests.get(output):
            found.append(f"output changed: {output}")
    return found


def task_state(task: Task, *, force: bool = False) -> TaskState:
    """Where ``task`` stands now (reads its record and hashes its inputs; writes nothing)."""
    record = cache.read_record(task.record)
    failed = Path(task.spec.failed_dir) / Path(task.spec.executed_path).name
    if not isinstance(record, dict) and failed.is_file():
        when = datetime.fromtimestamp(failed.stat().st_mtime).astimezone()
        why = _failure_reason(task) or "its last run failed"
        return TaskState(task, FAILED_STATE, [why, f"kept: {failed}"], when, failed)
    if not isinstance(record, dict):
        return TaskState(task, STALE, ["never run (no cache record)"])
    when = _local(record.get("recorded_at"))
    try:
        key = _key(task)
    except (OSError, AnalysisError) as exc:
        return TaskState(task, STALE, [f"cannot check the cache: {exc}"], when)
    if key == record.get("key"):
        changed = _changed_outputs(record)
        reasons = ["--force"] if force else []
        return TaskState(task, STALE if changed or force else FRESH, [*reasons, *changed], when)
    reasons = _parameter_changes(record.get("parameters"), task.full_parameters)
    reasons += _study_changes(record.get("study"), task.study)
    parts = record.get("parts")
    if isinstance(parts, dict) and task.parts is not None:
        reasons += cache.changed_parts(parts, task.parts)  # task.parts: what _key just hashed
    if not reasons:
        reasons = ["changed since its last run (the record predates the details: notebook, "
                   "code or inputs)" if not isinstance(parts, dict) else
                   "changed since its last run"]
    return TaskState(task, STALE, reasons, when)


def _failure_reason(task: Task) -> str:
    """The reason the report folder's manifest gives for the task's kept outputs, if any."""
    if task.report is None:
        return ""
    reasons = read_manifest(task.report / REPORT_MANIFEST).get("reasons")
    if not isinstance(reasons, dict):
        return ""
    for output in task.outputs:
        if output.is_relative_to(task.report):
            why = reasons.get(output.relative_to(task.report).as_posix())
            if why:
                return str(why)
    return ""


def graph_states(tasks: Sequence[Task], *, force: bool = False) -> list[TaskState]:
    """:func:`task_state` of every task, in graph order."""
    return [task_state(task, force=force) for task in tasks]


# --------------------------------------------------------------------------- dry run


def dry_run(tasks: Sequence[Task], *, force: bool = False) -> tuple[str, int]:
    """The tasks a run would run and why, as text; and how many would certainly run.

    ``run`` — it would run (its reasons); ``after`` — up to date now, but a task it needs
    runs first, and it runs again only if that task's outputs change; ``skip`` — unchanged.
    """
    states = graph_states(tasks, force=force)
    labels = {task.spec.task_id: task.label for task in tasks}
    will: dict[str, str] = {}
    rows = []
    for state in states:
        task = state.task
        upstream = [dep for dep in task.depends_on if will.get(dep) in ("run", "after")]
        if state.state != FRESH:
            action, why = "run", "; ".join(state.reasons)
        elif upstream:
            action = "after"
            why = f"runs again only if {labels[upstream[0]]} changes its outputs"
        else:
            action, why = "skip", "unchanged" + (f" since {_when(state.last_run)}"
                                                 if state.last_run else "")
        will[task.spec.task_id] = action
        rows.append((action, task.label, why))
    runs = sum(action == "run" for action, _, _ in rows)
    after = sum(action == "after" for action, _, _ in rows)
    head = (f"dry run (nothing is run or written): {runs} of {len(rows)} tasks would run"
            + (f", {after} more if what they need changes" if after else ""))
    width = max((len(label) for _, label, _ in rows), default=0)
    lines = [head, *(f"  {action:<5}  {label:<{width}}  {why}" for action, label, why in rows)]
    return "\n".join(lines), runs


# --------------------------------------------------------------------------- status


def _when(stamp: datetime | None) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M") if stamp else "-"


def status_table(tasks: Sequence[Task]) -> str:
    """Every task fresh, stale or failed, with the time of its last run and why."""
    states = graph_states(tasks)
    by_id = {s.task.spec.task_id: s for s in states}
    rows = [("task", "state", "last run", "why")]
    for state in states:
        why = "; ".join(state.reasons)
        behind = [dep for dep in state.task.depends_on
                  if by_id.get(dep) is not None and by_id[dep].state != FRESH]
        if state.state == FRESH and behind:
            why = f"up to date, but {by_id[behind[0]].label} is {by_id[behind[0]].state}"
        rows.append((state.label, state.state, _when(state.last_run), why))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join([*(row[i].ljust(widths[i]) for i in range(3)), row[3]]).rstrip())
        if index == 0:
            lines.append("  ".join(["-" * w for w in widths] + ["---"]))
    counts = {name: sum(s.state == name for s in states) for name in (FRESH, STALE, FAILED_STATE)}
    lines.append(", ".join(f"{n} {name}" for name, n in counts.items() if n) or "no task")
    return "\n".join(lines)


# --------------------------------------------------------------------------- reports


def report_lines(tasks: Sequence[Task], results: Sequence[TaskResult]) -> list[str]:
    """``reports: <folder>/ index.html, chapter_1.html, …`` for each report folder of the run,
    naming the pages, the Word report and ``evaluation.csv`` that exist (stale ones marked)."""
    status = {r.task_id: r.status for r in results}
    folders: dict[Path, list[str]] = {}
    for task in tasks:
        if task.report is None:
            continue
        names = folders.setdefault(task.report, [])
        for output in task.outputs:
            if output.parent == task.report and output.suffix in (".html", ".csv", ".docx") \
                    and output.is_file():
                mark = " (stale)" if status.get(task.spec.task_id) in (FAILED, BLOCKED) else ""
                names.append(output.name + mark)
    lines = []
    for folder, names in folders.items():
        if names:
            pages = sorted(dict.fromkeys(names), key=lambda n: (not n.startswith("index"), n))
            lines.append(f"reports: {folder}/ {', '.join(pages)}")
    return lines


__all__ = ["FRESH", "STALE", "FAILED_STATE", "TaskState", "dry_run", "graph_states",
           "report_lines", "status_table", "task_state"]
