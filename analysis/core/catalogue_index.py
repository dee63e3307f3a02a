"""What a plan's ``targets.csv`` holds per chapter, read without pandas (with the plan-file
reader every stage uses, :mod:`analysis.core.textfiles`), for the batch runner, which orders a
first run by it. The clean stage validates the catalogue and reports what is wrong with it;
here an unreadable file only means "not known".
"""

from __future__ import annotations

from pathlib import Path

from analysis.core.errors import AnalysisError
from analysis.core.textfiles import read_csv_table


def targets_per_chapter(plan_dir: str | Path) -> dict[int, int] | None:
    """Rows of ``targets.csv`` per chapter number, or None when the file is missing or cannot
    be read (rows whose chapter is not a number are not counted)."""
    try:
        records = read_csv_table(Path(plan_dir) / "targets.csv", ["chapter"])
    except (AnalysisError, OSError):
        return None
    counts: dict[int, int] = {}
    for _line, row in records:
        if row["chapter"].isdigit():
            counts[int(row["chapter"])] = counts.get(int(row["chapter"]), 0) + 1
    return counts
