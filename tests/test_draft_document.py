"""Reading plan documents (.docx, .txt, .md) and recognising their structure and tables.

The .docx files are built here with zipfile (python-docx is not a dependency): paragraphs,
a table whose level cell is merged down a block of rows, a text box and a one-column table
holding special projects."""

from __future__ import annotations

import zipfile
from xml.sax.saxutils import escape

import pytest

from analysis.core.errors import AnalysisError
from analysis.draft.build import draft_catalogue
from analysis.draft.document import Paragraph, Table, read_document, read_text
from analysis.draft.structure import read_outline
from analysis.draft.table import table_rows

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def p(text: str, style: str | None = None) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}<w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r></w:p>"


def cell(text: str, merge: str | None = None) -> str:
    props = "" if merge is None else (
        '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' if merge == "restart"
        else "<w:tcPr><w:vMerge/></w:tcPr>")
    lines = "".join(p(line) for line in text.split("\n")) if text else "<w:p/>"
    return f"<w:tc>{props}{lines}</w:tc>"


def table(rows: list[list[str]]) -> str:
    body = []
    for row in rows:
        cells = []
        for value in row:
            if value == "^":
                cells.append(cell("", "continue"))
            elif value.startswith("!"):
                cells.append(cell(value[1:], "restart"))
            else:
                cells.append(cell(value))
        body.append(f"<w:tr>{''.join(cells)}</w:tr>")
    return f"<w:tbl>{''.join(body)}</w:tbl>"


def text_box(*paragraphs: str) -> str:
    inner = "".join(p(x) for x in paragraphs)
    content = f"<w:txbxContent>{inner}</w:txbxContent>"
    return (f'<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>{content}'
            f"</w:drawing></mc:Choice><mc:Fallback><w:pict>{content}</w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r></w:p>")


def write_docx(path, body: str) -> None:
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{W}" xmlns:mc="{MC}"><w:body>{body}</w:body></w:document>')
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W}">'
              '<w:style w:styleId="2"><w:name w:val="heading 1"/></w:style></w:styles>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", styles)


DOCX_BODY = "".join([
    p("某县教育事业发展“十四五”规划（2021—2025年）"),
    p("第一章 发展基础", "2"),
    p("“十三五”期间，全县新增幼儿园12所。"),
    p("第二章 发展目标", "2"),
    p("一、主要目标"),
    p("“十四五”时期某县教育发展主要指标"),
    table([
        ["类别", "指标", "2020年", "2023年", "2025年", "属性"],
        ["!学前教育", "学前三年毛入园率（%）", "96%", "97%", "98%以上", "预期性"],
        ["^", "普惠性幼儿园覆盖率（%）", "85%", "88%", "90%", "约束性"],
        ["!义务教育", "九年义务教育巩固率（%）", "97%", "98%", "99%", "约束性"],
        ["^", "义务教育学校数\n（所）", "40", "41", "42", "预期性"],
    ]),
    p("第三章 主要任务", "2"),
    p("一、推进学前教育普及普惠"),
    p("（一）扩大普惠资源"),
    p("到2025年，新增公办幼儿园学位3000个。"),
    text_box("专项工程1：公办幼儿园建设工程", "到2025年，新建公办幼儿园6所。"),
    p("（二）提高保教质量"),
    p("力争普惠性幼儿园覆盖率达到90%以上。"),
    table([["专项工程2：幼儿园教师培训工程"], ["五年内培训幼儿园教师500人次。"]]),
    p("二、推进义务教育优质均衡"),
    p("确保所有义务教育学校达到标准化办学标准。"),
    p("名词解释："),
    p("确保3年取得重大进展、5年见到显著成效。"),
])


@pytest.fixture()
def docx(tmp_path):
    path = tmp_path / "plan.docx"
    write_docx(path, DOCX_BODY)
    return path


def test_docx_paragraphs_tables_and_boxes(docx):
    document = read_document(docx)
    tables = document.tables()
    assert len(tables) == 1  # the one-column table is a box, not a table
    assert tables[0].rows[2] == ("", "普惠性幼儿园覆盖率（%）", "85%", "88%", "90%", "约束性")
    assert tables[0].rows[4][1] == "义务教育学校数\n（所）"
    boxed = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.box]
    assert boxed == ["专项工程1：公办幼儿园建设工程", "到2025年，新建公办幼儿园6所。",
                     "专项工程2：幼儿园教师培训工程", "五年内培训幼儿园教师500人次。"]
    assert document.paragraphs()[1].style_level == 1


def test_docx_plan_end_to_end(docx):
    draft = draft_catalogue(docx)
    assert draft.meta.name_zh == "某县教育事业发展“十四五”规划（2021—2025年）"
    assert (draft.meta.years.base, draft.meta.years.midterm, draft.meta.years.target) == (
        2020, 2023, 2025)
    table = [r for r in draft.rows if r.kind == "table"]
    assert [(r.level, r.name_zh, r.baseline_text, r.midterm_text, r.final_text, r.attribute)
            for r in table] == [
        ("preschool", "学前三年毛入园率（%）", "96%", "97%", "98%以上", "预期性"),
        ("preschool", "普惠性幼儿园覆盖率（%）", "85%", "88%", "90%", "约束性"),
        ("compulsory", "九年义务教育巩固率（%）", "97%", "98%", "99%", "约束性"),
        ("compulsory", "义务教育学校数（所）", "40", "41", "42", "预期性"),
    ]
    assert {r.section for r in table} == {"2.1"}
    others = [(r.section, r.task, r.name_zh, r.final_text, r.wording)
              for r in draft.rows if r.kind != "table"]
    assert others == [
        ("3.1.1", "3.1", "新增公办幼儿园学位", "3000个", ""),  # a plain statement
        ("P1", "P1", "新建公办幼儿园", "6所", ""),
        ("3.1.2", "3.1", "普惠性幼儿园覆盖率", "90%以上", "soft"),
        ("P2", "P2", "培训幼儿园教师", "500人次", ""),
        ("3.2", "3.2", "义务教育学校达到标准化办学标准", "100%", "firm"),  # 确保
    ]
    projects = {s.id: (s.parent, s.located_in) for s in draft.outline.sections()
                if s.kind == "special_project"}
    assert projects == {"P1": ("3.1", "3.1.1"), "P2": ("3.1", "3.1.2")}


def test_docx_headings_numbered_by_the_word_processor_are_read_from_their_styles(tmp_path):
    path = tmp_path / "auto.docx"
    write_docx(path, "".join([
        p("发展基础", "2"), p("“十三五”期间新增学位3000个。"),
        p("发展目标", "2"), p("一、主要目标"), p("到2025年，学前教育毛入园率达到98%。"),
    ]))
    draft = draft_catalogue(path)
    assert [(c.number, c.title, c.background) for c in draft.outline.chapters] == [
        (1, "发展基础", True), (2, "发展目标", False)]
    assert [(r.section, r.name_zh, r.source) for r in draft.rows] == [
        ("2.1", "学前教育毛入园率", "第2章 一")]


def test_markdown_headings_pipe_tables_and_quote_boxes(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("\n".join([
        "# 第一章 总体要求",
        "## 一、发展目标",
        "**到2025年，全区学前教育毛入园率达到99%。**",
        "",
        "| 类别 | 指标 | 2020年 | 2025年 |",
        "|---|---|---|---|",
        "| 学前教育 | 毛入园率（%） | 95% | 99% |",
        "| | 普惠性幼儿园覆盖率（%） | 85% | 90% |",
        "",
        "# 第二章 重点任务",
        "## 一、学前教育",
        "> 专项工程1：学前教育扩容工程",
        "> 新建幼儿园5所。",
        "",
        "- 新增学位2000个。",
    ]), encoding="utf-8")
    draft = draft_catalogue(path)
    got = [(r.kind, r.section, r.level, r.name_zh, r.baseline_text, r.final_text)
           for r in draft.rows]
    assert got == [
        ("table", "1.1", "preschool", "毛入园率（%）", "95%", "99%"),
        ("table", "1.1", "preschool", "普惠性幼儿园覆盖率（%）", "85%", "90%"),
        ("target", "1.1", "preschool", "学前教育毛入园率", "", "99%"),
        ("target", "P1", "preschool", "新建幼儿园", "", "5所"),
        ("target", "2.1", "preschool", "新增学位", "", "2000个"),
    ]
    assert all("mid-term" in " ".join(r.review) for r in draft.rows if r.kind == "table")


SEED_TABLE = ("“十四五”期间某市教育事业发展主要指标\n\t教育层次\n\t指标项目\n\t2020年\n\t2023年\n\t2025年\n\n"
              "\t学前教育\n\t幼儿园总数（间）\n\t99\n\t105\n\t111\n\n"
              "\t\n\t公办园幼儿比率/普惠性幼儿园幼儿比率（%）\n\t53.32%/89.72%\n\t50%/80%以上\n\t50%/80%以上\n\n"
              "\t小学教育\n\t小学学校总数（间）\n（含九年一贯制学校）\n\t62\n\t63\n\t66\n\n"
              "\t\n\t在校生（人）\n\t55210\n\t5.6万\n\t5.6万\n\n\n\n")


def _outline(text: str):
    return read_outline(read_text("第二章 发展战略\n四、具体目标\n（一）教育优质均衡\n正文。\n" + text))


EXPECTED_SEED_ROWS = [
    ("preschool", "schools", "幼儿园总数（间）", "99", "105", "111"),
    ("preschool", "share_enrolment_public/share_enrolment_inclusive",
     "公办园幼儿比率/普惠性幼儿园幼儿比率（%）", "53.32%/89.72%", "50%/80%以上", "50%/80%以上"),
    ("primary", "schools", "小学学校总数（间）（含九年一贯制学校）", "62", "63", "66"),
    ("primary", "enrolment", "在校生（人）", "55210", "5.6万", "5.6万"),
]


def _table(outline):
    return [(r.level, r.indicator, r.name_zh, r.baseline_text, r.midterm_text, r.final_text)
            for r in table_rows(outline, 2023)]


def test_a_table_one_cell_per_tab_line(tmp_path):
    outline = _outline(SEED_TABLE)
    assert _table(outline) == EXPECTED_SEED_ROWS
    rows = table_rows(outline, 2023)
    assert {(r.chapter, r.section) for r in rows} == {(2, "2.4")}
    assert rows[2].source == "第二章 主要指标表 第3行"


def test_a_table_one_cell_per_line_without_tabs(tmp_path):
    lines = [line.removeprefix("\t") for line in SEED_TABLE.split("\n") if line.strip()]
    ending = "正文继续，这是一个很长的段落，表格在它之前结束，" * 3
    assert _table(_outline("\n".join(lines) + "\n" + ending + "\n")) == EXPECTED_SEED_ROWS


def test_tab_indented_prose_is_no_table():
    document = read_text("\t第二章 发展目标\n\t一、具体目标\n\t到2025年，学前教育毛入园率达到98%以上，"
                         "义务教育巩固率保持在99%以上。\n")
    assert document.tables() == []
    assert [b.text for b in document.paragraphs()][1] == "一、具体目标"
    rows = read_outline(document).placed
    assert [p.location.section for p in rows] == ["2.1"]


def test_a_table_of_tab_separated_rows():
    text = ("指标\t2020年\t2025年\n学前三年毛入园率（%）\t95%\t98%\n"
            "九年义务教育巩固率（%）\t96%\t97%\n")
    document = read_text(text)
    assert document.blocks == [Table(0, (("指标", "2020年", "2025年"),
                                          ("学前三年毛入园率（%）", "95%", "98%"),
                                          ("九年义务教育巩固率（%）", "96%", "97%")), 1)]
    outline = read_outline(read_text("第二章 目标\n一、主要指标\n" + text))
    assert [(r.indicator, r.level, r.final_text) for r in table_rows(outline)] == [
        ("gross_enrolment_rate", "preschool", "98%"), ("retention_rate", "compulsory", "97%")]


def test_past_tables_and_chart_data_are_no_indicator_tables():
    outline = read_outline(read_text(
        "第一章 规划背景\n一、“十三五”完成情况\n“十三五”主要指标完成情况\n指标\t2015年\t2020年\n"
        "毛入园率\t90%\t95%\n巩固率\t95%\t96%\n"
        "第二章 目标\n一、目标\n2016年\t2017年\t2018年\t87.82\t88.1\t91.26\n"))
    assert table_rows(outline) == []


def test_structure_inline_headings_boxes_and_the_end_of_chapters():
    outline = read_outline(read_text(
        "前言段落。\n第二章  发展战略\n二、实施原则\n（一）立足当前，谋划长远。坚持教育发展目标相衔接。\n"
        "第三章 重点任务\n一、全面落实立德树人根本任务\n（一）完善德育工作体系\n正文。\n"
        "\t专项工程2：名班主任工程\n\n\t到2025年实现名班主任工作室全覆盖。\n\n\n"
        "回到（一）的正文。\n专项工程3  美育工程\n项目正文。\n（二）深化思政课程建设\n正文。\n"
        "名词解释：\n〔1〕术语。\n"))
    sections = {s.id: (s.kind, s.title, s.parent, s.located_in) for s in outline.sections()}
    assert sections == {
        "2.2": ("section", "实施原则", None, None),
        "2.2.1": ("subsection", "立足当前，谋划长远", "2.2", None),
        "3.1": ("key_task", "全面落实立德树人根本任务", None, None),
        "3.1.1": ("subsection", "完善德育工作体系", "3.1", None),
        "3.1.2": ("subsection", "深化思政课程建设", "3.1", None),
        "P2": ("special_project", "名班主任工程", "3.1", "3.1.1"),
        "P3": ("special_project", "美育工程", "3.1", "3.1.1"),
    }
    where = {p.text: (p.location.section, p.location.source) for p in outline.placed
             if isinstance(p.block, Paragraph)}
    assert where["坚持教育发展目标相衔接。"] == ("2.2.1", "第二章 二（一）")
    assert where["到2025年实现名班主任工作室全覆盖。"] == ("P2", "第三章 一（一） 专项工程2")
    assert where["回到（一）的正文。"] == ("3.1.1", "第三章 一（一）")
    assert where["项目正文。"] == ("P3", "第三章 一（一） 专项工程3")
    assert where["〔1〕术语。"] == (None, "附")
    assert outline.preface == ["前言段落。"]


def test_a_plan_without_chapter_headings_uses_its_sections_as_chapters():
    outline = read_outline(read_text("一、发展目标\n（一）学前教育\n到2025年毛入园率达到98%。\n"
                                     "二、保障措施\n（一）经费保障\n正文。\n"))
    assert [(c.number, c.title) for c in outline.chapters] == [(1, "发展目标"), (2, "保障措施")]
    assert [s.id for s in outline.sections()] == ["1.1", "2.1"]


def test_unreadable_documents_are_one_error(tmp_path):
    with pytest.raises(AnalysisError, match="plan document not found"):
        read_document(tmp_path / "missing.docx")
    odd = tmp_path / "plan.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(AnalysisError, match="unknown plan document format"):
        read_document(odd)
    latin = tmp_path / "plan.txt"
    latin.write_bytes("第一章".encode("gb18030"))
    with pytest.raises(AnalysisError, match="not UTF-8"):
        read_document(latin)
    broken = tmp_path / "plan.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(AnalysisError, match="cannot read the .docx"):
        read_document(broken)
    prose = tmp_path / "notes.txt"
    prose.write_text("一段没有任何标题的文字。\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="no chapter headings"):
        draft_catalogue(prose)
