"""Names of the plan's chapters, sections, levels and indicators in the report language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.report.context import ReportContext
from analysis.report.html import _missing
from analysis.report.i18n import t


def _pick(obj: Any, stem: str, lang: str) -> str:
    """``obj.<stem>_<lang>`` falling back to the other language (objects or mappings)."""
    for suffix in (lang, "zh", "en"):
        name = f"{stem}_{suffix}"
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None and not _missing(value) and str(value):
            return str(value)
    return ""


def plan_name(ctx: ReportContext) -> str:
    """The plan's name in the report language."""
    return _pick(ctx.config, "name", ctx.lang) or ctx.plan


def eval_kind(ctx: ReportContext) -> str:
    """中期评估 / 终期评估 / N年度进展评估 (wording follows the evaluation year)."""
    if ctx.final:
        return t("eval.final", ctx.lang)
    if ctx.eval_year == ctx.midterm_year:
        return t("eval.midterm", ctx.lang)
    return t("eval.annual", ctx.lang, year=ctx.eval_year)


def chapter_title(ctx: ReportContext, number: int) -> str:
    """``第2章 发展战略`` / ``Chapter 2: Development strategy``."""
    for chapter in ctx.config.chapters:
        if int(chapter.number) == int(number):
            return t("chapter.name", ctx.lang, n=number, title=_pick(chapter, "title", ctx.lang))
    return t("chapter.label", ctx.lang, n=number)


def _walk_sections(sections: Iterable[Any]) -> Iterable[Any]:
    for section in sections or []:
        yield section
        yield from _walk_sections(getattr(section, "sections", None) or [])


def section_titles(ctx: ReportContext) -> dict[str, tuple[str, str]]:
    """``{section id: (kind, title)}`` for every section of the plan, in plan order."""
    found: dict[str, tuple[str, str]] = {}
    for chapter in ctx.config.chapters:
        for section in _walk_sections(getattr(chapter, "sections", None) or []):
            found[str(section.id)] = (str(getattr(section, "kind", "section")),
                                      _pick(section, "title", ctx.lang))
    return found


def _name(row: pd.Series | dict, lang: str) -> str:
    return _pick(dict(row), "name", lang)


def _note(row: pd.Series | dict, lang: str) -> str:
    """The evaluation note in ``lang`` (``note`` is Chinese, ``note_en`` English)."""
    value = row.get("note_en") if lang == "en" else row.get("note")
    if _missing(value) or not str(value):
        value = row.get("note")
    return "" if _missing(value) else str(value)


def _row_final(row: pd.Series | dict, ctx: ReportContext) -> bool:
    """Final-evaluation wording for a row judged at or after its own deadline."""
    value = row.get("is_final")
    return ctx.final if _missing(value) else bool(value)


def _level_label(level: object, lang: str) -> str:
    """The level's name (``preschool`` → 学前教育); the id itself when unknown."""
    from analysis.core import vocab

    if _missing(level):
        return ""
    try:
        return vocab.level_name(str(level), lang)
    except AnalysisError:
        return str(level)


def _indicator_name(indicator: object, lang: str) -> str:
    """The indicator's name (``births`` → 出生人口); the id itself when unknown."""
    from analysis.core import vocab

    try:
        return vocab.indicator_name(str(indicator), lang)
    except AnalysisError:
        return str(indicator)


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _units(ctx: ReportContext) -> dict[str, str]:
    """``{target key: unit}`` from the targets table (fractions, persons, …)."""
    targets = ctx.tables.get("targets", pd.DataFrame())
    if not len(targets) or "unit" not in targets.columns:
        return {}
    return {str(k): str(u) for k, u in zip(targets["key"], targets["unit"], strict=True)
            if not _missing(u)}


def _target_row(ctx: ReportContext, key: str) -> dict[str, Any]:
    targets = ctx.tables.get("targets", pd.DataFrame())
    if not len(targets):
        return {}
    match = targets[targets["key"].astype(str) == str(key)]
    return match.iloc[0].to_dict() if len(match) else {}


# --------------------------------------------------------------------------- header, banner
