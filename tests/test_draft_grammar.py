"""The drafting grammar (docs/catalogue_draft.md) on sentences of the Kaiping plan and on the
typical wording of other plans. Each sentence is drafted inside a minimal plan text; expected
rows are typed from the sentence, not taken from the code."""

from __future__ import annotations

import pytest

from analysis.draft import grammar
from analysis.draft.build import draft_catalogue
from analysis.draft.naming import check_vocabulary, indicator_for, level_of

PLAN = """本规划期为2021-2025年。
第一章 发展基础
“十三五”期间，全市新增幼儿园16所，公办园在园幼儿占比达53.32%。
第二章 发展目标
一、具体目标
{body}
"""


def draft(tmp_path, *sentences: str):
    path = tmp_path / "plan.txt"
    path.write_text(PLAN.format(body="\n".join(sentences)), encoding="utf-8")
    return draft_catalogue(path).rows


def one(tmp_path, sentence: str):
    rows = draft(tmp_path, sentence)
    assert len(rows) == 1, [(r.name_zh, r.final_text) for r in rows]
    return rows[0]


# --------------------------------------------------------------------------- other plans

@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("到2025年，全市学前教育毛入园率达到98%以上。",
         dict(kind="target", level="preschool", indicator="gross_enrolment_rate",
              final_text="98%以上", name_zh="学前教育毛入园率", wording="", deadline=2025)),
        ("义务教育巩固率保持在99%以上。",
         dict(level="compulsory", indicator="retention_rate", final_text="99%以上")),
        ("九年义务教育巩固率达到96%。",
         dict(level="compulsory", indicator="retention_rate", final_text="96%")),
        ("新建、改扩建中小学校12所。",
         dict(indicator="projects_completed", measure="cumulative", final_text="12所",
              name_zh="新建、改扩建中小学校", level="all")),
        ("力争到2025年，高中阶段教育毛入学率达到95%以上。",
         dict(level="senior_secondary", indicator="gross_enrolment_rate", wording="soft")),
        ("确保适龄残疾儿童少年义务教育入学率达到95%以上。",
         dict(level="special", indicator="disabled_enrolment_rate", wording="firm")),
        ("普通高中在校生规模控制在2万人左右。",
         dict(level="senior_general", indicator="enrolment", final_text="2万人左右")),
        ("专任教师中研究生学历比例提高到10%。",
         dict(indicator="share_teachers_postgraduate", final_text="10%")),
        ("学前三年毛入园率由2020年的95%提高到2025年的98%。",
         dict(level="preschool", indicator="gross_enrolment_rate", baseline_text="95%",
              final_text="98%")),
        ("培养省级骨干教师不少于50名。",
         dict(indicator="count", measure="increase", final_text="不少于50名")),
        ("争取创建省级示范性高中2所。",
         dict(level="senior_general", final_text="2所", wording="soft")),
        ("建成10所智慧校园示范校。",
         dict(indicator="count", final_text="10所", name_zh="智慧校园示范校")),
        ("普惠性幼儿园覆盖率稳定在85%以上。",
         dict(level="preschool", indicator="share_enrolment_inclusive", final_text="85%以上")),
        ("新增公办学位8000个以上。",
         dict(indicator="places_added", measure="cumulative", final_text="8000个以上")),
        ("确保财政教育支出逐年增长。",
         dict(kind="rule", indicator="education_expenditure", final_text="逐年增长",
              measure="rule")),
        ("到2025年，全县中小学校实现标准化建设全覆盖。",
         dict(indicator="coverage", final_text="全覆盖", level="all")),
        ("所有乡镇中心幼儿园达到省规范化幼儿园标准。",
         dict(indicator="coverage", final_text="100%", level="preschool")),
        ("2023年底前，完成全县中小学校布局调整。",
         dict(kind="milestone", indicator="milestone", deadline=2023, final_text="完成")),
        ("到2025年，建成覆盖城乡的教师发展中心。",
         dict(kind="milestone", final_text="建成")),
        ("出台《县域学前教育发展实施方案》。",
         dict(kind="milestone", name_zh="出台《县域学前教育发展实施方案》")),
    ],
)
def test_typical_wording_of_other_plans(tmp_path, sentence, expected):
    row = one(tmp_path, sentence)
    for column, value in expected.items():
        assert getattr(row, column) == value, (column, row)


def test_respectively_gives_one_row_per_subject(tmp_path):
    rows = draft(tmp_path, "小学、初中专任教师本科及以上学历比例分别达到85%、90%。")
    assert [(r.level, r.name_zh, r.final_text) for r in rows] == [
        ("primary", "小学专任教师本科及以上学历比例", "85%"),
        ("junior", "初中专任教师本科及以上学历比例", "90%"),
    ]
    assert {r.indicator for r in rows} == {"share_teachers_bachelor_plus"}


def test_a_value_the_parser_cannot_read_is_drafted_and_flagged(tmp_path):
    row = one(tmp_path, "教师每五年累计参加培训不少于360学时。")
    assert row.final_text == "不少于360学时"
    assert row.indicator == ""
    assert any("value parser" in note for note in row.review)
    assert any("no indicator" in note for note in row.review)


# --------------------------------------------------------------------------- the plan's own

def test_a_sentence_of_three_targets(tmp_path):
    rows = draft(tmp_path, "到2025年，学前教育毛入园率达98%以上，公办幼儿园在园幼儿占比保持在50%以上，"
                           "公办幼儿园和普惠性民办幼儿园在园幼儿占比保持在80%以上。")
    assert [(r.indicator, r.final_text) for r in rows] == [
        ("gross_enrolment_rate", "98%以上"),
        ("share_enrolment_public", "50%以上"),
        ("share_enrolment_inclusive", "80%以上"),
    ]
    assert {r.level for r in rows} == {"preschool"}


def test_a_list_shares_its_object_and_the_sentence_its_level(tmp_path):
    rows = draft(tmp_path, "2025年前，义务教育阶段拟改（扩）建学校2所、新建2所、迁建2所、配套建设3所，"
                           "预计新增学位13410个。")
    assert [(r.name_zh, r.final_text, r.indicator) for r in rows] == [
        ("改（扩）建学校", "2所", "projects_completed"),
        ("新建学校", "2所", "projects_completed"),
        ("迁建学校", "2所", "projects_completed"),
        ("配套建设学校", "3所", "projects_completed"),
        ("新增学位", "13410个", "places_added"),
    ]
    assert {r.level for r in rows} == {"compulsory"}
    assert {r.measure for r in rows} == {"cumulative"}


def test_a_bare_rate_borrows_the_words_of_the_previous_subject(tmp_path):
    rows = draft(tmp_path, "到2025年，全市中小学学生体质健康优良率达到55%以上，达标率达到93%以上；"
                           "体育特色学校新增20所。")
    assert [(r.name_zh, r.indicator, r.final_text) for r in rows] == [
        ("中小学学生体质健康优良率", "fitness_good_rate", "55%以上"),
        ("中小学学生体质健康达标率", "fitness_pass_rate", "93%以上"),
        ("体育特色学校新增", "count", "20所"),
    ]
    assert rows[2].measure == "increase"


def test_a_verb_carries_over_the_clauses_of_a_segment(tmp_path):
    rows = draft(tmp_path, "到2025年打造2所省级示范性特色高中，4所江门市级课改特色示范性高中。")
    assert [(r.name_zh, r.final_text) for r in rows] == [
        ("省级示范性特色高中", "2所"), ("江门市级课改特色示范性高中", "4所")]


def test_approximate_values_and_deadlines(tmp_path):
    row = one(tmp_path, "到2025年，中等职业学校在校生规模达到5500人左右。")
    assert (row.level, row.indicator, row.final_text) == ("vocational", "enrolment", "5500人左右")
    row = one(tmp_path, "五年内培育省、市级骨干教师20名。")
    assert (row.name_zh, row.final_text, row.measure, row.deadline) == (
        "培育省、市级骨干教师", "20名", "increase", 2025)


def test_rules_firm_and_soft(tmp_path):
    rows = draft(tmp_path, "加大经费投入力度，确保一般公共预算教育支出逐年只增不减，确保按在校学生人数平均的"
                           "一般公共预算教育支出逐年只增不减，努力实现公共财政教育经费占财政总支出的比例逐年"
                           "只增不减。")
    assert [(r.kind, r.indicator, r.wording) for r in rows] == [
        ("rule", "education_expenditure", "firm"),
        ("rule", "per_pupil_education_expenditure", "firm"),
        ("rule", "share_education_expenditure", "soft"),
    ]
    assert {r.final_text for r in rows} == {"逐年只增不减"}


def test_coverage_words(tmp_path):
    rows = draft(tmp_path, "实现高速局域网学校全覆盖和提质增速。", "按规定配齐所有选课走班教室。",
                 "2025年，每个镇（街）完成特殊教育资源中心建设。", "实现基本办学条件全达标。")
    assert [(r.name_zh, r.final_text) for r in rows] == [
        ("高速局域网学校全覆盖", "全覆盖"),
        ("配齐选课走班教室", "100%"),
        ("镇（街）完成特殊教育资源中心建设", "100%"),
        ("基本办学条件全达标", "100%"),
    ]
    assert {r.indicator for r in rows} == {"coverage"}
    assert "（原文“每个”）" in rows[2].source


def test_milestones(tmp_path):
    rows = draft(
        tmp_path,
        "在2025年前成功创建“国家义务教育优质均衡县”和“国家学前教育普及普惠县”。",
        "新建符合标准的特殊教育学校，完善特殊教育服务体系。",
        "制定开平市《全面加强新时代中小学劳动教育的实施办法》，把劳动教育课程纳入中小学必修课。",
        "2022年底前完成所有公办学校的章程核准，完善一校一章程。",
        "保持全市高中阶段教育职普比大体相当。",
        "到2025年，严格按照省定标准控制班额，满足人民群众对优质教育资源的需求。",
    )
    assert [(r.kind, r.level, r.name_zh, r.deadline) for r in rows] == [
        ("milestone", "compulsory", "成功创建“国家义务教育优质均衡县”", 2025),
        ("milestone", "preschool", "成功创建“国家学前教育普及普惠县”", 2025),
        ("milestone", "special", "新建符合标准的特殊教育学校", 2025),
        ("milestone", "all", "制定开平市《全面加强新时代中小学劳动教育的实施办法》", 2025),
        ("milestone", "all", "完成所有公办学校的章程核准", 2022),
        ("milestone", "senior_secondary", "高中阶段教育职普比大体相当", 2025),
        ("milestone", "all", "按照省定标准控制班额", 2025),
    ]
    assert rows[4].final_text == "完成"


@pytest.mark.parametrize(
    "sentence",
    [
        "“十三五”期间，全市新增学位5000个。",  # a past fact
        "到2035年，基本实现教育现代化，高中阶段毛入学率达到99%。",  # after the plan period
        "鼓励有条件的学校积极响应省、市教育部门的要求，2025年前通过省、市艺术特色学校的验收。",
        "推进中小学校党的组织和党的工作全覆盖。",  # a verb of effort
        "落实“全覆盖、零拒绝”的要求。",  # a quoted slogan
        "贯彻《3-6岁儿童学习与发展指南》精神，开展幼儿园教育质量评价工作。",
        "每一名学生掌握1-3项运动技能。",  # a range
        "以5G、大数据等新一代信息技术为基础，建设一批智能教室。",
        "积极推进教育信息化2.0行动计划。",  # a bare number
        "以两所省级信息化中心学校为引领。",  # a Chinese numeral
        "按照教育部印发的《县域义务教育优质均衡发展督导评估办法》要求，落实教育用地联审制度。",
        "为建设一支高素质的幼儿教师队伍，逐步形成竞争激励机制。",  # a purpose, undated
        "基本建成广覆盖、保基本、有质量的学前教育公共服务体系。",  # undated, abstract
    ],
)
def test_what_is_not_a_commitment(tmp_path, sentence):
    assert draft(tmp_path, sentence) == []


def test_background_chapters_are_history(tmp_path):
    assert all(r.chapter != 1 for r in draft(tmp_path, "义务教育巩固率保持在99%以上。"))


# --------------------------------------------------------------------------- pieces

def test_values_as_printed():
    found = grammar.values_in(grammar.mask("拥有市级学科带头人100人以上、市级骨干教师200名以上，约5.6万，5400余人"))
    assert [v.text for v in found] == ["100人以上", "200名以上", "约5.6万", "5400余人"]
    assert grammar.values_in(grammar.mask("国办发〔2019〕29号、“5080”工程、2025年、第3名")) == []


@pytest.mark.parametrize(
    ("text", "year"),
    [("到2025年，", 2025), ("2022年底前完成", 2022), ("在“十四五”期间", 2025),
     ("到“十四五”末", 2025), ("五年内培育", 2025), ("“十三五”期间", 2020), ("到2035年", 2035)],
)
def test_deadlines(text, year):
    clause = grammar.clauses_of(text + "建成1个基地", base_year=2020, target_year=2025)[0]
    assert clause.deadline == year


def test_levels_and_indicators_from_plan_words():
    assert level_of("中小学幼儿园集团化办学") == "all"
    assert level_of("残疾儿童少年义务教育阶段学校入学率") == "special"
    assert level_of("统筹推进普通高中教育和中等职业教育协调发展") == "senior_secondary"
    assert level_of("小学和初中") == "compulsory"
    assert level_of("加强信息化基础设施建设") is None
    assert indicator_for("规范化幼儿园覆盖率", "fraction") == "share_schools_standardised"
    assert indicator_for("规范化幼儿园", "schools") == "schools_standardised"
    assert indicator_for("小学五年巩固率（%）", "fraction") == "retention_rate"
    assert indicator_for("某某率", "fraction") is None
    assert check_vocabulary() == []
