"""The same batch sent to a Dask distributed cluster (a LocalCluster of two worker processes)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from analysis.pipeline.runner import run_batch

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import make_plan, options  # noqa: E402

distributed = pytest.importorskip("distributed")


def test_a_batch_runs_on_a_dask_cluster_by_its_address(tmp_path):
    make_plan(tmp_path / "data", "county_01")
    make_plan(tmp_path / "data", "county_02")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run = options(tmp_path, plans=("county_01", "county_02"), chapters=(1,),
                      scheduler=cluster.scheduler_address)
        results = run_batch(run, stream=io.StringIO())
        again = run_batch(run, stream=io.StringIO())
    assert [r.status for r in results] == ["ok"] * 12
    workers = {r.worker for r in results}
    assert len(workers) == 2  # both worker processes took tasks
    for plan in ("county_01", "county_02"):
        report = tmp_path / "reports" / plan / "2023"
        assert (report / "chapter_1.html").is_file() and (report / "index.html").is_file()
        assert (report / "notebooks" / "02_trend_models.ipynb").is_file()
    assert {r.status for r in again} == {"skipped"}
