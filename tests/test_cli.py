"""``python -m analysis``: refusals in one line with exit 2, a failed batch exits 1, no-op speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.pipeline import cli, runner

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, fixture_plan_info, make_plan  # noqa: E402

PYTHON = sys.executable


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "analysis", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--all", "--eval-yaer", "2023"], "unrecognized arguments: --eval-yaer 2023"),
        (["run", "--all", "--eval-year", "20x3"], "argument --eval-year: not a year, 'midterm' or 'final': '20x3'"),
        (["run", "--all", "--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
        (["run", "--all", "--chapters", "1,x"], "not a comma-separated list of chapter numbers"),
        (["run", "--all", "--jobs", "0"], "argument --jobs: must be at least 1"),
        (["run", "--all", "--eval"], "unrecognized arguments: --eval"),  # no abbreviations
        (["run", "--plan", "a", "--all"], "not allowed with argument"),
        (["run", "--all", "--band", "0.5"], "argument --band: band must lie in [0, 0.5)"),
        (["status", "--eval-year", "20x3"], "argument --eval-year: not a year, 'midterm' or 'final': '20x3'"),
        (["status", "--all"], "unrecognized arguments: --all"),
        (["params"], "the following arguments are required: NOTEBOOK"),
        (["run", "--all", "--log"], "argument --log: expected one argument"),
        (["run", "--all", "-f"], "argument -f/--parameters-file: expected one argument"),
    ],
)
def test_a_bad_option_is_refused_in_one_line_before_any_work(tmp_path, args, expected):
    done = run_cli("--data-root", str(tmp_path), "--reports-root", str(tmp_path / "r"), *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert expected in done.stderr
    assert not (tmp_path / "r").exists()


def test_run_needs_a_plan_all_or_a_parameters_file(tmp_path):
    make_plan(tmp_path, "demo")
    done = run_cli("--data-root", str(tmp_path), "run", "--notebooks", str(FIXTURES))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "name the plan(s) with --plan NAME, or --all, or 'plan:' in the parameters file" \
        in done.stderr


def test_an_unknown_plan_is_an_analysis_error_in_one_line(tmp_path):
    make_plan(tmp_path, "demo")
    done = run_cli("--data-root", str(tmp_path), "run", "--plan", "dmeo",
                   "--notebooks", str(FIXTURES))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "known plans: demo" in done.stderr


def test_plans_lists_the_plan_folders(tmp_path):
    make_plan(tmp_path, "county_b")
    make_plan(tmp_path, "county_a")
    (tmp_path / "raw" / "not_a_plan").mkdir()
    done = run_cli("--data-root", str(tmp_path), "plans")
    assert done.returncode == 0
    assert done.stdout.split() == ["county_a", "county_b"]


def test_a_failed_batch_exits_1_with_a_summary_and_a_noop_run_imports_nothing_heavy(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "load_plan_info", fixture_plan_info)
    raw = make_plan(tmp_path / "data", "demo")
    (raw / "fail_chapter_1").write_text("")
    argv = ["--data-root", str(tmp_path / "data"), "--reports-root", str(tmp_path / "reports"),
            "run", "--all", "--chapters", "1,2", "--jobs", "2", "--notebooks", str(FIXTURES)]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "chapter   demo  2023  1        failed" in out
    assert "6 ok, 1 failed" in out

    (raw / "fail_chapter_1").unlink()
    assert cli.main(argv) == 0
    capsys.readouterr()
    # A no-op run in a fresh interpreter: no pandas, papermill, statsmodels or dask imported.
    probe = (
        "import sys; from analysis.pipeline import runner; "
        "sys.path.insert(0, sys.argv[1]); import runner_fixture; "
        "runner.load_plan_info = runner_fixture.fixture_plan_info; "
        "from analysis.pipeline.cli import main; code = main(sys.argv[2:]); "
        "heavy = [m for m in ('pandas', 'papermill', 'statsmodels', 'dask', 'distributed') "
        "if m in sys.modules]; print('HEAVY', heavy); sys.exit(code)"
    )
    done = subprocess.run([PYTHON, "-c", probe, str(FIXTURES), *argv], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    assert "7 skipped" in done.stdout
    # Saying what a run would do, and where every task stands, is as cheap.
    for extra in (["--dry-run"], ["--quiet"]):
        done = subprocess.run([PYTHON, "-c", probe, str(FIXTURES), *argv, *extra],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "HEAVY []" in done.stdout
    assert "0 of 7 tasks would run" in subprocess.run(
        [PYTHON, "-c", probe, str(FIXTURES), *argv, "--dry-run"], capture_output=True,
        text=True, timeout=60).stdout
    status = [*argv[:4], "status", "--chapters", "1,2", "--notebooks", str(FIXTURES)]
    done = subprocess.run([PYTHON, "-c", probe, str(FIXTURES), *status], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout and "7 fresh" in done.stdout


def test_a_reader_that_stops_early_gets_no_error_message():
    """`python -m analysis status | head -1`: the pipe closes under the command line, which
    stops quietly (no "error: [Errno 32] Broken pipe", no traceback)."""
    probe = ("import os, sys; r, w = os.pipe(); os.close(r); os.dup2(w, 1); "
             "from analysis.pipeline import cli; sys.exit(cli.main(['plans']))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 1
    assert done.stderr == ""
