"""Turn a statistic as printed in a plan or a return into a value, a unit and a comparator.

``parse_quantity("98%以上")`` gives ``Quantity(value=0.98, unit="fraction", comparator="ge")``.
The rules, in the order they apply:

1. Text is normalised with Unicode NFKC (full-width digits and signs become ASCII), thousands
   separators are dropped and footnote markers such as ``[5]`` or ``〔1〕`` are removed.
2. Empty text and dash-like markers (``—``, ``-``, ``…``, ``/``) are **missing**, never zero.
3. Rule phrases (``逐年只增不减``, ``全覆盖``, ``完成``…; the table is :mod:`analysis.core.rules`)
   are **rules**, not numbers: ``kind="rule"``.
4. Otherwise exactly one number must be present. Words before or after it set the comparator
   (``不低于``/``≥``/``以上`` → ``ge``; ``大于``/``>``/``超过`` → ``gt``; ``不超过``/``≤``/``以下`` → ``le``;
   ``小于``/``<``/``低于`` → ``lt``; ``约``/``左右``/``近``/``余``/``多`` → ``approx``; nothing → ``eq``). As
   in Chinese statistical usage, ``以上`` and ``以下`` include the number itself. ``余``/``多``
   follow the number or its ``万``/``亿`` (``5400余人``, ``1.2万多人``).
5. ``%`` divides by 100 (unit ``fraction``), ``‰`` by 1000; ``万`` multiplies by 10 000 and ``亿`` by
   100 000 000, except for money, which is kept in 万元 (``亿元`` × 10 000 → ``10k_yuan``).
6. A trailing measure word sets the unit: 人/名 → persons, 所/间 → schools, 个/项 → units, 班 → classes,
   元 → yuan, 万元/亿元 → 10k_yuan. ``Quantity.scale`` records the factor a ``万``/``亿``/``千``
   written in the text applied, so a reader can tell a value that carries its own unit or
   scale from a plain number (:attr:`Quantity.carries_unit`).

Pairs such as ``53.32%/89.72%`` (two indicators printed in one cell) are handled by
:func:`parse_values`: the text is split on ``/`` and each half parsed; a comparator or unit
printed once (``50%/80%以上``) applies to every half that has none of its own.

Anything else raises :class:`analysis.core.errors.AnalysisError` quoting the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from analysis.core import rules
from analysis.core.errors import AnalysisError

COMPARATORS = ("eq", "ge", "gt", "le", "lt", "approx")
COMPARATOR_SYMBOLS = {"eq": "=", "ge": "≥", "gt": ">", "le": "≤", "lt": "<", "approx": "≈"}

MISSING_MARKERS = frozenset(
    {"", "—", "——", "-", "--", "–", "−", "…", "...", "/", "nan", "none", "na", "n/a", "null",
     "不详", "无数据", "暂无"}
)

# Phrase → rule code, longest first (逐年只增不减 wins over 只增不减); the table is
# analysis.core.rules, shared with the evaluation.
RULE_PHRASES: tuple[tuple[str, str], ...] = rules.PHRASES

# Comparator words. Prefixes are matched before the number, suffixes after it.
PREFIX_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("不低于", "ge"), ("不少于", "ge"), ("不小于", "ge"), ("至少", "ge"), ("≥", "ge"), (">=", "ge"),
    ("不高于", "le"), ("不超过", "le"), ("不多于", "le"), ("不大于", "le"), ("至多", "le"),
    ("≤", "le"), ("<=", "le"),
    ("大于", "gt"), ("高于", "gt"), ("超过", "gt"), ("多于", "gt"), (">", "gt"),
    ("小于", "lt"), ("低于", "lt"), ("少于", "lt"), ("<", "lt"),
    ("大约", "approx"), ("约", "approx"), ("≈", "approx"), ("~", "approx"),
    ("将近", "approx"), ("接近", "approx"), ("近", "approx"),
)
# Words between the number (or its 万/亿) and the unit that make it approximate (5400余人).
APPROX_INFIXES = ("余", "多")
SUFFIX_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("及以上", "ge"), ("以上", "ge"), ("及以下", "le"), ("以下", "le"), ("以内", "le"),
    ("左右", "approx"), ("上下", "approx"),
)
# Verbs that carry no meaning for the value ("达到55%以上", "保持在50%以上").
FILLER_WORDS = ("达到", "保持在", "保持", "控制在", "稳定在", "提高到", "提升到", "增至", "达")

UNIT_WORDS: tuple[tuple[str, str, float], ...] = (
    # (word, unit, factor) — longest first
    ("亿元", "10k_yuan", 1e4),
    ("万元", "10k_yuan", 1.0),
    ("人次", "person_times", 1.0),
    ("元", "yuan", 1.0),
    ("人", "persons", 1.0),
    ("名", "persons", 1.0),
    ("所", "schools", 1.0),
    ("间", "schools", 1.0),
    ("个", "units", 1.0),
    ("项", "units", 1.0),
    ("班", "classes", 1.0),
)
SCALE_WORDS = (("亿", 1e8), ("万", 1e4), ("千", 1e3))

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_FOOTNOTE = re.compile(r"\[\d+\]|〔\d+〕|\(\d+\)$|（\d+）$|\*+$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")


@dataclass(frozen=True)
class Quantity:
    """A parsed statistic.

    ``kind`` is ``"number"`` (``value`` set), ``"missing"`` or ``"rule"`` (``rule`` set).
    Percentages are fractions (98% → 0.98); 万/亿 are multiplied out; money stays in 万元.
    """

    text: str
    kind: str
    value: float | None = None
    unit: str = ""
    comparator: str = "eq"
    rule: str | None = None
    scale: float = field(default=1.0, compare=False)

    @property
    def carries_unit(self) -> bool:
        """True when the text wrote its own unit or scale (``1.56亿人``, ``2244所``, ``2.35万``,
        ``85%``): such a value is already in its unit and must not be scaled again."""
        return bool(self.unit) or self.scale != 1.0

    @property
    def is_missing(self) -> bool:
        return self.kind == "missing"

    @property
    def is_number(self) -> bool:
        return self.kind == "number"

    @property
    def is_rule(self) -> bool:
        return self.kind == "rule"


def normalise_text(text: str) -> str:
    """NFKC-normalise, drop spaces, thousands separators and footnote markers."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = re.sub(r"(?<!\d)\s+|\s+(?!\d)", "", cleaned)
    cleaned = _FOOTNOTE.sub("", cleaned)
    cleaned = _THOUSANDS.sub("", cleaned)
    return cleaned


def parse_quantity(text: object) -> Quantity:
    """Parse one statistic as printed (see the module docstring for the rules).

    Numbers (int/float) pass through as ``eq`` quantities; ``None``/NaN are missing.
    Raises AnalysisError naming the text when it cannot be read.
    """
    if text is None:
        return Quantity(text="", kind="missing")
    if isinstance(text, bool):
        raise AnalysisError("a yes/no value where a quantity was expected", text=text)
    if isinstance(text, int | float):
        if isinstance(text, float) and math.isnan(text):
            return Quantity(text="", kind="missing")
        return Quantity(text=str(text), kind="number", value=float(text))
    if not isinstance(text, str):
        raise AnalysisError("cannot read a quantity from a value of this type", text=text)
    return _parse_text(text)


@lru_cache(maxsize=65536)
def _parse_text(original: str) -> Quantity:
    text = normalise_text(original)
    if text.lower() in MISSING_MARKERS or set(text) <= set("—-–−…·./"):
        return Quantity(text=original, kind="missing")

    numbers = _NUMBER.findall(text)
    if not numbers:
        found = rules.match_phrase(text)
        if found is not None:
            return Quantity(text=original, kind="rule", rule=found.code)
        raise AnalysisError("cannot read a quantity (no number and no known rule)", text=original)
    if len(numbers) > 1:
        raise AnalysisError(
            "cannot read a quantity (more than one number in one value)",
            text=original,
        )

    match = _NUMBER.search(text)
    assert match is not None
    before, after = text[: match.start()], text[match.end() :]
    value = float(match.group())

    comparator = "eq"
    before = _strip_fillers(before)
    for word, code in PREFIX_COMPARATORS:
        if before.endswith(word):
            comparator = code
            before = before[: -len(word)]
            break
    before = _strip_fillers(before)
    if before:
        raise AnalysisError(f"unexpected words before the number: {before!r}", text=original)

    for word, code in SUFFIX_COMPARATORS:
        if after.endswith(word):
            if comparator != "eq" and comparator != code:
                raise AnalysisError("two contradicting comparators", text=original)
            comparator = code
            after = after[: -len(word)]
            break

    unit = ""
    written_scale = 1.0
    if after.startswith("%"):
        value, unit, after = value / 100.0, "fraction", after[1:]
    elif after.startswith("‰"):
        value, unit, after = value / 1000.0, "fraction", after[1:]
    else:
        after, comparator = _strip_approx(after, comparator, original)
        for word, scale in SCALE_WORDS:
            if after.startswith(word) and not any(after.startswith(u) for u, _, _ in UNIT_WORDS):
                value, after, written_scale = value * scale, after[len(word) :], scale
                after, comparator = _strip_approx(after, comparator, original)
                break
        for word, unit_id, factor in UNIT_WORDS:
            if after.startswith(word):
                value, unit, after = value * factor, unit_id, after[len(word) :]
                break
    if after:
        raise AnalysisError(f"unexpected words after the number: {after!r}", text=original)
    return Quantity(text=original, kind="number", value=value, unit=unit, comparator=comparator,
                    scale=written_scale)


def _strip_approx(after: str, comparator: str, original: str) -> tuple[str, str]:
    """``余``/``多`` right after the number (or its 万/亿): an approximate value."""
    for word in APPROX_INFIXES:
        if after.startswith(word):
            if comparator not in ("eq", "approx"):
                raise AnalysisError("two contradicting comparators", text=original)
            return after[len(word) :], "approx"
    return after, comparator


def units_named(text: object) -> frozenset[str]:
    """The unit ids whose measure words a text names (``单位：所、个、人`` → schools, units,
    persons; ``万元`` → 10k_yuan); empty when it names none."""
    rest = normalise_text(str(text or ""))
    found: set[str] = set()
    for word, unit_id, _ in UNIT_WORDS:  # longest first: 万元 before 元, 人次 before 人
        if word in rest:
            found.add(unit_id)
            rest = rest.replace(word, "|")
    return frozenset(found)


def _strip_fillers(text: str) -> str:
    changed = True
    while changed and text:
        changed = False
        for word in FILLER_WORDS:
            if text.startswith(word):
                text, changed = text[len(word) :], True
            if text.endswith(word):
                text, changed = text[: -len(word)], True
    return text


def parse_values(text: object) -> tuple[Quantity, ...]:
    """Parse a cell that may hold a pair (``53.32%/89.72%``) into one quantity per part.

    A comparator or unit printed on one part only (``50%/80%以上``) applies to every part that
    has none of its own. A single value gives a one-element tuple.
    """
    if not isinstance(text, str) or "/" not in normalise_text(text):
        return (parse_quantity(text),)
    parts = normalise_text(text).split("/")
    if any(not _NUMBER.search(p) for p in parts):
        return (parse_quantity(text),)
    parsed = [parse_quantity(p) for p in parts]
    comparators = {q.comparator for q in parsed if q.comparator != "eq"}
    units = {q.unit for q in parsed if q.unit}
    if len(comparators) > 1 or len(units) > 1:
        return tuple(parsed)
    shared_comparator = comparators.pop() if comparators else "eq"
    shared_unit = units.pop() if units else ""
    result = []
    for part, q in zip(parts, parsed, strict=True):
        value = q.value
        if shared_unit == "fraction" and not q.unit and value is not None:
            value = value / 100.0
        result.append(
            Quantity(
                text=part,
                kind=q.kind,
                value=value,
                unit=q.unit or shared_unit,
                comparator=q.comparator if q.comparator != "eq" else shared_comparator,
                scale=q.scale,
            )
        )
    return tuple(result)
