"""四、存在的问题: lagging targets, QA findings and the plan's own inconsistencies.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.core.formatting import format_number, format_share, format_target
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
    """四、存在的问题: lagging indicators, no-data targets, QA findings, plan inconsistencies."""
    lang = ctx.lang
    rows = ctx.evaluation if whole_plan else ctx.chapter_rows()
    units = _units(ctx)
    parts = [_h(2, t("sec.problems", lang)), _h(3, t("sub.lagging", lang))]
    lagging = rows[rows["grade"].astype(str) == "lagging"] if len(rows) else rows
    if len(lagging):
        items = []
        for _, r in lagging.iterrows():
            unit = units.get(str(r.get("key")))
            if str(r.get("kind")) == "rule" or _missing(r.get("progress")):
                items.append(f"{_name(r, lang)}{_colon(lang)}{_note(r, lang)}")
                continue
            target, which = r.get("midterm_target"), "text.midterm_target"
            if ctx.final or _missing(target):
                target, which = r.get("final_target"), "text.final_target"
            items.append(t("text.lagging_item", lang, name=_name(r, lang),
                           level=_level_label(r.get("level"), lang),
                           target_label=t(which, lang),
                           actual=format_number(r.get("actual"), unit, lang=lang),
                           target=format_target(target, r.get("comparator"), unit, lang),
                           progress=format_share(r.get("progress"), lang),
                           tau=format_share(ctx.tau, lang)))
        parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    else:
        parts.append(_p(t("text.no_lagging", lang)))
    no_data = rows[rows["grade"].astype(str) == "no_data"] if len(rows) else rows
    if len(no_data):
        parts.append(_h(3, t("sub.no_data", lang)))
        names = [f"{_name(r, lang)}（{_level_label(r.get('level'), lang)}）" if lang == "zh"
                 else f"{_name(r, lang)} ({_level_label(r.get('level'), lang)})"
                 for _, r in no_data.iterrows()]
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in names) + "</ul>")
    parts.append(qa_block(ctx, rows if not whole_plan else None))
    parts.append(consistency_block(ctx, rows if not whole_plan else None))
    return _section("".join(parts), "pe-problems")


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

