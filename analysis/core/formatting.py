"""The one formatter for numbers and units: tables, notes, figure labels and narrative.

* :func:`format_number` — a value in its unit: ``fraction`` as a percentage (``53.32%``),
  counts (:data:`COUNT_UNITS`) as whole numbers (``1,063``), anything else with up to
  ``decimals`` decimals, trailing zeros trimmed (``12.48``, ``27,800``); missing → ``—``.
* :func:`format_share` — a fraction as a whole percentage (``60%``), for τ and progress.
* :func:`format_target` — a target with its comparator symbol (``≥98%``).
* :func:`format_change` — a difference: shares in percentage points (``+5.12个百分点``),
  counts as signed whole numbers (``+1,063``).
* :func:`format_as_printed` — a stored value in the unit the plan prints it in: 124800 万元
  printed as ``12.48亿元`` shows as ``12.48亿元``.

The same digit grouping (``,``) is used in both languages and in every place; rounding is
half away from zero on the decimal digits as written (2.675 → 2.68). Standard library only,
so the command line and the evaluation can use it without pandas.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from analysis.core.cells import is_blank
from analysis.core.errors import AnalysisError
from analysis.core.quantities import (
    COMPARATOR_SYMBOLS,
    SCALE_WORDS,
    UNIT_WORDS,
    normalise_text,
    parse_quantity,
)

MISSING_TEXT = "—"
"""What a missing value (None, NaN, pandas NA) shows as, in both languages."""

FRACTION = "fraction"

COUNT_UNITS: frozenset[str] = frozenset({
    "persons", "person_times", "schools", "classes", "places", "projects", "units",
    "teachers", "pupils",
})
"""Units counted in whole things (``resources/indicators.csv``), shown rounded to an integer."""

_POINTS = {"zh": ("个百分点", "个百分点"), "en": (" percentage point", " percentage points")}
_EN_WORDS = {"亿元": "100 million yuan", "万元": "10,000 yuan", "元": "yuan",
             "亿": "100 million", "万": "10,000", "千": "1,000", "人": "persons",
             "人次": "person-times", "所": "schools", "个": "units", "班": "classes"}
_DIGITS = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def is_missing(value: object) -> bool:
    """True for a blank cell (:func:`analysis.core.cells.is_blank`: None, NaN, pandas NA / NaT)
    and for NaN of any numeric type (numpy float32, Decimal)."""
    if is_blank(value):
        return True
    number = None if isinstance(value, str | bytes) else _number(value)
    return number is not None and math.isnan(number)


def is_count_unit(unit: object) -> bool:
    """True when ``unit`` counts whole things (persons, schools, …)."""
    return isinstance(unit, str) and unit in COUNT_UNITS


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _digits(number: float, decimals: int, *, scale: int = 1, signed: bool = False) -> str:
    """``number × scale`` rounded half-up to ``decimals``, grouped, trailing zeros trimmed."""
    if math.isnan(number):
        return MISSING_TEXT
    if math.isinf(number):
        text = "∞" if number > 0 else "-∞"
        return f"+{text}" if signed and number > 0 else text
    try:
        exact = Decimal(repr(number)) * scale
        rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more than 28 significant digits: round the float instead
        rounded = Decimal(round(number * scale, decimals))
    if rounded == 0:
        rounded = abs(rounded)
    text = f"{rounded:,.{max(decimals, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if signed and rounded > 0:
        text = f"+{text}"
    return text


def format_number(value: object, unit: str | None = None, *, lang: str = "zh",
                  decimals: int = 2, signed: bool = False) -> str:
    """A value in its unit as plain text (not HTML-escaped).

    ``0.5332`` ``fraction`` → ``53.32%``; ``1062.95`` ``persons`` → ``1,063``; ``27800`` →
    ``27,800``; ``12.48`` → ``12.48``; missing → ``—``; text that is no number is returned
    as it is. ``signed`` puts ``+`` before a positive value. ``lang`` is accepted for
    symmetry: numbers look the same in both languages.
    """
    del lang
    if is_missing(value):
        return MISSING_TEXT
    number = _number(value)
    if number is None:
        return str(value)
    if unit == FRACTION:
        return _digits(number, decimals, scale=100, signed=signed) + "%"
    if is_count_unit(unit):
        return _digits(number, 0, signed=signed)
    return _digits(number, decimals, signed=signed)


def format_share(value: object, lang: str = "zh") -> str:
    """A fraction as a whole percentage (``0.6`` → ``60%``); missing → ``—``."""
    return format_number(value, FRACTION, lang=lang, decimals=0)


def format_target(value: object, comparator: object, unit: str | None, lang: str = "zh",
                  *, decimals: int = 2) -> str:
    """A target with its comparator, e.g. ``≥98%`` (``eq`` and rule codes get no symbol).

    The symbols (≥ > ≤ < ≈) come from :data:`analysis.core.quantities.COMPARATOR_SYMBOLS`:
    they are mathematical notation read the same way in Chinese and English, so they need no
    label table, and keeping them here lets a table cell, a note and a figure label print one
    target the same way without core depending on the report's wording.
    """
    if is_missing(value):
        return MISSING_TEXT
    code = comparator if isinstance(comparator, str) else ""
    prefix = "" if code == "eq" else COMPARATOR_SYMBOLS.get(code, "")
    return prefix + format_number(value, unit, lang=lang, decimals=decimals)


def format_change(delta: object, unit: str | None = None, lang: str = "zh", *,
                  signed: bool = True, decimals: int = 2) -> str:
    """A difference between two values in ``unit``.

    A change of a share is in percentage points: ``0.0512`` → ``+5.12个百分点`` (zh) /
    ``+5.12 percentage points`` (en); counts are signed whole numbers (``+1,063``); others
    keep up to ``decimals`` decimals. ``signed=False`` drops the ``+`` (for narrative such as
    “提高5.12个百分点”); a fall always keeps its ``-``. Missing → ``—``.
    """
    if is_missing(delta):
        return MISSING_TEXT
    if unit != FRACTION:
        return format_number(delta, unit, lang=lang, decimals=decimals, signed=signed)
    number = _number(delta)
    if number is None:
        return str(delta)
    if math.isnan(number):
        return MISSING_TEXT
    text = _digits(number, decimals, scale=100, signed=signed)
    one, many = _POINTS.get(lang, _POINTS["zh"])
    return text + (one if text.lstrip("+-") == "1" else many)


# --------------------------------------------------------------------------- printed units


@dataclass(frozen=True)
class PrintedUnit:
    """How the plan prints a quantity: printed number = stored value / ``factor``, then
    ``word`` (``亿元`` for money kept in 万元: factor 10 000)."""

    factor: float
    word: str

    def label(self, lang: str = "zh") -> str:
        """The unit word in ``lang`` (``亿元`` / ``100 million yuan``)."""
        if lang == "zh":
            return self.word
        for zh in sorted(_EN_WORDS, key=len, reverse=True):
            if self.word.startswith(zh):
                rest = self.word[len(zh):]
                return _EN_WORDS[zh] + (f" {_EN_WORDS.get(rest, rest)}" if rest else "")
        return self.word


def printed_unit(unit: str | None, printed: object) -> PrintedUnit | None:
    """The printed unit of a value stored in ``unit``, read from the plan's text.

    ``("10k_yuan", "12.48亿元")`` → ``PrintedUnit(10000, "亿元")``; ``("persons", "5.6万")``
    → ``PrintedUnit(10000, "万")``. None when the text prints no scale word and no money unit
    (``84所``, ``53.32%``), cannot be read, or is in another unit than ``unit``. The reading
    (万/亿 multipliers, money kept in 万元) is :func:`parse_quantity`'s.
    """
    try:
        quantity = parse_quantity(printed)
    except AnalysisError:
        return None
    if not quantity.is_number or not quantity.value or quantity.unit == FRACTION:
        return None
    if (quantity.unit or unit == "10k_yuan") and unit and quantity.unit != unit:
        return None
    text = normalise_text(quantity.text)
    match = _DIGITS.search(text)
    if match is None or not float(match.group()):
        return None
    factor = abs(quantity.value / float(match.group()))
    words = [(word, size) for word, unit_id, size in UNIT_WORDS if unit_id == quantity.unit]
    if quantity.unit == "10k_yuan":  # 亿元 or 万元: the unit word carries the scale
        word = next((w for w, size in words if math.isclose(size, factor)), None)
        return PrintedUnit(factor, word) if word else None
    scale = next((w for w, size in SCALE_WORDS if math.isclose(size, factor)), None)
    if scale is None:
        return None
    unit_word = next((w for w, _ in words if w in text[match.end():]), "")
    return PrintedUnit(factor, scale + unit_word)


def format_as_printed(value: object, unit: str | None, printed: object, *, lang: str = "zh",
                      decimals: int = 2, signed: bool = False) -> str:
    """A stored value shown in the unit the plan prints it in.

    ``format_as_printed(124800, "10k_yuan", "12.48亿元")`` → ``12.48亿元`` (money is kept in
    万元); ``(56000, "persons", "5.6万")`` → ``5.6万``; in English ``12.48 × 100 million
    yuan``. Without a printed scale or unit word it falls back to :func:`format_number`
    (``signed``: :func:`format_change`).
    """
    shown = printed_unit(unit, printed)
    if is_missing(value) or shown is None or _number(value) is None:
        if signed:
            return format_change(value, unit, lang, decimals=decimals)
        return format_number(value, unit, lang=lang, decimals=decimals)
    number = _digits(float(value) / shown.factor, decimals, signed=signed)  # type: ignore[arg-type]
    return number + shown.word if lang == "zh" else f"{number} × {shown.label(lang)}"


def year_span(first: int, last: int, lang: str = "zh") -> str:
    """A span of years as each language prints it: ``2021—2025`` (一字线, as Chinese documents
    print a plan period) and ``2021–2025`` (an en dash)."""
    return f"{first}{'—' if lang == 'zh' else '–'}{last}"


def chinese_number(n: int) -> str:
    """A whole number 0–99 in Chinese numerals (二, 十二, 二十三), as chapters and headings are
    numbered (第二章, 十二、); larger numbers stay in digits.

    >>> chinese_number(12), chinese_number(20)
    ('十二', '二十')
    """
    digits = "零一二三四五六七八九"
    if not 0 <= n < 100:
        return str(n)
    if n < 10:
        return digits[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")
