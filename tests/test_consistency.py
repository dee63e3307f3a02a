"""Plan self-consistency: the findings the plan's own numbers imply.

Expected numbers come from the plan text and hand arithmetic:
* 中职在校生 2025: 5300 (主要指标表) vs 5500左右 (第三章 五（一）): 200 apart, 200/5500 = 3.6 %,
  outside ±2 %;
* 23196 / 25857 = 0.897088… = 89.71 % against the printed 89.72 % (0.01 point apart);
* 教育拨款比例 30.63 → 29.1 → 27.2 → 21.34 % falls every year (3 falls); 预算拨款
  12.48 → 12.33 亿元 falls in 2017 only;
* 84 compulsory schools vs 62 primary + 26 junior = 88 (4 nine-year schools counted twice).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.clean.catalogue import load_plan_tables
from analysis.clean.consistency import COLUMNS, plan_consistency, subject
from analysis.core.paths import PROJECT_ROOT

PLAN_DIR = PROJECT_ROOT / "data" / "raw" / "kaiping"


@pytest.fixture(scope="module")
def findings():
    _, targets, history = load_plan_tables(PLAN_DIR)
    return plan_consistency(targets, history, base_year=2020)


def _one(findings, check, key):
    rows = findings[(findings["check"] == check) & findings["keys"].str.contains(key, regex=False)]
    assert len(rows) == 1, (check, key, findings[["check", "keys"]])
    return rows.iloc[0]


def test_columns(findings):
    assert list(findings.columns) == COLUMNS
    assert set(findings["severity"]) <= {"warning", "info"}
    assert findings["message_zh"].str.len().gt(0).all()
    assert findings["message_en"].str.len().gt(0).all()


def test_vocational_enrolment_conflict(findings):
    row = _one(findings, "target_conflict", "s3.5.1.vocational_enrolment")
    assert row["severity"] == "warning"
    assert "t2.vocational.enrolment" in row["keys"]
    assert "5300" in row["message_zh"] and "5500人左右" in row["message_zh"]
    assert "200" in row["message_zh"] and "3.6%" in row["message_zh"]


def test_inclusive_share_reconciles(findings):
    row = _one(findings, "share_reconciles", "h.preschool.share_enrolment_inclusive.2020")
    assert row["severity"] == "info"
    assert "h.preschool.enrolment_inclusive.2020" in row["keys"]
    assert "t2.preschool.enrolment" in row["keys"]
    assert "23,196 / 25,857 = 89.71%" in row["message_zh"]
    assert "89.72%" in row["message_zh"] and "0.01" in row["message_zh"]
    assert not (findings["check"] == "share_mismatch").any()


def test_education_share_rule_contradicted(findings):
    row = _one(findings, "rule_broken_in_history", "s4.2.education_share")
    assert row["severity"] == "warning"
    for step in ("2016→2017", "2017→2018", "2018→2019"):
        assert step in row["message_en"]
    assert "30.63%" in row["values"] and "21.34%" in row["values"]


def test_education_budget_rule_contradicted_in_2017_only(findings):
    row = _one(findings, "rule_broken_in_history", "s4.2.education_expenditure")
    assert "2016→2017" in row["message_en"] and "12.48亿元→12.33亿元" in row["message_en"]
    assert "2017→2018" not in row["message_en"]


def test_maintain_targets(findings):
    row = _one(findings, "met_at_baseline", "t2.preschool.gross_enrolment")
    assert "113.26%" in row["message_zh"] and "98%以上" in row["message_zh"]
    met = set(findings.loc[findings["check"] == "met_at_baseline", "keys"].str.split("; ").str[0])
    assert {"t2.primary.enrolment_rate", "t2.primary.retention",
            "t2.preschool.public_inclusive_share.1"} <= met
    # targets still ahead are not "met"
    assert "t2.preschool.teachers_associate_plus" not in met


def test_compulsory_schools_below_sum_of_levels(findings):
    row = _one(findings, "aggregate_below_parts", "h.compulsory.schools.2020")
    assert "84" in row["message_zh"] and "88" in row["message_zh"]
    assert "相差4" in row["message_zh"]


def test_duplicates_reported_as_info(findings):
    row = _one(findings, "target_duplicate", "sP7.standardised_share")
    assert "s3.2.4.standardised_share" in row["keys"]
    assert row["severity"] == "info"


def test_baselines_agree_with_chapter_one(findings):
    row = _one(findings, "baseline_agrees", "t2.vocational.enrolment")
    assert "t2.preschool.kindergartens=h.preschool.schools.2020" in row["keys"]
    assert not (findings["check"] == "baseline_differs").any()


# ---------------------------------------------------------------- hand-made frames


def _target(key, indicator, *, level="primary", kind="table", baseline=math.nan,
            midterm=math.nan, mid_cmp=None, final=math.nan, final_cmp="eq", measure="level",
            rule=None, unit="persons", direction="neutral", texts=("", "", "")):
    return {"key": key, "parent_key": None, "kind": kind, "chapter": 2, "section": "2.4",
            "task": None, "level": level, "indicator": indicator, "name_zh": key,
            "name_en": key, "attribute": "预期性", "measure": measure, "direction": direction,
            "unit": unit, "baseline_value": baseline, "midterm_value": midterm,
            "midterm_comparator": mid_cmp, "final_value": final, "final_comparator": final_cmp,
            "rule": rule, "deadline": 2025, "baseline_text": texts[0], "midterm_text": texts[1],
            "final_text": texts[2], "source": f"src {key}"}


def _history(key, indicator, level, year, value, text, comparator="eq", unit="persons"):
    return {"key": key, "level": level, "indicator": indicator, "year": year, "value": value,
            "unit": unit, "source": f"src {key}", "comparator": comparator, "value_text": text,
            "name_zh": key, "chapter": 1, "section": "1.1"}


def _frames(targets, history):
    return pd.DataFrame(targets), pd.DataFrame(history)


def test_baseline_differs_from_history():
    # table says 2020 enrolment 1000, chapter 1 says 1100
    targets, history = _frames(
        [_target("t.enr", "enrolment", baseline=1000, final=1200, texts=("1000", "", "1200"))],
        [_history("h.enr", "enrolment", "primary", 2020, 1100, "1100人")],
    )
    found = plan_consistency(targets, history, base_year=2020)
    assert found["check"].tolist() == ["baseline_differs"]
    assert "1000" in found.iloc[0]["message_zh"] and "1100人" in found.iloc[0]["message_zh"]


def test_midterm_reverses_and_beyond_final():
    targets, history = _frames(
        [
            # 0.70 → 0.65 → 0.80: the mid-term value lies below the baseline
            _target("t.a", "share_teachers_bachelor_plus", baseline=0.70, midterm=0.65,
                    final=0.80, unit="fraction", direction="higher",
                    texts=("70%", "65%", "80%")),
            # 0.70 → 0.90 → 0.85: the mid-term value is beyond the final target
            _target("t.b", "share_teachers_associate_plus", baseline=0.70, midterm=0.90,
                    final=0.85, unit="fraction", direction="higher",
                    texts=("70%", "90%", "85%")),
        ],
        [],
    )
    found = plan_consistency(targets, history, base_year=2020)
    assert set(zip(found["check"], found["keys"], strict=True)) == {
        ("midterm_reverses", "t.a"), ("midterm_beyond_final", "t.b")}


def test_approx_within_tolerance_is_compatible():
    # 5050 vs 5000左右: 50/5050 = 1.0 % < 2 %
    targets, history = _frames(
        [_target("t.x", "enrolment", final=5050, texts=("", "", "5050")),
         _target("s.x", "enrolment", kind="target", final=5000, final_cmp="approx",
                 texts=("", "", "5000人左右"))],
        [],
    )
    found = plan_consistency(targets, history, base_year=2020)
    assert found["check"].tolist() == ["target_duplicate"]


def test_share_mismatch_and_rule_holding():
    targets, history = _frames(
        [_target("r.exp", "education_expenditure", level="all", kind="rule", measure="rule",
                 rule="non_decreasing", unit="10k_yuan", direction="higher")],
        [
            # 200 / 1000 = 20 %, printed 25 % → mismatch of 5 points
            _history("h.part", "enrolment_inclusive", "preschool", 2020, 200, "200人"),
            _history("h.total", "enrolment", "preschool", 2020, 1000, "1000人"),
            _history("h.share", "share_enrolment_inclusive", "preschool", 2020, 0.25, "25%",
                     unit="fraction"),
            _history("h.e1", "education_expenditure", "all", 2018, 100, "100万元",
                     unit="10k_yuan"),
            _history("h.e2", "education_expenditure", "all", 2019, 100, "100万元",
                     unit="10k_yuan"),
        ],
    )
    found = plan_consistency(targets, history, base_year=2020)
    checks = dict(zip(found["check"], found["message_en"], strict=True))
    assert "share_mismatch" in checks and "5.00 points" in checks["share_mismatch"]
    assert "rule_holds_in_history" in checks  # equal years do not break 只增不减


def test_subject_of_keys():
    assert subject("sP11.subject_leaders", "count") == "subject_leaders"
    assert subject("h.all.subject_leaders.2020", "count") == "subject_leaders"
    assert subject("t2.x.pair.1", "coverage") == "pair"
    assert subject("t2.primary.enrolment", "enrolment") == ""
