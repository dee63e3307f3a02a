"""The report a bureau submits: one Word document and one print-ready page per plan and year.

Built on the fixture plan of tests/test_report.py (grades worked out by hand there: chapter 2
has 6 targets, 4 met, 1 behind — the public share, p = 30 % against e = 50 % — and 1 without
data; the whole plan 12 targets, 10 gradable, 8 met, 2 behind).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document as read_docx
from test_report import build_root, context

from analysis.core.errors import AnalysisError
from analysis.report.document import compose_report, document_file_name
from analysis.report.document.files import write_evaluation_report
from analysis.report.document.model import FillIn, Table

IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b|\bMAPE\b|\bh=\d|\.md\b(?!中)|\bkaiping\b")
HEADINGS_ZH = ["前　言", "一、总体评价", "二、主要进展和成效", "三、存在的问题及原因",
               "四、下一步工作建议", "附　件"]


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return build_root(tmp_path_factory.mktemp("document"))


@pytest.fixture(scope="module")
def plotting_ready():
    from analysis.figures.charts import setup_plotting

    setup_plotting()


@pytest.fixture(scope="module")
def written(data_root, plotting_ready, tmp_path_factory):
    context(data_root, None)  # run the evaluation stage of the fixture
    out = tmp_path_factory.mktemp("out")
    return write_evaluation_report("mini", 2023, lang="zh", data_root=str(data_root),
                                   out_dir=out)


def test_outline_and_judgement(data_root, plotting_ready):
    ctx = context(data_root, None)
    doc = compose_report(ctx)
    assert doc.headings(level=1) == HEADINGS_ZH
    assert doc.subtitle == "中期评估报告"
    text = doc.text()
    # 10 gradable, 8 met (80 % ≥ 70 %: 总体进展顺利), 2 behind; 2 ungraded with their reasons
    assert "在可评估的10项目标中，8项达到或超过预期进度，占80%，实现了“时间过半、任务过半”" in text
    assert "尚有2项目标暂无法评估（缺少实际数据1项、缺少进展记录1项）。" in text
    # grades named per grade; the lagging public share with its cause, binding first
    assert "1项快于预期：幼儿园总数（所）（学前教育）" in text
    assert "原因分析：2020年以来年均变化+1个百分点，如期完成目标需年均变化+3.5个百分点（至2025年）" in text
    # every annex
    for annex in ("附件1　主要指标完成情况表", "附件2　重点任务与专项工程进展", "附件3　数据质量说明",
                  "附件4　规划文本自身不一致之处", "附件5　方法说明"):
        assert annex in doc.headings(level=2)
    annex_tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert sum(len(b.rows) for b in annex_tables[:3]) >= 11  # every target of chapters 2–4
    assert not IDENTIFIER.search(text), IDENTIFIER.search(text)


def test_fill_in_fields_without_narrative_and_merged_with_it(data_root, plotting_ready):
    ctx = context(data_root, None)
    fills = [b.label for b in compose_report(ctx).blocks if isinstance(b, FillIn)]
    assert any("组织实施情况" in f for f in fills) and any("主要做法和经验" in f for f in fills)
    narrative = Path(data_root) / "raw" / "mini" / "narrative.md"
    narrative.write_text("## 编制单位\n示例县教育局\n\n## 组织实施情况\n县政府成立规划实施领导小组，\n"
                         "每年开展监测。\n", encoding="utf-8")
    try:
        doc = compose_report(ctx)
        text = doc.text()
        assert "县政府成立规划实施领导小组，每年开展监测。" in text
        assert ("编制单位", "示例县教育局") in doc.facts
        assert not any("组织实施情况" in b.label for b in doc.blocks if isinstance(b, FillIn))
        narrative.write_text("## 组织实施\n文字\n", encoding="utf-8")
        with pytest.raises(AnalysisError, match="unknown part") as caught:
            compose_report(ctx)
        assert "narrative.md, row 1" in str(caught.value)
    finally:
        narrative.unlink()


def test_the_word_document_reads_back(written):
    docx_path, _ = written
    assert docx_path.name == "示例县教育发展规划（2021—2025年）中期评估报告.docx"
    document = read_docx(str(docx_path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS_ZH
    body = "\n".join(p.text for p in document.paragraphs)
    assert "实现了“时间过半、任务过半”" in body
    assert not IDENTIFIER.search(body), IDENTIFIER.search(body)
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == [
        "指标", "学段", "基期值（2020年）", "中期目标（2023年）", "实际值（2023年）", "终期目标（2025年）", "评级"]
    header = first.rows[0]._tr.trPr
    assert header is not None and header.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    section = document.sections[-1]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37
    xml = section.footer._element.xml
    assert "PAGE" in xml  # page numbers
    assert "TOC" in document.element.body.xml  # the table-of-contents field


def test_the_print_page_has_the_same_content_and_links(written):
    _, html_path = written
    page = html_path.read_text(encoding="utf-8")
    assert html_path.name == "report.html"
    for heading in HEADINGS_ZH:
        assert heading in page
    assert 'href="index.html"' in page and 'href="chapter_2.html"' in page
    assert 'href="report.en.html"' in page
    assert "示例县教育发展规划（2021—2025年）中期评估报告.docx" in page
    assert "<thead>" in page and "@page" in page and "break-inside: avoid" in page
    assert "@font-face" in page and "base64," in page  # readable without CJK fonts
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)>.*?</\1>", "", page, flags=re.S))
    visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", visible)
    assert not IDENTIFIER.search(visible), IDENTIFIER.search(visible)


def test_final_and_english_names(data_root, plotting_ready):
    from analysis.evaluate.stage import run_evaluation_stage
    from analysis.report.context import load_report_context

    run_evaluation_stage("mini", 2025, data_root=str(data_root))
    final = load_report_context("mini", 2025, data_root=str(data_root))
    assert document_file_name(final) == "示例县教育发展规划（2021—2025年）终期评估报告.docx"
    doc = compose_report(final)
    assert doc.subtitle == "终期评估报告" and "中期评估" not in doc.text()
    english = load_report_context("mini", 2023, lang="en", data_root=str(data_root))
    assert document_file_name(english) == (
        "Example County Education Plan (2021–2025) - Mid-term evaluation report.en.docx")
    from analysis.evaluate.note import method_note

    # the English report is in English; the method note quotes the plan's terms on purpose
    text = compose_report(english).text().replace(method_note(english.rule, "en"), "")
    assert "Overall assessment" in text
    assert not re.search(r"[\u4e00-\u9fff]{4,}", text.replace("逐年只增不减", ""))


def test_the_print_page_prints(written, tmp_path):
    """Headless Chromium prints report.html to A4 (skipped where the machine has no browser)."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine: the print check needs one")
    _, html_path = written
    pdf = tmp_path / "report.pdf"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html_path.as_uri()],
                   check=True, capture_output=True, timeout=120)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 3 <= pages <= 40, pages  # the small fixture plan: a few pages, none near-empty
