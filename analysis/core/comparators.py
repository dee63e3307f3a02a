"""What a comparator means: one reading shared by the evaluation, the models and the checks.

Codes: ``eq`` (a plain number), ``ge``, ``gt``, ``le``, ``lt``, ``approx``. A plain number is
read by the indicator's direction: reach-at-least for higher-is-better, at-most for
lower-is-better and ≈ for neutral indicators (docs/status_rule.md).
"""

from __future__ import annotations

import math

from analysis.core.cells import cell_text
from analysis.core.errors import AnalysisError

APPROX_TOLERANCE: float = 0.02
"""Relative tolerance of an approximate target (左右 / 约 / a plain number of a neutral indicator)."""

COMPARATORS: tuple[str, ...] = ("eq", "ge", "gt", "le", "lt", "approx")
DIRECTIONS: tuple[str, ...] = ("higher", "lower", "neutral")

COMPARATOR_ALIASES: dict[str, str] = {
    "": "eq", "eq": "eq", "=": "eq", "==": "eq",
    "ge": "ge", ">=": "ge", "≥": "ge", "以上": "ge", "不低于": "ge", "达到": "ge",
    "gt": "gt", ">": "gt", "大于": "gt", "超过": "gt", "高于": "gt",
    "le": "le", "<=": "le", "≤": "le", "以下": "le", "不高于": "le", "不超过": "le",
    "lt": "lt", "<": "lt", "小于": "lt", "低于": "lt",
    "approx": "approx", "≈": "approx", "~": "approx", "左右": "approx", "约": "approx",
}
"""Comparator codes and the words or symbols that stand for them."""

_PLAIN_NUMBER_BY_DIRECTION = {"higher": "ge", "lower": "le", "neutral": "approx"}


def resolve_comparator(comparator: object, direction: object = "higher") -> str:
    """The comparator actually applied: ``ge``, ``gt``, ``le``, ``lt`` or ``approx``.

    A plain number (``eq``) means reach-at-least for a higher-is-better indicator, at-most for
    a lower-is-better one and approximately (± APPROX_TOLERANCE) for a neutral one.
    """
    text = cell_text(comparator).lower()
    if text not in COMPARATOR_ALIASES:
        raise AnalysisError(
            f"unknown comparator (use one of {', '.join(COMPARATORS)})",
            column="comparator",
            text=comparator,
        )
    code = COMPARATOR_ALIASES[text]
    if code != "eq":
        return code
    way = cell_text(direction).lower() or "higher"
    if way not in DIRECTIONS:
        raise AnalysisError(
            f"unknown direction (use one of {', '.join(DIRECTIONS)})",
            column="direction",
            text=direction,
        )
    return _PLAIN_NUMBER_BY_DIRECTION[way]


def meets(
    actual: float, threshold: float, comparator: str, *, tolerance: float = APPROX_TOLERANCE
) -> bool:
    """Whether ``actual`` satisfies ``comparator threshold`` (a resolved comparator).

    Equality is judged with a relative tolerance of 1e-9 (so 0.92 parsed from "92%" equals
    0.92): ``gt`` / ``lt`` are strict — 大于92% is *not* met by 92.00%; ``approx`` accepts
    ``|actual − threshold| ≤ tolerance · |threshold|``.
    """
    equal = math.isclose(actual, threshold, rel_tol=1e-9, abs_tol=1e-12)
    if comparator == "ge":
        return equal or actual > threshold
    if comparator == "gt":
        return not equal and actual > threshold
    if comparator == "le":
        return equal or actual < threshold
    if comparator == "lt":
        return not equal and actual < threshold
    if comparator == "approx":
        return equal or abs(actual - threshold) <= tolerance * abs(threshold) * (1 + 1e-9)
    raise AnalysisError("unresolved comparator", column="comparator", text=comparator)
