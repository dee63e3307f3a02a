"""The status rule's parameters and its small formulas: time progress, expected progress, outlook.
"""

from __future__ import annotations

import math

from analysis.core.cells import cell_number as _num
from analysis.core.comparators import (  # noqa: F401 - part of this module's API
    APPROX_TOLERANCE,
    COMPARATORS,
    DIRECTIONS,
    meets,
    resolve_comparator,
)
from analysis.core.errors import AnalysisError

DEFAULT_BAND: float = 0.05
"""Half-width of the "broadly on track" band, in units of progress (5 percentage points)."""

OUTLOOK_LIKELY: float = 0.8
"""Probability of meeting the final target at or above which the outlook is ``likely``."""

OUTLOOK_AT_RISK: float = 0.4
"""Probability at or above which (and below OUTLOOK_LIKELY) the outlook is ``at_risk``."""

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


