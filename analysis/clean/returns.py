"""Statistical returns: reading workbooks and CSV exports, cleaning to a tidy table.

A plan's returns live in ``<plan>/returns/``: one workbook ``<year>….xlsx`` or one folder
``<year>…/`` of CSV exports (one CSV per sheet, named ``<sheet>.csv``) per year, and a
``layout.yaml`` — the *layout map*. In the manner of PUDL's per-year column maps, the map holds
all knowledge of the layout (which sheet, which header rows, which label column, which raw row
and column labels, with aliases, map to which canonical ``(indicator, level)``); years whose
layout differs get ``overrides``. The code below knows nothing about any particular plan.

Reading rules:

* xlsx via openpyxl; merged header cells are spread over the cells they cover; header labels
  of several header rows are joined with ``/`` (``专任教师/本科``). A column spec matches the
  full joined label, or its last part when that is unambiguous.
* Rows above the header are titles; a cell ``单位：万元`` there is the unit row (checked against
  the table's ``units``). A row whose label starts with ``注`` (footnote) ends the table.
  Every other labelled row must be mapped or listed in ``ignore_rows`` (an unknown label is an
  error, because it usually means the layout drifted); likewise every labelled column.
* CSV: UTF-8, UTF-8 with BOM or GB18030, detected; lines starting with ``#`` are comments.
* Every value goes through :func:`analysis.core.quantities.parse_quantity` (thousands separators,
  full-width digits, ``%``, ``万``, ``—`` for missing); missing values produce no row.

Output: :data:`INDICATOR_COLUMNS` — one row per value with its provenance
(``source_file`` relative to the plan folder, ``source_sheet``, ``source_cell``).

"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.clean.layout import (
    LAYOUT_FILE,
    CellSpec,
    LayoutMap,
    TableSpec,
    load_layout,
    normalise_label,
    resolve_key,
)
from analysis.core import vocab
from analysis.core.errors import AnalysisError
from analysis.core.quantities import Quantity, parse_quantity

RETURNS_DIR = "returns"
INDICATOR_COLUMNS = [
    "plan", "year", "level", "indicator", "value", "unit",
    "source_file", "source_sheet", "source_cell", "derived",
]
FOOTNOTE_PREFIXES = ("注", "说明", "备注", "资料来源", "数据来源")
UNIT_ROW = re.compile(r"^(?:计量)?单位[:：]\s*(.+)$")


# --------------------------------------------------------------------------- grids


@dataclass
class Grid:
    """A sheet as rows of raw values; ``refs`` turns (row, col) (1-based) into provenance."""

    file: str
    sheet: str
    rows: list[list[Any]]
    is_csv: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def value(self, row: int, col: int) -> Any:
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


def check_not_empty(path: Path, shown: str) -> bytes:
    """Bytes of a file; an empty file is an error."""
    data = path.read_bytes()
    if not data.strip():
        raise AnalysisError("the file is empty", file=shown)
    return data


def open_workbook(path: Path, shown: str) -> Any:
    """Open an xlsx with openpyxl (values, not formulas); HTML exports are recognised."""
    import openpyxl

    head = check_not_empty(path, shown)[:2048]
    if not head.startswith(b"PK\x03\x04"):
        lowered = head.lower()
        if lowered.lstrip().startswith(b"<") or b"<html" in lowered or b"<table" in lowered:
            raise AnalysisError(
                "this .xlsx is really an HTML page (a web-system export saved with an .xlsx "
                "name); open it in Excel and save it as a real .xlsx workbook, or export CSV",
                file=shown,
            )
        raise AnalysisError("not an .xlsx workbook (no zip signature)", file=shown,
                            text=head[:16].decode("latin-1"))
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types on a damaged file
        raise AnalysisError(f"cannot open the workbook ({type(exc).__name__}: {exc})",
                            file=shown) from exc


def workbook_grid(workbook: Any, sheet: str, shown: str) -> Grid:
    """One worksheet as a grid, merged cells spread over the cells they cover."""
    if sheet not in workbook.sheetnames:
        raise AnalysisError(
            f"sheet not found (sheets present: {', '.join(workbook.sheetnames)})",
            file=shown, sheet=sheet,
        )
    ws = workbook[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    merged = []
    for rng in ws.merged_cells.ranges:
        top = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(rows) else None
        merged.append((rng.min_row, rng.min_col, rng.max_row, rng.max_col))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
                    rows[r - 1][c - 1] = top
    return Grid(file=shown, sheet=sheet, rows=rows, merged=merged)


def decode_csv(data: bytes, shown: str) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with BOM, UTF-8, else GB18030. Returns (text, encoding)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise AnalysisError(
            "the CSV is UTF-16 (or binary); save it as UTF-8 or GB18030", file=shown
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise encoding_error(data, exc.start, shown) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise encoding_error(data, min(exc.start, utf8_error.start), shown) from exc


def encoding_error(data: bytes, offset: int, shown: str) -> AnalysisError:
    """An error pointing at the line holding the first byte that fits no supported encoding."""
    line = data[:offset].count(b"\n") + 1
    snippet = data[max(0, offset - 8) : offset + 8]
    return AnalysisError(
        "the CSV is neither UTF-8 nor GB18030 (save it as UTF-8); bytes near the problem",
        file=shown, row=line, text=snippet.hex(" "),
    )


def csv_grid(path: Path, shown: str, sheet: str) -> Grid:
    """A CSV export as a grid; comment lines (``#``) become empty rows so line numbers hold."""
    text, _ = decode_csv(check_not_empty(path, shown), shown)
    rows: list[list[Any]] = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            rows.append([])
            continue
        parsed = next(csv.reader(io.StringIO(line)), [])
        rows.append([cell if cell.strip() != "" else None for cell in parsed])
    return Grid(file=shown, sheet=sheet, rows=rows, is_csv=True)


# --------------------------------------------------------------------------- year sources


@dataclass(frozen=True)
class YearSource:
    """The returns of one year: a workbook or a folder of CSVs."""

    year: int
    path: Path
    kind: str  # "xlsx" | "csv_dir"


def discover_years(returns_dir: str | Path) -> list[YearSource]:
    """One source per year named ``<year>…``; two sources for one year is an error."""
    folder = Path(returns_dir)
    found: dict[int, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith((".", "~$")) or name == LAYOUT_FILE:
            continue
        match = re.match(r"^(\d{4})(?!\d)", name)
        if not match:
            continue
        if entry.is_file() and entry.suffix.lower() not in {".xlsx", ".xls", ".xlsm"}:
            continue
        found.setdefault(int(match.group(1)), []).append(entry)
    sources = []
    for year, paths in sorted(found.items()):
        if len(paths) > 1:
            raise AnalysisError(
                f"more than one set of returns for {year}; keep one",
                file=folder, text=", ".join(p.name for p in paths),
            )
        path = paths[0]
        if path.is_dir():
            sources.append(YearSource(year, path, "csv_dir"))
        elif path.suffix.lower() == ".xls":
            raise AnalysisError("old .xls workbooks are not read; save it as .xlsx", file=path)
        else:
            sources.append(YearSource(year, path, "xlsx"))
    return sources


# --------------------------------------------------------------------------- table extraction


@dataclass
class Header:
    """Resolved columns of a table: column index -> (label, spec)."""

    columns: dict[int, tuple[str, CellSpec]]


def column_labels(grid: Grid, spec: TableSpec) -> dict[int, str]:
    """Joined header labels per column (``专任教师/本科``), label column excluded."""
    label_col = column_index(spec.label_column)
    labels: dict[int, str] = {}
    for col in range(1, grid.width + 1):
        if col == label_col:
            continue
        parts: list[str] = []
        for row in spec.header_rows:
            part = normalise_label(grid.value(row, col))
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        if parts:
            labels[col] = "/".join(parts)
    return labels


def spec_lookup(specs: dict[str, CellSpec]) -> dict[str, str]:
    """Normalised label or alias -> the spec key it stands for.

    The last part of a joined key (``本科`` of ``专任教师学历构成/本科``) is accepted too when no
    other key ends the same way, so that a CSV export that lost its merged parent still reads.
    """
    lookup: dict[str, str] = {}
    leaves: dict[str, list[str]] = {}
    for key, cell in specs.items():
        for label in (key, *cell.aliases):
            normal = normalise_label(label)
            lookup[normal] = key
            leaves.setdefault(normal.rsplit("/", 1)[-1], []).append(key)
    for leaf, keys in leaves.items():
        if leaf not in lookup and len(set(keys)) == 1:
            lookup[leaf] = keys[0]
    return lookup


def match_columns(grid: Grid, spec: TableSpec, name: str) -> dict[int, tuple[str, CellSpec]]:
    """Map sheet columns to column specs; unknown or missing labels are errors."""
    labels = column_labels(grid, spec)
    lookup = spec_lookup(spec.columns)
    ignored = {normalise_label(x) for x in spec.ignore_columns}
    header_row = spec.header_rows[-1]
    matched: dict[int, tuple[str, CellSpec]] = {}
    used: dict[str, int] = {}
    for col, label in labels.items():
        leaf = label.rsplit("/", 1)[-1]
        key = lookup.get(label)
        if key is None and leaf in lookup:
            same_leaf = [c for c, lab in labels.items() if lab.rsplit("/", 1)[-1] == leaf]
            key = lookup[leaf] if len(same_leaf) == 1 else None
        if key is None:
            if label in ignored or leaf in ignored:
                continue
            raise AnalysisError(
                f"unknown column label in table '{name}' (add it or an alias to the layout "
                "map, or list it under ignore_columns)",
                **grid.where(header_row, col), text=label,
            )
        if key in used:
            raise AnalysisError(
                f"column label appears twice (also column {column_letter(used[key])})",
                **grid.where(header_row, col), text=label,
            )
        used[key] = col
        matched[col] = (key, spec.columns[key])
    for key, cell in spec.columns.items():
        if key not in used and not cell.optional:
            raise AnalysisError(
                f"expected column '{key}' not found in table '{name}' (header rows "
                f"{spec.header_rows}; columns present: {', '.join(labels.values())})",
                file=grid.file, sheet=None if grid.is_csv else grid.sheet, row=header_row,
            )
    return matched


def unit_scale(grid: Grid, spec: TableSpec, name: str) -> float:
    """Scale from the unit row above the header (``单位：亿元``) via the table's ``units``."""
    first_header = min(spec.header_rows)
    for row in range(1, first_header):
        for col in range(1, grid.width + 1):
            text = normalise_label(grid.value(row, col))
            match = UNIT_ROW.match(text)
            if not match:
                continue
            unit = match.group(1)
            if spec.units is None:
                return 1.0
            if unit not in spec.units:
                raise AnalysisError(
                    f"unit not expected for table '{name}' (expected one of "
                    f"{', '.join(spec.units)})",
                    **grid.where(row, col), text=unit,
                )
            return float(spec.units[unit])
    return 1.0


def iter_table_cells(
    grid: Grid, spec: TableSpec, name: str
) -> Iterator[tuple[int, int, CellSpec, CellSpec, Any]]:
    """Yield (row, col, row_spec, col_spec, raw value) for every mapped cell of the table."""
    columns = match_columns(grid, spec, name)
    label_col = column_index(spec.label_column)
    lookup = spec_lookup(spec.rows)
    ignored = {normalise_label(x) for x in spec.ignore_rows}
    start = spec.first_data_row or max(spec.header_rows) + 1
    seen: dict[str, int] = {}
    for row in range(start, len(grid.rows) + 1):
        raw_label = grid.value(row, label_col)
        label = normalise_label(raw_label)
        if label.startswith(FOOTNOTE_PREFIXES):
            break
        if not label:
            if any(grid.value(row, c) not in (None, "") for c in columns):
                raise AnalysisError(
                    f"values in a row without a label in table '{name}'",
                    **grid.where(row, label_col),
                )
            continue
        key = lookup.get(label)
        if key is None:
            if label in ignored:
                continue
            raise AnalysisError(
                f"unknown row label in table '{name}' (add it or an alias to the layout map, "
                "or list it under ignore_rows)",
                **grid.where(row, label_col), text=raw_label,
            )
        if key in seen:
            raise AnalysisError(
                f"row label appears twice in table '{name}' (also row {seen[key]})",
                **grid.where(row, label_col), text=raw_label,
            )
        seen[key] = row
        for col, (_, col_spec) in columns.items():
            yield row, col, spec.rows[key], col_spec, grid.value(row, col)
    for key, cell in spec.rows.items():
        if key not in seen and not cell.optional:
            raise AnalysisError(
                f"expected row '{key}' not found in table '{name}'",
                file=grid.file, sheet=None if grid.is_csv else grid.sheet,
                column=spec.label_column,
            )


def cell_value(
    raw: Any, indicator: str, row_spec: CellSpec, col_spec: CellSpec, scale: float
) -> float | None:
    """Value of one cell in the indicator's canonical unit (None when missing)."""
    quantity: Quantity = parse_quantity(raw)
    if quantity.is_missing:
        return None
    if quantity.is_rule or quantity.value is None:
        raise AnalysisError("text where a number was expected", text=raw)
    unit = vocab.unit(indicator)
    value = quantity.value
    if quantity.unit == "fraction":
        if unit != "fraction":
            raise AnalysisError(f"a percentage in a cell for '{indicator}' ({unit})", text=raw)
        return value
    if quantity.unit == "10k_yuan" and unit == "yuan":
        return value * 1e4
    if quantity.unit == "yuan" and unit == "10k_yuan":
        return value / 1e4
    if quantity.unit in {"10k_yuan", "yuan"} and unit != quantity.unit:
        raise AnalysisError(f"an amount of money in a cell for '{indicator}' ({unit})", text=raw)
    if row_spec.percent or col_spec.percent:
        value = value / 100.0
    for factor in (row_spec.scale, col_spec.scale):
        if factor is not None:
            value = value * factor
    return value * scale


def read_table(grid: Grid, spec: TableSpec, name: str, year: int, plan: str) -> list[dict]:
    """Tidy records of one table of one year."""
    scale = unit_scale(grid, spec, name)
    records = []
    for row, col, row_spec, col_spec, raw in iter_table_cells(grid, spec, name):
        indicator, level = resolve_key(spec, row_spec, col_spec)
        assert indicator is not None and level is not None  # checked when the map was loaded
        try:
            value = cell_value(raw, indicator, row_spec, col_spec, scale)
        except AnalysisError as exc:
            raise exc.located(**grid.where(row, col), text=raw) from exc
        if value is None:
            continue
        records.append({
            "plan": plan, "year": year, "level": level, "indicator": indicator,
            "value": value, "unit": vocab.unit(indicator),
            "source_file": grid.file, "source_sheet": "" if grid.is_csv else grid.sheet,
            "source_cell": grid.cell_ref(row, col), "derived": False,
        })
    return records


def read_year(source: YearSource, layout: LayoutMap, plan: str, plan_dir: Path) -> list[dict]:
    """All tables of one year's returns."""
    tables = layout.tables_for_year(source.year)
    records: list[dict] = []
    workbook = None
    if source.kind == "xlsx":
        workbook = open_workbook(source.path, relative(source.path, plan_dir))
    for name, spec in tables.items():
        if source.kind == "xlsx":
            shown = relative(source.path, plan_dir)
            if spec.sheet not in workbook.sheetnames and not spec.required:
                continue
            grid = workbook_grid(workbook, spec.sheet, shown)
        else:
            path = source.path / f"{spec.sheet}.csv"
            shown = relative(path, plan_dir)
            if not path.is_file():
                if not spec.required:
                    continue
                present = sorted(p.name for p in source.path.glob("*.csv"))
                raise AnalysisError(
                    f"CSV for sheet '{spec.sheet}' not found (files present: "
                    f"{', '.join(present) or 'none'})",
                    file=shown, sheet=spec.sheet,
                )
            grid = csv_grid(path, shown, spec.sheet)
        records.extend(read_table(grid, spec, name, source.year, plan))
    return records


def relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` as a POSIX string (absolute when outside)."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_returns(plan_dir: str | Path, plan: str | None = None) -> pd.DataFrame:
    """Read every year's returns of a plan folder into the tidy ``indicators`` table.

    ``plan`` defaults to the folder name. A plan without a ``returns/`` folder gives an empty
    table (a plan has what it has). Raises AnalysisError on any bad input.
    """
    plan_dir = Path(plan_dir)
    plan = plan or plan_dir.name
    returns_dir = plan_dir / RETURNS_DIR
    if not returns_dir.is_dir():
        return empty_indicators()
    layout = load_layout(returns_dir)
    records: list[dict] = []
    for source in discover_years(returns_dir):
        records.extend(read_year(source, layout, plan, plan_dir))
    if not records:
        return empty_indicators()
    return tidy_frame(pd.DataFrame.from_records(records))


def empty_indicators() -> pd.DataFrame:
    """An ``indicators`` table with no rows and the right dtypes."""
    return tidy_frame(pd.DataFrame({c: [] for c in INDICATOR_COLUMNS}))


def tidy_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Column order, dtypes and sort order of the ``indicators`` table."""
    frame = frame[INDICATOR_COLUMNS].copy()
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    frame["derived"] = frame["derived"].astype("bool")
    for column in ("plan", "level", "indicator", "unit", "source_file", "source_sheet",
                   "source_cell"):
        frame[column] = frame[column].astype("string")
    return frame.sort_values(["year", "level", "indicator", "derived"], kind="stable").reset_index(
        drop=True
    )
