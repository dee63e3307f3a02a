"""The batch runner behind ``python -m analysis run``.

* :mod:`~analysis.pipeline.params` — parameter schemas read from each notebook's
  ``parameters`` cell, strict validation before anything runs;
* :mod:`~analysis.pipeline.cache` — content-hash keys and the records kept next to outputs;
* :mod:`~analysis.pipeline.tasks` — one notebook task and the worker function running it;
* :mod:`~analysis.pipeline.runner` — the task graph, the process pool / Dask execution and
  the summary table;
* :mod:`~analysis.pipeline.progress` — progress lines on a terminal or in a CI log.

Importing this package is cheap: pandas, papermill and dask are imported only when a task
actually has to run.
"""

from analysis.pipeline.runner import (
    Notebooks,
    PlanInfo,
    RunOptions,
    batch_failed,
    build_tasks,
    run_batch,
    summary_table,
)

__all__ = [
    "Notebooks",
    "PlanInfo",
    "RunOptions",
    "batch_failed",
    "build_tasks",
    "run_batch",
    "summary_table",
]
