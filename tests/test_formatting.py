"""One formatter for every number a report shows (``analysis.core.formatting``).

Expected values are worked out by hand: 0.5332 as a share is 53.32 %; 1062.95 teachers round
to 1,063; money is stored in 万元, so 124800 万元 printed as “12.48亿元” is 124800 / 10000 =
12.48 亿元; a share rising from 48.2 % to 53.32 % changes by 5.12 percentage points.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.formatting import (
    format_as_printed,
    format_change,
    format_number,
    format_share,
    format_target,
    printed_unit,
)

ANALYSIS = Path(__file__).resolve().parent.parent / "analysis"


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (0.5332, "fraction", "53.32%"),
    (0.6, "fraction", "60%"),
    (0.98, "fraction", "98%"),
    (0.92845, "fraction", "92.85%"),  # 92.845 rounds half up
    (1062.95, "persons", "1,063"),
    (1062.95, "teachers", "1,063"),
    (25857, "persons", "25,857"),
    (99.5, "schools", "100"),
    (27800, None, "27,800"),
    (27800.0, "10k_yuan", "27,800"),
    (12.48, "10k_yuan", "12.48"),
    (12.48, "100m_yuan", "12.48"),
    (1234.5678, "yuan", "1,234.57"),
    (10000.5, "yuan", "10,000.5"),
    (2.675, None, "2.68"),  # the digits as written, not the binary float (2.67499…)
    (-5000, "10k_yuan", "-5,000"),
    (-0.001, None, "0"),  # no "-0"
    (np.float64(0.5332), "fraction", "53.32%"),
    (np.int64(27800), "persons", "27,800"),
])
def test_format_number(value, unit, expected):
    assert format_number(value, unit) == expected
    assert format_number(value, unit, lang="en") == expected  # one style in both languages


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_values_show_a_dash(missing):
    assert format_number(missing, "persons") == "—"
    assert format_share(missing) == "—"
    assert format_target(missing, "ge", "fraction", "zh") == "—"
    assert format_change(missing, "fraction", "zh") == "—"
    assert format_as_printed(missing, "10k_yuan", "12.48亿元") == "—"


def test_text_that_is_no_number_is_shown_as_it_is():
    assert format_number("逐年只增不减") == "逐年只增不减"


def test_format_share_and_target():
    assert format_share(0.6) == "60%"
    assert format_share(0.6667, "en") == "67%"
    assert format_target(0.98, "ge", "fraction", "zh") == "≥98%"
    assert format_target(0.98, "ge", "fraction", "en") == "≥98%"
    assert format_target(0.01, "lt", "fraction") == "<1%"
    assert format_target(5500, "approx", "persons") == "≈5,500"
    assert format_target(110, "eq", "schools") == "110"
    assert format_target(110, "non_decreasing", "schools") == "110"  # a rule code: no symbol
    assert format_target(110, None, "schools") == "110"


def test_format_change():
    # 48.2 % → 53.32 %: +5.12 percentage points
    assert format_change(0.0512, "fraction", "zh") == "+5.12个百分点"
    assert format_change(0.0512, "fraction", "en") == "+5.12 percentage points"
    assert format_change(0.0512, "fraction", "zh", signed=False) == "5.12个百分点"
    assert format_change(0.0512, "fraction", "en", signed=False) == "5.12 percentage points"
    assert format_change(-0.01, "fraction", "zh") == "-1个百分点"
    assert format_change(-0.01, "fraction", "en") == "-1 percentage point"
    assert format_change(0.0, "fraction", "zh") == "0个百分点"
    # counts: signed whole numbers; money: signed, up to two decimals
    assert format_change(1062.95, "persons", "zh") == "+1,063"
    assert format_change(-12, "schools", "en") == "-12"
    assert format_change(10000, "10k_yuan", "zh") == "+10,000"
    assert format_change(-5000, "10k_yuan", "zh") == "-5,000"
    assert format_change(0, "persons", "zh") == "0"


def test_money_in_the_unit_the_plan_prints():
    # stored in 万元: 124800 万元 = 12.48 亿元
    assert format_as_printed(124800, "10k_yuan", "12.48亿元") == "12.48亿元"
    assert format_as_printed(123300, "10k_yuan", "12.48亿元") == "12.33亿元"
    assert format_as_printed(124800, "10k_yuan", "12.48亿元", lang="en") == \
        "12.48 × 100 million yuan"
    assert format_as_printed(124800, "10k_yuan", "124800万元") == "124,800万元"
    # 5.6万 (people): 56000 / 10000
    assert format_as_printed(56000, "persons", "5.6万") == "5.6万"
    assert format_as_printed(56000, "persons", "5.6万人") == "5.6万人"
    assert format_as_printed(56000, "persons", "5.6万人", lang="en") == "5.6 × 10,000 persons"
    # a fall of 1500 万元 = 0.15 亿元
    assert format_as_printed(-1500, "10k_yuan", "12.48亿元", signed=True) == "-0.15亿元"
    unit = printed_unit("10k_yuan", "12.48亿元")
    assert unit is not None and unit.word == "亿元" and math.isclose(unit.factor, 1e4)


def test_without_a_printed_scale_the_plain_formatter_applies():
    assert format_as_printed(0.5332, "fraction", "53.32%") == "53.32%"
    assert format_as_printed(84, "schools", "84所") == "84"
    assert format_as_printed(124800, "10k_yuan", "逐年只增不减") == "124,800"
    assert format_as_printed(124800, "10k_yuan", None) == "124,800"
    assert format_as_printed(124800, "10k_yuan", "") == "124,800"
    assert format_as_printed(-0.01, "fraction", "70%", signed=True) == "-1个百分点"
    assert printed_unit("10k_yuan", "12.48亿") is None  # 亿 without 元 is not money
    assert printed_unit("persons", "98%以上") is None


def test_a_note_and_a_table_cell_print_27800_alike():
    from analysis import report
    from analysis.evaluate.grading import grade_target
    from analysis.evaluate.targets import _numeric_actual

    # 幼儿在园人数 25857 → 27800 (plan's mid-term value) → 29000
    grade = grade_target(actual=27300, baseline=25857, final_value=29000, direction="neutral",
                         midterm_value=27800, midterm_comparator="eq", midterm_year=2023,
                         base_year=2020, target_year=2025, eval_year=2023, unit="persons")
    assert "对照规划中期值 27,800：已达到" in grade.notes_zh
    assert "plan's mid-term value 27,800: met" in grade.notes_en
    assert report.fmt_number(27800, "persons") == "27,800"
    zh: list[str] = []
    en: list[str] = []
    actual = _numeric_actual("increase", pd.Series({2021: 26000.0, 2023: 27800.0}), 25857.0,
                             2020, 2023, zh, en, unit="persons")
    assert actual == (27800.0 - 25857.0, 2023)
    assert zh == ["新增量 = 2023年值 27,800 − 基期值 25,857"]
    assert en == ["increase = 2023 value 27,800 − base 25,857"]


def test_the_report_names_point_to_the_core_formatter():
    from analysis import report
    from analysis.core import formatting
    from analysis.report import html

    assert report.fmt_number is formatting.format_number is html.fmt_number
    assert report.fmt_share is formatting.format_share is html.fmt_share
    assert report.fmt_target is formatting.format_target is html.fmt_target


def test_no_other_number_formatter_is_defined():
    pattern = re.compile(r"^\s*def (_fmt|_trim|fmt_number|fmt_share|fmt_target|format_quantity)\b", re.M)
    found = [str(path.relative_to(ANALYSIS)) for path in ANALYSIS.rglob("*.py")
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_value_axis_prints_numbers_like_the_tables():
    from analysis.figures.charts import new_figure, value_axis

    _, ax = new_figure()
    value_axis(ax, "persons")
    assert ax.yaxis.get_major_formatter()(1062.95, 0) == "1,063"
    value_axis(ax, "fraction")
    assert ax.yaxis.get_major_formatter()(0.425, 0) == "42.5%"
    value_axis(ax, None)
    assert ax.yaxis.get_major_formatter()(27800, 0) == "27,800"


def test_rule_bars_are_coloured_by_the_rule_marks():
    from matplotlib.colors import to_rgba

    from analysis.figures.charts import GRADE_COLOURS, new_figure, rule_bars

    _, ax = new_figure()
    table = pd.DataFrame({"year": [2020, 2021, 2022], "value": [100.0, 90.0, 95.0],
                          "met": [None, True, False]})  # 逐年下降: 2021 fell (met), 2022 rose
    rule_bars(ax, table)
    colours = [patch.get_facecolor() for patch in ax.patches]
    assert colours == [to_rgba(GRADE_COLOURS[c]) for c in ("no_data", "achieved", "lagging")]


# --------------------------------------------------------------------------- report blocks


def _context(tables: dict[str, pd.DataFrame], evaluation: pd.DataFrame, chapter: int):
    from types import SimpleNamespace

    from analysis.evaluate.rule import StatusRule
    from analysis.report.context import ReportContext

    rule = StatusRule(base_year=2020, midterm_year=2023, target_year=2025, eval_year=2023)
    return ReportContext(plan="mini", lang="zh", data_root="", config=SimpleNamespace(),
                         rule=rule, tables=tables, models={}, evaluation=evaluation,
                         chapter=chapter)


def _visible(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


@pytest.fixture(scope="module")
def plotting_ready():
    from analysis.figures.charts import setup_plotting

    setup_plotting()


def test_chapter_1_series_shows_money_in_the_printed_unit(plotting_ready):
    from analysis.report.baseline import series_block

    source = "附表 市公共财政教育预算拨款（亿元）"
    history = pd.DataFrame({
        "key": [f"h.exp.{y}" for y in (2016, 2017, 2018, 2019)],
        "level": "all", "indicator": "education_expenditure",
        "year": [2016, 2017, 2018, 2019], "value": [124800.0, 123300.0, 126700.0, 141200.0],
        "unit": "10k_yuan", "source": source,
        "value_text": ["12.48亿元", "12.33亿元", "12.67亿元", "14.12亿元"],
    })
    ctx = _context({"history": history}, pd.DataFrame(columns=["chapter", "grade"]), 1)
    text = _visible(series_block(ctx))
    assert "（亿元）" in text  # the caption names 亿元 …
    for shown in ("12.48亿元", "12.33亿元", "12.67亿元", "14.12亿元"):  # … and so do the values
        assert shown in text
    assert "124,800" not in text and "124800" not in text


def test_rule_table_tests_the_rule_of_the_target():
    from analysis.evaluate.yearly import check_rule
    from analysis.report.safeguards import rule_years

    # pupils per class should fall every year (逐年下降): 2022 rose, so it is not met
    values = {2020: 100.0, 2021: 90.0, 2022: 95.0, 2023: 80.0}
    indicators = pd.DataFrame({"year": list(values), "level": "all", "indicator": "x",
                               "value": list(values.values())})
    table = rule_years(indicators, "x", "all", 2020, 2023, rule="decreasing")
    assert table["met"].tolist() == [None, True, False, True]
    assert table["change"].tolist()[1:] == [-10.0, 5.0, -15.0]
    graded = check_rule(pd.Series(values), "decreasing", years=range(2020, 2024))
    assert [y for y, m in zip(table["year"], table["met"], strict=True) if m is False] == \
        list(graded.broken_years)
    # the same series under 逐年只增不减 (the default) breaks in 2021 and 2023
    assert rule_years(indicators, "x", "all", 2020, 2023)["met"].tolist() == \
        [None, False, True, False]


def test_funding_block_marks_years_by_the_graded_rule(plotting_ready):
    from analysis.report.safeguards import funding_rules_block

    indicators = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "level": "all",
                               "indicator": "class_size", "value": [50.0, 48.0, 49.0, 45.0]})
    targets = pd.DataFrame({"key": ["t4.size"], "unit": [None], "rule": ["逐年下降"],
                            "indicator": ["class_size"], "level": ["all"]})
    evaluation = pd.DataFrame({
        "key": ["t4.size"], "chapter": [4], "kind": ["rule"], "level": ["all"],
        "indicator": ["class_size"], "name_zh": ["平均班额逐年下降"], "name_en": ["Class size"],
        "comparator": ["decreasing"], "grade": ["lagging"],
    })
    ctx = _context({"indicators": indicators, "targets": targets}, evaluation, 4)
    text = _visible(funding_rules_block(ctx))
    assert re.search(r"比上年变化 — -2 \+1 -4", text)
    assert re.search(r"是否满足 — 满足 未满足 满足", text)


def test_a_span_of_years_is_printed_as_each_language_prints_it():
    from analysis.core.formatting import year_span

    assert year_span(2021, 2025, "zh") == "2021—2025"  # 一字线, as the plan prints its period
    assert year_span(2021, 2025, "en") == "2021–2025"  # an en dash
