"""How firmly a plan words a commitment: 确保 (firm) or 力争 / 努力实现 (soft).

One reading shared by the catalogue (a row's ``wording`` column, or its quote when the column
is blank), the catalogue drafter and the evaluation (docs/status_rule.md). Firm wording binds
like a 约束性 target at its deadline; soft wording is shown beside the target and its shortfall
is listed after the firm ones.
"""

from __future__ import annotations

import re

from analysis.core.cells import cell_text
from analysis.core.errors import AnalysisError

WORDINGS: tuple[str, ...] = ("firm", "soft")

SOFT_WORDS: tuple[str, ...] = ("力争", "努力实现", "努力达到", "努力使", "争取", "努力", "争创",
                               "力求", "尽可能")
"""Aspirational verbs: the plan strives for the value but does not promise it."""

FIRM_WORDS: tuple[str, ...] = ("确保", "必须", "务必", "保证", "坚决", "严格")
"""Verbs that promise the value."""

_SOFT = re.compile("|".join(SOFT_WORDS))
_FIRM = re.compile("|".join(FIRM_WORDS))


def wording_of(text: object) -> str:
    """``soft`` when the text strives (力争, 努力实现, 争取), ``firm`` when it promises (确保,
    必须), else ``""``. A soft word wins over a firm one in the same clause (确保……力争 is a
    promise of effort, not of the value).

    >>> wording_of("努力实现公共财政教育经费占财政总支出的比例逐年只增不减")
    'soft'
    >>> wording_of("确保一般公共预算教育支出逐年只增不减")
    'firm'
    """
    value = cell_text(text)
    if _SOFT.search(value):
        return "soft"
    if _FIRM.search(value):
        return "firm"
    return ""


def check_wording(value: object, **where: object) -> str:
    """A catalogue ``wording`` cell: ``firm``, ``soft`` or blank; AnalysisError otherwise."""
    text = cell_text(value).lower()
    if text and text not in WORDINGS:
        raise AnalysisError(f"wording must be one of {', '.join(WORDINGS)} or blank",
                            text=value, **where)  # type: ignore[arg-type]
    return text
