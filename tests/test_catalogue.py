"""The catalogue against the plan text: every table row as printed, the prose targets, pairs.

Expected values are typed from the plan document (第二章 主要指标表 and the prose of
chapters 2–4), not taken from the code.
"""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from analysis.clean.catalogue import TARGET_COLUMNS, load_catalogue, load_history, parse_catalogue
from analysis.clean.plan import load_plan
from analysis.core import rules, vocab
from analysis.core.paths import PROJECT_ROOT
from analysis.evaluate import evaluate_plan
from analysis.evaluate.rule import StatusRule

PLAN_DIR = PROJECT_ROOT / "data" / "raw" / "kaiping"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(PLAN_DIR)


@pytest.fixture(scope="module")
def targets(catalogue):
    return parse_catalogue(catalogue)


@pytest.fixture(scope="module")
def history():
    return load_history(PLAN_DIR)


def _row(frame, key):
    rows = frame[frame["key"] == key]
    assert len(rows) == 1, key
    return rows.iloc[0]


# (level, indicator, 2020, 2023, 2025) exactly as printed in the main indicator table.
TABLE = [
    ("preschool", "schools", "99", "105", "111"),
    ("preschool", "share_enrolment_public/share_enrolment_inclusive",
     "53.32%/89.72%", "50%/80%以上", "50%/80%以上"),
    ("preschool", "enrolment", "25857", "27800", "29000"),
    ("preschool", "gross_enrolment_rate", "113.26%", "98%以上", "98%以上"),
    ("preschool", "share_teachers_associate_plus", "74.5%", "90%以上", "95%以上"),
    ("primary", "schools", "62", "63", "66"),
    ("primary", "enrolment", "55210", "5.6万", "5.6万"),
    ("primary", "enrolment_rate", "100%", "100%", "100%"),
    ("primary", "retention_rate", "99%", "99%", "99%"),
    ("primary", "share_teachers_bachelor_plus", "71.2%", "78%", "83%"),
    ("junior", "share_teachers_bachelor_plus", "89.6%", "94%", "96%"),
    ("junior", "schools", "26", "27", "30"),
    ("junior", "enrolment", "23536", "2.35万", "2.35万"),
    ("senior_general", "enrolment", "15971", "1.59万", "1.59万"),
    ("vocational", "enrolment", "5104", "5200", "5300"),
    ("senior_secondary", "gross_enrolment_rate", "98%", "98%", "99%"),
    ("senior_general", "share_teachers_postgraduate", "15.9%", "19%", "22%"),
]


def test_keys_unique_and_every_row_parses(catalogue, targets):
    assert catalogue["key"].is_unique
    assert targets["key"].is_unique
    assert list(targets.columns) == TARGET_COLUMNS
    # one pair row in the table → one extra processed row
    assert len(targets) == len(catalogue) + 1


def test_table_rows_as_printed(catalogue):
    table = catalogue[catalogue["kind"] == "table"]
    # the printed table has 17 rows (18 indicators once the public/inclusive pair is split)
    assert len(table) == 17
    printed = {(r.level, r.indicator, r.baseline_text, r.midterm_text, r.final_text)
               for r in table.itertuples()}
    assert printed == set(TABLE)
    assert set(table["section"]) == {"2.4"}
    assert set(table["deadline"]) == {2025}
    assert set(table["source"]) == {f"第二章 主要指标表 第{i}行" for i in range(1, 18)}


@pytest.mark.parametrize(
    ("key", "baseline", "midterm", "final", "comparator"),
    [
        ("t2.preschool.enrolment", 25857, 27800, 29000, "eq"),
        ("t2.senior_general.teachers_postgraduate", 0.159, 0.19, 0.22, "eq"),
        ("t2.primary.enrolment", 55210, 56000, 56000, "eq"),
        ("t2.junior.enrolment", 23536, 23500, 23500, "eq"),
        ("t2.preschool.gross_enrolment", 1.1326, 0.98, 0.98, "ge"),
        ("t2.preschool.teachers_associate_plus", 0.745, 0.90, 0.95, "ge"),
    ],
)
def test_table_values_spot_checks(targets, key, baseline, midterm, final, comparator):
    row = _row(targets, key)
    assert math.isclose(row["baseline_value"], baseline)
    assert math.isclose(row["midterm_value"], midterm)
    assert math.isclose(row["final_value"], final)
    assert row["final_comparator"] == comparator


def test_pair_split(targets):
    public = _row(targets, "t2.preschool.public_inclusive_share.1")
    inclusive = _row(targets, "t2.preschool.public_inclusive_share.2")
    assert public["parent_key"] == inclusive["parent_key"] == "t2.preschool.public_inclusive_share"
    assert public["indicator"] == "share_enrolment_public"
    assert inclusive["indicator"] == "share_enrolment_inclusive"
    assert math.isclose(public["baseline_value"], 0.5332)
    assert math.isclose(inclusive["baseline_value"], 0.8972)
    # "50%/80%以上": 以上 applies to both halves
    for row, value in ((public, 0.5), (inclusive, 0.8)):
        assert math.isclose(row["midterm_value"], value)
        assert math.isclose(row["final_value"], value)
        assert row["midterm_comparator"] == row["final_comparator"] == "ge"
    assert public["final_text"] == "50%以上"
    assert inclusive["final_text"] == "80%以上"
    assert not targets["key"].eq("t2.preschool.public_inclusive_share").any()


# Prose targets, found by key: (key, level, indicator, measure, final value, comparator, deadline)
PROSE = [
    ("s3.1.3.fitness_good", "all", "fitness_good_rate", "level", 0.55, "ge", 2025),
    ("s3.1.3.fitness_pass", "all", "fitness_pass_rate", "level", 0.93, "ge", 2025),
    ("s3.1.3.sports_schools", "all", "count", "increase", 20, "eq", 2025),
    ("s3.1.4.art_heritage_schools", "all", "count", "increase", 10, "eq", 2025),
    ("s3.2.4.standardised_share", "preschool", "share_schools_standardised", "level", 0.95, "ge",
     2025),
    ("sP7.standardised_share", "preschool", "share_schools_standardised", "level", 0.95, "ge",
     2025),
    ("sP7.town_village_kindergarten_coverage", "preschool", "coverage", "level", 1.0, "eq", 2025),
    ("s3.2.1.gross_enrolment", "preschool", "gross_enrolment_rate", "level", 0.98, "ge", 2025),
    ("s3.2.1.public_share", "preschool", "share_enrolment_public", "level", 0.50, "ge", 2025),
    ("s3.2.1.inclusive_share", "preschool", "share_enrolment_inclusive", "level", 0.80, "ge", 2025),
    ("s3.3.1.places_added", "compulsory", "places_added", "cumulative", 13410, "eq", 2025),
    ("s3.3.1.projects_expanded", "compulsory", "projects_completed", "cumulative", 2, "eq", 2025),
    ("s3.3.1.projects_new", "compulsory", "projects_completed", "cumulative", 2, "eq", 2025),
    ("s3.3.1.projects_relocated", "compulsory", "projects_completed", "cumulative", 2, "eq", 2025),
    ("s3.3.1.projects_supporting", "compulsory", "projects_completed", "cumulative", 3, "eq", 2025),
    ("s3.4.1.university_feeder_schools", "senior_general", "count", "level", 6, "eq", 2025),
    ("s3.4.3.provincial_model_high_schools", "senior_general", "count", "level", 2, "eq", 2025),
    ("s3.4.3.jiangmen_reform_high_schools", "senior_general", "count", "level", 4, "eq", 2025),
    ("s3.5.1.vocational_enrolment", "vocational", "enrolment", "scale", 5500, "approx", 2025),
    ("sP10.vocational_education_group", "vocational", "count", "level", 1, "eq", 2025),
    ("s3.6.3.disabled_enrolment", "special", "disabled_enrolment_rate", "level", 0.97, "eq", 2025),
    ("s3.6.3.town_resource_centres", "special", "coverage", "level", 1.0, "eq", 2025),
    ("s3.7.2.provincial_teacher_studio", "all", "count", "level", 1, "eq", 2025),
    ("s3.7.2.provincial_principal_studio", "all", "count", "level", 1, "eq", 2025),
    ("s3.7.3.key_teachers_trained", "all", "count", "increase", 20, "eq", 2025),
    ("sP11.famous_principals", "all", "count", "increase", 3, "ge", 2025),
    ("sP11.famous_teachers", "all", "count", "increase", 7, "ge", 2025),
    ("sP11.education_experts", "all", "count", "increase", 2, "ge", 2025),
    ("sP11.subject_leaders", "all", "count", "level", 100, "ge", 2025),
    ("sP11.key_teachers", "all", "count", "level", 200, "ge", 2025),
    ("sP2.head_teacher_studio_coverage", "all", "coverage", "level", 1.0, "ge", 2025),
    ("s2.4.2.lan_coverage", "all", "coverage", "level", 1.0, "ge", 2025),
    ("s3.8.1.lan_coverage", "all", "coverage", "level", 1.0, "ge", 2025),
]


@pytest.mark.parametrize(("key", "level", "indicator", "measure", "final", "comparator",
                          "deadline"), PROSE)
def test_prose_targets(targets, key, level, indicator, measure, final, comparator, deadline):
    row = _row(targets, key)
    assert (row["level"], row["indicator"], row["measure"]) == (level, indicator, measure)
    assert math.isclose(row["final_value"], final)
    assert row["final_comparator"] == comparator
    assert row["deadline"] == deadline
    assert row["attribute"] == "预期性"


def test_standardised_kindergartens_listed_twice(targets):
    rows = targets[targets["indicator"] == "share_schools_standardised"]
    assert set(rows["section"]) == {"3.2.4", "P7"}
    assert set(rows["task"]) == {"3.2", "P7"}


def test_funding_rules(targets):
    rules = targets[targets["kind"] == "rule"]
    assert set(rules["indicator"]) == {"education_expenditure", "per_pupil_education_expenditure",
                                       "share_education_expenditure"}
    assert set(rules["rule"]) == {"non_decreasing"}
    assert set(rules["section"]) == {"4.2"}
    assert rules["final_value"].isna().all()


@pytest.mark.parametrize(
    ("key", "deadline", "section"),
    [
        ("s4.3.school_charters", 2022, "4.3"),
        ("s2.4.1.compulsory_quality_county", 2025, "2.4.1"),
        ("s2.4.1.preschool_universal_county", 2025, "2.4.1"),
    ],
)
def test_milestones(targets, key, deadline, section):
    row = _row(targets, key)
    assert row["kind"] == "milestone" and row["measure"] == "milestone"
    assert (row["deadline"], row["section"]) == (deadline, section)


def test_every_special_project_has_a_row(targets):
    assert {f"P{i}" for i in range(1, 12)} <= set(targets["task"].dropna())


def test_sections_exist_and_chapters_match(targets):
    plan = load_plan(PLAN_DIR)
    for row in targets.itertuples():
        assert plan.chapter_of(row.section) == row.chapter


def test_direction_and_units_from_dictionary(targets):
    for row in targets.itertuples():
        assert row.direction == vocab.direction(row.indicator)
    assert _row(targets, "s3.1.3.sports_schools")["unit"] == "schools"  # 20所
    assert _row(targets, "t2.preschool.gross_enrolment")["unit"] == "fraction"


def test_history_chapter_one_facts(history):
    facts = {k: v for k, v in zip(history["key"], history["value"], strict=True)}
    assert facts["h.preschool.schools.2020"] == 99
    assert facts["h.preschool.schools_inclusive.2020"] == 88
    assert facts["h.preschool.enrolment_inclusive.2020"] == 23196
    assert math.isclose(facts["h.preschool.share_enrolment_inclusive.2020"], 0.8972)
    assert math.isclose(facts["h.preschool.share_enrolment_public.2020"], 0.5332)
    assert facts["h.preschool.schools_standardised.2020"] == 23
    assert facts["h.compulsory.schools.2020"] == 84
    assert [facts[f"h.{lv}.enrolment.2020"] for lv in
            ("primary", "junior", "senior_general", "vocational", "special")] == [
        55210, 23536, 15971, 5104, 145]
    assert math.isclose(facts["h.higher.gross_enrolment_rate.2020"], 0.5563)
    senior = _row(history, "h.senior_secondary.gross_enrolment_rate.2020")
    assert math.isclose(senior["value"], 0.98) and senior["comparator"] == "ge"


def _series(history, indicator):
    rows = history[history["indicator"] == indicator].sort_values("year")
    return list(rows["year"]), list(rows["value"])


def test_history_appendix_series(history):
    years, values = _series(history, "admission_rate")
    assert years == [2016, 2017, 2018, 2019, 2020]
    assert values == pytest.approx([0.8782, 0.881, 0.9126, 0.9373, 0.9381])
    years, values = _series(history, "per_pupil_allocation")
    assert (years, values) == ([2019, 2020, 2021], [300, 400, 500])
    years, values = _series(history, "education_expenditure")
    assert years == [2016, 2017, 2018, 2019]
    # 亿元 kept as 万元: 12.48亿元 = 124800万元
    assert values == pytest.approx([124800, 123300, 126700, 141200])
    assert set(history.loc[history["indicator"] == "education_expenditure", "unit"]) == {
        "10k_yuan"}
    years, values = _series(history, "share_education_expenditure")
    assert values == pytest.approx([0.3063, 0.291, 0.272, 0.2134])


# ------------------------------------------------------------------ rule words, parser to grade

# A hand-made series per year-by-year rule, 2020–2023, breaking the rule in 2022 only.
BROKEN_IN_2022 = {
    "non_decreasing": {2020: 10.0, 2021: 11.0, 2022: 10.5, 2023: 12.0},  # 11 → 10.5 falls
    "increasing": {2020: 10.0, 2021: 11.0, 2022: 11.0, 2023: 12.0},  # 11 → 11 does not rise
    "non_increasing": {2020: 10.0, 2021: 9.0, 2022: 9.5, 2023: 9.0},  # 9 → 9.5 rises
    "decreasing": {2020: 10.0, 2021: 9.0, 2022: 9.5, 2023: 9.0},  # 9 → 9.5 does not fall
}
# … and one that keeps it every year.
HELD = {
    "non_decreasing": {2020: 10.0, 2021: 10.0, 2022: 11.0, 2023: 12.0},
    "increasing": {2020: 10.0, 2021: 10.5, 2022: 11.0, 2023: 12.0},
    "non_increasing": {2020: 10.0, 2021: 10.0, 2022: 9.0, 2023: 8.0},
    "decreasing": {2020: 10.0, 2021: 9.5, 2022: 9.0, 2023: 8.0},
}
YEARLY_PHRASES = [(phrase, r.code) for r in rules.RULES if r.yearly for phrase in r.phrases]


def _rule_catalogue_line(key: str, phrase: str) -> str:
    return (f"{key},rule,4,4.2,,all,education_expenditure,教育支出{phrase},budget,预期性,rule,"
            f",,{phrase},2025,第四章 二,教育支出{phrase}\n")


def test_every_yearly_rule_phrase_is_in_the_table():
    assert {code for _, code in YEARLY_PHRASES} == set(BROKEN_IN_2022) == set(HELD)
    assert ("逐年下降", "decreasing") in YEARLY_PHRASES


def test_every_yearly_rule_phrase_parses_and_is_graded(tmp_path):
    for name in ("plan.yaml", "targets.csv", "history.csv"):
        shutil.copy(PLAN_DIR / name, tmp_path / name)
    keys = {f"s4.2.rule_{i}": (phrase, code) for i, (phrase, code) in enumerate(YEARLY_PHRASES)}
    with open(tmp_path / "targets.csv", "a", encoding="utf-8") as handle:
        for key, (phrase, _) in keys.items():
            handle.write(_rule_catalogue_line(key, phrase))
    parsed = parse_catalogue(load_catalogue(tmp_path))
    rows = parsed[parsed["key"].isin(list(keys))].reset_index(drop=True)
    assert len(rows) == len(keys)
    assert list(rows["rule"]) == [code for _, code in keys.values()]

    rule = StatusRule(base_year=2020, midterm_year=2023, target_year=2025, eval_year=2023)
    for series, grade in ((BROKEN_IN_2022, "lagging"), (HELD, "on_track")):
        for _, row in rows.iterrows():
            values = series[row["rule"]]
            indicators = pd.DataFrame({"year": list(values), "level": "all",
                                       "indicator": "education_expenditure",
                                       "value": list(values.values())})
            out = evaluate_plan(rows[rows["key"] == row["key"]], indicators, rule).iloc[0]
            assert out["grade"] == grade, (row["final_text"], out["note"])
            assert out["comparator"] == row["rule"]
            if grade == "lagging":
                assert "未符合的年份：2022年" in out["note"], out["note"]
                assert "broken in 2022" in out["note_en"], out["note_en"]
            else:
                assert "逐年检查均符合" in out["note"]
