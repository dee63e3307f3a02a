"""The status rule: one frozen object holding every setting a grade depends on, and the
small formulas (time progress, expected progress, outlook) that use it.

A :class:`StatusRule` is built and validated once per evaluation — by the evaluation stage
from its parameters — and handed to grading, the method note, tallies, problem lists and
the outlook. The command line, the runner and every notebook validate their settings by
building one, so they accept and refuse exactly the same values. Nothing here imports
pandas, so the command line can check a band before any work starts.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from analysis.core.cells import cell_number as _num
from analysis.core.comparators import APPROX_TOLERANCE
from analysis.core.errors import AnalysisError

DEFAULT_BAND: float = 0.05
"""Half-width of the "broadly on track" band, in units of progress (5 percentage points)."""

BAND_LIMIT: float = 0.5
"""A band must lie in [0, BAND_LIMIT): a wider band would make 快于预期 and 滞后 overlap."""

SCALE_TOLERANCE: float = 0.05
"""Relative deviation from the planned path within which a scale target (enrolment the plan
projects) is 基本符合预期; beyond it the grade is 高于预期 / 低于预期."""

OUTLOOK_LIKELY: float = 0.8
"""Probability of meeting the final target at or above which the outlook is ``likely``."""

OUTLOOK_AT_RISK: float = 0.4
"""Probability at or above which (and below OUTLOOK_LIKELY) the outlook is ``at_risk``."""

MODES: tuple[str, ...] = ("midterm", "annual", "final")


def _fraction(value: object, name: str, low: float, high: float, *, closed: bool = False) -> float:
    """``value`` as a float in [low, high) (or [low, high]); AnalysisError naming the setting."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AnalysisError(f"{name} must be a number", column=name, text=value)
    inside = low <= value <= high if closed else low <= value < high
    if not inside:
        bracket = "]" if closed else ")"
        raise AnalysisError(f"{name} must lie in [{low:g}, {high:g}{bracket}", column=name,
                            text=value)
    return float(value)


def check_band(value: object) -> float:
    """The band as a float when it lies in [0, 0.5), else AnalysisError (one range everywhere)."""
    return _fraction(value, "band", 0.0, BAND_LIMIT)


def _year(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnalysisError(f"{name} must be a whole year", column=name, text=value)
    return int(value)


@dataclass(frozen=True)
class StatusRule:
    """Every setting of the status rule for one evaluation (see docs/status_rule.md).

    ``eval_year`` lies in (base_year, target_year]; at the target year the rule is in final
    mode (终期评估), at the mid-term year in mid-term mode, in any other year in annual mode.
    """

    base_year: int
    midterm_year: int
    target_year: int
    eval_year: int
    band: float = DEFAULT_BAND
    tolerance: float = APPROX_TOLERANCE
    scale_tolerance: float = SCALE_TOLERANCE
    outlook_likely: float = OUTLOOK_LIKELY
    outlook_at_risk: float = OUTLOOK_AT_RISK

    def __post_init__(self) -> None:
        base = _year(self.base_year, "base_year")
        target = _year(self.target_year, "target_year")
        mid = _year(self.midterm_year, "midterm_year")
        year = _year(self.eval_year, "eval_year")
        if target <= base:
            raise AnalysisError(f"target year {target} is not after base year {base}",
                                column="target_year", text=target)
        if not base < mid < target:
            raise AnalysisError(f"the mid-term year must lie between {base} and {target}",
                                column="midterm_year", text=mid)
        if not base < year <= target:
            raise AnalysisError(
                f"eval_year must lie inside the plan period ({base + 1}–{target})",
                column="eval_year", text=year)
        check_band(self.band)
        _fraction(self.tolerance, "tolerance", 0.0, 0.5)
        _fraction(self.scale_tolerance, "scale_tolerance", 0.0, 0.5)
        likely = _fraction(self.outlook_likely, "outlook_likely", 0.0, 1.0, closed=True)
        risk = _fraction(self.outlook_at_risk, "outlook_at_risk", 0.0, 1.0, closed=True)
        if risk > likely:
            raise AnalysisError("outlook_at_risk must not exceed outlook_likely",
                                column="outlook_at_risk", text=risk)

    @classmethod
    def for_plan(cls, config: Any, eval_year: int, **settings: Any) -> StatusRule:
        """The rule for a plan (``PlanConfig`` or any object with the three years)."""
        return cls(base_year=int(config.base_year), midterm_year=int(config.midterm_year),
                   target_year=int(config.target_year), eval_year=eval_year, **settings)

    @property
    def final(self) -> bool:
        """True for the final evaluation (终期评估): the evaluation year is the target year."""
        return self.eval_year >= self.target_year

    @property
    def mode(self) -> str:
        """``final``, ``midterm`` or ``annual`` (a year between the others)."""
        return evaluation_mode(self.eval_year, midterm_year=self.midterm_year,
                               target_year=self.target_year)

    @property
    def tau(self) -> float:
        """Time progress of the plan period at the evaluation year."""
        return time_progress(self.base_year, self.target_year, self.eval_year)

    def tau_until(self, deadline: int) -> float:
        """Time progress towards a target's own deadline (1 when the deadline is the base year)."""
        return time_progress(self.base_year, deadline, self.eval_year) \
            if int(deadline) > self.base_year else 1.0

    def is_final_for(self, deadline: int) -> bool:
        """True when a target due by ``deadline`` is judged with the final wording."""
        return self.eval_year >= int(deadline)

    def outlook(self, probability: object) -> str:
        """The outlook code for a model probability of meeting the target."""
        return outlook_from_probability(probability, likely=self.outlook_likely,
                                        at_risk=self.outlook_at_risk)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values (what the evaluation stage writes beside its table)."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=1)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> StatusRule:
        """The rule recorded by the evaluation stage; unknown keys are refused."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise AnalysisError("unknown status-rule setting", column=unknown[0],
                                text=values[unknown[0]])
        return cls(**values)


# --------------------------------------------------------------------------------------------
# Small pieces of the rule


def evaluation_mode(eval_year: int, *, midterm_year: int | None,
                    target_year: int | None) -> str:
    """``final`` at or after the target year, ``midterm`` at the mid-term year, else ``annual``
    (the runner asks too, before the plan period is known to be valid)."""
    if target_year is not None and int(eval_year) >= int(target_year):
        return "final"
    return "midterm" if midterm_year is not None and int(eval_year) == int(midterm_year) \
        else "annual"


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
    path = planned_value(baseline=baseline, final=final, base_year=base_year,
                         target_year=target_year, eval_year=eval_year, midterm=midterm,
                         midterm_year=midterm_year)
    return (path - baseline) / (final - baseline)  # type: ignore[operator]


def planned_value(
    *,
    baseline: float | None,
    final: float | None,
    base_year: int,
    target_year: int,
    eval_year: int,
    midterm: float | None = None,
    midterm_year: int | None = None,
) -> float | None:
    """The value the plan's path gives for ``eval_year``; None when the path is not known.

    The path runs linearly from (base_year, baseline) through (midterm_year, midterm) when
    the plan prints a mid-term value, to (target_year, final). Without a baseline only the
    printed points and the stretch between them are known.

    >>> planned_value(baseline=100, final=200, base_year=2020, target_year=2025, eval_year=2023)
    160.0
    """
    points: list[tuple[int, float]] = []
    if baseline is not None:
        points.append((int(base_year), float(baseline)))
    if midterm is not None and midterm_year is not None and \
            int(base_year) < int(midterm_year) < int(target_year):
        points.append((int(midterm_year), float(midterm)))
    if final is not None:
        points.append((int(target_year), float(final)))
    year = int(eval_year)
    for (y0, v0), (y1, v1) in zip(points, points[1:], strict=False):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    exact = [v for y, v in points if y == year]
    if exact:
        return exact[0]
    if points and year >= points[-1][0] and points[-1][0] == int(target_year):
        return points[-1][1]
    return None


def outlook_from_probability(
    probability: object, *, likely: float = OUTLOOK_LIKELY, at_risk: float = OUTLOOK_AT_RISK
) -> str:
    """``likely`` (p ≥ 0.8), ``at_risk`` (0.4 ≤ p < 0.8), ``unlikely`` (p < 0.4), ``unknown`` (none)."""
    p = _num(probability)
    if p is None:
        return "unknown"
    if not 0.0 <= p <= 1.0:
        raise AnalysisError("a probability must lie in [0, 1]", column="probability_met", text=p)
    if p >= likely:
        return "likely"
    if p >= at_risk:
        return "at_risk"
    return "unlikely"


