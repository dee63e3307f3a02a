"""Real plan folders come in shapes the package did not write: a plan's own indicators, levels
written in words, no history.csv (docs/catalogue.md, data/raw/README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.clean.catalogue import load_catalogue, load_history, parse_catalogue
from analysis.clean.plan import load_plan
from analysis.core import vocab
from analysis.core.errors import AnalysisError

KAIPING = Path(__file__).resolve().parent.parent / "data" / "raw" / "kaiping"
HEADER = ("key,kind,chapter,section,task,level,indicator,name_zh,name_en,attribute,measure,"
          "baseline_text,midterm_text,final_text,deadline,source,quote\n")


@pytest.fixture()
def plan_dir(tmp_path):
    folder = tmp_path / "county"
    folder.mkdir()
    shutil.copy(KAIPING / "plan.yaml", folder / "plan.yaml")
    yield folder
    vocab.use_plan_vocabulary(tmp_path)  # leave the package's vocabulary in force


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_a_plan_adds_an_indicator_of_its_own(plan_dir):
    # 劳动年龄人口平均受教育年限: years, a unit the package has no bounds for → min/max given
    write(plan_dir, "indicators.csv",
          "indicator,unit,kind,direction,name_zh,name_en,description,min,max\n"
          "adult_schooling_years,years,level_years,higher,劳动年龄人口平均受教育年限,"
          "Mean years of schooling of the working-age population,,0,25\n")
    with pytest.raises(AnalysisError, match="kind must be one of"):
        load_plan(plan_dir)
    write(plan_dir, "indicators.csv",
          "indicator,unit,kind,direction,name_zh,name_en,description,min,max\n"
          "adult_schooling_years,years,rate,higher,劳动年龄人口平均受教育年限,"
          "Mean years of schooling of the working-age population,,0,25\n")
    load_plan(plan_dir)
    assert vocab.direction("adult_schooling_years") == "higher"
    assert vocab.bounds("adult_schooling_years").max == 25
    write(plan_dir, "targets.csv", HEADER +
          "t.schooling,target,2,2.4,,all,adult_schooling_years,劳动年龄人口平均受教育年限,"
          "Mean years of schooling,预期性,,11.2,,11.8,2025,第二章,到2025年达到11.8年\n")
    targets = parse_catalogue(load_catalogue(plan_dir))
    row = targets.iloc[0]
    assert row["final_value"] == pytest.approx(11.8) and row["measure"] == "level"
    # another plan loaded afterwards does not see it
    other = plan_dir.parent / "other"
    other.mkdir()
    shutil.copy(KAIPING / "plan.yaml", other / "plan.yaml")
    load_plan(other)
    assert not vocab.is_indicator("adult_schooling_years")


def test_a_plan_may_not_redefine_a_package_indicator(plan_dir):
    write(plan_dir, "indicators.csv",
          "indicator,unit,kind,direction,name_zh,name_en,description\n"
          "enrolment,persons,count,higher,在校生,Enrolment,\n")
    with pytest.raises(AnalysisError, match="already defines this id") as caught:
        load_plan(plan_dir)
    assert "indicators.csv, row 2, column indicator" in str(caught.value)


def test_new_units_need_bounds(plan_dir):
    write(plan_dir, "indicators.csv",
          "indicator,unit,kind,direction,name_zh,name_en,description\n"
          "adult_schooling_years,years,rate,higher,平均受教育年限,Years of schooling,\n")
    with pytest.raises(AnalysisError, match="give min and max"):
        load_plan(plan_dir)


def test_levels_written_in_words_are_read_as_their_ids(plan_dir):
    write(plan_dir, "targets.csv", HEADER +
          "t.a,target,2,2.4,,小学,retention_rate,小学巩固率,Retention,预期性,,,,99%以上,2025,x,y\n"
          "t.b,target,2,2.4,,中职,enrolment,中职在校生,Vocational enrolment,预期性,,,,5500,2025,x,y\n")
    load_plan(plan_dir)
    targets = parse_catalogue(load_catalogue(plan_dir))
    assert list(targets["level"]) == ["primary", "vocational"]
    # and the blank measure of a neutral count is a scale
    assert list(targets["measure"]) == ["level", "scale"]
    assert vocab.check_level("初中") == "junior" and vocab.check_level("Kindergarten") == "preschool"
    with pytest.raises(AnalysisError, match="unknown level id"):
        vocab.check_level("大学预科")


def test_history_is_optional(plan_dir):
    plan = load_plan(plan_dir)
    history = load_history(plan_dir, plan)
    assert history.empty and "year" in history.columns
