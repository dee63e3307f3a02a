"""The returns reader: encodings, units, bounds, the committed illustrative returns.

Expected values are typed from the plan (开平市教育发展“十四五”规划, chapter 1 and the appendix
tables) or by hand from the corpus files, never taken from the reader's own output.
"""

from __future__ import annotations

import filecmp
import time
from pathlib import Path

import pytest

from analysis.clean.derive import derive_indicators
from analysis.clean.grid import decode_csv
from analysis.clean.layout import load_layout, parse_years
from analysis.clean.returns import read_returns
from analysis.clean.stage import clean_returns
from analysis.core.errors import AnalysisError

ROOT = Path(__file__).resolve().parent.parent
KAIPING = ROOT / "data" / "raw" / "kaiping"


@pytest.fixture(scope="module")
def kaiping():
    return read_returns(KAIPING, "kaiping")


def value(frame, year, level, indicator):
    rows = frame[(frame.year == year) & (frame.level == level) & (frame.indicator == indicator)]
    assert len(rows) == 1, (year, level, indicator, len(rows))
    return float(rows["value"].iloc[0])


# The broken-returns corpus (tests/broken_returns/) is run by tests/test_broken_corpus.py.


# ----------------------------------------------------------------------------- encodings

TABLE = "项目,学校数,在校生数\r\n小学,62,\"55,210\"\r\n初中,２６,2.35万\r\n"


@pytest.mark.parametrize(("encoding", "detected"),
                         [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                          ("gb18030", "gb18030"), ("utf-16", "utf-16"),
                          ("utf-16-be", None)])
def test_csv_encodings_are_detected(encoding, detected):
    data = TABLE.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # big endian with its byte-order mark
        detected = "utf-16"
    text, found = decode_csv(data, "x.csv")
    assert found == detected
    assert text.lstrip("\ufeff") == TABLE


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_set_reads_the_same_in_every_encoding(tmp_path, encoding):
    returns = tmp_path / "returns"
    (returns / "2021").mkdir(parents=True)
    (returns / "layout.yaml").write_text(
        "tables:\n  t:\n    sheet: 基本情况\n    header_rows: [2]\n"
        "    rows: {小学: {level: primary}, 初中: {level: junior}}\n"
        "    columns: {学校数: {indicator: schools}, 在校生数: {indicator: enrolment}}\n",
        encoding="utf-8")
    (returns / "2021" / "基本情况.csv").write_bytes(("# 示例数据\r\n" + TABLE).encode(encoding))
    frame = read_returns(tmp_path, "p")
    assert value(frame, 2021, "primary", "enrolment") == 55210
    assert value(frame, 2021, "junior", "schools") == 26  # full-width digits
    assert value(frame, 2021, "junior", "enrolment") == 23500  # 2.35万
    row = frame[(frame.level == "primary") & (frame.indicator == "enrolment")].iloc[0]
    assert row["source_file"] == "returns/2021/基本情况.csv"
    assert row["source_cell"] == "line 3, field 3"


# ----------------------------------------------------------------------------- values and units

LAYOUT = """\
tables:
  t:
    sheet: 表
    header_rows: [2]
    units: {万人: 10000, 人: 1, 亿元: 10000, 万元: 1, "所、个、人": 1}
    rows: {小学: {level: primary}, 初中: {level: junior}}
    columns: {在校生数: {indicator: enrolment}, 班数: {indicator: classes},
              经费: {indicator: education_expenditure}, 巩固率: {indicator: retention_rate}}
    ignore_rows: [合计]
"""


def returns_folder(tmp_path, rows, *, layout=LAYOUT, merge=None, unit_row="单位：所、个、人"):
    """A plan folder with one workbook (sheet 表: unit row, header, ``rows``)."""
    from openpyxl import Workbook

    returns = tmp_path / "returns"
    returns.mkdir(exist_ok=True)
    (returns / "layout.yaml").write_text(layout, encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    for row in [[unit_row], ["项目", "在校生数", "班数", "经费", "巩固率"], *rows]:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(returns / "2021.xlsx")
    return tmp_path


def read_one(tmp_path, rows, **kwargs):
    return read_returns(returns_folder(tmp_path, rows, **kwargs), "p")


def test_own_unit_wins_over_the_unit_row(tmp_path):
    frame = read_one(tmp_path, [["小学", "5.521万人", None, None, "99%"],
                                ["初中", 2.3536, None, None, 0.99]], unit_row="单位：万人")
    assert value(frame, 2021, "primary", "enrolment") == 55210  # not × 1万 again
    assert value(frame, 2021, "junior", "enrolment") == pytest.approx(23536)  # plain: × 1万
    assert value(frame, 2021, "primary", "retention_rate") == pytest.approx(0.99)
    frame = read_one(tmp_path, [["小学", None, None, "1.2亿元", None],
                                ["初中", None, None, 3000, None]], unit_row="单位：万元")
    assert value(frame, 2021, "primary", "education_expenditure") == 12000
    assert value(frame, 2021, "junior", "education_expenditure") == 3000
    frame = read_one(tmp_path, [["小学", "5400人", "833个", None, None],
                                ["初中", 2000, "400班", None, None]])
    assert value(frame, 2021, "primary", "classes") == 833  # 个 counts classes too
    assert value(frame, 2021, "junior", "classes") == 400


@pytest.mark.parametrize(("text", "problem"), [
    ("2244所", "own unit (schools) contradicts"),
    ("5400人次", "own unit (person_times) contradicts"),
    ("5400元", "own unit (yuan) contradicts"),
    ("99%", "a percentage in a cell for 'enrolment'"),
    ("5400人左右", "approximate"), ("约5400人", "approximate"), ("近5400人", "approximate"),
    ("5400余人", "approximate"), ("5千多人", "approximate"), ("5400人以上", "a bound"),
])
def test_cells_that_cannot_be_read_as_one_exact_figure(tmp_path, text, problem):
    with pytest.raises(AnalysisError) as caught:
        read_one(tmp_path, [["小学", text, 1, 1, "99%"], ["初中", 1, 1, 1, "99%"]])
    error = caught.value
    assert problem in str(error)
    assert (error.file, error.sheet, error.row, error.column, error.text) == (
        "returns/2021.xlsx", "表", 3, "B", text)


def test_own_unit_must_fit_the_unit_row(tmp_path):
    with pytest.raises(AnalysisError, match="unit row '单位：万元'"):
        read_one(tmp_path, [["小学", "5400人", 1, 1, "99%"], ["初中", 1, 1, 1, "99%"]],
                 unit_row="单位：万元")


def test_unit_percent_for_shares_printed_without_percent(tmp_path):
    layout = LAYOUT.replace("    ignore_rows:", "    unit: percent\n    ignore_rows:")
    frame = read_one(tmp_path, [["小学", 100, 1, 1, 85.2], ["初中", 100, 1, 1, "85.2%"]],
                     layout=layout)
    assert value(frame, 2021, "primary", "retention_rate") == pytest.approx(0.852)
    assert value(frame, 2021, "junior", "retention_rate") == pytest.approx(0.852)  # not again
    assert value(frame, 2021, "primary", "enrolment") == 100  # counts of the table untouched


def test_unit_percent_on_a_count_column_is_refused(tmp_path):
    layout = LAYOUT.replace("{indicator: classes}", "{indicator: classes, unit: percent}")
    with pytest.raises(AnalysisError, match="'unit: percent' on a cell of 'classes'"):
        read_one(tmp_path, [["小学", 1, 1, 1, "99%"], ["初中", 1, 1, 1, "99%"]], layout=layout)


def test_merged_cells_over_data_are_refused_headers_and_footnotes_are_not(tmp_path):
    with pytest.raises(AnalysisError) as caught:
        read_one(tmp_path, [["小学", 103, 1, 1, "99%"], ["初中", None, 1, 1, "99%"]],
                 merge="B3:B4")
    assert "B3:B4" in str(caught.value) and caught.value.row == 3
    # a merged title row and a merged 合计 row are fine
    frame = read_one(tmp_path, [["小学", 103, 1, 1, "99%"], ["初中", 1, 1, 1, "99%"],
                                ["合计", 104, None, None, None]], merge="C5:E5")
    assert value(frame, 2021, "primary", "enrolment") == 103


def test_formula_in_an_ignored_row_is_not_read(tmp_path):
    frame = read_one(tmp_path, [["小学", 103, 1, 1, "99%"], ["初中", 1, 1, 1, "99%"],
                                ["合计", "=B3+B4", None, None, None]])
    assert value(frame, 2021, "primary", "enrolment") == 103
    with pytest.raises(AnalysisError, match="never calculated") as caught:
        read_one(tmp_path, [["小学", "=1+2", 1, 1, "99%"], ["初中", 1, 1, 1, "99%"]])
    assert (caught.value.row, caught.value.column, caught.value.text) == (3, "B", "=1+2")


def test_workbook_bounds(tmp_path, monkeypatch):
    from analysis.clean import grid

    folder = returns_folder(tmp_path, [["小学", 103, 1, 1, "99%"], ["初中", 1, 1, 1, "99%"]])
    monkeypatch.setattr(grid, "MAX_XLSX_BYTES", 10_000)
    with pytest.raises(AnalysisError, match="unpacks to .* more than"):
        read_returns(folder, "p")
    monkeypatch.setattr(grid, "MAX_XLSX_BYTES", 200 << 20)
    monkeypatch.setattr(grid, "MAX_SHEET_CELLS", 10)
    with pytest.raises(AnalysisError, match=r"used range is A1:E4 \(4 rows × 5 columns"):
        read_returns(folder, "p")


def test_layout_errors_name_the_line(tmp_path):
    layout = LAYOUT.replace("    header_rows: [2]", "    header_rows: [2]\n    colour: red")
    returns_folder(tmp_path, [["小学", 1, 1, 1, "99%"]], layout=layout)
    with pytest.raises(AnalysisError) as caught:
        load_layout(tmp_path / "returns")
    assert caught.value.row == 5 and "unknown key at tables.t.colour" in str(caught.value)
    layout = LAYOUT.replace("    header_rows: [2]", "    header_rows: 2")
    (tmp_path / "returns" / "layout.yaml").write_text(layout, encoding="utf-8")
    with pytest.raises(AnalysisError) as caught:
        load_layout(tmp_path / "returns")
    assert caught.value.row == 4 and "expected a list" in str(caught.value)
    assert caught.value.column == "tables.t.header_rows"


def test_parse_years():
    assert parse_years("2016-2018, 2021") == {2016, 2017, 2018, 2021}
    with pytest.raises(AnalysisError):
        parse_years("since 2016")


# ----------------------------------------------------------------------------- committed data


def test_ten_years_are_read(kaiping):
    assert sorted(kaiping["year"].unique()) == list(range(2016, 2026))
    assert not kaiping.duplicated(["year", "level", "indicator"]).any()


def test_layout_is_marked_illustrative():
    assert load_layout(KAIPING / "returns").illustrative is True


@pytest.mark.parametrize(("level", "indicator", "expected"), [
    ("preschool", "schools", 99), ("preschool", "enrolment", 25857),
    ("preschool", "enrolment_public", 13787), ("preschool", "schools_standardised", 23),
    ("primary", "schools", 62), ("primary", "enrolment", 55210),
    ("junior", "schools", 26), ("junior", "enrolment", 23536), ("compulsory", "schools", 84),
    ("senior_general", "enrolment", 15971), ("vocational", "enrolment", 5104),
    ("special", "enrolment", 145), ("preschool", "gross_enrolment_rate", 1.1326),
    ("primary", "enrolment_rate", 1.0), ("primary", "retention_rate", 0.99),
    ("senior_secondary", "gross_enrolment_rate", 0.98),
])
def test_2020_equals_the_plan_baseline(kaiping, level, indicator, expected):
    assert value(kaiping, 2020, level, indicator) == pytest.approx(expected)


def test_2020_public_and_inclusive_kindergartens(kaiping):
    schools = (value(kaiping, 2020, "preschool", "schools_public")
               + value(kaiping, 2020, "preschool", "schools_inclusive_private"))
    children = (value(kaiping, 2020, "preschool", "enrolment_public")
                + value(kaiping, 2020, "preschool", "enrolment_inclusive_private"))
    assert (schools, children) == (88, 23196)


@pytest.mark.parametrize(("level", "share", "printed", "digits"), [
    ("preschool", "share_teachers_associate_plus", 0.745, 3),
    ("primary", "share_teachers_bachelor_plus", 0.712, 3),
    ("junior", "share_teachers_bachelor_plus", 0.896, 3),
    ("senior_general", "share_teachers_postgraduate", 0.159, 3),
    ("senior_secondary", "share_teachers_postgraduate", 0.159, 3),
    ("preschool", "share_enrolment_public", 0.5332, 4),
])
def test_2020_derived_shares_round_to_the_printed_value(kaiping, level, share, printed, digits):
    derived = derive_indicators(kaiping)
    assert round(value(derived, 2020, level, share), digits) == printed


def test_appendix_series(kaiping):
    admission = [0.8782, 0.881, 0.9126, 0.9373, 0.9381]
    for year, rate in zip(range(2016, 2021), admission, strict=True):
        assert value(kaiping, year, "senior_general", "admission_rate") == pytest.approx(rate)
    for year, amount in zip(range(2019, 2022), (300, 400, 500), strict=True):
        assert value(kaiping, year, "preschool", "per_pupil_allocation") == amount
    derived = derive_indicators(kaiping)
    printed = {2016: (124800, "30.63"), 2017: (123300, "29.10"), 2018: (126700, "27.20"),
               2019: (141200, "21.34")}
    for year, (amount, share) in printed.items():
        assert value(kaiping, year, "all", "education_expenditure") == amount  # 12.48亿 = 124800万
        ratio = value(derived, year, "all", "share_education_expenditure")
        assert f"{ratio * 100:.2f}" == share


def test_demography_after_the_baseline(kaiping):
    pre = [value(kaiping, y, "preschool", "enrolment") for y in range(2020, 2026)]
    assert all(b < a for a, b in zip(pre, pre[1:], strict=False))  # falls from 2021
    entry = {y: value(kaiping, y, "primary", "entrants") for y in range(2020, 2026)}
    assert entry[2023] < entry[2022] and entry[2025] < entry[2023]
    births = {y: value(kaiping, y, "all", "births") for y in (2016, 2023)}
    assert births[2023] / births[2016] == pytest.approx(9.02 / 17.86, rel=0.01)


def test_messy_years_read_like_clean_ones(kaiping):
    # 2019 is GB18030 CSV, 2022 stores numbers as text with separators, 2024 full-width
    # digits, 2021+ renamed labels, 2016-2018 money in 亿元 with an older layout
    for year in range(2016, 2026):
        assert value(kaiping, year, "vocational", "teachers_fulltime") > 0
    row = kaiping[(kaiping.year == 2019) & (kaiping.indicator == "enrolment")
                  & (kaiping.level == "primary")].iloc[0]
    assert row["source_file"] == "returns/2019/基本情况.csv"
    row = kaiping[(kaiping.year == 2020) & (kaiping.indicator == "enrolment")
                  & (kaiping.level == "primary")].iloc[0]
    assert (row["source_file"], row["source_sheet"], row["source_cell"]) == (
        "returns/2020.xlsx", "基本情况", "E5")


def test_generator_reproduces_the_committed_files(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generator", ROOT / "scripts" / "generate_illustrative_returns.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(tmp_path)
    committed = KAIPING / "returns"
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file():
            twin = committed / path.relative_to(tmp_path)
            assert filecmp.cmp(path, twin, shallow=False), path.name


def test_every_file_says_it_is_illustrative():
    from openpyxl import load_workbook

    for path in sorted((KAIPING / "returns").glob("*.xlsx")):
        wb = load_workbook(path, read_only=True)
        assert "说明" in wb.sheetnames
        assert "示例数据（非真实统计）" in str(wb["说明"]["A1"].value)
    for path in sorted((KAIPING / "returns").glob("*/*.csv")):
        first = path.read_bytes().decode("gb18030").splitlines()[0]
        assert first.startswith("#") and "示例数据（非真实统计）" in first


def test_cleaning_ten_years_takes_under_two_seconds():
    clean_returns(KAIPING, "kaiping")  # warm caches and imports
    started = time.perf_counter()
    clean_returns(KAIPING, "kaiping")
    assert time.perf_counter() - started < 2.0


def test_no_county_name_in_the_stage_modules():
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for county in ("Kaiping", "kaiping", "开平"):
            assert county not in text, f"{county} in {path.name}"
