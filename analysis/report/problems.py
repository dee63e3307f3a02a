"""四、存在的问题: lagging targets, QA findings and the plan's own inconsistencies.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.core.formatting import format_number, format_share, format_target
from analysis.evaluate.headline import headline
from analysis.evaluate.labels import reason_label
from analysis.report.context import MAX_LIST, ReportContext
from analysis.report.html import (
    _h,
    _missing,
    _p,
    _section,
    esc,
    html_table,
)
from analysis.report.i18n import has, t
from analysis.report.plan_labels import _colon, _level_label, _name, _note, _units


def problems_section(ctx: ReportContext, *, whole_plan: bool = False) -> str:
    """四、存在的问题: targets behind (binding first), scales away from the plan, targets that
    cannot be graded, QA findings and the plan's own inconsistencies."""
    lang = ctx.lang
    rows = ctx.evaluation if whole_plan else ctx.chapter_rows()
    split = headline(rows)
    final = ctx.final
    parts = [_h(2, t("sec.problems", lang)), _h(3, t("sub.behind.final" if final else "sub.behind",
                                                     lang))]
    behind = [behind_item(r, ctx) for _, r in split.rows("behind").iterrows()]
    parts.append(_list(behind) if behind else _p(t("text.no_behind.final" if final
                                                   else "text.no_behind", lang)))
    deviating = [deviating_item(r, ctx) for _, r in split.rows("deviating").iterrows()]
    if deviating:
        parts += [_h(3, t("sub.deviating", lang)), _list(deviating)]
    ungraded = [t("text.ungraded_item", lang, name=_name(r, lang),
                  level=_level_label(r.get("level"), lang), reason=_reason(r, lang))
                for _, r in split.rows("ungraded").iterrows()]
    if ungraded:
        parts += [_h(3, t("sub.ungraded", lang)), _list(ungraded)]
    parts.append(qa_block(ctx, rows if not whole_plan else None))
    parts.append(consistency_block(ctx, rows if not whole_plan else None))
    return _section("".join(parts), "pe-problems")


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _reason(row: pd.Series, lang: str) -> str:
    code = str(row.get("reason") or "") if not _missing(row.get("reason")) else ""
    return reason_label(code or "no_actual", lang)


def _target_of(row: pd.Series, ctx: ReportContext) -> tuple[object, str]:
    """The target the grade compared with: the mid-term value in the mid-term year, else final."""
    if not ctx.final and not _missing(row.get("midterm_target")) and \
            ctx.eval_year == ctx.midterm_year and not bool(row.get("is_final")):
        return row.get("midterm_target"), "text.midterm_target"
    return row.get("final_target"), "text.final_target"


def behind_item(row: pd.Series, ctx: ReportContext) -> str:
    """One target behind its expected progress, citing the expected progress the grade used."""
    lang = ctx.lang
    unit = _units(ctx).get(str(row.get("key")))
    name, level = _labelled_name(row, lang), _level_label(row.get("level"), lang)
    code = str(row.get("grade"))
    if code == "overdue":
        detail = t("text.overdue.no_record", lang, year=ctx.eval_year) \
            if _missing(row.get("final_target")) or str(row.get("kind")) == "milestone" \
            else t("text.overdue.not_met", lang,
                   actual=format_number(row.get("actual"), unit, lang=lang),
                   target=format_target(row.get("final_target"), row.get("comparator"), unit,
                                        lang))
        return t("text.overdue_item", lang, name=name, level=level,
                 deadline=int(row.get("deadline")), detail=detail)
    if str(row.get("kind")) in ("rule", "milestone") or _missing(row.get("progress")):
        return f"{name}（{level}）{_colon(lang)}{_note(row, lang)}" if lang == "zh" else \
            f"{name} ({level}){_colon(lang)}{_note(row, lang)}"
    target, which = _target_of(row, ctx)
    final = bool(row.get("is_final"))
    return t("text.behind_item.final" if final else "text.behind_item", lang, name=name,
             level=level, target_label=t(which, lang),
             actual=format_number(row.get("actual"), unit, lang=lang),
             target=format_target(target, row.get("comparator"), unit, lang),
             progress=format_share(row.get("progress"), lang),
             expected=format_share(row.get("expected_progress"), lang),
             tau=format_share(row.get("tau"), lang))


def deviating_item(row: pd.Series, ctx: ReportContext) -> str:
    """A scale target away from the plan: actual, planned, the gap and the drivers."""
    lang = ctx.lang
    unit = _units(ctx).get(str(row.get("key")))
    deviation = float(row.get("deviation"))
    drivers = _drivers(row, lang)
    return t("text.deviating_item", lang, name=_name(row, lang),
             level=_level_label(row.get("level"), lang),
             actual=format_number(row.get("actual"), unit, lang=lang),
             planned=format_number(row.get("planned"), unit, lang=lang),
             direction=t("text.above" if deviation > 0 else "text.below", lang),
             gap=format_number(abs(deviation), "fraction", decimals=1),
             drivers=t("text.drivers", lang, drivers=drivers) if drivers else "")


def _drivers(row: pd.Series, lang: str) -> str:
    value = row.get("driver_en" if lang == "en" else "driver_zh")
    return "" if _missing(value) else str(value)


def _labelled_name(row: pd.Series, lang: str) -> str:
    """The target's name with its binding attribute or its wording (确保 / 力争) marked."""
    name = _name(row, lang)
    marks = []
    if str(row.get("attribute")) == "约束性":
        marks.append(t("attr.约束性", lang))
    wording = "" if _missing(row.get("wording")) else str(row.get("wording"))
    if wording in ("firm", "soft"):
        marks.append(t(f"attr.{wording}", lang))
    if not marks:
        return name
    return f"{name}（{'，'.join(marks)}）" if lang == "zh" else f"{name} ({', '.join(marks)})"


def qa_block(ctx: ReportContext, rows: pd.DataFrame | None = None) -> str:
    """QA warnings and errors with file / sheet / cell; limited to the rows' indicators."""
    lang = ctx.lang
    qa = ctx.tables.get("qa_issues", pd.DataFrame())
    parts = [_h(3, t("sub.qa", lang))]
    if len(qa) and rows is not None and len(rows) and "indicator" in qa.columns:
        wanted = set()
        for value in rows["indicator"].dropna().astype(str):
            wanted.update(value.split("/"))
        qa = qa[qa["indicator"].astype(str).isin(wanted) | qa["indicator"].isna()]
    if not len(qa):
        return "".join(parts) + _p(t("text.no_qa", lang))
    serious = qa[qa["severity"].astype(str).isin(["error", "warning"])]
    info = len(qa) - len(serious)
    header = [esc(t("col.severity", lang)), esc(t("col.check", lang)), esc(t("col.year", lang)),
              esc(t("col.message", lang)), esc(t("col.location", lang))]
    body = []
    for _, r in serious.head(MAX_LIST).iterrows():
        location = " / ".join(str(r[c]) for c in ("source_file", "source_sheet", "source_cell")
                              if c in r and not _missing(r[c]) and str(r[c]))
        year = "" if _missing(r.get("year")) else str(int(float(r["year"])))
        severity = str(r.get("severity"))
        message = r.get("message_zh") if lang == "zh" and not _missing(r.get("message_zh")) \
            else r.get("message")
        body.append([esc(_severity(severity, lang)), esc(r.get("check")), esc(year),
                     esc(message), esc(location)])
    if body:
        parts.append(html_table(header, body, cls="pe-qa"))
    if len(serious) > MAX_LIST:
        parts.append(_p(t("text.more_rows", lang, n=len(serious) - MAX_LIST), "pe-note"))
    if not body:
        parts.append(_p(t("text.no_qa", lang)))
    if info:
        parts.append(_p(t("text.qa_more", lang, n=info), "pe-note"))
    return "".join(parts)


def _severity(value: object, lang: str) -> str:
    text = str(value)
    return t(f"severity.{text}", lang) if has(f"severity.{text}") else text


def consistency_block(ctx: ReportContext, rows: pd.DataFrame | None = None) -> str:
    """The plan's own inconsistencies (from the consistency checks) touching the rows' keys."""
    lang = ctx.lang
    checks = ctx.tables.get("consistency", pd.DataFrame())
    parts = [_h(3, t("sub.consistency", lang))]
    if len(checks) and rows is not None and "keys" in checks.columns:
        mine = set(rows["key"].astype(str)) if len(rows) else set()
        parents = {k.rsplit(".", 1)[0] for k in mine}

        def touches(text: object) -> bool:
            keys = set(re.split(r"[;,\s|]+", str(text))) - {""}
            return bool(keys & (mine | parents))

        checks = checks[checks["keys"].map(touches)]
    if not len(checks):
        return "".join(parts) + _p(t("text.no_consistency", lang))
    message_col = f"message_{lang}" if f"message_{lang}" in checks.columns else "message_zh"
    items = [f"<li>{esc(_severity(r.get('severity'), lang))}{esc(_colon(lang))}"
             f"{esc(r.get(message_col))}</li>" for _, r in checks.iterrows()]
    return "".join(parts) + "<ul>" + "".join(items) + "</ul>"


# --------------------------------------------------------------------------- outlook

