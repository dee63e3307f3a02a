"""Grading one numeric target (branches documented in docs/status_rule.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from analysis.core.cells import cell_number as _num
from analysis.core.cells import cell_text as _text
from analysis.core.comparators import (
    APPROX_TOLERANCE,
    meets,
    resolve_comparator,
)
from analysis.core.formatting import format_number
from analysis.evaluate.rule import (
    DEFAULT_BAND,
    SCALE_TOLERANCE,
    check_band,
    expected_progress,
    time_progress,
)

BINDING = "约束性"

_STRICT_WORDS = {"gt": ("大于", "more than"), "lt": ("小于", "less than")}
_INCLUSIVE_WORDS = {"gt": ("以上", "or more"), "lt": ("以下", "or less")}


def is_binding(attribute: object, wording: object = "") -> bool:
    """A target binds at its deadline when the plan marks it 约束性 or words it firmly (确保)."""
    return _text(attribute) == BINDING or _text(wording) == "firm"

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
    planned: float = float("nan")
    deviation: float = float("nan")
    notes_zh: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)

    def note(self, zh: str, en: str) -> None:
        """Add a note in both languages."""
        self.notes_zh.append(zh)
        self.notes_en.append(en)


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
    wording: str | None = None,
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
       target (约束性, or worded firmly: 确保) that is not met is ``lagging``.

    An actual exactly on a strict threshold (92.00 % against 大于92%) is not met, and the
    grade says so in a note.

    ``unit`` only affects how numbers are written in the notes (``fraction`` → percent).
    """
    check_band(band)
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
    if comparator in _STRICT_WORDS and not met and meets(actual, final_value, "ge" if
                                                         comparator == "gt" else "le"):
        shown = format_number(final_value, unit)
        strict, inclusive = _STRICT_WORDS[comparator], _INCLUSIVE_WORDS[comparator]
        grade.note(f"实际值恰为{shown}：按“{strict[0]}{shown}”的严格含义未达到"
                   f"（若规划写作“{shown}{inclusive[0]}”则为已达到）",
                   f"the actual is exactly {shown}: not met under the strict reading of "
                   f"'{strict[1]} {shown}' (it would be met as '{shown} {inclusive[1]}')")
    if baseline is not None and meets(baseline, final_value, comparator, tolerance=tolerance):
        grade.maintain = True
        if met:
            grade.code = "achieved" if grade.is_final else "on_track"
            grade.note("基期已达到目标，保持至今", "target already met at baseline and still held")
        else:
            grade.code = "lagging"
            if comparator == "approx":
                above = actual > final_value
                shown, margin = format_number(final_value, unit), format_number(tolerance, "fraction")
                grade.note(
                    f"基期已在目标区间内，现{'高于' if above else '低于'}目标区间"
                    f"（{shown}±{margin}）",
                    f"within the target range at baseline, now {'above' if above else 'below'} "
                    f"it ({shown} ± {margin})",
                )
            else:
                grade.note("基期已达到目标，但未能保持", "target met at baseline but no longer held")
        return grade
    binding = is_binding(attribute, wording)
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
        shown = format_number(midterm_value, unit)
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




def grade_scale(
    *,
    actual: float | None,
    planned: float | None,
    tolerance: float = SCALE_TOLERANCE,
    tau: float,
    is_final: bool,
    unit: str | None = None,
) -> Grade:
    """Grade a scale target (a size the plan projects) by its deviation from the planned path.

    d = (actual − planned) / planned; |d| ≤ tolerance → ``as_planned`` (基本符合预期),
    d > tolerance → ``above_plan`` (高于预期), d < −tolerance → ``below_plan`` (低于预期); no
    actual or no planned value → ``no_data``. Never lagging or achieved for a size alone.
    """
    actual, planned = _num(actual), _num(planned)
    grade = Grade("no_data", tau, is_final=is_final, comparator="approx")
    if actual is None:
        grade.note("缺少实际值", "no actual value")
        return grade
    if planned is None or planned == 0:
        grade.note("规划路径未知（缺少基期值或中期值），无法计算偏离",
                   "the planned path is unknown (no baseline or mid-term value)")
        return grade
    grade.planned = planned
    grade.deviation = (actual - planned) / abs(planned)
    d = grade.deviation
    shown, gap = format_number(planned, unit), format_number(abs(d), "fraction", decimals=1)
    if abs(d) <= tolerance * (1 + 1e-9):
        grade.code = "as_planned"
        grade.note(f"与规划预期规模{shown}相差{gap}，在±{format_number(tolerance, 'fraction')}以内",
                   f"{gap} from the planned size {shown}, within "
                   f"±{format_number(tolerance, 'fraction')}")
    else:
        grade.code = "above_plan" if d > 0 else "below_plan"
        grade.note(f"较规划预期规模{shown}{'高' if d > 0 else '低'}{gap}",
                   f"{gap} {'above' if d > 0 else 'below'} the planned size {shown}")
    return grade
