"""Grading every target of a plan: one row per target of the parsed catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from analysis.core import vocab
from analysis.core.cells import cell_number as _num
from analysis.core.cells import cell_text as _text
from analysis.core.errors import AnalysisError
from analysis.core.formatting import format_number
from analysis.evaluate.drivers import scale_drivers
from analysis.evaluate.grading import grade_scale, grade_target
from analysis.evaluate.labels import MILESTONE_CODES, grade_label, outlook_label
from analysis.evaluate.milestones import _entry_year, milestone_status
from analysis.evaluate.rule import StatusRule, planned_value
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
    "wording", "baseline_text", "midterm_text", "final_text", "planned", "deviation",
    "driver_zh", "driver_en", "reason", "projected", "projected_lo", "projected_hi",
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
    """A value the plan quotes for ``year`` as a target's baseline.

    Matched by the target's own key (the history row's ``target_key``, or a history ``key``
    equal to it) first; by level and indicator only for a specific indicator — a generic id
    (数量, 覆盖率) means a different quantity in each row and is never matched by name.
    """
    if history is None or history.empty or "year" not in history.columns:
        return None
    wanted = [k for k in keys if k]
    by_key: dict[str, float] = {}
    by_level: float | None = None
    match_level = {"level", "indicator"} <= set(history.columns) and bool(level and indicator) \
        and not vocab.is_generic(indicator)
    for record in history.to_dict("records"):
        value = _num(record.get("value"))
        if _num(record.get("year")) != int(year) or value is None:
            continue
        for column in ("target_key", "key"):
            own = _text(record.get(column))
            if own in wanted:
                by_key.setdefault(own, value)
        if match_level and by_level is None and _text(record.get("level")) == level \
                and _text(record.get("indicator")) == indicator:
            by_level = value
    for key in wanted:
        if key in by_key:
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


@dataclass(frozen=True)
class Outlook:
    """The models' view of a target at its deadline: probability met and projected value."""

    probability: float | None = None
    mean: float | None = None
    lo80: float | None = None
    hi80: float | None = None


def _attainment_at(by_key: dict[str, pd.DataFrame], keys: Iterable[str], deadline: int
                   ) -> Outlook:
    """The model outlook of a target at its deadline (``combined`` method first)."""
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
        for record in rows.to_dict("records"):
            found = Outlook(*(_num(record.get(c)) for c in
                              ("probability_met", "mean", "lo80", "hi80")))
            if found.probability is not None or found.mean is not None:
                return found
    return Outlook()


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
    key, parent = _text(row.get("key")), _text(row.get("parent_key"))
    level, indicator = _text(row.get("level")), _text(row.get("indicator"))
    kind, measure = _text(row.get("kind")).lower(), _text(row.get("measure")).lower()
    milestone = kind == "milestone" or measure == "milestone"
    # A milestone is graded from the log: it needs no indicator, so none is looked up.
    direction = _text(row.get("direction")).lower() if milestone else indicator_direction(
        indicator, given=_text(row.get("direction")))
    deadline = _deadline(row.get("deadline"), rule.target_year)
    out: dict[str, object] = {
        name: row.get(name) for name in (
            "key", "chapter", "section", "task", "level", "indicator", "name_zh", "name_en",
            "attribute", "kind", "baseline_text", "midterm_text", "final_text",
        )
    }
    out.update(measure=measure, direction=direction, deadline=deadline,
               wording=_text(row.get("wording")),
               midterm_comparator=_text(row.get("midterm_comparator")),
               midterm_target=_num(row.get("midterm_value")),
               final_target=_num(row.get("final_value")), reason="")
    # A generic id (数量, 覆盖率) is a different quantity in every row: the returns never
    # carry it, so nothing is looked up by its name.
    series = pd.Series(dtype="float64") if milestone or vocab.is_generic(indicator) else \
        lookup.get((level, indicator), pd.Series(dtype="float64"))
    if milestone:
        return _milestone_row(out, row, rule, milestones, key, deadline)
    outlook = _attainment_at(attainment, (key, parent), deadline)
    if kind == "rule" or measure == "rule":
        return _rule_row(out, row, rule, series, history, level, indicator, deadline, outlook)
    return _numeric_row(out, row, rule, series, lookup, history, milestones, outlook)


def _milestone_row(out: dict[str, object], row: pd.Series, rule: StatusRule,
                   milestones: pd.DataFrame | None, key: str, deadline: int) -> dict[str, object]:
    """A milestone graded from the log; past its deadline and not done → ``overdue``."""
    notes = _Notes()
    is_final = rule.is_final_for(deadline)
    status = milestone_status(milestones, key, rule.eval_year,
                              target_quantity=_num(row.get("final_value")))
    code = status.code
    if status.date:
        notes.add(f"最近记录：{status.date}", f"latest log entry: {status.date}")
    if is_final and code != "done":
        notes.add(f"期限为{deadline}年，至{rule.eval_year}年未见完成记录",
                  f"due by {deadline}; no record of completion by {rule.eval_year}")
        code = "overdue"
    out.update(grade=code, actual=status.quantity, tau=rule.tau_until(deadline),
               actual_year=_entry_year(status.date) if status.date else None,
               baseline=_num(row.get("baseline_value")), comparator="",
               expected_progress=None, progress=None, baseline_source="",
               reason="no_log" if code == "no_record" else "")
    return _finish(out, notes, is_final, Outlook(), rule)


def _rule_row(out: dict[str, object], row: pd.Series, rule: StatusRule, series: pd.Series,
              history: pd.DataFrame | None, level: str, indicator: str, deadline: int,
              outlook: Outlook) -> dict[str, object]:
    """A year-by-year rule (逐年只增不减) checked on the returns, gaps filled from history."""
    notes = _Notes()
    is_final = rule.is_final_for(deadline)
    combined = _rule_series(series, _history_series(history, level, indicator),
                            rule.base_year, rule.eval_year)
    result = check_rule(combined, _text(row.get("rule")) or "non_decreasing",
                        years=range(rule.base_year, rule.eval_year + 1))
    notes.add(result.describe("zh"), result.describe("en"))
    if result.holds is None:
        code = "no_data"
    elif not result.holds:
        code = "lagging"
    elif is_final and not result.missing_years:
        code = "achieved"
    else:
        code = "on_track"
    last = combined.dropna()
    out.update(grade=code, tau=rule.tau_until(deadline), comparator=result.rule, progress=None,
               expected_progress=None, baseline=_num(combined.get(rule.base_year)),
               actual=float(last.iloc[-1]) if not last.empty else None,
               actual_year=int(last.index[-1]) if not last.empty else None,
               baseline_source="", reason="no_actual" if code == "no_data" else "")
    return _finish(out, notes, is_final, outlook, rule)


def _numeric_row(out: dict[str, object], row: pd.Series, rule: StatusRule, series: pd.Series,
                 lookup: dict[tuple[str, str], pd.Series], history: pd.DataFrame | None,
                 milestones: pd.DataFrame | None, outlook: Outlook) -> dict[str, object]:
    """A numeric target: level, scale, increase or cumulative."""
    notes = _Notes()
    base_year, eval_year = rule.base_year, rule.eval_year
    key, parent = _text(row.get("key")), _text(row.get("parent_key"))
    level, indicator = _text(row.get("level")), _text(row.get("indicator"))
    measure, deadline = str(out["measure"]), int(out["deadline"])  # type: ignore[call-overload]
    flow = measure in ("increase", "cumulative")
    unit = _text(row.get("unit")) or vocab.unit(indicator)
    baseline, source = _baseline(row, series, history, key, parent, level, indicator, base_year)
    actual, actual_year = _numeric_actual(measure, series, baseline, base_year, eval_year,
                                          notes.zh, notes.en, unit)
    report_baseline = 0.0 if flow else baseline
    if actual is None:
        status = milestone_status(milestones, key, eval_year)
        if status.quantity is not None:
            actual, actual_year = status.quantity, _entry_year(status.date)
            notes.add(f"实际值取自里程碑记录（{status.date}）",
                      f"actual from the milestone log ({status.date})")
    if actual is not None and actual_year is not None and actual_year != eval_year:
        notes.add(f"实际值为{actual_year}年数据（{eval_year}年缺失）",
                  f"actual is the {actual_year} value ({eval_year} missing)")
    if not flow:
        if source in ("returns", "history"):
            notes.add({"returns": "基期值取自统计报表", "history": "基期值取自规划历史数据"}[source],
                      {"returns": "baseline from the returns",
                       "history": "baseline from the plan's history"}[source])
        elif not source:
            notes.add("规划未给出基期值，统计报表和规划历史数据中也没有",
                      "no baseline: the plan prints none and neither the returns nor the "
                      "plan's history give one")
    if measure == "scale":
        return _scale_row(out, row, rule, notes, lookup, outlook, actual=actual,
                          actual_year=actual_year, baseline=baseline, source=source, unit=unit)
    grade = grade_target(
        actual=actual, baseline=report_baseline, final_value=row.get("final_value"),
        final_comparator=_text(row.get("final_comparator")) or "eq",
        direction=str(out["direction"]), midterm_value=row.get("midterm_value"),
        midterm_comparator=_text(row.get("midterm_comparator")) or "eq",
        base_year=base_year, target_year=deadline, eval_year=eval_year,
        midterm_year=rule.midterm_year, band=rule.band, attribute=_text(row.get("attribute")),
        tolerance=rule.tolerance, unit=unit, wording=_text(row.get("wording")),
    )
    code = grade.code
    if code == "lagging" and grade.is_final and deadline < rule.target_year:
        code = "overdue"
        grade.note(f"期限为{deadline}年，到期未达到目标", f"due by {deadline} and not met")
    out.update(grade=code, tau=grade.tau, progress=grade.progress,
               expected_progress=grade.expected, comparator=grade.comparator,
               baseline=report_baseline, actual=actual, actual_year=actual_year,
               baseline_source="" if flow else source,
               reason=_no_grade_reason(code, actual, row.get("final_value"), report_baseline))
    notes.add_all(grade)
    return _finish(out, notes, grade.is_final, outlook, rule)


def _scale_row(out: dict[str, object], row: pd.Series, rule: StatusRule, notes: _Notes,
               lookup: dict[tuple[str, str], pd.Series], outlook: Outlook, *,
               actual: float | None, actual_year: int | None, baseline: float | None,
               source: str, unit: str) -> dict[str, object]:
    """A scale target: the deviation of the actual from the plan's path, with its drivers."""
    deadline = int(out["deadline"])  # type: ignore[call-overload]
    is_final = rule.is_final_for(deadline)
    year = actual_year if actual_year is not None else rule.eval_year
    planned = planned_value(
        baseline=baseline, final=_num(row.get("final_value")), base_year=rule.base_year,
        target_year=deadline, eval_year=min(year, deadline),
        midterm=_num(row.get("midterm_value")), midterm_year=rule.midterm_year)
    grade = grade_scale(actual=actual, planned=planned, tolerance=rule.scale_tolerance,
                        tau=rule.tau_until(deadline), is_final=is_final, unit=unit)
    drivers = scale_drivers(lookup, _text(row.get("level")), rule.base_year, year) \
        if grade.code in ("above_plan", "below_plan", "as_planned") else []
    notes.add_all(grade)
    out.update(grade=grade.code, tau=grade.tau, progress=None, expected_progress=None,
               comparator="approx", baseline=baseline, actual=actual, actual_year=actual_year,
               baseline_source=source, planned=planned, deviation=grade.deviation,
               driver_zh="；".join(d.zh for d in drivers),
               driver_en="; ".join(d.en for d in drivers),
               reason="" if grade.code != "no_data" else (
                   "no_actual" if actual is None else "no_baseline"))
    return _finish(out, notes, is_final, outlook, rule)


def _no_grade_reason(code: str, actual: object, final_value: object, baseline: object) -> str:
    """Why a numeric target has no grade: no numeric target, no actual, or no baseline."""
    if code != "no_data":
        return ""
    if _num(final_value) is None:
        return "no_value"
    if _num(actual) is None:
        return "no_actual"
    return "no_baseline"


class _Notes:
    """Notes of one row in both languages."""

    def __init__(self) -> None:
        self.zh: list[str] = []
        self.en: list[str] = []

    def add(self, zh: str, en: str) -> None:
        self.zh.append(zh)
        self.en.append(en)

    def add_all(self, grade: object) -> None:
        self.zh.extend(getattr(grade, "notes_zh", []))
        self.en.extend(getattr(grade, "notes_en", []))


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
    out: dict[str, object], notes: _Notes, is_final: bool, outlook: Outlook, rule: StatusRule,
) -> dict[str, object]:
    """Labels, outlook and notes of a graded row.

    The outlook agrees with the grade: a target judged at its deadline has none (``closed``);
    a scale target's outlook compares the projection with the planned value; any other
    target's is the probability, computed with the grade's own comparator.
    """
    code = str(out["grade"])
    if is_final:
        outlook_code = "closed"
    elif code in MILESTONE_CODES:
        outlook_code = "unknown"
    elif out.get("measure") == "scale":
        outlook_code = _scale_outlook(outlook.mean, _num(out.get("final_target")),
                                      rule.scale_tolerance)
    else:
        outlook_code = rule.outlook(outlook.probability)
    out.update(
        grade_zh=grade_label(code, "zh", final=is_final),
        grade_en=grade_label(code, "en", final=is_final),
        outlook=outlook_code,
        outlook_zh=outlook_label(outlook_code, "zh"),
        outlook_en=outlook_label(outlook_code, "en"),
        probability_met=None if is_final or out.get("measure") == "scale" else outlook.probability,
        projected=outlook.mean, projected_lo=outlook.lo80, projected_hi=outlook.hi80,
        is_final=is_final,
        note="；".join(notes.zh),
        note_en="; ".join(notes.en),
    )
    for name in ("planned", "deviation", "driver_zh", "driver_en"):
        out.setdefault(name, None if name in ("planned", "deviation") else "")
    return out


def _scale_outlook(mean: float | None, planned: float | None, tolerance: float) -> str:
    """Projected above / within / below the planned final size (``unknown`` without either)."""
    if mean is None or planned is None or not planned:
        return "unknown"
    deviation = (mean - planned) / abs(planned)
    if abs(deviation) <= tolerance:
        return "projected_within"
    return "projected_above" if deviation > 0 else "projected_below"


