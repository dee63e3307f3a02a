"""Write the corpus of broken returns (run once; the files are committed).

Each case is a tiny plan folder ``<case>/returns/`` with the same small layout map and one
defect, plus ``expected.yaml``: ``stage`` (``read`` — the reader refuses the input — or
``qa`` — the QA checks report an error) and ``message``, the parts the error must contain
(file, sheet, row, column, offending text).

    .venv/bin/python tests/broken_returns/make_corpus.py
"""

from __future__ import annotations

import shutil
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


def case(name: str, stage: str, message: list[str]) -> Path:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "returns").mkdir(parents=True)
    (folder / "returns" / "layout.yaml").write_text(
        yaml.safe_dump(LAYOUT, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "expected.yaml").write_text(
        yaml.safe_dump({"stage": stage, "message": message}, allow_unicode=True),
        encoding="utf-8")
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

    r = case("csv_wrong_encoding_utf16", "read", ["returns/2020/基本情况.csv", "UTF-16"])
    (r / "2020").mkdir()
    (r / "2020" / "基本情况.csv").write_bytes(
        b"\xff\xfe" + csv_bytes(GOOD_OVERVIEW, "utf-16-le"))
    (r / "2020" / "主要指标.csv").write_bytes(csv_bytes(GOOD_RATES, "utf-8"))

    r = case("csv_wrong_encoding_latin1", "read",
             ["returns/2020/基本情况.csv", "row 1", "neither UTF-8 nor GB18030"])
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


if __name__ == "__main__":
    main()
