"""A workbook or CSV return as a grid of cells, read within bounds.

An ``.xlsx`` is inspected before openpyxl parses it (zip bombs, absurd used ranges and merged
areas, formulas without a cached value are refused, naming file, sheet and cell); a CSV return
is decoded with the plan files' one text reader. Both become a :class:`Grid`, which
:mod:`analysis.clean.returns` reads tables from by the layout map.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from analysis.core.errors import AnalysisError
from analysis.core.textfiles import decode_text, iter_csv_records, read_bytes

# --------------------------------------------------------------------------- grids


@dataclass
class Grid:
    """A sheet as rows of raw values; ``refs`` turns (row, col) (1-based) into provenance."""

    file: str
    sheet: str
    rows: list[list[Any]]
    is_csv: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)

    def value(self, row: int, col: int) -> Any:
        """The raw value; a formula whose value was never calculated is an error."""
        if self.formulas and (row, col) in self.formulas:
            raise AnalysisError(
                "a formula whose value was never calculated (the file was written by a "
                "program that does not calculate formulas): open the workbook in Excel, WPS "
                "or LibreOffice, let it calculate, save it and run again",
                **self.where(row, col), text=self.formulas[(row, col)])
        if row - 1 < len(self.rows) and col - 1 < len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None

    def cell_ref(self, row: int, col: int) -> str:
        return f"line {row}, field {col}" if self.is_csv else f"{column_letter(col)}{row}"

    def where(self, row: int, col: int | None = None) -> dict[str, Any]:
        """Location keywords for AnalysisError."""
        column = None if col is None else (col if self.is_csv else column_letter(col))
        return {"file": self.file, "sheet": None if self.is_csv else self.sheet,
                "row": row, "column": column}

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letter: str) -> int:
    """A -> 1, AA -> 27 (a digit string is taken as the index itself)."""
    if letter.isdigit():
        return int(letter)
    index = 0
    for char in letter.upper():
        index = index * 26 + ord(char) - 64
    return index


# --------------------------------------------------------------------------- file reading

MAX_XLSX_BYTES = 200 * 1024 * 1024
"""Largest workbook: its file, and the sum of its unpacked parts (every sheet, ignored ones
included), at most 200 MiB."""
MAX_XLSX_RATIO = 100
"""Most a part over 1 MiB may unpack to, relative to its packed size (a zip bomb unpacks
thousands of times its size)."""
MAX_XLSX_PARTS = 10_000
MAX_SHEET_CELLS = 1_000_000
"""Largest used range (rows × columns) of a sheet that is read."""
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref=[\"']([A-Z]+)(\d+)"
                        rb"(?::([A-Z]+)(\d+))?")
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def check_not_empty(path: Path, shown: str) -> bytes:
    """Bytes of a CSV return (at most :data:`analysis.core.textfiles.MAX_TEXT_BYTES`); empty is an
    error."""
    return read_bytes(path, shown=shown)


@dataclass
class Workbook:
    """An opened returns workbook: openpyxl's values and the formula cells whose values were
    never calculated, by sheet (``{sheet: {(row, col): formula}}``)."""

    values: Any
    uncalculated: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)

    @property
    def sheetnames(self) -> list[str]:
        return list(self.values.sheetnames)


def open_workbook(path: Path, shown: str) -> Workbook:
    """Open an xlsx with openpyxl (values, not formulas), after bounding it.

    HTML exports and other non-zip files are recognised (without quoting their bytes); a
    workbook over :data:`MAX_XLSX_BYTES` packed or unpacked, with a part unpacking more than
    :data:`MAX_XLSX_RATIO` times its size or with more than :data:`MAX_XLSX_PARTS` parts is
    refused before openpyxl sees it.
    """
    import openpyxl

    head = _file_head(path, shown)
    if not head.startswith(b"PK\x03\x04"):
        lowered = head.lower()
        if lowered.lstrip().startswith(b"<") or b"<html" in lowered or b"<table" in lowered:
            raise AnalysisError(
                "this .xlsx is really an HTML page (a web-system export saved with an .xlsx "
                "name); open it in Excel and save it as a real .xlsx workbook, or export CSV",
                file=shown,
            )
        raise AnalysisError("not an .xlsx workbook (the file does not start like a zip "
                            "archive); save it from Excel as .xlsx", file=shown)
    uncalculated = inspect_archive(path, shown)
    try:
        values = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types on a damaged file
        raise AnalysisError(f"cannot open the workbook ({type(exc).__name__}: {exc})",
                            file=shown) from exc
    return Workbook(values=values, uncalculated=uncalculated)


def _file_head(path: Path, shown: str) -> bytes:
    """The first 2 KiB of a workbook; missing, empty or oversized files are errors."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(2048)
    except OSError as exc:
        raise AnalysisError(f"cannot read the file ({exc.strerror or exc})", file=shown) from None
    if size > MAX_XLSX_BYTES:
        raise AnalysisError(f"the workbook is {size / 2**20:.0f} MiB, more than "
                            f"{MAX_XLSX_BYTES / 2**20:.0f} MiB", file=shown)
    if size <= len(head) and not head.strip():
        raise AnalysisError("the file is empty", file=shown)
    return head


def inspect_archive(path: Path, shown: str) -> dict[str, dict[tuple[int, int], str]]:
    """Bound an xlsx archive before it is opened and find its uncalculated formulas.

    Returns ``{sheet name: {(row, col): formula}}`` of formula cells whose saved value cannot
    be trusted: no value saved, or a workbook that asks to be recalculated when opened
    (``fullCalcOnLoad``, written by programs that do not calculate formulas — their saved
    values are placeholders such as 0).
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise AnalysisError(f"cannot open the workbook: the zip archive is damaged ({exc})",
                            file=shown) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise AnalysisError(f"the workbook has {len(parts):,} parts, more than "
                                f"{MAX_XLSX_PARTS:,}", file=shown)
        total = sum(part.file_size for part in parts)
        if total > MAX_XLSX_BYTES:
            raise AnalysisError(
                f"the workbook unpacks to {total / 2**20:,.0f} MiB, more than "
                f"{MAX_XLSX_BYTES / 2**20:.0f} MiB (every sheet counts, ignored ones too); "
                "delete unused sheets and stray cells far outside the tables", file=shown)
        for part in parts:
            if part.file_size > 2**20 and part.file_size > MAX_XLSX_RATIO * max(
                    part.compress_size, 1):
                raise AnalysisError(
                    f"the workbook part {part.filename} unpacks to "
                    f"{part.file_size / max(part.compress_size, 1):,.0f} times its packed size "
                    f"(more than {MAX_XLSX_RATIO}: a zip bomb?); the workbook is refused",
                    file=shown)
        try:
            return _check_sheets(archive, shown)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
                NotImplementedError, ET.ParseError) as exc:  # damaged, encrypted, truncated
            raise AnalysisError(f"cannot open the workbook: a part is damaged or encrypted "
                                f"({type(exc).__name__}: {exc})", file=shown) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_sheets(archive: zipfile.ZipFile, shown: str
                  ) -> dict[str, dict[tuple[int, int], str]]:
    """Merged areas of every sheet (openpyxl builds one object per merged cell, so a merge
    of A1:XFD1048576 in a 10 KB file would never finish loading) and uncalculated formulas."""
    recalculate, names = _workbook_sheets(archive)
    found: dict[str, dict[tuple[int, int], str]] = {}
    for part in archive.namelist():
        if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
            continue
        has_formula, merged, widest = _scan_sheet(archive, part)
        sheet = names.get(part, part)
        if merged > MAX_SHEET_CELLS:
            raise AnalysisError(
                f"sheet '{sheet}' merges {merged:,} cells (e.g. {widest}), more than "
                f"{MAX_SHEET_CELLS:,}; unmerge the range", file=shown)
        if has_formula and part in names:
            cells = _formula_cells(archive, part, recalculate)
            if cells:
                found[sheet] = cells
    return found


def _scan_sheet(archive: zipfile.ZipFile, part: str) -> tuple[bool, int, str]:
    """(holds a formula?, cells covered by merged ranges, the widest range) of a sheet part,
    read in chunks cut after a '>' so that no tag is split."""
    has_formula, merged, widest, widest_area = False, 0, "", 0
    carry = b""
    with archive.open(part) as handle:
        while True:
            chunk = handle.read(1 << 20)
            buffer = carry + chunk
            cut = len(buffer) if not chunk else buffer.rfind(b">") + 1
            done, carry = buffer[:cut], buffer[cut:]
            has_formula = has_formula or _FORMULA_TAG.search(done) is not None
            for match in _MERGE_TAG.finditer(done):
                first_col, first_row, last_col, last_row = match.groups()
                rows = abs(int(last_row or first_row) - int(first_row)) + 1
                cols = abs(column_index((last_col or first_col).decode())
                           - column_index(first_col.decode())) + 1
                merged += rows * cols
                if rows * cols > widest_area:
                    widest_area = rows * cols
                    widest = match.group(0).split(b"ref=")[1][1:].decode()
            if not chunk:
                return has_formula, merged, widest


def _workbook_sheets(archive: zipfile.ZipFile) -> tuple[bool, dict[str, str]]:
    """(fullCalcOnLoad set?, worksheet part → sheet name) from workbook.xml and its rels (a
    workbook keeping them elsewhere is left to openpyxl: no names, no formula check)."""
    targets: dict[str, str] = {}
    if "xl/workbook.xml" not in archive.namelist():
        return False, {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        for element in ET.fromstring(archive.read("xl/_rels/workbook.xml.rels")):
            target = element.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[element.get("Id", "")] = target
    recalculate = False
    names: dict[str, str] = {}
    for element in ET.fromstring(archive.read("xl/workbook.xml")).iter():
        tag = _local(element.tag)
        if tag == "calcPr":
            recalculate = element.get("fullCalcOnLoad") in ("1", "true")
        elif tag == "sheet":
            rel = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if rel in targets:
                names[targets[rel]] = element.get("name", "")
    return recalculate, names


def _formula_cells(archive: zipfile.ZipFile, part: str, recalculate: bool
                   ) -> dict[tuple[int, int], str]:
    """Formula cells of one worksheet part whose saved value cannot be trusted."""
    found: dict[tuple[int, int], str] = {}
    row, col = 0, 0
    with archive.open(part) as handle:
        for event, element in ET.iterparse(handle, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row = int(element.get("r") or row + 1)
                    col = 0
                continue
            if tag != "c":
                if tag == "row":
                    element.clear()
                continue
            match = _CELL_REF.match(element.get("r") or "")
            if match:
                row, col = int(match.group(2)), column_index(match.group(1))
            else:
                col += 1
            formula = value = None
            for child in element:
                if _local(child.tag) == "f":
                    formula = child
                elif _local(child.tag) == "v":
                    value = child
            if formula is not None:
                saved = value is not None and (bool(value.text) or element.get("t") == "str")
                if recalculate or not saved:
                    found[(row, col)] = "=" + (formula.text or "(shared formula)")
            element.clear()
    return found


def workbook_grid(workbook: Workbook, sheet: str, shown: str) -> Grid:
    """One worksheet as a grid, merged cells spread over the cells they cover.

    A sheet whose used range passes :data:`MAX_SHEET_CELLS` (a stray cell at XFD1048576) is
    refused before any row is built.
    """
    if sheet not in workbook.sheetnames:
        raise AnalysisError(
            f"sheet not found (sheets present: {', '.join(workbook.sheetnames)})",
            file=shown, sheet=sheet,
        )
    ws = workbook.values[sheet]
    height, width = ws.max_row, ws.max_column
    if height * width > MAX_SHEET_CELLS:
        raise AnalysisError(
            f"the sheet's used range is {ws.dimensions} ({height:,} rows × {width:,} columns, "
            f"more than {MAX_SHEET_CELLS:,} cells): a stray cell far outside the table? Delete "
            "the rows and columns after the table and save", file=shown, sheet=sheet)
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    merged = []
    for rng in ws.merged_cells.ranges:
        top = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(rows) else None
        merged.append((rng.min_row, rng.min_col, rng.max_row, rng.max_col))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
                    rows[r - 1][c - 1] = top
    return Grid(file=shown, sheet=sheet, rows=rows, merged=merged,
                formulas=workbook.uncalculated.get(sheet, {}))


def decode_csv(data: bytes, shown: str) -> tuple[str, str]:
    """Decode CSV bytes as every plan file is (:func:`analysis.core.textfiles.decode_text`): UTF-8
    with or without BOM, UTF-16 with BOM, else GB18030. Returns (text, encoding)."""
    return decode_text(data, shown)


def csv_grid(path: Path, shown: str, sheet: str) -> Grid:
    """A CSV export as a grid, one row per line of the file: comment lines (``#``) and the
    continuation lines of a quoted multi-line cell are empty rows, so line numbers hold."""
    text, _ = decode_csv(check_not_empty(path, shown), shown)
    lines = StringIO(text, newline="").readlines()  # the line ends the csv module counts
    kept = "".join("\n" if line.lstrip().startswith("#") else line for line in lines)
    rows: list[list[Any]] = [[] for _ in lines]
    for line, record in iter_csv_records(kept, shown):
        while len(rows) < line:
            rows.append([])
        rows[line - 1] = [cell if cell.strip() != "" else None for cell in record]
    return Grid(file=shown, sheet=sheet, rows=rows, is_csv=True)
