"""Putting a draft together: plan identity and years, the rows of every finder, keys, order.

* **Years**: the indicator table's year columns (first = base, last = target, middle =
  mid-term, or halfway for a table of two years); else the period printed near the start
  (``（2021-2025年）``); else the most frequent ``到20XX年`` as the target year, five years after
  the base.
* **Title**: a short paragraph before the first chapter that names a 规划/计划/方案; else one
  composed from the region and the period (``某市教育发展“十四五”规划（2021—2025年）``),
  flagged. **Region**: the place the title starts with, else the place name (…市/县/区
  followed by 委, 政府, 教育, 财政…) the text repeats most.
* **Duplicates**: a milestone printed twice in a chapter (总体目标 and 具体目标) is kept once, in
  the more specific section, its ``source`` saying where else it is printed. Numeric targets
  printed twice keep a row per place (docs/catalogue.md, "Duplicates and pairs").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.errors import AnalysisError
from analysis.draft.compare import name_similarity
from analysis.draft.document import Document, read_document
from analysis.draft.grammar import DEADLINE, deadline_year
from analysis.draft.milestones import milestone_rows
from analysis.draft.naming import levels_agree
from analysis.draft.prose import LeftOut, Years, prose_rows
from analysis.draft.rows import DraftRow, assign_keys
from analysis.draft.structure import Outline, read_outline
from analysis.draft.table import find_tables, table_rows

DUPLICATE_SIMILARITY = 0.6
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*[-—–~～至到]\s*((?:19|20)\d{2})\s*年")
_TITLE = re.compile(r"规划|计划|方案|纲要")
_PLACE = re.compile(r"(?=([\u4e00-\u9fff]{2,4}[市县区旗])(?:委|人民政府|政府|教育|财政|人大|政协|各))")
_TITLE_PLACE = re.compile(
    r"^([\u4e00-\u9fff]{1,8}?[省市县区旗])(?=[\u4e00-\u9fff“”\"\d（）()—-]*(?:教育|规划))")
_NOT_PLACES = {"大湾区", "示范区", "实验区", "责任区", "经济区", "核心区", "开发区", "新城区",
               "贫困县", "示范县", "均衡县", "普惠县", "优质均衡县", "全市", "本市", "我市",
               "城市", "各市", "市县区", "社区", "园区", "城区", "校区", "片区", "辖区", "山区",
               "教育区", "督导区"}
_CN_NUMERALS = "零一二三四五六七八九"


@dataclass
class Meta:
    """What ``plan.yaml`` says besides the chapters."""

    name_zh: str
    region_zh: str
    years: Years
    notes: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """A drafted catalogue: the outline, the rows in plan order, identity, what was left out."""

    source: Path
    outline: Outline
    meta: Meta
    rows: list[DraftRow]
    left_out: list[LeftOut]


def plan_years(outline: Outline) -> tuple[Years, str]:
    """The plan's years and where they were read."""
    for table in find_tables(outline):
        years = sorted(table.years)
        if len(years) >= 3:
            return Years(years[0], years[len(years) // 2], years[-1]), "the indicator table"
        if 1 < years[-1] - years[0] <= 10:
            base, target = years[0], years[-1]
            return Years(base, (base + target + 1) // 2, target), "the indicator table"
    texts = [*outline.preface, *(p.text for p in outline.placed[:20])]
    for text in texts:
        if m := _PERIOD.search(text):
            base, target = int(m.group(1)) - 1, int(m.group(2))
            if 1 < target - base <= 10:
                return Years(base, (base + target + 1) // 2, target), f"the period {m.group()}"
    counts: Counter[int] = Counter()
    for placed in outline.placed:
        for m in DEADLINE.finditer(getattr(placed.block, "text", "")):
            if m.group("year"):
                counts[deadline_year(m, 0)] += 1
    target = counts.most_common(1)[0][0] if counts else 2025
    return Years(target - 5, target - 2, target), "the most frequent deadline"


def _region(document: Document, title: str) -> str:
    """The place a plan is for: the one its title starts with, else the place name (…市/县/区
    followed by 委, 政府, 教育, 财政…) the text repeats most (the longest of equally frequent
    ones, so 佛山市 and not 山市; a longer name counted less often is a word before it)."""
    if m := _TITLE_PLACE.match(title):
        return m.group(1)
    counts: Counter[str] = Counter()
    for paragraph in document.paragraphs():
        for m in _PLACE.finditer(paragraph.text):
            for start in range(len(m.group(1)) - 2, -1, -1):
                word = m.group(1)[start:]
                if word not in _NOT_PLACES and not any(word.endswith(x) for x in _NOT_PLACES):
                    counts[word] += 1
    if not counts:
        return ""
    best = max(counts.values())
    return max((w for w, n in counts.items() if n == best), key=len)


def _fyp_label(target: int) -> str:
    ordinal = (target - 1970) // 5 + 3
    if (target - 1970) % 5 or not 10 <= ordinal <= 19:
        return ""
    return f"“十{_CN_NUMERALS[ordinal - 10]}五”" if ordinal > 10 else "“十五”"


def plan_meta(document: Document, outline: Outline) -> Meta:
    years, where = plan_years(outline)
    notes = [f"years {years.base}/{years.midterm}/{years.target} read from {where}"]
    title = next((t for t in outline.preface if len(t) <= 60 and _TITLE.search(t)
                  and "。" not in t), "")
    region = _region(document, title)
    if not title:
        label = _fyp_label(years.target)
        title = f"{region}教育发展{label}规划（{years.base + 1}—{years.target}年）"
        notes.append("the text prints no title: name_zh is composed from the region and the "
                     "period")
    if not region:
        notes.append("no place name found: fill in region_zh")
    return Meta(title, region, years, notes)


def merge_duplicates(rows: list[DraftRow]) -> tuple[list[DraftRow], list[LeftOut]]:
    """Milestones printed twice in a chapter become one row (the more specific section)."""
    kept: list[DraftRow] = []
    dropped: list[LeftOut] = []
    for row in rows:
        twin = None
        if row.kind == "milestone":
            twin = next((k for k in kept if k.kind == "milestone" and k.chapter == row.chapter
                         and k.section != row.section and levels_agree(k.level, row.level)
                         and name_similarity(k.name_zh, row.name_zh) >= DUPLICATE_SIMILARITY),
                        None)
        if twin is None:
            kept.append(row)
            continue
        deeper, other = (row, twin) if row.section.count(".") > twin.section.count(".") else (
            twin, row)
        place = deeper.source
        deeper.source = f"{place}；另见 {other.source}"
        dropped.append(LeftOut(other.source, other.quote, f"printed again in {place}"))
        if deeper is row:
            kept[kept.index(twin)] = row
    return kept, dropped


def _order(outline: Outline) -> dict[str, int]:
    first: dict[str, int] = {}
    for i, placed in enumerate(outline.placed):
        if placed.location.section and placed.location.section not in first:
            first[placed.location.section] = i
    return first


def draft_catalogue(path: str | Path) -> Draft:
    """Read a plan document and draft its catalogue (rows keyed, in plan order)."""
    document = read_document(path)
    outline = read_outline(document)
    if not outline.chapters:
        raise AnalysisError("no chapter headings found (第一章 … or 一、…): the plan's structure "
                            "cannot be drafted", file=path)
    meta = plan_meta(document, outline)
    table = table_rows(outline, meta.years.midterm)
    prose = prose_rows(outline, meta.years)
    milestones = milestone_rows(outline, meta.years, prose)
    first = _order(outline)
    others = sorted([*prose.rows, *milestones],
                    key=lambda r: (first.get(r.section, 10**6), r.paragraph))
    others, dropped = merge_duplicates(others)
    rows = [*table, *others]
    for row in rows:
        row.task = outline.task_of(row.section)
    assign_keys(rows)
    return Draft(Path(path), outline, meta, rows, [*prose.left_out, *dropped])
