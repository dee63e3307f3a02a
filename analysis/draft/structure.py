"""Chapters and sections from the printed heading markers, and where each paragraph sits.

Headings (docs/catalogue_draft.md, "Structure"):

* ``第三章 重点任务`` — a chapter (its number as printed);
* ``二、加快学前教育普及普惠规范发展`` — a section ``3.2``; in a chapter of tasks (a title
  with 任务 / 举措 / 重点工作, or one holding 专项工程) the sections are key tasks;
* ``（四）坚持依规管理，强化幼儿园质量监管`` — a subsection ``3.2.4``; an inline heading
  (``（一）立足当前，谋划长远。坚持…``) is the words before the first 。, the rest is its text;
* ``专项工程7：薄弱幼儿园规范化达标行动`` (also 重点工程 / 重大工程 / 专栏 N) — a special
  project ``P7`` of the key task it is printed in, ``located_in`` the subsection it follows. A
  project printed in a text box ends with the box; otherwise at the next heading;
* ``名词解释`` / ``附表`` / ``附件`` / ``附录`` — the end of the chapters: nothing after is drafted.

Without any ``第…章`` heading, ``一、`` headings are the chapters and ``（一）`` their sections.
A .docx whose headings are numbered by the word processor (the marker is not in the text) is
read from the heading styles (Heading 1/2/3 or their outline level), for the levels the text
never marks.
A chapter whose title speaks of the past (规划背景, 发展基础, 现状, 回顾) is *background*: its
numbers are history, not targets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from analysis.draft.document import Block, Document, Paragraph, Table
from analysis.draft.grammar import chinese_number

CHAPTER = re.compile(r"^第([一二三四五六七八九十百零〇两\d]+)(章|部分|篇)\s*(.*)$")
SECTION = re.compile(r"^([一二三四五六七八九十]+)[、．.]\s*(.+)$")
SUBSECTION = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*(.+)$")
PROJECT = re.compile(
    r"^(专项工程|重点工程|重大工程|专栏)\s*([0-9０-９]+|[一二三四五六七八九十]+)\s*[：:、.．]?\s*(.*)$"
)
ITEM_NUMBER = re.compile(r"^(\d{1,2})[.、．](?!\d)\s*(.+)$")
END_OF_CHAPTERS = re.compile(r"^(名词解释|附表|附件|附录|注释|备注)\s*[:：\d一二三四五六七八九十]*\s*$")
BACKGROUND = re.compile(r"背景|基础|回顾|现状|成就|形势|成效|总结")
TASKS = re.compile(r"任务|举措|重点工作")
MAX_TITLE = 40


@dataclass
class Section:
    """A section of the outline (ids and kinds as in ``plan.yaml``)."""

    id: str
    kind: str
    title: str
    marker: str
    chapter: int
    parent: str | None = None
    located_in: str | None = None
    sections: list[Section] = field(default_factory=list)


@dataclass
class Chapter:
    number: int
    title: str
    marker: str
    sections: list[Section] = field(default_factory=list)
    background: bool = False
    tasks: bool = False


@dataclass(frozen=True)
class Location:
    """Where a block sits: chapter, most specific section, paragraph number, printed place."""

    chapter: int | None
    section: str | None
    paragraph: int
    source: str
    item: int | None = None


@dataclass(frozen=True)
class Placed:
    """A body block (paragraph or table) with its location; ``text`` drops item numbers."""

    block: Block
    location: Location
    text: str = ""


@dataclass
class Outline:
    """The chapters, every body block in order with its location, and the preface."""

    chapters: list[Chapter] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)
    preface: list[str] = field(default_factory=list)

    def sections(self) -> list[Section]:
        """Every section, depth first."""
        out: list[Section] = []

        def walk(items: list[Section]) -> None:
            for s in items:
                out.append(s)
                walk(s.sections)

        for chapter in self.chapters:
            walk(chapter.sections)
        return out

    def section(self, section_id: str | None) -> Section | None:
        return next((s for s in self.sections() if s.id == section_id), None)

    def chapter(self, number: int | None) -> Chapter | None:
        return next((c for c in self.chapters if c.number == number), None)

    def chain(self, section_id: str | None) -> list[Section]:
        """The section and the sections containing it, nearest first."""
        chain: list[Section] = []
        current = self.section(section_id)
        while current is not None:
            chain.append(current)
            current = self.section(current.parent)
        return chain

    def task_of(self, section_id: str | None) -> str:
        """The key task or special project a section belongs to ('' outside them)."""
        for s in self.chain(section_id):
            if s.kind in ("special_project", "key_task"):
                return s.id
        return ""

    def is_background(self, chapter: int | None) -> bool:
        found = self.chapter(chapter)
        return found is not None and found.background


def heading_title(rest: str) -> tuple[str, str] | None:
    """``(title, text after it)`` of a heading's words, or None when they read as prose."""
    rest = rest.strip()
    if "。" in rest:
        title, _, remainder = rest.partition("。")
        if len(title) > MAX_TITLE or not title:
            return None
        return title.strip(), remainder.strip()
    if len(rest) > MAX_TITLE + 10 or "；" in rest:
        return None
    return rest.rstrip("：:").strip(), ""


def _number(text: str) -> int | None:
    return chinese_number(unicodedata.normalize("NFKC", text))


class _Builder:
    def __init__(self, chapter_mode: bool, styled: set[int]) -> None:
        self.outline = Outline()
        self.chapter_mode = chapter_mode
        self.styled = styled
        self.chapter: Chapter | None = None
        self.section: Section | None = None
        self.subsection: Section | None = None
        self.project: Section | None = None
        self.project_box: int | None = None
        self.ended = False
        self.counts: dict[str, int] = {}
        self.projects: list[tuple[Section, Section]] = []

    # -- headings ---------------------------------------------------------------------

    def open_chapter(self, numeral: str, title: str, marker: str) -> None:
        number = _number(numeral) or len(self.outline.chapters) + 1
        if any(c.number == number for c in self.outline.chapters):
            number = max(c.number for c in self.outline.chapters) + 1
        self.chapter = Chapter(number, title, marker, background=bool(BACKGROUND.search(title)),
                               tasks=bool(TASKS.search(title)))
        self.outline.chapters.append(self.chapter)
        self.section = self.subsection = self.project = None
        self.ended = False

    def open_section(self, numeral: str, title: str) -> None:
        assert self.chapter is not None
        siblings = self.chapter.sections
        sid = self._child_id(str(self.chapter.number), numeral, siblings)
        self.section = Section(sid, "section", title, numeral, self.chapter.number)
        siblings.append(self.section)
        self.subsection = self.project = None

    def open_subsection(self, numeral: str, title: str) -> None:
        assert self.chapter is not None
        if self.section is None:
            self.open_section(numeral, title)
            return
        siblings = [s for s in self.section.sections if s.kind == "subsection"]
        sid = self._child_id(self.section.id, numeral, siblings)
        self.subsection = Section(sid, "subsection", title, f"（{numeral}）", self.chapter.number,
                                  parent=self.section.id)
        self.section.sections.append(self.subsection)
        self.project = None

    def open_project(self, number_text: str, title: str, box: int | None) -> None:
        assert self.chapter is not None
        number = _number(number_text) or len(self.projects) + 1
        used = {p.id for p, _ in self.projects}
        pid = f"P{number}"
        while pid in used:
            number += 1
            pid = f"P{number}"
        prefix = "专项工程" if not title else ""
        self.project = Section(pid, "special_project", title or f"{prefix}{number}",
                               f"专项工程{number}", self.chapter.number,
                               parent=self.section.id if self.section else None,
                               located_in=self.subsection.id if self.subsection else None)
        self.project_box = box
        if self.section is not None:
            self.projects.append((self.project, self.section))
        else:
            self.project.kind = "section"
            self.chapter.sections.append(self.project)

    def _child_id(self, parent: str, numeral: str, siblings: list[Section]) -> str:
        number = _number(numeral) or len(siblings) + 1
        sid = f"{parent}.{number}"
        if any(s.id == sid for s in siblings):
            sid = f"{parent}.{len(siblings) + 1}"
        return sid

    # -- body -------------------------------------------------------------------------

    def current(self) -> Section | None:
        return self.project or self.subsection or self.section

    def place(self, block: Block, text: str = "") -> None:
        if self.ended or self.chapter is None:
            if isinstance(block, Paragraph) and not self.ended:
                self.outline.preface.append(block.text)
            where = "附" if self.ended else "前言"
            self.outline.placed.append(Placed(block, Location(None, None, 0, where), text))
            return
        section = self.current()
        key = section.id if section else f"ch{self.chapter.number}"
        self.counts[key] = self.counts.get(key, 0) + 1
        item = None
        if isinstance(block, Paragraph) and (m := ITEM_NUMBER.match(text)):
            item, text = int(m.group(1)), m.group(2)
        self.outline.placed.append(Placed(
            block, Location(self.chapter.number, section.id if section else None,
                            self.counts[key], self.source(item), item), text))

    def source(self, item: int | None = None) -> str:
        assert self.chapter is not None
        parts = [self.chapter.marker]
        place = ""
        if self.section is not None:
            place = self.section.marker
            if self.subsection is not None:
                place += self.subsection.marker
        if place:
            parts.append(place)
        if self.project is not None:
            parts.append(self.project.marker)
        if item is not None:
            parts.append(f"第{item}条")
        return " ".join(parts)

    def finish(self) -> Outline:
        # listed after the subsections of their key task, by number (as plan.yaml lists them)
        for project, section in sorted(self.projects, key=lambda p: int(p[0].id[1:])):
            section.sections.append(project)
        for chapter in self.outline.chapters:
            has_projects = any(s.kind == "special_project" for top in chapter.sections
                               for s in top.sections)
            chapter.tasks = chapter.tasks or has_projects
            if chapter.tasks:
                for top in chapter.sections:
                    if top.kind == "section":
                        top.kind = "key_task"
            else:
                for top in chapter.sections:
                    for s in top.sections:
                        if s.kind == "special_project":  # cannot happen: has_projects
                            s.kind = "subsection"
        return self.outline


def _styled_levels(paragraphs: list[Paragraph]) -> set[int]:
    """Heading levels (1 chapter, 2 section, 3 subsection) to read from paragraph styles: those
    the text never marks (automatic numbering leaves 第一章 / 一、 / （一） out of the text)."""
    marked = {1: CHAPTER, 2: SECTION, 3: SUBSECTION}
    return {level for level, pattern in marked.items()
            if not any(pattern.match(p.text) for p in paragraphs)
            and sum(p.style_level == level for p in paragraphs) >= (2 if level == 1 else 1)}


def read_outline(document: Document) -> Outline:
    """The outline of a document: chapters, sections, projects and placed body blocks."""
    paragraphs = document.paragraphs()
    styled = _styled_levels(paragraphs)
    chapter_mode = 1 in styled or any(
        CHAPTER.match(p.text) and heading_title(CHAPTER.match(p.text).group(3) or "x")
        for p in paragraphs)
    b = _Builder(chapter_mode, styled)
    for block in document.blocks:
        if isinstance(block, Table):
            if b.project is not None and b.project_box is not None:
                b.project = None
            b.place(block)
            continue
        text = block.text
        if b.project is not None and b.project_box is not None and block.box != b.project_box:
            b.project = None  # the box of the special project has ended
        if b.outline.chapters and END_OF_CHAPTERS.match(text):
            b.ended = True
            b.chapter = None
            continue
        if _heading(b, block, text):
            continue
        b.place(block, text)
    return b.finish()


def _heading(b: _Builder, block: Paragraph, text: str) -> bool:
    """Open the chapter/section/subsection/project a heading paragraph names; True if it was one."""
    if b.chapter_mode and (m := CHAPTER.match(text)):
        found = heading_title(m.group(3) or "")
        if found is not None or not m.group(3):
            b.open_chapter(m.group(1), (found or ("", ""))[0], f"第{m.group(1)}{m.group(2)}")
            if found and found[1]:
                b.place(block, found[1])
            return True
    if (m := SECTION.match(text)) and (found := heading_title(m.group(2))):
        if not b.chapter_mode:
            b.open_chapter(m.group(1), found[0], f"{m.group(1)}、")
        elif b.chapter is not None:
            b.open_section(m.group(1), found[0])
        else:
            return False
        if found[1]:
            b.place(block, found[1])
        return True
    if (m := SUBSECTION.match(text)) and (found := heading_title(m.group(2))) and b.chapter:
        if b.chapter_mode:
            b.open_subsection(m.group(1), found[0])
        else:
            b.open_section(m.group(1), found[0])
        if found[1]:
            b.place(block, found[1])
        return True
    if (m := PROJECT.match(text)) and b.chapter is not None:
        title = m.group(3).strip()
        if len(title) <= MAX_TITLE and "。" not in title:
            b.open_project(m.group(2), title, block.box)
            return True
    return _styled_heading(b, block, text)


def _styled_heading(b: _Builder, block: Paragraph, text: str) -> bool:
    """A heading known only by its style (numbering generated by the word processor)."""
    level = block.style_level
    if level not in b.styled or (found := heading_title(text)) is None or found[1]:
        return False
    if level == 1:
        number = str(len(b.outline.chapters) + 1)
        b.open_chapter(number, found[0], f"第{number}章")
    elif level == 2 and b.chapter is not None:
        b.open_section(str(len(b.chapter.sections) + 1), found[0])
    elif level == 3 and b.section is not None:
        count = sum(s.kind == "subsection" for s in b.section.sections)
        b.open_subsection(str(count + 1), found[0])
    else:
        return False
    return True
