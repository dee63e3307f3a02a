"""The ``python -m analysis catalogue draft | compare`` commands (called by
:mod:`analysis.pipeline.cli`, which prints what they return)."""

from __future__ import annotations

from pathlib import Path

from analysis.draft.build import draft_catalogue
from analysis.draft.compare import compare_files, format_comparison
from analysis.draft.write import check_plan_name, write_draft


def run_draft(plan_file: Path, plan: str, data_root: Path | None = None) -> str:
    """Draft ``plan_file`` into ``<data_root>/raw/<plan>/``; the report to print."""
    name = check_plan_name(plan)  # refuse a bad name before reading anything
    return write_draft(draft_catalogue(plan_file), name, data_root).report()


def run_compare(draft: Path, reference: Path) -> str:
    """Recall and precision of ``draft`` against ``reference``; the report to print."""
    return format_comparison(compare_files(draft, reference))
