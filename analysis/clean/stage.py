"""Stage 1: from a raw plan folder to the processed tables.

:func:`run_clean_stage` loads the plan, parses the catalogue and the history, runs the plan's
self-consistency checks, reads and cleans the statistical returns, merges the optional
``population.csv`` (births and population by age for any years,
:mod:`analysis.clean.population`), derives shares and aggregates, runs the QA checks and — only
when no QA finding is an error — writes ``targets``, ``history``, ``consistency``,
``indicators``, ``qa_issues`` and ``milestones`` to ``processed/<plan>/`` with
:func:`analysis.core.io.write_tables` (atomic). Any bad input raises :class:`AnalysisError`
before anything is written; raw files are only ever read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.clean.checks import raise_for_errors, run_checks
from analysis.clean.derive import derive_indicators
from analysis.clean.milestones import load_milestones
from analysis.clean.population import merge_population, read_population
from analysis.clean.returns import read_returns
from analysis.core import paths
from analysis.core.io import folder_fingerprint, write_tables

STAGE_TABLES = ("targets", "history", "consistency", "indicators", "qa_issues", "milestones")


@dataclass
class CleanResult:
    """What the clean stage produced (the tables are also on disk under ``out_dir``)."""

    plan: str
    out_dir: Path
    targets: pd.DataFrame
    history: pd.DataFrame
    consistency: pd.DataFrame
    indicators: pd.DataFrame
    qa_issues: pd.DataFrame
    milestones: pd.DataFrame
    illustrative: bool
    seconds: float

    def severity_counts(self) -> dict[str, int]:
        """QA findings by severity (error, warning, info), zeros included."""
        counts = self.qa_issues["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in ("error", "warning", "info")}


def clean_returns(plan_dir: str | Path, plan: str, *, targets: pd.DataFrame | None = None,
                  history: pd.DataFrame | None = None, base_year: int | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, qa_issues) of a plan folder's returns and its optional ``population.csv``
    (births and population by age for any years, merged in; a value that contradicts the
    returns raises AnalysisError); does not raise on QA errors."""
    returns = read_returns(plan_dir, plan)
    indicators = derive_indicators(merge_population(returns, read_population(plan_dir, plan)))
    qa = run_checks(indicators, targets=targets, history=history, base_year=base_year)
    return indicators, qa


def run_clean_stage(plan: str, data_root: str | Path | None = None) -> CleanResult:
    """Run stage 1 for ``plan`` (see the module docstring); raises AnalysisError on bad input."""
    from analysis.clean.catalogue import (
        check_history_keys,
        load_catalogue,
        load_history,
        parse_catalogue,
    )
    from analysis.clean.consistency import plan_consistency
    from analysis.clean.plan import load_plan

    started = time.perf_counter()
    plan_dir = paths.raw_plan_dir(plan, data_root)
    config = load_plan(plan_dir)
    catalogue = load_catalogue(plan_dir, config)
    history = load_history(plan_dir, config)
    check_history_keys(history, set(catalogue["key"].astype(str)))
    targets = parse_catalogue(catalogue)
    consistency = plan_consistency(targets, history)
    indicators, qa = clean_returns(plan_dir, plan, targets=targets, history=history,
                                   base_year=config.base_year)
    raise_for_errors(qa)
    milestones = load_milestones(plan_dir, target_keys=_target_keys(targets))
    out_dir = paths.processed_plan_dir(plan, data_root)
    tables = {"targets": targets, "history": history, "consistency": consistency,
              "indicators": indicators, "qa_issues": qa, "milestones": milestones}
    write_tables(out_dir, tables, manifest={
        "stage": "clean",
        "plan": plan,
        "raw_fingerprint": folder_fingerprint(plan_dir),
        "illustrative_returns": bool(config.illustrative_returns),
        "years": sorted(int(y) for y in indicators["year"].unique()),
    })
    return CleanResult(plan=plan, out_dir=out_dir, targets=targets, history=history,
                       consistency=consistency, indicators=indicators, qa_issues=qa,
                       milestones=milestones, illustrative=bool(config.illustrative_returns),
                       seconds=time.perf_counter() - started)


def _target_keys(targets: pd.DataFrame) -> set[str]:
    """Keys a milestone may name: every target key and every parent key of a pair."""
    keys = set(targets["key"].dropna().astype(str))
    if "parent_key" in targets:
        keys |= set(targets["parent_key"].dropna().astype(str))
    return keys
