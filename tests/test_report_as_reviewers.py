"""Report pages that agree with the grades (issue: grade as plan reviewers grade).

Uses the fixture plan of tests/test_report.py; expected values worked out by hand there.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_report import build_root, context, text_of

from analysis import report
from analysis.report.outlook import recommendations


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return build_root(tmp_path_factory.mktemp("reviewers"))


@pytest.fixture(scope="module")
def plotting_ready():
    from analysis.figures.charts import setup_plotting

    setup_plotting()


def test_no_recommendations_for_a_chapter_without_targets(data_root, plotting_ready):
    ctx = context(data_root, 1)  # chapter 1 of the fixture has no target
    assert len(ctx.chapter_rows()) == 0
    assert recommendations(ctx, ctx.chapter_rows()) == []
    text = text_of(report.outlook_section(ctx))
    assert "本章无量化目标" in text and "各项指标进展正常" not in text


def test_recommendations_name_each_problem_once(data_root):
    ctx = context(data_root, 4)
    advice = recommendations(ctx, ctx.chapter_rows())
    # chapter 4: the expenditure rule broken in 2022 → one budget recommendation; the
    # per-pupil rule and the charters (done) need none
    assert len(advice) == 1
    assert advice[0].startswith("一般公共预算教育支出逐年只增不减")
    assert "建议在年度预算中落实并逐年公开核对" in advice[0]


def test_counts_in_recommendations_match_the_names(data_root):
    ctx = context(data_root, None)
    for line in recommendations(ctx, ctx.evaluation):
        match = re.match(r"(\d+)项目标（(.*?)）", line)
        if match:
            assert int(match.group(1)) == len(match.group(2).split("、"))


def test_final_pages_say_final_and_have_no_outlook(data_root, plotting_ready):
    ctx = context(data_root, 2, year=2025)
    page = report.page_header(ctx) + report.indicators_section(ctx) + report.problems_section(ctx)
    text = text_of(page)
    assert "终期评估" in text and "中期评估" not in text
    header = re.search(r"<thead>(.*?)</thead>", report.indicators_section(ctx), re.S).group(1)
    assert "预判" not in header  # no outlook column at the final evaluation
    assert "进展滞后" not in text and "滞后于预期进度" not in text
    final = ctx.evaluation
    assert set(final.loc[final["is_final"], "outlook"]) <= {"closed", "unknown"}


def test_outlook_never_contradicts_the_grade(data_root):
    ctx = context(data_root, None, year=2025)
    rows = ctx.evaluation
    met = rows["grade"].isin(["achieved"])
    assert pd.to_numeric(rows.loc[met, "probability_met"], errors="coerce").isna().all()
    assert not ((rows["grade"] == "lagging") & (rows["outlook"] == "likely")).any()
