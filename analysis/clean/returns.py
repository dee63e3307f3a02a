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
* CSV: the encodings of every plan file (:func:`analysis.core.textfiles.decode_text`: UTF-8 with or
  without BOM, UTF-16 with BOM, GB18030); lines starting with ``#`` are comments.
* Every value goes through :func:`analysis.core.quantities.parse_quantity` (thousands separators,
  full-width digits, ``%``, ``万``, ``—`` for missing); missing values produce no row. A cell
  that writes its own unit or scale (``1.56亿人``) is read in it — the unit row and the map's
  ``scale``/``unit: percent`` are for plain numbers only; an own unit contradicting the
  indicator or the unit row is an error naming both. Approximate values and bounds
  (``5400人左右``, ``98%以上``) are refused.
* Bounded reading (:mod:`analysis.clean.grid`, which turns a workbook or a CSV into a grid of
  cells): a workbook is checked as a zip archive before openpyxl opens it (``MAX_XLSX_BYTES``
  packed and unpacked, ``MAX_XLSX_RATIO``), a sheet's used range before its grid is built
  (``MAX_SHEET_CELLS``); merged ranges over data cells and formulas whose value was never
  calculated are errors.

Output: :data:`INDICATOR_COLUMNS` — one row per value with its provenance
(``source_file`` relative to the plan folder, ``source_sheet``, ``source_cell``).

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.clean.grid import (
    Grid,
    column_index,
    column_letter,
    csv_grid,
    open_workbook,
    workbook_grid,
)
from analysis.clean.layout import (
    CellSpec,
    LayoutMap,
    TableSpec,
    load_layout,
    normalise_label,
    resolve_key,
)
from analysis.core import paths, vocab
from analysis.core.errors import AnalysisError
from analysis.core.quantities import Quantity, parse_quantity, units_named

RETURNS_DIR = paths.RETURNS_DIR
INDICATOR_COLUMNS = [
    "plan", "year", "level", "indicator", "value", "unit",
    "source_file", "source_sheet", "source_cell", "derived",
]
FOOTNOTE_PREFIXES = ("注", "说明", "备注", "资料来源", "数据来源")
UNIT_ROW = re.compile(r"^(?:计量)?单位[:：]\s*(.+)$")


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
        year = paths.returns_source_year(entry)  # the one reading of a returns file name
        if year is not None:
            found.setdefault(year, []).append(entry)
    sources = []
    for year, entries in sorted(found.items()):
        if len(entries) > 1:
            raise AnalysisError(
                f"more than one set of returns for {year}; keep one",
                file=folder, text=", ".join(p.name for p in entries),
            )
        path = entries[0]
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


@dataclass(frozen=True)
class TableUnit:
    """The unit row of a table (``单位：万人``): its text and the factor for plain numbers."""

    scale: float = 1.0
    text: str | None = None


def unit_row(grid: Grid, spec: TableSpec, name: str) -> TableUnit:
    """The unit row above the header (``单位：亿元``), its factor from the table's ``units``."""
    first_header = min(spec.header_rows)
    for row in range(1, first_header):
        for col in range(1, grid.width + 1):
            text = normalise_label(grid.value(row, col))
            match = UNIT_ROW.match(text)
            if not match:
                continue
            unit = match.group(1)
            if spec.units is None:
                return TableUnit(1.0, unit)
            if unit not in spec.units:
                raise AnalysisError(
                    f"unit not expected for table '{name}' (expected one of "
                    f"{', '.join(spec.units)})",
                    **grid.where(row, col), text=unit,
                )
            return TableUnit(float(spec.units[unit]), unit)
    return TableUnit()


def unit_scale(grid: Grid, spec: TableSpec, name: str) -> float:
    """Scale from the unit row above the header via the table's ``units`` (1 without one)."""
    return unit_row(grid, spec, name).scale


def check_merged_over_data(grid: Grid, row: int, label_col: int, columns: Iterable[int],
                           name: str) -> None:
    """A merged range covering a value cell of a row that is read (or its label, over several
    rows) is an error: a merge shows one value in every cell it covers, so the reader would
    copy one figure into several rows or columns."""
    read = set(columns)
    for min_row, min_col, max_row, max_col in grid.merged:
        if not min_row <= row <= max_row:
            continue
        covers_value = any(min_col <= c <= max_col for c in read)
        covers_label = min_col <= label_col <= max_col and max_row > min_row
        if covers_value or covers_label:
            cells = (f"{column_letter(min_col)}{min_row}:{column_letter(max_col)}{max_row}")
            raise AnalysisError(
                f"cells {cells} are merged over the data of table '{name}': a merged range "
                f"repeats its top-left value in every cell it covers, so one figure would be "
                f"read for several cells; unmerge {cells} and type each value in its own cell",
                **grid.where(min_row, min_col), text=cells)


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
        if grid.merged:
            check_merged_over_data(grid, row, label_col, columns, name)
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


APPROXIMATE = ("an approximate value (约, 近, 左右, 余, 多 …) where a return must give the exact "
               "figure; type the number itself")
BOUNDED = ("a bound (以上, 以下, 不低于, 超过 …) where a return must give the exact figure; type "
           "the number itself")
_MONEY = frozenset({"10k_yuan", "yuan"})
# What 个/项 ("units", the general measure word) may stand for; never persons.
_COUNTED_THINGS = frozenset({"schools", "classes", "units", "places", "projects"})


def _fits(cell_unit: str, unit: str) -> bool:
    """Whether a value written in ``cell_unit`` measures the same thing as ``unit`` (money in
    元 or 万元 alike; 个 for any counted thing but persons)."""
    if cell_unit == unit or (cell_unit in _MONEY and unit in _MONEY):
        return True
    return "units" in (cell_unit, unit) and {cell_unit, unit} <= _COUNTED_THINGS


def cell_value(
    raw: Any, indicator: str, row_spec: CellSpec, col_spec: CellSpec, scale: float, *,
    unit_text: str | None = None, table_percent: bool = False,
) -> float | None:
    """Value of one cell in the indicator's canonical unit (None when missing).

    A value that writes its own unit or scale (``1.56亿人``, ``2244所``, ``2.35万``, ``85%``)
    is read in that unit: the table's unit row (``scale``, ``unit_text``), ``scale`` and
    ``unit: percent`` are for plain numbers only, never applied again. An own unit that
    contradicts the indicator's unit or the unit row (``2244所`` under 单位：万人) is an error
    naming both. Approximate values and bounds (``5400人左右``, ``约5400``, ``98%以上``) are
    refused: a return states figures.
    """
    quantity: Quantity = parse_quantity(raw)
    if quantity.is_missing:
        return None
    if quantity.is_rule or quantity.value is None:
        raise AnalysisError("text where a number was expected", text=raw)
    if quantity.comparator != "eq":
        raise AnalysisError(APPROXIMATE if quantity.comparator == "approx" else BOUNDED,
                            text=raw)
    unit = vocab.unit(indicator)
    if quantity.carries_unit:
        return _own_unit_value(quantity, indicator, unit, unit_text, raw)
    value = quantity.value
    percent = row_spec.is_percent or col_spec.is_percent or (table_percent and unit == "fraction")
    if percent:
        value = value / 100.0
    for factor in (row_spec.scale, col_spec.scale):
        if factor is not None:
            value = value * factor
    return value * scale


def _own_unit_value(quantity: Quantity, indicator: str, unit: str, unit_text: str | None,
                    raw: Any) -> float:
    """The value of a cell that carries its own unit or scale (see :func:`cell_value`)."""
    value = float(quantity.value or 0.0)
    cell_unit = quantity.unit
    if cell_unit == "fraction":
        if unit != "fraction":
            raise AnalysisError(f"a percentage in a cell for '{indicator}' ({unit})", text=raw)
        return value
    if unit == "fraction":
        raise AnalysisError(f"a count or amount (with its own unit or 万/亿) in a cell for the "
                            f"share or rate '{indicator}'", text=raw)
    if not cell_unit:  # 2.35万: already multiplied out, in the indicator's unit
        return value
    row_units = units_named(unit_text) if unit_text else frozenset()
    if not _fits(cell_unit, unit) or (row_units and not any(_fits(cell_unit, u)
                                                            for u in row_units)):
        unit_row_part = f"the table's unit row '单位：{unit_text}' and " if unit_text else ""
        raise AnalysisError(
            f"the cell's own unit ({cell_unit}) contradicts {unit_row_part}the indicator "
            f"'{indicator}', counted in {unit}", text=raw)
    if cell_unit == "10k_yuan" and unit == "yuan":
        return value * 1e4
    if cell_unit == "yuan" and unit == "10k_yuan":
        return value / 1e4
    return value


def read_table(grid: Grid, spec: TableSpec, name: str, year: int, plan: str) -> list[dict]:
    """Tidy records of one table of one year."""
    table_unit = unit_row(grid, spec, name)
    records = []
    for row, col, row_spec, col_spec, raw in iter_table_cells(grid, spec, name):
        indicator, level = resolve_key(spec, row_spec, col_spec)
        assert indicator is not None and level is not None  # checked when the map was loaded
        try:
            value = cell_value(raw, indicator, row_spec, col_spec, table_unit.scale,
                               unit_text=table_unit.text, table_percent=spec.unit == "percent")
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
