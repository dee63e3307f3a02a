"""五、后半程预判与建议: projection fans, the teacher gap and recommendations.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.core.formatting import format_number
from analysis.report.context import MAX_FANS, ReportContext
from analysis.report.html import _h, _missing, _p, _section, esc, html_table
from analysis.report.i18n import t
from analysis.report.indicators import _numeric_rows, _short
from analysis.report.plan_labels import _level_label, _name, _units


def outlook_section(ctx: ReportContext) -> str:
    """五、fans with targets, outlook per target, teacher gap, recommendations."""
    lang = ctx.lang
    rows = _numeric_rows(ctx.chapter_rows())
    heading = t("sec.outlook.final" if ctx.final else "sec.outlook", lang)
    parts = [_h(2, heading)]
    if not ctx.final:
        parts.append(_h(3, t("sub.projections", lang)))
        parts.append(fan_block(ctx, rows))
    if _needs_teachers(rows):
        parts.append(teacher_block(ctx))
    parts.append(_h(3, t("sub.recommendations", lang)))
    parts.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in recommendations(ctx, rows))
                 + "</ul>")
    return _section("".join(parts), "pe-outlook")


def _needs_teachers(rows: pd.DataFrame) -> bool:
    if not len(rows) or "indicator" not in rows.columns:
        return False
    return rows["indicator"].astype(str).str.contains("teachers").any()


def fan_block(ctx: ReportContext, rows: pd.DataFrame) -> str:
    """Fan charts of the targets with a combined projection (at most :data:`MAX_FANS`).

    The fans are small multiples of one figure (one panel per target, one shared legend),
    followed by a small table giving, per panel, the method used and its back-test error.
    """
    from analysis.figures.charts import fan_chart, figure_html, shared_legend, small_multiples

    lang = ctx.lang
    projections = ctx.models.get("projections", pd.DataFrame())
    if not len(projections) or not len(rows):
        return _p(t("text.no_projection", lang), "pe-note")
    combined = projections[projections["method"].astype(str) == "combined"] \
        if "method" in projections.columns else projections
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    units = _units(ctx)
    panels: list[dict[str, Any]] = []
    for _, row in rows.iterrows():
        if len(panels) >= MAX_FANS:
            break
        indicator, level = str(row.get("indicator")), str(row.get("level"))
        proj = combined[(combined["indicator"].astype(str) == indicator)
                        & (combined["level"].astype(str) == level)]
        if not len(proj):
            continue
        observed = pd.DataFrame(columns=["year", "value"])
        if len(indicators):
            obs = indicators[(indicators["indicator"].astype(str) == indicator)
                             & (indicators["level"].astype(str) == level)]
            obs = obs[pd.to_numeric(obs["year"], errors="coerce") <= ctx.eval_year]
            observed = obs[["year", "value"]]
        targets = [{"year": ctx.midterm_year, "value": _float(row.get("midterm_target")),
                    "kind": "midterm"},
                   {"year": ctx.target_year, "value": _float(row.get("final_target")),
                    "kind": "final"}]
        title = f"{_level_label(level, lang)}·{_name(row, lang)}"
        panels.append({"projections": proj, "observed": observed, "targets": targets,
                       "title": title, "unit": units.get(str(row.get("key"))),
                       "backtest": _backtest_parts(ctx, indicator, level)})
    if not panels:
        return _p(t("text.no_projection", lang), "pe-note")
    fig, axes = small_multiples(len(panels), ncols=2, panel=(4.8, 2.7))
    for ax, panel in zip(axes, panels, strict=True):
        fan_chart(ax, panel["projections"], panel["observed"], panel["targets"],
                  title=_short(panel["title"], "", 28), unit=panel["unit"], lang=lang,
                  legend=False)
    shared_legend(fig, axes)
    alt = "; ".join(panel["title"] for panel in panels)
    parts = [figure_html(fig, alt=alt)]
    if any(panel["backtest"] is not None for panel in panels):
        header = [esc(t("col.indicator", lang)), esc(t("col.method", lang)),
                  esc(t("col.mape", lang))]
        body = [[esc(panel["title"])] + [esc(text) for text in panel["backtest"] or ("", "")]
                for panel in panels]
        parts.append(html_table(header, body, cls="pe-fan-notes"))
    return "".join(parts)


def _float(value: object) -> float | None:
    try:
        return None if _missing(value) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _backtest_parts(ctx: ReportContext, indicator: str, level: str) -> tuple[str, str] | None:
    """``(method used, back-test error at the horizon nearest the target year)`` of a series."""
    choice = ctx.models.get("model_choice", pd.DataFrame())
    backtest = ctx.models.get("backtest", pd.DataFrame())
    if not len(choice):
        return None
    match = choice[(choice["indicator"].astype(str) == indicator)
                   & (choice["level"].astype(str) == level)]
    if not len(match):
        return None
    method = str(match.iloc[0]["method_used"])
    error = ""
    if len(backtest):
        horizon = max(ctx.target_year - ctx.eval_year, 1)
        bt = backtest[(backtest["indicator"].astype(str) == indicator)
                      & (backtest["level"].astype(str) == level)
                      & (backtest["method"].astype(str) == method)]
        if len(bt):
            bt = bt.iloc[(pd.to_numeric(bt["horizon"]) - horizon).abs().argsort()[:1]]
            mape = bt.iloc[0]["mape"]
            if not _missing(mape):
                error = f"h={int(bt.iloc[0]['horizon'])}: {format_number(mape, 'fraction')}"
    return method, error


def teacher_block(ctx: ReportContext) -> str:
    """Teacher demand vs continuing supply and hires needed by level (chart + table)."""
    from analysis.figures.charts import (
        figure_html,
        shared_legend,
        small_multiples,
        teacher_gap_chart,
    )

    lang = ctx.lang
    balance = ctx.models.get("teacher_balance", pd.DataFrame())
    parts = [_h(3, t("sub.teachers", lang))]
    if not len(balance):
        return "".join(parts) + _p(t("text.no_teachers", lang), "pe-note")
    header = [esc(t("col.level", lang)), esc(t("col.year", lang)), esc(t("col.enrolment", lang)),
              esc(t("col.demand", lang)), esc(t("col.supply", lang)), esc(t("col.hires", lang)),
              esc(t("col.gap", lang))]
    body = []
    groups = list(balance.groupby(balance["level"].astype(str), sort=False))
    fig, axes = small_multiples(len(groups), ncols=2, panel=(4.8, 2.6))
    for ax, (level, group) in zip(axes, groups, strict=True):
        label = _level_label(level, lang)
        teacher_gap_chart(ax, group, title=label, lang=lang, legend=False)
    shared_legend(fig, axes)
    parts.append(figure_html(fig, alt="; ".join(_level_label(level, lang) for level, _ in groups)))
    for level, group in groups:
        label = _level_label(level, lang)
        at_target = group[pd.to_numeric(group["year"], errors="coerce") == ctx.target_year]
        for _, r in (at_target if len(at_target) else group.tail(1)).iterrows():
            body.append([esc(label), str(int(r["year"]))] + [
                esc(format_number(r.get(c), "persons", lang=lang))
                for c in ("enrolment", "demand", "supply_continuing", "hires_needed", "gap")])
    parts.append(html_table(header, body, cls="pe-teachers"))
    return "".join(parts)


def recommendations(ctx: ReportContext, rows: pd.DataFrame) -> list[str]:
    """Plain recommendations derived from lagging, unlikely and no-data targets and hires."""
    lang = ctx.lang
    separator = "、" if lang == "zh" else ", "
    out: list[str] = []
    if len(rows):
        lagging = rows[rows["grade"].astype(str) == "lagging"]
        if len(lagging):
            names = separator.join(_name(r, lang) for _, r in lagging.head(6).iterrows())
            out.append(t("text.reco.lagging", lang, n=len(lagging), names=names))
        if "outlook" in rows.columns and not ctx.final:
            unlikely = rows[rows["outlook"].astype(str) == "unlikely"]
            if len(unlikely):
                names = separator.join(_name(r, lang) for _, r in unlikely.head(6).iterrows())
                out.append(t("text.reco.unlikely", lang, names=names, year=ctx.target_year))
        no_data = rows[rows["grade"].astype(str) == "no_data"]
        if len(no_data):
            out.append(t("text.reco.no_data", lang, n=len(no_data)))
    balance = ctx.models.get("teacher_balance", pd.DataFrame())
    if _needs_teachers(rows) and len(balance) and not ctx.final:
        future = balance[(pd.to_numeric(balance["year"], errors="coerce") > ctx.eval_year)
                         & (pd.to_numeric(balance["year"], errors="coerce") <= ctx.target_year)]
        for level, group in future.groupby(future["level"].astype(str), sort=False):
            hires = pd.to_numeric(group["hires_needed"], errors="coerce").sum()
            if hires > 0:
                out.append(t("text.reco.teachers", lang, year=ctx.target_year,
                             level=_level_label(level, lang), hires=format_number(hires, "persons")))
    return out or [t("text.reco.none", lang)]


# --------------------------------------------------------------------------- method note

