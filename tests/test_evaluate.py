"""The status rule, branch by branch, on small hand-made tables.

Every expected value is computed by hand in the comments (numbers from the plan's indicator
table where one fits), never copied from the code's output. Plan years: base 2020, mid-term
2023, target 2025, so the linear time progress in 2023 is τ = (2023 − 2020) / (2025 − 2020) = 0.6
and the default band is 0.05.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.evaluate import (
    EVALUATION_COLUMNS,
    StatusRule,
    check_rule,
    default_midterm_year,
    evaluate_plan,
    expected_progress,
    grade_label,
    grade_tally,
    grade_target,
    meets,
    milestone_status,
    outlook_from_probability,
    resolve_comparator,
    time_progress,
    write_evaluation_csv,
)

YEARS = {"base_year": 2020, "target_year": 2025}


def rule_at(eval_year: int, **settings) -> StatusRule:
    """The status rule of a 2020–2025 plan with its mid-term in 2023."""
    return StatusRule(2020, 2023, 2025, eval_year, **settings)


def grade(**kwargs):
    """grade_target with the plan's years and eval 2023 unless given."""
    return grade_target(**{**YEARS, "eval_year": 2023, **kwargs})


def target_row(key: str, **fields) -> dict:
    row = {
        "key": key, "parent_key": "", "kind": "table", "chapter": 2, "section": "2.4",
        "task": "", "level": "primary", "indicator": "enrolment", "name_zh": key,
        "name_en": key, "attribute": "预期性", "measure": "level", "direction": "higher",
        "unit": "", "baseline_value": None, "midterm_value": None, "midterm_comparator": "",
        "final_value": None, "final_comparator": "eq", "rule": "", "deadline": 2025,
        "baseline_text": "", "midterm_text": "", "final_text": "", "source": "",
    }
    row.update(fields)
    return row


def indicator_rows(level: str, indicator: str, values: dict[int, float]) -> list[dict]:
    return [
        {"year": year, "level": level, "indicator": indicator, "value": value, "unit": "",
         "source_file": "x.xlsx", "source_sheet": "s", "source_cell": "A1", "derived": False}
        for year, value in values.items()
    ]


# ------------------------------------------------------------------ time progress


def test_time_progress_hand_values():
    assert time_progress(2020, 2025, 2023) == pytest.approx(0.6)  # 3 / 5
    assert time_progress(2020, 2025, 2021) == pytest.approx(0.2)  # 1 / 5
    assert time_progress(2020, 2025, 2025) == pytest.approx(1.0)  # 5 / 5
    assert time_progress(2020, 2022, 2023) == pytest.approx(1.0)  # past the deadline: capped
    with pytest.raises(AnalysisError):
        time_progress(2025, 2020, 2023)


def test_default_midterm_year_is_year_three_of_five():
    assert default_midterm_year(2020, 2025) == 2023  # 2020 + ceil(5 / 2)
    assert default_midterm_year(2015, 2020) == 2018  # the national 13th-plan review year


# ------------------------------------------------------------------ comparators


def test_plain_number_reading_depends_on_direction():
    assert resolve_comparator("eq", "higher") == "ge"
    assert resolve_comparator("eq", "lower") == "le"
    assert resolve_comparator("eq", "neutral") == "approx"
    assert resolve_comparator("左右", "higher") == "approx"
    assert resolve_comparator("≥", "lower") == "ge"
    with pytest.raises(AnalysisError):
        resolve_comparator("about-ish", "higher")


def test_strict_threshold_is_not_met_on_the_threshold():
    # 大于92% against an actual of 92.00% (0.92 may come out of "92%" as 0.9200000000000001)
    assert not meets(0.92, 0.92, "gt")
    assert not meets(0.9200000000000001, 0.92, "gt")
    assert meets(0.9201, 0.92, "gt")
    assert meets(0.92, 0.92, "ge")
    assert not meets(0.005, 0.005, "lt")
    assert meets(0.005, 0.005, "le")


def test_approx_tolerance_two_percent():
    # 5500左右: ±2 % = ±110 → [5390, 5610]
    assert meets(5390, 5500, "approx")
    assert meets(5610, 5500, "approx")
    assert not meets(5389, 5500, "approx")
    assert not meets(5611, 5500, "approx")


# ------------------------------------------------------------------ numeric grades (linear τ)


def test_achieved_when_final_target_met_early():
    # 专任教师大专学历比例: 74.5 % → 95 %以上; 2023 actual 95.0 % meets ≥ 95 %
    g = grade(actual=0.95, baseline=0.745, final_value=0.95, final_comparator="ge")
    assert g.code == "achieved"
    assert g.progress == pytest.approx(1.0)  # (0.95 − 0.745) / (0.95 − 0.745)
    assert grade_label(g.code) == "提前实现"


def test_ahead_on_track_lagging_with_linear_time_progress():
    common = {"baseline": 0.745, "final_value": 0.95, "final_comparator": "ge"}
    # p = (0.90 − 0.745) / 0.205 = 0.7561 ≥ 0.6 + 0.05 → ahead
    g = grade(actual=0.90, **common)
    assert g.code == "ahead"
    assert g.progress == pytest.approx(0.155 / 0.205)
    assert g.expected == pytest.approx(0.6)
    # p = (0.87 − 0.745) / 0.205 = 0.6098, inside [0.55, 0.65) → on_track
    assert grade(actual=0.87, **common).code == "on_track"
    # p = (0.86 − 0.745) / 0.205 = 0.5610 ≥ 0.55 → still on_track
    assert grade(actual=0.86, **common).code == "on_track"
    # p = (0.85 − 0.745) / 0.205 = 0.5122 < 0.55 → lagging
    assert grade(actual=0.85, **common).code == "lagging"


def test_band_is_a_parameter():
    common = {"baseline": 0.745, "final_value": 0.95, "final_comparator": "ge"}
    # p = 0.5122: lagging with band 0.05 (needs 0.55) but on_track with band 0.10 (needs 0.50)
    assert grade(actual=0.85, band=0.10, **common).code == "on_track"
    # p = 0.7561: ahead with band 0.05 (needs 0.65) but on_track with band 0.20 (needs 0.80)
    assert grade(actual=0.90, band=0.20, **common).code == "on_track"
    with pytest.raises(AnalysisError):
        grade(actual=0.90, band=1.5, **common)


def test_lower_is_better_progress():
    # dropout 1 % → 0.5 % (plain number, lower-is-better → at most 0.5 %)
    common = {"baseline": 0.01, "final_value": 0.005, "direction": "lower"}
    # p = (0.008 − 0.01) / (0.005 − 0.01) = 0.4 < 0.55 → lagging
    g = grade(actual=0.008, **common)
    assert g.progress == pytest.approx(0.4)
    assert g.code == "lagging"
    # p = (0.0065 − 0.01) / (−0.005) = 0.7 ≥ 0.65 → ahead
    assert grade(actual=0.0065, **common).code == "ahead"
    # 0.005 ≤ 0.005 → achieved
    assert grade(actual=0.005, **common).code == "achieved"
    # a rise is negative progress: p = (0.012 − 0.01) / (−0.005) = −0.4 → lagging
    assert grade(actual=0.012, **common).progress == pytest.approx(-0.4)


def test_strict_target_on_its_threshold_mid_term_and_final():
    # 大于92 %, baseline 90 %, actual exactly 92 %: not met; p = 0.02 / 0.02 = 1.0
    common = {"baseline": 0.90, "final_value": 0.92, "final_comparator": "gt", "actual": 0.92}
    mid = grade(**common)
    assert mid.code == "ahead"  # 1.0 ≥ 0.65, but not achieved
    final = grade(eval_year=2025, **common)
    assert final.is_final
    assert final.code == "on_track"  # 1.0 ≥ 1 − 0.05 → 基本完成, not 已完成
    assert grade_label(final.code, final=True) == "基本完成"


def test_maintain_target_met_at_baseline():
    # 公办园幼儿比率 53.32 % → 50 %以上: already met at baseline
    common = {"baseline": 0.5332, "final_value": 0.50, "final_comparator": "ge"}
    held = grade(actual=0.52, **common)
    assert held.maintain and held.code == "on_track"  # held, mid-term: 基本符合预期
    assert math.isnan(held.progress)
    assert grade(actual=0.52, eval_year=2025, **common).code == "achieved"  # 已完成 at the end
    assert grade(actual=0.49, **common).code == "lagging"  # 49 % < 50 %: not held


def test_maintain_plain_level_of_a_higher_indicator():
    # 小学五年巩固率 99 % → 99 %: reach at least 99 %; baseline meets it
    assert grade(actual=0.992, baseline=0.99, final_value=0.99).code == "on_track"
    assert grade(actual=0.985, baseline=0.99, final_value=0.99).code == "lagging"


def test_neutral_plain_number_is_approximate():
    # 小学在校生 55210 → 5.6万 (neutral: ≈ 56000 ± 1120 = [54880, 57120]); the baseline is
    # inside the range, so this is a maintain target
    common = {"baseline": 55210, "final_value": 56000, "direction": "neutral"}
    assert grade(actual=55500, **common).code == "on_track"
    assert grade(actual=54000, **common).code == "lagging"  # below 54880
    above = grade(actual=58000, **common)
    assert above.code == "lagging"  # above 57120
    assert "现高于目标区间（56,000±2%）" in above.notes_zh[0]


def test_approx_target_with_progress():
    # 中职在校生 5104 → 5500左右: range [5390, 5610]; baseline outside
    common = {"baseline": 5104, "final_value": 5500, "final_comparator": "approx"}
    assert grade(actual=5400, **common).code == "achieved"
    # p = (5350 − 5104) / 396 = 0.6212, inside [0.55, 0.65) → on_track
    g = grade(actual=5350, **common)
    assert g.progress == pytest.approx(246 / 396)
    assert g.code == "on_track"
    # overshoot: p = (5700 − 5104) / 396 = 1.505 → ahead, noted as beyond the range
    over = grade(actual=5700, **common)
    assert over.code == "ahead" and "超出目标区间" in over.notes_zh


def test_no_data_branches():
    assert grade(actual=None, baseline=1, final_value=2).code == "no_data"
    assert grade(actual=1.5, baseline=1, final_value=None).code == "no_data"
    # no baseline and not met: progress cannot be computed
    assert grade(actual=1.5, baseline=None, final_value=2).code == "no_data"
    # ... but a met target needs no baseline
    assert grade(actual=2.5, baseline=None, final_value=2).code == "achieved"


# ------------------------------------------------------------------ the plan's mid-term value


def test_midterm_value_replaces_linear_time_progress():
    # 专任教师大专学历比例 74.5 % → 90 %以上 (2023) → 95 %以上 (2025)
    # expected progress e = (0.90 − 0.745) / (0.95 − 0.745) = 0.155 / 0.205 = 0.7561
    common = {
        "baseline": 0.745, "final_value": 0.95, "final_comparator": "ge",
        "midterm_value": 0.90, "midterm_comparator": "ge", "midterm_year": 2023,
    }
    # 88 %: p = 0.135 / 0.205 = 0.6585 < 0.7561 − 0.05 = 0.7061 → lagging
    # (with linear τ = 0.6 it would have been ahead: 0.6585 ≥ 0.65)
    g = grade(actual=0.88, unit="fraction", **common)
    assert g.expected == pytest.approx(0.155 / 0.205)
    assert g.code == "lagging"
    assert "对照规划中期值 90%：未达到" in g.notes_zh
    # 89.5 %: p = 0.15 / 0.205 = 0.7317 ≥ 0.7061 → on_track although 90 % is not met
    assert grade(actual=0.895, **common).code == "on_track"
    # 90 %: mid-term value met, p = 0.7561 → on_track
    assert grade(actual=0.90, **common).code == "on_track"
    # 93 %: p = 0.185 / 0.205 = 0.9024 ≥ 0.8061 → ahead
    assert grade(actual=0.93, **common).code == "ahead"


def test_midterm_value_met_directly_counts_as_on_track():
    # 幼儿在园人数 25857 → 27800 (2023) → 29000 (2025), neutral → ≈ ± 2 %
    # e = (27800 − 25857) / (29000 − 25857) = 1943 / 3143 = 0.6182
    # actual 27300: p = 1443 / 3143 = 0.4591 < 0.5682 (band alone: lagging), but 27300 lies in
    # 27800 ± 556 = [27244, 28356]: the plan's mid-term value is met → on_track
    g = grade(
        actual=27300, baseline=25857, final_value=29000, direction="neutral",
        midterm_value=27800, midterm_comparator="eq", midterm_year=2023,
    )
    assert g.progress == pytest.approx(1443 / 3143)
    assert g.code == "on_track"


def test_midterm_path_between_midterm_and_final_years():
    # path 74.5 % (2020) → 90 % (2023) → 95 % (2025); in 2024 the path is at 92.5 %
    # e = (0.925 − 0.745) / 0.205 = 0.8780; in 2022 the path is at 74.5 + 15.5·2/3 = 84.833 %
    # e = 0.10333 / 0.205 = 0.5041
    common = {"baseline": 0.745, "final": 0.95, "base_year": 2020, "target_year": 2025,
              "midterm": 0.90, "midterm_year": 2023}
    assert expected_progress(eval_year=2024, **common) == pytest.approx(0.18 / 0.205)
    assert expected_progress(eval_year=2022, **common) == pytest.approx((0.155 * 2 / 3) / 0.205)
    # without a mid-term value: linear τ
    assert expected_progress(eval_year=2024, baseline=0.745, final=0.95, base_year=2020,
                             target_year=2025) == pytest.approx(0.8)


def test_midterm_equal_to_baseline_means_no_progress_expected_yet():
    # 高中阶段毛入学率 98 % → 98 % (2023) → 99 % (2025): e(2023) = 0
    common = {"baseline": 0.98, "final_value": 0.99, "midterm_value": 0.98,
              "midterm_comparator": "eq", "midterm_year": 2023}
    # 98.5 %: p = 0.005 / 0.01 = 0.5 ≥ 0.05 → ahead
    assert grade(actual=0.985, **common).code == "ahead"
    # 98 %: p = 0, mid-term value met → on_track
    assert grade(actual=0.98, **common).code == "on_track"
    # 97.9 %: p = −0.1 < −0.05 and 97.9 % < 98 % → lagging
    assert grade(actual=0.979, **common).code == "lagging"


# ------------------------------------------------------------------ final evaluation wording


def test_final_evaluation_labels_and_binding_targets():
    common = {"baseline": 0.745, "final_value": 0.95, "final_comparator": "ge", "eval_year": 2025}
    assert grade(actual=0.96, **common).code == "achieved"  # 已完成
    # p = (0.94 − 0.745) / 0.205 = 0.9512 ≥ 0.95 → on_track (基本完成)
    assert grade(actual=0.94, **common).code == "on_track"
    # binding (约束性): not met at the deadline is 未完成, the band does not apply
    assert grade(actual=0.94, attribute="约束性", **common).code == "lagging"
    # p = (0.90 − 0.745) / 0.205 = 0.7561 < 0.95 → lagging (未完成)
    assert grade(actual=0.90, **common).code == "lagging"
    assert [grade_label(c, "zh", final=True) for c in ("achieved", "on_track", "lagging")] == [
        "已完成", "基本完成", "未完成"]
    assert grade_label("achieved", "en", final=False) == "Achieved early"
    assert grade_label("no_data", "zh") == "数据缺失"


def test_target_with_earlier_deadline_is_judged_as_due():
    # due 2022, evaluated 2023: τ = 1, final wording
    g = grade(actual=0.5, baseline=0.0, final_value=1.0, target_year=2022)
    assert g.is_final and g.tau == 1.0
    assert g.code == "lagging"  # p = 0.5 < 0.95


# ------------------------------------------------------------------ rules year by year


def test_check_rule_non_decreasing_lists_broken_years():
    # education budget (亿元) 2020–2023: 12.48, 12.33, 12.67, 14.12 → falls in 2021 only
    series = pd.Series({2020: 12.48, 2021: 12.33, 2022: 12.67, 2023: 14.12})
    result = check_rule(series, "逐年只增不减", years=range(2020, 2024))
    assert result.rule == "non_decreasing"
    assert result.holds is False
    assert result.broken_years == (2021,)
    assert "2021年" in result.describe("zh")


def test_check_rule_equal_years_and_gaps():
    # equal values do not break 只增不减 but do break 逐年增长
    flat = pd.Series({2020: 5.0, 2021: 5.0, 2022: 6.0})
    assert check_rule(flat, "non_decreasing").holds is True
    assert check_rule(flat, "increasing").broken_years == (2021,)
    # a missing 2021 is listed; 2022 is compared with 2020 (6 ≥ 5)
    gap = pd.Series({2020: 5.0, 2022: 6.0, 2023: 6.5})
    result = check_rule(gap, "non_decreasing", years=range(2020, 2024))
    assert result.holds is True and result.missing_years == (2021,)
    # a single year cannot be checked
    assert check_rule(pd.Series({2020: 5.0}), "non_decreasing").holds is None
    with pytest.raises(AnalysisError):
        check_rule(flat, "sometimes up")


def test_rule_rows_in_the_plan_evaluation():
    targets = pd.DataFrame([
        target_row("rule.budget", kind="rule", chapter=4, measure="rule", level="all",
                   indicator="education_expenditure", rule="non_decreasing"),
        target_row("rule.share", kind="rule", chapter=4, measure="rule", level="all",
                   indicator="share_education_expenditure", rule="逐年只增不减"),
    ])
    indicators = pd.DataFrame(
        indicator_rows("all", "education_expenditure", {2020: 10, 2021: 11, 2022: 12, 2023: 12})
        + indicator_rows("all", "share_education_expenditure",
                         {2021: 0.21, 2022: 0.20, 2023: 0.22})
    )
    # the share's 2020 value comes from the plan's history: 0.2134
    history = pd.DataFrame([{"key": "h", "level": "all", "indicator": "share_education_expenditure",
                             "year": 2020, "value": 0.2134, "unit": "fraction", "source": ""}])
    out = evaluate_plan(targets, indicators, rule_at(2023), history=history)
    budget, share = out.iloc[0], out.iloc[1]
    assert budget["grade"] == "on_track"  # 10, 11, 12, 12: never falls (mid-term: 基本符合预期)
    assert budget["actual"] == 12 and budget["actual_year"] == 2023
    # 0.2134 → 0.21 (2021 falls) → 0.20 (2022 falls) → 0.22
    assert share["grade"] == "lagging"
    assert "2021年、2022年" in share["note"]
    final = evaluate_plan(targets.iloc[:1], indicators, rule_at(2025))
    # 2024 and 2025 missing: the rule holds where checked but is not verified every year
    assert final.iloc[0]["grade"] == "on_track"
    complete = pd.concat([indicators, pd.DataFrame(
        indicator_rows("all", "education_expenditure", {2024: 13, 2025: 13.5}))])
    done = evaluate_plan(targets.iloc[:1], complete, rule_at(2025)).iloc[0]
    # 10, 11, 12, 12, 13, 13.5: held every year 2020–2025 → 已完成
    assert done["grade"] == "achieved" and done["grade_zh"] == "已完成"


# ------------------------------------------------------------------ outlook


def test_outlook_thresholds():
    assert outlook_from_probability(0.8) == "likely"
    assert outlook_from_probability(0.95) == "likely"
    assert outlook_from_probability(0.79) == "at_risk"
    assert outlook_from_probability(0.4) == "at_risk"
    assert outlook_from_probability(0.39) == "unlikely"
    assert outlook_from_probability(None) == "unknown"
    assert outlook_from_probability(float("nan")) == "unknown"
    with pytest.raises(AnalysisError):
        outlook_from_probability(1.2)


def test_outlook_uses_the_deadline_year_and_combined_method():
    targets = pd.DataFrame([target_row("t.x", baseline_value=100, final_value=200)])
    indicators = pd.DataFrame(indicator_rows("primary", "enrolment", {2023: 160}))
    attainment = pd.DataFrame([
        {"target_key": "t.x", "year": 2024, "comparator": "ge", "threshold": 200,
         "probability_met": 0.1, "method": "combined"},
        {"target_key": "t.x", "year": 2025, "comparator": "ge", "threshold": 200,
         "probability_met": 0.3, "method": "linear"},
        {"target_key": "t.x", "year": 2025, "comparator": "ge", "threshold": 200,
         "probability_met": 0.65, "method": "combined"},
    ])
    row = evaluate_plan(targets, indicators, rule_at(2023),
                        attainment=attainment).iloc[0]
    assert row["probability_met"] == pytest.approx(0.65)
    assert row["outlook"] == "at_risk" and row["outlook_zh"] == "有风险"
    # p = 60 / 100 = 0.6, inside [0.55, 0.65) → on_track
    assert row["grade"] == "on_track"


# ------------------------------------------------------------------ milestones


def test_milestone_status_latest_entry_on_or_before_eval_year():
    log = pd.DataFrame([
        {"target_key": "m.charter", "date": "2021-03", "status": "planned", "quantity": None,
         "source": "a"},
        {"target_key": "m.charter", "date": "2022-06-30", "status": "in_progress",
         "quantity": None, "source": "b"},
        {"target_key": "m.charter", "date": "2024-01", "status": "done", "quantity": None,
         "source": "c"},
    ])
    assert milestone_status(log, "m.charter", 2020).code == "no_record"
    assert milestone_status(log, "m.charter", 2021).code == "not_started"
    assert milestone_status(log, "m.charter", 2023).code == "in_progress"
    assert milestone_status(log, "m.charter", 2025).code == "done"
    assert milestone_status(log, "other", 2025).code == "no_record"
    bad = pd.DataFrame([{"target_key": "m", "date": "2022", "status": "maybe"}])
    with pytest.raises(AnalysisError, match="status"):
        milestone_status(bad, "m", 2023)


def test_milestone_rows_and_count_targets_from_the_log():
    targets = pd.DataFrame([
        target_row("m.charter", kind="milestone", chapter=4, measure="milestone", deadline=2022,
                   level="", indicator=""),
        # 体育特色学校新增20所 (no statistic: the log's quantity is the actual)
        target_row("t.sport", kind="target", chapter=3, measure="increase", level="all",
                   indicator="count", final_value=20),
    ])
    log = pd.DataFrame([
        {"target_key": "m.charter", "date": "2022-12", "status": "in_progress", "quantity": None,
         "source": ""},
        {"target_key": "t.sport", "date": "2022-09", "status": "in_progress", "quantity": 9,
         "source": ""},
        {"target_key": "t.sport", "date": "2024-09", "status": "in_progress", "quantity": 14,
         "source": ""},
    ])
    out = evaluate_plan(targets, None, rule_at(2023), milestones=log)
    charter, sport = out.iloc[0], out.iloc[1]
    # due 2022, only "in progress" by 2023: a missed deadline (未按期完成), not 推进中
    assert charter["grade"] == "overdue" and charter["grade_zh"] == "未按期完成"
    assert "期限为2022年" in charter["note"] and charter["outlook"] == "closed"
    # actual 9 (2022 entry; the 2024 entry is after the evaluation year); p = 9 / 20 = 0.45
    assert sport["actual"] == 9 and sport["actual_year"] == 2022
    assert sport["progress"] == pytest.approx(0.45)
    assert sport["grade"] == "lagging"  # 0.45 < 0.55


# ------------------------------------------------------------------ measures and data lookup


def test_increase_and_cumulative_measures():
    targets = pd.DataFrame([
        # kindergartens: 新增 12 over the base-year level 99
        target_row("t.kg", measure="increase", level="preschool", indicator="schools",
                   final_value=12),
        # 新增学位13410个 as the sum of annual flows
        target_row("t.places", kind="target", measure="cumulative", level="compulsory",
                   indicator="places_added", final_value=13410),
    ])
    indicators = pd.DataFrame(
        indicator_rows("preschool", "schools", {2020: 99, 2021: 100, 2023: 104})
        + indicator_rows("compulsory", "places_added", {2021: 3000, 2022: 2500, 2023: 3500})
    )
    out = evaluate_plan(targets, indicators, rule_at(2023)).set_index("key")
    # increase = 104 − 99 = 5; p = 5 / 12 = 0.4167 < 0.55 → lagging
    assert out.loc["t.kg", "actual"] == 5
    assert out.loc["t.kg", "progress"] == pytest.approx(5 / 12)
    assert out.loc["t.kg", "grade"] == "lagging"
    # sum = 3000 + 2500 + 3500 = 9000; p = 9000 / 13410 = 0.6711 ≥ 0.65 → ahead
    assert out.loc["t.places", "actual"] == 9000
    assert out.loc["t.places", "progress"] == pytest.approx(9000 / 13410)
    assert out.loc["t.places", "grade"] == "ahead"


def test_actual_falls_back_to_latest_year_and_baseline_sources():
    targets = pd.DataFrame([
        # printed baseline 62 schools; 2023 missing, 2022 present
        target_row("t.printed", level="primary", indicator="schools", baseline_value=62,
                   final_value=66),
        # no printed baseline: taken from the returns' 2020 value
        target_row("t.returns", level="junior", indicator="schools", final_value=30),
        # neither printed nor in the returns: from the plan's history
        target_row("t.history", level="senior_general", indicator="schools", final_value=10),
        target_row("t.none", level="special", indicator="schools", final_value=2),
    ])
    indicators = pd.DataFrame(
        indicator_rows("primary", "schools", {2020: 62, 2021: 63, 2022: 64})
        + indicator_rows("junior", "schools", {2020: 26, 2023: 28})
        + indicator_rows("senior_general", "schools", {2023: 8})
    )
    history = pd.DataFrame([{"key": "t.history", "level": "senior_general",
                             "indicator": "schools", "year": 2020, "value": 6, "unit": "",
                             "source": ""}])
    out = evaluate_plan(targets, indicators, rule_at(2023),
                        history=history).set_index("key")
    # 2022 value 64; p = (64 − 62) / 4 = 0.5 < 0.55 → lagging; the year is shown
    assert out.loc["t.printed", "actual_year"] == 2022
    assert "2022年" in out.loc["t.printed", "note"]
    assert out.loc["t.printed", "grade"] == "lagging"
    # baseline 26 from the returns; p = (28 − 26) / 4 = 0.5 → lagging
    assert out.loc["t.returns", "baseline"] == 26
    assert out.loc["t.returns", "baseline_source"] == "returns"
    # baseline 6 from history; p = (8 − 6) / 4 = 0.5 → lagging
    assert out.loc["t.history", "baseline"] == 6
    assert out.loc["t.history", "baseline_source"] == "history"
    assert out.loc["t.none", "grade"] == "no_data"
    assert out.loc["t.none", "grade_zh"] == "数据缺失"


def test_values_after_the_evaluation_year_are_ignored():
    targets = pd.DataFrame([target_row("t", baseline_value=100, final_value=200)])
    indicators = pd.DataFrame(indicator_rows("primary", "enrolment", {2021: 120, 2024: 300}))
    row = evaluate_plan(targets, indicators, rule_at(2023)).iloc[0]
    # 2024 is after 2023: actual = 2021 value 120, p = 0.2 < 0.55 → lagging
    assert row["actual"] == 120 and row["actual_year"] == 2021
    assert row["grade"] == "lagging"


# ------------------------------------------------------------------ evaluation frame and output


def test_evaluation_schema_and_any_evaluation_year():
    targets = pd.DataFrame([
        target_row("t.a", baseline_value=0.745, final_value=0.95, final_comparator="ge",
                   midterm_value=0.90, midterm_comparator="ge", level="preschool",
                   indicator="share_teachers_associate_plus"),
    ])
    indicators = pd.DataFrame(indicator_rows(
        "preschool", "share_teachers_associate_plus", {2021: 0.80, 2023: 0.88, 2025: 0.96}))
    mid = evaluate_plan(targets, indicators, rule_at(2023))
    assert list(mid.columns[: len(EVALUATION_COLUMNS)]) == list(EVALUATION_COLUMNS)
    assert mid.iloc[0]["grade"] == "lagging"  # as in the mid-term test: p 0.6585 < 0.7061
    # 2021: path 74.5 + 15.5/3 = 79.667 %, e = 0.05167 / 0.205 = 0.2520;
    # p = 0.055 / 0.205 = 0.2683 → on_track
    early = evaluate_plan(targets, indicators, rule_at(2021))
    assert early.iloc[0]["expected_progress"] == pytest.approx((0.155 / 3) / 0.205)
    assert early.iloc[0]["grade"] == "on_track"
    final = evaluate_plan(targets, indicators, rule_at(2025))
    assert final.iloc[0]["grade"] == "achieved" and final.iloc[0]["grade_zh"] == "已完成"
    for bad_year in (2020, 2026):
        with pytest.raises(AnalysisError, match="eval_year"):
            evaluate_plan(targets, indicators, rule_at(bad_year))


def test_empty_catalogue_gives_an_empty_frame_with_the_schema():
    empty = pd.DataFrame(columns=list(target_row("x")))
    out = evaluate_plan(empty, None, rule_at(2023))
    assert out.empty and list(out.columns[: len(EVALUATION_COLUMNS)]) == list(EVALUATION_COLUMNS)


def test_grade_tally_counts():
    evaluation = pd.DataFrame({
        "chapter": [2, 2, 3, 4],
        "grade": ["ahead", "lagging", "lagging", "done"],
        "is_final": [False] * 4,
    })
    tally = grade_tally(evaluation).set_index("code")
    assert tally.loc["lagging", "count"] == 2
    assert tally.loc["lagging", "share"] == pytest.approx(2 / 3)  # of the 3 graded targets
    assert tally.loc["achieved", "count"] == 0
    assert tally.loc["done", "count"] == 1 and tally.loc["done", "share"] == 1.0
    assert tally.loc["lagging", "label_zh"] == "滞后"
    by_chapter = grade_tally(evaluation, by="chapter")
    two = by_chapter[(by_chapter["chapter"] == 2) & (by_chapter["count"] > 0)]
    assert sorted(two["code"]) == ["ahead", "lagging"]


def test_write_evaluation_csv_is_utf8_with_bom_and_atomic(tmp_path):
    frame = pd.DataFrame({"key": ["a"], "grade": ["lagging"], "grade_zh": ["滞后"]})
    path = write_evaluation_csv(frame, tmp_path / "reports" / "2023" / "evaluation.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "滞后" in raw.decode("utf-8-sig")
    assert [p.name for p in path.parent.iterdir()] == ["evaluation.csv"]  # no temp file left
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.loc[0, "grade_zh"] == "滞后"


# ------------------------------------------------------------------ smaller pieces


def test_direction_defaults_to_the_vocabulary_and_deadline_text():
    # no direction in the row: dropout_rate is lower-is-better in resources/indicators.csv, so
    # a plain 0.5 % means "at most": 0.4 % meets it → achieved (read as ≥ it would not)
    targets = pd.DataFrame([
        target_row("t.drop", level="junior", indicator="dropout_rate", direction="",
                   baseline_value=0.01, final_value=0.005, deadline="2022年底前"),
    ])
    indicators = pd.DataFrame(indicator_rows("junior", "dropout_rate", {2023: 0.004}))
    row = evaluate_plan(targets, indicators, rule_at(2023)).iloc[0]
    assert row["direction"] == "lower" and row["comparator"] == "le"
    assert row["deadline"] == 2022 and bool(row["is_final"])
    assert row["grade"] == "achieved" and row["grade_zh"] == "已完成"


def test_binding_lagging_is_noted_and_bad_rows_are_located():
    targets = pd.DataFrame([
        target_row("t.bind", attribute="约束性", baseline_value=0, final_value=100),
    ])
    indicators = pd.DataFrame(indicator_rows("primary", "enrolment", {2023: 10}))
    row = evaluate_plan(targets, indicators, rule_at(2023)).iloc[0]
    # p = 10 / 100 = 0.1 < 0.55 → lagging, flagged as binding
    assert row["grade"] == "lagging" and "约束性指标滞后" in row["note"]
    bad = pd.DataFrame([target_row("t.bad", baseline_value=0, final_value=100,
                                   final_comparator="more or less")])
    with pytest.raises(AnalysisError, match="t.bad") as caught:
        evaluate_plan(bad, indicators, rule_at(2023))
    assert caught.value.column == "comparator" and caught.value.text == "more or less"


def test_unknown_codes_and_languages_are_errors():
    with pytest.raises(AnalysisError):
        grade_label("excellent")
    with pytest.raises(AnalysisError):
        grade_label("achieved", "fr")
    assert grade_label("done") == "已完成"  # milestone codes are labelled too


def test_method_note_fills_in_band_and_years():
    from analysis.evaluate import method_note

    mid = method_note(rule_at(2023, band=0.10), "zh")
    assert "10个百分点" in mid and "τ = 60%" in mid and "提前实现" in mid
    assert "5个百分点" not in mid
    final = method_note(rule_at(2025), "zh")
    # final wording: 已完成 / 基本完成 (progress ≥ 1 − 0.05 = 95 %) / 未完成
    assert "已完成" in final and "95%" in final and "提前实现" not in final
    assert "Ahead of schedule" in method_note(rule_at(2023), "en")


def test_the_final_year_method_note_is_the_final_note():
    """A 2025 report says τ = 100 % and uses the final vocabulary, never the mid-term one."""
    from analysis.evaluate import method_note

    final = method_note(rule_at(2025, band=0.1), "zh")
    assert "2025年评估时 τ = 100%" in final
    assert "τ = 60%" not in final and "2023年评估时" not in final
    for midterm_word in ("快于预期", "基本符合预期", "预计能完成", "中期值"):
        assert midterm_word not in final, midterm_word
    assert "90%" in final  # 基本完成 from progress ≥ 1 − band
    english = method_note(rule_at(2025), "en")
    assert "τ = 100%" in english and "mid-term value" not in english


@pytest.mark.parametrize("band", [0.5, 0.6, 1.0, -0.01, float("nan")])
def test_one_band_range_everywhere(band, tmp_path):
    """The status rule, the runner's options and the command line refuse the same bands."""
    import subprocess
    import sys

    from analysis.core.errors import AnalysisError
    from analysis.evaluate.rule import check_band
    from analysis.pipeline.runner import RunOptions, _check_options

    with pytest.raises(AnalysisError):
        check_band(band)
    with pytest.raises(AnalysisError):
        rule_at(2023, band=band)
    with pytest.raises(AnalysisError):
        _check_options(RunOptions(plans=("x",), band=band))
    done = subprocess.run([sys.executable, "-m", "analysis", "--data-root", str(tmp_path), "run",
                           "--all", "--band", str(band)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "band" in done.stderr and "Traceback" not in done.stderr


def test_every_band_below_one_half_is_accepted_everywhere():
    from analysis.evaluate.rule import check_band
    from analysis.pipeline.runner import RunOptions, _check_options

    for band in (0.0, 0.05, 0.1, 0.45, 0.49):
        assert check_band(band) == band
        assert rule_at(2023, band=band).band == band
        _check_options(RunOptions(plans=("x",), band=band))


def test_planned_quantities_are_not_actuals():
    # The log records two planned projects (2280 and 765 places, not started) and one group
    # count reached so far (9 of 19, in progress). Planned amounts are never achievements.
    log = pd.DataFrame(
        {
            "target_key": ["places", "places", "groups"],
            "date": ["2022-01-12", "2022-01-12", "2021-12"],
            "status": ["not_started", "planned", "in_progress"],
            "quantity": ["2280", "765", "9"],
            "source": ["work plan", "work plan", "work plan"],
        }
    )
    places = milestone_status(log, "places", 2023)
    assert places.code == "not_started"
    assert places.quantity is None
    groups = milestone_status(log, "groups", 2023, target_quantity=19)
    assert (groups.code, groups.quantity) == ("in_progress", 9.0)
