"""Names of the plan's chapters, sections, levels and indicators in the report language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.core.formatting import chinese_number
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
    """The plan's name in the report language (the name its files are given by the runner)."""
    from analysis.report.naming import plan_title

    return plan_title(ctx.config, ctx.plan, ctx.lang)


def eval_kind(ctx: ReportContext) -> str:
    """中期评估 / 终期评估 / N年度进展评估 (wording follows the rule's mode)."""
    from analysis.report.naming import evaluation_kind

    return evaluation_kind(ctx.rule.mode, ctx.eval_year, ctx.lang)


def chapter_title(ctx: ReportContext, number: int) -> str:
    """``第二章 发展战略`` / ``Chapter 2: Development strategy``."""
    for chapter in ctx.config.chapters:
        if int(chapter.number) == int(number):
            return t("chapter.name", ctx.lang, n=_chapter_number(number, ctx.lang),
                     title=_pick(chapter, "title", ctx.lang))
    return t("chapter.label", ctx.lang, n=_chapter_number(number, ctx.lang))


def _chapter_number(number: int, lang: str) -> str:
    """第二章 in Chinese, Chapter 2 in English."""
    return chinese_number(int(number)) if lang == "zh" else str(int(number))


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


# --------------------------------------------------------------------------- readable text

_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_PRINTED = re.compile(
    r"(?:不低于|不少于|不超过|不高于|大于|小于|超过|约|近)?[-+]?\d[\d,]*(?:\.\d+)?(?:%|‰)?"
    r"(?:万|亿|千)?(?:余|多)?(?:亿元|万元|人次|元|人|名|所|间|个|项|班)?"
    r"(?:及以上|以上|及以下|以下|以内|左右|上下)?")


def readable_ids(text: object, lang: str) -> str:
    """``text`` with indicator and level ids (``gross_enrolment_rate``) replaced by their names
    in ``lang`` (毛入学（园）率 / Gross enrolment rate); other words are left alone."""
    from analysis.core import vocab

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        try:
            if vocab.is_indicator(word):
                return vocab.indicator_name(word, lang)
            if vocab.is_level(word):
                return vocab.level_name(word, lang)
        except AnalysisError:
            pass
        return word

    return "" if _missing(text) else _ID.sub(name, str(text))


def english_value(printed: object, unit: str | None = None) -> str | None:
    """A value as a Chinese plan prints it, in English: ``5.6万`` → ``56,000``, ``98%以上`` →
    ``≥98%``, ``5500人左右`` → ``≈5,500``, ``12.48亿元`` → ``12.48 × 100 million yuan``,
    ``全覆盖`` → ``full coverage``, ``逐年只增不减`` → the rule's English words; None when the
    text is not one value (a sentence, two numbers)."""
    from analysis.core import rules
    from analysis.core.formatting import format_as_printed, format_target
    from analysis.core.quantities import COMPARATOR_SYMBOLS, parse_quantity

    if _missing(printed) or not str(printed).strip():
        return None
    try:
        quantity = parse_quantity(str(printed))
    except AnalysisError:
        return None
    if quantity.is_rule and quantity.rule:
        return rules.rule(quantity.rule).words("en")
    if not quantity.is_number or quantity.value is None:
        return None
    shown_unit = quantity.unit or unit or None
    if shown_unit == "10k_yuan":
        symbol = "" if quantity.comparator == "eq" else COMPARATOR_SYMBOLS.get(quantity.comparator, "")
        return symbol + format_as_printed(quantity.value, shown_unit, str(printed), lang="en")
    return format_target(quantity.value, quantity.comparator, shown_unit, "en")


def english_quantities(text: object) -> str:
    """English ``text`` with the Chinese-printed values in it (``50%以上``, ``5500人左右``,
    ``12.48亿元``, ``1个``) and the rule words (全覆盖, 逐年只增不减) in English; quotations of
    the plan's own wording elsewhere in the text are kept as they are."""
    from analysis.core import rules

    if _missing(text):
        return ""

    def value(match: re.Match[str]) -> str:
        token = match.group(0)
        if not _CJK.search(token):
            return token
        shown = english_value(token)
        return token if shown is None else shown

    out = _PRINTED.sub(value, str(text))
    for phrase, code in rules.PHRASES:
        rule = rules.rule(code)
        if rule.yearly or code == "full_coverage":
            out = out.replace(phrase, rule.words("en"))
    return out
