"""五、后半程预判与建议: projection fans, the teacher gap and recommendations.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.core.formatting import format_number, format_share, format_target
from analysis.evaluate.grading import is_binding
from analysis.evaluate.headline import headline
from analysis.report.context import MAX_FANS, ReportContext
from analysis.report.html import _h, _missing, _p, _section, esc, html_table
from analysis.report.i18n import t
from analysis.report.indicators import _numeric_rows, _short
from analysis.report.plan_labels import _level_label, _name, _note, _units
from analysis.report.problems import _drivers, _labelled_name


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
    advice = recommendations(ctx, ctx.chapter_rows())
    parts.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in advice) + "</ul>" if advice
                 else _p(t("text.no_targets.reco", lang)))
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
    """One recommendation per problem: each target behind (binding first) with the action its
    kind calls for, each scale away from the plan, a 目标调整建议 for each target the models
    put out of reach (probability < the at-risk threshold), the targets that cannot be graded,
    and teacher hires. Counts always match the names listed; a chapter without targets gets
    none."""
    lang = ctx.lang
    if not len(rows):
        return []
    split = headline(rows)
    out = [_behind_reco(r, ctx) for _, r in split.rows("behind").iterrows()]
    for _, r in split.rows("deviating").iterrows():
        deviation = float(r.get("deviation"))
        drivers = _drivers(r, lang)
        out.append(t("text.reco.deviating", lang, name=_name(r, lang),
                     direction=t("text.above" if deviation > 0 else "text.below", lang),
                     gap=format_number(abs(deviation), "fraction", decimals=1),
                     drivers=drivers or t("misc.dash", lang)))
    if not ctx.final:
        out += [text for _, r in rows.iterrows() if (text := adjustment(r, ctx))]
    ungraded = split.rows("ungraded")
    if len(ungraded):
        separator = "、" if lang == "zh" else ", "
        out.append(t("text.reco.ungraded", lang, n=len(ungraded),
                     names=separator.join(_name(r, lang) for _, r in ungraded.iterrows())))
    out += _teacher_recos(ctx, rows)
    return out or [t("text.reco.on_course", lang)]


def _behind_reco(row: pd.Series, ctx: ReportContext) -> str:
    """The recommendation for one target behind: its gap and the action its kind calls for."""
    lang = ctx.lang
    code, kind = str(row.get("grade")), str(row.get("kind"))
    wording = "" if _missing(row.get("wording")) else str(row.get("wording"))
    if code == "overdue":
        gap = t("text.reco.gap.overdue", lang, deadline=int(row.get("deadline")))
        action = "overdue"
    elif code == "not_started":
        gap, action = t("text.reco.gap.not_started", lang), "default"
    elif kind == "rule" or _missing(row.get("progress")):
        gap, action = t("text.reco.gap.rule", lang, note=_note(row, lang)), "rule"
    else:
        gap = t("text.reco.gap.progress.final" if bool(row.get("is_final"))
                else "text.reco.gap.progress", lang,
                progress=format_share(row.get("progress"), lang),
                expected=format_share(row.get("expected_progress"), lang))
        action = "default"
    if action == "default" and is_binding(row.get("attribute"), wording):
        action = "binding"
    elif action == "default" and wording == "soft":
        action = "soft"
    return t("text.reco.behind", lang, name=_labelled_name(row, lang), gap=gap,
             action=t(f"text.reco.action.{action}", lang))


def adjustment(row: pd.Series, ctx: ReportContext) -> str:
    """A 目标调整建议 when the models put a target out of reach, with the projection and its
    80 % interval; empty otherwise (scale targets and targets already due have none)."""
    if str(row.get("outlook")) != "unlikely" or _missing(row.get("projected")):
        return ""
    lang = ctx.lang
    unit = _units(ctx).get(str(row.get("key")))
    shown = {name: format_number(row.get(column), unit, lang=lang) for name, column in (
        ("projected", "projected"), ("lo", "projected_lo"), ("hi", "projected_hi"))}
    return t("text.reco.adjust", lang, name=_name(row, lang), year=int(row.get("deadline")),
             target=format_target(row.get("final_target"), row.get("comparator"), unit, lang),
             **shown)


def _teacher_recos(ctx: ReportContext, rows: pd.DataFrame) -> list[str]:
    balance = ctx.models.get("teacher_balance", pd.DataFrame())
    if not _needs_teachers(rows) or not len(balance) or ctx.final:
        return []
    out = []
    years = pd.to_numeric(balance["year"], errors="coerce")
    future = balance[(years > ctx.eval_year) & (years <= ctx.target_year)]
    for level, group in future.groupby(future["level"].astype(str), sort=False):
        hires = pd.to_numeric(group["hires_needed"], errors="coerce").sum()
        if hires > 0:
            out.append(t("text.reco.teachers", ctx.lang, year=ctx.target_year,
                         level=_level_label(level, ctx.lang),
                         hires=format_number(hires, "persons")))
    return out


# --------------------------------------------------------------------------- method note

