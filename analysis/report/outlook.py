"""五、后半程预判与建议: projection fans, the teacher gap and recommendations.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.core.formatting import format_number, format_share, format_target
from analysis.evaluate.grading import is_binding
from analysis.evaluate.headline import headline
from analysis.report.context import MAX_FANS, MAX_NAMES, ReportContext
from analysis.report.html import _h, _missing, _p, _section, esc, html_table
from analysis.report.i18n import has, t
from analysis.report.indicators import _numeric_rows
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

    The fans are small multiples of one figure (one panel per target, one shared legend) with
    a caption saying which targets the trend puts out of reach, followed by a small table
    giving, per panel, the method used and its back-test error in words.
    """
    from analysis.figures.charts import (
        fan_chart,
        figure_html,
        shared_legend,
        small_multiples,
        wrap_label,
    )

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
                       "title": title, "name": _name(row, lang), "outlook": row.get("outlook"),
                       "unit": units.get(str(row.get("key"))),
                       "backtest": _backtest_parts(ctx, indicator, level)})
    if not panels:
        return _p(t("text.no_projection", lang), "pe-note")
    fig, axes = small_multiples(len(panels), ncols=2, panel=(4.8, 2.9))
    for ax, panel in zip(axes, panels, strict=True):
        fan_chart(ax, panel["projections"], panel["observed"], panel["targets"],
                  title=wrap_label(panel["title"], 44 if lang == "zh" else 56, lines=2),
                  unit=panel["unit"], lang=lang, legend=False)
    shared_legend(fig, axes)
    alt = "; ".join(panel["title"] for panel in panels)
    parts = [figure_html(fig, alt=alt, caption=_fans_caption(panels, ctx))]
    if any(panel["backtest"] is not None for panel in panels):
        header = [esc(t("col.indicator", lang)), esc(t("col.method", lang)),
                  esc(t("col.mape", lang))]
        body = [[esc(panel["title"])] + [esc(text) for text in panel["backtest"] or ("", "")]
                for panel in panels]
        parts.append(html_table(header, body, cls="pe-fan-notes",
                                cols=["pe-c-name", "", ""]))
        parts.append(_p(t("text.backtest.note", lang), "pe-note"))
    return "".join(parts)


def _fans_caption(panels: list[dict[str, Any]], ctx: ReportContext) -> str:
    """The fans' one message: which of the targets shown the trend puts out of reach."""
    lang = ctx.lang
    unlikely = [panel["name"] for panel in panels if str(panel.get("outlook")) == "unlikely"]
    if not unlikely:
        return t("fig.caption.fans.ok", lang, year=ctx.target_year)
    separator = "、" if lang == "zh" else ", "
    return t("fig.caption.fans.unlikely", lang, n=len(unlikely), year=ctx.target_year,
             names=separator.join(unlikely))


def _float(value: object) -> float | None:
    try:
        return None if _missing(value) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def method_label(code: object, lang: str) -> str:
    """A projection method in words (``drift`` → 趋势外推（漂移）), 其他方法 when unknown."""
    key = f"method.{code}"
    return t(key if has(key) else "method.other", lang)


def _backtest_parts(ctx: ReportContext, indicator: str, level: str) -> tuple[str, str] | None:
    """``(method used, back-test error at the horizon nearest the target year)`` of a series,
    in words: ``("趋势外推（漂移）", "回测平均误差2.34%（提前2年预测）")``."""
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
                error = t("text.backtest", ctx.lang, error=format_number(mape, "fraction"),
                          h=int(bt.iloc[0]["horizon"]))
    return method_label(method, ctx.lang), error


def teacher_rows(group: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """One level's teacher balance in whole persons, in the target year (else the last year).

    Demand and continuing supply are rounded and the gap and the hires computed from the
    rounded numbers, so that each row adds up; an observed year (no continuing supply: the
    final evaluation) gets its gap against the teachers in post. ``hires_total`` adds up the
    hires of every year after the evaluation year up to the target year (the number the
    recommendation quotes); NaN when no year is left to project.
    """
    years = pd.to_numeric(group["year"], errors="coerce")
    at_target = group[years == ctx.target_year]
    shown = (at_target if len(at_target) else group.tail(1)).copy()
    future = group[(years > ctx.eval_year) & (years <= ctx.target_year)]
    total = pd.to_numeric(future.get("hires_needed", pd.Series(dtype=float)),
                          errors="coerce").clip(lower=0).sum()
    for column in ("enrolment", "demand", "supply_continuing", "stock"):
        values = shown[column] if column in shown.columns else pd.Series(float("nan"),
                                                                           index=shown.index)
        shown[column] = pd.to_numeric(values, errors="coerce").map(_whole)
    projected = shown["supply_continuing"].notna()
    shown["gap"] = shown["demand"] - shown["supply_continuing"].where(projected, shown["stock"])
    shown["hires_needed"] = shown["gap"].clip(lower=0).where(projected)
    shown["hires_total"] = _whole(float(total)) if len(future) else float("nan")
    return shown


def _whole(value: float) -> float:
    """``value`` rounded to a whole number half away from zero, as every table prints persons
    (:func:`analysis.core.formatting.format_number`); NaN stays NaN."""
    if _missing(value):
        return float("nan")
    return math.copysign(math.floor(abs(float(value)) + 0.5), float(value))


def teacher_block(ctx: ReportContext) -> str:
    """Teacher demand vs continuing supply and hires needed by level (chart + table), in
    whole persons; the caption names the levels that need hires."""
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
    first = ctx.eval_year + 1
    several_years = ctx.target_year - first >= 1  # else the total is the target year's hires
    columns = ["enrolment", "demand", "supply_continuing", "hires_needed", "gap"] + (
        ["hires_total"] if several_years else [])
    header = [esc(t("col.level", lang)), esc(t("col.year", lang)), esc(t("col.enrolment", lang)),
              esc(t("col.demand", lang)), esc(t("col.supply", lang)), esc(t("col.hires", lang)),
              esc(t("col.gap", lang))] + (
        [esc(t("col.hires_total", lang, first=first, last=ctx.target_year))]
        if several_years else [])
    body = []
    groups = list(balance.groupby(balance["level"].astype(str), sort=False))
    fig, axes = small_multiples(len(groups), ncols=2, panel=(4.8, 2.6))
    for ax, (level, group) in zip(axes, groups, strict=True):
        label = _level_label(level, lang)
        teacher_gap_chart(ax, group, title=label, lang=lang, legend=False)
    shared_legend(fig, axes)
    shown: list[tuple[str, pd.Series]] = []
    for level, group in groups:
        label = _level_label(level, lang)
        for _, r in teacher_rows(group, ctx).iterrows():
            shown.append((label, r))
            body.append([esc(label), str(int(r["year"]))] + [
                esc(format_number(r.get(c), "persons", lang=lang)) for c in columns])
    caption = _teachers_caption(shown, ctx)
    parts.append(figure_html(fig, alt="; ".join(_level_label(level, lang) for level, _ in groups),
                             caption=caption))
    parts.append(html_table(header, body, cls="pe-teachers",
                            cols=[""] + ["pe-num"] * (len(header) - 1)))
    return "".join(parts)


def _teachers_caption(rows: list[tuple[str, pd.Series]], ctx: ReportContext) -> str:
    """The teacher chart's one message: which levels need hires by the target year (at the
    final evaluation: which levels have fewer teachers than they need)."""
    lang = ctx.lang
    separator = "、" if lang == "zh" else ", "
    if ctx.eval_year >= ctx.target_year:
        short = [(label, r["gap"]) for label, r in rows if not _missing(r["gap"]) and r["gap"] > 0]
        if not short:
            return t("fig.caption.teachers.final.none", lang, year=ctx.target_year)
        return t("fig.caption.teachers.final", lang, year=ctx.target_year,
                 levels=separator.join(label for label, _ in short),
                 gap=format_number(sum(n for _, n in short), "persons"))
    first = ctx.eval_year + 1
    years = t("text.years.range", lang, first=first, last=ctx.target_year) \
        if first < ctx.target_year else t("text.years.one", lang, year=ctx.target_year)
    needs = [(label, r["hires_total"]) for label, r in rows
             if not _missing(r["hires_total"]) and r["hires_total"] > 0]
    if not needs:
        return t("fig.caption.teachers.none", lang, years=years)
    key = "fig.caption.teachers.all" if len(needs) == len(rows) else "fig.caption.teachers"
    return t(key, lang, years=years, levels=separator.join(label for label, _ in needs),
             hires=format_number(sum(n for _, n in needs), "persons"))


def recommendations(ctx: ReportContext, rows: pd.DataFrame) -> list[str]:
    """Every recommendation for ``rows`` in order (:func:`recommendation_groups` flattened);
    a chapter without targets gets none, one without problems a single line saying so."""
    if not len(rows):
        return []
    groups = recommendation_groups(ctx, rows)
    out = [line for lines in groups.values() for line in lines]
    return out or [t("text.reco.on_course", ctx.lang)]


def recommendation_groups(ctx: ReportContext, rows: pd.DataFrame) -> dict[str, list[str]]:
    """One recommendation per problem, by kind: ``problems`` (each target behind, binding
    first, with the action its kind calls for), ``scale`` (each scale away from the plan,
    with its drivers), ``adjustments`` (a 目标调整建议 for each target the models put out of
    reach, with the projection and its interval), ``monitoring`` (the targets that cannot be
    graded, named) and ``teachers`` (hires the enrolment projection needs). Counts always
    match the names listed."""
    lang = ctx.lang
    split = headline(rows)
    groups: dict[str, list[str]] = {
        "problems": [_behind_reco(r, ctx) for _, r in split.rows("behind").iterrows()],
        "scale": [], "adjustments": [], "monitoring": [], "teachers": _teacher_recos(ctx, rows),
    }
    for _, r in split.rows("deviating").iterrows():
        deviation = float(r.get("deviation"))
        drivers = _drivers(r, lang)
        groups["scale"].append(t("text.reco.deviating", lang, name=_name(r, lang),
                                 direction=t("text.above" if deviation > 0 else "text.below",
                                             lang),
                                 gap=format_number(abs(deviation), "fraction", decimals=1),
                                 drivers=drivers or t("misc.dash", lang)))
    if not ctx.final:
        groups["adjustments"] = [text for _, r in rows.iterrows() if (text := adjustment(r, ctx))]
    ungraded = split.rows("ungraded")
    if len(ungraded):
        separator = "、" if lang == "zh" else ", "
        names = [_name(r, lang) for _, r in ungraded.iterrows()]
        listed = separator.join(names[:MAX_NAMES]) + (
            t("text.and_more", lang) if len(names) > MAX_NAMES else "")
        groups["monitoring"].append(t("text.reco.ungraded", lang, n=len(ungraded), names=listed))
    return groups


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

