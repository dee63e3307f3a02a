"""Grading as plan reviewers grade (docs/status_rule.md): scale targets by deviation, missed
deadlines, firm and soft wording, baselines of their own row, an outlook that agrees with the
grade, and the headline groups. Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.clean.consistency import conflicting_targets
from analysis.core import vocab
from analysis.core.wording import wording_of
from analysis.evaluate.headline import headline
from analysis.evaluate.rule import StatusRule, planned_value
from analysis.evaluate.targets import evaluate_plan
from analysis.models.attainment import _observed_met


def rule_at(eval_year: int, **settings) -> StatusRule:
    return StatusRule(2020, 2023, 2025, eval_year, **settings)


def target(key: str, **fields) -> dict:
    row = {
        "key": key, "parent_key": "", "kind": "table", "chapter": 2, "section": "2.4",
        "task": "", "level": "primary", "indicator": "enrolment", "name_zh": key,
        "name_en": key, "attribute": "预期性", "measure": "scale", "direction": "",
        "unit": "", "baseline_value": None, "midterm_value": None, "midterm_comparator": "",
        "final_value": None, "final_comparator": "eq", "rule": "", "deadline": 2025,
        "baseline_text": "", "midterm_text": "", "final_text": "", "source": "", "wording": "",
    }
    row.update(fields)
    return row


def series(level: str, indicator: str, values: dict[int, float]) -> list[dict]:
    return [{"year": y, "level": level, "indicator": indicator, "value": v} for y, v in
            values.items()]


def evaluate(rows: list[dict], observed: list[dict], year: int = 2023, **kwargs) -> pd.DataFrame:
    return evaluate_plan(pd.DataFrame(rows), pd.DataFrame(observed), rule_at(year), **kwargs)


# ------------------------------------------------------------------ scale targets


def test_planned_path_through_the_mid_term_value():
    # baseline 100 (2020) → mid-term 130 (2023) → final 150 (2025)
    kwargs = dict(baseline=100, final=150, base_year=2020, target_year=2025, midterm=130,
                  midterm_year=2023)
    assert planned_value(eval_year=2022, **kwargs) == pytest.approx(120)  # 100 + 30 · 2/3
    assert planned_value(eval_year=2023, **kwargs) == pytest.approx(130)
    assert planned_value(eval_year=2024, **kwargs) == pytest.approx(140)
    # no baseline: only the stretch between the printed points is known
    assert planned_value(eval_year=2022, **{**kwargs, "baseline": None}) is None
    assert planned_value(eval_year=2024, **{**kwargs, "baseline": None}) == pytest.approx(140)


def test_more_pupils_than_projected_is_not_lagging():
    # 小学在校生 55 210 → 5.6万 (mid-term and final); 2023 actual 57 345:
    # d = (57 345 − 56 000) / 56 000 = 2.40 % ≤ 5 % → 基本符合预期, never 滞后 / 提前实现
    rows = [target("t.primary", baseline_value=55210, midterm_value=56000, final_value=56000,
                   final_text="5.6万", midterm_text="5.6万")]
    observed = series("primary", "enrolment", {2020: 55210, 2023: 57345}) + series(
        "primary", "entrants", {2020: 9000, 2023: 9900})
    row = evaluate(rows, observed).iloc[0]
    assert row["grade"] == "as_planned" and row["grade_zh"] == "基本符合预期"
    assert row["planned"] == pytest.approx(56000)
    assert row["deviation"] == pytest.approx(1345 / 56000)
    assert row["final_text"] == "5.6万"  # shown exactly as printed
    # entrants 9 000 → 9 900: +10 %
    assert row["driver_zh"] == "招生数较2020年增长10%"
    # a tighter scale tolerance of 2 % makes the same 2.40 % a distinct grade, with the gap
    tight = evaluate_plan(pd.DataFrame(rows), pd.DataFrame(observed),
                          rule_at(2023, scale_tolerance=0.02)).iloc[0]
    assert tight["grade"] == "above_plan" and tight["grade_zh"] == "高于预期"
    assert "较规划预期规模56,000高2.4%" in tight["note"]


def test_scale_without_a_mid_term_value_follows_the_line_from_the_baseline():
    # 中职在校生 5 104 (2020, from the returns) → 5500左右 (2025); planned 2023 =
    # 5 104 + (5 500 − 5 104) · 3/5 = 5 341.6; actual 5 233: d = −2.03 % → as planned;
    # actual 5 000: d = −6.39 % → 低于预期
    rows = [target("t.voc", level="vocational", final_value=5500, final_comparator="approx")]
    near = evaluate(rows, series("vocational", "enrolment", {2020: 5104, 2023: 5233})).iloc[0]
    assert near["planned"] == pytest.approx(5341.6)
    assert near["grade"] == "as_planned" and near["baseline_source"] == "returns"
    low = evaluate(rows, series("vocational", "enrolment", {2020: 5104, 2023: 5000})).iloc[0]
    assert low["grade"] == "below_plan"
    assert low["deviation"] == pytest.approx((5000 - 5341.6) / 5341.6)


def test_scale_at_the_final_evaluation_has_no_outlook():
    # 初中在校生 23 536 → 2.35万; 2025 actual 23 988: d = +2.08 % → 基本符合预期, not 未完成
    rows = [target("t.junior", level="junior", baseline_value=23536, midterm_value=23500,
                   final_value=23500)]
    row = evaluate(rows, series("junior", "enrolment", {2020: 23536, 2025: 23988}),
                   year=2025).iloc[0]
    assert row["grade"] == "as_planned" and row["deviation"] == pytest.approx(488 / 23500)
    assert row["outlook"] == "closed" and pd.isna(row["probability_met"])


def test_births_drive_the_preschool_deviation():
    # preschool enrols ages 3–5: births 2015–2017 (base) against 2018–2020 (2023)
    # mean(1000, 1000, 1000) → mean(800, 800, 800): −20.0 %
    rows = [target("t.kg", level="preschool", baseline_value=25857, midterm_value=27800,
                   final_value=29000)]
    births = series("all", "births", {y: 1000 for y in (2015, 2016, 2017)} | {
        y: 800 for y in (2018, 2019, 2020)})
    row = evaluate(rows, births + series("preschool", "enrolment", {2023: 20562})).iloc[0]
    assert row["grade"] == "below_plan"  # (20 562 − 27 800) / 27 800 = −26 %
    assert "对应年龄段的出生人口（2018–2020年出生）较2015–2017年出生下降20%" in row["driver_zh"]


def test_measure_defaults_by_indicator_kind():
    assert vocab.default_measure("enrolment") == "scale"  # neutral count: projected
    assert vocab.default_measure("schools") == "level"  # higher-is-better count: promised
    assert vocab.default_measure("share_teachers_bachelor_plus") == "level"


# ------------------------------------------------------------------ deadlines and wording


def test_missed_deadline_is_overdue_and_a_problem():
    # 2022年底前完成所有公办学校章程核准: no log entry by 2023 → 未按期完成, not 无记录
    rows = [target("m.charters", kind="milestone", measure="milestone", level="all",
                   indicator="milestone", deadline=2022),
            target("t.due", measure="level", level="primary", indicator="enrolment_rate",
                   baseline_value=0.9, final_value=1.0, final_comparator="ge", deadline=2022)]
    out = evaluate(rows, series("primary", "enrolment_rate", {2022: 0.95, 2023: 0.96}))
    charters, due = out.iloc[0], out.iloc[1]
    assert charters["grade"] == "overdue" and charters["grade_zh"] == "未按期完成"
    assert due["grade"] == "overdue"  # due 2022, 96 % < 100 % by 2023
    assert headline(out).count("behind") == 2


def test_firm_wording_binds_at_the_deadline():
    # baseline 50 %, target 90 %以上 by 2025, actual 89 % in 2025: p = 0.39 / 0.40 = 0.975
    # ≥ 1 − 0.05 → 基本完成 for a soft or plain target; 确保 binds → 未完成
    base = dict(measure="level", level="primary", indicator="enrolment_rate",
                baseline_value=0.5, final_value=0.9, final_comparator="ge")
    rows = [target("t.plain", **base), target("t.firm", wording="firm", **base),
            target("t.soft", wording="soft", **base)]
    out = evaluate(rows, series("primary", "enrolment_rate", {2025: 0.89}), year=2025)
    assert list(out["grade"]) == ["on_track", "lagging", "on_track"]
    assert list(out["wording"]) == ["", "firm", "soft"]


def test_wording_read_from_the_plan_text():
    assert wording_of("确保一般公共预算教育支出逐年只增不减") == "firm"
    assert wording_of("努力实现公共财政教育经费占财政总支出的比例逐年只增不减") == "soft"
    assert wording_of("力争到2025年学前教育毛入园率达到98%以上") == "soft"
    assert wording_of("到2025年，建成1个省级名师工作室") == ""


# ------------------------------------------------------------------ baselines


def test_baseline_never_borrowed_from_another_row():
    # the history quotes 名校长工作室 1个 (generic id `count`, level all) for its own target;
    # 名师工作室 and 学科带头人 share the id but must not take that 1 as their baseline.
    history = pd.DataFrame([
        {"key": "h.principal_studio", "target_key": "t.principal", "level": "all",
         "indicator": "count", "year": 2020, "value": 1.0},
        {"key": "h.leaders", "target_key": "t.leaders", "level": "all", "indicator": "count",
         "year": 2020, "value": 10.0},
    ])
    common = dict(measure="level", level="all", indicator="count", final_comparator="ge")
    rows = [target("t.teacher", final_value=1, **common),
            target("t.principal", final_value=1, **common),
            target("t.leaders", final_value=100, **common)]
    out = evaluate(rows, [], history=history).set_index("key")
    assert pd.isna(out.loc["t.teacher", "baseline"])
    assert "规划未给出基期值" in out.loc["t.teacher", "note"]
    assert out.loc["t.principal", "baseline"] == 1 and out.loc["t.leaders", "baseline"] == 10
    assert out.loc["t.leaders", "baseline_source"] == "history"


# ------------------------------------------------------------------ outlook agrees with grade


def test_exactly_on_a_strict_threshold():
    # 92.00 % against 大于92%: not met, and the note says why; observed probability 0
    rows = [target("t.strict", measure="level", level="all", indicator="fitness_pass_rate",
                   baseline_value=0.90, final_value=0.92, final_comparator="gt")]
    row = evaluate(rows, series("all", "fitness_pass_rate", {2025: 0.92}), year=2025).iloc[0]
    assert row["grade"] != "achieved"
    assert "实际值恰为92%" in row["note"] and "92%以上" in row["note"]
    assert row["outlook"] == "closed"
    assert _observed_met(0.92, 0.92, "gt") == 0.0 and _observed_met(0.92, 0.92, "ge") == 1.0


def test_two_forms_of_one_target_are_flagged():
    common = {"indicator": "fitness_pass_rate", "level": "all", "deadline": 2025,
              "measure": "level", "kind": "target", "final_value": 0.92, "unit": "fraction",
              "name_zh": "体质健康达标率", "name_en": "Fitness pass rate"}
    targets = pd.DataFrame([
        {**common, "key": "a.pass", "final_comparator": "gt", "final_text": "大于92%",
         "source": "第二章"},
        {**common, "key": "b.pass", "final_comparator": "ge", "final_text": "92%以上",
         "source": "第三章"},
    ])
    findings = conflicting_targets(targets)
    assert [f["check"] for f in findings] == ["target_strictness"]
    assert "大于92%" in findings[0]["message_zh"] and "92%以上" in findings[0]["message_zh"]


def test_the_headline_groups_label_every_row_for_the_workbench():
    rows = pd.DataFrame({"key": ["a", "b", "c", "d"],
                         "grade": ["lagging", "on_track", "no_data", "achieved"]})
    split = headline(rows)
    labelled = split.labelled()
    assert list(zip(labelled["key"], labelled["group"], strict=True)) == [
        ("b", "met"), ("d", "met"), ("a", "behind"), ("c", "ungraded")]
    assert list(split.labelled(without=("met",))["key"]) == ["a", "c"]
    empty = headline(rows.head(0)).labelled()
    assert len(empty) == 0 and {"key", "grade", "group"} <= set(empty.columns)
