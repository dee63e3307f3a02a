"""二、主要指标完成情况: one row per target, and the progress figure.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.core.formatting import format_number, format_share, format_target
from analysis.evaluate.labels import MILESTONE_CODES
from analysis.report.context import ReportContext
from analysis.report.html import (
    _h,
    _missing,
    _p,
    _section,
    esc,
    grade_badge,
    html_table,
)
from analysis.report.i18n import t
from analysis.report.plan_labels import (
    _level_label,
    _name,
    _note,
    _row_final,
    _target_row,
    _units,
    english_quantities,
    english_value,
)
from analysis.report.problems import _labelled_name


def _is_milestone(rows: pd.DataFrame) -> pd.Series:
    """Milestone rows (graded from the log): by kind, so a missed milestone (overdue) stays one."""
    kind = rows["kind"].astype(str) if "kind" in rows.columns else pd.Series("", index=rows.index)
    measure = rows["measure"].astype(str) if "measure" in rows.columns else kind
    return (kind == "milestone") | (measure == "milestone") | rows["grade"].astype(str).isin(
        MILESTONE_CODES)


def _milestone_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Milestone rows (graded from the log, not by the status rule)."""
    if not len(rows) or "grade" not in rows.columns:
        return rows
    return rows[_is_milestone(rows)]


def _numeric_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows graded by the status rule (numeric targets and rules, not milestones)."""
    if not len(rows) or "grade" not in rows.columns:
        return rows
    return rows[~_is_milestone(rows)]


def progress_figure(ctx: ReportContext, rows: pd.DataFrame) -> str:
    """Bars of each numeric target's progress against τ, coloured by grade (HTML figure),
    captioned with its one message: how many targets are behind, and which."""
    from analysis.figures.charts import figure_html

    drawn = progress_plot(ctx, rows)
    if drawn is None:
        return ""
    fig, _data, caption = drawn
    return figure_html(fig, alt=t("fig.progress.title", ctx.lang), caption=caption)


def progress_plot(ctx: ReportContext, rows: pd.DataFrame) -> tuple[Any, pd.DataFrame, str] | None:
    """The progress chart of ``rows`` (the figure, the rows drawn, its caption); None when no
    row has a progress. The pages and the Word report draw the same chart."""
    from analysis.figures.charts import new_figure, progress_chart

    if not len(rows) or "progress" not in rows.columns:
        return None
    data = rows[pd.to_numeric(rows["progress"], errors="coerce").notna()]
    if not len(data):
        return None
    data = data.head(40)
    lang = ctx.lang
    names = [_label(_name(r, lang), _level_label(r.get("level"), lang))
             for _, r in data.iterrows()]
    width = 28 if lang == "zh" else 40
    lines = sum(max(1, -(-display_width(n) // width)) for n in names)
    fig, ax = new_figure(7.5, 0.2 * lines + 0.14 * len(data) + 1.6)
    expected = (pd.to_numeric(data["expected_progress"], errors="coerce").tolist()
                if "expected_progress" in data.columns else None)
    progress = pd.to_numeric(data["progress"]).tolist()
    progress_chart(ax, names, progress, data["grade"].astype(str).tolist(), ctx.tau, lang=lang,
                   expected=expected, label_width=width)
    ax.set_title(t("fig.progress.title", lang))
    caption = _progress_caption(data, lang)
    if any(p > 1.5 or p < -0.2 for p in progress):
        caption += ("" if lang == "zh" else " ") + t("fig.caption.progress.clipped", lang)
    return fig, data, caption


def display_width(text: str) -> int:
    """Columns of ``text`` (a Chinese character counts two); see the figures' wrapping."""
    from analysis.figures.charts import display_width as width

    return width(text)


def _progress_caption(data: pd.DataFrame, lang: str) -> str:
    """“图中18项目标，15项达到或超过应达进度，3项落后于应达进度：A、B、C。”"""
    from analysis.evaluate.headline import headline

    split = headline(data)
    behind = split.rows("behind")
    met = split.count("met")
    if not len(behind):
        return t("fig.caption.progress.all", lang, total=len(data))
    separator = "、" if lang == "zh" else "; "
    return t("fig.caption.progress", lang, total=len(data), met=met, behind=len(behind),
             names=separator.join(_name(r, lang) for _, r in behind.iterrows()))


def _label(name: str, level: str) -> str:
    return f"{level}·{name}" if level else name


def _short(name: str, level: str, width: int = 22) -> str:
    text = _label(name, level)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- indicators


def indicator_table(rows: pd.DataFrame, ctx: ReportContext) -> str:
    """二、the colour-coded table: indicator, baseline, mid-term target, actual, final target,
    progress against expected progress (a scale's deviation from the plan), grade and — before
    the final evaluation — the outlook. Targets are shown as the plan printed them."""
    lang = ctx.lang
    units = _units(ctx)
    with_outlook = not ctx.final
    header = [
        esc(t("col.indicator", lang)), esc(t("col.level", lang)),
        esc(t("col.baseline", lang, year=ctx.base_year)),
        esc(t("col.midterm", lang, year=ctx.midterm_year)),
        esc(t("col.actual", lang)),
        esc(t("col.final", lang, year=ctx.target_year)),
        esc(t("col.progress", lang)), esc(t("col.grade", lang)),
    ] + ([esc(t("col.outlook", lang))] if with_outlook else [])
    body = []
    for _, row in rows.iterrows():
        unit = units.get(str(row.get("key")))
        final = _row_final(row, ctx)
        actual = format_number(row.get("actual"), unit, lang=lang)
        if not _missing(row.get("actual_year")) and not _missing(row.get("actual")):
            actual = t("text.actual_year", lang, value=actual, year=int(row["actual_year"]))
        name = _labelled_name(row, lang)
        note = _note(row, lang)
        level = _level_label(row.get("level"), lang)
        name_html = esc(name) + (
            f'<span class="pe-narrow-only pe-note">{esc(_bracket(level, lang))}</span>'
            if level else "") + (f'<br/><span class="pe-note">{esc(note)}</span>' if note else "")
        outlook_html = grade_badge(row.get("outlook"), lang, outlook=True)
        if not _missing(row.get("probability_met")):
            outlook_html += (f' <span class="pe-note">'
                             f'{esc(format_share(row.get("probability_met"), lang))}</span>')
        body.append([
            name_html, esc(level),
            f'<span class="pe-num">{esc(format_number(row.get("baseline"), unit, lang=lang))}</span>',
            esc(_target_text(ctx, row, "midterm", unit)),
            esc(actual),
            esc(_target_text(ctx, row, "final", unit)),
            esc(_progress_text(row, ctx)),
            grade_badge(row.get("grade"), lang, final=final),
        ] + ([outlook_html] if with_outlook else []))
    return html_table(header, body, cls="pe-indicators", cols=INDICATOR_COLUMNS)


INDICATOR_COLUMNS = [
    "pe-c-name", "pe-c-level pe-narrow-hide", "pe-num pe-narrow-hide", "pe-c-target pe-tiny-hide",
    "pe-c-actual", "pe-c-target pe-narrow-hide", "pe-c-progress pe-tiny-hide", "pe-c-grade",
    "pe-c-outlook",
]
"""The indicator table's columns: on a screen narrower than 700 px the level, baseline and
final target give way (the level then shows under the name), below 480 px the mid-term target
and the progress too, so that the name, actual value, grade and outlook stay readable."""


def _bracket(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _target_text(ctx: ReportContext, row: pd.Series, which: str, unit: str | None) -> str:
    """A mid-term or final target for display: the number with its comparator, or for rules
    and unparsed targets the plan's own words."""
    lang = ctx.lang
    value = row.get(f"{which}_target")
    printed = row.get(f"{which}_text")
    if _missing(printed) or not str(printed):
        printed = _target_row(ctx, str(row.get("key"))).get(f"{which}_text")
    has_printed = not _missing(printed) and bool(str(printed))
    if lang == "zh" and has_printed:
        return str(printed)  # exactly as the plan printed it (5.6万, 98%以上, 29000)
    if has_printed and _is_rule_text(printed):  # 全覆盖 → full coverage, 逐年只增不减 → its rule
        return english_value(printed, unit) or str(printed)
    if str(row.get("kind")) == "rule" or _missing(value):
        if not has_printed:
            return t("misc.dash", lang)
        return english_value(printed, unit) or english_quantities(printed)
    comparator = row.get("midterm_comparator") if which == "midterm" else row.get("comparator")
    if _missing(comparator) or not str(comparator):
        comparator = row.get("comparator")
    return format_target(value, comparator, unit, lang)


def _is_rule_text(printed: object) -> bool:
    """True when the plan printed a rule (全覆盖, 逐年只增不减, 完成) instead of a number."""
    from analysis.core.errors import AnalysisError
    from analysis.core.quantities import parse_quantity

    try:
        return parse_quantity(str(printed)).is_rule
    except AnalysisError:
        return False


def _progress_text(row: pd.Series, ctx: ReportContext) -> str:
    """``p / e``: indicator progress against the progress expected by now (τ or plan path);
    for a scale target its signed deviation from the planned size."""
    if not _missing(row.get("deviation")):
        return t("text.deviation", ctx.lang, value=format_number(
            row.get("deviation"), "fraction", decimals=1, signed=True))
    if _missing(row.get("progress")):
        return t("misc.dash", ctx.lang)
    expected = row.get("expected_progress")
    if _missing(expected):
        expected = row.get("tau") if not _missing(row.get("tau")) else ctx.tau
    return f"{format_share(row.get('progress'), ctx.lang)} / {format_share(expected, ctx.lang)}"


def indicators_section(ctx: ReportContext) -> str:
    """二、主要指标完成情况 for the context's chapter."""
    rows = _numeric_rows(ctx.chapter_rows())
    body = [_h(2, t("sec.indicators", ctx.lang))]
    if not len(rows):
        body.append(_p(t("text.no_targets", ctx.lang)))
    else:
        body.append(indicator_table(rows, ctx))
    return _section("".join(body), "pe-indicators-section")


# --------------------------------------------------------------------------- tasks

