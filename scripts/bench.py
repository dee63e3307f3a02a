"""Benchmark the batch runner on this machine, in one run (``make bench``).

Measures, on copies of a plan folder under a temporary data root:

(a) a plain sequential loop of the ``papermill`` command over the same notebooks and
    parameters the runner uses (clean, models, each chapter, summary);
(b) ``python -m analysis run --force`` for the same plan;
(c) a no-op re-run (nothing changed: every task is skipped);
(d) batches of 1, 2, 4 and 8 copies of the plan (county_01 … county_08) with ``--jobs``
    equal to the cores, to show the time growing linearly with plans / workers;
(e) the in-process timings of cleaning and of model fitting (no notebook, no kernel);
(f) the peak memory (max RSS) of this process and of the largest child process.

It prints one table and the ratios (a)/(b), (c) in seconds and (d) per plan. Nothing under
the project's data/ or reports/ is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(command: list[str], **kwargs: object) -> float:
    """Seconds a command takes; the command must succeed."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
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


def papermill_loop(plan: str, data_root: Path, out: Path, jobs: int) -> tuple[float, int]:
    """(a): the papermill command once per task, one after the other, same parameters."""
    from analysis.pipeline.runner import RunOptions, build_tasks

    tasks = build_tasks(RunOptions(plans=(plan,), data_root=data_root, reports_root=out,
                                   jobs=jobs))
    papermill = str(Path(sys.executable).with_name("papermill"))
    started = time.perf_counter()
    for task in tasks:
        spec = task.spec
        target = out / "papermill" / Path(spec.executed_path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        timed([papermill, "-k", spec.kernel_name, "--execution-timeout", str(spec.timeout),
               "--no-progress-bar", "-y", json.dumps(spec.parameters), spec.notebook,
               str(target)])
    return time.perf_counter() - started, len(tasks)


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
    """(e): cleaning and model fitting called as functions in one fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, plan, str(data_root), str(year)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=None, help="plan folder to copy (default: the first)")
    parser.add_argument("--copies", default="1,2,4,8",
                        help="batch sizes for (d), comma-separated (default 1,2,4,8)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    from analysis.core import paths
    from analysis.pipeline.runner import load_plan_info

    plan = args.plan or (paths.list_plans() or [None])[0]
    if plan is None:
        raise SystemExit("no plan folder under data/raw/")
    source = paths.raw_plan_dir(plan)
    year = load_plan_info(source).midterm_year
    copies = [int(n) for n in args.copies.split(",")]
    work = Path(tempfile.mkdtemp(prefix="plan-eval-bench-"))
    rows: list[tuple[str, str]] = []
    print(f"benchmark: plan {plan}, {args.jobs} jobs, {os.cpu_count()} cores, in {work}",
          flush=True)
    try:
        data, reports = work / "data", work / "reports"
        copy_plan(source, data, [plan])

        a, n_tasks = papermill_loop(plan, data, work / "loop", args.jobs)
        rows.append((f"(a) papermill loop, {n_tasks} notebooks", f"{a:8.1f} s"))
        print(*rows[-1], flush=True)
        b = timed(run_cli(data, reports, "--plan", plan, "--force", "--jobs", str(args.jobs)))
        rows.append(("(b) analysis run --force", f"{b:8.1f} s"))
        print(*rows[-1], flush=True)
        c = timed(run_cli(data, reports, "--plan", plan, "--jobs", str(args.jobs)))
        rows.append(("(c) no-op re-run", f"{c:8.2f} s"))
        print(*rows[-1], flush=True)

        per_plan = []
        for n in copies:
            names = [f"county_{i:02d}" for i in range(1, n + 1)]
            batch_data = work / f"batch{n}" / "data"
            copy_plan(source, batch_data, names)
            d = timed(run_cli(batch_data, work / f"batch{n}" / "reports", "--all", "--force",
                              "--jobs", str(args.jobs)))
            per_plan.append((n, d))
            rows.append((f"(d) {n} plan(s), --jobs {args.jobs}", f"{d:8.1f} s  ({d / n:.1f} s/plan)"))
            print(*rows[-1], flush=True)

        e = in_process(plan, data, year)
        rows.append(("(e) import analysis.clean + models", f"{e['import']:8.2f} s"))
        rows.append(("(e) cleaning, in-process", f"{e['clean']:8.2f} s"))
        rows.append(("(e) model fitting, in-process", f"{e['models']:8.2f} s"))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("(f) peak memory, largest child process", f"{children:8.0f} MiB"))
        rows.append(("(f) peak memory, this process", f"{own:8.0f} MiB"))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print()
    print(f"speed-up (a)/(b): {a / b:.2f}x")
    print(f"no-op re-run (c): {c:.2f} s")
    if per_plan:
        base_n, base_t = per_plan[0]
        for n, t in per_plan:
            waves = -(-n // args.jobs)
            print(f"(d) {n} plan(s): {t / n:.1f} s per plan, {t / base_t:.2f}x the time of "
                  f"{base_n} plan(s) for {n / base_n:.0f}x the plans "
                  f"({n / args.jobs:.1f} plans per worker, {waves} wave(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
