"""Rules checked year by year (逐年只增不减 …).

The rule words, their codes and the comparison each makes are the table in
:mod:`analysis.core.rules`, which the catalogue parser reads too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from analysis.core import rules
from analysis.core.cells import cell_number as _num
from analysis.core.cells import cell_text as _text

RULES: tuple[str, ...] = rules.YEARLY_RULES
"""The codes of the year-by-year rules (``non_decreasing``, ``increasing`` …)."""

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
        named = rules.rule(self.rule)
        zh_rule, en_rule = named.words("zh"), named.words("en")
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
    """The rule code (``non_decreasing`` …) for a code or the plan's Chinese words (逐年只增不减).

    AnalysisError for unknown words and for rules not checked year by year (全覆盖, 完成).
    """
    return rules.yearly_rule(_text(rule)).code


def check_rule(
    series: pd.Series | Mapping[int, float],
    rule: str,
    *,
    years: Iterable[int] | None = None,
) -> RuleResult:
    """Check a year-by-year rule on a series indexed by year.

    Each year with a value is compared with the previous year that has a value, by the
    rule's ``step`` in :mod:`analysis.core.rules`: ``non_decreasing`` breaks when a value is
    lower (equal values are allowed, with a relative tolerance of 1e-9), ``increasing`` when it
    is not higher, ``non_increasing`` / ``decreasing`` likewise the other way. ``years`` (e.g. ``range(base_year, eval_year + 1)``)
    fixes the span checked and lets missing years be listed.
    """
    checked = rules.yearly_rule(_text(rule))
    code = checked.code
    data = pd.Series(series, dtype="float64") if not isinstance(series, pd.Series) else series
    values = {int(y): float(v) for y, v in data.items() if _num(v) is not None}
    span = sorted({int(y) for y in years}) if years is not None else sorted(values)
    present = [y for y in span if y in values]
    missing = tuple(y for y in span if y not in values)
    if len(present) < 2:
        return RuleResult(code, None, tuple(span), (), missing)
    broken: list[int] = []
    for previous, year in zip(present, present[1:], strict=False):
        if not checked.holds_between(values[previous], values[year]):
            broken.append(year)
    return RuleResult(code, not broken, tuple(span), tuple(broken), missing)


