"""The batch runner end to end on tiny fixture notebooks (real papermill, real kernels).

One scenario is run once per module and its results are checked by several tests:
a first run, a no-op re-run, a change to one chapter's target, another no-op, a deleted
report and a hand-edited model output, a new ``band`` for chapter 1, and a ``--force`` run.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest

from analysis.core.errors import AnalysisError
from analysis.pipeline.runner import Notebooks, build_tasks, run_batch

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, make_plan, options  # noqa: E402


def statuses(results) -> dict[str, str]:
    return {r.task_id: r.status for r in results}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    raw = make_plan(tmp / "data")
    seen: dict[str, object] = {"tmp": tmp}
    log = io.StringIO()
    seen["first"] = run_batch(options(tmp), stream=log, tty=False)
    seen["log"] = log.getvalue()
    started = time.perf_counter()
    seen["noop"] = run_batch(options(tmp), stream=io.StringIO(), tty=False)
    seen["noop_seconds"] = time.perf_counter() - started
    targets = raw / "targets.csv"
    targets.write_text(targets.read_text().replace("t2.b,2,teachers,30", "t2.b,2,teachers,35"))
    seen["changed"] = run_batch(options(tmp), stream=io.StringIO())
    seen["noop2"] = run_batch(options(tmp), stream=io.StringIO())
    report = tmp / "reports" / "demo" / "2023"
    (report / "chapter_3.html").unlink()  # a published output deleted
    fit = tmp / "data" / "processed" / "demo" / "models" / "2023" / "fit.json"
    fit.write_text(fit.read_text().replace('"horizon": 5', '"horizon": 6'))  # edited by hand
    seen["tampered"] = run_batch(options(tmp), stream=io.StringIO())
    seen["tampered_fit"] = fit.read_text()
    seen["banded"] = run_batch(options(tmp, chapters=(1,), band=0.1), stream=io.StringIO())
    seen["forced"] = run_batch(options(tmp, chapters=(1,), band=0.1, force=True),
                               stream=io.StringIO())
    return seen


def test_a_run_produces_every_report_and_keeps_the_executed_notebooks(scenario):
    tmp, results = scenario["tmp"], scenario["first"]
    assert statuses(results) == {
        "demo/clean": "ok", "demo/models/2023": "ok", "demo/2023/evaluate": "ok",
        "demo/2023/chapter_1": "ok", "demo/2023/chapter_2": "ok", "demo/2023/chapter_3": "ok", "demo/2023/summary": "ok",
        "demo/2023/document": "ok",
    }
    report = tmp / "reports" / "demo" / "2023"
    for name in ("chapter_1.html", "chapter_2.html", "chapter_3.html", "index.html",
                 "evaluation.csv", "report.html", "Plan demo中期评估报告.docx"):
        assert (report / name).is_file(), name
    kept = sorted(p.name for p in (report / "notebooks").glob("*.ipynb"))
    assert kept == [
        "01_clean_returns.ipynb", "02_trend_models.ipynb", "03_evaluate.ipynb",
        "04_chapter_report.chapter_1.ipynb", "04_chapter_report.chapter_2.ipynb",
        "04_chapter_report.chapter_3.ipynb", "05_summary.ipynb", "06_evaluation_report.ipynb",
    ]
    assert (tmp / "data" / "processed" / "demo" / "models" / "2023" / "fit.json").is_file()
    assert not (report / "failed").exists()


def test_the_executed_notebook_shows_the_parameters_that_ran(scenario):
    tmp = scenario["tmp"]
    executed = tmp / "reports/demo/2023/notebooks/04_chapter_report.chapter_3.ipynb"
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    source = "".join(injected[0]["source"])
    assert "chapter = 3" in source and "eval_year = 2023" in source
    assert f'data_root = "{tmp / "data"}"' in source
    html = (tmp / "reports/demo/2023/chapter_3.html").read_text(encoding="utf-8")
    assert "chapter 3 of demo, 2023, zh, band 0.05" in html
    # (The fixture no longer prints which heavy modules its kernel holds: a warm kernel starts
    # with what the batch's notebooks import, preloaded once by the kernel server, so that list
    # depends on the batch and on timing. What the report code itself imports is checked by
    # test_the_modules_a_report_kernel_imports_leave_statsmodels_to_the_models_stage.)


def test_progress_lines_are_plain_when_not_a_terminal(scenario):
    log = scenario["log"]
    lines = log.splitlines()
    assert "\r" not in log and "\033" not in log
    assert sum(" start " in line for line in lines) == 8
    finished = [line for line in lines if " ok " in line]
    assert len(finished) == 8
    assert finished[-1].startswith("[8/8 ")


def test_a_second_run_skips_everything_within_a_second(scenario):
    assert set(statuses(scenario["noop"]).values()) == {"skipped"}
    assert scenario["noop_seconds"] < 1.0


def test_changing_an_input_file_re_runs_every_task_that_reads_it(scenario):
    """A chapter-2 target changed: every chapter re-runs (chapter 1 may show that target)."""
    assert set(statuses(scenario["changed"]).values()) == {"ok"}
    assert set(statuses(scenario["noop2"]).values()) == {"skipped"}


def test_a_deleted_or_hand_edited_output_is_rebuilt(scenario):
    """chapter_3.html deleted and the models' fit.json edited: those two tasks re-run; the
    models write the same fit.json again, so nothing that reads it re-runs."""
    ran = {task for task, status in statuses(scenario["tampered"]).items() if status != "skipped"}
    assert ran == {"demo/models/2023", "demo/2023/chapter_3"}
    assert set(statuses(scenario["tampered"]).values()) == {"ok", "skipped"}
    assert '"horizon": 5' in scenario["tampered_fit"]
    assert (scenario["tmp"] / "reports" / "demo" / "2023" / "chapter_3.html").is_file()


def test_a_new_parameter_reruns_the_reports_and_force_reruns_everything(scenario):
    assert statuses(scenario["banded"]) == {
        "demo/clean": "skipped", "demo/models/2023": "skipped", "demo/2023/evaluate": "ok",
        "demo/2023/chapter_1": "ok", "demo/2023/summary": "ok", "demo/2023/document": "ok",
    }
    assert set(statuses(scenario["forced"]).values()) == {"ok"}


def test_an_unknown_or_mistyped_parameter_is_refused_before_anything_runs(tmp_path):
    make_plan(tmp_path / "data")
    lean = tmp_path / "nb"
    lean.mkdir()
    for path in FIXTURES.glob("*.ipynb"):  # a chapter notebook that does not declare `band`
        (lean / path.name).write_text(path.read_text(encoding="utf-8").replace(
            'band = 0.05\\n', ""), encoding="utf-8")
    with pytest.raises(AnalysisError, match="unknown parameter 'band'"):
        build_tasks(options(tmp_path, notebooks=Notebooks.in_folder(lean), band=0.1))
    with pytest.raises(AnalysisError, match="parameter 'eval_year' must be int"):
        build_tasks(options(tmp_path, eval_years=("2023",)))
    with pytest.raises(AnalysisError, match="band must be a number"):
        build_tasks(options(tmp_path, band="0.1"))
    with pytest.raises(AnalysisError, match="--lang must be one of zh, en"):
        build_tasks(options(tmp_path, langs=("fr",)))
    with pytest.raises(AnalysisError, match="no chapter 7"):
        build_tasks(options(tmp_path, chapters=(7,)))
    with pytest.raises(AnalysisError, match="known plans: demo"):
        build_tasks(options(tmp_path, plans=("dmeo",)))
    assert not (tmp_path / "data" / "processed").exists()
    assert not (tmp_path / "reports").exists()


def test_english_reports_sit_next_to_the_chinese_ones(tmp_path):
    make_plan(tmp_path / "data")
    tasks = build_tasks(options(tmp_path, langs=("en",), chapters=(2,)))
    html = [Path(t.spec.html_path).name for t in tasks if t.spec.html_path]
    assert html == ["chapter_2.en.html", "index.en.html"]
    executed = [Path(t.spec.executed_path).name for t in tasks]
    assert executed[2:] == ["03_evaluate.ipynb", "04_chapter_report.chapter_2.en.ipynb",
                          "05_summary.en.ipynb", "06_evaluation_report.en.ipynb"]


def test_the_modules_a_report_kernel_imports_leave_statsmodels_to_the_models_stage():
    """Lean report kernels: statsmodels (slow to import) belongs to 02_trend_models only."""
    import subprocess

    probe = ("import sys; from analysis import evaluate, report; import analysis.figures.charts, analysis.report.i18n; "
             "print(sorted(m for m in ('statsmodels', 'scipy', 'analysis.models', 'papermill', "
             "'dask') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_worker_renders_a_page_without_importing_a_plotting_library(tmp_path):
    """The page renderer runs in the pool's workers: embedding the CJK font must not pull in
    matplotlib (0.6 s and 40 MiB per worker) just to find the font file."""
    import subprocess

    import nbformat

    notebook = tmp_path / "page.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 某县评估")]),
                   notebook)
    probe = ("import sys; from pathlib import Path; from analysis.report.render import "
             "render_notebook_html as r; r.prepare(); "
             f"r(Path({str(notebook)!r}), Path({str(tmp_path / 'page.html')!r}), title='x'); "
             "print(sorted(m for m in ('matplotlib', 'mplfonts', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, env={**__import__("os").environ,
                                            "PLAN_EVAL_FONT_CACHE": str(tmp_path / "fonts")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "@font-face" in (tmp_path / "page.html").read_text(encoding="utf-8")


def test_reports_read_the_evaluation_stage_and_the_evaluation_reads_the_models(tmp_path):
    """The graph: clean → models → evaluate → every chapter and the summary (no chapter
    grades anything, so none starts before the evaluation)."""
    make_plan(tmp_path / "data")
    tasks = {t.spec.task_id: t for t in build_tasks(options(tmp_path))}
    assert tasks["demo/2023/evaluate"].depends_on == ["demo/models/2023"]
    for n in (1, 2, 3):
        assert tasks[f"demo/2023/chapter_{n}"].depends_on == ["demo/2023/evaluate"]
    assert tasks["demo/2023/summary"].depends_on == ["demo/2023/evaluate"]
    evaluate = tasks["demo/2023/evaluate"]
    assert evaluate.spec.parameters["publish_to"] == str(tmp_path / "reports" / "demo" / "2023")
    assert tmp_path / "reports" / "demo" / "2023" / "evaluation.csv" in evaluate.outputs


def test_a_deleted_evaluation_csv_is_rebuilt_by_the_next_run(tmp_path):
    make_plan(tmp_path / "data")
    run_batch(options(tmp_path), stream=io.StringIO())
    published = tmp_path / "reports" / "demo" / "2023" / "evaluation.csv"
    published.unlink()
    again = statuses(run_batch(options(tmp_path), stream=io.StringIO()))
    assert again["demo/2023/evaluate"] == "ok" and published.is_file()
    assert again["demo/clean"] == "skipped" and again["demo/models/2023"] == "skipped"


def test_the_worker_preload_imports_papermill_and_leaves_rfc3987_syntax_importable():
    import subprocess

    probe = ("import sys; import analysis.pipeline._worker; "
             "print('papermill' in sys.modules, sys.modules.get('rfc3987_syntax', 0) is None)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_on_a_terminal_one_status_line_is_redrawn_in_place():
    from analysis.pipeline.progress import Progress

    out = io.StringIO()
    progress = Progress(2, stream=out, tty=True)
    progress.started_task("a", "demo chapter 1")
    progress.started_task("b", "demo chapter 2")
    progress.finished_task("a", "demo chapter 1", "ok", 1.5)
    progress.close()
    text = out.getvalue()
    assert "\r\033[K[0/2 00:00] running: demo chapter 1, demo chapter 2" in text
    assert "[1/2 00:00] ok      demo chapter 1 (1.5 s)\n" in text
    assert text.endswith("\r\033[K")  # the status line is gone when the batch ends


@pytest.mark.parametrize(("names", "zh", "en"), [
    ("name_zh: 甲县规划\n", "甲县规划", "甲县规划"),
    ("name_en: Plan A\n", "Plan A", "Plan A"),
    ("name_zh: 甲县规划\nname_en: Plan A\n", "甲县规划", "Plan A"),
    ("name_zh: '  '\n", "demo", "demo"),
    ("", "demo", "demo"),
])
def test_the_runner_names_a_plan_as_its_report_does(tmp_path, names, zh, en):
    """The Word document's name is fixed by the runner before the notebook writes it: both
    read plan.yaml's names the same way, or the document would re-run on every batch."""
    from analysis.core.textfiles import load_yaml
    from analysis.pipeline.runner import load_plan_info
    from analysis.report.naming import plan_title

    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "plan.yaml").write_text(names + "midterm_year: 2023\nchapters: [{number: 1}]\n",
                                      encoding="utf-8")
    info = load_plan_info(folder)
    config = load_yaml(folder / "plan.yaml").data
    assert (info.title("zh"), info.title("en")) == (zh, en)
    assert (plan_title(config, "demo", "zh"), plan_title(config, "demo", "en")) == (zh, en)


def test_ready_tasks_start_longest_chain_first_chapters_by_their_targets(tmp_path):
    """Critical-path order (runner.task_ranks): a task's rank is its expected seconds plus the
    longest chain after it. Without earlier runs a chapter page is expected to take 0.8 s plus
    0.02 s per target of the chapter (hand-computed below from the fixture's targets.csv:
    chapter 1 has one target, chapter 2 two, chapter 3 one)."""
    from analysis.pipeline.runner import task_ranks

    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text("name_zh: demo\nbase_year: 2020\nmidterm_year: 2023\n"
                                   "target_year: 2025\nchapters: [{number: 1}, {number: 2}, "
                                   "{number: 3}]\n", encoding="utf-8")
    tasks = build_tasks(options(tmp_path, plan_info=None))
    ranks = task_ranks(tasks)
    assert ranks["demo/2023/chapter_1"] == pytest.approx(0.82)
    assert ranks["demo/2023/chapter_2"] == pytest.approx(0.84)
    assert ranks["demo/2023/summary"] == pytest.approx(0.7)
    assert ranks["demo/2023/document"] == pytest.approx(1.2)
    assert ranks["demo/2023/evaluate"] == pytest.approx(0.5 + 1.2)
    assert ranks["demo/models/2023"] == pytest.approx(3.0 + 1.7)
    assert ranks["demo/clean"] == pytest.approx(1.3 + 4.7)
    # an earlier run's seconds win over the expectation
    again = task_ranks(tasks, {"demo/2023/chapter_2": 5.0})
    assert again["demo/2023/evaluate"] == pytest.approx(5.5)
    assert again["demo/clean"] == pytest.approx(1.3 + 3.0 + 5.5)


def test_one_worker_runs_the_ready_tasks_in_rank_order(tmp_path):
    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text("name_zh: demo\nmidterm_year: 2023\nchapters: [{number: 1}, "
                                   "{number: 2}, {number: 3}]\n", encoding="utf-8")
    log = io.StringIO()
    run_batch(options(tmp_path, plan_info=None, jobs=1), stream=log, tty=False)
    started = [line.split("start ", 1)[1] for line in log.getvalue().splitlines()
               if "] start " in line]
    # ranks (seconds expected): document 1.2 > chapter 2 0.84 > chapters 1 and 3 0.82 (graph
    # order between equals) > summary 0.7
    assert started == ["demo clean", "demo 2023 models", "demo 2023 evaluate",
                       "demo 2023 document", "demo 2023 chapter 2", "demo 2023 chapter 1",
                       "demo 2023 chapter 3", "demo 2023 summary"]
