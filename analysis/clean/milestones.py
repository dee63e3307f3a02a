"""The hand-kept milestones log ``<plan>/milestones.csv``.

One row per recorded fact about a qualitative or dated commitment:

=============  ==========================================================================
column         meaning
=============  ==========================================================================
target_key     key of the target in ``targets.csv`` (empty for a context fact that belongs
               to no single target)
date           when the fact held: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``
status         ``done`` 已完成, ``in_progress`` 推进中, ``not_started`` 未启动 (planned only),
               or ``reported`` (a reported state, not a step towards a target)
quantity       optional number (places, groups, schools …), any form parse_quantity reads
unit           optional unit id of the quantity (places, units, schools, projects …)
description    what happened, in the source's words
source         the document (title and publication date) the fact comes from
=============  ==========================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.core.quantities import parse_quantity
from analysis.core.textfiles import read_csv_table

MILESTONES_FILE = "milestones.csv"
MILESTONE_COLUMNS = ["target_key", "date", "status", "quantity", "unit", "description",
                     "source"]
STATUSES = ("done", "in_progress", "not_started", "reported")
DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def empty_milestones() -> pd.DataFrame:
    """A milestones table without rows."""
    return milestone_frame([])


def milestone_frame(records: Iterable[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(records), columns=MILESTONE_COLUMNS)
    frame["quantity"] = frame["quantity"].astype("float64")
    for column in MILESTONE_COLUMNS:
        if column != "quantity":
            frame[column] = frame[column].astype("string")
    return frame


def load_milestones(plan_dir: str | Path, target_keys: Iterable[str] | None = None
                    ) -> pd.DataFrame:
    """Read and validate ``milestones.csv`` (a missing file gives an empty table).

    ``target_keys``, when given, are the keys a ``target_key`` must be one of.
    """
    path = Path(plan_dir) / MILESTONES_FILE
    if not path.is_file():
        return empty_milestones()
    shown = path.name
    # The one reader of plan CSVs: encodings, size bound, line numbers, located CSV errors.
    table = read_csv_table(path, MILESTONE_COLUMNS, shown=shown)
    keys = set(target_keys) if target_keys is not None else None
    records = []
    for line, cells in table:
        row = {k: v for k, v in cells.items() if k in MILESTONE_COLUMNS}
        if not any(row.values()):
            continue
        if row["status"] not in STATUSES:
            raise AnalysisError(f"unknown status (use {', '.join(STATUSES)})", file=shown,
                                row=line, column="status", text=row["status"])
        if not DATE.match(row["date"]):
            raise AnalysisError("date must be YYYY, YYYY-MM or YYYY-MM-DD", file=shown,
                                row=line, column="date", text=row["date"])
        if keys is not None and row["target_key"] and row["target_key"] not in keys:
            raise AnalysisError("target_key is not a key of targets.csv", file=shown, row=line,
                                column="target_key", text=row["target_key"])
        if not row["source"]:
            raise AnalysisError("every milestone needs a source", file=shown, row=line,
                                column="source")
        try:
            quantity = parse_quantity(row["quantity"])
        except AnalysisError as exc:
            raise exc.located(file=shown, row=line, column="quantity") from exc
        records.append({**row, "quantity": quantity.value if quantity.is_number else None})
    return milestone_frame(records)
