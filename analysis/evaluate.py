"""The status rule: one graded row per target of a plan (see ``docs/status_rule.md``).

Everything here is pure: DataFrames and numbers in, DataFrames and dataclasses out; the only
side effect is :func:`write_evaluation_csv`. The rule in brief:

* time progress ``τ = (eval_year − base_year) / (deadline − base_year)`` clipped to [0, 1];
* indicator progress ``p = (actual − baseline) / (target − baseline)`` (the sign of the
  denominator makes it direction-aware: a lower-is-better target has target < baseline);
* expected progress ``e`` is ``τ``, or — when the plan prints a mid-term value — the share of
  the way the plan's own path (baseline → mid-term value → final value, linear between the
  printed years) has gone by the evaluation year;
* grades ``achieved`` (final target met; a target already met at baseline only counts as
  ``on_track`` before its deadline), ``ahead`` (p ≥ e + band), ``on_track`` (|p − e| < band,
  the printed mid-term value met, or a level met at baseline still held), ``lagging``
  (p < e − band, a held level lost, a rule broken), ``no_data``;
* at or after a target's deadline the same codes carry the final-evaluation words
  已完成 / 超出目标 / 基本完成 / 未完成, and a binding (约束性) target not met is ``lagging``.

Labels for every code (zh/en, mid-term and final wording) live in ``resources/grades.csv``.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.cells import cell_number as _num
from analysis.cells import cell_text as _text
from analysis.comparators import (  # noqa: F401 - part of this module's API
    APPROX_TOLERANCE,
    COMPARATORS,
    DIRECTIONS,
    meets,
    resolve_comparator,
)
from analysis.errors import AnalysisError
from analysis.paths import RESOURCES

GRADES_FILE: Path = RESOURCES / "grades.csv"

DEFAULT_BAND: float = 0.05
"""Half-width of the "broadly on track" band, in units of progress (5 percentage points)."""

OUTLOOK_LIKELY: float = 0.8
"""Probability of meeting the final target at or above which the outlook is ``likely``."""

OUTLOOK_AT_RISK: float = 0.4
"""Probability at or above which (and below OUTLOOK_LIKELY) the outlook is ``at_risk``."""

GRADE_CODES: tuple[str, ...] = ("achieved", "ahead", "on_track", "lagging", "no_data")
OUTLOOK_CODES: tuple[str, ...] = ("likely", "at_risk", "unlikely", "unknown")
MILESTONE_CODES: tuple[str, ...] = ("done", "in_progress", "not_started", "no_record")
BINDING = "约束性"

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

RULES: tuple[str, ...] = ("non_decreasing", "increasing", "non_increasing", "decreasing")
_RULE_ALIASES: dict[str, str] = {
    "non_decreasing": "non_decreasing", "逐年只增不减": "non_decreasing", "只增不减": "non_decreasing",
    "逐年不减": "non_decreasing", "不降低": "non_decreasing",
    "increasing": "increasing", "逐年增长": "increasing", "逐年提高": "increasing",
    "逐年增加": "increasing",
    "non_increasing": "non_increasing", "逐年只减不增": "non_increasing", "逐年不增": "non_increasing",
    "decreasing": "decreasing", "逐年下降": "decreasing", "逐年减少": "decreasing",
    "逐年降低": "decreasing",
}
_RULE_WORDS: dict[str, tuple[str, str]] = {
    "non_decreasing": ("逐年只增不减", "no decrease year on year"),
    "increasing": ("逐年增长", "an increase every year"),
    "non_increasing": ("逐年只减不增", "no increase year on year"),
    "decreasing": ("逐年下降", "a decrease every year"),
}

_MILESTONE_ALIASES: dict[str, str] = {
    "done": "done", "completed": "done", "complete": "done", "achieved": "done", "已完成": "done",
    "完成": "done",
    "in_progress": "in_progress", "in progress": "in_progress", "ongoing": "in_progress",
    "started": "in_progress", "推进中": "in_progress", "进行中": "in_progress",
    "not_started": "not_started", "not started": "not_started", "planned": "not_started",
    "未启动": "not_started", "计划中": "not_started",
}


# --------------------------------------------------------------------------------------------
# Labels


@lru_cache(maxsize=1)
def status_labels() -> pd.DataFrame:
    """The label table ``resources/grades.csv``: ``family, code, zh, en, zh_final, en_final``."""
    table = pd.read_csv(GRADES_FILE, dtype=str, keep_default_na=False, encoding="utf-8")
    if table["code"].duplicated().any():
        dup = table.loc[table["code"].duplicated(), "code"].iloc[0]
        raise AnalysisError("duplicate status code", file=GRADES_FILE, column="code", text=dup)
    return table


@lru_cache(maxsize=1)
def _label_index() -> dict[str, dict[str, str]]:
    """``code → row`` of the label table (codes are unique), for fast repeated look-ups."""
    return {row["code"]: row for row in status_labels().to_dict("records")}


def _label(code: str, lang: str, final: bool, family: str | None) -> str:
    if lang not in ("zh", "en"):
        raise AnalysisError("unknown label language (use zh or en)", column="lang", text=lang)
    row = _label_index().get(code)
    if row is None or (family is not None and row["family"] != family):
        raise AnalysisError("unknown status code", file=GRADES_FILE, column="code", text=code)
    column = f"{lang}_final" if final else lang
    return str(row[column])


def grade_label(code: str, lang: str = "zh", final: bool = False) -> str:
    """The label of a grade code (or of a milestone code, which milestone rows carry as grade).

    ``final=True`` gives the final-evaluation wording (已完成 / 超出目标 / 基本完成 / 未完成).
    """
    return _label(code, lang, final, None if code in MILESTONE_CODES else "grade")


def outlook_label(code: str, lang: str = "zh") -> str:
    """The label of an outlook code (``likely`` 预计能完成 …)."""
    return _label(code, lang, False, "outlook")


def milestone_label(code: str, lang: str = "zh") -> str:
    """The label of a milestone code (``done`` 已完成 …)."""
    return _label(code, lang, False, "milestone")


# --------------------------------------------------------------------------------------------
# Small pieces of the rule


def time_progress(base_year: int, target_year: int, eval_year: int) -> float:
    """τ = (eval_year − base_year) / (target_year − base_year), clipped to [0, 1].

    >>> time_progress(2020, 2025, 2023)
    0.6
    """
    if int(target_year) <= int(base_year):
        raise AnalysisError(
            f"target year {target_year} is not after base year {base_year}",
            column="target_year",
            text=target_year,
        )
    tau = (int(eval_year) - int(base_year)) / (int(target_year) - int(base_year))
    return min(1.0, max(0.0, tau))


def default_midterm_year(base_year: int, target_year: int) -> int:
    """The mid-term year when the plan does not say: base + ⌈(target − base) / 2⌉ (2020→2025: 2023)."""
    span = int(target_year) - int(base_year)
    return int(base_year) + (span + 1) // 2


def expected_progress(
    *,
    baseline: float,
    final: float,
    base_year: int,
    target_year: int,
    eval_year: int,
    midterm: float | None = None,
    midterm_year: int | None = None,
) -> float:
    """The progress expected by ``eval_year``: τ, or the plan's own path when it prints a mid-term value.

    The path runs linearly from (base_year, baseline) to (midterm_year, midterm) and on to
    (target_year, final); the expected progress is (path value − baseline) / (final − baseline).
    At the mid-term year this is (midterm − baseline) / (final − baseline).
    """
    tau = time_progress(base_year, target_year, eval_year)
    if (
        midterm is None
        or midterm_year is None
        or not int(base_year) < int(midterm_year) < int(target_year)
        or math.isclose(final, baseline, rel_tol=1e-12, abs_tol=1e-15)
    ):
        return tau
    if eval_year >= target_year:
        return 1.0
    if eval_year <= base_year:
        return 0.0
    if eval_year <= midterm_year:
        share = (eval_year - base_year) / (midterm_year - base_year)
        path = baseline + (midterm - baseline) * share
    else:
        share = (eval_year - midterm_year) / (target_year - midterm_year)
        path = midterm + (final - midterm) * share
    return (path - baseline) / (final - baseline)


def outlook_from_probability(probability: object) -> str:
    """``likely`` (p ≥ 0.8), ``at_risk`` (0.4 ≤ p < 0.8), ``unlikely`` (p < 0.4), ``unknown`` (none)."""
    p = _num(probability)
    if p is None:
        return "unknown"
    if not 0.0 <= p <= 1.0:
        raise AnalysisError("a probability must lie in [0, 1]", column="probability_met", text=p)
    if p >= OUTLOOK_LIKELY:
        return "likely"
    if p >= OUTLOOK_AT_RISK:
        return "at_risk"
    return "unlikely"


# --------------------------------------------------------------------------------------------
# Rules checked year by year


@dataclass(frozen=True)
class RuleResult:
    """The outcome of a year-by-year rule such as 逐年只增不减.

    ``holds`` is None when fewer than two years have a value. ``broken_years`` lists each year
    whose value broke the rule against the previous year with a value; ``missing_years`` the
    years inside the checked span without a value (the comparison then skips over them).
    """

    rule: str
    holds: bool | None
    years: tuple[int, ...]
    broken_years: tuple[int, ...] = ()
    missing_years: tuple[int, ...] = ()

    def describe(self, lang: str = "zh") -> str:
        """One sentence naming the rule, the years checked and any breaks or gaps."""
        zh_rule, en_rule = _RULE_WORDS[self.rule]
        if self.holds is None:
            return (
                f"“{zh_rule}”：有数据的年份不足两年，无法检查"
                if lang == "zh"
                else f"rule '{en_rule}': fewer than two years with data, cannot be checked"
            )
        span = f"{self.years[0]}–{self.years[-1]}"
        if lang == "zh":
            text = f"“{zh_rule}”（{span}年）：" + (
                "逐年检查均符合" if self.holds
                else "未符合的年份：" + "、".join(f"{y}年" for y in self.broken_years)
            )
            if self.missing_years:
                text += "；缺少数据：" + "、".join(f"{y}年" for y in self.missing_years)
            return text
        text = f"rule '{en_rule}' ({span}): " + (
            "held every year" if self.holds
            else "broken in " + ", ".join(str(y) for y in self.broken_years)
        )
        if self.missing_years:
            text += "; no data for " + ", ".join(str(y) for y in self.missing_years)
        return text


def normalise_rule(rule: object) -> str:
    """The rule code (``non_decreasing`` …) for a code or the plan's Chinese words (逐年只增不减)."""
    text = _text(rule)
    code = _RULE_ALIASES.get(text) or _RULE_ALIASES.get(text.lower())
    if code is None:
        for words, alias in _RULE_ALIASES.items():
            if not words.isascii() and words in text:
                return alias
        raise AnalysisError(
            f"unknown rule (use one of {', '.join(RULES)} or 逐年只增不减 / 逐年增长 / 逐年下降)",
            column="rule",
            text=rule,
        )
    return code


def check_rule(
    series: pd.Series | Mapping[int, float],
    rule: str,
    *,
    years: Iterable[int] | None = None,
) -> RuleResult:
    """Check a year-by-year rule on a series indexed by year.

    Each year with a value is compared with the previous year that has a value:
    ``non_decreasing`` breaks when a value is lower (equal values are allowed, with a
    relative tolerance of 1e-9), ``increasing`` when it is not higher, ``non_increasing`` /
    ``decreasing`` likewise the other way. ``years`` (e.g. ``range(base_year, eval_year + 1)``)
    fixes the span checked and lets missing years be listed.
    """
    code = normalise_rule(rule)
    data = pd.Series(series, dtype="float64") if not isinstance(series, pd.Series) else series
    values = {int(y): float(v) for y, v in data.items() if _num(v) is not None}
    span = sorted({int(y) for y in years}) if years is not None else sorted(values)
    present = [y for y in span if y in values]
    missing = tuple(y for y in span if y not in values)
    if len(present) < 2:
        return RuleResult(code, None, tuple(span), (), missing)
    broken: list[int] = []
    for previous, year in zip(present, present[1:], strict=False):
        before, now = values[previous], values[year]
        equal = math.isclose(before, now, rel_tol=1e-9, abs_tol=1e-12)
        ok = {
            "non_decreasing": equal or now > before,
            "increasing": not equal and now > before,
            "non_increasing": equal or now < before,
            "decreasing": not equal and now < before,
        }[code]
        if not ok:
            broken.append(year)
    return RuleResult(code, not broken, tuple(span), tuple(broken), missing)


# --------------------------------------------------------------------------------------------
# Milestones


@dataclass(frozen=True)
class MilestoneStatus:
    """The status of one milestone at the evaluation year, from the hand-kept log."""

    code: str
    date: str = ""
    quantity: float | None = None
    source: str = ""


def _entry_year(date: object, *, row: object = None) -> int:
    if isinstance(date, pd.Timestamp):
        return int(date.year)
    match = re.match(r"\s*(\d{4})", _text(date))
    if not match:
        raise AnalysisError(
            "milestone date must start with a four-digit year (e.g. 2022 or 2022-06-30)",
            file="milestones",
            row=row,
            column="date",
            text=date,
        )
    return int(match.group(1))


def normalise_milestone_status(status: object, *, row: object = None) -> str:
    """``done`` / ``in_progress`` / ``not_started`` for the log's words (planned → not_started)."""
    text = _text(status)
    code = _MILESTONE_ALIASES.get(text.lower()) or _MILESTONE_ALIASES.get(text)
    if code is None:
        raise AnalysisError(
            "unknown milestone status (use done, in_progress, not_started or planned)",
            file="milestones",
            row=row,
            column="status",
            text=status,
        )
    return code


def _log_quantity(value: object, *, row: object = None) -> float | None:
    """A logged quantity: a number, or text such as "9所" read by analysis.numbers."""
    if isinstance(value, str) and value.strip():
        from analysis.numbers import parse_quantity

        try:
            parsed = parse_quantity(value)
        except AnalysisError as error:
            raise error.located(file="milestones", row=row, column="quantity") from None
        return parsed.value if parsed.is_number else None
    return _num(value)


#: Log statuses whose quantity is an amount already reached (not a plan).
ACHIEVED_STATUSES = frozenset({"done", "in_progress"})


def milestone_status(
    log: pd.DataFrame | None,
    key: str,
    eval_year: int,
    *,
    target_quantity: float | None = None,
) -> MilestoneStatus:
    """The status of milestone ``key`` from the log entries dated on or before ``eval_year``.

    The latest entry (by date; the later row among equal dates) gives the status; none gives
    ``no_record``. A quantity counts as achieved only on an entry that is ``done`` or
    ``in_progress`` (the amount reached by that date); the quantity of a planned or not-started
    entry is what is planned, never an actual. The returned quantity is the latest achieved
    quantity on or before ``eval_year`` (the actual of a count target); when
    ``target_quantity`` is given and it reaches it, the milestone is ``done``.
    """
    if log is None or log.empty or "target_key" not in log.columns:
        return MilestoneStatus("no_record")
    rows = log[log["target_key"].astype(str) == str(key)]
    entries: list[tuple[int, str, int, pd.Series]] = []
    for position, (index, row) in enumerate(rows.iterrows()):
        year = _entry_year(row.get("date"), row=index)
        if year <= int(eval_year):
            entries.append((year, _text(row.get("date")), position, row))
    if not entries:
        return MilestoneStatus("no_record")
    entries.sort(key=lambda item: (item[0], item[1], item[2]))
    _, date, _, latest = entries[-1]
    quantity = None
    for _, _, _, row in reversed(entries):
        status = _text(row.get("status"))
        if status and normalise_milestone_status(status, row=row.name) not in ACHIEVED_STATUSES:
            continue
        quantity = _log_quantity(row.get("quantity"), row=row.name)
        if quantity is not None:
            break
    status_text = _text(latest.get("status"))
    code = normalise_milestone_status(status_text, row=latest.name) if status_text else "no_record"
    if target_quantity is not None and quantity is not None and quantity >= target_quantity:
        code = "done"
    return MilestoneStatus(code, date, quantity, _text(latest.get("source")))


# --------------------------------------------------------------------------------------------
# One target


@dataclass
class Grade:
    """The graded status of one numeric target (what :func:`grade_target` returns)."""

    code: str
    tau: float
    expected: float = float("nan")
    progress: float = float("nan")
    comparator: str = ""
    is_final: bool = False
    maintain: bool = False
    notes_zh: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)

    def note(self, zh: str, en: str) -> None:
        """Add a note in both languages."""
        self.notes_zh.append(zh)
        self.notes_en.append(en)


def _fmt(value: float, unit: str | None = None) -> str:
    """A number for a note: a fraction unit as a percentage, else plain digits (no 1e+04)."""
    if _text(unit) in ("fraction", "%", "percent"):
        return f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def grade_target(
    *,
    actual: float | None,
    baseline: float | None,
    final_value: float | None,
    final_comparator: str | None = "eq",
    direction: str | None = "higher",
    midterm_value: float | None = None,
    midterm_comparator: str | None = None,
    base_year: int,
    target_year: int,
    eval_year: int,
    midterm_year: int | None = None,
    band: float = DEFAULT_BAND,
    attribute: str | None = None,
    tolerance: float = APPROX_TOLERANCE,
    unit: str | None = None,
) -> Grade:
    """Grade one numeric target; ``target_year`` is the target's own deadline.

    Branches, in order (docs/status_rule.md has the full text):

    1. no final target or no actual → ``no_data``;
    2. the baseline already meets the final target ("maintain"): held → ``on_track`` before
       the deadline, ``achieved`` at it; not held → ``lagging`` (progress is not defined);
    3. the final target is met → ``achieved``;
    4. no baseline → ``no_data`` (before the deadline) / ``lagging`` (at it);
    5. p ≥ e + band → ``ahead``; p ≥ e − band, or the printed mid-term value met in the
       mid-term year → ``on_track``; else ``lagging``; at the deadline e = 1 and a binding
       (约束性) target that is not met is ``lagging``.

    ``unit`` only affects how numbers are written in the notes (``fraction`` → percent).
    """
    if not 0 <= band < 1:
        raise AnalysisError("band must lie in [0, 1)", column="band", text=band)
    actual, baseline = _num(actual), _num(baseline)
    final_value, midterm_value = _num(final_value), _num(midterm_value)
    deadline = int(target_year)
    if final_value is None and midterm_value is not None and midterm_year is not None:
        final_value, final_comparator = midterm_value, midterm_comparator
        deadline, midterm_value = int(midterm_year), None
    tau = time_progress(base_year, deadline, eval_year) if deadline > base_year else 1.0
    grade = Grade("no_data", tau, is_final=int(eval_year) >= deadline)
    if final_value is None:
        grade.note("规划未给出可量化的目标值", "the plan gives no numeric target")
        return grade
    comparator = resolve_comparator(final_comparator, direction)
    grade.comparator = comparator
    if actual is None:
        grade.note("缺少实际值", "no actual value")
        return grade
    met = meets(actual, final_value, comparator, tolerance=tolerance)
    if baseline is not None and meets(baseline, final_value, comparator, tolerance=tolerance):
        grade.maintain = True
        if met:
            grade.code = "achieved" if grade.is_final else "on_track"
            grade.note("基期已达到目标，保持至今", "target already met at baseline and still held")
        else:
            grade.code = "lagging"
            if comparator == "approx":
                above = actual > final_value
                grade.note(
                    f"基期已在目标区间内，现{'高于' if above else '低于'}目标区间"
                    f"（{_fmt(final_value, unit)}±{tolerance * 100:g}%）",
                    f"within the target range at baseline, now {'above' if above else 'below'} "
                    f"it ({_fmt(final_value, unit)} ± {tolerance * 100:g}%)",
                )
            else:
                grade.note("基期已达到目标，但未能保持", "target met at baseline but no longer held")
        return grade
    binding = _text(attribute) == BINDING
    if baseline is not None and not math.isclose(
        final_value, baseline, rel_tol=1e-12, abs_tol=1e-15
    ):
        grade.progress = (actual - baseline) / (final_value - baseline)
        grade.expected = (
            1.0
            if grade.is_final
            else expected_progress(
                baseline=baseline, final=final_value, base_year=base_year,
                target_year=deadline, eval_year=eval_year, midterm=midterm_value,
                midterm_year=midterm_year,
            )
        )
    if met:
        grade.code = "achieved"
        return grade
    if baseline is None or math.isnan(grade.progress):
        if grade.is_final:
            grade.code = "lagging"
            grade.note("到期未达到目标", "target not met by its deadline")
        else:
            grade.note(
                "缺少基期值，无法计算进度" if baseline is None else "目标值等于基期值，无法计算进度",
                "no baseline: progress cannot be computed" if baseline is None
                else "target equals baseline: progress cannot be computed",
            )
        return grade
    p, e = grade.progress, grade.expected
    midterm_met = False
    if (
        not grade.is_final
        and midterm_value is not None
        and midterm_year is not None
        and int(eval_year) == int(midterm_year)
    ):
        midterm_met = meets(
            actual, midterm_value, resolve_comparator(midterm_comparator, direction),
            tolerance=tolerance,
        )
        shown = _fmt(midterm_value, unit)
        grade.note(
            f"对照规划中期值 {shown}：" + ("已达到" if midterm_met else "未达到"),
            f"plan's mid-term value {shown}: " + ("met" if midterm_met else "not met"),
        )
    if p >= e + band - 1e-12:
        grade.code = "ahead"
        if comparator == "approx" and p > 1:
            grade.note("超出目标区间", "beyond the approximate target's range")
    elif grade.is_final and binding:
        grade.code = "lagging"
        grade.note("约束性指标到期未达到目标", "binding target not met by its deadline")
    elif midterm_met or p >= e - band - 1e-12:
        grade.code = "on_track"
    else:
        grade.code = "lagging"
    if grade.code == "lagging" and binding and not grade.is_final:
        grade.note("约束性指标滞后", "binding target lagging")
    return grade


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
    *,
    base_year: int,
    target_year: int,
    eval_year: int,
    band: float = DEFAULT_BAND,
    milestones: pd.DataFrame | None = None,
    attainment: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    midterm_year: int | None = None,
    tolerance: float = APPROX_TOLERANCE,
) -> pd.DataFrame:
    """One graded row per target of the parsed catalogue (the ``evaluation`` schema).

    ``midterm_year`` is the year of the plan's mid-term column (plan.yaml); by default
    :func:`default_midterm_year`. The contract columns (:data:`EVALUATION_COLUMNS`) come first,
    then :data:`EXTRA_COLUMNS`.
    """
    base_year, target_year, eval_year = int(base_year), int(target_year), int(eval_year)
    if not base_year < eval_year <= target_year:
        raise AnalysisError(
            f"evaluation year must lie after the base year {base_year} and not after the "
            f"target year {target_year}",
            column="eval_year",
            text=eval_year,
        )
    if not 0 <= band < 1:
        raise AnalysisError("band must lie in [0, 1) (0.05 = 5 points of progress)",
                            column="band", text=band)
    if "key" not in targets.columns:
        raise AnalysisError("targets table lacks the key column", file="targets", column="key")
    mid_year = int(midterm_year) if midterm_year else default_midterm_year(base_year, target_year)
    lookup = _series_lookup(indicators)
    attainment_by_key = _attainment_by_key(attainment)
    rows = []
    for index, row in targets.iterrows():
        try:
            rows.append(_evaluate_row(
                row, lookup, base_year=base_year, target_year=target_year, eval_year=eval_year,
                band=band, milestones=milestones, attainment=attainment_by_key,
                history=history, midterm_year=mid_year, tolerance=tolerance,
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
    *,
    base_year: int,
    target_year: int,
    eval_year: int,
    band: float,
    milestones: pd.DataFrame | None,
    attainment: dict[str, pd.DataFrame],
    history: pd.DataFrame | None,
    midterm_year: int,
    tolerance: float,
) -> dict[str, object]:
    key, parent = _text(row.get("key")), _text(row.get("parent_key"))
    level, indicator = _text(row.get("level")), _text(row.get("indicator"))
    kind, measure = _text(row.get("kind")).lower(), _text(row.get("measure")).lower()
    direction = _text(row.get("direction")).lower() or indicator_direction(indicator)
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
    is_final = eval_year >= deadline
    tau = time_progress(base_year, deadline, eval_year) if deadline > base_year else 1.0
    series = lookup.get((level, indicator), pd.Series(dtype="float64"))

    if kind == "milestone" or measure == "milestone":
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
        return _finish(out, notes_zh, notes_en, is_final, None)

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
                       _attainment_probability(attainment, (key, parent), deadline))

    # numeric targets: level, increase, cumulative
    unit = _text(row.get("unit")) or indicator_unit(indicator)
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
        midterm_year=midterm_year, band=band, attribute=_text(row.get("attribute")),
        tolerance=tolerance, unit=unit,
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
                   _attainment_probability(attainment, (key, parent), deadline))


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
    notes_zh.append(f"新增量 = {year}年值 {_fmt(value, unit)} − 基期值 {_fmt(baseline, unit)}")
    notes_en.append(f"increase = {year} value {_fmt(value, unit)} − base {_fmt(baseline, unit)}")
    return value - baseline, year


@lru_cache(maxsize=1)
def _vocabulary() -> pd.DataFrame:
    table = pd.read_csv(RESOURCES / "indicators.csv", dtype=str, keep_default_na=False)
    return table.drop_duplicates("indicator").set_index("indicator")


def _vocabulary_directions() -> dict[str, str]:
    return _vocabulary()["direction"].to_dict()


def indicator_unit(indicator: str) -> str:
    """The canonical unit of an indicator id (``fraction``, ``persons`` …); empty if unknown."""
    first = _text(indicator).split("/")[0].strip()
    table = _vocabulary()
    return str(table.at[first, "unit"]) if first in table.index else ""


def indicator_direction(indicator: str) -> str:
    """The canonical direction of an indicator id (``resources/indicators.csv``); ``higher`` if unknown.

    For a pair id ``a/b`` the first id decides.
    """
    first = _text(indicator).split("/")[0].strip()
    return _vocabulary_directions().get(first) or "higher"


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
) -> dict[str, object]:
    code = str(out["grade"])
    outlook = "unknown" if code in MILESTONE_CODES else outlook_from_probability(probability)
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


# --------------------------------------------------------------------------------------------
# The method note every report carries


_NOTE_PARTS: dict[str, dict[str, str]] = {
    "zh": {
        "intro": (
            "本报告按统一规则判定各项指标的进展（完整规则见 docs/status_rule.md）。"
            "时间进度 τ =（评估年 − 基期年）÷（目标年 − 基期年），{eval_year}年评估时 τ = {tau:.2f}。"
            "指标进度 p =（实际值 − 基期值）÷（目标值 − 基期值），对越低越好的指标同样适用。"
        ),
        "path": (
            "规划列出{midterm_year}年中期值的，以规划自身的进度路径（基期值→中期值→目标值，逐段线性）"
            "计算应达进度，并在{midterm_year}年直接对照中期值。"
        ),
        "grades": (
            "判定：已达到最终目标为“{achieved}”；指标进度高于应达进度{band_pts}个百分点及以上为"
            "“{ahead}”；与应达进度相差不足{band_pts}个百分点、达到规划中期值，或基期已达标且保持至今的，"
            "为“{on_track}”；低于应达进度{band_pts}个百分点以上、基期达标但未能保持、或“逐年只增不减”"
            "等要求有年份未达到的，为“{lagging}”；缺少实际值的为“{no_data}”。"
        ),
        "grades_final": (
            "终期判定：到期达到目标（基期已达标的须保持至今，“逐年只增不减”等要求须逐年符合）为"
            "“{achieved}”；未达到但指标进度不低于{floor_pct}%的预期性指标为“{on_track}”；"
            "其余为“{lagging}”，约束性指标未达到目标一律为“{lagging}”；“左右”类目标超出目标区间且"
            "指标进度达{ceil_pct}%及以上的为“{ahead}”；缺少实际值的为“{no_data}”。"
        ),
        "reading": (
            "“以上”“以下”按含本数理解，“大于”“小于”不含本数；“左右”“约”按目标值±{tol_pct}%理解；"
            "只写数值的，越高越好的指标按“不低于”、越低越好的按“不高于”理解。"
            "实际值取评估年数据，缺失时取最近年份并注明。"
        ),
        "final_words": (
            "终期评估（{target_year}年）使用“已完成 / 基本完成 / 未完成”表述；"
            "期限不晚于评估年的事项在本报告中即按终期表述判定。"
        ),
        "outlook": (
            "完成前景依据模型估计的到期达标概率：{likely_p}及以上为“预计能完成”，"
            "{risk_p}至{likely_p}为“有风险”，低于{risk_p}为“难以完成”。"
        ),
        "milestones": "里程碑事项按工作记录分为“已完成 / 推进中 / 未启动 / 无记录”。",
    },
    "en": {
        "intro": (
            "Every indicator is graded by one rule (docs/status_rule.md has it in full). Time "
            "progress τ = (evaluation year − base year) / (target year − base year); in "
            "{eval_year} τ = {tau:.2f}. Indicator progress p = (actual − baseline) / (target − "
            "baseline), which also works for lower-is-better indicators. "
        ),
        "path": (
            "Where the plan prints a {midterm_year} mid-term value, the expected progress follows "
            "the plan's own path (baseline → mid-term value → target, linear in between) and in "
            "{midterm_year} the actual is also compared with the mid-term value directly. "
        ),
        "grades": (
            "Grades: final target already met — '{achieved}'; p at least {band_pts} points above "
            "the expected progress — '{ahead}'; within {band_pts} points, the mid-term value met, "
            "or a target met at baseline still held — '{on_track}'; more than {band_pts} points "
            "below, a held level lost, or a year-by-year rule such as 逐年只增不减 broken — "
            "'{lagging}'; no actual value — '{no_data}'. "
        ),
        "grades_final": (
            "Final grades: target met by its deadline (a level met at baseline still held, a "
            "year-by-year rule kept every year) — '{achieved}'; an expected (预期性) target not "
            "met but with progress of at least {floor_pct}% — '{on_track}'; otherwise, and "
            "always for a binding (约束性) target not met — '{lagging}'; an approximate (左右) "
            "target overshot, with progress of {ceil_pct}% or more — '{ahead}'; no actual value — "
            "'{no_data}'. "
        ),
        "reading": (
            "以上 / 以下 include the threshold, 大于 / 小于 do not; 左右 / 约 mean within "
            "±{tol_pct}% of the target; a plain number means at least (higher-is-better) or at "
            "most (lower-is-better). The actual is the evaluation year's value, else the latest "
            "year (shown). "
        ),
        "final_words": (
            "The final evaluation ({target_year}) says achieved / largely achieved / not "
            "achieved; targets whose deadline is not after the evaluation year are judged "
            "with those words here. "
        ),
        "outlook": (
            "The outlook comes from the models' probability of meeting the target by its "
            "deadline: {likely_p} or more — likely; {risk_p} to {likely_p} — at risk; below "
            "{risk_p} — unlikely. "
        ),
        "milestones": (
            "Milestones are done / in progress / not started / no record from the work log."
        ),
    },
}


def method_note(
    lang: str = "zh",
    *,
    band: float = DEFAULT_BAND,
    base_year: int = 2020,
    target_year: int = 2025,
    eval_year: int | None = None,
    midterm_year: int | None = None,
    tolerance: float = APPROX_TOLERANCE,
) -> str:
    """The short method note (方法说明) every report shows, with the band and years filled in.

    Plain text (not HTML-escaped). When ``eval_year >= target_year`` the note describes the
    final evaluation (已完成 / 基本完成 / 未完成) and leaves out the mid-term path and outlook.
    """
    if lang not in ("zh", "en"):
        raise AnalysisError("unknown label language (use zh or en)", column="lang", text=lang)
    mid = int(midterm_year) if midterm_year else default_midterm_year(base_year, target_year)
    year = int(eval_year) if eval_year else mid
    final = year >= int(target_year)
    parts = _NOTE_PARTS[lang]
    order = (
        ("intro", "grades_final", "reading", "milestones") if final
        else ("intro", "path", "grades", "reading", "final_words", "outlook", "milestones")
    )
    labels = {code: grade_label(code, lang, final=final) for code in GRADE_CODES}
    values = {
        "eval_year": year, "tau": time_progress(base_year, target_year, year),
        "midterm_year": mid, "target_year": target_year,
        "band_pts": f"{band * 100:g}", "floor_pct": f"{(1 - band) * 100:g}",
        "ceil_pct": f"{(1 + band) * 100:g}",
        "tol_pct": f"{tolerance * 100:g}", "likely_p": f"{OUTLOOK_LIKELY:g}",
        "risk_p": f"{OUTLOOK_AT_RISK:g}",
        **labels,
    }
    return "".join(parts[name] for name in order).format(**values).strip()


# --------------------------------------------------------------------------------------------
# Summaries and output


def grade_tally(
    evaluation: pd.DataFrame, *, by: str | None = None, final: bool | None = None
) -> pd.DataFrame:
    """Counts of each grade (and milestone status), optionally per ``by`` (e.g. ``"chapter"``).

    Columns: [by,] ``family`` (grade | milestone), ``code``, ``label_zh``, ``label_en``,
    ``count``, ``share`` (of the rows of that family in the group). Every grade code is listed,
    with zero counts; milestone codes only when there are milestone rows. ``final`` picks the
    final-evaluation wording; by default it is true when every row is judged at its deadline.
    """
    if final is None:
        final = bool(evaluation["is_final"].all()) if "is_final" in evaluation and len(
            evaluation
        ) else False
    groups = [((), evaluation)] if by is None else [
        ((value,), part) for value, part in evaluation.groupby(by, sort=True, dropna=False)
    ]
    records: list[dict[str, object]] = []
    for group_key, part in groups:
        codes = part["grade"].astype(str)
        families = [("grade", GRADE_CODES)]
        if codes.isin(MILESTONE_CODES).any() or (
            by is None and evaluation["grade"].astype(str).isin(MILESTONE_CODES).any()
        ):
            families.append(("milestone", MILESTONE_CODES))
        for family, family_codes in families:
            total = int(codes.isin(family_codes).sum())
            for code in family_codes:
                count = int((codes == code).sum())
                record: dict[str, object] = {by: group_key[0]} if by is not None else {}
                record.update(
                    family=family, code=code,
                    label_zh=grade_label(code, "zh", final=final),
                    label_en=grade_label(code, "en", final=final),
                    count=count, share=count / total if total else float("nan"),
                )
                records.append(record)
    return pd.DataFrame(records)


def write_evaluation_csv(evaluation: pd.DataFrame, path: str | Path) -> Path:
    """Write ``evaluation.csv`` atomically (temporary file + os.replace), UTF-8 with BOM."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    os.close(handle)
    try:
        evaluation.to_csv(temporary, index=False, encoding="utf-8-sig")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


__all__ = [
    "APPROX_TOLERANCE", "DEFAULT_BAND", "EVALUATION_COLUMNS", "EXTRA_COLUMNS", "GRADE_CODES",
    "MILESTONE_CODES", "OUTLOOK_AT_RISK", "OUTLOOK_CODES", "OUTLOOK_LIKELY", "Grade",
    "MilestoneStatus", "RuleResult", "check_rule", "default_midterm_year", "evaluate_plan",
    "expected_progress", "grade_label", "grade_tally", "grade_target", "indicator_direction",
    "meets",
    "method_note", "milestone_label", "milestone_status", "normalise_rule", "outlook_from_probability",
    "outlook_label", "resolve_comparator", "status_labels", "time_progress",
    "write_evaluation_csv",
]
