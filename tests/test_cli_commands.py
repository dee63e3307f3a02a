"""A command line that says what it will do: ``params``, ``run --dry-run``, ``status``, the
progress display (time left from earlier runs, the running cell, the report paths), ``-f
params.yaml``, ``--quiet`` and ``--log``, and the evaluation year checked before anything runs.

Fixture notebooks (tests/fixtures/pipeline_notebooks) stand in for the stage notebooks, through
the real command line (``analysis.pipeline.cli.main``) and a plan.yaml the runner reads itself.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.core.io import folder_fingerprint
from analysis.pipeline import cli
from analysis.pipeline.progress import Progress, TimingHistory, running_cell

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, make_plan  # noqa: E402

PYTHON = sys.executable
PLAN_YAML = ("name_zh: demo\nbase_year: 2020\nmidterm_year: 2023\ntarget_year: 2025\n"
             "chapters: [{number: 1}, {number: 2}]\n")


@pytest.fixture
def plan(tmp_path) -> Path:
    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text(PLAN_YAML, encoding="utf-8")
    return raw


def roots(tmp: Path) -> list[str]:
    return ["--data-root", str(tmp / "data"), "--reports-root", str(tmp / "reports")]


def main(tmp: Path, capsys, *args: str, notebooks: Path = FIXTURES) -> tuple[int, str, str]:
    """``python -m analysis`` in process; ``run`` and ``status`` get the fixture notebooks."""
    extra = ["--notebooks", str(notebooks)] if args[0] in ("run", "status") else []
    try:
        code = cli.main([*roots(tmp), *args, *extra])
    except SystemExit as refused:
        code = int(refused.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "analysis", *args], capture_output=True, text=True,
                          timeout=120)


def rows_of(text: str) -> dict[str, str]:
    """Label → the rest of its line, for the lines of a dry run or a status table."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"\s*(?:run|after|skip)?\s*(demo (?:clean|\d{4} (?:models|evaluate|"
                         r"chapter \d|summary|document))(?: \[en\])?)\s+(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


# --------------------------------------------------------------------------- params


def test_params_lists_names_types_defaults_help_and_the_option_that_sets_each(tmp_path, capsys):
    code, out, _ = main(tmp_path, capsys, "params", "evaluate")
    assert code == 0
    assert out.startswith("notebooks/03_evaluate.ipynb: parameters (the cell tagged 'parameters')")
    lines = {line.split()[0]: line for line in out.splitlines()[3:] if line.strip()}
    assert re.match(r"plan\s+str\s+\"kaiping\"\s+--plan\s+plan folder name under data/raw/",
                    lines["plan"])
    assert re.match(r"eval_year\s+int\s+2023\s+--eval-year\s+evaluation year", lines["eval_year"])
    assert re.match(r"band\s+float \| None\s+None\s+--band \(else study.yaml\)\s+tolerance band",
                    lines["band"])
    assert "the runner (reports folder)" in lines["publish_to"]
    assert "papermill -p NAME VALUE" in out


@pytest.mark.parametrize("name", ["chapter", "04_chapter_report", "04_chapter_report.ipynb",
                                  "notebooks/04_chapter_report.py"])
def test_params_takes_a_stage_a_notebook_name_or_a_file(tmp_path, capsys, name):
    code, out, _ = main(tmp_path, capsys, "params", name)
    assert code == 0 and "04_chapter_report.ipynb" in out.splitlines()[0]
    names = [line.split()[0] for line in out.splitlines()[3:-1]]
    assert names == ["plan", "chapter", "eval_year", "lang", "data_root"]


def test_params_of_an_unknown_notebook_is_one_line_exit_2():
    done = run_cli("params", "06_nope")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "no such notebook" in done.stderr and "chapter" in done.stderr


# --------------------------------------------------------------------------- dry run


def test_a_dry_run_of_a_new_plan_lists_every_task_and_writes_nothing(tmp_path, capsys, plan):
    before = folder_fingerprint(tmp_path)
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run")
    assert code == 0
    assert out.splitlines()[0] == "dry run (nothing is run or written): 7 of 7 tasks would run"
    assert set(rows_of(out)) == {"demo clean", "demo 2023 models", "demo 2023 evaluate", "demo 2023 chapter 1",
                                 "demo 2023 chapter 2", "demo 2023 summary", "demo 2023 document"}
    assert all("never run (no cache record)" in why for why in rows_of(out).values())
    assert folder_fingerprint(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["raw"]


def test_a_dry_run_says_which_input_parameter_notebook_or_output_changed(tmp_path, capsys, plan):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(FIXTURES, notebooks, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    assert main(tmp_path, capsys, "run", "--plan", "demo", notebooks=notebooks)[0] == 0
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run",
                        notebooks=notebooks)
    assert code == 0 and out.splitlines()[0].endswith(": 0 of 7 tasks would run")
    assert all(why.startswith("unchanged since ") for why in rows_of(out).values())

    targets = plan / "targets.csv"
    targets.write_text(targets.read_text().replace("t3.a,3,schools,4", "t3.a,3,schools,5"))
    chapter = notebooks / "04_chapter_report.ipynb"
    nb = nbformat.read(chapter, as_version=4)
    nb.cells[0].source += "\n\nEdited."
    nbformat.write(nb, chapter)
    (tmp_path / "reports" / "demo" / "2023" / "index.html").unlink()
    before = folder_fingerprint(tmp_path)
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run", "--band", "0.1",
                        notebooks=notebooks)
    assert folder_fingerprint(tmp_path) == before  # nothing written
    why = rows_of(out)
    assert out.splitlines()[0].endswith("5 of 7 tasks would run, 2 more if what they need changes")
    assert why["demo clean"] == "input changed: raw/demo/targets.csv"
    assert why["demo 2023 models"] == "runs again only if demo clean changes its outputs"
    assert why["demo 2023 evaluate"] == "parameter band: 0.05 → 0.1"
    assert why["demo 2023 chapter 1"] == "notebook changed"
    assert why["demo 2023 summary"].startswith("output deleted: ")
    assert why["demo 2023 summary"].endswith("reports/demo/2023/index.html")
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run", "--force",
                        notebooks=notebooks)
    assert out.splitlines()[0].endswith(": 7 of 7 tasks would run")


def test_a_dry_run_names_a_changed_study_setting(tmp_path, capsys, plan):
    assert main(tmp_path, capsys, "run", "--plan", "demo")[0] == 0
    (plan / "study.yaml").write_text("methods:\n  enrolment:\n    primary: drift\n",
                                     encoding="utf-8")
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run")
    assert rows_of(out)["demo 2023 models"] == "study.yaml methods.enrolment.primary: 'unset' → 'drift'"
    assert rows_of(out)["demo clean"].startswith("unchanged")  # cleaning never reads it


# --------------------------------------------------------------------------- status


def test_status_shows_every_task_fresh_stale_or_failed_with_its_last_run(tmp_path, capsys, plan):
    code, out, _ = main(tmp_path, capsys, "status", "--plan", "demo")
    assert code == 0 and out.splitlines()[0] == "demo: study.yaml: none (the defaults)"
    assert out.splitlines()[-1] == "7 stale"
    assert main(tmp_path, capsys, "run", "--plan", "demo")[0] == 0
    code, out, _ = main(tmp_path, capsys, "status")
    assert out.splitlines()[-1] == "7 fresh"
    stamp = re.compile(r"fresh\s+\d{4}-\d\d-\d\d \d\d:\d\d")
    assert all(stamp.match(rest) for rest in rows_of(out).values())

    (plan / "fail_chapter_1").write_text("")
    targets = plan / "targets.csv"
    targets.write_text(targets.read_text().replace("t2.b,2,teachers,30", "t2.b,2,teachers,35"))
    assert main(tmp_path, capsys, "run", "--plan", "demo")[0] == 1
    (plan / "targets.csv").write_text(targets.read_text().replace("35", "36"))
    code, out, _ = main(tmp_path, capsys, "status", "--plan", "demo")
    rows = rows_of(out)
    assert re.match(r"failed\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+failed: cell \d+: RuntimeError: "
                    r"deliberate failure in chapter 1; kept: .*failed/04_chapter_report\.chapter_1"
                    r"\.ipynb$", rows["demo 2023 chapter 1"])
    assert re.match(r"stale\s+\S+ \S+\s+input changed: raw/demo/targets.csv$", rows["demo clean"])
    assert re.match(r"fresh\s+\S+ \S+\s+up to date, but demo clean is stale$",
                    rows["demo 2023 models"])
    assert out.splitlines()[-1] == "5 fresh, 1 stale, 1 failed"


def test_status_of_an_unknown_plan_is_one_line_exit_2(tmp_path, plan):
    done = run_cli(*roots(tmp_path), "status", "--plan", "dmeo", "--notebooks", str(FIXTURES))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "known plans: demo" in done.stderr


# --------------------------------------------------------------------------- progress


def test_a_run_ends_with_the_paths_of_the_reports_and_keeps_a_timing_history(tmp_path, capsys,
                                                                               plan):
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo")
    assert code == 0
    report = tmp_path / "reports" / "demo" / "2023"
    line = next(x for x in out.splitlines() if x.startswith("reports: "))
    assert line == (f"reports: {report}/ index.html, chapter_1.html, chapter_2.html, "
                    "demo中期评估报告.docx, evaluation.csv, report.html")
    assert out.splitlines()[-1] == "7 ok"
    history = json.loads((tmp_path / "reports" / ".cache" / "timings.json").read_text())
    assert set(history["seconds"]) == {"demo/clean//zh", "demo/models//zh", "demo/evaluate//zh",
                                       "demo/chapter/1/zh", "demo/chapter/2/zh",
                                       "demo/summary//zh", "demo/document//zh"}
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--force")
    assert re.search(r"^\[0/7 00:00 ~\d\d:\d\d left\] start demo clean$", out, re.M), out


def test_the_time_left_comes_from_the_estimates_and_the_running_tasks():
    progress = Progress(4, stream=io.StringIO(), tty=False, jobs=2,
                        estimates={"a": 10.0, "b": 20.0, "c": 30.0})
    assert progress.time_left() == pytest.approx((10 + 20 + 30 + 20) / 2)  # d: the median
    progress.finished_task("a", "a", "ok", 10.0)
    assert progress.time_left() == pytest.approx((20 + 30 + 20) / 2)
    assert Progress(2, stream=io.StringIO(), tty=False).time_left() is None


def test_the_timing_history_estimates_from_earlier_runs(tmp_path):
    from analysis.pipeline.tasks import TaskResult

    history = TimingHistory.of_reports(tmp_path)
    assert history.estimate("chapter", "demo", 1) is None
    history.update([TaskResult("x", "chapter", "demo", 1, "ok", 4.0),
                    TaskResult("y", "chapter", "demo", 2, "ok", 8.0),
                    TaskResult("z", "clean", "demo", None, "failed", 99.0)])
    history.save()
    again = TimingHistory.of_reports(tmp_path)
    assert again.estimate("chapter", "demo", 1) == 4.0
    assert again.estimate("chapter", "other", 3) == 6.0  # a new task: its stage's median
    assert again.estimate("clean", "demo", None) is None  # failures do not count
    again.update([TaskResult("x", "chapter", "demo", 1, "ok", 6.0)])
    assert again.estimate("chapter", "demo", 1) == 5.0


def test_the_status_line_shows_the_cell_a_running_notebook_is_in(tmp_path):
    executed = tmp_path / "notebooks" / "04_chapter_report.chapter_2.ipynb"
    executed.parent.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t")] + [
        nbformat.v4.new_code_cell("x = 1") for _ in range(3)])
    for cell, state in zip(nb.cells[1:], ("completed", "running", "pending"), strict=True):
        cell.metadata["papermill"] = {"status": state}
    assert running_cell(nb) == " (cell 2/3)"
    nbformat.write(nb, executed.with_name(f".{executed.stem}.123.running.ipynb"))
    stream = io.StringIO()
    progress = Progress(3, stream=stream, tty=True, watch={"t": str(executed)})
    progress.started_task("t", "demo chapter 2")
    progress.close()
    assert "running: demo chapter 2 (cell 2/3)" in stream.getvalue()


# --------------------------------------------------------------------------- -f, --quiet, --log


def test_parameters_come_from_a_yaml_file_and_the_command_line_wins(tmp_path, capsys, plan):
    params = tmp_path / "params.yaml"
    params.write_text("plan: demo\nchapters: [2]\nlang: en\nband: 0.1\n", encoding="utf-8")
    code, out, _ = main(tmp_path, capsys, "run", "-f", str(params), "--dry-run")
    assert code == 0
    assert set(rows_of(out)) == {"demo clean", "demo 2023 models", "demo 2023 evaluate",
                                 "demo 2023 chapter 2 [en]", "demo 2023 summary [en]",
                                 "demo 2023 document [en]"}
    code, out, _ = main(tmp_path, capsys, "run", "-f", str(params), "--lang", "zh")
    assert code == 0
    report = tmp_path / "reports" / "demo" / "2023"
    assert (report / "chapter_2.html").is_file() and not (report / "chapter_1.html").exists()
    rule = json.loads((tmp_path / "data" / "processed" / "demo" / "evaluation" / "2023"
                       / "rule.json").read_text())
    assert rule["band"] == 0.1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan: demo\neval_yaer: 2023\n", "row 2, column eval_yaer: unknown key at eval_yaer"),
        ("plan: demo\nband: 0.7\n", "row 2, column band: band must lie in [0, 0.5)"),
        ("plan: demo\neval_year: '2023'\n", "row 2, column eval_year"),
        ("plan: ../evil\n", "row 1, column plan"),
        ("chapters: [1, x]\n", "row 1, column chapters"),
        ("- demo\n", "a parameters file is a mapping"),
    ],
)
def test_a_bad_parameters_file_is_refused_in_one_line_naming_its_line(tmp_path, plan, text,
                                                                     message):
    params = tmp_path / "params.yaml"
    params.write_text(text, encoding="utf-8")
    done = run_cli(*roots(tmp_path), "run", "-f", str(params), "--notebooks", str(FIXTURES))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not (tmp_path / "reports").exists()


def test_quiet_prints_the_counts_only_and_log_keeps_every_line(tmp_path, capsys, plan):
    log = tmp_path / "logs" / "run.log"
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--quiet", "--log", str(log))
    assert code == 0 and out == "7 ok\n"
    text = log.read_text(encoding="utf-8")
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    assert re.search(rf"^{stamp} python -m analysis ", text, re.M)
    assert re.search(rf"^{stamp} \[1/7 \d\d:\d\d\] ok      demo clean \(\d+\.\d s\)$", text, re.M)
    assert "7 ok" in text and "reports: " in text
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--quiet", "--log", str(log))
    assert out == "7 skipped\n"
    assert log.read_text(encoding="utf-8").count("python -m analysis") == 2  # appended
    (plan / "fail_chapter_1").write_text("")
    (plan / "targets.csv").write_text((plan / "targets.csv").read_text().replace("30", "31"))
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--quiet")
    assert code == 1 and "failed" in out and "stage" in out.splitlines()[0]  # the table


def test_dry_run_with_log_and_a_log_in_the_raw_inputs_are_refused(tmp_path, plan):
    done = run_cli(*roots(tmp_path), "run", "--plan", "demo", "--dry-run", "--log",
                   str(tmp_path / "x.log"), "--notebooks", str(FIXTURES))
    assert done.returncode == 2 and "--dry-run writes nothing" in done.stderr
    done = run_cli(*roots(tmp_path), "run", "--plan", "demo", "--log", str(plan / "run.log"),
                   "--notebooks", str(FIXTURES))
    assert done.returncode == 2 and "refusing to write into the raw inputs" in done.stderr
    assert not (plan / "run.log").exists() and not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- eval year


@pytest.mark.parametrize("year", ["2021", "2023", "2025"])
def test_an_eval_year_after_the_base_year_up_to_the_target_year_is_accepted(tmp_path, capsys,
                                                                            plan, year):
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--eval-year", year,
                        "--dry-run")
    assert code == 0 and "7 of 7 tasks would run" in out


@pytest.mark.parametrize("year", ["2020", "2026"])
@pytest.mark.parametrize("dry", [[], ["--dry-run"]])
def test_an_eval_year_outside_the_plan_is_refused_and_nothing_is_created(tmp_path, plan, year,
                                                                         dry):
    extra = dry or ["--log", str(tmp_path / "run.log")]
    done = run_cli(*roots(tmp_path), "run", "--plan", "demo", "--eval-year", year, *extra,
                   "--notebooks", str(FIXTURES))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "eval_year must lie inside the plan period (2021–2025)" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["raw"]


# --------------------------------------------------------------------------- several evaluations


def _with_returns(plan: Path, *years: int) -> None:
    """Stand-in returns files: the runner only lists their names (the fixture never reads them)."""
    (plan / "returns").mkdir(exist_ok=True)
    for year in years:
        (plan / "returns" / f"{year}.xlsx").write_bytes(b"")


def test_one_run_plans_the_midterm_and_final_evaluations_in_both_languages(tmp_path, capsys,
                                                                         plan):
    _with_returns(plan, 2023, 2024, 2025)
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run",
                        "--eval-year", "midterm", "final", "--lang", "zh", "en")
    assert code == 0, out
    # clean once; per year: models, evaluate, and (chapters 1-2, summary, document) × 2 languages
    assert out.splitlines()[0] == "dry run (nothing is run or written): 21 of 21 tasks would run"
    rows = rows_of(out)
    assert {"demo clean", "demo 2023 evaluate", "demo 2025 evaluate", "demo 2023 document",
            "demo 2023 document [en]", "demo 2025 document", "demo 2025 document [en]",
            "demo 2025 chapter 2 [en]"} <= set(rows)
    assert len(rows) == 21


def test_a_final_evaluation_waits_for_the_returns_of_the_target_year(tmp_path, capsys, plan):
    _with_returns(plan, 2023)
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run",
                        "--eval-year", "midterm", "final")
    assert code == 0
    assert ("note: demo: final evaluation (2025) left out: the returns of 2025 are not in the "
            "plan folder yet") in out
    assert not [label for label in rows_of(out) if " 2025 " in label]
    code, out, _ = main(tmp_path, capsys, "run", "--plan", "demo", "--dry-run",
                        "--eval-year", "2025")  # a year named outright runs whatever the data
    assert "note:" not in out and "demo 2025 document" in rows_of(out)


def test_a_bad_evaluation_is_refused_before_anything_runs(tmp_path, capsys, plan):
    code, _, err = main(tmp_path, capsys, "run", "--plan", "demo", "--eval-year", "mid")
    assert code == 2 and "not a year, 'midterm' or 'final': 'mid'" in err
    assert not (tmp_path / "reports").exists()


def test_both_evaluations_and_languages_are_written_and_a_second_run_skips_them(tmp_path, capsys,
                                                                              plan):
    _with_returns(plan, 2025)
    params = tmp_path / "params.yaml"
    params.write_text("plan: demo\neval_year: [midterm, final]\nlang: [zh, en]\n",
                      encoding="utf-8")
    code, out, _ = main(tmp_path, capsys, "run", "-f", str(params), "--quiet")
    assert code == 0, out
    reports = tmp_path / "reports" / "demo"
    # plan.yaml names the plan "demo" and has no English name: the Chinese one serves both
    assert sorted(p.name for p in reports.glob("*/*.docx")) == [
        "demo - Final evaluation report.en.docx", "demo - Mid-term evaluation report.en.docx",
        "demo中期评估报告.docx", "demo终期评估报告.docx"]
    assert sorted(p.relative_to(reports).as_posix() for p in reports.glob("*/report*.html")) == [
        "2023/report.en.html", "2023/report.html", "2025/report.en.html", "2025/report.html"]
    code, out, _ = main(tmp_path, capsys, "run", "-f", str(params), "--quiet")
    assert code == 0 and out.strip().splitlines()[-1] == "21 skipped"
