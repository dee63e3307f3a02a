"""Nothing lost: a failing run keeps the last good reports, marked stale, until a run succeeds.

Fixture notebooks (tests/fixtures/pipeline_notebooks) through the real command line
(``analysis.pipeline.cli.main``), with a plan.yaml the runner reads itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from analysis.core.io import folder_fingerprint
from analysis.pipeline import cli
from analysis.pipeline.stale import STALE_BANNER, mark_stale

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, make_plan  # noqa: E402

PLAN_YAML = ("name_zh: demo\nbase_year: 2020\nmidterm_year: 2023\ntarget_year: 2025\n"
             "chapters: [{number: 1}, {number: 2}, {number: 3}]\n")
ZH, EN = STALE_BANNER["zh"], STALE_BANNER["en"]
PAGES = ("chapter_1.html", "chapter_2.html", "index.html")


def run(tmp: Path, capsys, *extra: str) -> tuple[int, str]:
    argv = ["--data-root", str(tmp / "data"), "--reports-root", str(tmp / "reports"), "run",
            "--plan", "demo", "--chapters", "1,2", "--jobs", "2", "--notebooks", str(FIXTURES),
            *extra]
    try:
        code = cli.main(argv)
    except SystemExit as refused:  # argparse refuses an option
        code = int(refused.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def break_chapter(raw: Path, chapter: int) -> None:
    """Make ``chapter``'s notebook fail; a target changes too, so that the chapter runs."""
    (raw / f"fail_chapter_{chapter}").write_text("")
    targets = raw / "targets.csv"
    targets.write_text(targets.read_text().replace("t2.b,2,teachers,30", "t2.b,2,teachers,35"))


def manifest(report: Path) -> dict:
    return json.loads((report / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def good(tmp_path, capsys):
    """A plan with one good run: its pages, evaluation.csv and executed notebooks."""
    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text(PLAN_YAML, encoding="utf-8")
    code, _ = run(tmp_path, capsys)
    assert code == 0
    report = tmp_path / "reports" / "demo" / "2023"
    pages = {name: (report / name).read_text(encoding="utf-8") for name in PAGES}
    assert not any(ZH in page for page in pages.values())
    assert not (report / "manifest.json").exists()  # nothing stale, nothing written
    return raw, report, pages


def test_a_bad_cell_keeps_every_last_good_report_marked_stale_until_a_good_run(
        good, tmp_path, capsys):
    raw, report, pages = good
    targets = raw / "targets.csv"
    fixed = targets.read_bytes()
    targets.write_bytes(fixed + b'"t9.x,9\n')  # a broken row: the clean stage fails
    before = folder_fingerprint(raw)
    published = (report / "evaluation.csv").read_bytes()

    code, out = run(tmp_path, capsys)
    assert code == 1
    assert folder_fingerprint(raw) == before  # raw files byte-identical
    # every page is still there, with the banner right after <body…> (or at the top)
    for name, page in pages.items():
        kept = (report / name).read_text(encoding="utf-8")
        assert ZH in kept, name
        assert kept.replace(kept[kept.index("<div class=\"pe-stale\""):
                                 kept.index("</div>\n") + len("</div>\n")], "") == page
    assert (report / "evaluation.csv").read_bytes() == published  # kept, listed stale
    assert (report / "notebooks" / "04_chapter_report.chapter_1.ipynb").is_file()
    assert (report / "failed" / "01_clean_returns.ipynb").is_file()
    listed = manifest(report)
    assert listed["stale"] == sorted([
        "chapter_1.html", "chapter_2.html", "evaluation.csv", "index.html",
        "notebooks/01_clean_returns.ipynb", "notebooks/02_trend_models.ipynb",
        "notebooks/03_evaluate.ipynb", "notebooks/04_chapter_report.chapter_1.ipynb",
        "notebooks/04_chapter_report.chapter_2.ipynb", "notebooks/05_summary.ipynb",
        "notebooks/06_evaluation_report.ipynb", "report.html", "demo中期评估报告.docx"])
    assert listed["reasons"]["index.html"] == "blocked: needs demo/2023/evaluate"
    assert listed["reasons"]["notebooks/01_clean_returns.ipynb"].startswith("failed: ")
    stale_line = out.strip().splitlines()[-1]
    assert stale_line.startswith("stale: chapter_1.html, chapter_2.html, demo中期评估报告.docx, "
                                 "evaluation.csv, index.html, report.html, 7 executed "
                                 "notebooks in ")
    assert f"in {report} kept from the last successful run and marked stale" in stale_line

    # a second failing run: still kept, one banner each, the manifest unchanged
    code, _ = run(tmp_path, capsys)
    assert code == 1
    assert all((report / n).read_text(encoding="utf-8").count(ZH) == 1 for n in PAGES)
    assert manifest(report)["stale"] == listed["stale"]

    targets.write_bytes(fixed)
    code, out = run(tmp_path, capsys)
    assert code == 0 and "stale:" not in out
    for name, page in pages.items():
        assert (report / name).read_text(encoding="utf-8") == page  # re-rendered, no banner
    assert manifest(report)["stale"] == []
    assert not (report / "failed" / "01_clean_returns.ipynb").exists()


def test_one_failing_chapter_keeps_its_last_good_page_and_nothing_else_is_marked(
        good, tmp_path, capsys):
    raw, report, pages = good
    break_chapter(raw, 2)
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert ZH in (report / "chapter_2.html").read_text(encoding="utf-8")
    assert (report / "chapter_1.html").read_text(encoding="utf-8") == pages["chapter_1.html"]
    assert (report / "index.html").read_text(encoding="utf-8") == pages["index.html"]
    assert manifest(report)["stale"] == ["chapter_2.html",
                                         "notebooks/04_chapter_report.chapter_2.ipynb"]
    assert "deliberate failure in chapter 2" in manifest(report)["reasons"]["chapter_2.html"]
    assert "stale: chapter_2.html, 1 executed notebook in" in out

    # a run of chapter 1 alone leaves chapter 2 listed (and marked) as stale
    code, _ = run(tmp_path, capsys, "--chapters", "1")
    assert manifest(report)["stale"] == ["chapter_2.html",
                                         "notebooks/04_chapter_report.chapter_2.ipynb"]
    (raw / "fail_chapter_2").unlink()
    code, _ = run(tmp_path, capsys)
    assert code == 0
    assert (report / "chapter_2.html").read_text(encoding="utf-8") == pages["chapter_2.html"]
    assert manifest(report)["stale"] == []


def test_a_refused_band_changes_nothing(good, tmp_path, capsys):
    raw, report, pages = good
    before, reports = folder_fingerprint(raw), folder_fingerprint(report)
    code, out = run(tmp_path, capsys, "--band", "0.7")
    assert code == 2 and "band must lie in [0, 0.5)" in out and out.count("\n") == 1
    assert folder_fingerprint(raw) == before and folder_fingerprint(report) == reports


def test_english_pages_get_the_english_banner(tmp_path, capsys):
    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text(PLAN_YAML, encoding="utf-8")
    assert run(tmp_path, capsys, "--lang", "en")[0] == 0
    break_chapter(raw, 1)
    assert run(tmp_path, capsys, "--lang", "en")[0] == 1
    page = (tmp_path / "reports" / "demo" / "2023" / "chapter_1.en.html").read_text()
    assert EN in page and ZH not in page


def test_the_banner_goes_right_after_body(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<!DOCTYPE html>\n<html><head><title>x</title></head>\n'
                    '<body class="pe-page">\n<main>report</main>\n</body></html>\n')
    assert mark_stale(page, "zh") and mark_stale(page, "zh")  # twice: one banner
    text = page.read_text(encoding="utf-8")
    assert text.count(ZH) == 1
    assert text.index('<body class="pe-page">\n<div class="pe-stale"') > 0
    assert text.index(ZH) < text.index("<main>report</main>")
    assert 'role="alert"' in text
    assert not mark_stale(tmp_path / "missing.html")
