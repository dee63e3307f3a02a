"""The status of a milestone at the evaluation year, from the hand-kept log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis.core.cells import cell_number as _num
from analysis.core.cells import cell_text as _text
from analysis.core.errors import AnalysisError

_MILESTONE_ALIASES: dict[str, str] = {
    "done": "done", "completed": "done", "complete": "done", "achieved": "done", "已完成": "done",
    "完成": "done",
    "in_progress": "in_progress", "in progress": "in_progress", "ongoing": "in_progress",
    "started": "in_progress", "推进中": "in_progress", "进行中": "in_progress",
    "not_started": "not_started", "not started": "not_started", "planned": "not_started",
    "未启动": "not_started", "计划中": "not_started",
}


# --------------------------------------------------------------------------------------------
# Milestones


@dataclass(frozen=True)
class MilestoneStatus:
    """The status of one milestone at the evaluation year, from the hand-kept log."""

    code: str
    date: str = ""
    quantity: float | None = None
    source: str = ""


def _entry_year(date: object, *, row: object = None) -> int:
    if isinstance(date, pd.Timestamp):
        return int(date.year)
    match = re.match(r"\s*(\d{4})", _text(date))
    if not match:
        raise AnalysisError(
            "milestone date must start with a four-digit year (e.g. 2022 or 2022-06-30)",
            file="milestones",
            row=row,
            column="date",
            text=date,
        )
    return int(match.group(1))


def normalise_milestone_status(status: object, *, row: object = None) -> str:
    """``done`` / ``in_progress`` / ``not_started`` for the log's words (planned → not_started)."""
    text = _text(status)
    code = _MILESTONE_ALIASES.get(text.lower()) or _MILESTONE_ALIASES.get(text)
    if code is None:
        raise AnalysisError(
            "unknown milestone status (use done, in_progress, not_started or planned)",
            file="milestones",
            row=row,
            column="status",
            text=status,
        )
    return code


def _log_quantity(value: object, *, row: object = None) -> float | None:
    """A logged quantity: a number, or text such as "9所" read by analysis.core.quantities."""
    if isinstance(value, str) and value.strip():
        from analysis.core.quantities import parse_quantity

        try:
            parsed = parse_quantity(value)
        except AnalysisError as error:
            raise error.located(file="milestones", row=row, column="quantity") from None
        return parsed.value if parsed.is_number else None
    return _num(value)


#: Log statuses whose quantity is an amount already reached (not a plan).
ACHIEVED_STATUSES = frozenset({"done", "in_progress"})


def milestone_status(
    log: pd.DataFrame | None,
    key: str,
    eval_year: int,
    *,
    target_quantity: float | None = None,
) -> MilestoneStatus:
    """The status of milestone ``key`` from the log entries dated on or before ``eval_year``.

    The latest entry (by date; the later row among equal dates) gives the status; none gives
    ``no_record``. A quantity counts as achieved only on an entry that is ``done`` or
    ``in_progress`` (the amount reached by that date); the quantity of a planned or not-started
    entry is what is planned, never an actual. The returned quantity is the latest achieved
    quantity on or before ``eval_year`` (the actual of a count target); when
    ``target_quantity`` is given and it reaches it, the milestone is ``done``.
    """
    if log is None or log.empty or "target_key" not in log.columns:
        return MilestoneStatus("no_record")
    rows = log[log["target_key"].astype(str) == str(key)]
    entries: list[tuple[int, str, int, pd.Series]] = []
    for position, (index, row) in enumerate(rows.iterrows()):
        year = _entry_year(row.get("date"), row=index)
        if year <= int(eval_year):
            entries.append((year, _text(row.get("date")), position, row))
    if not entries:
        return MilestoneStatus("no_record")
    entries.sort(key=lambda item: (item[0], item[1], item[2]))
    _, date, _, latest = entries[-1]
    quantity = None
    for _, _, _, row in reversed(entries):
        status = _text(row.get("status"))
        if status and normalise_milestone_status(status, row=row.name) not in ACHIEVED_STATUSES:
            continue
        quantity = _log_quantity(row.get("quantity"), row=row.name)
        if quantity is not None:
            break
    status_text = _text(latest.get("status"))
    code = normalise_milestone_status(status_text, row=latest.name) if status_text else "no_record"
    if target_quantity is not None and quantity is not None and quantity >= target_quantity:
        code = "done"
    return MilestoneStatus(code, date, quantity, _text(latest.get("source")))


