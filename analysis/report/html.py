"""HTML building blocks shared by every section: escaping, badges, tables.

Every string that comes from data goes through :func:`esc` (``html.escape``), so a label
such as ``<script>`` shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd

from analysis.core.formatting import format_number, format_share, format_target

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


# Numbers are formatted in one place, :mod:`analysis.core.formatting`; these names are kept
# for the sections and notebooks that use them.
fmt_number = format_number
fmt_share = format_share
fmt_target = format_target


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


def grade_badge(code: object, lang: str, *, final: bool = False, outlook: bool = False,
                label: str | None = None) -> str:
    """A coloured ``<span>`` for a grade / milestone / outlook code (colours from plotting);
    ``label`` replaces the code's own label (a tally column of scale grades)."""
    from analysis.figures.charts import grade_colour, grade_text_colour

    key = "unknown" if outlook and _missing(code) else ("no_data" if _missing(code) else str(code))
    if label is None:
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


