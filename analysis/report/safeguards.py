"""Chapter 4's blocks: funding rules year by year and the governance deadlines.
"""

from __future__ import annotations

import pandas as pd

from analysis.report.context import ReportContext
from analysis.report.html import _h, _missing, _p, esc, fmt_number, grade_badge, html_table
from analysis.report.i18n import t
from analysis.report.indicators import _milestone_rows
from analysis.report.plan_labels import _name, _target_row, _units


def rule_years(indicators: pd.DataFrame, indicator: str, level: str | None,
               first_year: int, last_year: int) -> pd.DataFrame:
    """Year-by-year test of a “逐年只增不减” rule: ``year, value, change, met``.

    ``met`` is True when the value is not lower than the year before, NA for the first year
    or when a value is missing.
    """
    data = indicators[indicators["indicator"].astype(str) == indicator] if len(indicators) else \
        pd.DataFrame(columns=["year", "value", "level"])
    if level is not None and len(data) and (data["level"].astype(str) == level).any():
        data = data[data["level"].astype(str) == level]
    data = data.copy()
    data["year"] = pd.to_numeric(data["year"], errors="coerce")
    data = data[(data["year"] >= first_year) & (data["year"] <= last_year)]
    by_year = data.groupby("year")["value"].sum(min_count=1) if len(data) else pd.Series(dtype=float)
    years = list(range(first_year, last_year + 1))
    values = [by_year.get(y) for y in years]
    changes: list[float | None] = [None]
    met: list[bool | None] = [None]
    for previous, current in zip(values, values[1:], strict=False):
        if _missing(previous) or _missing(current):
            changes.append(None)
            met.append(None)
        else:
            changes.append(float(current) - float(previous))
            met.append(bool(float(current) >= float(previous)))
    return pd.DataFrame({"year": years, "value": values, "change": changes, "met": met})


def funding_rules_block(ctx: ReportContext) -> str:
    """Each rule row of the chapter tested year by year from the base year to eval year."""
    from analysis.figures.charts import figure_html, new_figure, rule_bars

    lang = ctx.lang
    rows = ctx.chapter_rows()
    rules = rows[rows["kind"].astype(str) == "rule"] if len(rows) else rows
    parts = [_h(3, t("sub.funding", lang))]
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    units = _units(ctx)
    any_data = False
    for _, rule in rules.iterrows():
        indicator = str(rule.get("indicator"))
        level = None if _missing(rule.get("level")) else str(rule.get("level"))
        unit = units.get(str(rule.get("key")))
        table = rule_years(indicators, indicator, level, ctx.base_year, ctx.eval_year)
        name = _name(rule, lang)
        parts.append(f"<h4>{esc(name)}</h4>")
        if table["value"].isna().all():
            parts.append(_p(t("text.no_funding", lang), "pe-note"))
            continue
        any_data = True
        header = [esc(t("col.year", lang))] + [str(y) for y in table["year"]]
        value_row = [esc(t("col.value", lang))] + [esc(fmt_number(v, unit, lang=lang))
                                                   for v in table["value"]]
        change_row = [esc(t("col.change", lang))] + [esc(fmt_number(c, unit, lang=lang))
                                                     for c in table["change"]]
        met_row = [esc(t("col.met", lang))] + [
            esc(t("misc.dash", lang)) if i == 0 else _rule_badge(m, lang)
            for i, m in enumerate(table["met"])]
        parts.append(html_table(header, [value_row, change_row, met_row], cls="pe-rule"))
        fig, ax = new_figure(6.0, 2.6)
        rule_bars(ax, table.dropna(subset=["value"])[["year", "value"]], title=name, unit=unit,
                  lang=lang)
        parts.append(figure_html(fig, alt=name))
    if not len(rules) or not any_data and not len(rules):
        parts.append(_p(t("text.no_funding", lang), "pe-note"))
    return "".join(parts)


def _rule_badge(met: object, lang: str) -> str:
    from analysis.figures.charts import grade_colour, grade_text_colour

    if _missing(met):
        code, key = "no_data", "text.rule.no_data"
    elif bool(met):
        code, key = "achieved", "text.rule.met"
    else:
        code, key = "lagging", "text.rule.not_met"
    return (f'<span class="pe-badge" style="background:{grade_colour(code)};'
            f'color:{grade_text_colour(code)}">{esc(t(key, lang))}</span>')


def deadlines_block(ctx: ReportContext) -> str:
    """Milestones due before the plan's target year (e.g. charters approved by 2022)."""
    lang = ctx.lang
    rows = _milestone_rows(ctx.chapter_rows())
    if not len(rows):
        return ""
    deadlines = {str(k): _target_row(ctx, str(k)).get("deadline") for k in rows["key"]}
    due = [(r, deadlines[str(r["key"])]) for _, r in rows.iterrows()
           if not _missing(deadlines[str(r["key"])])
           and int(float(deadlines[str(r["key"])])) < ctx.target_year]
    if not due:
        return ""
    header = [esc(t("col.task", lang)), esc(t("col.deadline", lang)), esc(t("col.status", lang)),
              esc(t("col.note", lang))]
    body = []
    for row, deadline in due:
        year = int(float(deadline))
        state = "text.deadline.overdue" if ctx.eval_year > year else "text.deadline.pending"
        note = t(state, lang)
        if str(row.get("grade")) == "done":
            note = ""
        body.append([esc(_name(row, lang)), esc(t("text.deadline.due", lang, year=year)),
                     grade_badge(row.get("grade"), lang), esc(note)])
    return _h(3, t("sub.governance", lang)) + html_table(header, body, cls="pe-deadlines")


# --------------------------------------------------------------------------- problems

