"""Chapter 1's blocks: the base-year reconciliation, the 2016–2020 series and births.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from analysis.core.formatting import (
    PrintedUnit,
    format_as_printed,
    format_number,
    printed_unit,
)
from analysis.report.context import ReportContext
from analysis.report.html import _h, _missing, _p, esc, html_table
from analysis.report.i18n import t
from analysis.report.plan_labels import _indicator_name, _level_label


def baseline_block(ctx: ReportContext) -> str:
    """The plan's base-year values reconciled with the returns for the base year."""
    lang = ctx.lang
    targets = ctx.tables.get("targets", pd.DataFrame())
    history = ctx.tables.get("history", pd.DataFrame())
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    rows = baseline_reconciliation(targets, history, indicators, ctx.base_year)
    parts = [_h(3, t("sub.baseline", lang))]
    if not len(rows):
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    header = [esc(t("col.indicator", lang)), esc(t("col.level", lang)),
              esc(t("col.plan_value", lang)), esc(t("col.returns_value", lang)),
              esc(t("col.difference", lang)), esc(t("col.status", lang)),
              esc(t("col.source", lang))]
    body = []
    for _, r in rows.iterrows():
        unit, printed = r["unit"], r.get("printed")
        status = {"match": "text.baseline_match", "differs": "text.baseline_mismatch",
                  "missing": "text.baseline_missing"}[r["status"]]
        code = {"match": "achieved", "differs": "lagging", "missing": "no_data"}[r["status"]]
        from analysis.figures.charts import grade_colour, grade_text_colour
        badge = (f'<span class="pe-badge" style="background:{grade_colour(code)};'
                 f'color:{grade_text_colour(code)}">{esc(t(status, lang))}</span>')
        body.append([
            esc(r["name"] if lang == "zh" else r.get("name_en") or r["name"]),
            esc(_level_label(r["level"], lang)),
            esc(format_as_printed(r["plan_value"], unit, printed, lang=lang)),
            esc(format_as_printed(r["returns_value"], unit, printed, lang=lang)),
            esc(format_as_printed(r["difference"], unit, printed, lang=lang, signed=True)),
            badge, esc(r["source"]),
        ])
    return "".join(parts) + html_table(header, body, cls="pe-baseline", cols=[
        "pe-c-name", "pe-narrow-hide", "pe-num", "pe-num", "pe-num pe-tiny-hide", "",
        "pe-c-text pe-narrow-hide"])


def baseline_reconciliation(targets: pd.DataFrame, history: pd.DataFrame,
                            indicators: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """One row per base-year value the plan states, with the returns' value for that year.

    ``printed`` keeps the plan's own text (``12.48亿元``) so the values show in its unit. Status ``match`` when they agree within rounding (0.05 percentage points for fractions,
    0.5 % otherwise), ``differs`` when not, ``missing`` when the returns lack the value.
    """
    stated: list[dict[str, Any]] = []
    if len(targets) and "baseline_value" in targets.columns:
        for _, r in targets.iterrows():
            if _missing(r.get("baseline_value")) or _missing(r.get("indicator")):
                continue
            stated.append({"name": r.get("name_zh", ""), "name_en": r.get("name_en", ""),
                           "level": r.get("level"), "indicator": r.get("indicator"),
                           "unit": r.get("unit"), "plan_value": float(r["baseline_value"]),
                           "printed": r.get("baseline_text"), "source": r.get("source", "")})
    if len(history):
        for _, r in history[pd.to_numeric(history["year"], errors="coerce") == base_year].iterrows():
            if _missing(r.get("value")):
                continue
            stated.append({"name": _indicator_name(r.get("indicator"), "zh"),
                           "name_en": _indicator_name(r.get("indicator"), "en"),
                           "level": r.get("level"), "indicator": r.get("indicator"),
                           "unit": r.get("unit"), "plan_value": float(r["value"]),
                           "printed": r.get("value_text"), "source": r.get("source", "")})
    frame = pd.DataFrame(stated)
    if not len(frame):
        return frame
    frame = frame.drop_duplicates(subset=["level", "indicator", "plan_value"])
    observed = {}
    if len(indicators):
        base = indicators[pd.to_numeric(indicators["year"], errors="coerce") == base_year]
        observed = {(str(lv), str(ind)): float(v) for lv, ind, v in
                    zip(base["level"], base["indicator"], base["value"], strict=True)
                    if not _missing(v)}
    values, diffs, statuses = [], [], []
    for _, r in frame.iterrows():
        value = observed.get((str(r["level"]), str(r["indicator"])))
        values.append(value)
        if value is None:
            diffs.append(None)
            statuses.append("missing")
            continue
        diff = value - r["plan_value"]
        tolerance = 0.0005 if r["unit"] == "fraction" else max(0.005 * abs(r["plan_value"]), 0.5)
        diffs.append(diff)
        statuses.append("match" if abs(diff) <= tolerance else "differs")
    frame["returns_value"] = values
    frame["difference"] = diffs
    frame["status"] = statuses
    return frame.reset_index(drop=True)


def series_block(ctx: ReportContext) -> str:
    """Series the plan quotes for the years before the base year (e.g. 2016–2020).

    Values show in the unit the plan prints them in (``12.48亿元``, not 124800 万元), in the
    table and on the chart, so they agree with the caption quoting the plan's source.
    """
    from analysis.figures.charts import figure_html, new_figure, series_chart

    lang = ctx.lang
    history = ctx.tables.get("history", pd.DataFrame())
    parts = [_h(3, t("sub.series", lang))]
    if not len(history):
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    data = history.copy()
    data["year"] = pd.to_numeric(data["year"], errors="coerce")
    data = data[(data["year"] <= ctx.base_year) & data["value"].notna()]
    # a series is one value per year; several facts sharing an indicator are not a series
    groups = [(k, g) for k, g in data.groupby(["indicator", "level"], sort=False)
              if len(g) >= 2 and g["year"].nunique() == len(g)]
    if not groups:
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    for (indicator, level), group in groups:
        unit = group["unit"].dropna().astype(str).iloc[0] if group["unit"].notna().any() else None
        name = _indicator_name(indicator, lang)
        title = f"{name}（{_level_label(level, lang)}）" if lang == "zh" else \
            f"{name} ({_level_label(level, lang)})"
        years = sorted(int(y) for y in group["year"])
        header = [esc(t("col.year", lang))] + [str(y) for y in years]
        texts = group["value_text"] if "value_text" in group.columns else [None] * len(group)
        cells = {int(y): format_as_printed(v, unit, text, lang=lang)
                 for y, v, text in zip(group["year"], group["value"], texts, strict=True)}
        row = [esc(title)] + [esc(cells[y]) for y in years]
        parts.append(html_table(header, [row], cls="pe-series"))
        fig, ax = new_figure(6.0, 2.8)
        points = group[["year", "value"]].copy()
        shown = _common_printed_unit(unit, texts)
        if shown is not None:  # draw in the unit the table and the caption use (亿元)
            points["value"] = pd.to_numeric(points["value"]) / shown.factor
        series_chart(ax, points, title=title, unit=None if shown else unit, lang=lang,
                     value_label=shown.label(lang) if shown else None)
        source = group["source"].dropna().astype(str)
        caption = series_caption(title, points, cells, lang)
        if len(source):
            caption += ("" if lang == "zh" else " ") + t("text.source", lang, source=source.iloc[0])
        parts.append(figure_html(fig, alt=title, caption=caption))
    return "".join(parts)


def series_caption(name: str, points: pd.DataFrame, shown: dict[int, str], lang: str) -> str:
    """A series' one message: from what to what it moved (values as the table shows them)."""
    data = points.assign(year=pd.to_numeric(points["year"]).astype(int),
                         value=pd.to_numeric(points["value"])).sort_values("year")
    first, last = data.iloc[0], data.iloc[-1]
    y0, y1 = int(first["year"]), int(last["year"])
    v0, v1 = float(first["value"]), float(last["value"])
    key = "fig.caption.series.flat" if abs(v1 - v0) <= 1e-9 * max(abs(v0), 1.0) else (
        "fig.caption.series.up" if v1 > v0 else "fig.caption.series.down")
    return t(key, lang, name=name, first=y0, last=y1, v_first=shown.get(y0, format_number(v0)),
             v_last=shown.get(y1, format_number(v1)))


def _common_printed_unit(unit: str | None, texts: Iterable[object]) -> PrintedUnit | None:
    """The unit every value of a series is printed in (亿元), None when they differ or have none."""
    shown = [printed_unit(unit, text) for text in texts]
    first = shown[0] if shown else None
    return first if first and all(u and u.word == first.word for u in shown) else None


def births_block(ctx: ReportContext) -> str:
    """Births since the year before the base year (drive primary entry six years later)."""
    from analysis.figures.charts import figure_html, new_figure, series_chart

    lang = ctx.lang
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    history = ctx.tables.get("history", pd.DataFrame())
    frames = [f[f["indicator"].astype(str) == "births"][["year", "value"]]
              for f in (history, indicators) if len(f) and "indicator" in f.columns]
    parts = [_h(3, t("sub.births", lang))]
    data = pd.concat(frames) if frames else pd.DataFrame(columns=["year", "value"])
    data = data.dropna(subset=["value"]).copy()
    data["year"] = pd.to_numeric(data["year"], errors="coerce").astype("Int64")
    data = data.drop_duplicates("year", keep="last").sort_values("year")
    data = data[(data["year"] >= ctx.base_year - 5) & (data["year"] <= ctx.eval_year)]
    if len(data) < 2:
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    first, last = data.iloc[0], data.iloc[-1]
    change = float(last["value"]) / float(first["value"]) - 1 if float(first["value"]) else 0.0
    parts.append(_p(t("text.births", lang, first=int(first["year"]), last=int(last["year"]),
                      v_first=format_number(first["value"], "persons"),
                      v_last=format_number(last["value"], "persons"),
                      change=format_number(change, "fraction", signed=True))))
    fig, ax = new_figure(6.0, 2.8)
    series_chart(ax, data, title=t("fig.births.title", lang), unit="persons", lang=lang)
    persons = t("unit.persons", lang) if lang == "zh" else ""
    shown = {int(row["year"]): format_number(row["value"], "persons") + persons
             for _, row in data.iterrows()}
    caption = series_caption(_indicator_name("births", lang), data, shown, lang)
    parts.append(figure_html(fig, alt=t("fig.births.title", lang), caption=caption))
    return "".join(parts)


# ---- chapter-4 style blocks

