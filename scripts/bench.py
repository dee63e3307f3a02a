"""Benchmark the batch runner on this machine, in one run (``make bench``).

Everything runs on copies of a plan folder under a temporary data root (nothing under the
project's data/ or reports/ is touched), side by side in one run:

(a) a sequential loop of the ``papermill`` command (one subprocess per notebook, cold kernels)
    over the same notebooks, parameters and order as the runner (clean, models, evaluate,
    each chapter, summary);
(b) ``python -m analysis run --force`` for the same plan (warm kernels, ``--jobs`` = cores);
(c) a no-op re-run (nothing changed: every task skipped), median of three;
(d) batches of 1, 2, 4 and 8 copies of the plan (county_01 … county_08), ``--force``;
(e) the 2-plan batch of (d) sent to a Dask ``LocalCluster`` (two single-threaded worker
    processes) with ``--scheduler``;
(f) where the time goes in (a) and (b): start-up of the papermill command, kernel start,
    imports, compute (the notebooks' cells), HTML export, the rest (papermill's bookkeeping);
(g) the peak memory (``VmHWM``, sampled from /proc) of the largest process of each kind —
    runner, pool worker, kernel server, kernel — and the largest process of the whole run
    (``getrusage`` of every finished child);
(h) whether (a) and (b) produced the same outputs: every code cell of every executed notebook
    and every HTML page (the loop's notebooks rendered with the runner's renderer), with
    timestamps, durations, paths and kernel pids sanitised as for nbval, the golden cells
    (``# NBVAL_CHECK_OUTPUT``) counted apart.

It prints the figures and writes them as markdown tables (``--markdown``, default
``docs/benchmark.md``), with the machine and the command line.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


#: The kinds of process whose peak memory (g) reports, in table order.
KINDS = ("runner", "fork server", "pool worker", "kernel server", "kernel (warm)",
         "kernel (cold)", "papermill command")


class MemorySampler:
    """Peak memory (``VmHWM``, KiB) of every process below a watched one, by kind, sampled
    from /proc every ``interval`` seconds (a process's high-water mark survives between
    samples, so a short peak is seen as long as the process lives through one sample)."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self._root: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()

    def watch(self, pid: int | None) -> None:
        self._root = pid

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._root is not None and Path("/proc").is_dir():
                try:
                    self._sample(self._root)
                except OSError:
                    pass
            self._stop.wait(self.interval)

    @staticmethod
    def _read(path: str) -> str:
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _sample(self, root: int) -> None:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                fields = self._read(f"/proc/{entry}/stat").rpartition(")")[2].split()
                if len(fields) > 1:
                    parents[int(entry)] = int(fields[1])
        family, pending = [root], [root]
        while pending:
            parent = pending.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent]
            family.extend(children)
            pending.extend(children)
        commands = {pid: self._read(f"/proc/{pid}/cmdline") for pid in family}
        for pid in family:
            kind = self._kind(pid, root, commands, parents)
            status = self._read(f"/proc/{pid}/status")
            match = re.search(r"^VmHWM:\s+(\d+)", status, re.M)
            if kind and match:
                self.peaks[kind] = max(self.peaks.get(kind, 0), int(match.group(1)))

    @staticmethod
    def _kind(pid: int, root: int, commands: dict[int, str], parents: dict[int, int]) -> str:
        command, parent = commands.get(pid, ""), commands.get(parents.get(pid, -1), "")
        if "_kernel_server.py" in command:
            return "kernel (warm)" if "_kernel_server.py" in parent else "kernel server"
        if "ipykernel_launcher" in command:
            return "kernel (cold)"
        if "multiprocessing.forkserver" in command:
            return "pool worker" if "multiprocessing.forkserver" in parent else "fork server"
        if pid == root:
            return "papermill command" if "papermill" in command else "runner"
        return ""


def timed(command: list[str], *, env: dict[str, str] | None = None,
          sampler: MemorySampler | None = None) -> float:
    """Seconds a command takes; the command must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    if sampler is not None:
        sampler.watch(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    if sampler is not None:
        sampler.watch(None)
    if process.returncode != 0:
        sys.stderr.write(out[-3000:] + err[-3000:])
        raise SystemExit(f"benchmark step failed: {' '.join(command[:6])} …")
    return seconds


def copy_plan(source: Path, data_root: Path, names: list[str]) -> None:
    for name in names:
        target = data_root / "raw" / name
        if not target.exists():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*"))


def run_cli(data_root: Path, reports_root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "analysis", "--data-root", str(data_root),
            "--reports-root", str(reports_root), "run", *args]


def notebook_times(path: Path) -> dict[str, float]:
    """From an executed notebook's papermill metadata: ``papermill`` (its whole run),
    ``kernel`` (its start until the first cell starts) and ``cells`` (the cells' durations)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    meta = document["metadata"].get("papermill", {})
    cells = [c["metadata"].get("papermill", {}) for c in document["cells"]
             if c["cell_type"] == "code"]
    found = {"papermill": float(meta.get("duration") or 0.0),
             "cells": sum(float(c.get("duration") or 0.0) for c in cells)}
    first = next((c["start_time"] for c in cells if c.get("start_time")), None)
    if first and meta.get("start_time"):
        found["kernel"] = (datetime.fromisoformat(first)
                           - datetime.fromisoformat(meta["start_time"])).total_seconds()
    return found


def papermill_loop(plan: str, data_root: Path, out: Path, jobs: int,
                   sampler: MemorySampler) -> tuple[float, list[dict[str, Any]]]:
    """(a): the papermill command once per task, one after the other, same parameters."""
    from analysis.pipeline.runner import RunOptions, build_tasks

    tasks = build_tasks(RunOptions(plans=(plan,), data_root=data_root,
                                   reports_root=out / "reports", jobs=jobs))
    papermill = str(Path(sys.executable).with_name("papermill"))
    rows = []
    started = time.perf_counter()
    for task in tasks:
        spec = task.spec
        target = out / "notebooks" / Path(spec.executed_path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        wall = timed([papermill, "-k", spec.kernel_name, "--execution-timeout", str(spec.timeout),
                      "--no-progress-bar", "-y", json.dumps(spec.parameters), spec.notebook,
                      str(target)], sampler=sampler)
        rows.append({"task": spec.task_id, "notebook": spec.notebook, "name": target.name,
                     "wall": wall, **notebook_times(target)})
    return time.perf_counter() - started, rows


IMPORTS = """
import json, sys, time
import ipykernel.kernelapp, ipykernel.ipkernel  # a kernel has these before its first cell
started = time.perf_counter()
for name in json.loads(sys.argv[1]):
    try:
        __import__(name)
    except ImportError:
        pass  # a name imported from a module, not a module
print(time.perf_counter() - started)
"""


def import_seconds(notebooks: list[str]) -> dict[str, float]:
    """Seconds a fresh kernel spends on each notebook's import statements (cold interpreter)."""
    found = {}
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    from analysis.pipeline import cache

    for notebook in dict.fromkeys(notebooks):  # the notebook's own import statements
        names = json.dumps(list(cache._notebook_imports(Path(notebook), "analysis") or []))
        done = subprocess.run([sys.executable, "-Xfrozen_modules=off", "-c", IMPORTS, names],
                              capture_output=True, text=True, env=env, check=True)
        found[notebook] = float(done.stdout.strip().splitlines()[-1])
    return found


IN_PROCESS = """
import sys, time, json
t0 = time.perf_counter()
from analysis.clean.stage import run_clean_stage
from analysis.models import run_models_stage
t1 = time.perf_counter()
run_clean_stage(sys.argv[1], sys.argv[2])
t2 = time.perf_counter()
run_models_stage(sys.argv[1], sys.argv[2], as_of_year=int(sys.argv[3]))
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "clean": t2 - t1, "models": t3 - t2}))
"""


def in_process(plan: str, data_root: Path, year: int) -> dict[str, float]:
    """Cleaning and model fitting called as functions in one fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, plan, str(data_root), str(year)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- same outputs


def sanitizer() -> Any:
    """What nbval ignores (tests/nbval_sanitize.cfg), plus what differs between any two
    kernels or runs: the kernel's pid in ipykernel's cell file names, pandas Styler ids."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval_sanitize.cfg", encoding="utf-8")
    rules = [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]
    # the same path rule without its nested repeat over "/" (slow on long HTML outputs)
    rules = [(re.compile(r"(/[^\s'\"/]+)+/(data|reports|notebooks)/"), replacement)
             if pattern.pattern.startswith("(/[^") else (pattern, replacement)
             for pattern, replacement in rules]
    rules += [(re.compile(r"ipykernel_\d+"), "ipykernel_PID"),
              (re.compile(r"T_[0-9a-f]{5}(?=[_ \"'{\\])"), "T_STYLER")]

    embedded = re.compile(r"base64,([A-Za-z0-9+/=]{64,})")

    def digest(match: re.Match[str]) -> str:
        return "base64-sha256:" + hashlib.sha256(match.group(1).encode()).hexdigest()

    def clean(text: str) -> str:
        # images compared by their digest: the path rule's nested repeat would take forever
        # on a long run of base64 (a PNG holds many "/")
        text = embedded.sub(digest, text)
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    return clean


def code_outputs(path: Path, clean: Any) -> list[tuple[bool, str]]:
    """``(golden?, sanitised outputs)`` of every code cell but the injected parameters."""
    document = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in document["cells"]:
        if cell["cell_type"] != "code" or "injected-parameters" in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        outputs = []
        for output in cell["outputs"]:
            output = {k: v for k, v in output.items() if k != "execution_count"}
            data = dict(output.get("data", {}))
            for mime, value in data.items():
                if mime.startswith("image/"):  # compared by digest, never by a regex
                    text = "".join(value) if isinstance(value, list) else str(value)
                    data[mime] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
            outputs.append({**output, **({"data": data} if data else {})})
        found.append((source.lstrip().startswith("# NBVAL_CHECK_OUTPUT"),
                      clean(json.dumps(outputs, sort_keys=True, ensure_ascii=False))))
    return found


def compare_outputs(loop: list[dict[str, Any]], runner_notebooks: Path, runner_pages: Path,
                    work: Path) -> dict[str, Any]:
    """(h): the loop's and the runner's executed notebooks, cell by cell, and their pages."""
    from analysis.pipeline.runner import RunOptions
    from analysis.pipeline.tasks import _resolve

    clean = sanitizer()
    render = _resolve(RunOptions(plans=("x",)).renderer)
    found: dict[str, Any] = {"notebooks": 0, "same_notebooks": 0, "cells": 0, "same_cells": 0,
                             "golden": 0, "same_golden": 0, "pages": 0, "same_pages": 0,
                             "differences": []}
    for row in loop:
        mine, theirs = Path(row["loop_path"]), runner_notebooks / row["name"]
        a, b = code_outputs(mine, clean), code_outputs(theirs, clean)
        found["notebooks"] += 1
        found["same_notebooks"] += a == b
        for index, (left, right) in enumerate(zip(a, b, strict=False)):
            found["cells"] += 1
            found["same_cells"] += left == right
            if left[0]:
                found["golden"] += 1
                found["same_golden"] += left == right
            if left != right:
                found["differences"].append(f"{row['name']} cell {index}: "
                                            f"{left[1][:120]!r} vs {right[1][:120]!r}")
        if len(a) != len(b):
            found["differences"].append(f"{row['name']}: {len(a)} vs {len(b)} code cells")
        if row.get("page"):
            page = work / "loop-pages" / Path(row["page"]).name
            page.parent.mkdir(parents=True, exist_ok=True)
            render(mine, page, title=row.get("title", ""))
            found["pages"] += 1
            same = clean(page.read_text(encoding="utf-8")) == \
                clean((runner_pages / Path(row["page"]).name).read_text(encoding="utf-8"))
            found["same_pages"] += same
            if not same:
                found["differences"].append(f"{Path(row['page']).name}: the pages differ")
    return found


# --------------------------------------------------------------------------- the report


def machine() -> str:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, {platform.system()} " \
           f"{platform.release()}, Python {platform.python_version()}"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=None, help="plan folder to copy (default: the first)")
    parser.add_argument("--copies", default="1,2,4,8",
                        help="batch sizes for (d), comma-separated (default 1,2,4,8)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", action="store_true", help="leave out (e)")
    parser.add_argument("--markdown", default=str(ROOT / "docs" / "benchmark.md"),
                        help="write the tables here (default docs/benchmark.md; '' for none)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    from analysis.core import paths
    from analysis.pipeline.runner import RunOptions, build_tasks, load_plan_info

    plan = args.plan or (paths.list_plans() or [None])[0]
    if plan is None:
        raise SystemExit("no plan folder under data/raw/")
    source = paths.raw_plan_dir(plan)
    year = load_plan_info(source).midterm_year
    copies = [int(n) for n in args.copies.split(",") if n]
    work = Path(tempfile.mkdtemp(prefix="plan-eval-bench-"))
    load_before = os.getloadavg()
    print(f"benchmark: plan {plan}, {args.jobs} jobs, {machine()}, in {work}", flush=True)
    sampler = MemorySampler()
    report: dict[str, Any] = {}
    try:
        data, reports = work / "data", work / "reports"
        copy_plan(source, data, [plan])
        timings = work / "timings.jsonl"
        env = {**os.environ, "PLAN_EVAL_TIMINGS": str(timings)}

        # (a) and (b), side by side
        a, loop = papermill_loop(plan, data, work / "loop", args.jobs, sampler)
        print(f"(a) papermill loop, {len(loop)} notebooks: {a:.1f} s", flush=True)
        loop_peak = dict(sampler.peaks)
        sampler.peaks.clear()
        b = timed(run_cli(data, reports, "--plan", plan, "--force", "--jobs", str(args.jobs)),
                  env=env, sampler=sampler)
        print(f"(b) analysis run --force: {b:.1f} s ({a / b:.2f}x faster than (a))", flush=True)
        lines = [json.loads(line) for line in timings.read_text(encoding="utf-8").splitlines()]
        runner = [line for line in lines if line.get("stage")]
        server = [line for line in lines if line.get("task") == "kernel-server"]

        # (h) the same outputs
        tasks = {t.spec.task_id: t for t in build_tasks(RunOptions(
            plans=(plan,), data_root=data, reports_root=reports, jobs=args.jobs))}
        for row in loop:
            row["loop_path"] = str(work / "loop" / "notebooks" / row["name"])
            spec = tasks[row["task"]].spec
            row["page"], row["title"] = spec.html_path, spec.title
        same = compare_outputs(loop, reports / plan / str(year) / "notebooks",
                               reports / plan / str(year), work)
        print(f"(h) same outputs: {same['same_cells']}/{same['cells']} cells, "
              f"{same['same_golden']}/{same['golden']} golden cells, "
              f"{same['same_pages']}/{same['pages']} pages", flush=True)
        for difference in same["differences"][:10]:
            print(f"    differs: {difference}", flush=True)

        # (c) no-op re-runs
        noop = [timed(run_cli(data, reports, "--plan", plan, "--jobs", str(args.jobs)))
                for _ in range(3)]
        c = statistics.median(noop)
        print(f"(c) no-op re-run: {c:.2f} s (median of 3; {min(noop):.2f}–{max(noop):.2f})",
              flush=True)

        # (d) more plans
        per_plan = []
        for n in copies:
            names = [f"county_{i:02d}" for i in range(1, n + 1)]
            batch = work / f"batch{n}"
            copy_plan(source, batch / "data", names)
            d = timed(run_cli(batch / "data", batch / "reports", "--all", "--force",
                              "--jobs", str(args.jobs)), sampler=sampler)
            per_plan.append((n, d))
            print(f"(d) {n} plan(s): {d:.1f} s ({d / n:.1f} s per plan)", flush=True)
        batch_peak = dict(sampler.peaks)

        # (e) the same batch on a Dask LocalCluster
        dask_run = None
        if not args.no_dask:
            n = 2 if 2 in copies else copies[0]
            from distributed import LocalCluster

            with LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                e = timed(run_cli(work / f"batch{n}" / "data", work / "dask-reports", "--all",
                                  "--force", "--scheduler", cluster.scheduler_address))
            dask_run = (n, e)
            print(f"(e) {n} plan(s) on a Dask LocalCluster of {args.jobs} workers: {e:.1f} s",
                  flush=True)

        floor = in_process(plan, data, year)
        imports = import_seconds([row["notebook"] for row in loop])
        report = {"a": a, "b": b, "c": c, "noop": noop, "loop": loop, "runner": runner,
                  "server": server, "imports": imports, "per_plan": per_plan, "dask": dask_run,
                  "floor": floor, "same": same, "loop_peak": loop_peak, "batch_peak": batch_peak,
                  "children_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "load": (load_before, os.getloadavg())}
    finally:
        sampler.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    text = render_report(report, plan, args)
    print()
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
        print(f"\nwritten to {args.markdown}")
    return 0


def render_report(r: dict[str, Any], plan: str, args: argparse.Namespace) -> str:
    a, b, c = r["a"], r["b"], r["c"]
    n = len(r["loop"])
    loop, runner = r["loop"], r["runner"]
    cli_start = sum(row["wall"] - row["papermill"] for row in loop)
    loop_kernel = sum(row.get("kernel", 0.0) for row in loop)
    loop_imports = sum(r["imports"].get(row["notebook"], 0.0) for row in loop)
    loop_cells = sum(row["cells"] for row in loop)
    loop_rest = sum(row["papermill"] - row.get("kernel", 0.0) - row["cells"] for row in loop)
    warm = sum(1 for row in runner if row.get("kernel_mode") == "warm")
    run_kernel = sum(row.get("kernel", 0.0) for row in runner)
    run_cells = sum(row.get("cells", 0.0) for row in runner)
    run_html = sum(row.get("html", 0.0) for row in runner)
    run_rest = sum(row["total"] - row.get("kernel", 0.0) - row.get("cells", 0.0)
                   - row.get("html", 0.0) for row in runner)
    preload = sum(sum(line.get("seconds", {}).values()) for line in r["server"])
    restarts = max((line.get("restarts", 0) for line in r["server"]), default=0)

    def share(part: float, whole: float) -> str:
        return f"{part:.1f} s ({100 * part / whole:.0f} %)" if whole else "-"

    loop_total = cli_start + loop_kernel + loop_cells + loop_rest
    run_total = sum(row["total"] for row in runner)
    where = table(
        ("where the time goes (seconds summed over the notebooks)",
         f"(a) papermill loop, {n} notebooks", f"(b) runner, {len(runner)} notebooks"),
        [("start-up: python and papermill imported", share(cli_start, loop_total),
          "once per worker, in the pool's fork server (overlapped)"),
         ("kernel start (until its first cell runs)", share(loop_kernel, loop_total),
          f"{share(run_kernel, run_total)} — {warm}/{len(runner)} kernels forked warm"),
         ("imports (pandas, matplotlib, seaborn, statsmodels, the package)",
          share(loop_imports, loop_total),
          f"once, in the kernel server: {preload:.1f} s (overlapped; {restarts} restart(s))"),
         ("compute (the cells, less their imports)", share(max(loop_cells - loop_imports, 0.0),
                                                            loop_total),
          share(run_cells, run_total)),
         ("HTML export", "— (the command renders nothing)", share(run_html, run_total)),
         ("the rest (papermill: reading, saving after each cell, shutting down)",
          share(loop_rest, loop_total), share(run_rest, run_total)),
         ("total of the notebooks' times", f"{loop_total:.1f} s", f"{run_total:.1f} s"),
         ("wall time", f"{a:.1f} s", f"{b:.1f} s on {args.jobs} workers")])
    rows = [(f"(a) `papermill` command, {n} notebooks one after the other", f"{a:.1f} s"),
            (f"(b) `python -m analysis run --force` ({args.jobs} jobs)",
             f"{b:.1f} s — **{a / b:.2f}×** faster than (a)"),
            ("(c) no-op re-run (nothing changed), median of 3", f"{c:.2f} s")]
    if r["per_plan"]:
        series = " / ".join(f"{t:.1f}" for _, t in r["per_plan"])
        per = " / ".join(f"{t / k:.1f}" for k, t in r["per_plan"])
        counts = " / ".join(str(k) for k, _ in r["per_plan"])
        rows.append((f"(d) {counts} plans, `--jobs {args.jobs}`, from scratch (`--force`)",
                     f"{series} s ({per} s per plan)"))
    if r["dask"]:
        k, t = r["dask"]
        rows.append((f"(e) {k} plans on a Dask `LocalCluster` ({args.jobs} single-threaded "
                     "workers)", f"{t:.1f} s ({t / k:.1f} s per plan)"))
    biggest = max(r["batch_peak"].values(), default=0) / 1024
    rows.append(("(g) peak memory of the largest process (runner, workers, kernel server, "
                 "kernels)", f"{biggest:.0f} MiB"))
    same = r["same"]
    rows.append(("(h) same outputs as the papermill loop",
                 f"{same['same_cells']}/{same['cells']} cells, {same['same_golden']}/"
                 f"{same['golden']} golden cells, {same['same_pages']}/{same['pages']} pages"))
    floor = r["floor"]
    rows.append(("cleaning / fitting every series with back-tests, in-process (no notebook)",
                 f"{floor['clean']:.2f} s / {floor['models']:.2f} s"))
    memory = table(("process", "peak memory (VmHWM)"),
                   [(kind, f"{r['batch_peak'][kind] / 1024:.0f} MiB") for kind in KINDS
                    if kind in r["batch_peak"]]
                   + [(f"{kind} (in (a))", f"{r['loop_peak'][kind] / 1024:.0f} MiB")
                      for kind in KINDS if kind in r["loop_peak"]]
                   + [("largest finished child of the whole benchmark (getrusage)",
                       f"{r['children_peak'] / 1024:.0f} MiB")])
    (l1, l5, _), (m1, m5, _) = r["load"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmark (`make bench`)",
        "",
        f"Plan `{plan}` on {machine()}; {when}; load average {l1:.1f}/{l5:.1f} before, "
        f"{m1:.1f}/{m5:.1f} after. Command: `{' '.join(['.venv/bin/python', 'scripts/bench.py', *sys.argv[1:]])}` "
        "(what `make bench` runs). Written by `scripts/bench.py`; timings on a shared machine "
        "vary from run to run.",
        "",
        table(("measure", "result"), rows),
        "",
        where,
        "",
        memory,
    ]
    if same["differences"]:
        parts += ["", "Outputs that differ between (a) and (b):", ""]
        parts += [f"* {d}" for d in same["differences"][:20]]
    return "\n".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
