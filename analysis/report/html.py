"""HTML building blocks shared by every section: escaping, badges, tables.

Every string that comes from data goes through :func:`esc` (``html.escape``), so a label
such as ``<script>`` shows as text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import pandas as pd

from analysis.report.i18n import has, t

# --------------------------------------------------------------------------- basics


def esc(value: object) -> str:
    """HTML-escaped text of ``value``; missing values (None, NaN, NA) become an empty string."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: object, unit: str | None = None, *, lang: str = "zh") -> str:
    """A value for display: fractions as percentages, counts with digit grouping.

    ``0.5332`` with unit ``fraction`` → ``53.32%``; ``25857`` → ``25,857``; missing → ``—``.
    The result is plain text (not escaped).
    """
    if _missing(value):
        return t("misc.dash", lang)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if unit == "fraction":
        return f"{_trim(number * 100, 2)}%"
    if math.isfinite(number) and number == round(number) and abs(number) < 1e15:
        return f"{int(round(number)):,}"
    return _trim(number, 2, grouping=True)


def _trim(number: float, decimals: int, *, grouping: bool = False) -> str:
    text = f"{number:,.{decimals}f}" if grouping else f"{number:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_share(value: object, lang: str = "zh") -> str:
    """A fraction as a whole percentage (``0.6`` → ``60%``); missing → ``—``."""
    if _missing(value):
        return t("misc.dash", lang)
    return f"{float(value) * 100:.0f}%"  # type: ignore[arg-type]


def fmt_target(value: object, comparator: object, unit: str | None, lang: str) -> str:
    """A target with its comparator, e.g. ``≥98%``; plain text."""
    if _missing(value):
        return t("misc.dash", lang)
    key = f"cmp.{comparator}"
    prefix = t(key, lang) if isinstance(comparator, str) and comparator and has(key) else ""
    return f"{prefix}{fmt_number(value, unit, lang=lang)}"


def grade_label(code: object, lang: str = "zh", *, final: bool = False) -> str:
    """The label of a grade or milestone code, from :mod:`analysis.evaluate` (one place)."""
    from analysis import evaluate

    if _missing(code):
        code = "no_data"
    return str(evaluate.grade_label(str(code), lang, final))


def outlook_label(code: object, lang: str = "zh") -> str:
    """The label of an outlook code, from :mod:`analysis.evaluate`."""
    from analysis import evaluate

    if _missing(code):
        code = "unknown"
    labeller = getattr(evaluate, "outlook_label", None)
    if labeller is not None:
        return str(labeller(str(code), lang))
    return str(evaluate.grade_label(str(code), lang, False))


def grade_badge(code: object, lang: str, *, final: bool = False, outlook: bool = False) -> str:
    """A coloured ``<span>`` for a grade / milestone / outlook code (colours from plotting)."""
    from analysis.figures.charts import grade_colour, grade_text_colour

    key = "unknown" if outlook and _missing(code) else ("no_data" if _missing(code) else str(code))
    label = outlook_label(key, lang) if outlook else grade_label(key, lang, final=final)
    return (
        f'<span class="pe-badge pe-{esc(key)}" style="background:{grade_colour(key)};'
        f'color:{grade_text_colour(key)}">{esc(label)}</span>'
    )


def html_table(header: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "") -> str:
    """A table from *already escaped* header and cell HTML."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="pe-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def _h(level: int, text: str) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def _section(body: str, cls: str) -> str:
    return f'<section class="pe-report pe-section {cls}">{body}</section>'


