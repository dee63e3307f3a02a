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
from analysis.report.plan_labels import (
    _colon,
    _level_label,
    _name,
    _note,
    _units,
    english_quantities,
    readable_ids,
)


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
    """QA warnings and errors: the check by name, the year, the finding in the page's
    language and where it is (file / sheet / cell; 由统计报表数据计算 for a value computed
    from the returns). With ``rows`` (a chapter's page) only the findings on the rows' levels
    and indicators are listed — none for a chapter without targets; None lists them all (the
    summary), so each finding is printed once per document."""
    lang = ctx.lang
    qa = ctx.tables.get("qa_issues", pd.DataFrame())
    parts = [_h(3, t("sub.qa", lang))]
    if rows is not None:
        qa = chapter_findings(qa, rows)
    if not len(qa):
        return "".join(parts) + _p(t("text.no_qa", lang))
    serious = qa[qa["severity"].astype(str).isin(["error", "warning"])]
    info = len(qa) - len(serious)
    header = [esc(t("col.severity", lang)), esc(t("col.check", lang)), esc(t("col.year", lang)),
              esc(t("col.message", lang)), esc(t("col.location", lang))]
    body = []
    for _, r in serious.head(MAX_LIST).iterrows():
        year = "" if _missing(r.get("year")) else str(int(float(r["year"])))
        body.append([esc(_severity(r.get("severity"), lang)),
                     esc(check_label(r.get("check"), lang)), esc(year),
                     esc(qa_message(r, lang)), esc(qa_location(r, lang))])
    if body:
        parts.append(html_table(header, body, cls="pe-qa",
                                cols=["pe-c-sev", "pe-c-check", "pe-num", "pe-c-text",
                                      "pe-c-loc"]))
    if len(serious) > MAX_LIST:
        parts.append(_p(t("text.more_rows", lang, n=len(serious) - MAX_LIST), "pe-note"))
    if not body:
        parts.append(_p(t("text.no_qa", lang)))
    if info:
        parts.append(_p(t("text.qa_more", lang, n=info), "pe-note"))
    return "".join(parts)


def chapter_findings(qa: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The QA findings on the levels and indicators of ``rows`` (a finding without a level
    matches the indicator at any level); none when ``rows`` is empty."""
    if not len(qa) or not len(rows) or "indicator" not in qa.columns \
            or "indicator" not in rows.columns:
        return qa.iloc[0:0]
    from analysis.core import vocab

    wanted: dict[str, set[str]] = {}
    for indicator, level in zip(rows["indicator"], rows.get("level", pd.Series(index=rows.index)),
                                strict=True):
        if _missing(indicator):
            continue
        levels = set() if _missing(level) else {str(level)}
        for one in list(levels):
            try:
                levels.update(vocab.level_parts(one))
            except Exception:  # noqa: BLE001 - an unknown level matches itself only
                pass
        for part in str(indicator).split("/"):
            wanted.setdefault(part, set()).update(levels)
    qa_levels = qa["level"] if "level" in qa.columns else pd.Series(pd.NA, index=qa.index)

    def mine(indicator: object, level: object) -> bool:
        levels = wanted.get(str(indicator))
        if levels is None:
            return False
        return _missing(level) or not levels or str(level) in levels

    keep = [mine(i, lv) for i, lv in zip(qa["indicator"], qa_levels, strict=True)]
    return qa[pd.Series(keep, index=qa.index, dtype=bool)]


def check_label(code: object, lang: str) -> str:
    """The name of a QA check (``share_range`` → 比例超出范围), 其他检查 for an unknown one."""
    key = f"check.{code}"
    return t(key if has(key) else "check.other", lang)


def qa_message(row: pd.Series, lang: str) -> str:
    """A finding in ``lang``: ``message_zh`` in Chinese, ``message_en`` (else ``message``, the
    English text of the checks) in English, with any indicator id replaced by its name."""
    columns = ("message_zh", "message") if lang == "zh" else ("message_en", "message")
    for column in columns:
        value = row.get(column)
        if not _missing(value) and str(value):
            return readable_ids(value, lang)
    return ""


def qa_location(row: pd.Series, lang: str) -> str:
    """Where a finding is: ``returns/2017.xlsx / 学校基本情况 / H4``; a CSV cell as 第6行第2列;
    a value the package computed from several cells as 由统计报表数据计算."""
    if str(row.get("source_file")) == "derived":
        return t("text.location.derived", lang)
    parts = []
    for column in ("source_file", "source_sheet", "source_cell"):
        value = row.get(column)
        if _missing(value) or not str(value):
            continue
        text = str(value)
        line = re.fullmatch(r"line (\d+), field (\d+)", text)
        if column == "source_cell" and line:
            text = t("text.location.line", lang, row=line.group(1), col=line.group(2))
        parts.append(text)
    return " / ".join(parts)


def _severity(value: object, lang: str) -> str:
    text = str(value)
    return t(f"severity.{text}", lang) if has(f"severity.{text}") else text


def consistency_block(ctx: ReportContext, rows: pd.DataFrame | None = None) -> str:
    """The plan's own inconsistencies (from the consistency checks) touching the rows' keys;
    all of them with ``rows`` None (the summary). English pages show the values the plan
    prints (50%以上, 5500人左右) in English."""
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
    items = []
    for _, r in checks.iterrows():
        message = readable_ids(r.get(message_col), lang)
        if lang == "en":
            message = english_quantities(message)
        items.append(f"<li>{esc(_severity(r.get('severity'), lang))}{esc(_colon(lang))}"
                     f"{esc(message)}</li>")
    return "".join(parts) + "<ul>" + "".join(items) + "</ul>"


# --------------------------------------------------------------------------- outlook

