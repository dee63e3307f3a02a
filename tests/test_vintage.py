"""Data vintage: an evaluation at year Y sees only data of years ≤ Y (issue: a 2023 report
cited QA findings of the 2024 and 2025 returns)."""

from __future__ import annotations

import pandas as pd

from analysis.core.io import read_table, write_tables
from analysis.evaluate.vintage import as_of


def test_rows_of_later_years_are_dropped_and_undated_rows_kept():
    tables = {
        "indicators": pd.DataFrame({"year": [2022, 2023, 2024], "value": [1.0, 2.0, 3.0]}),
        "qa_issues": pd.DataFrame({"year": [2023, None, 2025], "message": ["a", "plan", "c"]}),
        "milestones": pd.DataFrame({"date": ["2023-06", "2024-01-05", ""], "status": ["x"] * 3}),
        "targets": pd.DataFrame({"key": ["k"]}),
    }
    cut = as_of(tables, 2023)
    assert cut["indicators"]["year"].tolist() == [2022, 2023]
    assert cut["qa_issues"]["message"].tolist() == ["a", "plan"]
    assert cut["milestones"]["date"].tolist() == ["2023-06", ""]
    assert cut["targets"] is tables["targets"]


def test_a_2023_report_shows_nothing_from_a_later_year(tmp_path):
    from analysis import report
    from tests.test_report import build_root, context, text_of

    root = build_root(tmp_path)
    processed = root / "processed" / "mini"
    qa = read_table(processed, "qa_issues")
    late = qa.iloc[:1].copy()
    late["year"] = 2025
    late["message_zh"] = late["message"] = "二〇二五年报表的发现"
    indicators = read_table(processed, "indicators")
    future = indicators[indicators["year"] == indicators["year"].max()].copy()
    future["year"] = 2025
    future["value"] = 999_999.0
    write_tables(processed, {"qa_issues": pd.concat([qa, late], ignore_index=True),
                             "indicators": pd.concat([indicators, future], ignore_index=True)})
    ctx = context(root, None, year=2023)
    assert int(pd.to_numeric(ctx.tables["indicators"]["year"]).max()) <= 2023
    assert (pd.to_numeric(ctx.tables["qa_issues"]["year"], errors="coerce").dropna() <= 2023).all()
    assert not (pd.to_numeric(ctx.evaluation["actual_year"], errors="coerce") > 2023).any()
    assert not (pd.to_numeric(ctx.evaluation["actual"], errors="coerce") == 999_999).any()
    page = text_of(report.problems_section(ctx, whole_plan=True))
    assert "二〇二五年报表的发现" not in page
    later = context(root, None, year=2025)
    assert "二〇二五年报表的发现" in text_of(report.problems_section(later, whole_plan=True))
