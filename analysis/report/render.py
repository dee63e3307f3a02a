"""Rendering an executed report notebook to one self-contained HTML page.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from analysis.report.css import REPORT_CSS
from analysis.report.fonts import font_face_css


def render_notebook_html(executed_ipynb: Path, out_html: Path, *, title: str) -> Path:
    """Write the executed notebook as a self-contained HTML report, atomically.

    The page title is the report's own first heading; ``title`` is used when it has none.

    Code cells' inputs and prompts are left out, cells tagged ``remove-cell`` or
    ``report-hide`` (the ``# NBVAL_CHECK_OUTPUT`` checks) and stderr streams are dropped;
    figures stay embedded as base64 images; no script is needed to read or print the page.
    The page embeds the subset of the CJK font its characters need (:mod:`.fonts`), so it reads
    on a PC without Chinese fonts; a chapter without targets shows only the sections that have
    something to show (:func:`drop_empty_sections`).
    """
    import nbformat

    executed_ipynb, out_html = Path(executed_ipynb), Path(out_html)
    notebook = nbformat.read(executed_ipynb, as_version=4)
    lang = _guess_lang(notebook)
    body = notebook_body(notebook)
    body = drop_empty_sections(body, lang)
    title = _page_heading(body) or title
    fonts = font_face_css(body + title)
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{html.escape(title)}</title>\n<style>{fonts}\n{REPORT_CSS}\n{_PAGE_CSS}</style>\n"
        "</head>\n"
        f'<body class="pe-page">\n<main class="pe-report">\n{body}\n</main>\n</body>\n</html>\n'
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    temp = out_html.with_name(f".{out_html.name}.{os.getpid()}.tmp")
    temp.write_text(page, encoding="utf-8")
    os.replace(temp, out_html)
    return out_html


HIDDEN_TAGS = frozenset({"remove-cell", "report-hide", "injected-parameters", "parameters"})
"""Cells tagged so are left off the page (the researchers' inspection cells, the parameters)."""

#: The output formats a page shows, most preferred first (as Jupyter chooses among them).
_FORMATS = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown",
            "text/plain")


def notebook_body(notebook: Any) -> str:
    """The page body of an executed notebook: markdown cells rendered, then every code cell's
    outputs in order (its richest format: HTML, SVG, an embedded image, markdown, text), with
    no code, no prompts and no stderr; cells tagged :data:`HIDDEN_TAGS` are left out.

    The report notebooks display HTML built by :mod:`analysis.report`, so the page is that
    HTML; nbconvert's exporter (1.5 s of imports in every worker) is not needed for it.
    """
    parts: list[str] = []
    for cell in notebook.cells:
        if HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.cell_type == "markdown":
            parts.append(f'<div class="pe-markdown">{_markdown(cell.source)}</div>')
        elif cell.cell_type == "code":
            parts.extend(shown for output in cell.get("outputs", [])
                         if (shown := _output_html(output)))
    return "\n".join(parts)


def _output_html(output: Any) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        text = _text(output.get("text", ""))
        return f"<pre>{html.escape(text)}</pre>" if output.get("name") != "stderr" and text \
            else ""
    if kind == "error":
        return f"<pre>{html.escape(str(output.get('ename', '')))}: " \
               f"{html.escape(str(output.get('evalue', '')))}</pre>"
    data = output.get("data", {})
    mime = next((m for m in _FORMATS if m in data), None)
    if mime is None:
        return ""
    value = _text(data[mime])
    if mime in ("text/html", "image/svg+xml"):
        return value
    if mime in ("image/png", "image/jpeg"):
        return f'<img src="data:{mime};base64,{value.strip()}" alt=""/>'
    if mime == "text/markdown":
        return _markdown(value)
    return f"<pre>{html.escape(value)}</pre>"


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _markdown(text: str) -> str:
    import mistune  # nbconvert's own markdown renderer

    return str(mistune.html(text))


def _warm_up() -> None:
    """What a worker loads before its first page (cheap: nbformat and mistune)."""
    import mistune  # noqa: F401
    import nbformat  # noqa: F401


render_notebook_html.prepare = _warm_up  # type: ignore[attr-defined]


def _page_heading(body: str) -> str:
    """The report's own heading (its first <h1>), so the page title says what the page says
    (终期评估 at the target year) whatever title the caller proposed."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    if not match:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("¶", "").strip()


# nbconvert writes attributes in its own order: match them in any order
_SECTION = re.compile(r'<section\b[^>]*\bclass="pe-report pe-section[^"]*"[^>]*>.*?</section>',
                      re.S)
_NO_TARGETS = re.compile(r'<header\b[^>]*\bdata-pe-targets="0"')
_NUMBERED = {"zh": re.compile(r"(<h2[^>]*>)([一二三四五六七八九十]+)、"),
             "en": re.compile(r"(<h2[^>]*>)(\d+)\. ")}
_ZH_NUMBERS = "一二三四五六七八九十"


def drop_empty_sections(body: str, lang: str = "zh") -> str:
    """On the page of a chapter without targets (its header says ``data-pe-targets="0"``),
    leave out the sections with nothing to show (``data-empty``, see
    :func:`analysis.report.html.is_empty_body`) and number the remaining ones again
    (一、二、… / 1. 2. …), so the page shows what the chapter has and no empty skeleton.
    Other pages are returned unchanged: there “no target is behind” is a finding."""
    if not _NO_TARGETS.search(body):
        return body
    kept = _SECTION.sub(lambda m: "" if 'data-empty="1"' in m.group(0).split(">", 1)[0]
                        else m.group(0), body)
    if kept == body:
        return body
    pattern = _NUMBERED.get(lang, _NUMBERED["en"])
    counter = iter(range(1, 100))

    def renumber(match: re.Match[str]) -> str:
        n = next(counter)
        if lang == "zh":
            return f"{match.group(1)}{_ZH_NUMBERS[n - 1] if n <= 10 else n}、"
        return f"{match.group(1)}{n}. "

    return _SECTION.sub(lambda m: pattern.sub(renumber, m.group(0), count=1), kept)


def _guess_lang(notebook: Any) -> str:
    """The page's language: the last ``lang = …`` of the parameter cells, as the notebook ran
    them (papermill's injected parameters come after the template's defaults)."""
    lang = "zh"
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []) or \
                "parameters" in cell.get("metadata", {}).get("tags", []):
            for match in re.finditer(r"""^\s*lang\s*=\s*['"](\w+)['"]""", cell.source, re.M):
                lang = match.group(1)
    return lang


_PAGE_CSS = """
body.pe-page { max-width: 60em; margin: 1.5em auto; padding: 0 1em; background: #fff; }
.pe-page pre { white-space: pre-wrap; }
@page { size: A4; margin: 15mm; }
@media print { body.pe-page { max-width: none; margin: 0; } }
"""
