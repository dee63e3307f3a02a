"""Failure isolation: a failing notebook, a failing upstream stage, a cell timeout."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from analysis.pipeline.runner import Notebooks, batch_failed, run_batch, summary_table

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, make_plan, options  # noqa: E402


def statuses(results) -> dict[str, str]:
    return {r.task_id: r.status for r in results}


def test_failures_are_isolated_kept_reported_and_not_cached(tmp_path):
    good = make_plan(tmp_path / "data", "good")
    bad = make_plan(tmp_path / "data", "bad")
    (good / "fail_chapter_2").write_text("")  # chapter 2's notebook raises
    (bad / "targets.csv").unlink()  # the clean notebook cannot read it
    run = options(tmp_path, plans=("bad", "good"), chapters=(1, 2))
    results = run_batch(run, stream=io.StringIO())
    assert statuses(results) == {
        "bad/clean": "failed", "bad/models/2023": "blocked", "bad/2023/evaluate": "blocked",
        "bad/2023/chapter_1": "blocked", "bad/2023/chapter_2": "blocked",
        "bad/2023/summary": "blocked", "bad/2023/document": "blocked",
        "good/clean": "ok", "good/models/2023": "ok", "good/2023/evaluate": "ok",
        "good/2023/chapter_1": "ok", "good/2023/chapter_2": "failed", "good/2023/summary": "ok",
        "good/2023/document": "ok",
    }
    assert batch_failed(results)
    report = tmp_path / "reports" / "good" / "2023"
    assert (report / "chapter_1.html").is_file() and (report / "index.html").is_file()
    assert not (report / "chapter_2.html").exists()
    kept = report / "failed" / "04_chapter_report.chapter_2.ipynb"
    text = json.dumps(json.loads(kept.read_text(encoding="utf-8"))["cells"])
    assert "deliberate failure in chapter 2" in text
    assert "An Exception was encountered at" in text  # papermill's error banner
    assert (tmp_path / "reports/bad/2023/failed/01_clean_returns.ipynb").is_file()
    failed = next(r for r in results if r.task_id == "good/2023/chapter_2")
    assert "RuntimeError" in failed.message and "deliberate failure" in failed.message

    table = summary_table(results).splitlines()
    assert table[0].split()[:6] == ["stage", "plan", "year", "chapter", "status", "seconds"]
    row = next(line for line in table
               if line.split()[:5] == ["chapter", "good", "2023", "2", "failed"])
    assert str(kept) in row
    assert table[-1] == "6 ok, 2 failed, 6 blocked"

    # Once fixed, only what failed runs again. (The flag file sits in the raw plan folder,
    # so cleaning runs too, but its tables come out the same and the models are skipped.)
    (good / "fail_chapter_2").unlink()
    rerun = statuses(run_batch(options(tmp_path, plans=("good",), chapters=(1, 2)),
                               stream=io.StringIO()))
    assert rerun == {"good/clean": "ok", "good/models/2023": "skipped",
                     "good/2023/evaluate": "skipped", "good/2023/chapter_1": "skipped", "good/2023/chapter_2": "ok",
                     "good/2023/summary": "skipped", "good/2023/document": "skipped"}
    assert not kept.exists()


def test_a_cell_running_past_the_timeout_fails_its_task(tmp_path):
    slow = tmp_path / "nb"
    slow.mkdir()
    for path in FIXTURES.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("01"):
            document = json.loads(text)
            document["cells"].append({"cell_type": "code", "metadata": {}, "id": "slow",
                                      "execution_count": None, "outputs": [],
                                      "source": "import time\ntime.sleep(30)"})
            text = json.dumps(document)
        (slow / path.name).write_text(text, encoding="utf-8")
    make_plan(tmp_path / "data")
    results = run_batch(options(tmp_path, notebooks=Notebooks.in_folder(slow), timeout=2,
                                chapters=(1,)), stream=io.StringIO())
    clean = results[0]
    assert clean.status == "failed" and "2 s timeout" in clean.message
    assert clean.seconds < 20
    assert (tmp_path / "reports/demo/2023/failed/01_clean_returns.ipynb").is_file()
