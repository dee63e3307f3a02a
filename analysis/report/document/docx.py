"""The report as an editable Word document (python-docx), after GB/T 9704 for layout.

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); body in a
仿宋 face at 三号 (16 pt) with a fixed line pitch, headings as real Word headings (Heading 1
黑体, Heading 2 楷体, Heading 3 仿宋 bold) so the navigation pane and the table of contents
work; a TOC field Word fills in on "Update field"; page numbers "— 1 —" in the footer; tables
as real tables whose header row repeats on every page and whose rows never split; figures as
pictures with numbered captions; fill-in fields highlighted. Every text stays editable. Fonts
are named, not embedded: Word substitutes what a PC lacks, as it does for every government
document.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

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
from analysis.report.i18n import t

BODY_FONT = ("仿宋_GB2312", "FangSong")
HEADING_FONTS = {1: ("黑体", "SimHei"), 2: ("楷体_GB2312", "KaiTi"), 3: ("仿宋_GB2312", "FangSong")}
TITLE_FONT = ("方正小标宋简体", "SimSun")
LATIN_FONT = "Times New Roman"
BODY_PT, TABLE_PT, TITLE_PT = 16, 10.5, 22
LINE_PITCH_PT = 28.9  # 22 lines on the A4 type area of GB/T 9704


def _fonts(run_or_style: object, east_asian: tuple[str, str], *, latin: str = LATIN_FONT) -> None:
    """Set the Latin and East Asian font of a run or style (Word reads w:eastAsia)."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = latin
    element = run_or_style.element  # type: ignore[attr-defined]
    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian[0])
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _styles(docx: object, lang: str) -> None:
    styles = docx.styles  # type: ignore[attr-defined]
    body = BODY_FONT if lang == "zh" else ("宋体", "SimSun")
    normal = styles["Normal"]
    _fonts(normal, body)
    normal.font.size = Pt(BODY_PT if lang == "zh" else 12)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PITCH_PT if lang == "zh" else 20)
    pf.space_before = pf.space_after = Pt(0)
    for level, face in HEADING_FONTS.items():
        style = styles[f"Heading {level}"]
        _fonts(style, face)
        style.font.size = Pt(BODY_PT if lang == "zh" else (14, 13, 12)[level - 1])
        style.font.bold = level == 3 or lang != "zh"
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        hpf = style.paragraph_format
        hpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        hpf.line_spacing = Pt(LINE_PITCH_PT if lang == "zh" else 20)
        hpf.space_before = Pt(6 if level == 1 else 0)
        hpf.space_after = Pt(0)
        hpf.keep_with_next = True
        hpf.first_line_indent = Pt(32) if (lang == "zh" and level > 1) else None
    caption = styles["Caption"]
    _fonts(caption, ("黑体", "SimHei"))
    caption.font.size = Pt(TABLE_PT + 1)
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.font.bold = False
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True


def _page(docx: object) -> None:
    section = docx.sections[0]  # type: ignore[attr-defined]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)


def _field(paragraph: object, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC …) with the text shown until Word updates it."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(begin)
    run._r.append(text)
    run._r.append(separate)
    shown = paragraph.add_run(placeholder)  # type: ignore[attr-defined]
    end_run = paragraph.add_run()  # type: ignore[attr-defined]
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    end_run._r.append(end)
    del shown


def _footer(docx: object, lang: str) -> None:
    """Page numbers "— N —" centred in the footer of the body section."""
    section = docx.sections[-1]  # type: ignore[attr-defined]
    section.footer.is_linked_to_previous = False
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, after = t("doc.page", lang, n="\0").partition("\0")
    for text in (before, None, after):
        if text is None:
            _field(paragraph, "PAGE", "1")
        else:
            run = paragraph.add_run(text)
            _fonts(run, ("宋体", "SimSun"))
    for run in paragraph.runs:
        run.font.size = Pt(14)


def _title_page(docx: object, doc: Document) -> None:
    for _ in range(4):
        docx.add_paragraph()  # type: ignore[attr-defined]
    for text in (*_title_lines(doc.title), doc.subtitle):
        paragraph = docx.add_paragraph()  # type: ignore[attr-defined]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.line_spacing = Pt(TITLE_PT * 1.6)
        run = paragraph.add_run(text)
        _fonts(run, TITLE_FONT)
        run.font.size = Pt(TITLE_PT)
    if doc.illustrative:
        paragraph = docx.add_paragraph()  # type: ignore[attr-defined]
        paragraph.paragraph_format.space_before = Pt(24)
        run = paragraph.add_run(doc.illustrative)
        run.font.bold = True
        run.font.size = Pt(12)
        run.font.color.rgb = RGBColor(0x9C, 0x27, 0x06)
    for _ in range(3):
        docx.add_paragraph()  # type: ignore[attr-defined]
    for key, value in doc.facts:
        paragraph = docx.add_paragraph()  # type: ignore[attr-defined]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(f"{key}：" if doc.lang == "zh" else f"{key}: ")
        _fill_or_text(paragraph, value)
    paragraph = docx.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(doc.date_line)


def _title_lines(title: str) -> tuple[str, ...]:
    """A long title broken before its closing bracket (``……规划`` / ``（2021—2025年）``)."""
    head, bracket, tail = title.rpartition("（")
    if bracket and len(title) > 16 and head:
        return head, bracket + tail
    return (title,)


def _fill_or_text(paragraph: object, text: str) -> None:
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    if text.startswith(("【", "[To be filled")):
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _repeat_header(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    for tag in ("w:tblHeader", "w:cantSplit"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def _no_split(row: object) -> None:
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)  # type: ignore[attr-defined]


def _table(docx: object, block: Table, number: int, lang: str) -> None:
    caption = docx.add_paragraph(  # type: ignore[attr-defined]
        (f"表{number}　" if lang == "zh" else f"Table {number}. ") + block.caption,
        style="Caption")
    del caption
    table = docx.add_table(rows=1, cols=len(block.header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # the widths below, not Word's or LibreOffice's guess
    widths = block.widths or (1.0,) * len(block.header)
    total = sum(widths)
    usable = 156.0  # mm between the margins
    for index, column in enumerate(table.columns):
        column.width = Mm(usable * widths[index] / total)
    for index, text in enumerate(block.header):
        cell = table.rows[0].cells[index]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.font.bold = True
        _cell_format(cell, index, widths, total, usable)
    _repeat_header(table.rows[0])
    for values in block.rows:
        row = table.add_row()
        _no_split(row)
        for index, text in enumerate(values):
            cell = row.cells[index]
            cell.text = ""
            _fill_or_text(cell.paragraphs[0], str(text))
            _cell_format(cell, index, widths, total, usable)
    docx.add_paragraph()  # type: ignore[attr-defined]


def _cell_format(cell: object, index: int, widths: tuple[float, ...], total: float,
                 usable: float) -> None:
    cell.width = Mm(usable * widths[index] / total)  # type: ignore[attr-defined]
    for paragraph in cell.paragraphs:  # type: ignore[attr-defined]
        pf = paragraph.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.first_line_indent = None
        for run in paragraph.runs:
            run.font.size = Pt(TABLE_PT)


def _figure(docx: object, block: Figure, number: int, lang: str) -> None:
    docx.add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))  # type: ignore[attr-defined]
    picture = docx.paragraphs[-1]  # type: ignore[attr-defined]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.first_line_indent = None
    caption = docx.add_paragraph(  # type: ignore[attr-defined]
        (f"图{number}　" if lang == "zh" else f"Figure {number}. ") + block.caption,
        style="Caption")
    caption.paragraph_format.keep_with_next = False


def _paragraph(docx: object, block: Paragraph, lang: str) -> None:
    paragraph = docx.add_paragraph()  # type: ignore[attr-defined]
    if block.style == "body" and lang == "zh":
        paragraph.paragraph_format.first_line_indent = Pt(32)
    elif block.style == "centre":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(block.text)
    if block.style == "note":
        run.font.bold = True
        run.font.size = Pt(12)


def write_docx(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` as a Word document at ``path`` (the caller makes the write atomic)."""
    docx = new_docx()
    _styles(docx, doc.lang)
    _page(docx)
    docx.core_properties.title = f"{doc.title}{doc.subtitle}"
    docx.core_properties.language = "zh-CN" if doc.lang == "zh" else "en-GB"
    docx.core_properties.author = ""
    _title_page(docx, doc)
    tables = figures = 0
    first_break = True
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            if first_break:  # the title page is a section of its own, without a page number
                docx.add_section(WD_SECTION.NEW_PAGE)
                _page_numbers_from_one(docx)
                first_break = False
            else:
                docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Contents):
            heading = docx.add_paragraph(block.title)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fonts(heading.runs[0], HEADING_FONTS[1])
            _field(docx.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', t("doc.toc.hint", doc.lang))
        elif isinstance(block, Heading):
            docx.add_heading(block.text, level=min(block.level, 3))
        elif isinstance(block, Paragraph):
            _paragraph(docx, block, doc.lang)
        elif isinstance(block, FillIn):
            paragraph = docx.add_paragraph()
            if doc.lang == "zh":
                paragraph.paragraph_format.first_line_indent = Pt(32)
            _fill_or_text(paragraph, block.label)
        elif isinstance(block, Table):
            tables += 1
            _table(docx, block, tables, doc.lang)
        elif isinstance(block, Figure):
            figures += 1
            _figure(docx, block, figures, doc.lang)
    _footer(docx, doc.lang)
    target = Path(path)
    docx.save(str(target))
    return target


def _page_numbers_from_one(docx: object) -> None:
    """The body section starts its page numbers at 1 and has its own footer."""
    section = docx.sections[-1]  # type: ignore[attr-defined]
    sect_pr = section._sectPr
    number = OxmlElement("w:pgNumType")
    number.set(qn("w:start"), "1")
    sect_pr.append(number)
    docx.sections[0].footer.is_linked_to_previous = False  # type: ignore[attr-defined]
