"""The main indicator table (主要指标表): every row, values exactly as printed per year column.

An indicator table is a table whose header row has two or more year columns (``2020年``,
``2025年（目标）``) and a column of names (``指标``/``项目``/``名称``, or the first text column).
A column headed 层次/学段/类别/领域 holds the level; printed once for a block of rows, it is
inherited by the rows below (an empty or merged cell). A column headed 属性 gives 约束性/预期性;
one headed 单位 gives the unit. The table may come as a .docx table, as TAB-separated or pipe
rows, or one cell per line (:mod:`analysis.draft.document`); a table printed one cell per
paragraph without TABs is recognised here too (header cells, then rows of a name followed by
one value per year). Tables titled 完成情况/回顾 (the past plan's results) are left out.

The first year column is the baseline, the last the target; with three or more the one of the
mid-term year (or the middle one) is the mid-term column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.core.errors import AnalysisError
from analysis.core.quantities import normalise_text, parse_values
from analysis.draft.document import Paragraph, Table
from analysis.draft.naming import indicator_for, level_of
from analysis.draft.rows import NO_INDICATOR, DraftRow
from analysis.draft.structure import Location, Outline, Placed

YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
LEVEL_HEADER = re.compile(r"层次|学段|类别|类型|领域|分类|阶段|项目类别")
NAME_HEADER = re.compile(r"指标|项目|名称|内容")
ATTRIBUTE_HEADER = re.compile(r"属性")
UNIT_HEADER = re.compile(r"^单位$|计量单位")
SKIP_HEADER = re.compile(r"^序号$|^编号$|^备注$")
PAST_TITLE = re.compile(r"完成情况|回顾|实现情况")
_VALUE_CELL = re.compile(r"\d|^[—\-–/…]+$|逐年|全覆盖")


@dataclass
class IndicatorTable:
    """A recognised indicator table: its columns and data rows."""

    title: str
    location: Location
    years: list[int]
    level_col: int | None
    name_col: int
    year_cols: list[int]
    attribute_col: int | None
    unit_col: int | None
    rows: list[tuple[str, ...]] = field(default_factory=list)


def _header(row: tuple[str, ...]) -> tuple[list[int], list[int]] | None:
    """``(year columns, years)`` of a header row, or None when it has fewer than two."""
    cols, years = [], []
    for i, cell in enumerate(row):
        text = normalise_text(cell)
        m = YEAR.fullmatch(text) or re.fullmatch(r"((?:19|20)\d{2})年?[（(]?.{0,6}?[)）]?", text)
        if m and len(text) <= 14:
            cols.append(i)
            years.append(int(m.group(1)))
    return (cols, years) if len(cols) >= 2 else None


def _columns(header: tuple[str, ...], year_cols: list[int]
             ) -> tuple[int | None, int, int | None, int | None] | None:
    """``(level, name, attribute, unit)`` column indexes from the header, or None."""
    level = name = attribute = unit = None
    text_cols = []
    for i, cell in enumerate(header):
        if i in year_cols:
            continue
        if ATTRIBUTE_HEADER.search(cell):
            attribute = i
        elif UNIT_HEADER.search(cell):
            unit = i
        elif SKIP_HEADER.search(cell):
            continue
        elif LEVEL_HEADER.search(cell) and level is None and not NAME_HEADER.search(cell[-2:]):
            level = i
        elif NAME_HEADER.search(cell) and name is None:
            name = i
        else:
            text_cols.append(i)
    if name is None:
        candidates = [i for i in text_cols if i < year_cols[0]]
        if not candidates:
            return None
        name = candidates[-1]
        if level is None and len(candidates) >= 2:
            level = candidates[0]
    return level, name, attribute, unit


def find_tables(outline: Outline) -> list[IndicatorTable]:
    """Every indicator table of the document, in order."""
    found: list[IndicatorTable] = []
    placed = outline.placed
    for i, item in enumerate(placed):
        if isinstance(item.block, Table):
            title = _title_before(placed, i)
            table = _from_rows(list(item.block.rows), title, item.location)
            if table is not None:
                found.append(table)
    found.extend(_line_tables(placed))
    return found


def _title_before(placed: list[Placed], i: int) -> str:
    if i > 0 and isinstance(placed[i - 1].block, Paragraph):
        text = placed[i - 1].block.text
        if len(text) <= 40 and "。" not in text:
            return text
    return ""


def _from_rows(rows: list[tuple[str, ...]], title: str, location: Location
               ) -> IndicatorTable | None:
    for h, row in enumerate(rows):
        header = _header(row)
        if header is None:
            continue
        year_cols, years = header
        columns = _columns(row, year_cols)
        if columns is None:
            return None
        caption = " ".join(" ".join(r) for r in rows[:h]).strip() or title
        if PAST_TITLE.search(caption) or years[-1] != max(years):
            return None
        level, name, attribute, unit = columns
        data = [r for r in rows[h + 1:] if any(c.strip() for c in r)]
        width = len(row)
        data = [tuple([""] * (width - len(r))) + tuple(r) if len(r) < width else tuple(r)
                for r in data]
        data = [r for r in data if _row_has_values(r, year_cols, name)]
        if len(data) < 2:
            return None
        return IndicatorTable(caption, location, years, level, name, year_cols, attribute, unit,
                              data)
    return None


def _row_has_values(row: tuple[str, ...], year_cols: list[int], name: int) -> bool:
    return bool(row[name].strip()) and sum(
        1 for c in year_cols if c < len(row) and _VALUE_CELL.search(normalise_text(row[c]))
    ) >= 2


def _line_tables(placed: list[Placed]) -> list[IndicatorTable]:
    """Tables printed one cell per paragraph (no TABs): header cells, then name + values."""
    tables: list[IndicatorTable] = []
    texts = [p.block.text if isinstance(p.block, Paragraph) else None for p in placed]
    i = 0
    while i < len(texts):
        j = i
        while j < len(texts) and YEAR.fullmatch(normalise_text(texts[j] or "")):
            j += 1
        if j - i < 2:
            i += 1
            continue
        labels = []
        k = i - 1
        while k >= 0 and texts[k] is not None and len(texts[k] or "") <= 8 and len(labels) < 3:
            labels.insert(0, texts[k] or "")
            k -= 1
        if not any(NAME_HEADER.search(x) for x in labels):
            i = j
            continue
        years = [int(normalise_text(t or "")[:4]) for t in texts[i:j]]
        n = len(years)
        rows: list[tuple[str, ...]] = []
        names: list[str] = []
        values: list[str] = []
        m = j
        while m < len(texts) and texts[m] is not None and len(texts[m] or "") <= 60:
            cell = texts[m] or ""
            if _VALUE_CELL.search(normalise_text(cell)) and names:
                values.append(cell)
                if len(values) == n:
                    level = names[0] if len(names) > 1 and level_of(names[0]) else ""
                    name = "".join(names[1:] if level else names)
                    rows.append((level, name, *values))
                    names, values = [], []
            else:
                if values:
                    break
                names.append(cell)
            m += 1
        if len(rows) >= 2:
            title = texts[k] if k >= 0 and texts[k] and len(texts[k] or "") <= 40 else ""
            tables.append(IndicatorTable(title or "", placed[i].location, years, 0, 1,
                                         list(range(2, 2 + n)), None, None, rows))
        i = m
    return tables


def _value_columns(table: IndicatorTable, midterm_year: int | None) -> tuple[int, int | None, int]:
    """Indexes (into ``year_cols``) of the baseline, mid-term and final columns."""
    n = len(table.years)
    if n == 2:
        return 0, None, 1
    middle = n // 2
    if midterm_year in table.years[1:-1]:
        middle = table.years.index(midterm_year)  # type: ignore[arg-type]
    return 0, middle, n - 1


def _table_name(title: str, count: int) -> str:
    if "主要指标" in title or count == 0 and "指标" in title:
        return "主要指标表"
    return f"指标表{count + 1}" if count else "指标表"


def table_rows(outline: Outline, midterm_year: int | None = None) -> list[DraftRow]:
    """Draft rows of every indicator table (kind ``table``, section: the section it sits in)."""
    drafted: list[DraftRow] = []
    for count, table in enumerate(find_tables(outline)):
        drafted.extend(_draft_table(outline, table, _table_name(table.title, count), midterm_year))
    return drafted


def _section_of(outline: Outline, location: Location) -> tuple[int, str, str] | None:
    """``(chapter, section, printed place)`` for a table: a table summarises the section it is
    printed in, so a subsection gives way to its section (special projects keep theirs)."""
    if location.chapter is None:
        for s in outline.sections():
            if "目标" in s.title and s.kind in ("section", "key_task"):
                chapter = outline.chapter(s.chapter)
                return s.chapter, s.id, chapter.marker if chapter else ""
        return None
    section = outline.section(location.section)
    chapter = outline.chapter(location.chapter)
    marker = chapter.marker if chapter else ""
    if section is None:
        return None
    if section.kind == "subsection" and section.parent:
        section = outline.section(section.parent) or section
    return location.chapter, section.id, marker


def _draft_table(outline: Outline, table: IndicatorTable, table_name: str,
                 midterm_year: int | None) -> list[DraftRow]:
    place = _section_of(outline, table.location)
    base_i, mid_i, final_i = _value_columns(table, midterm_year)
    rows: list[DraftRow] = []
    level_text = ""
    for number, cells in enumerate(table.rows, start=1):
        if table.level_col is not None and cells[table.level_col].strip():
            level_text = cells[table.level_col].replace("\n", "")
        name = cells[table.name_col].replace("\n", "").strip()
        unit_text = cells[table.unit_col].strip() if table.unit_col is not None else ""
        values = [cells[c].replace("\n", "").strip() if c < len(cells) else ""
                  for c in table.year_cols]
        level = level_of(name) or level_of(level_text) or "all"
        quote_cells = [level_text if table.level_col is not None and cells[table.level_col].strip()
                       else "", name, *values]
        row = DraftRow(
            kind="table", chapter=place[0] if place else 0, section=place[1] if place else "",
            level=level, indicator="",
            name_zh=name + (f"（{unit_text}）" if unit_text and unit_text not in name else ""),
            measure="level", baseline_text=values[base_i],
            midterm_text=values[mid_i] if mid_i is not None else "", final_text=values[final_i],
            deadline=table.years[final_i],
            source=f"{place[2] if place else ''} {table_name} 第{number}行".strip(),
            quote=" ".join(c for c in quote_cells if c), wording="", confidence=0.95,
            paragraph=number,
        )
        if place is None:
            row.flag("the table sits outside the chapters: choose its chapter and section", 0.3)
        if table.attribute_col is not None and cells[table.attribute_col].strip() in ("约束性", "预期性"):
            row.attribute = cells[table.attribute_col].strip()
        _name_indicator(row, name, values)
        if mid_i is None:
            row.flag("the table has no mid-term column: add the mid-term value", 0.2)
        if len(table.years) > 3:
            row.flag(f"the table prints {len(table.years)} years "
                     f"({', '.join(map(str, table.years))}); only three are kept", 0.1)
        rows.append(row)
    return rows


def _name_indicator(row: DraftRow, name: str, values: list[str]) -> None:
    """The indicator of a table row (a pair ``a/b`` when name and values come in pairs)."""
    units: list[str] = []
    count = 1
    for text in values:
        try:
            parsed = parse_values(text)
        except AnalysisError as exc:
            row.flag(f"value {text!r} does not parse ({exc.problem})", 0.3)
            continue
        count = max(count, len(parsed))
        units.extend(q.unit or ("rule" if q.is_rule else "") for q in parsed if not q.is_missing)
        if any(q.is_missing for q in parsed):
            row.flag("a year column is empty: table rows need a value in every year", 0.2)
    unit = "fraction" if "fraction" in units else next((u for u in units if u), "")
    names = [n for n in re.split(r"/", name) if n.strip()] if count > 1 else [name]
    if count > 1 and len(names) == count:
        ids = [indicator_for(n, unit) for n in names]
        if all(ids):
            row.indicator = "/".join(i for i in ids if i)
            return
    elif count > 1:
        row.flag("a pair of values for a single name: split the row or name both indicators", 0.3)
    found = indicator_for(name, unit)
    if found:
        row.indicator = found
    else:
        row.flag(NO_INDICATOR, 0.3)
    if unit != "fraction" and re.search(r"[（(][%％][）)]", name) and units:
        row.flag("the name says % but the values are printed without it: the catalogue reads "
                 "a share only with % (add it)", 0.2)
