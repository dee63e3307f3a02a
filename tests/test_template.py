"""The returns template: written in the layout, read back exactly once filled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis.clean.returns import read_returns
from analysis.clean.template import write_template
from analysis.core.errors import AnalysisError

KAIPING = Path(__file__).resolve().parent.parent / "data" / "raw" / "kaiping"


@pytest.fixture()
def plan_dir(tmp_path):
    folder = tmp_path / "someplan"
    (folder / "returns").mkdir(parents=True)
    shutil.copy(KAIPING / "returns" / "layout.yaml", folder / "returns" / "layout.yaml")
    return folder


def fill(path: Path) -> dict[tuple[str, str, str], int]:
    """Put a distinct number in every data cell; returns {(sheet, row label, column label): n}."""
    wb = load_workbook(path)
    written = {}
    number = 100
    for ws in wb.worksheets:
        header = None
        for row in ws.iter_rows():
            label = row[0].value
            if label == "项目":
                header = row[0].row
                continue
            if header is None or label is None or row[0].row <= header + 1 and any(
                    c.value for c in row[1:]):
                continue
            for cell in row[1:]:
                heading = ws.cell(row=header, column=cell.column).value
                number += 7
                cell.value = number
                written[(ws.title, label, heading, cell.column)] = number
    wb.save(path)
    return written


@pytest.mark.parametrize("year", [2026, 2017])
def test_filled_template_reads_back_exactly(plan_dir, year):
    path = write_template(plan_dir, year)
    assert path == plan_dir / "returns" / f"{year}.xlsx"
    assert read_returns(plan_dir).empty  # an empty template gives no values
    written = fill(path)
    frame = read_returns(plan_dir)
    assert len(frame) == len(written)
    assert sorted(frame["value"]) == sorted(float(n) for n in written.values())
    assert set(frame["year"]) == {year}
    # one cell checked by its labels: primary enrolment sits at 小学 × 在校生数
    sheet = "基本情况" if year > 2018 else "学校基本情况"
    n = next(v for (s, r, h, _), v in written.items() if (s, r, h) == (sheet, "小学", "在校生数"))
    row = frame[(frame.level == "primary") & (frame.indicator == "enrolment")].iloc[0]
    assert row["value"] == n and row["source_sheet"] == sheet


def test_template_never_overwrites(plan_dir):
    write_template(plan_dir, 2026)
    with pytest.raises(AnalysisError, match="overwrite"):
        write_template(plan_dir, 2026)


def test_template_to_another_path(plan_dir, tmp_path):
    out = write_template(plan_dir, 2026, tmp_path / "blank.xlsx")
    assert out.is_file() and not (plan_dir / "returns" / "2026.xlsx").exists()
