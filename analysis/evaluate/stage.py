"""The evaluation stage: grade every target of a plan once, for one evaluation year.

:func:`run_evaluation_stage` builds the :class:`StatusRule` from the plan and the
parameters, reads the processed tables and the models fitted up to the evaluation year,
keeps only data of years ≤ the evaluation year (:mod:`analysis.evaluate.vintage`), grades,
and writes ``data/processed/<plan>/evaluation/<year>/`` (``evaluation`` as parquet + csv,
``rule.json``, a manifest). Chapter pages and the summary read that folder and grade
nothing. With ``publish_to`` it also writes ``evaluation.csv`` there (the runner passes the
reports folder; a notebook run by hand publishes nothing).

The rule's settings come from the study file ``data/raw/<plan>/study.yaml``
(:func:`analysis.core.study.load_study`; the StatusRule defaults where it sets nothing); a
``band`` given as a parameter (the notebook's, or ``--band``) overrides it. ``rule.json``
records where each setting came from under ``provenance``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.core import paths
from analysis.core.errors import AnalysisError
from analysis.core.io import read_table, write_atomic, write_csv, write_tables
from analysis.core.study import load_study, resolve_rule_settings
from analysis.evaluate.rule import StatusRule
from analysis.evaluate.targets import evaluate_plan
from analysis.evaluate.vintage import as_of

RULE_FILE = "rule.json"
PROVENANCE = "provenance"
"""The key of ``rule.json`` saying where each setting came from (not a rule setting)."""
EVALUATION_TABLE = "evaluation"
INPUT_TABLES: tuple[str, ...] = ("targets", "indicators", "history", "milestones")


@dataclass(frozen=True)
class Evaluation:
    """What the evaluation stage wrote: the rule that graded, and the graded table."""

    rule: StatusRule
    table: pd.DataFrame
    folder: Path
    provenance: dict = field(default_factory=dict)
    """Where the rule's settings came from: ``{"from": {setting: "parameter" | "study.yaml" |
    "default"}, "study_file": …, "study": {…}}`` (``rule.json``'s ``provenance``)."""


def build_rule(plan: str, eval_year: object, *, band: object = None,
               data_root: str | Path | None = None, **settings: object) -> StatusRule:
    """The status rule for a plan's evaluation year; AnalysisError for a refused setting.

    Settings given here (``band``; ``None`` = not given) override the plan's study file, which
    overrides the StatusRule defaults (:func:`analysis.core.study.resolve_rule_settings`).
    """
    return _rule_with_provenance(plan, eval_year, band=band, data_root=data_root,
                                 **settings)[0]


def _rule_with_provenance(plan: str, eval_year: object, *, data_root: str | Path | None,
                          **explicit: object) -> tuple[StatusRule, dict]:
    from analysis.clean.plan import load_plan

    raw = paths.raw_plan_dir(plan, data_root)
    config = load_plan(raw)
    study = load_study(raw)
    settings, sources = resolve_rule_settings(study, **explicit)
    rule = StatusRule.for_plan(config, eval_year, **settings)  # type: ignore[arg-type]
    provenance = {"from": sources,
                  "study_file": study.file.name if study.exists else None,
                  "study": study.rule_settings()}
    return rule, provenance


def _read_optional(folder: Path, name: str) -> pd.DataFrame | None:
    try:
        frame = read_table(folder, name)
    except AnalysisError:
        return None
    return frame if len(frame) else None


def run_evaluation_stage(
    plan: str, eval_year: int, *, band: float | None = None, data_root: str | Path | None = None,
    publish_to: str | Path | None = None,
) -> Evaluation:
    """Grade the plan at ``eval_year`` and write the evaluation folder (see the module doc)."""
    rule, provenance = _rule_with_provenance(plan, eval_year, band=band, data_root=data_root)
    processed = paths.processed_plan_dir(plan, data_root)
    tables = {name: _read_optional(processed, name) for name in INPUT_TABLES}
    if tables["targets"] is None:
        read_table(processed, "targets")  # the located "run the clean stage first" error
    tables = as_of(tables, rule.eval_year)
    attainment = _read_optional(paths.models_dir(plan, rule.eval_year, data_root), "attainment")
    table = evaluate_plan(
        tables["targets"], tables["indicators"], rule,  # type: ignore[arg-type]
        milestones=tables["milestones"], attainment=attainment, history=tables["history"],
    )
    folder = paths.evaluation_dir(plan, rule.eval_year, data_root)
    write_tables(folder, {EVALUATION_TABLE: table}, manifest={"rule": rule.to_dict()})
    recorded = {**rule.to_dict(), PROVENANCE: provenance}
    write_atomic(folder / RULE_FILE, json.dumps(recorded, sort_keys=True, indent=1) + "\n")
    if publish_to:
        write_evaluation_csv(table, Path(publish_to) / paths.EVALUATION_CSV)
    return Evaluation(rule, table, folder, provenance)


def load_evaluation(plan: str, eval_year: int, data_root: str | Path | None = None) -> Evaluation:
    """The evaluation stage's output for ``eval_year``; a clear error when it has not run."""
    folder = paths.evaluation_dir(plan, eval_year, data_root)
    rule_path = folder / RULE_FILE
    try:
        recorded = json.loads(rule_path.read_text(encoding="utf-8"))
        provenance = recorded.pop(PROVENANCE, {}) if isinstance(recorded, dict) else {}
        rule = StatusRule.from_dict(recorded)
    except FileNotFoundError:
        raise AnalysisError(
            "no evaluation for this year yet; run the evaluation stage first "
            "(notebooks/03_evaluate.ipynb or python -m analysis run)", file=rule_path,
        ) from None
    except (ValueError, TypeError) as exc:
        raise AnalysisError(f"unreadable status rule ({exc})", file=rule_path) from None
    return Evaluation(rule, read_table(folder, EVALUATION_TABLE), folder,
                      provenance if isinstance(provenance, dict) else {})


def write_evaluation_csv(evaluation: pd.DataFrame, path: str | Path) -> Path:
    """Write ``evaluation.csv`` with the published-CSV writer :func:`analysis.core.io.write_csv`
    (atomic, UTF-8 with BOM, formula-like text neutralised)."""
    return write_csv(evaluation, path)
