"""What the report notebooks show a researcher before each section: tables shown whole."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def show(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> None:
    """Display a table whole (every row and column), keeping the ``columns`` that exist."""
    from IPython.display import display

    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.max_colwidth", None):
        display(frame)
