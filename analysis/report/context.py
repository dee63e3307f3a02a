"""The report context: the parameters, the plan, the processed tables, the model outputs and
the evaluation table a report page shows (it grades nothing itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.core import paths
from analysis.core.catalogue_index import chapter_needs_models
from analysis.core.errors import AnalysisError
from analysis.core.io import folder_fingerprint, read_table
from analysis.report.i18n import check_lang

GRADES: tuple[str, ...] = ("achieved", "ahead", "on_track", "lagging", "no_data")
OK_GRADES: tuple[str, ...] = ("achieved", "ahead", "on_track")
MILESTONE_CODES: tuple[str, ...] = ("done", "in_progress", "not_started", "no_record")
OUTLOOKS: tuple[str, ...] = ("likely", "at_risk", "unlikely", "unknown")
PROCESSED_TABLES: tuple[str, ...] = (
    "targets", "history", "consistency", "indicators", "qa_issues", "milestones",
)
MODEL_TABLES: tuple[str, ...] = (
    "projections", "backtest", "model_choice", "teacher_balance", "qualification_outlook",
    "attainment",
)
REQUIRED_TABLES: tuple[str, ...] = ("targets", "indicators")
MAX_FANS = 8
MAX_LIST = 30

# --------------------------------------------------------------------------- context


@dataclass
class ReportContext:
    """Everything a report section needs: parameters, plan, tables, the evaluation."""

    plan: str
    eval_year: int
    lang: str
    band: float
    data_root: str
    config: Any
    tables: dict[str, pd.DataFrame]
    models: dict[str, pd.DataFrame]
    evaluation: pd.DataFrame
    chapter: int | None = None
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def base_year(self) -> int:
        return int(self.config.base_year)

    @property
    def midterm_year(self) -> int:
        return int(self.config.midterm_year)

    @property
    def target_year(self) -> int:
        return int(self.config.target_year)

    @property
    def final(self) -> bool:
        """True for the final evaluation (终期评估): the evaluation year is the target year."""
        return self.eval_year >= self.target_year

    @property
    def tau(self) -> float:
        """Time elapsed: (eval_year − base_year) / (target_year − base_year)."""
        return time_progress(self.eval_year, self.base_year, self.target_year)

    @property
    def illustrative(self) -> bool:
        return bool(getattr(self.config, "illustrative_returns", False))

    def chapter_rows(self, chapter: int | None = None) -> pd.DataFrame:
        """Evaluation rows of one chapter (the context's chapter by default)."""
        number = self.chapter if chapter is None else chapter
        if number is None:
            return self.evaluation
        frame = self.evaluation
        return frame[pd.to_numeric(frame["chapter"], errors="coerce") == int(number)]


def time_progress(eval_year: int, base_year: int, target_year: int) -> float:
    """τ = (eval_year − base_year) / (target_year − base_year), clipped to [0, 1]."""
    span = target_year - base_year
    if span <= 0:
        raise AnalysisError("the plan's target year must come after its base year",
                            text=f"{base_year}–{target_year}")
    return min(max((eval_year - base_year) / span, 0.0), 1.0)


def check_parameters(
    *, plan: object, eval_year: object, lang: object, band: object, chapter: object = None,
    config: Any = None,
) -> None:
    """Validate report parameters; AnalysisError naming the parameter and the bad value."""
    if not isinstance(plan, str) or not plan.strip():
        raise AnalysisError("the plan name must be a non-empty text", column="plan", text=plan)
    check_lang(lang)
    if isinstance(eval_year, bool) or not isinstance(eval_year, int):
        raise AnalysisError("eval_year must be a whole year", column="eval_year", text=eval_year)
    if isinstance(band, bool) or not isinstance(band, int | float) or not 0 <= band < 0.5:
        raise AnalysisError("band must be a number from 0 to 0.5 (e.g. 0.05)", column="band",
                            text=band)
    if config is not None:
        base, target = int(config.base_year), int(config.target_year)
        if not base < eval_year <= target:
            raise AnalysisError(
                f"eval_year must lie inside the plan period ({base + 1}–{target})",
                column="eval_year", text=eval_year,
            )
        if chapter is not None:
            numbers = [int(c.number) for c in config.chapters]
            if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter not in numbers:
                raise AnalysisError(
                    f"no such chapter in the plan (chapters: {', '.join(map(str, numbers))})",
                    column="chapter", text=chapter,
                )


def load_report_context(
    plan: str, eval_year: int, *, lang: str = "zh", band: float = 0.05, data_root: str = "",
    chapter: int | None = None,
) -> ReportContext:
    """Validate the parameters, load plan, processed tables and model outputs, evaluate.

    Model outputs come from ``models/<eval_year>/`` (fitted on data up to the evaluation year);
    a missing model table is replaced by an empty one and noted in ``ctx.notes``.
    """
    from analysis import evaluate
    from analysis.clean.plan import load_plan

    check_parameters(plan=plan, eval_year=eval_year, lang=lang, band=band)
    raw_dir = paths.raw_plan_dir(plan, data_root or None)
    config = load_plan(raw_dir)
    check_parameters(plan=plan, eval_year=eval_year, lang=lang, band=band, chapter=chapter,
                     config=config)
    processed = paths.processed_plan_dir(plan, data_root or None)
    tables: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    for name in PROCESSED_TABLES:
        try:
            tables[name] = read_table(processed, name)
        except AnalysisError:
            if name in REQUIRED_TABLES:
                raise
            tables[name] = pd.DataFrame()
            notes.append(f"{name}: not found")
    models: dict[str, pd.DataFrame] = {}
    model_dir = paths.models_dir(plan, eval_year, data_root or None)
    # A chapter without numeric targets never reads the models (the runner starts it before
    # they are fitted), so its report is the same whatever ran first.
    use_models = chapter_needs_models(raw_dir, chapter)
    for name in MODEL_TABLES:
        models[name] = pd.DataFrame()
        if not use_models:
            continue
        try:
            models[name] = read_table(model_dir, name)
        except AnalysisError:
            notes.append(f"models/{eval_year}/{name}: not found")
    evaluation = evaluate.evaluate_plan(
        tables["targets"], tables["indicators"],
        base_year=int(config.base_year), target_year=int(config.target_year),
        eval_year=int(eval_year), band=float(band),
        milestones=tables["milestones"] if len(tables["milestones"]) else None,
        attainment=models["attainment"] if len(models["attainment"]) else None,
        history=tables["history"] if len(tables["history"]) else None,
        midterm_year=int(config.midterm_year),
    )
    return ReportContext(
        plan=plan, eval_year=int(eval_year), lang=lang, band=float(band),
        data_root=data_root, config=config, tables=tables, models=models,
        evaluation=evaluation, chapter=chapter, fingerprint=folder_fingerprint(raw_dir),
        notes=notes,
    )


# --------------------------------------------------------------------------- plan labels
