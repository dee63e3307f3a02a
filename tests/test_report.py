"""Report fragments and rendered reports for the small fixture plan ``tests/fixtures/mini_plan``.

Expected grades are worked out by hand from the fixture and the status rule (time progress
τ = (2023 − 2020) / (2025 − 2020) = 0.6, band 0.05):

* kindergartens 100 → 109, target 110, plan's mid-term 106: p = 9/10 = 0.9, expected
  e = (106 − 100)/(110 − 100) = 0.6, p ≥ e + 0.05 → ahead;
* public share 40 % → 43 %, target 50 %, mid-term 45 %: p = 0.3 < e − 0.05 = 0.45 → lagging;
* primary enrolment rate 100 % held at 100 % (met at baseline) → on track;
* primary bachelor share 70 % → 80 % = target → achieved;
* junior bachelor share 90 % → 92.85 %, target 95 %, mid-term 93 %: p = 0.57 ≥ 0.55 → on track;
* junior enrolment: no return → no data;
* chapter 4: expenditure 100000, 110000, 105000, 120000 breaks 逐年只增不减 in 2022 → lagging;
  per-pupil 10000…11500 rises every year → on track; charters done in 2022 → done.

Chapter 2 thus has 6 targets: 5 gradable, 4 at or beyond expected progress (met), 1 behind,
1 ungraded (no actual) — 4/5 ≥ half: "时间过半、任务过半". The whole plan has 12 targets: met 8
(chapter 2's four, the per-pupil rule, fitness, the P1 bases in progress, charters done),
behind 2 (public share, expenditure rule), ungraded 2 (junior enrolment, no actual; the
kindergarten charter, no record): 8 + 2 + 2 = 12.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import report
from analysis.core.io import write_tables

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini_plan"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TEXT_COLUMNS = {
    "key", "parent_key", "kind", "section", "task", "level", "indicator", "name_zh", "name_en",
    "attribute", "measure", "direction", "unit", "midterm_comparator", "final_comparator",
    "rule", "baseline_text", "midterm_text", "final_text", "source", "target_key", "date",
    "status", "note", "check", "severity", "message", "source_file", "source_sheet",
    "source_cell", "message_zh", "message_en", "keys", "values", "method", "method_used",
    "reason", "comparator", "plan",
}


def _load(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in TEXT_COLUMNS:
            frame[column] = frame[column].replace("", pd.NA)
        elif column in ("derived", "observed"):
            frame[column] = frame[column] == "True"
        else:
            frame[column] = pd.to_numeric(frame[column].replace("", pd.NA))
    return frame


def build_root(root: Path) -> Path:
    """A data root with raw/mini/plan.yaml, processed/mini tables and models/2023."""
    (root / "raw" / "mini").mkdir(parents=True)
    shutil.copy(FIXTURE / "plan.yaml", root / "raw" / "mini" / "plan.yaml")
    write_tables(root / "processed" / "mini",
                 {p.stem: _load(p) for p in (FIXTURE / "processed").glob("*.csv")})
    write_tables(root / "processed" / "mini" / "models" / "2023",
                 {p.stem: _load(p) for p in (FIXTURE / "models" / "2023").glob("*.csv")})
    return root


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    return build_root(tmp_path_factory.mktemp("mini_data"))


@pytest.fixture(scope="module")
def plotting_ready():
    from analysis.figures.charts import setup_plotting

    setup_plotting()


def context(data_root: Path, chapter: int | None, *, lang: str = "zh", year: int = 2023,
            band: float = 0.05):
    """The report context after the evaluation stage graded ``year`` with ``band``."""
    from analysis.evaluate.stage import run_evaluation_stage

    run_evaluation_stage("mini", year, band=band, data_root=str(data_root))
    return report.load_report_context("mini", year, lang=lang, data_root=str(data_root),
                                      chapter=chapter)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment (tags and embedded images removed)."""
    fragment = re.sub(r"<style>.*?</style>", "", fragment, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_chapter_2_grades_match_hand_calculation(data_root):
    ctx = context(data_root, 2)
    grades = dict(zip(ctx.chapter_rows()["key"], ctx.chapter_rows()["grade"], strict=True))
    assert grades == {
        "t2.kg.schools": "ahead", "t2.kg.share_public": "lagging",
        "t2.primary.enrolment_rate": "on_track", "t2.primary.bachelor": "achieved",
        "t2.junior.bachelor": "on_track", "t2.junior.enrolment": "no_data",
    }
    assert report.tally_text(ctx.chapter_rows()).startswith(
        "achieved=1 ahead=1 on_track=2 lagging=1 overdue=0 as_planned=0 above_plan=0 "
        "below_plan=0 no_data=1")


def test_headline_counts_add_up_and_name_every_target():
    from analysis.evaluate.rule import StatusRule

    frame = pd.DataFrame({
        "key": list("abcdefgh"), "name_zh": list("ABCDEFGH"), "name_en": list("ABCDEFGH"),
        "level": ["all"] * 8, "is_final": [False] * 8,
        "attribute": ["预期性", "预期性", "预期性", "约束性", "预期性", "预期性", "预期性", "预期性"],
        "wording": [""] * 8,
        "grade": ["achieved", "on_track", "lagging", "overdue", "above_plan", "no_data",
                  "no_record", "in_progress"],
        "reason": ["", "", "", "", "", "no_actual", "no_log", ""],
    })
    rule = StatusRule(base_year=2020, midterm_year=2023, target_year=2025, eval_year=2023)
    text = report.headline_text(frame, rule, "zh")
    # 8 targets: met 3 (a, b, h), behind 2 (c, d), deviating 1 (e), ungraded 2 (f, g);
    # gradable 6, met 3/6 = half → on schedule
    assert "本章共8项目标，其中可评估6项" in text
    assert "达到或超过预期进度3项、滞后于预期进度或未按期完成2项、规模偏离规划预期1项" in text
    assert "另有2项暂无法评估（缺少实际数据1项、缺少进展记录1项）" in text
    assert text.endswith("总体实现“时间过半、任务过半”。")
    lines = report.headline_lists(frame, rule, "zh")
    # the binding overdue target d is listed before the lagging c
    assert lines[1].startswith("滞后于预期进度或未按期完成（2项）：D（全市合计，未按期完成）、C")
    behind = frame.assign(grade=["achieved", "lagging", "lagging", "overdue", "above_plan",
                                 "no_data", "no_record", "lagging"])
    assert "尚未实现“时间过半、任务过半”" in report.headline_text(behind, rule, "zh")  # 1/6
    final = StatusRule(base_year=2020, midterm_year=2023, target_year=2025, eval_year=2025)
    assert report.headline_text(frame, final, "zh").startswith("规划期满。")
    assert "已完成或基本完成3项" in report.headline_text(frame, final, "zh")
    english = report.headline_text(frame, rule, "en")
    assert "6 of them gradable" in english and ". 2 more cannot be graded" in english


def test_chapter_2_sections_in_chinese(data_root, plotting_ready):
    ctx = context(data_root, 2)
    page = "".join([report.page_header(ctx), report.overall_section(ctx),
                    report.indicators_section(ctx), report.tasks_section(ctx),
                    report.problems_section(ctx), report.outlook_section(ctx),
                    report.method_note(ctx)])
    text = text_of(page)
    for heading in ("一、总体进展", "二、主要指标完成情况", "三、重点任务进展", "四、存在的问题",
                    "五、后半程预判与建议"):
        assert heading in text
    assert "中期评估" in text
    assert "示意数据" in text  # illustrative-data banner
    assert "本章共6项目标，其中可评估5项：达到或超过预期进度4项、滞后于预期进度或未按期完成1项" in text
    assert "另有1项暂无法评估（缺少实际数据1项）" in text and "总体实现“时间过半、任务过半”" in text
    # the lagging item cites the expected progress its grade used (50 %), not τ alone
    assert "完成进度30%，低于预期进度50%（时间进度60%）" in text
    # the table row of the kindergartens: baseline, mid-term, actual (year), the final target
    # exactly as the plan printed it (110, not ≥110), p / e
    assert re.search(r"幼儿园总数（所） .*100 .*106 .*109（2023年） 110 90% / 60% 快于预期", text)
    assert "43%（2023年）" in text and "30% / 50%" in text and "滞后" in text
    assert "92.85%" in text
    # QA finding with its file / sheet / cell; the plan inconsistency
    assert "returns/2023.xlsx / 学前 / C7" in text
    assert "幼儿园总数中期值与终期值的增长节奏不一致" in text
    # teacher hires: 55 + 52 primary hires in 2024–2025
    assert "107" in text
    assert page.count("data:image/png;base64,") >= 3  # progress chart, two fans, teachers


def test_data_strings_are_escaped(data_root, plotting_ready):
    ctx = context(data_root, 2)
    page = report.indicators_section(ctx) + report.problems_section(ctx)
    assert "<script>" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x&gt;" in page
    en = report.indicators_section(context(data_root, 2, lang="en"))
    assert "<b>bold</b>" not in en and "&lt;b&gt;bold&lt;/b&gt;" in en


def test_english_report(data_root, plotting_ready):
    ctx = context(data_root, 2, lang="en")
    text = text_of(report.page_header(ctx) + report.overall_section(ctx)
                   + report.indicators_section(ctx))
    assert "1. Overall progress" in text and "2. Main indicators" in text
    assert "Mid-term evaluation" in text and "Illustrative data" in text
    assert "Ahead of schedule" in text and "Lagging" in text and "Kindergartens" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("约束性", ""))


def test_chapter_1_reconciles_baseline_and_shows_series_and_births(data_root, plotting_ready):
    ctx = context(data_root, 1)
    text = text_of(report.tasks_section(ctx))
    assert "三、基期数据核对与“十三五”回顾" in text
    # plan says 70 % in 2020, the return says 69 %: differs by 1 point; kindergartens 100 = 100
    assert re.search(r"小学专任教师本科学历比例 .*70% .*69% .*-1个百分点 .*不一致", text)
    assert re.search(r"幼儿园总数（所） .*100 .*100 .*0 .*一致", text)
    for value in ("87.82%", "88.1%", "91.26%", "93.73%", "93.81%"):
        assert value in text  # the 2016–2020 series
    # births 8000 (2019) → 6100 (2023): 6100 / 8000 − 1 = −23.75 %
    assert "8,000" in text and "6,100" in text and "-23.75%" in text


def test_chapter_4_tests_funding_rules_year_by_year(data_root, plotting_ready):
    ctx = context(data_root, 4)
    html_text = report.tasks_section(ctx)
    text = text_of(html_text)
    assert "教育投入“三个只增不减”逐年检验" in text
    assert re.search(r"比上年变化 .*10,000 .*-5,000 .*15,000", text)
    assert re.search(r"是否满足 — 满足 未满足 满足", text)
    assert "2022年底前" in text and "已完成" in text  # governance deadline met
    table = report.rule_years(ctx.tables["indicators"], "education_expenditure", "all", 2020, 2023)
    assert table["met"].tolist()[1:] == [True, False, True]


def test_chapter_3_by_key_task_and_special_project(data_root, plotting_ready):
    ctx = context(data_root, 3)
    text = text_of(report.tasks_section(ctx))
    assert "重点任务" in text and "专项工程" in text
    assert "3.1 落实立德树人根本任务" in text and "P1 劳动教育实践基地工程" in text
    assert "推进中" in text and "第二个基地挂牌" in text  # milestone log
    assert "无记录" in text


def test_final_evaluation_wording(data_root, plotting_ready):
    ctx = context(data_root, 2, year=2025)
    text = text_of(report.page_header(ctx) + report.overall_section(ctx)
                   + report.outlook_section(ctx))
    assert "终期评估" in text and "中期评估" not in text
    assert "五、完成情况总结与建议" in text
    assert "规划期满" in text


def test_annual_review_wording(data_root):
    ctx = context(data_root, 2, year=2022)
    assert report.eval_kind(ctx) == "2022年度进展评估"


@pytest.mark.parametrize("bad", [{"lang": "fr"}, {"chapter": 9}, {"eval_year": 2024}])
def test_bad_report_parameters_are_refused(data_root, bad):
    """A report refuses a language or chapter it cannot show, and a year not yet evaluated."""
    from analysis.core.errors import AnalysisError
    from analysis.evaluate.stage import run_evaluation_stage

    run_evaluation_stage("mini", 2023, band=0.05, data_root=str(data_root))
    args = {"eval_year": 2023, "lang": "zh", "chapter": 2} | bad
    year = args.pop("eval_year")
    with pytest.raises(AnalysisError):
        report.load_report_context("mini", year, data_root=str(data_root), **args)


@pytest.mark.parametrize("bad", [{"eval_year": 2020}, {"eval_year": 2026}, {"band": 0.7},
                                 {"band": 0.5}, {"band": -0.01}])
def test_bad_evaluation_parameters_are_refused(data_root, bad):
    from analysis.core.errors import AnalysisError
    from analysis.evaluate.stage import run_evaluation_stage

    args = {"eval_year": 2023, "band": 0.05} | bad
    with pytest.raises(AnalysisError):
        run_evaluation_stage("mini", args["eval_year"], band=args["band"],
                             data_root=str(data_root))


def test_summary_sections_and_evaluation_csv(data_root, tmp_path, plotting_ready):
    ctx = context(data_root, None)
    page = "".join([report.page_header(ctx, summary=True), report.summary_overall_section(ctx),
                    report.heatmap_section(ctx), report.chapter_links_section(ctx),
                    report.metadata_section(ctx)])
    text = text_of(page)
    assert "总报告" in text and "示意数据" in text
    # whole plan (see the module docstring): 12 targets, 10 gradable, met 8, behind 2
    assert "全规划共12项目标，其中可评估10项：达到或超过预期进度8项、滞后于预期进度或未按期完成2项" in text
    assert "另有2项暂无法评估（缺少实际数据1项、缺少进展记录1项）" in text
    for n in (1, 2, 3, 4):
        assert f'href="chapter_{n}.html"' in page
    english_links = report.chapter_links_section(context(data_root, None, lang="en"))
    assert 'href="chapter_2.en.html"' in english_links  # the runner's English file names
    from analysis import __version__

    assert ctx.fingerprint[:16] in text and __version__ in text
    from analysis.evaluate.stage import run_evaluation_stage

    run_evaluation_stage("mini", 2023, band=0.05, data_root=str(data_root),
                         publish_to=tmp_path / "published")
    written = pd.read_csv(tmp_path / "published" / "evaluation.csv", encoding="utf-8-sig")
    assert len(written) == 12 and {"key", "grade", "grade_zh"} <= set(written.columns)


def test_rendered_chapter_report(data_root, tmp_path):
    """papermill runs notebook 04 on the fixture; the HTML has no code and embeds figures."""
    import papermill

    from analysis.evaluate.stage import run_evaluation_stage

    run_evaluation_stage("mini", 2023, band=0.05, data_root=str(data_root))
    executed = tmp_path / "chapter_2.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "04_chapter_report.ipynb"), str(executed),
        parameters={"plan": "mini", "chapter": 2, "eval_year": 2023, "lang": "zh",
                    "data_root": str(data_root)},
        kernel_name="python3", progress_bar=False, execution_timeout=120,
    )
    out = report.render_notebook_html(executed, tmp_path / "chapter_2.html", title="第2章")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    assert "<script" not in page.replace("&lt;script", "")  # no scripts, data escaped
    assert "load_report_context" not in page and "NBVAL_CHECK_OUTPUT" not in page
    assert "achieved=1 ahead=1" not in page  # the check cell is hidden
    assert "data:image/png;base64," in page
    text = text_of(page)
    for heading in ("一、总体进展", "二、主要指标完成情况", "三、重点任务进展", "四、存在的问题",
                    "五、后半程预判与建议"):
        assert heading in text
    assert "快于预期" in text and "109（2023年）" in text and "示意数据" in text
    assert "@media print" in page
    assert not list(tmp_path.glob(".chapter_2.html.*"))  # no temporary file left


def test_i18n_labels_are_complete_and_share_placeholders():
    import string

    from analysis.report.i18n import load_labels

    empty_allowed = {"cmp.eq"}
    for key, labels in load_labels().items():
        if key not in empty_allowed:
            assert labels["zh"] and labels["en"], key
        fields = [{f for _, f, _, _ in string.Formatter().parse(labels[lang]) if f}
                  for lang in ("zh", "en")]
        assert fields[0] == fields[1], key


def test_number_formatting():
    assert report.fmt_number(0.5332, "fraction") == "53.32%"
    assert report.fmt_number(0.98, "fraction") == "98%"
    assert report.fmt_number(25857, "persons") == "25,857"
    assert report.fmt_number(12.48, "100m_yuan") == "12.48"
    assert report.fmt_number(None) == "—"
    assert report.fmt_target(0.98, "ge", "fraction", "zh") == "≥98%"
    assert report.fmt_share(0.6) == "60%"
