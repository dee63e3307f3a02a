"""Chapter 4's blocks: funding rules year by year and the governance deadlines.
"""

from __future__ import annotations

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.core.formatting import format_change, format_number
from analysis.evaluate.yearly import check_rule, normalise_rule
from analysis.report.context import ReportContext
from analysis.report.html import _h, _missing, _p, esc, grade_badge, html_table
from analysis.report.i18n import t
from analysis.report.indicators import _milestone_rows
from analysis.report.plan_labels import _name, _target_row, _units


def rule_years(indicators: pd.DataFrame, indicator: str, level: str | None,
               first_year: int, last_year: int, rule: str = "non_decreasing", *,
               history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Year-by-year test of a target's rule (逐年只增不减, 逐年下降 …): ``year, value, change, met``.

    The test is :func:`analysis.evaluate.yearly.check_rule`'s, the one that graded the target:
    each year with a value is compared with the previous year that has one, ``change`` is the
    difference and ``met`` is False for a year that broke ``rule``; both are NA for the first
    year with a value and for years without one. ``history`` (the plan's quoted values) fills
    years the returns lack, as the grading does.
    """
    by_year = _yearly_values(indicators, indicator, level, first_year, last_year)
    if history is not None:
        quoted = _yearly_values(history, indicator, level, first_year, last_year)
        by_year = by_year.combine_first(quoted) if len(by_year) else quoted
    years = list(range(first_year, last_year + 1))
    values = [None if _missing(by_year.get(y)) else float(by_year[y]) for y in years]
    result = check_rule(pd.Series({y: v for y, v in zip(years, values, strict=True)
                                   if v is not None}, dtype="float64"), rule, years=years)
    changes: list[float | None] = []
    met: list[bool | None] = []
    previous: float | None = None
    for year, value in zip(years, values, strict=True):
        if value is None or previous is None:
            changes.append(None)
            met.append(None)
        else:
            changes.append(value - previous)
            met.append(year not in result.broken_years)
        if value is not None:
            previous = value
    return pd.DataFrame({"year": years, "value": values, "change": changes, "met": met})


def _yearly_values(table: pd.DataFrame, indicator: str, level: str | None,
                   first_year: int, last_year: int) -> pd.Series:
    """One value per year of ``indicator`` (at ``level`` when the table has it)."""
    if not len(table) or not {"indicator", "year", "value"} <= set(table.columns):
        return pd.Series(dtype="float64")
    data = table[table["indicator"].astype(str) == indicator]
    if level is not None and len(data) and "level" in data.columns \
            and (data["level"].astype(str) == level).any():
        data = data[data["level"].astype(str) == level]
    data = data.assign(year=pd.to_numeric(data["year"], errors="coerce"),
                       value=pd.to_numeric(data["value"], errors="coerce"))
    data = data[(data["year"] >= first_year) & (data["year"] <= last_year)]
    if not len(data):
        return pd.Series(dtype="float64")
    sums = data.groupby(data["year"].astype(int))["value"].sum(min_count=1)
    return sums.dropna().astype("float64")


def _graded_rule(ctx: ReportContext, row: pd.Series) -> str:
    """The rule that graded a rule row: its comparator (the rule code the evaluation wrote),
    else the catalogue's ``rule`` column, else 逐年只增不减 (the evaluation's default)."""
    for candidate in (row.get("comparator"), _target_row(ctx, str(row.get("key"))).get("rule")):
        if _missing(candidate) or not str(candidate).strip():
            continue
        try:
            return normalise_rule(candidate)
        except AnalysisError:
            continue
    return "non_decreasing"


def funding_rules_block(ctx: ReportContext) -> str:
    """Each rule row of the chapter tested year by year from the base year to eval year, by
    the rule that graded it (so the marks agree with the grade)."""
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
        history = ctx.tables.get("history")
        table = rule_years(indicators, indicator, level, ctx.base_year, ctx.eval_year,
                           _graded_rule(ctx, rule), history=history)
        name = _name(rule, lang)
        parts.append(f"<h4>{esc(name)}</h4>")
        if table["value"].isna().all():
            parts.append(_p(t("text.no_funding", lang), "pe-note"))
            continue
        any_data = True
        header = [esc(t("col.year", lang))] + [str(y) for y in table["year"]]
        value_row = [esc(t("col.value", lang))] + [esc(format_number(v, unit, lang=lang))
                                                   for v in table["value"]]
        change_row = [esc(t("col.change", lang))] + [esc(format_change(c, unit, lang))
                                                     for c in table["change"]]
        met_row = [esc(t("col.met", lang))] + [
            esc(t("misc.dash", lang)) if i == 0 else _rule_badge(m, lang)
            for i, m in enumerate(table["met"])]
        parts.append(html_table(header, [value_row, change_row, met_row], cls="pe-rule"))
        fig, ax = new_figure(6.0, 2.6)
        rule_bars(ax, table.dropna(subset=["value"])[["year", "value", "met"]], title=name,
                  unit=unit, lang=lang)
        parts.append(figure_html(fig, alt=name, caption=rule_caption(name, table, lang)))
    if not len(rules) or not any_data and not len(rules):
        parts.append(_p(t("text.no_funding", lang), "pe-note"))
    return "".join(parts)


def rule_caption(name: str, table: pd.DataFrame, lang: str) -> str:
    """A rule chart's one message: the years that broke the rule, or that it held every year."""
    tested = table[table["met"].notna()]
    broken = [str(int(y)) for y, m in zip(tested["year"], tested["met"], strict=True) if not m]
    if broken:
        return t("fig.caption.rule.broken", lang, name=name,
                 years=("、" if lang == "zh" else ", ").join(broken))
    years = table.dropna(subset=["value"])["year"]
    return t("fig.caption.rule.met", lang, name=name, first=int(years.min()),
             last=int(years.max()))


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

