"""The report as one print-ready HTML page (the same blocks as the Word document).

A4 print styles (page margins of GB/T 9704, headings kept with what follows, table rows and
figures never split, the table header repeated), a contents list linking the headings, links
to the summary and chapter pages, and the page readable on a screen down to 390 px.
"""

from __future__ import annotations

import base64
import html

from analysis.report.document.model import (
    Contents,
    Document,
    Figure,
    FillIn,
    Heading,
    PageBreak,
    Paragraph,
    Table,
)

REPORT_PAGE_CSS = """
body.pe-doc { max-width: 48em; margin: 1.5em auto; padding: 0 1em; color: #111;
  font-family: "FangSong", "STFangsong", "Noto Serif CJK SC", "Noto Sans CJK SC", serif;
  font-size: 16px; line-height: 1.8; }
.pe-doc h1, .pe-doc h2, .pe-doc h3, .pe-doc .pe-title, .pe-doc .pe-contents-title {
  font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; font-weight: bold; }
.pe-doc .pe-title { font-size: 1.8em; text-align: center; margin-top: 3em; line-height: 1.5; }
.pe-doc .pe-subtitle { font-size: 1.6em; text-align: center; font-weight: bold; }
.pe-doc .pe-facts { text-align: center; margin-top: 3em; }
.pe-doc h1 { font-size: 1.25em; margin: 1.4em 0 0.4em; }
.pe-doc h2 { font-size: 1.1em; margin: 1.1em 0 0.3em; font-family: "KaiTi", "STKaiti", serif; }
.pe-doc p.body { text-indent: 2em; margin: 0.2em 0; }
.pe-doc p.note { font-weight: bold; color: #7a2a00; }
.pe-doc .pe-fill { background: #fff59d; }
.pe-doc table { border-collapse: collapse; width: 100%; font-size: 0.8em; line-height: 1.4;
  margin: 0.3em 0 1em; }
.pe-doc th, .pe-doc td { border: 1px solid #555; padding: 0.2em 0.35em; vertical-align: top; }
.pe-doc thead { display: table-header-group; }
.pe-doc caption, .pe-doc figcaption { font-family: "SimHei", sans-serif; text-align: center;
  font-size: 0.9em; margin: 0.3em 0; }
.pe-doc figure { margin: 0.8em 0; text-align: center; }
.pe-doc figure img { max-width: 100%; height: auto; }
.pe-doc nav.pe-links { font-size: 0.85em; border-bottom: 1px solid #ccc; padding-bottom: 0.4em; }
.pe-doc nav.pe-links a { margin-right: 1em; }
.pe-doc .pe-banner { background: #fff3cd; border: 2px solid #d39e00; padding: 0.5em 0.8em;
  font-weight: bold; }
.pe-doc .pe-table-wrap { overflow-x: auto; }
@media (max-width: 480px) {
  body.pe-doc { font-size: 15px; padding: 0 0.5em; }
  .pe-doc table { font-size: 0.72em; }
  .pe-doc th, .pe-doc td { padding: 0.15em 0.2em; }
}
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
@media print {
  body.pe-doc { max-width: none; margin: 0; padding: 0; font-size: 16pt; line-height: 28.9pt; }
  .pe-doc table { font-size: 10.5pt; line-height: 1.35; }
  .pe-doc nav.pe-links { display: none; }
  .pe-doc .pe-break { break-before: page; page-break-before: always; }
  .pe-doc h1, .pe-doc h2, .pe-doc h3, .pe-doc caption, .pe-doc figcaption {
    break-after: avoid; page-break-after: avoid; }
  .pe-doc tr, .pe-doc figure, .pe-doc img { break-inside: avoid; page-break-inside: avoid; }
  .pe-doc .pe-fill { background: #fff59d; -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(index: int) -> str:
    return f"sec-{index}"


def render_page(doc: Document, *, links: list[tuple[str, str]] | None = None) -> str:
    """The whole document as a self-contained HTML page; ``links`` are (label, href) pairs
    shown at the top (summary, chapters, Word document, the other language)."""
    lang = doc.lang
    headings = [(i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Heading)]
    parts: list[str] = []
    if links:
        parts.append('<nav class="pe-links">' + "".join(
            f'<a href="{_esc(href)}">{_esc(label)}</a>' for label, href in links) + "</nav>")
    parts.append(f'<div class="pe-title">{_esc(doc.title)}</div>')
    parts.append(f'<div class="pe-subtitle">{_esc(doc.subtitle)}</div>')
    if doc.illustrative:
        parts.append(f'<p class="pe-banner" role="note">{_esc(doc.illustrative)}</p>')
    facts = "".join(f"<div>{_esc(k)}{'：' if lang == 'zh' else ': '}{_value(v)}</div>"
                    for k, v in doc.facts)
    parts.append(f'<div class="pe-facts">{facts}<div>{_esc(doc.date_line)}</div></div>')
    tables = figures = 0
    for index, block in enumerate(doc.blocks):
        if isinstance(block, PageBreak):
            parts.append('<div class="pe-break"></div>')
        elif isinstance(block, Contents):
            items = "".join(
                f'<li class="pe-toc-{b.level}"><a href="#{_anchor(i)}">{_esc(b.text)}</a></li>'
                for i, b in headings if b.level <= 2)
            parts.append(f'<div class="pe-contents-title">{_esc(block.title)}</div>'
                         f'<ul class="pe-contents">{items}</ul>')
        elif isinstance(block, Heading):
            level = min(block.level, 3)
            parts.append(f'<h{level} id="{_anchor(index)}">{_esc(block.text)}</h{level}>')
        elif isinstance(block, Paragraph):
            parts.append(f'<p class="{_esc(block.style)}">{_esc(block.text)}</p>')
        elif isinstance(block, FillIn):
            parts.append(f'<p class="body"><span class="pe-fill">{_esc(block.label)}</span></p>')
        elif isinstance(block, Table):
            tables += 1
            label = f"表{tables}　" if lang == "zh" else f"Table {tables}. "
            head = "".join(f"<th>{_esc(h)}</th>" for h in block.header)
            body = "".join("<tr>" + "".join(f"<td>{_value(c)}</td>" for c in row) + "</tr>"
                           for row in block.rows)
            cols = ""
            if block.widths:
                total = sum(block.widths)
                cols = "<colgroup>" + "".join(
                    f'<col style="width:{100 * w / total:.1f}%"/>' for w in block.widths) + \
                    "</colgroup>"
            parts.append(f'<div class="pe-table-wrap"><table><caption>{_esc(label + block.caption)}'
                         f"</caption>{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                         "</table></div>")
        elif isinstance(block, Figure):
            figures += 1
            label = f"图{figures}　" if lang == "zh" else f"Figure {figures}. "
            encoded = base64.b64encode(block.png).decode("ascii")
            parts.append(f'<figure><img src="data:image/png;base64,{encoded}" '
                         f'alt="{_esc(block.caption)}"/><figcaption>{_esc(label + block.caption)}'
                         "</figcaption></figure>")
    title = f"{doc.title}{doc.subtitle}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{_esc(title)}</title>\n<style>{REPORT_PAGE_CSS}</style>\n"
        f'</head>\n<body class="pe-doc">\n{"".join(parts)}\n</body>\n</html>\n'
    )


def _value(text: object) -> str:
    """Cell or fact text, a fill-in field highlighted."""
    value = str(text)
    if value.startswith(("【", "[To be filled")):
        return f'<span class="pe-fill">{_esc(value)}</span>'
    return _esc(value)


__all__ = ["REPORT_PAGE_CSS", "render_page"]
