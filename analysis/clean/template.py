"""An empty returns workbook in a plan's layout, for a researcher to fill in.

``python -m analysis template --plan NAME --year YYYY`` calls :func:`write_template`. Every
table of the layout map that applies to the year becomes one sheet laid out exactly as the
reader expects (title row, unit row, header rows with merged parent labels, one row per row
label), so a filled template is read back by :func:`analysis.clean.returns.read_returns` unchanged.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.clean.grid import column_index, column_letter
from analysis.clean.layout import TableSpec, load_layout
from analysis.clean.returns import RETURNS_DIR
from analysis.core.errors import AnalysisError

FIXED_TIME = datetime(2020, 1, 1, 0, 0, 0)
LABEL_HEADER = "项目"


def table_columns(spec: TableSpec, label_col: int) -> list[tuple[int, str]]:
    """(sheet column index, column key) in layout order, skipping the label column."""
    result: list[tuple[int, str]] = []
    col = 1
    for key in spec.columns:
        if col == label_col:
            col += 1
        result.append((col, key))
        col += 1
    return result


def split_label(label: str, depth: int) -> list[str]:
    """Header parts of a column label for ``depth`` header rows (surplus parts stay joined)."""
    parts = label.split("/")
    if len(parts) > depth:
        parts = parts[: depth - 1] + ["/".join(parts[depth - 1 :])]
    return parts


def write_table_sheet(
    ws: Any,
    spec: TableSpec,
    *,
    title: str,
    unit_text: str | None = None,
    values: Mapping[tuple[str, str], object] | None = None,
    row_labels: Mapping[str, str] | None = None,
    column_labels: Mapping[str, str] | None = None,
    footnotes: tuple[str, ...] = (),
    extra_rows: tuple[tuple[str, Mapping[str, object]], ...] = (),
) -> None:
    """Lay out one table on a worksheet as the layout map describes it.

    ``values`` maps (row key, column key) to what goes in the cell (numbers or text);
    ``row_labels``/``column_labels`` replace a key by the label actually printed (an alias).
    """
    from openpyxl.styles import Alignment, Font

    header_rows = sorted(spec.header_rows)
    first_header = header_rows[0]
    if first_header >= 2:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True)
    if unit_text and first_header >= 3:
        ws.cell(row=first_header - 1, column=1, value=f"单位：{unit_text}")
    label_col = column_index(spec.label_column)
    ws.cell(row=first_header, column=label_col, value=LABEL_HEADER)
    if len(header_rows) > 1:
        ws.merge_cells(start_row=first_header, end_row=header_rows[-1],
                       start_column=label_col, end_column=label_col)
    columns = table_columns(spec, label_col)
    shown_columns = {key: (column_labels or {}).get(key, key) for _, key in columns}
    parts = {key: split_label(shown_columns[key], len(header_rows)) for _, key in columns}
    for depth, row in enumerate(header_rows):
        run_start = None
        for pos, (col, key) in enumerate(columns):
            label_parts = parts[key]
            if depth >= len(label_parts):
                continue
            ws.cell(row=row, column=col, value=label_parts[depth])
            ws.cell(row=row, column=col).alignment = Alignment(horizontal="center")
            if depth == len(label_parts) - 1 and depth < len(header_rows) - 1:
                ws.merge_cells(start_row=row, end_row=header_rows[-1],
                               start_column=col, end_column=col)
            # merge a parent label over the following columns that share it
            if run_start is None or parts[columns[run_start][1]][: depth + 1] != label_parts[
                : depth + 1
            ]:
                run_start = pos
            nxt = columns[pos + 1][1] if pos + 1 < len(columns) else None
            same_next = nxt is not None and parts[nxt][: depth + 1] == label_parts[: depth + 1]
            if not same_next and pos > run_start and depth < len(label_parts) - 1:
                ws.merge_cells(start_row=row, end_row=row,
                               start_column=columns[run_start][0], end_column=col)
    data_row = spec.first_data_row or header_rows[-1] + 1
    for offset, key in enumerate(spec.rows):
        row = data_row + offset
        ws.cell(row=row, column=label_col, value=(row_labels or {}).get(key, key))
        for col, col_key in columns:
            value = (values or {}).get((key, col_key))
            if value is not None:
                ws.cell(row=row, column=col, value=value)
    row = data_row + len(spec.rows)
    for label, cells in extra_rows:
        ws.cell(row=row, column=label_col, value=label)
        for col, col_key in columns:
            if cells.get(col_key) is not None:
                ws.cell(row=row, column=col, value=cells[col_key])
        row += 1
    for offset, note in enumerate(footnotes):
        ws.cell(row=row + 1 + offset, column=label_col, value=note)
    ws.column_dimensions[column_letter(label_col)].width = 28


def save_deterministic(workbook: Any, path: Path) -> None:
    """Save a workbook with fixed timestamps so the same content gives the same bytes."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "plan-eval"
    workbook.properties.lastModifiedBy = "plan-eval"
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2020-01-01T00:00:00Z\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, data)
    path.write_bytes(out.getvalue())


def write_template(plan_dir: Path, year: int, out_path: Path | None = None) -> Path:
    """Write an empty returns workbook for ``year`` in the plan's layout.

    ``out_path`` defaults to ``<plan_dir>/returns/<year>.xlsx``; an existing file is never
    overwritten. Returns the path written.
    """
    from openpyxl import Workbook

    plan_dir = Path(plan_dir)
    layout = load_layout(plan_dir / RETURNS_DIR)
    tables = layout.tables_for_year(int(year))
    out = Path(out_path) if out_path else plan_dir / RETURNS_DIR / f"{int(year)}.xlsx"
    if out.exists():
        raise AnalysisError("will not overwrite an existing file; pass another path", file=out)
    sheets: dict[str, str] = {}
    for name, spec in tables.items():
        if spec.sheet in sheets:
            raise AnalysisError(
                f"tables '{sheets[spec.sheet]}' and '{name}' share sheet '{spec.sheet}'; the "
                "template writes one table per sheet",
                file=plan_dir / RETURNS_DIR / "layout.yaml",
            )
        sheets[spec.sheet] = name
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, spec in tables.items():
        ws = workbook.create_sheet(spec.sheet)
        unit = next(iter(spec.units)) if spec.units else None
        write_table_sheet(ws, spec, title=f"{int(year)}年 {spec.note or name}", unit_text=unit)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_deterministic(workbook, out)
    return out
