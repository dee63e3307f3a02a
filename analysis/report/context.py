"""The report context: the parameters, the plan, the processed tables, the model outputs and
the evaluation table a report page shows (it grades nothing itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.core import paths
from analysis.core.errors import AnalysisError
from analysis.core.io import folder_fingerprint, read_table
from analysis.evaluate.rule import StatusRule
from analysis.report.i18n import check_lang

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
MAX_NAMES = 8
"""Names listed in one sentence before 等 sums up the rest (the count says how many)."""

# --------------------------------------------------------------------------- context


@dataclass
class ReportContext:
    """Everything a report section needs: the rule that graded, plan, tables, the evaluation.

    Every table is already cut to the evaluation's vintage (years ≤ the evaluation year).
    """

    plan: str
    lang: str
    data_root: str
    config: Any
    rule: StatusRule
    tables: dict[str, pd.DataFrame]
    models: dict[str, pd.DataFrame]
    evaluation: pd.DataFrame
    chapter: int | None = None
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def eval_year(self) -> int:
        return self.rule.eval_year

    @property
    def band(self) -> float:
        return self.rule.band

    @property
    def base_year(self) -> int:
        return self.rule.base_year

    @property
    def midterm_year(self) -> int:
        return self.rule.midterm_year

    @property
    def target_year(self) -> int:
        return self.rule.target_year

    @property
    def final(self) -> bool:
        """True for the final evaluation (终期评估): the evaluation year is the target year."""
        return self.rule.final

    @property
    def tau(self) -> float:
        """Time elapsed at the evaluation year (from the rule)."""
        return self.rule.tau

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


def check_parameters(*, plan: object, lang: object, chapter: object = None,
                     config: Any = None) -> None:
    """Validate report parameters; AnalysisError naming the parameter and the bad value.

    The evaluation year and the band are the evaluation stage's: its rule is validated there.
    """
    if not isinstance(plan, str) or not plan.strip():
        raise AnalysisError("the plan name must be a non-empty text", column="plan", text=plan)
    check_lang(lang)
    if config is not None and chapter is not None:
        numbers = [int(c.number) for c in config.chapters]
        if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter not in numbers:
            raise AnalysisError(
                f"no such chapter in the plan (chapters: {', '.join(map(str, numbers))})",
                column="chapter", text=chapter,
            )


def load_report_context(
    plan: str, eval_year: int, *, lang: str = "zh", data_root: str = "",
    chapter: int | None = None,
) -> ReportContext:
    """Read what a report page shows: the evaluation stage's table and rule, the processed
    tables and the models fitted up to the evaluation year, all cut to that vintage.

    A missing model table is replaced by an empty one and noted in ``ctx.notes``.
    """
    from analysis.clean.plan import load_plan
    from analysis.evaluate.stage import load_evaluation
    from analysis.evaluate.vintage import as_of

    check_parameters(plan=plan, lang=lang)
    if isinstance(eval_year, bool) or not isinstance(eval_year, int):
        raise AnalysisError("eval_year must be a whole year", column="eval_year", text=eval_year)
    raw_dir = paths.raw_plan_dir(plan, data_root or None)
    config = load_plan(raw_dir)
    check_parameters(plan=plan, lang=lang, chapter=chapter, config=config)
    evaluation = load_evaluation(plan, eval_year, data_root or None)
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
    tables = as_of(tables, evaluation.rule.eval_year)  # type: ignore[assignment]
    models: dict[str, pd.DataFrame] = {}
    model_dir = paths.models_dir(plan, eval_year, data_root or None)
    for name in MODEL_TABLES:
        try:
            models[name] = read_table(model_dir, name)
        except AnalysisError:
            models[name] = pd.DataFrame()
            notes.append(f"models/{eval_year}/{name}: not found")
    return ReportContext(
        plan=plan, lang=lang, data_root=data_root, config=config, rule=evaluation.rule,
        tables=tables, models=models, evaluation=evaluation.table, chapter=chapter,
        fingerprint=folder_fingerprint(raw_dir), notes=notes,
    )


# --------------------------------------------------------------------------- plan labels
