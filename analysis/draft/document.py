"""Reading a plan document (.docx, .txt, .md) into paragraphs and tables, in reading order.

* ``.docx`` is read from ``word/document.xml`` with :mod:`zipfile` and :mod:`xml.etree`
  (python-docx is not a dependency): paragraphs, tables (merged cells come out empty, so a
  level printed once for a block of rows is inherited by the rows below), text boxes and
  one-column tables (the boxes plans print 专项工程 in) as *boxed* paragraphs, and the heading
  level of a paragraph's style.
* ``.txt`` as exported from a word processor: a run of lines that start with a TAB is a table
  printed one cell per line, rows separated by a blank line (a line without a TAB right after a
  cell continues that cell) when two or more rows hold several short cells; otherwise (one cell
  per row, or TAB-indented prose) the run is a text box of paragraphs.
  A line holding two or more TAB-separated cells is a table row, so is a ``| a | b |`` line.
* ``.md``: the same, after heading marks, emphasis, bullets and links are dropped; ``>`` quote
  blocks are text boxes.

Word-processor artefacts such as ``[bookmark: _Toc123]`` are removed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from analysis.core.errors import AnalysisError

FORMATS = (".docx", ".txt", ".md")

_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|\{#[^}]*\}|\{\.[a-z]+\}")
_PIPE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_STYLE = re.compile(r"(?i)(?:heading|标题)\s*(\d)")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph; ``box`` numbers the text box it is printed in (None outside boxes)."""

    index: int
    text: str
    line: int | None = None
    box: int | None = None
    style_level: int | None = None


@dataclass(frozen=True)
class Table:
    """A table as printed: rows of cell texts (a cell may hold line breaks)."""

    index: int
    rows: tuple[tuple[str, ...], ...]
    line: int | None = None


Block = Paragraph | Table


@dataclass
class Document:
    """The blocks of a document in reading order."""

    path: Path
    blocks: list[Block] = field(default_factory=list)

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def clean_text(text: str) -> str:
    """Drop word-processor artefacts and surrounding white space (full-width included)."""
    return _ARTEFACTS.sub("", text).strip(" \t\r\n\u3000\ufeff")


def read_document(path: str | Path) -> Document:
    """Read a plan document; AnalysisError for a missing file or an unknown format."""
    source = Path(path)
    if not source.is_file():
        raise AnalysisError("plan document not found", file=source)
    suffix = source.suffix.lower()
    if suffix == ".docx":
        return _read_docx(source)
    if suffix in (".txt", ".md"):
        try:
            text = source.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise AnalysisError("not UTF-8 text (save the file as UTF-8)", file=source) from None
        return read_text(text, path=source, markdown=suffix == ".md")
    raise AnalysisError(f"unknown plan document format (use {', '.join(FORMATS)})",
                        file=source, text=source.suffix)


# --------------------------------------------------------------------------- text


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+")
_MD_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]+>")


def _markdown_line(line: str) -> tuple[str, bool]:
    """A markdown line as plain text, and whether it sits in a ``>`` quote block."""
    quoted = line.lstrip().startswith(">")
    if quoted:
        line = line.lstrip()[1:]
        line = line[1:] if line.startswith(" ") else line
    line = _MD_HEADING.sub("", line)
    line = _MD_BULLET.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _HTML_TAG.sub("", line)
    return _MD_EMPHASIS.sub("", line), quoted


def _cells(line: str) -> list[str] | None:
    """The cells of a table row printed on one line (TABs or pipes), else None."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        inner = stripped.strip("|")
        return [clean_text(c) for c in inner.split("|")]
    if line.count("\t") >= 1:
        cells = [clean_text(c) for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if line.startswith("\t") and len(line.split("\t")) <= 2:
            return None  # one TAB-led cell: part of a one-cell-per-line table or a box
        if len([c for c in cells if c]) >= 2:
            return cells
    return None


def read_text(text: str, *, path: str | Path = "<text>", markdown: bool = False) -> Document:
    """Blocks of a plain-text (or markdown) plan; see the module docstring for the layouts."""
    raw = text.splitlines()
    quoted: list[bool] = []
    lines: list[str] = []
    for line in raw:
        if markdown:
            line, inside = _markdown_line(line)
        else:
            inside = False
        lines.append(_ARTEFACTS.sub("", line).rstrip("\r"))
        quoted.append(inside)
    document = Document(path=Path(path))
    boxes = 0
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _is_tab_cell(line):
            i, block = _tab_run(lines, i, document, boxes + 1)
            if isinstance(block, list):
                boxes += 1
                document.blocks.extend(block)
            else:
                document.blocks.append(block)
            continue
        if _PIPE_SEPARATOR.match(line.strip()) and "-" in line:
            i += 1
            continue
        cells = _cells(line)
        if cells is not None:
            rows, start = [], i
            while i < n and (cells := _cells(lines[i])) is not None:
                rows.append(tuple(cells))
                i += 1
                while i < n and _PIPE_SEPARATOR.match(lines[i].strip()) and "-" in lines[i]:
                    i += 1
            document.blocks.append(Table(len(document.blocks), tuple(rows), start + 1))
            continue
        body = clean_text(line)
        if body:
            box = None
            if quoted[i]:
                if not (i > 0 and quoted[i - 1] and document.blocks
                        and isinstance(document.blocks[-1], Paragraph)
                        and document.blocks[-1].box is not None):
                    boxes += 1
                box = boxes
            document.blocks.append(Paragraph(len(document.blocks), body, i + 1, box))
        i += 1
    return document


def _is_tab_cell(line: str) -> bool:
    return line.startswith("\t") and line.count("\t") == 1 or line == "\t"


def _looks_like_table(groups: list[list[list[str]]]) -> bool:
    """Two or more rows of several short cells; TAB-indented prose is no table."""
    rows = [g for g in groups if len(g) >= 2]
    cells = ["".join(cell) for g in rows for cell in g]
    return len(rows) >= 2 and sum(len(c) for c in cells) / len(cells) <= 30


def _tab_run(lines: list[str], start: int, document: Document, box: int
             ) -> tuple[int, Table | list[Paragraph]]:
    """Read a run of TAB-led lines (one cell per line); returns the next line and the block."""
    groups: list[list[list[str]]] = []  # rows → cells → lines
    group: list[list[str]] = []
    i, n, blank = start, len(lines), 0
    while i < n:
        line = lines[i]
        if not line.strip() and not line.startswith("\t"):
            blank += 1
            if group:
                groups.append(group)
                group = []
            if blank >= 2:
                break
            i += 1
            continue
        if _is_tab_cell(line):
            group.append([line[1:]])
        elif blank == 0 and group:
            group[-1].append(line)  # a cell continued on the next line
        else:
            break
        blank = 0
        i += 1
    if group:
        groups.append(group)
    while i < n and not lines[i].strip() and not lines[i].startswith("\t"):
        i += 1
    if _looks_like_table(groups):
        rows = tuple(tuple(clean_text("\n".join(cell)) for cell in g) for g in groups)
        return i, Table(len(document.blocks), rows, start + 1)
    paragraphs: list[Paragraph] = []
    line_no = start + 1
    for g in groups:
        for text in (line for cell in g for line in cell):
            body = clean_text(text)
            if body:
                paragraphs.append(Paragraph(len(document.blocks) + len(paragraphs), body,
                                            line_no, box))
            line_no += 1
    return i, paragraphs


# --------------------------------------------------------------------------- docx


def _read_docx(path: Path) -> Document:
    try:
        with zipfile.ZipFile(path) as archive:
            body_xml = archive.read("word/document.xml")
            names = archive.namelist()
            styles_xml = archive.read("word/styles.xml") if "word/styles.xml" in names else None
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise AnalysisError(f"cannot read the .docx file ({exc})", file=path) from None
    try:
        root = ElementTree.fromstring(body_xml)
    except ElementTree.ParseError as exc:
        raise AnalysisError(f"word/document.xml is not well-formed XML ({exc})",
                            file=path) from None
    reader = _DocxReader(Document(path=path), _style_levels(styles_xml))
    body = root.find(f"{_W}body")
    if body is not None:
        reader.container(body)
    return reader.document


def _style_levels(styles_xml: bytes | None) -> dict[str, int]:
    """Style id → heading level (1 = top), from the style's name or outline level."""
    if not styles_xml:
        return {}
    try:
        root = ElementTree.fromstring(styles_xml)
    except ElementTree.ParseError:
        return {}
    levels: dict[str, int] = {}
    for style in root.iter(f"{_W}style"):
        style_id = style.get(f"{_W}styleId") or ""
        name = style.find(f"{_W}name")
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if outline is not None and (outline.get(f"{_W}val") or "").isdigit():
            levels[style_id] = int(outline.get(f"{_W}val") or 0) + 1
        elif name is not None and (m := _HEADING_STYLE.search(name.get(f"{_W}val") or "")):
            levels[style_id] = int(m.group(1))
    return levels


class _DocxReader:
    """Walks ``w:body``: paragraphs, tables, text boxes and content controls in order."""

    def __init__(self, document: Document, style_levels: dict[str, int]) -> None:
        self.document = document
        self.style_levels = style_levels
        self.boxes = 0

    def _add(self, block_text: str, box: int | None, style_level: int | None = None) -> None:
        for part in block_text.split("\n"):
            body = clean_text(part)
            if body:
                self.document.blocks.append(
                    Paragraph(len(self.document.blocks), body, None, box, style_level))

    def container(self, element: ElementTree.Element, box: int | None = None) -> None:
        for child in element:
            if child.tag == f"{_W}p":
                self.paragraph(child, box)
            elif child.tag == f"{_W}tbl":
                self.table(child, box)
            elif child.tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    self.container(content, box)

    def paragraph(self, element: ElementTree.Element, box: int | None) -> None:
        parts: list[str] = []
        boxes: list[ElementTree.Element] = []
        self._runs(element, parts, boxes)
        style = element.find(f"{_W}pPr/{_W}pStyle")
        outline = element.find(f"{_W}pPr/{_W}outlineLvl")
        level = None
        if outline is not None and (outline.get(f"{_W}val") or "").isdigit():
            level = int(outline.get(f"{_W}val") or 0) + 1
        elif style is not None:
            level = self.style_levels.get(style.get(f"{_W}val") or "")
        self._add("".join(parts), box, level)
        for content in boxes:
            self.boxes += 1
            self.container(content, self.boxes)

    def _runs(self, element: ElementTree.Element, parts: list[str],
              boxes: list[ElementTree.Element]) -> None:
        for child in element:
            tag = child.tag
            if tag == _MC_FALLBACK:
                continue  # the same content as mc:Choice, for older readers
            if tag == f"{_W}txbxContent":
                boxes.append(child)
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            else:
                self._runs(child, parts, boxes)

    def table(self, element: ElementTree.Element, box: int | None) -> None:
        rows: list[tuple[str, ...]] = []
        cells_xml: list[list[ElementTree.Element]] = []
        for tr in element.iter(f"{_W}tr"):
            cells = [tc for tc in tr if tc.tag == f"{_W}tc"]
            cells_xml.append(cells)
            rows.append(tuple(self._cell_text(tc) for tc in cells))
        if rows and max(len(r) for r in rows) == 1:
            self.boxes += 1
            for cells in cells_xml:
                for tc in cells:
                    self.container(tc, self.boxes)
            return
        self.document.blocks.append(Table(len(self.document.blocks), tuple(rows), None))

    def _cell_text(self, cell: ElementTree.Element) -> str:
        lines = []
        for p in cell.iter(f"{_W}p"):
            parts: list[str] = []
            self._runs(p, parts, [])
            lines.append("".join(parts))
        return clean_text("\n".join(line for line in lines if line.strip()))
