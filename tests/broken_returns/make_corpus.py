"""Write the corpus of broken returns (run once; the files are committed).

Each case is a tiny plan folder ``<case>/returns/`` with the same small layout map (or a
variant of it) and one defect, plus ``expected.yaml``: ``stage`` (``read`` — the reader
refuses the input —, ``qa`` — the QA checks report an error — or ``ok`` — the input is read,
in the documented way), ``message``, the parts the error must contain (file, sheet, row,
column, offending text), optionally ``where`` (the error's ``file``, ``sheet``, ``row`` and
``column`` attributes), ``absent`` (text the message must not quote: the contents of a file
that is not what it claims to be) and, for ``ok`` cases, ``values`` (what must be read).
``tests/test_broken_corpus.py`` runs every case.

    .venv/bin/python tests/broken_returns/make_corpus.py
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import yaml
from openpyxl import Workbook

from analysis.clean.template import save_deterministic

HERE = Path(__file__).resolve().parent

LAYOUT = {
    "illustrative": True,
    "tables": {
        "overview": {
            "sheet": "基本情况", "header_rows": [2],
            "rows": {"小学": {"level": "primary"}, "初中": {"level": "junior"}},
            "ignore_rows": ["合计"],
            "columns": {"学校数": {"indicator": "schools"},
                        "在校生数": {"indicator": "enrolment"}},
        },
        "rates": {
            "sheet": "主要指标", "header_rows": [2],
            "rows": {"小学五年巩固率": {"indicator": "retention_rate", "level": "primary"}},
            "columns": {"数值": {}},
        },
    },
}
GOOD_OVERVIEW = [["示例数据（非真实统计）"], ["项目", "学校数", "在校生数"],
                 ["小学", 62, 55210], ["初中", 26, 23536], ["合计", None, 78746],
                 ["注：示例。"]]
GOOD_RATES = [["示例数据（非真实统计）"], ["项目", "数值"], ["小学五年巩固率", "99%"]]


def workbook(sheets: dict[str, list[list[object]]]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    return wb


def case(name: str, stage: str, message: list[str], *, layout: dict | str | None = None,
         where: dict | None = None, absent: list[str] | None = None,
         values: list[dict] | None = None) -> Path:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "returns").mkdir(parents=True)
    layout = LAYOUT if layout is None else layout
    text = layout if isinstance(layout, str) else yaml.safe_dump(
        layout, allow_unicode=True, sort_keys=False)
    (folder / "returns" / "layout.yaml").write_text(text, encoding="utf-8")
    expected: dict[str, object] = {"stage": stage, "message": message}
    for key, value in (("where", where), ("absent", absent), ("values", values)):
        if value is not None:
            expected[key] = value
    (folder / "expected.yaml").write_text(
        yaml.safe_dump(expected, allow_unicode=True), encoding="utf-8")
    return folder / "returns"


def save(wb: Workbook, path: Path) -> None:
    save_deterministic(wb, path)


def overview_with(row: int, col: int, value: object) -> list[list[object]]:
    rows = [list(r) for r in GOOD_OVERVIEW]
    rows[row - 1][col - 1] = value
    return rows


def csv_bytes(rows: list[list[object]], encoding: str) -> bytes:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    return text.encode(encoding)


def main() -> None:
    r = case("missing_sheet", "read", ["returns/2020.xlsx", "sheet '基本情况'", "sheet not found"])
    save(workbook({"基本": GOOD_OVERVIEW, "主要指标": GOOD_RATES}), r / "2020.xlsx")

    r = case("unknown_label", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "row 4", "column A", "unknown row label",
              "'高中'"])
    save(workbook({"基本情况": overview_with(4, 1, "高中"), "主要指标": GOOD_RATES}),
         r / "2020.xlsx")

    r = case("text_in_numeric_cell", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "row 3", "column C", "'五万五千'"])
    save(workbook({"基本情况": overview_with(3, 3, "五万五千"), "主要指标": GOOD_RATES}),
         r / "2020.xlsx")

    r = case("negative_count", "qa",
             ["returns/2020.xlsx", "sheet '基本情况'", "row 4", "column B", "negative",
              "schools"])
    save(workbook({"基本情况": overview_with(4, 2, -26), "主要指标": GOOD_RATES}),
         r / "2020.xlsx")

    r = case("duplicate_year", "read", ["more than one set of returns for 2020", "2020.xlsx",
                                        "2020年报表.xlsx"])
    wb = workbook({"基本情况": GOOD_OVERVIEW, "主要指标": GOOD_RATES})
    save(wb, r / "2020.xlsx")
    save(wb, r / "2020年报表.xlsx")

    # UTF-16 is read when it starts with a byte-order mark (see csv_utf16_with_bom); without
    # one it cannot be told from binary data.
    r = case("csv_wrong_encoding_utf16", "read",
             ["returns/2020/基本情况.csv", "row 1", "UTF-16 without a byte-order mark"],
             where={"file": "returns/2020/基本情况.csv", "row": 1})
    (r / "2020").mkdir()
    (r / "2020" / "基本情况.csv").write_bytes(csv_bytes(GOOD_OVERVIEW, "utf-16-le"))
    (r / "2020" / "主要指标.csv").write_bytes(csv_bytes(GOOD_RATES, "utf-8"))

    r = case("csv_wrong_encoding_latin1", "read",
             ["returns/2020/基本情况.csv", "row 1", "neither UTF-8", "nor GB18030"],
             where={"file": "returns/2020/基本情况.csv", "row": 1},
             absent=["Donn", "sum"])
    (r / "2020").mkdir()
    latin = [["Donn\u00e9es, r\u00e9sum\u00e9"], ["item", "schools", "pupils"]]
    (r / "2020" / "基本情况.csv").write_bytes(csv_bytes(latin, "latin-1"))
    (r / "2020" / "主要指标.csv").write_bytes(csv_bytes(GOOD_RATES, "utf-8"))

    r = case("empty_file", "read", ["returns/2020.xlsx", "empty"])
    (r / "2020.xlsx").write_bytes(b"")

    r = case("empty_csv", "read", ["returns/2020/主要指标.csv", "empty"])
    (r / "2020").mkdir()
    (r / "2020" / "基本情况.csv").write_bytes(csv_bytes(GOOD_OVERVIEW, "utf-8-sig"))
    (r / "2020" / "主要指标.csv").write_bytes(b"")

    r = case("xlsx_is_html", "read", ["returns/2020.xlsx", "HTML"])
    (r / "2020.xlsx").write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>项目</td>"
        "<td>学校数</td></tr><tr><td>小学</td><td>62</td></tr></table></body></html>",
        encoding="utf-8")

    r = case("percent_above_100", "qa",
             ["returns/2020.xlsx", "sheet '主要指标'", "row 3", "column B", "share_range",
              "retention_rate", "105.00%"])
    rates = [list(x) for x in GOOD_RATES]
    rates[2][1] = "105%"
    save(workbook({"基本情况": GOOD_OVERVIEW, "主要指标": rates}), r / "2020.xlsx")

    values_and_units()
    cells_and_formulas()
    layout_files()
    encodings_and_fields()
    bounded_workbooks()


# --------------------------------------------------------------------------- values and units

ENROLMENT_LAYOUT = {
    "illustrative": True,
    "tables": {
        "enrolment": {
            "sheet": "在校生", "header_rows": [3], "units": {"万人": 10000},
            "rows": {"小学": {"level": "primary"}, "初中": {"level": "junior"}},
            "columns": {"在校生数": {"indicator": "enrolment"}},
        },
    },
}
RATES_LAYOUT = {
    "illustrative": True,
    "tables": {
        "rates": {
            "sheet": "主要指标", "header_rows": [2],
            "rows": {"小学五年巩固率": {"indicator": "retention_rate", "level": "primary"},
                     "学前三年毛入园率": {"indicator": "gross_enrolment_rate",
                                   "level": "preschool"}},
            "columns": {"数值": {}},
        },
    },
}


def enrolment_sheet(primary: object, junior: object) -> list[list[object]]:
    return [["示例数据（非真实统计）"], ["单位：万人"], ["项目", "在校生数"], ["小学", primary],
            ["初中", junior]]


def values_and_units() -> None:
    # 1. A cell's own unit wins over the table's unit row: 1.56亿人 is 156 000 000, not
    #    1.56亿 × 1万; a plain 5.521 under 单位：万人 is 55 210.
    r = case("own_unit_wins", "ok", [], layout=ENROLMENT_LAYOUT, values=[
        {"year": 2020, "level": "primary", "indicator": "enrolment", "value": 55210.0},
        {"year": 2020, "level": "junior", "indicator": "enrolment", "value": 156000000.0}])
    save(workbook({"在校生": enrolment_sheet(5.521, "1.56亿人")}), r / "2020.xlsx")

    # ... and a unit of another dimension contradicts both the unit row and the indicator.
    r = case("own_unit_contradicts", "read",
             ["returns/2020.xlsx", "sheet '在校生'", "row 5", "column B", "own unit (schools)",
              "单位：万人", "'enrolment'", "'2244所'"],
             layout=ENROLMENT_LAYOUT,
             where={"file": "returns/2020.xlsx", "sheet": "在校生", "row": 5, "column": "B"})
    save(workbook({"在校生": enrolment_sheet(5.521, "2244所")}), r / "2020.xlsx")

    # 4. Approximate values are refused: 5400人左右 is not exactly 5400.
    r = case("approximate_value", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "row 4", "column C", "approximate",
              "'5400人左右'"],
             where={"file": "returns/2020.xlsx", "sheet": "基本情况", "row": 4, "column": "C"})
    save(workbook({"基本情况": overview_with(4, 3, "5400人左右"), "主要指标": GOOD_RATES}),
         r / "2020.xlsx")

    # 5. Plausibility bounds (analysis/core/resources/bounds.csv): 1e300 pupils, a gross rate
    #    of 250 %.
    r = case("count_implausible", "qa",
             ["returns/2020.xlsx", "sheet '基本情况'", "row 3", "column C", "bounds",
              "implausible", "enrolment"],
             where={"file": "returns/2020.xlsx", "sheet": "基本情况", "row": 3, "column": "C"})
    save(workbook({"基本情况": overview_with(3, 3, 1e300), "主要指标": GOOD_RATES}),
         r / "2020.xlsx")

    r = case("rate_above_bound", "qa",
             ["returns/2020.xlsx", "sheet '主要指标'", "row 4", "column B", "share_range",
              "gross_enrolment_rate", "250.00%", "implausible"], layout=RATES_LAYOUT,
             where={"file": "returns/2020.xlsx", "sheet": "主要指标", "row": 4, "column": "B"})
    save(workbook({"主要指标": [*GOOD_RATES, ["学前三年毛入园率", "250%"]]}), r / "2020.xlsx")

    # 6. Shares printed without % under a （%） header: declared with unit: percent they read
    #    as percentages; undeclared, 85.2 is a share of 8520 % and the error says what to do.
    plain = [["示例数据（非真实统计）"], ["项目", "数值（%）"], ["小学五年巩固率", 85.2],
             ["学前三年毛入园率", 108.5]]
    percent_layout = yaml.safe_load(yaml.safe_dump(RATES_LAYOUT))
    percent_layout["tables"]["rates"]["unit"] = "percent"
    percent_layout["tables"]["rates"]["columns"] = {"数值（%）": {}}
    r = case("percent_declared", "ok", [], layout=percent_layout, values=[
        {"year": 2020, "level": "primary", "indicator": "retention_rate", "value": 0.852},
        {"year": 2020, "level": "preschool", "indicator": "gross_enrolment_rate",
         "value": 1.085}])
    save(workbook({"主要指标": plain}), r / "2020.xlsx")

    undeclared = yaml.safe_load(yaml.safe_dump(percent_layout))
    del undeclared["tables"]["rates"]["unit"]
    r = case("percent_undeclared", "qa",
             ["returns/2020.xlsx", "sheet '主要指标'", "row 4", "column B", "share_range",
              "gross_enrolment_rate", "10850.00%", "unit: percent", "1 more QA error"],
             layout=undeclared,
             where={"file": "returns/2020.xlsx", "sheet": "主要指标", "row": 4, "column": "B"})
    save(workbook({"主要指标": plain}), r / "2020.xlsx")


# --------------------------------------------------------------------------- cells and formulas


def cells_and_formulas() -> None:
    # 2. Cells merged over data: B3:B4 shows primary's 62 schools for junior too.
    r = case("merged_over_data", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "B3:B4", "merged", "unmerge"],
             where={"file": "returns/2020.xlsx", "sheet": "基本情况", "row": 3, "column": "B"})
    wb = workbook({"基本情况": overview_with(4, 2, None), "主要指标": GOOD_RATES})
    wb["基本情况"].merge_cells("B3:B4")
    save(wb, r / "2020.xlsx")

    # 3. A formula whose value was never calculated (written by a program, not by Excel).
    r = case("formula_without_value", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "row 4", "column C", "never calculated",
              "open the workbook", "save it"],
             where={"file": "returns/2020.xlsx", "sheet": "基本情况", "row": 4, "column": "C"})
    save(workbook({"基本情况": overview_with(4, 3, "=C3-31674"), "主要指标": GOOD_RATES}),
         r / "2020.xlsx")


# --------------------------------------------------------------------------- layout.yaml


def layout_files() -> None:
    # 7. A key given twice in layout.yaml, and an alias bomb ("billion laughs").
    text = yaml.safe_dump(LAYOUT, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.strip().startswith("sheet: 主要指标"))
    lines.insert(line, "    sheet: 基本情况")
    r = case("layout_duplicate_key", "read",
             ["returns/layout.yaml", f"row {line + 1}", "key given twice",
              f"first on line {line}", "'sheet'"],
             layout="\n".join(lines) + "\n",
             where={"file": "returns/layout.yaml", "row": line + 1})
    save(workbook({"基本情况": GOOD_OVERVIEW, "主要指标": GOOD_RATES}), r / "2020.xlsx")

    bomb = ["lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    r = case("layout_alias_bomb", "read", ["returns/layout.yaml", "billion laughs"],
             layout=text + "\n".join(bomb) + "\n", where={"file": "returns/layout.yaml"})
    save(workbook({"基本情况": GOOD_OVERVIEW, "主要指标": GOOD_RATES}), r / "2020.xlsx")


# --------------------------------------------------------------------------- encodings and fields


def encodings_and_fields() -> None:
    # 8. UTF-16 with a byte-order mark is read like UTF-8 ...
    r = case("csv_utf16_with_bom", "ok", [], values=[
        {"year": 2020, "level": "primary", "indicator": "enrolment", "value": 55210.0},
        {"year": 2020, "level": "primary", "indicator": "retention_rate", "value": 0.99}])
    (r / "2020").mkdir()
    (r / "2020" / "基本情况.csv").write_bytes(csv_bytes(GOOD_OVERVIEW, "utf-16"))
    (r / "2020" / "主要指标.csv").write_bytes(csv_bytes(GOOD_RATES, "utf-8"))

    # ... and a field beyond the csv module's limit (an unclosed quote mark) names its line.
    r = case("csv_field_too_long", "read",
             ["returns/2020/基本情况.csv", "row 4", "longer than 131,072 characters",
              "unclosed quote"],
             where={"file": "returns/2020/基本情况.csv", "row": 4})
    (r / "2020").mkdir()
    rows = [list(x) for x in GOOD_OVERVIEW]
    rows[3][2] = '"23536' + " " * 140_000
    (r / "2020" / "基本情况.csv").write_bytes(csv_bytes(rows, "utf-8"))
    (r / "2020" / "主要指标.csv").write_bytes(csv_bytes(GOOD_RATES, "utf-8"))

    # 10. A file that is not a workbook is named, never quoted.
    r = case("xlsx_is_not_a_zip", "read", ["returns/2020.xlsx", "not an .xlsx workbook"],
             where={"file": "returns/2020.xlsx"}, absent=["root:x", "/bin/bash"])
    (r / "2020.xlsx").write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")


# --------------------------------------------------------------------------- bounded workbooks


def rezip(path: Path, replace: dict[str, bytes]) -> None:
    """Rewrite parts of a saved workbook (fixed timestamps, as save_deterministic does)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = replace.get(info.filename, source.read(info.filename))
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, data)
    path.write_bytes(out.getvalue())


def bounded_workbooks() -> None:
    # 9. A sheet whose used range is absurd: one stray cell at XFD1048576 (a 6 KB file) would
    #    make a grid of 17 billion cells.
    r = case("sheet_dimension_absurd", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "A1:XFD1048576", "stray cell"],
             where={"file": "returns/2020.xlsx", "sheet": "基本情况"})
    wb = workbook({"基本情况": GOOD_OVERVIEW, "主要指标": GOOD_RATES})
    wb["基本情况"]["XFD1048576"] = "x"
    save(wb, r / "2020.xlsx")

    # ... a merged range over the whole sheet (openpyxl would build 17 billion cells) ...
    r = case("merged_range_absurd", "read",
             ["returns/2020.xlsx", "sheet '基本情况'", "A1:XFD1048576", "merges"],
             where={"file": "returns/2020.xlsx"})
    save(workbook({"基本情况": GOOD_OVERVIEW, "主要指标": GOOD_RATES}), r / "2020.xlsx")
    sheet = zipfile.ZipFile(r / "2020.xlsx").read("xl/worksheets/sheet1.xml")
    merge = b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    rezip(r / "2020.xlsx", {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", merge)})

    # ... and a workbook whose ignored 说明 sheet unpacks to 8 MiB from a few KB (zip bomb).
    r = case("zip_bomb", "read", ["returns/2020.xlsx", "zip bomb", "xl/worksheets/sheet3.xml"],
             where={"file": "returns/2020.xlsx"})
    wb = workbook({"基本情况": GOOD_OVERVIEW, "主要指标": GOOD_RATES, "说明": [["示例数据"]]})
    save(wb, r / "2020.xlsx")
    sheet = zipfile.ZipFile(r / "2020.xlsx").read("xl/worksheets/sheet3.xml")
    rezip(r / "2020.xlsx", {"xl/worksheets/sheet3.xml": sheet + b" " * (8 << 20)})


if __name__ == "__main__":
    main()
