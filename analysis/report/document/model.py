"""The document as data: a list of blocks every writer renders the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    """A numbered heading as printed (``一、总体评价``); level 1–3."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Body text; ``style`` is ``body`` (first-line indent), ``plain``, ``note`` or ``centre``."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class FillIn:
    """A visible placeholder for what only the bureau can write (【待填写：……】)."""

    label: str


@dataclass(frozen=True)
class Table:
    """A table with a header row repeated on every page; ``widths`` in relative units."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A figure with its numbered caption (the one message it carries)."""

    png: bytes
    caption: str
    width_mm: float = 150.0


@dataclass(frozen=True)
class PageBreak:
    """Start the next block on a new page."""


@dataclass(frozen=True)
class Contents:
    """The table of contents (a field Word updates; a list of links in HTML)."""

    title: str


Block = Heading | Paragraph | FillIn | Table | Figure | PageBreak | Contents


@dataclass
class Document:
    """The whole report: title page facts and the blocks after it."""

    title: str
    subtitle: str
    lang: str
    date_line: str
    illustrative: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def headings(self, level: int | None = None) -> list[str]:
        """The headings' texts in order (of one level when given)."""
        return [b.text for b in self.blocks
                if isinstance(b, Heading) and (level is None or b.level == level)]

    def text(self) -> str:
        """All the document's words, one block a line (tests, search)."""
        lines = [self.title, self.subtitle, self.illustrative, self.date_line]
        lines += [f"{k}：{v}" for k, v in self.facts]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                lines.append(block.text)
            elif isinstance(block, FillIn):
                lines.append(block.label)
            elif isinstance(block, Table):
                lines.append(block.caption)
                lines += ["\t".join(row) for row in (block.header, *block.rows)]
            elif isinstance(block, Figure):
                lines.append(block.caption)
        return "\n".join(line for line in lines if line)
