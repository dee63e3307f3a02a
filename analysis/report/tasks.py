"""三、重点任务进展: key tasks, special projects and the milestones log.
"""

from __future__ import annotations

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.core.formatting import format_number
from analysis.evaluate.labels import MILESTONE_CODES
from analysis.report.baseline import baseline_block, births_block, series_block
from analysis.report.context import ReportContext
from analysis.report.html import (
    _h,
    _p,
    _section,
    esc,
    grade_badge,
    html_table,
)
from analysis.report.i18n import t
from analysis.report.indicators import _milestone_rows, _numeric_rows, _target_text
from analysis.report.overall import tally_counts, tally_label
from analysis.report.plan_labels import (
    _name,
    _note,
    _pick,
    _row_final,
    _units,
    _walk_sections,
    section_titles,
)
from analysis.report.safeguards import deadlines_block, funding_rules_block


def _group_table(rows: pd.DataFrame, ctx: ReportContext) -> str:
    """A compact table of targets and milestones: name, target, actual, status."""
    lang = ctx.lang
    units = _units(ctx)
    header = [esc(t("col.indicator", lang)), esc(t("col.final", lang, year=ctx.target_year)),
              esc(t("col.actual", lang)), esc(t("col.status", lang)), esc(t("col.note", lang))]
    body = []
    for _, row in rows.iterrows():
        unit = units.get(str(row.get("key")))
        body.append([
            esc(_name(row, lang)), esc(_target_text(ctx, row, "final", unit)),
            esc(format_number(row.get("actual"), unit, lang=lang)),
            grade_badge(row.get("grade"), lang, final=_row_final(row, ctx)),
            esc(_note(row, lang)),
        ])
    return html_table(header, body, cls="pe-group",
                      cols=["pe-c-name", "pe-c-target", "pe-num", "pe-c-grade",
                            "pe-c-text pe-narrow-hide"])


def tasks_block(ctx: ReportContext) -> str:
    """Targets and milestones grouped by key task / special project, else by section."""
    rows = ctx.chapter_rows()
    titles = section_titles(ctx)
    lang = ctx.lang
    chapter_sections = _chapter_sections(ctx)
    tasks = [(sid, kind, title) for sid, (kind, title) in chapter_sections.items()
             if kind in ("key_task", "special_project")]
    parts: list[str] = []
    if tasks:
        task_col = rows["task"].astype(str) if "task" in rows.columns else pd.Series(dtype=str)
        for kind, heading in (("key_task", "sub.key_tasks"),
                              ("special_project", "sub.special_projects")):
            parts.append(_h(3, t(heading, lang)))
            for sid, k, title in tasks:
                if k != kind:
                    continue
                group = rows[task_col == sid] if len(rows) else rows
                label = f"{sid} {title}" if kind == "key_task" else f"{sid} {title}"
                counts = tally_text_short(group, lang, ctx.final)
                parts.append(f"<h4>{esc(label)}</h4>")
                if len(group):
                    parts.append(_p(counts, "pe-note"))
                    parts.append(_group_table(group, ctx))
                else:
                    parts.append(_p(t("text.no_tasks", lang), "pe-note"))
        return "".join(parts)
    if not len(rows):
        return _p(t("text.no_targets", lang))
    for section_id, group in rows.groupby(rows["section"].astype(str), sort=False):
        title = titles.get(section_id, ("section", ""))[1]
        parts.append(f"<h4>{esc(section_id)} {esc(title)}</h4>")
        numeric, milestones = _numeric_rows(group), _milestone_rows(group)
        if len(numeric):  # already one row each in 二、主要指标完成情况: not printed twice
            parts.append(_p(t("text.in_indicators", lang, n=len(numeric),
                              section=t("sec.indicators", lang),
                              tally=tally_text_short(numeric, lang, ctx.final)), "pe-note"))
        if len(milestones):
            parts.append(_group_table(milestones, ctx))
    return "".join(parts)


def tally_text_short(rows: pd.DataFrame, lang: str, final: bool) -> str:
    """“提前实现1项、滞后2项” for the grades present in ``rows``."""
    counts = {**tally_counts(rows), **tally_counts(rows, MILESTONE_CODES)}
    separator = "、" if lang == "zh" else ", "
    return separator.join(t("text.tally.part", lang, label=tally_label(c, lang, final=final),
                                count=n) for c, n in counts.items() if n)


def _chapter_sections(ctx: ReportContext) -> dict[str, tuple[str, str]]:
    for chapter in ctx.config.chapters:
        if ctx.chapter is not None and int(chapter.number) == int(ctx.chapter):
            return {str(s.id): (str(getattr(s, "kind", "section")), _pick(s, "title", ctx.lang))
                    for s in _walk_sections(getattr(chapter, "sections", None) or [])}
    return {}


def milestones_block(ctx: ReportContext) -> str:
    """Milestone log entries for the chapter's targets (date, status, evidence)."""
    log = ctx.tables.get("milestones", pd.DataFrame())
    rows = ctx.chapter_rows()
    lang = ctx.lang
    parts = [_h(3, t("sub.milestones", lang))]
    if not len(log) or not len(rows):
        return "".join(parts) + _p(t("text.no_milestones", lang), "pe-note")
    key_col = next((c for c in ("target_key", "key") if c in log.columns), None)
    if key_col is None:
        return "".join(parts) + _p(t("text.no_milestones", lang), "pe-note")
    mine = log[log[key_col].astype(str).isin(rows["key"].astype(str))]
    if "date" in mine.columns:
        mine = mine[mine["date"].astype(str).str[:4] <= str(ctx.eval_year)]
    if not len(mine):
        return "".join(parts) + _p(t("text.no_milestones", lang), "pe-note")
    names = {str(r["key"]): _name(r, lang) for _, r in rows.iterrows()}
    evidence_col = next((c for c in ("evidence", "note", "description", "source")
                         if c in mine.columns), None)
    header = [esc(t("col.task", lang)), esc(t("col.date", lang)), esc(t("col.status", lang)),
              esc(t("col.evidence", lang))]
    body = [[
        esc(names.get(str(r[key_col]), r[key_col])),
        esc(r.get("date")),
        _milestone_badge(r.get("status"), lang),
        esc(r[evidence_col]) if evidence_col else "",
    ] for _, r in mine.iterrows()]
    return "".join(parts) + html_table(header, body, cls="pe-milestones")


def _milestone_badge(status: object, lang: str) -> str:
    """Badge for a status word of the milestone log (已完成, in_progress, planned …)."""
    from analysis import evaluate

    try:
        code = evaluate.normalise_milestone_status(status)
    except AnalysisError:
        return esc(status)
    return grade_badge(code, lang)


def tasks_section(ctx: ReportContext) -> str:
    """三、the chapter's own section: baseline review, key tasks, or safeguards.

    Content-driven so that any plan works: a chapter without numeric targets gets the
    baseline reconciliation, the pre-plan series and births; a chapter with key tasks or
    special projects is shown by task; a chapter with rules (逐年只增不减) gets the year-by-year
    rule test; dated milestones before the target year get the deadline table.
    """
    lang = ctx.lang
    rows = ctx.chapter_rows()
    has_rules = len(rows) and "kind" in rows.columns and (rows["kind"].astype(str) == "rule").any()
    background = not len(_numeric_rows(rows)) and not has_rules
    if background:
        heading = t("sec.tasks.ch1", lang)
        body = [baseline_block(ctx), series_block(ctx), births_block(ctx)]
    elif has_rules:
        heading = t("sec.tasks.ch4", lang)
        body = [funding_rules_block(ctx), deadlines_block(ctx), tasks_block(ctx)]
    else:
        heading = t("sec.tasks", lang)
        body = [tasks_block(ctx), deadlines_block(ctx)]
    if len(rows):
        body.append(milestones_block(ctx))
    return _section(_h(2, heading) + "".join(body), "pe-tasks")


# ---- chapter-1 style blocks

