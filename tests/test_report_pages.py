"""The chapter and summary pages as a reader sees them (issue 12, the report a bureau submits).

Written for readers (no identifiers, method codes, file paths of computed values or check
codes in the Chinese text; whole persons; one message per figure), readable on a PC without
Chinese fonts (the page embeds the subset of the CJK font its characters need), linked to each
other, printable on A4, and in English when asked.

Fast tests use the fixture plan of tests/test_report.py (``build_root`` / ``context``); the
tests marked with the ``kaiping`` fixture run the real pipeline once on a copy of the Kaiping
plan in a temporary folder, and the print check runs headless Chromium where there is one.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from test_report import build_root, context, text_of

from analysis import report
from analysis.report import fonts
from analysis.report.render import render_notebook_html

PROJECT = Path(__file__).resolve().parent.parent

IDENTIFIER = re.compile(
    r"\b[a-z]+_[a-z]+\w*\b"                       # ids: share_range, logit_trend, enrolment_public
    r"|\b(?:naive|drift|cohort|linear|damped|combined|derived)\b"  # method codes, 'derived'
    r"|MAPE|\bh=\d|\.md\b|\bline \d+, field \d+")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    return build_root(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def plotting_ready():
    report.setup_plotting()


def chapter_page(ctx) -> list[str]:
    """The sections a chapter page shows, in the order of notebooks/04_chapter_report."""
    return [report.page_header(ctx), report.overall_section(ctx), report.indicators_section(ctx),
            report.tasks_section(ctx), report.problems_section(ctx), report.outlook_section(ctx),
            report.method_note(ctx)]


def summary_page(ctx) -> list[str]:
    """The sections of the summary page, in the order of notebooks/05_summary."""
    return [report.page_header(ctx, summary=True), report.summary_overall_section(ctx),
            report.heatmap_section(ctx), report.chapter_links_section(ctx),
            report.problems_section(ctx, whole_plan=True), report.metadata_section(ctx),
            report.method_note(ctx)]


def render(outputs: list[str], path: Path, *, lang: str = "zh") -> str:
    """Render section HTML as an executed notebook would show it (one output per cell)."""
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(f'lang = "{lang}"')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells.append(parameters)
    for fragment in outputs:
        cell = nbformat.v4.new_code_cell("display(HTML(...))")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": fragment})]
        notebook.cells.append(cell)
    executed = path.with_suffix(".ipynb")
    nbformat.write(notebook, executed)
    return render_notebook_html(executed, path, title="page").read_text(encoding="utf-8")


def visible_text(page: str) -> str:
    """What a reader reads: the text outside style, scripts, tags and embedded images."""
    page = re.sub(r"<(style|script)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def identifiers(text: str) -> list[str]:
    return sorted(set(IDENTIFIER.findall(text)))


# --------------------------------------------------------------------------- written for readers


def test_chinese_fixture_pages_name_no_identifier(data_root, plotting_ready):
    for chapter in (1, 2, 3, 4, None):
        ctx = context(data_root, chapter)
        page = "".join(summary_page(ctx) if chapter is None else chapter_page(ctx))
        text = visible_text(page)
        # the fixture's own data: a target named with markup (escaped) is not an identifier
        assert identifiers(text) == [], (chapter, identifiers(text))


def test_projection_methods_and_error_are_in_words(data_root, plotting_ready):
    ctx = context(data_root, 2)
    text = text_of(report.outlook_section(ctx))
    assert "线性趋势外推" in text and "linear" not in text
    # back-test error 1.2 % at horizon 2, in words
    assert "回测平均误差1.2%（提前2年预测）" in text
    assert "MAPE" not in text and "h=2" not in text
    english = text_of(report.outlook_section(context(data_root, 2, lang="en")))
    assert "Linear trend" in english and "mean back-test error 1.2% (2 years ahead)" in english


def test_each_qa_check_and_method_has_a_name_in_both_languages():
    from analysis.clean import checks
    from analysis.report.i18n import has, t
    from analysis.report.outlook import method_label
    from analysis.report.problems import check_label

    codes = set(re.findall(r'finding\(\s*"(\w+)"', Path(checks.__file__).read_text("utf-8")))
    assert {"share_range", "yoy_jump", "baseline", "parts_total"} <= codes
    for code in codes:
        assert has(f"check.{code}"), code
        assert CJK.search(t(f"check.{code}", "zh")) and not CJK.search(t(f"check.{code}", "en"))
    assert check_label("made_up", "zh") == "其他检查"
    for code in ("naive", "drift", "linear", "damped", "logit_trend", "cohort", "combined"):
        assert has(f"method.{code}"), code
    assert method_label("logit_trend", "zh") == "比例趋势外推"
    assert method_label("cohort", "zh") == "队列法"
    assert method_label("made_up", "en") == "Other method"


def test_qa_findings_in_words_with_readable_locations(data_root, plotting_ready):
    ctx = context(data_root, 2)
    qa = ctx.tables["qa_issues"]
    extra = pd.DataFrame([
        {"check": "baseline", "severity": "warning", "year": 2020, "level": "preschool",
         "indicator": "schools", "message": "returns give 99 but the plan quotes 100",
         "message_zh": "统计报表为99，规划文本为100", "source_file": "derived",
         "source_sheet": "", "source_cell": "(schools_public+schools_other)/schools"},
        {"check": "share_range", "severity": "warning", "year": 2021, "level": "preschool",
         "indicator": "share_enrolment_public", "message": "share_enrolment_public = 105%",
         "message_zh": "公办园幼儿占比为105%", "source_file": "returns/2021/主要指标.csv",
         "source_sheet": "", "source_cell": "line 6, field 2"},
    ])
    ctx.tables["qa_issues"] = pd.concat([qa, extra], ignore_index=True)
    text = text_of(report.problems_section(ctx))
    assert "年度变动异常" in text and "与规划所引数据不符" in text and "比例超出范围" in text
    assert "由统计报表数据计算" in text and "schools_public" not in text
    assert "returns/2021/主要指标.csv / 第6行第2列" in text
    assert "returns/2023.xlsx / 学前 / C7" in text  # a cell of a workbook, as it is
    assert identifiers(text) == []
    english = context(data_root, 2, lang="en")
    english.tables["qa_issues"] = ctx.tables["qa_issues"]
    text = text_of(report.problems_section(english))
    # the checks' English message, the id in it named
    assert "Share of children in public kindergartens = 105%" in text
    assert "calculated from the statistical returns" in text and "line 6, field 2" in text
    assert not CJK.search(text.split("Data quality findings")[1].split("Inconsistencies")[0]
                          .replace("returns/2021/主要指标.csv", "").replace("学前", ""))


def test_each_finding_once_per_document(data_root, plotting_ready):
    """A chapter page lists its own indicators' findings; the summary lists them all."""
    ctx = context(data_root, 2)
    qa = ctx.tables["qa_issues"]
    orphan = pd.DataFrame([{
        "check": "parts_total", "severity": "warning", "year": 2021, "level": "primary",
        "indicator": "teachers_fulltime", "message": "parts 3011 but total 3012",
        "message_zh": "分项合计为3011，但专任教师数为3012", "source_file": "returns/2021.xlsx",
        "source_sheet": "教师", "source_cell": "H4"}])
    tables = pd.concat([qa, orphan], ignore_index=True)
    pages = {}
    for chapter in (1, 2, 3, 4, None):
        page_ctx = context(data_root, chapter)
        page_ctx.tables["qa_issues"] = tables
        pages[chapter] = text_of(report.problems_section(page_ctx, whole_plan=chapter is None))
    assert "公办园幼儿占比比上年变化异常" in pages[2]  # chapter 2 has the public-share target
    assert "专任教师数为3012" not in pages[2]  # no target of chapter 2 on full-time teachers
    for chapter in (1, 3, 4):
        assert "公办园幼儿占比比上年变化异常" not in pages[chapter], chapter
    assert "公办园幼儿占比比上年变化异常" in pages[None] and "专任教师数为3012" in pages[None]
    assert "数据质量检查未发现需要关注的问题" in pages[1]  # chapter 1 has no targets


def test_band_and_metadata_are_written_for_readers(data_root, plotting_ready):
    ctx = context(data_root, None)
    text = text_of(report.metadata_section(ctx))
    assert "5个百分点" in text and "0.05" not in text
    assert "(mini)" not in text and " mini" not in text
    english = text_of(report.metadata_section(context(data_root, None, lang="en")))
    assert "5 percentage points" in english


def test_persons_are_whole_numbers_and_teacher_rows_add_up(data_root, plotting_ready):
    ctx = context(data_root, 2)
    ctx.models["teacher_balance"] = pd.DataFrame({
        "level": ["primary"] * 2, "year": [2024, 2025], "enrolment": [40000.4, 40500.6],
        "demand": [2105.4, 50.6], "supply_continuing": [2050.2, 46.5],
        "hires_needed": [55.2, 4.1], "gap": [55.2, 4.1]})
    section = report.outlook_section(ctx)
    table = re.search(r'<table class="pe-table pe-teachers">(.*?)</table>', section, re.S).group(1)
    cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    # level, year, enrolment, demand, continuing, hires, gap, hires 2024–2025
    assert cells == ["小学教育", "2025", "40,501", "51", "47", "4", "4", "59"]
    assert not re.search(r"\d\.\d", text_of(table))
    assert "共需补充专任教师约59人" in text_of(section)


def test_every_figure_has_a_caption_saying_its_message(data_root, plotting_ready):
    for chapter in (1, 2, 3, 4, None):
        ctx = context(data_root, chapter)
        page = "".join(summary_page(ctx) if chapter is None else chapter_page(ctx))
        figures = re.findall(r'<figure class="pe-figure">(.*?)</figure>', page, re.S)
        assert figures or chapter == 3, chapter
        for figure in figures:
            caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S)
            assert caption, (chapter, figure[-200:])
            sentence = html.unescape(caption.group(1))
            assert re.search(r"[。.]", sentence) and len(sentence) > 10, sentence
    ctx = context(data_root, 2)
    text = text_of(report.overall_section(ctx))
    # 4 targets on the chart (no progress for junior enrolment, no actual, nor for the primary
    # enrolment rate, met at baseline), 1 of them behind
    assert "图中4项目标，3项达到或超过应达进度，1项落后于应达进度：公办园幼儿占比。" in text


# --------------------------------------------------------------------------- English


def test_english_values_and_rules():
    from analysis.report.plan_labels import english_quantities, english_value

    assert english_value("5.6万") == "56,000"
    assert english_value("98%以上") == "≥98%"
    assert english_value("5500人左右") == "≈5,500"
    assert english_value("全覆盖") == "full coverage"
    assert english_value("逐年只增不减") == "no decrease year on year"
    assert english_value("12.48亿元") == "12.48 × 100 million yuan"
    assert english_value("第三章 二（一）") is None
    text = english_quantities("two targets: 5300 (第二章 表 第15行) and 5500人左右; 50%以上")
    assert text == "two targets: 5300 (第二章 表 第15行) and ≈5,500; ≥50%"


def test_english_pages_print_targets_and_rules_in_english(data_root, plotting_ready):
    ctx = context(data_root, 4, lang="en")
    text = visible_text("".join(chapter_page(ctx)[:-1]))  # the method note quotes the term
    assert "逐年只增不减" not in text and "no decrease year on year" in text
    assert not CJK.search(text_of(report.page_header(ctx)))  # navigation included


# --------------------------------------------------------------------------- navigation


def test_pages_link_each_other_and_the_other_language(data_root, plotting_ready):
    header = report.page_header(context(data_root, 2))
    nav = re.search(r'<nav class="pe-nav"[^>]*>(.*?)</nav>', header, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', nav)
    assert links[0] == "index.html"  # back to the summary first
    assert {"chapter_1.html", "chapter_3.html", "chapter_4.html", "report.html",
            "chapter_2.en.html"} <= set(links)
    assert "chapter_2.html" not in links and 'aria-current="page">第2章<' in nav
    summary = report.page_header(context(data_root, None), summary=True)
    links = re.findall(r'href="([^"]+)"', summary)
    assert "index.html" not in links and "index.en.html" in links
    assert {f"chapter_{n}.html" for n in (1, 2, 3, 4)} <= set(links)
    english = report.page_header(context(data_root, 3, lang="en"))
    links = re.findall(r'href="([^"]+)"', english)
    assert "index.en.html" in links and "chapter_3.html" in links and "report.en.html" in links
    table = report.chapter_links_section(context(data_root, None))
    assert 'href="chapter_2.html">第二章' in table  # the chapter's name is the link


# --------------------------------------------------------------------------- the rendered page


def test_rendered_page_embeds_the_font_for_every_character(data_root, plotting_ready, tmp_path):
    ctx = context(data_root, 2)
    page = render(chapter_page(ctx), tmp_path / "chapter_2.html")
    assert re.search(r'@font-face \{ font-family: "Noto Sans CJK SC";', page)
    assert re.search(r"url\(data:font/woff2?;base64,", page)
    assert "<link" not in page and "<script" not in page.replace("&lt;script", "")
    assert not re.search(r"url\((?!data:)", page)  # nothing fetched from elsewhere
    shown = {ch for ch in fonts.page_characters(page) if fonts.is_cjk(ch)}
    assert len(shown) > 100
    covered = fonts.embedded_characters(page)
    assert shown <= covered, sorted(shown - covered)[:20]
    assert len(covered) < len(fonts.page_characters(page)) + 10  # a subset, not the whole font
    # the subset is cached: the same characters cost no second build
    fonts._subset.cache_clear()
    first = fonts.subset_font("开平市")
    assert fonts.subset_font("市平开") == first
    assert fonts._subset.cache_info().hits == 1


def test_page_of_a_chapter_without_targets_shows_only_what_it_has(data_root, plotting_ready,
                                                                  tmp_path):
    ctx = context(data_root, 1)
    assert not len(ctx.chapter_rows())
    page = render(chapter_page(ctx), tmp_path / "chapter_1.html")
    text = visible_text(page)
    for empty in ("总体进展", "主要指标完成情况", "存在的问题", "后半程预判与建议", "本章无量化目标"):
        assert empty not in text, empty
    assert "一、基期数据核对与“十三五”回顾" in text  # numbered again from 一
    assert "三、" not in text and "四、" not in text
    assert "本章没有量化目标，不评定等级" in text
    assert "2020年基期数据核对" in text and "附：评估方法说明" in text
    english = visible_text(render(chapter_page(context(data_root, 1, lang="en")),
                                  tmp_path / "chapter_1.en.html", lang="en"))
    assert "1. Baseline check" in english and "Overall progress" not in english
    # a chapter with targets keeps every section, even one saying nothing is behind
    full = visible_text(render(chapter_page(context(data_root, 2)), tmp_path / "c2.html"))
    for heading in ("一、总体进展", "二、主要指标完成情况", "三、重点任务进展", "四、存在的问题",
                    "五、后半程预判与建议"):
        assert heading in full


def test_tables_have_column_classes_for_narrow_screens_and_print(data_root, plotting_ready):
    section = report.indicators_section(context(data_root, 2))
    header = re.search(r"<thead>(.*?)</thead>", section, re.S).group(1)
    assert '<th class="pe-c-name">' in header and '<th class="pe-c-grade">' in header
    assert "pe-narrow-hide" in header and "pe-tiny-hide" in header
    assert 'class="pe-table-wrap"' in section
    grade = re.search(r'<th class="pe-c-grade">', header)
    assert grade and "pe-narrow-hide" not in header[grade.start():grade.start() + 40]
    from analysis.report.page import REPORT_CSS as css

    assert "@media screen and (max-width: 480px)" in css and ".pe-tiny-hide { display: none; }" in css
    assert "@media print" in css and "break-after: avoid" in css
    print_css = css.split("@media print")[1]
    assert ".pe-indicators .pe-c-name { width: 22%; }" in print_css
    assert ".pe-table tr" in print_css and "break-inside: avoid" in print_css


# --------------------------------------------------------------------------- the real plan


@pytest.fixture(scope="module")
def kaiping(tmp_path_factory) -> Path:
    """The Kaiping reports (Chinese and English, 2023) rendered from a copy of the plan."""
    root = tmp_path_factory.mktemp("kaiping_pages")
    shutil.copytree(PROJECT / "data" / "raw" / "kaiping", root / "data" / "raw" / "kaiping")
    for lang in ("zh", "en"):
        run = subprocess.run(
            [sys.executable, "-m", "analysis", "--data-root", str(root / "data"),
             "--reports-root", str(root / "reports"), "run", "--plan", "kaiping",
             "--eval-year", "2023", "--lang", lang],
            capture_output=True, text=True, timeout=900, cwd=root)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root / "reports" / "kaiping" / "2023"


def kaiping_pages(folder: Path, lang: str) -> dict[str, str]:
    suffix = "" if lang == "zh" else ".en"
    names = ["index"] + [f"chapter_{n}" for n in (1, 2, 3, 4)]
    return {name: (folder / f"{name}{suffix}.html").read_text(encoding="utf-8") for name in names}


def test_kaiping_chinese_pages_name_no_identifier(kaiping):
    for name, page in kaiping_pages(kaiping, "zh").items():
        text = visible_text(page)
        assert identifiers(text) == [], (name, identifiers(text))
        assert "容差 0.05" not in text and "kaiping" not in text


def test_kaiping_pages_embed_their_font_and_link_each_other(kaiping):
    for lang in ("zh", "en"):
        suffix = "" if lang == "zh" else ".en"
        for name, page in kaiping_pages(kaiping, lang).items():
            shown = {ch for ch in fonts.page_characters(page) if fonts.is_cjk(ch)}
            assert shown <= fonts.embedded_characters(page), (name, lang)
            nav = re.search(r'<nav\b[^>]*\bclass="pe-nav".*?</nav>', page, re.S)
            assert nav, (name, lang)
            links = set(re.findall(r'href="([^"]+)"', nav.group(0)))
            if name != "index":
                assert f"index{suffix}.html" in links, name
            other = name + ("" if lang == "en" else ".en")
            assert f"{other}.html" in links, (name, lang)
            for target in links & {f"chapter_{n}{suffix}.html" for n in (1, 2, 3, 4)}:
                assert (kaiping / target).is_file()


def test_kaiping_chapter_1_has_no_empty_skeleton(kaiping):
    text = visible_text(kaiping_pages(kaiping, "zh")["chapter_1"])
    assert "本章无量化目标" not in text and "四、存在的问题" not in text
    assert "一、基期数据核对" in text


def test_kaiping_persons_are_whole_numbers(kaiping):
    page = kaiping_pages(kaiping, "zh")["chapter_2"]
    table = re.search(r'<table class="pe-table pe-teachers">(.*?)</table>', page, re.S).group(1)
    rows = [[text_of(c).strip().replace(",", "") for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    rows = [row for row in rows if row]  # the header row has no <td>
    assert rows
    for row in rows:
        numbers = [int(value) for value in row[2:]]  # whole numbers, or int() fails
        _enrolment, demand, supply, hires, gap, _total = numbers
        assert gap == demand - supply and hires == max(gap, 0), row


def test_kaiping_english_pages(kaiping):
    pages = {name: re.sub(r'<section class="[^"]*pe-method.*?</section>', "", page, flags=re.S)
             for name, page in kaiping_pages(kaiping, "en").items()}  # the note quotes terms
    chapter_2, chapter_4 = visible_text(pages["chapter_2"]), visible_text(pages["chapter_4"])
    assert "5.6万" not in chapter_2 and "56,000" in chapter_2
    assert "full coverage" in chapter_2 and "全覆盖" not in chapter_2
    assert "逐年只增不减" not in chapter_4 and "no decrease year on year" in chapter_4
    assert "Share out of range" in chapter_2 and "gross_enrolment_rate" not in chapter_2
    assert all('<html lang="en">' in page for page in pages.values())
    assert "1. Baseline check" in visible_text(pages["chapter_1"])  # numbered again


def _chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


def _pdf_pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def test_kaiping_pages_print_on_a4(kaiping, tmp_path):
    """Headless Chromium prints every page to PDF (A4, from the page's own CSS); the page
    counts stay within bounds measured when the print style was written."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine: install it (apt-get install chromium) to "
                    "check printing")
    limits = {"index": 9, "chapter_1": 6, "chapter_2": 10, "chapter_3": 15, "chapter_4": 6}
    counts = {}
    for name in limits:
        pdf = tmp_path / f"{name}.pdf"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                        str(kaiping / f"{name}.html")], capture_output=True, timeout=180)
        assert pdf.is_file(), name
        counts[name] = _pdf_pages(pdf)
    assert all(1 <= counts[name] <= limit for name, limit in limits.items()), counts


def test_a_page_is_what_its_notebook_displays_and_nothing_of_the_code():
    """The page body (analysis.report.render.notebook_body): a markdown cell rendered, each
    output in its richest format, the code, stderr and hidden cells left out."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from analysis.report.render import notebook_body

    cells = [
        new_markdown_cell("## 说明\n\n本页**示意**。"),
        new_code_cell("secret_code()", outputs=[
            new_output("display_data", data={"text/html": "<p class='x'>表</p>",
                                             "text/plain": "<IPython.core.display.HTML>"}),
            new_output("stream", name="stderr", text="a warning\n"),
            new_output("stream", name="stdout", text="1 < 2\n"),
            new_output("execute_result", data={"image/png": "iVBORw0KGgo=\n"},
                       execution_count=1),
            new_output("execute_result", data={"text/plain": "plain & simple"},
                       execution_count=2)]),
        new_code_cell("hidden()", metadata={"tags": ["report-hide"]}, outputs=[
            new_output("stream", name="stdout", text="inspection table\n")]),
    ]
    body = notebook_body(nbformat.from_dict(new_notebook(cells=cells)))
    assert body.split("\n") == [
        '<div class="pe-markdown"><h2>说明</h2>', "<p>本页<strong>示意</strong>。</p>", "</div>",
        "<p class='x'>表</p>",
        "<pre>1 &lt; 2", "</pre>",
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt=""/>',
        "<pre>plain &amp; simple</pre>",
    ]
    assert "secret_code" not in body and "a warning" not in body and "inspection" not in body
