"""Which chapters of a plan hold numeric targets, read from ``targets.csv`` without pandas
(with the plan-file reader every stage uses, :mod:`analysis.core.textfiles`).

Only a chapter with numeric targets (catalogue kinds ``table`` and ``target``) uses the
models' outputs (outlooks, fans). The batch runner lets the other chapters' reports start as
soon as the clean stage is done, and those reports do not read model outputs at all, so the
result never depends on which task finished first.
"""

from __future__ import annotations

from pathlib import Path

from analysis.core.errors import AnalysisError
from analysis.core.textfiles import read_csv_table

NUMERIC_KINDS = frozenset({"table", "target"})


def chapters_with_numeric_targets(plan_dir: str | Path) -> frozenset[int] | None:
    """Chapter numbers with at least one numeric target; None when the plan has no catalogue
    (then every chapter is assumed to need the models)."""
    path = Path(plan_dir) / "targets.csv"
    if not path.is_file():
        return None
    chapters: set[int] = set()
    try:
        rows = read_csv_table(path, ("kind", "chapter"))
    except AnalysisError:
        return None  # not a catalogue this module can read: the clean stage reports why
    for _line, row in rows:
        if row.get("kind", "") in NUMERIC_KINDS:
            try:
                chapters.add(int(row.get("chapter", "")))
            except ValueError:
                return None  # a bad chapter cell: the clean stage reports it
    return frozenset(chapters)


def chapter_needs_models(plan_dir: str | Path, chapter: int | None) -> bool:
    """Whether the report of ``chapter`` (None: the summary) reads the models' outputs."""
    if chapter is None:
        return True
    numeric = chapters_with_numeric_targets(plan_dir)
    return numeric is None or int(chapter) in numeric
