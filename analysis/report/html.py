"""HTML building blocks shared by every section: escaping, badges, tables.

Every string that comes from data goes through :func:`esc` (``html.escape``), so a label
such as ``<script>`` shows as text.
"""

from __future__ import annotations

import functools
import html
import re
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


def html_table(header: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "",
               cols: Sequence[str] | None = None) -> str:
    """A table from *already escaped* header and cell HTML, in a wrapper that scrolls it
    sideways on a screen too narrow for it (the page itself never scrolls sideways).

    ``cols`` gives each column's classes (``pe-c-name``, ``pe-num``, ``pe-narrow-hide`` …), set
    on its header and its cells, so the stylesheet can size, align or hide whole columns.
    """
    classes = list(cols or [])

    def attr(index: int) -> str:
        return f' class="{classes[index]}"' if index < len(classes) and classes[index] else ""

    head = "".join(f"<th{attr(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{attr(i)}>{c}</td>" for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return (f'<div class="pe-table-wrap"><table class="pe-table {cls}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


NOTHING_KEYS_PREFIX = "text.no_"
"""Labels saying a block has nothing to show (``text.no_qa`` 数据质量检查未发现…)."""


@functools.lru_cache(maxsize=1)
def _nothing_texts() -> frozenset[str]:
    from analysis.report.i18n import keys, t

    return frozenset(t(key, lang) for key in keys(NOTHING_KEYS_PREFIX) for lang in ("zh", "en")
                     if "{" not in t(key, lang))


def _p(text: str, cls: str = "") -> str:
    """A paragraph; one that only says there is nothing to show (a ``text.no_*`` label) is
    marked ``pe-none``, so that a section holding nothing else counts as empty."""
    if text in _nothing_texts():
        cls = f"{cls} pe-none".strip()
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def _h(level: int, text: str) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


_HEADINGS = re.compile(r"<h([1-6])[^>]*>.*?</h\1>", re.S)
_NONE_PARAGRAPHS = re.compile(r'<p class="[^"]*\bpe-none\b[^"]*">.*?</p>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def is_empty_body(body: str) -> bool:
    """True when ``body`` shows nothing but headings and “nothing to show” notes."""
    rest = _NONE_PARAGRAPHS.sub("", _HEADINGS.sub("", body))
    return "<img" not in rest and not _TAGS.sub("", rest).strip()


def _section(body: str, cls: str) -> str:
    """A report section; ``data-empty`` marks one with nothing to show (see
    :func:`is_empty_body`), which a page of a chapter without targets leaves out."""
    empty = ' data-empty="1"' if is_empty_body(body) else ""
    return f'<section class="pe-report pe-section {cls}"{empty}>{body}</section>'


