"""Rule words: the one table of the rules a plan prints instead of a number.

Each rule has a code, the phrases that name it in a plan (逐年只增不减, 全覆盖, 完成 …), its
words for reports (zh/en) and, for a year-by-year rule, the comparison each year's value must
pass against the previous year's (``ge`` for 逐年只增不减, ``gt`` for 逐年增长 …, judged by
:func:`analysis.core.comparators.meets`). ``full_coverage`` and ``completed`` are rule words
the catalogue parser knows but the evaluation does not check year by year (``step`` None).

:func:`analysis.core.quantities.parse_quantity` reads phrases with :func:`match_phrase`; the
evaluation (:mod:`analysis.evaluate.yearly`) resolves and checks rules with
:func:`yearly_rule` and :meth:`Rule.holds_between`; the catalogue parser refuses a rule row
whose rule is not year by year.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.core.comparators import meets
from analysis.core.errors import AnalysisError


@dataclass(frozen=True)
class Rule:
    """One rule: its code, the phrases that name it, report words and yearly comparison."""

    code: str
    phrases: tuple[str, ...]
    zh: str
    en: str
    step: str | None = None
    """Comparator a year's value must meet against the previous year's; None: not yearly."""

    @property
    def yearly(self) -> bool:
        """True when the evaluation checks the rule year by year."""
        return self.step is not None

    def holds_between(self, before: float, now: float) -> bool:
        """Whether ``now`` keeps the rule against the previous value ``before``."""
        if self.step is None:
            raise AnalysisError("rule is not checked year by year", column="rule",
                                text=self.code)
        return meets(now, before, self.step)

    def words(self, lang: str = "zh") -> str:
        """The rule in words for a report (``逐年只增不减`` / ``no decrease year on year``)."""
        return self.en if lang == "en" else self.zh


RULES: tuple[Rule, ...] = (
    Rule("non_decreasing", ("逐年只增不减", "只增不减", "逐年不减", "不低于上年", "不降低"),
         "逐年只增不减", "no decrease year on year", "ge"),
    Rule("increasing", ("逐年增长", "逐年提高", "逐年增加"),
         "逐年增长", "an increase every year", "gt"),
    Rule("non_increasing", ("逐年只减不增", "逐年不增"),
         "逐年只减不增", "no increase year on year", "le"),
    Rule("decreasing", ("逐年下降", "逐年减少", "逐年降低"),
         "逐年下降", "a decrease every year", "lt"),
    Rule("full_coverage", ("全覆盖",), "全覆盖", "full coverage"),
    Rule("completed", ("全部完成", "完成", "核准", "建成", "通过验收", "创建成功"),
         "完成", "completed"),
)
"""Every rule the package knows; the year-by-year ones first."""

_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}

YEARLY_RULES: tuple[str, ...] = tuple(r.code for r in RULES if r.yearly)
"""Codes of the rules checked year by year."""

PHRASES: tuple[tuple[str, str], ...] = tuple(
    sorted(((p, r.code) for r in RULES for p in r.phrases), key=lambda item: -len(item[0]))
)
"""``(phrase, code)``, longest phrase first, so that 逐年只增不减 wins over 只增不减."""


def rule(code: str) -> Rule:
    """The rule with this code; AnalysisError for an unknown code."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise AnalysisError(f"unknown rule (known: {', '.join(_BY_CODE)})", column="rule",
                            text=code) from None


def match_phrase(text: str) -> Rule | None:
    """The rule whose longest phrase occurs in ``text``, or None."""
    for phrase, code in PHRASES:
        if phrase in text:
            return _BY_CODE[code]
    return None


def yearly_rule(text: str) -> Rule:
    """The year-by-year rule a code (``non_decreasing``) or the plan's words (逐年只增不减) name.

    AnalysisError for unknown words, and for a rule that is not checked year by year.
    """
    found = _BY_CODE.get(text) or _BY_CODE.get(text.lower()) or match_phrase(text)
    if found is None:
        words = " / ".join(_BY_CODE[code].zh for code in YEARLY_RULES)
        raise AnalysisError(
            f"unknown rule (use one of {', '.join(YEARLY_RULES)} or {words})",
            column="rule", text=text,
        )
    if not found.yearly:
        raise AnalysisError(
            f"rule '{found.code}' ({found.zh}) is not checked year by year (year-by-year "
            f"rules: {', '.join(YEARLY_RULES)})",
            column="rule", text=text,
        )
    return found
