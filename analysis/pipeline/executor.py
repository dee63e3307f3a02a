"""Where the runner's tasks run: a local process pool (its workers' kernels forked from one
warm-kernel server) or a Dask cluster, behind one small interface."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from analysis.core.errors import AnalysisError
from analysis.pipeline import kernels
from analysis.pipeline.tasks import TaskSpec, prepare_worker, run_task


class Executor:
    """A process pool or a Dask client behind one small interface (created on first use)."""

    def __init__(self, jobs: int, scheduler: str | Any | None, renderer: str | None = None,
                 notebooks: Sequence[str] = (), warm: bool = True) -> None:
        self.jobs = jobs
        self.scheduler = scheduler
        self.renderer = renderer
        self.notebooks = list(notebooks)  # what the warm-kernel server preloads for
        self.warm = warm and kernels.enabled()
        self._pool: Any = None
        self._client: Any = None
        self._owns_client = False
        self._kernels: kernels.KernelServer | None = None
        self._warm: kernels.WarmKernels | None = None

    def submit(self, spec: TaskSpec) -> Any:
        """Hand ``spec`` to a worker (the local pool's workers die with this process)."""
        if self.scheduler is not None:
            if self._client is None:
                self._client = self._connect()
            # each Dask worker process starts its own kernel server on its first task
            if self.warm and self._warm is None:
                self._warm = kernels.WarmKernels(kernels.preload_modules(self.notebooks))
            return self._client.submit(run_task, spec, self._warm, pure=False,
                                       key=f"{spec.task_id}-{os.urandom(4).hex()}")
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("forkserver")
            # Import papermill (and nbformat, slow) once in the fork server, not in every
            # worker; each worker loads the HTML renderer in the background when it starts.
            context.set_forkserver_preload(["analysis.pipeline.tasks",
                                            "analysis.pipeline._worker"])
            # One warm-kernel server for the batch, importing the notebooks' modules while
            # the fork server imports papermill: every worker's kernels are forked from it.
            if self.warm:
                self._kernels = kernels.KernelServer.start(
                    kernels.preload_modules(self.notebooks), kernel_name=spec.kernel_name,
                    first=len(kernels.preload_modules([spec.notebook])))
            address = self._kernels.address if self._kernels is not None else None
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                             initializer=prepare_worker,
                                             initargs=(self.renderer, os.getpid(), address))
            future = self._pool.submit(run_task, spec)
            for _ in range(self.jobs - 1):  # start every worker now, not at its first task:
                self._pool.submit(os.getpid)  # it loads the renderer while the first one runs
            return future
        return self._pool.submit(run_task, spec)

    def _connect(self) -> Any:
        from distributed import Client

        if isinstance(self.scheduler, str):
            self._owns_client = True
            try:
                return Client(self.scheduler, timeout="30s")
            except OSError as exc:
                raise AnalysisError(
                    f"cannot reach the Dask scheduler ({exc})", text=self.scheduler
                ) from None
        return self.scheduler  # an existing distributed.Client

    def wait_any(self, futures: list[Any]) -> list[Any]:
        """Block until at least one of ``futures`` is done; return the done ones."""
        if self.scheduler is not None:
            from distributed import wait

            return list(wait(futures, return_when="FIRST_COMPLETED").done)
        from concurrent.futures import FIRST_COMPLETED, wait

        return list(wait(futures, return_when=FIRST_COMPLETED).done)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._kernels is not None:
            self._kernels.stop()
        if self._client is not None and self._owns_client:
            self._client.close()
