"""plan.yaml and the loaders: structure from the plan text, and clear errors for bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.clean.catalogue import load_catalogue, load_history, parse_catalogue
from analysis.clean.plan import chapter_title, load_plan, sections_of
from analysis.core.errors import AnalysisError
from analysis.core.paths import PROJECT_ROOT

PLAN_DIR = PROJECT_ROOT / "data" / "raw" / "kaiping"


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN_DIR)


@pytest.fixture
def plan_copy(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    target.mkdir()
    for name in ("plan.yaml", "targets.csv", "history.csv"):
        shutil.copy(PLAN_DIR / name, target / name)
    return target


def test_years_and_flags(plan):
    assert (plan.base_year, plan.midterm_year, plan.target_year) == (2020, 2023, 2025)
    assert plan.illustrative_returns is True
    assert plan.language == "zh"
    assert plan.chapter_numbers() == [1, 2, 3, 4]


def test_chapter_titles(plan):
    # 第一章 规划背景 / 第二章 发展战略 / 第三章 重点任务 / 第四章 保障机制
    assert [plan.chapter(n).title_zh for n in (1, 2, 3, 4)] == [
        "规划背景", "发展战略", "重点任务", "保障机制"]
    assert chapter_title(plan, 4) == "第四章 保障机制"
    assert chapter_title(plan, 2, "en").startswith("Chapter 2 ")


def test_chapter_sections(plan):
    # chapter 1: 一 has (一)…(十), 二 has (一)…(三); chapter 2: 一…四, 四 has (一)…(七)
    assert [s.id for s in sections_of(plan, 1)] == ["1.1", "1.2"]
    assert len(plan.section("1.1").sections) == 10
    assert plan.section("1.1.10").title_zh == "依法治校体制机制日益健全"
    assert len(plan.section("1.2").sections) == 3
    assert [s.id for s in sections_of(plan, 2)] == ["2.1", "2.2", "2.3", "2.4"]
    assert len(plan.section("2.4").sections) == 7
    assert [s.id for s in sections_of(plan, 4)] == ["4.1", "4.2", "4.3", "4.4"]
    assert plan.section("4.2").title_zh == "完善教育投入长效机制"


def test_ten_key_tasks(plan):
    tasks = plan.key_tasks()
    assert [t.id for t in tasks] == [f"3.{i}" for i in range(1, 11)]
    assert tasks[0].title_zh == "全面落实立德树人根本任务"
    assert tasks[1].title_zh == "加快学前教育普及普惠规范发展"
    assert tasks[9].title_zh == "加强制度建设，推进民办教育管理体制改革"
    # subsections per key task as printed: 6, 5, 3, 4, 3, 4, 4, 3, 3, 0
    subsections = [len([s for s in t.sections if s.kind == "subsection"]) for t in tasks]
    assert subsections == [6, 5, 3, 4, 3, 4, 4, 3, 3, 0]


def test_eleven_special_projects(plan):
    projects = plan.special_projects()
    assert [p.id for p in projects] == [f"P{i}" for i in range(1, 12)]
    titles = {p.id: p.title_zh for p in projects}
    assert titles["P1"] == "思政教育示范校工程"
    assert titles["P2"] == "名班主任工程"
    assert titles["P7"] == "薄弱幼儿园规范化达标行动"
    assert titles["P10"] == "职业教育扩容提质强服务工程"
    assert titles["P11"] == "基础教育名师工程"
    parents = {p.id: p.parent for p in projects}
    # P1–P5 in 一, P6–P7 in 二, P8 in 三, P9 in 四, P10 in 五, P11 in 七
    assert parents == {"P1": "3.1", "P2": "3.1", "P3": "3.1", "P4": "3.1", "P5": "3.1",
                       "P6": "3.2", "P7": "3.2", "P8": "3.3", "P9": "3.4", "P10": "3.5",
                       "P11": "3.7"}
    # 专项工程2 is printed under 一（一）, before 专项工程1 under 一（二）
    assert plan.section("P2").located_in == "3.1.1"
    assert plan.section("P1").located_in == "3.1.2"
    assert plan.key_task_of("P7").id == "3.2"
    assert plan.key_task_of("3.2.4").id == "3.2"
    assert plan.key_task_of("4.2") is None


def test_section_parents_filled_from_nesting(plan):
    assert plan.section("3.2.4").parent == "3.2"
    assert plan.section("3.2").parent is None
    assert plan.ancestors("3.7.3") == ["3.7"]
    assert plan.chapter_of("P11") == 3


def test_unknown_key_refused(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "target_yaer: 2025\n", encoding="utf-8")
    with pytest.raises(AnalysisError) as info:
        load_plan(plan_copy)
    message = str(info.value)
    assert "plan.yaml" in message and "unknown key" in message and "target_yaer" in message


def test_unknown_key_in_a_section_names_its_line(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title_zh: 完善教育投入长效机制,", "title_zh: 完善教育投入长效机制, colour: red,")
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "colour: red" in t)
    with pytest.raises(AnalysisError) as info:
        load_plan(plan_copy)
    assert info.value.row == line
    assert info.value.text == "colour"


def test_bad_years_refused(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("midterm_year: 2023",
                                                             "midterm_year: 2026"),
                    encoding="utf-8")
    with pytest.raises(AnalysisError, match="base_year < midterm_year < target_year"):
        load_plan(plan_copy)


def test_duplicate_section_id_refused(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('id: "4.4"', 'id: "4.3"'),
                    encoding="utf-8")
    with pytest.raises(AnalysisError, match="appears twice"):
        load_plan(plan_copy)


def _replace_in(path: Path, old: str, new: str) -> int:
    """Replace text on one line of a CSV; return that (1-based) line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if old in line)
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return number


def test_unknown_indicator_named_with_file_line_and_text(plan_copy: Path):
    line = _replace_in(plan_copy / "targets.csv", ",fitness_good_rate,", ",fitness_great_rate,")
    with pytest.raises(AnalysisError) as info:
        load_catalogue(plan_copy)
    error = info.value
    assert error.file.endswith("targets.csv")
    assert error.row == line
    assert error.column == "indicator"
    assert error.text == "fitness_great_rate"


def test_duplicate_key_named(plan_copy: Path):
    line = _replace_in(plan_copy / "targets.csv", "s3.1.3.fitness_pass,", "s3.1.3.fitness_good,")
    with pytest.raises(AnalysisError) as info:
        load_catalogue(plan_copy)
    assert info.value.row == line
    assert info.value.text == "s3.1.3.fitness_good"
    assert "duplicate key" in str(info.value)


def test_unparseable_value_named(plan_copy: Path):
    line = _replace_in(plan_copy / "targets.csv", ",93%以上,", ",九十三成,")
    with pytest.raises(AnalysisError) as info:
        load_catalogue(plan_copy)
    assert info.value.row == line
    assert info.value.column == "final_text"
    assert info.value.text == "九十三成"
    assert "targets.csv" in str(info.value)


def test_unknown_section_and_wrong_task_refused(plan_copy: Path):
    line = _replace_in(plan_copy / "targets.csv", ",3.1.3,3.1,", ",3.1.9,3.1,")
    with pytest.raises(AnalysisError) as info:
        load_catalogue(plan_copy)
    assert (info.value.row, info.value.column) == (line, "section")


def test_share_without_percent_refused(plan_copy: Path):
    _replace_in(plan_copy / "targets.csv", ",55%以上,", ",55以上,")
    with pytest.raises(AnalysisError, match="print the value with %"):
        load_catalogue(plan_copy)


def test_missing_column_refused(plan_copy: Path):
    path = plan_copy / "targets.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",attribute,", ",attr,", 1), encoding="utf-8")
    with pytest.raises(AnalysisError) as info:
        load_catalogue(plan_copy)
    assert info.value.column == "attribute" and info.value.row == 1


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_catalogue_in_any_supported_encoding_reads_the_same(plan_copy: Path, encoding):
    # every plan file is read with the same detection (analysis.core.textfiles.decode_text)
    expected = load_catalogue(plan_copy)
    for name in ("targets.csv", "plan.yaml"):
        path = plan_copy / name
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    assert load_catalogue(plan_copy).equals(expected)


def test_catalogue_in_an_unknown_encoding_names_the_line(plan_copy: Path):
    path = plan_copy / "targets.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[4] = lines[4].replace(b",", b",\xff\xfe\x80,", 1)
    path.write_bytes(b"".join(lines))
    with pytest.raises(AnalysisError, match="neither UTF-8") as info:
        load_catalogue(plan_copy)
    assert info.value.row == 5


def test_plan_yaml_key_given_twice_in_a_section_names_both_lines(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title_zh: 完善教育投入长效机制,", "title_zh: 完善教育投入长效机制, title_zh: 别的,")
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "title_zh: 别的" in t)
    with pytest.raises(AnalysisError, match=f"key given twice.*first on line {line}") as info:
        load_plan(plan_copy)
    assert (info.value.row, info.value.text) == (line, "title_zh")


def test_plan_yaml_syntax_error_names_line_and_column(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "extra: [1, 2\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="not valid YAML") as info:
        load_plan(plan_copy)
    assert info.value.row is not None and info.value.column is not None


def test_plan_yaml_python_tags_refused(plan_copy: Path):
    path = plan_copy / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "x: !!python/object/apply:os.getcwd []\n",
                    encoding="utf-8")
    with pytest.raises(AnalysisError, match="not valid YAML"):
        load_plan(plan_copy)


def test_catalogue_header_with_a_column_twice_refused(plan_copy: Path):
    path = plan_copy / "targets.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.rstrip("\r") + ",key\n" + rest, encoding="utf-8")
    with pytest.raises(AnalysisError, match="appears twice in the header") as info:
        load_catalogue(plan_copy)
    assert (info.value.row, info.value.text) == (1, "key")


def test_history_bad_value_named(plan_copy: Path):
    line = _replace_in(plan_copy / "history.csv", ",12.33亿元,", ",一二点三三亿元,")
    with pytest.raises(AnalysisError) as info:
        load_history(plan_copy)
    assert info.value.row == line and info.value.column == "value_text"


def test_parse_catalogue_reports_line_of_hand_made_frame():
    import pandas as pd

    frame = pd.DataFrame([{
        "key": "x", "kind": "target", "chapter": 3, "section": "3.1.3", "task": "3.1",
        "level": "all", "indicator": "fitness_pass_rate", "name_zh": "达标率", "name_en": "pass",
        "attribute": "预期性", "measure": "level", "baseline_text": "", "midterm_text": "",
        "final_text": "大约很多", "deadline": 2025, "source": "s", "quote": "q",
    }])
    with pytest.raises(AnalysisError) as info:
        parse_catalogue(frame)
    assert info.value.row == 2 and info.value.column == "final_text"


@pytest.mark.parametrize("words", ["全覆盖", "建成"])
def test_rule_row_with_a_rule_not_checked_year_by_year_refused(plan_copy: Path, words: str):
    # 全覆盖 and 建成 are rule words, but the evaluation checks rule rows year by year
    line = _replace_in(plan_copy / "targets.csv", ",,,逐年只增不减,", f",,,{words},")
    with pytest.raises(AnalysisError, match="not checked year by year") as info:
        load_catalogue(plan_copy)
    assert (info.value.row, info.value.column, info.value.text) == (line, "final_text", words)


def test_parse_catalogue_refuses_a_rule_row_not_checked_year_by_year():
    import pandas as pd

    frame = pd.DataFrame([{
        "key": "x", "kind": "rule", "chapter": 4, "section": "4.2", "task": "",
        "level": "all", "indicator": "education_expenditure", "name_zh": "支出", "name_en": "e",
        "attribute": "预期性", "measure": "rule", "baseline_text": "", "midterm_text": "",
        "final_text": "全覆盖", "deadline": 2025, "source": "s", "quote": "q",
    }])
    with pytest.raises(AnalysisError, match="not checked year by year") as info:
        parse_catalogue(frame)
    assert info.value.row == 2 and info.value.column == "final_text"
    frame.loc[0, "final_text"] = "逐年下降"
    assert parse_catalogue(frame).loc[0, "rule"] == "decreasing"
