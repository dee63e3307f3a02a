"""Grade, outlook and milestone codes and their labels (zh/en, mid-term and final wording).

The labels live in ``resources/grades.csv``; every page and table asks here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core.errors import AnalysisError

GRADES_FILE: Path = Path(__file__).resolve().parent / "resources" / "grades.csv"

GRADE_CODES: tuple[str, ...] = (
    "achieved", "ahead", "on_track", "lagging", "overdue", "as_planned", "above_plan",
    "below_plan", "no_data",
)
SCALE_CODES: tuple[str, ...] = ("as_planned", "above_plan", "below_plan")
"""Grades of a scale target (a size the plan projects), judged by deviation, not progress."""
OUTLOOK_CODES: tuple[str, ...] = (
    "likely", "at_risk", "unlikely", "unknown", "projected_above", "projected_within",
    "projected_below", "closed",
)
REASON_CODES: tuple[str, ...] = ("no_actual", "no_baseline", "no_value", "no_log")
"""Why a target has no grade (the evaluation's ``reason`` column)."""
GROUPS: tuple[str, ...] = ("met", "behind", "deviating", "ungraded")
"""Headline groups (docs/status_rule.md): at or beyond expected progress, behind it, a scale
away from the plan, and targets that cannot be graded."""
MILESTONE_CODES: tuple[str, ...] = ("done", "in_progress", "not_started", "no_record")
# --------------------------------------------------------------------------------------------
# Labels


@lru_cache(maxsize=1)
def status_labels() -> pd.DataFrame:
    """The label table ``resources/grades.csv``: ``family, code, zh, en, zh_final, en_final``."""
    table = pd.read_csv(GRADES_FILE, dtype=str, keep_default_na=False, encoding="utf-8")
    if table["code"].duplicated().any():
        dup = table.loc[table["code"].duplicated(), "code"].iloc[0]
        raise AnalysisError("duplicate status code", file=GRADES_FILE, column="code", text=dup)
    return table


@lru_cache(maxsize=1)
def _label_index() -> dict[str, dict[str, str]]:
    """``code → row`` of the label table (codes are unique), for fast repeated look-ups."""
    return {row["code"]: row for row in status_labels().to_dict("records")}


def _label(code: str, lang: str, final: bool, family: str | None) -> str:
    if lang not in ("zh", "en"):
        raise AnalysisError("unknown label language (use zh or en)", column="lang", text=lang)
    row = _label_index().get(code)
    if row is None or (family is not None and row["family"] != family):
        raise AnalysisError("unknown status code", file=GRADES_FILE, column="code", text=code)
    column = f"{lang}_final" if final else lang
    return str(row[column])


def grade_group(code: str) -> str:
    """The headline group of a grade or milestone code (``met``, ``behind``, ``deviating``,
    ``ungraded``), from the label table."""
    row = _label_index().get(str(code))
    if row is None or row["family"] not in ("grade", "milestone"):
        raise AnalysisError("unknown status code", file=GRADES_FILE, column="code", text=code)
    return str(row["group"])


def grade_label(code: str, lang: str = "zh", final: bool = False) -> str:
    """The label of a grade code (or of a milestone code, which milestone rows carry as grade).

    ``final=True`` gives the final-evaluation wording (已完成 / 超出目标 / 基本完成 / 未完成).
    """
    return _label(code, lang, final, None if code in MILESTONE_CODES else "grade")


def outlook_label(code: str, lang: str = "zh") -> str:
    """The label of an outlook code (``likely`` 预计能完成 …)."""
    return _label(code, lang, False, "outlook")


def reason_label(code: str, lang: str = "zh") -> str:
    """Why a target has no grade, in words (``no_baseline`` 缺少基期值 …)."""
    return _label(code, lang, False, "reason")


def milestone_label(code: str, lang: str = "zh") -> str:
    """The label of a milestone code (``done`` 已完成 …)."""
    return _label(code, lang, False, "milestone")


