"""Data vintage: an evaluation at year Y sees only data of years ≤ Y.

One function applied wherever tables are loaded for an evaluation year (the evaluation
stage and every report page), so grades, QA findings, tables and figures agree.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: Tables with a ``year`` column, and the milestones log with its ``date`` column.
YEAR_COLUMNS: dict[str, str] = {"indicators": "year", "qa_issues": "year", "milestones": "date"}


def _years(values: pd.Series) -> pd.Series:
    """The year of each value: a number, or the first four digits of a date text."""
    numbers = pd.to_numeric(values, errors="coerce")
    text_years = pd.to_numeric(values.astype("string").str.extract(r"^\s*(\d{4})")[0],
                               errors="coerce")
    return numbers.where(numbers.notna(), text_years)


def as_of(tables: Mapping[str, pd.DataFrame | None], year: int) -> dict[str, pd.DataFrame | None]:
    """The tables with every row of a later year than ``year`` dropped.

    Rows without a year (a plan-wide QA finding, a log entry without a date) are kept: they
    are not later than the evaluation. Tables without a year column are returned as they are.
    """
    out: dict[str, pd.DataFrame | None] = {}
    for name, frame in tables.items():
        column = YEAR_COLUMNS.get(name)
        if frame is None or column is None or column not in frame.columns or not len(frame):
            out[name] = frame
            continue
        years = _years(frame[column])
        out[name] = frame[years.isna() | (years <= int(year))].reset_index(drop=True)
    return out
