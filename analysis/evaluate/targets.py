"""Grading every target of a plan: one row per target of the parsed catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from analysis.core import vocab
from analysis.core.cells import cell_number as _num
from analysis.core.cells import cell_text as _text
from analysis.core.errors import AnalysisError
from analysis.core.formatting import format_number
from analysis.evaluate.grading import grade_target
from analysis.evaluate.labels import MILESTONE_CODES, grade_label, outlook_label
from analysis.evaluate.milestones import _entry_year, milestone_status
from analysis.evaluate.rule import StatusRule
from analysis.evaluate.yearly import check_rule

EVALUATION_COLUMNS: tuple[str, ...] = (
    "key", "chapter", "section", "task", "level", "indicator", "name_zh", "name_en",
    "attribute", "kind", "baseline", "midterm_target", "final_target", "comparator", "actual",
    "actual_year", "tau", "progress", "grade", "grade_zh", "outlook", "outlook_zh",
    "probability_met", "note",
)
"""The columns of ``evaluation.csv`` fixed in docs/contracts.md, in order."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "measure", "direction", "deadline", "midterm_comparator", "expected_progress",
    "is_final", "baseline_source", "grade_en", "outlook_en", "note_en",
)
"""Columns appended after the contract columns (documented in docs/status_rule.md)."""

# --------------------------------------------------------------------------------------------
# The whole plan


def _series_lookup(indicators: pd.DataFrame | None) -> dict[tuple[str, str], pd.Series]:
    """{(level, indicator): value series indexed by int year (sorted, NaN dropped)}."""
    if indicators is None or indicators.empty:
        return {}
    need = {"year", "level", "indicator", "value"}
    missing = need - set(indicators.columns)
    if missing:
        raise AnalysisError("indicators table lacks columns", file="indicators",
                            column=", ".join(sorted(missing)))
    frame = indicators[["year", "level", "indicator", "value"]].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame = frame.dropna(subset=["value", "year"])
    frame["year"] = frame["year"].astype(int)
    frame = frame.drop_duplicates(["level", "indicator", "year"]).sort_values(
        ["level", "indicator", "year"], kind="stable")
    lookup: dict[tuple[str, str], pd.Series] = {}
    for (level, indicator), group in frame.groupby(["level", "indicator"], sort=False):
        lookup[(str(level), str(indicator))] = pd.Series(
            group["value"].to_numpy(dtype="float64"), index=group["year"].to_numpy(dtype=int)
        )
    return lookup


def _history_value(
    history: pd.DataFrame | None, keys: Iterable[str], level: str, indicator: str, year: int
) -> float | None:
    """A value the plan quotes for ``year``: by target key first, then by level and indicator."""
    if history is None or history.empty or "year" not in history.columns:
        return None
    has_key = "key" in history.columns
    has_level = {"level", "indicator"} <= set(history.columns) and bool(level and indicator)
    by_key: dict[str, float] = {}
    by_level: float | None = None
    for record in history.to_dict("records"):
        if _num(record.get("year")) != int(year) or _num(record.get("value")) is None:
            continue
        value = _num(record.get("value"))
        if has_key:
            by_key.setdefault(_text(record.get("key")), value)  # type: ignore[arg-type]
        if has_level and by_level is None and _text(record.get("level")) == level \
                and _text(record.get("indicator")) == indicator:
            by_level = value
    for key in keys:
        if key and key in by_key:
            return by_key[key]
    return by_level


def _history_series(history: pd.DataFrame | None, level: str, indicator: str) -> pd.Series:
    if history is None or history.empty or not {"level", "indicator", "year", "value"} <= set(
        history.columns
    ):
        return pd.Series(dtype="float64")
    hit = history[
        (history["level"].astype(str) == level) & (history["indicator"].astype(str) == indicator)
    ]
    values = pd.to_numeric(hit["value"], errors="coerce")
    years = pd.to_numeric(hit["year"], errors="coerce")
    keep = values.notna() & years.notna()
    series = pd.Series(values[keep].to_numpy(), index=years[keep].astype(int).to_numpy())
    return series[~series.index.duplicated()].sort_index().astype("float64")


def _latest(series: pd.Series, base_year: int, eval_year: int) -> tuple[float, int] | None:
    """The eval-year value, else the latest value after the base year and not after eval_year."""
    if series.empty:
        return None
    window = series[(series.index > base_year) & (series.index <= eval_year)]
    if window.empty:
        return None
    year = int(window.index.max())
    return float(window.loc[year]), year


def _attainment_by_key(attainment: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The models' attainment rows grouped by target key (built once per evaluation)."""
    if attainment is None or attainment.empty or "target_key" not in attainment.columns:
        return {}
    return dict(tuple(attainment.groupby(attainment["target_key"].astype(str), sort=False)))


def _attainment_probability(
    by_key: dict[str, pd.DataFrame], keys: Iterable[str], deadline: int
) -> float | None:
    """The model probability of meeting the target at its deadline (``combined`` method first)."""
    for key in keys:
        if not key or key not in by_key:
            continue
        rows = by_key[key]
        years = pd.to_numeric(rows["year"], errors="coerce") if "year" in rows else None
        if years is not None and (years == deadline).any():
            rows = rows[years == deadline]
        elif years is not None and (years <= deadline).any():
            rows = rows[years == years[years <= deadline].max()]
        if "method" in rows.columns and (rows["method"].astype(str) == "combined").any():
            rows = rows[rows["method"].astype(str) == "combined"]
        for value in rows["probability_met"]:
            if _num(value) is not None:
                return _num(value)
    return None


def evaluate_plan(
    targets: pd.DataFrame,
    indicators: pd.DataFrame | None,
    rule: StatusRule,
    *,
    milestones: pd.DataFrame | None = None,
    attainment: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One graded row per target of the parsed catalogue (the ``evaluation`` schema).

    Every setting (years, band, ≈ tolerance, outlook thresholds) comes from ``rule``, built
    and validated once. The contract columns (:data:`EVALUATION_COLUMNS`) come first, then
    :data:`EXTRA_COLUMNS`.
    """
    if not isinstance(rule, StatusRule):
        raise TypeError("evaluate_plan needs a StatusRule (analysis.evaluate.rule)")
    if "key" not in targets.columns:
        raise AnalysisError("targets table lacks the key column", file="targets", column="key")
    lookup = _series_lookup(indicators)
    attainment_by_key = _attainment_by_key(attainment)
    rows = []
    for index, row in targets.iterrows():
        try:
            rows.append(_evaluate_row(
                row, lookup, rule, milestones=milestones, attainment=attainment_by_key,
                history=history,
            ))
        except AnalysisError as error:
            key = _text(row.get("key")) or index
            raise error.located(file="targets", row=f"{index} (key {key})") from None
    frame = pd.DataFrame(rows, columns=list(EVALUATION_COLUMNS + EXTRA_COLUMNS))
    for name in ("baseline", "midterm_target", "final_target", "actual", "tau", "progress",
                 "probability_met", "expected_progress"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in ("actual_year", "deadline"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
    frame["is_final"] = frame["is_final"].astype(bool)
    return frame


def _evaluate_row(
    row: pd.Series,
    lookup: dict[tuple[str, str], pd.Series],
    rule: StatusRule,
    *,
    milestones: pd.DataFrame | None,
    attainment: dict[str, pd.DataFrame],
    history: pd.DataFrame | None,
) -> dict[str, object]:
    base_year, target_year, eval_year = rule.base_year, rule.target_year, rule.eval_year
    key, parent = _text(row.get("key")), _text(row.get("parent_key"))
    level, indicator = _text(row.get("level")), _text(row.get("indicator"))
    kind, measure = _text(row.get("kind")).lower(), _text(row.get("measure")).lower()
    milestone = kind == "milestone" or measure == "milestone"
    # A milestone is graded from the log: it needs no indicator, so none is looked up.
    direction = _text(row.get("direction")).lower() if milestone else indicator_direction(
        indicator, given=_text(row.get("direction")))
    deadline = _deadline(row.get("deadline"), target_year)
    out: dict[str, object] = {
        name: row.get(name) for name in (
            "key", "chapter", "section", "task", "level", "indicator", "name_zh", "name_en",
            "attribute", "kind",
        )
    }
    out.update(measure=measure, direction=direction, deadline=deadline,
               midterm_comparator=_text(row.get("midterm_comparator")),
               midterm_target=_num(row.get("midterm_value")),
               final_target=_num(row.get("final_value")))
    notes_zh: list[str] = []
    notes_en: list[str] = []
    is_final = rule.is_final_for(deadline)
    tau = rule.tau_until(deadline)
    series = lookup.get((level, indicator), pd.Series(dtype="float64"))

    if milestone:
        status = milestone_status(milestones, key, eval_year,
                                  target_quantity=_num(row.get("final_value")))
        out.update(grade=status.code, actual=status.quantity, tau=tau,
                   actual_year=_entry_year(status.date) if status.date else None,
                   baseline=_num(row.get("baseline_value")), comparator="",
                   expected_progress=None, progress=None, baseline_source="")
        if status.date:
            notes_zh.append(f"最近记录：{status.date}")
            notes_en.append(f"latest log entry: {status.date}")
        if is_final and status.code != "done":
            notes_zh.append(f"已到期限（{deadline}年）但未完成")
            notes_en.append(f"due by {deadline} and not done")
        return _finish(out, notes_zh, notes_en, is_final, None, rule)

    if kind == "rule" or measure == "rule":
        combined = _rule_series(series, _history_series(history, level, indicator),
                                base_year, eval_year)
        result = check_rule(combined, _text(row.get("rule")) or "non_decreasing",
                            years=range(base_year, eval_year + 1))
        notes_zh.append(result.describe("zh"))
        notes_en.append(result.describe("en"))
        if result.holds is None:
            code = "no_data"
        elif not result.holds:
            code = "lagging"
        elif is_final and not result.missing_years:
            code = "achieved"
        else:
            code = "on_track"
        last = combined.dropna()
        out.update(grade=code, tau=tau, comparator=result.rule, progress=None,
                   expected_progress=None, baseline=_num(combined.get(base_year)),
                   actual=float(last.iloc[-1]) if not last.empty else None,
                   actual_year=int(last.index[-1]) if not last.empty else None,
                   baseline_source="")
        return _finish(out, notes_zh, notes_en, is_final,
                       _attainment_probability(attainment, (key, parent), deadline), rule)

    # numeric targets: level, increase, cumulative
    unit = _text(row.get("unit")) or vocab.unit(indicator)
    baseline, source = _baseline(row, series, history, key, parent, level, indicator, base_year)
    actual, actual_year = _numeric_actual(measure, series, baseline, base_year, eval_year,
                                          notes_zh, notes_en, unit)
    report_baseline = 0.0 if measure in ("increase", "cumulative") else baseline
    if actual is None:
        status = milestone_status(milestones, key, eval_year)
        if status.quantity is not None:
            actual, actual_year = status.quantity, _entry_year(status.date)
            notes_zh.append(f"实际值取自里程碑记录（{status.date}）")
            notes_en.append(f"actual from the milestone log ({status.date})")
    if actual is not None and actual_year is not None and actual_year != eval_year:
        notes_zh.append(f"实际值为{actual_year}年数据（{eval_year}年缺失）")
        notes_en.append(f"actual is the {actual_year} value ({eval_year} missing)")
    grade = grade_target(
        actual=actual, baseline=report_baseline, final_value=row.get("final_value"),
        final_comparator=_text(row.get("final_comparator")) or "eq", direction=direction,
        midterm_value=row.get("midterm_value"),
        midterm_comparator=_text(row.get("midterm_comparator")) or "eq",
        base_year=base_year, target_year=deadline, eval_year=eval_year,
        midterm_year=rule.midterm_year, band=rule.band, attribute=_text(row.get("attribute")),
        tolerance=rule.tolerance, unit=unit,
    )
    if source and source != "plan" and measure not in ("increase", "cumulative"):
        notes_zh.append({"returns": "基期值取自统计报表", "history": "基期值取自规划历史数据"}[source])
        notes_en.append({"returns": "baseline from the returns",
                         "history": "baseline from the plan's history"}[source])
    out.update(grade=grade.code, tau=grade.tau, progress=grade.progress,
               expected_progress=grade.expected, comparator=grade.comparator,
               baseline=report_baseline, actual=actual, actual_year=actual_year,
               baseline_source=source if measure not in ("increase", "cumulative") else "")
    return _finish(out, notes_zh + grade.notes_zh, notes_en + grade.notes_en, grade.is_final,
                   _attainment_probability(attainment, (key, parent), deadline), rule)


def _rule_series(
    series: pd.Series, past: pd.Series, base_year: int, eval_year: int
) -> pd.Series:
    """The returns' series for base_year..eval_year, its gaps filled from the plan's history."""
    combined = series.copy()
    for year, value in past.items():
        if year not in combined.index:
            combined.loc[year] = value
    combined = combined.sort_index()
    return combined[(combined.index >= base_year) & (combined.index <= eval_year)]


def _numeric_actual(
    measure: str,
    series: pd.Series,
    baseline: float | None,
    base_year: int,
    eval_year: int,
    notes_zh: list[str],
    notes_en: list[str],
    unit: str | None = None,
) -> tuple[float | None, int | None]:
    """The actual of a numeric target and its year, by measure (notes appended in place).

    ``level``: the eval-year value, else the latest after the base year; ``increase``: that
    value minus the base-year level; ``cumulative``: the sum of the flows after the base year.
    """
    if measure == "cumulative":
        window = series[(series.index > base_year) & (series.index <= eval_year)]
        if window.empty:
            return None, None
        gaps = [y for y in range(base_year + 1, eval_year + 1) if y not in window.index]
        if gaps:
            notes_zh.append("累计值缺少年份：" + "、".join(f"{y}年" for y in gaps))
            notes_en.append("cumulative sum lacks " + ", ".join(str(y) for y in gaps))
        return float(window.sum()), int(window.index.max())
    found = _latest(series, base_year, eval_year)
    if found is None:
        return None, None
    if measure != "increase":
        return found
    if baseline is None:
        notes_zh.append("缺少基期值，无法计算新增量")
        notes_en.append("no base-year level: the increase cannot be computed")
        return None, None
    value, year = found
    notes_zh.append(f"新增量 = {year}年值 {format_number(value, unit)} − 基期值 {format_number(baseline, unit)}")
    notes_en.append(f"increase = {year} value {format_number(value, unit)} − base {format_number(baseline, unit)}")
    return value - baseline, year


def indicator_direction(indicator: str, given: str = "") -> str:
    """A target's direction: ``given`` (the row's) when set, else the vocabulary's.

    The id (both ids of a pair ``a/b``) must be known either way: an unknown id is the
    vocabulary's AnalysisError, never a default direction.
    """
    known = vocab.direction(_text(indicator))
    return given.lower() or known


def _deadline(value: object, target_year: int) -> int:
    """The deadline year: a number, or the first four-digit year in the text; else target_year."""
    number = _num(value)
    if number is not None:
        return int(number)
    match = re.search(r"(\d{4})", _text(value))
    return int(match.group(1)) if match else int(target_year)


def _baseline(
    row: pd.Series,
    series: pd.Series,
    history: pd.DataFrame | None,
    key: str,
    parent: str,
    level: str,
    indicator: str,
    base_year: int,
) -> tuple[float | None, str]:
    """The baseline and where it came from: the printed value, the returns, the plan's history."""
    printed = _num(row.get("baseline_value"))
    if printed is not None:
        return printed, "plan"
    if base_year in series.index and _num(series.loc[base_year]) is not None:
        return float(series.loc[base_year]), "returns"
    quoted = _history_value(history, (key, parent), level, indicator, base_year)
    if quoted is not None:
        return quoted, "history"
    return None, ""


def _finish(
    out: dict[str, object],
    notes_zh: list[str],
    notes_en: list[str],
    is_final: bool,
    probability: float | None,
    rule: StatusRule,
) -> dict[str, object]:
    code = str(out["grade"])
    outlook = "unknown" if code in MILESTONE_CODES else rule.outlook(probability)
    out.update(
        grade_zh=grade_label(code, "zh", final=is_final),
        grade_en=grade_label(code, "en", final=is_final),
        outlook=outlook,
        outlook_zh=outlook_label(outlook, "zh"),
        outlook_en=outlook_label(outlook, "en"),
        probability_met=probability,
        is_final=is_final,
        note="；".join(notes_zh),
        note_en="; ".join(notes_en),
    )
    return out


