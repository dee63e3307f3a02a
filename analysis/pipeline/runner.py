"""The batch runner: clean → models → chapter reports (in parallel) → summary, for many plans.

:func:`build_tasks` turns run options into a graph of :class:`~analysis.pipeline.tasks.TaskSpec`
and validates every task's parameters against its notebook's schema *before* anything runs;
:func:`run_batch` executes the graph on a local process pool or a Dask distributed cluster,
skipping tasks whose content-hash key matches their last successful run, isolating failures
(a failed task blocks only the tasks that need its outputs), and returns one
:class:`~analysis.pipeline.tasks.TaskResult` per task. A failed or blocked task never deletes
the outputs of its last success: they stay, marked stale (:func:`analysis.pipeline.stale.mark_stale`, and the
``stale`` list of ``manifest.json`` in the report folder), until the task succeeds again.

Nothing here imports pandas, papermill or dask unless a task has to run, so a no-op batch
finishes well under a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from analysis.core import paths
from analysis.core.errors import AnalysisError
from analysis.core.study import STUDY_FILE, load_study
from analysis.evaluate.rule import StatusRule, check_band, evaluation_mode
from analysis.pipeline import cache
from analysis.pipeline.executor import Executor
from analysis.pipeline.params import notebook_schema
from analysis.pipeline.plan_info import PlanInfo, load_plan_info
from analysis.pipeline.progress import Progress
from analysis.pipeline.stale import keep_outputs, write_manifests
from analysis.pipeline.summary import batch_failed, summary_table
from analysis.pipeline.tasks import (
    BLOCKED,
    FAILED,
    OK,
    SKIPPED,
    TaskResult,
    TaskSpec,
)

STAGES = ("clean", "models", "evaluate", "chapter", "summary", "document")
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Notebooks:
    """The notebook of each stage (absolute paths)."""

    clean: Path
    models: Path
    evaluate: Path
    chapter: Path
    summary: Path
    document: Path

    @classmethod
    def in_folder(cls, folder: str | Path | None = None) -> Notebooks:
        """The five stage notebooks in ``folder`` (default: the project's ``notebooks/``)."""
        base = Path(folder).resolve() if folder else paths.PROJECT_ROOT / "notebooks"
        return cls(
            clean=base / "01_clean_returns.ipynb",
            models=base / "02_trend_models.ipynb",
            evaluate=base / "03_evaluate.ipynb",
            chapter=base / "04_chapter_report.ipynb",
            summary=base / "05_summary.ipynb",
            document=base / "06_evaluation_report.ipynb",
        )

    def of(self, stage: str) -> Path:
        """The notebook of ``stage``."""
        return Path(getattr(self, stage))


@dataclass(frozen=True)
class RunOptions:
    """Everything one batch run needs; paths are made absolute by :func:`build_tasks`."""

    plans: tuple[str, ...]
    data_root: Path | None = None
    reports_root: Path | None = None
    eval_years: tuple[int | str, ...] = ()
    """The evaluations to run: years, or ``"midterm"`` / ``"final"`` (the plan's mid-term and
    target year); empty means the mid-term year. A ``"final"`` the returns do not reach yet is
    left out with a note (:attr:`TaskList.notes`); a year named outright always runs."""
    chapters: tuple[int, ...] | None = None
    langs: tuple[str, ...] = ("zh",)
    """The report languages: every page and document is written in each."""
    band: float | None = None
    jobs: int = max(1, os.cpu_count() or 1)
    force: bool = False
    scheduler: str | None = None
    timeout: int = 600
    kernel_name: str = "plan-eval"
    notebooks: Notebooks = field(default_factory=Notebooks.in_folder)
    renderer: str = "analysis.report:render_notebook_html"
    plan_info: Callable[[Path], PlanInfo] | None = None  # default: load_plan_info
    warm_kernels: bool = True
    """Fork each notebook's kernel from a preloaded server (:mod:`analysis.pipeline.kernels`);
    False (or ``PLAN_EVAL_KERNELS=cold``) starts a new kernel process per notebook."""


MIDTERM, FINAL = "midterm", "final"
"""The evaluations named by the plan's own years (``--eval-year midterm final``)."""


class TaskList(list["Task"]):
    """The tasks of a run, and the notes on evaluations left out (a final one the returns
    do not reach yet)."""

    def __init__(self, tasks: Sequence[Task] = (), notes: Sequence[str] = ()) -> None:
        super().__init__(tasks)
        self.notes: list[str] = list(notes)


@dataclass
class Task:
    """A task of the graph: what to run, what it needs, how to tell it is up to date."""

    spec: TaskSpec
    depends_on: list[str]
    record: Path
    inputs: Callable[[], list[Path]]
    input_base: Path
    outputs: list[Path]
    full_parameters: dict[str, Any]
    listed_outputs: list[Path] = field(default_factory=list)
    """Folders whose files (not their sub-folders) are outputs too, listed at record time."""
    report: Path | None = None
    """The report folder of the task's plan and year (where stale outputs are listed)."""
    study: dict[str, Any] = field(default_factory=dict)
    """The part of the plan's ``study.yaml`` the task reads (hashed into its key; empty when
    the file sets nothing the task reads, so a plan without a study file keeps its keys)."""
    expected_seconds: float | None = None
    """What the task is expected to take when no earlier run says (orders a first run)."""
    parts: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    """What its last computed key was made of (:func:`cache.key_parts`), kept in its record."""

    def recorded_outputs(self) -> list[Path]:
        """:attr:`outputs` plus every file now directly in a :attr:`listed_outputs` folder."""
        listed = [f for folder in self.listed_outputs
                  for f in cache.input_files(folder, recursive=False)]
        return list(dict.fromkeys([*self.outputs, *listed]))

    @property
    def label(self) -> str:
        """``demo 2023 chapter 2 [en]``: plan, evaluation year, stage or chapter, language."""
        spec = self.spec
        what = f"chapter {spec.chapter}" if spec.chapter is not None else spec.stage
        year = spec.parameters.get("eval_year", spec.parameters.get("as_of_year"))
        lang = f" [{spec.parameters['lang']}]" if spec.parameters.get("lang", "zh") != "zh" else ""
        return f"{spec.plan}{'' if year is None else f' {year}'} {what}{lang}"


def _validated(notebook: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    return notebook_schema(notebook).validate(parameters)


def _check_options(options: RunOptions) -> None:
    """Refuse run options that no notebook could use (types are checked by the schemas)."""
    if not options.langs or any(lang not in LANGS for lang in options.langs):
        bad = next((lang for lang in options.langs if lang not in LANGS), "")
        raise AnalysisError(f"--lang must be one of {', '.join(LANGS)}", text=bad)
    if not isinstance(options.jobs, int) or options.jobs < 1:
        raise AnalysisError("--jobs must be at least 1", text=options.jobs)
    if not isinstance(options.timeout, int) or options.timeout < 1:
        raise AnalysisError("--timeout must be at least 1 second", text=options.timeout)
    for year in options.eval_years:
        if year in (MIDTERM, FINAL):
            continue
        if not isinstance(year, int) or isinstance(year, bool):
            raise AnalysisError("parameter 'eval_year' must be int, 'midterm' or 'final'",
                                text=year)
        if not 1990 <= year <= 2100:
            raise AnalysisError("--eval-year must be a year between 1990 and 2100", text=year)
    if options.band is not None:
        check_band(options.band)  # the status rule's own range, as in every notebook
    if not options.plans:
        raise AnalysisError("no plan to run (name one with --plan or use --all)")


def build_tasks(options: RunOptions) -> TaskList:
    """The task graph of a run, every task's parameters validated; AnalysisError if any is
    refused. Its ``notes`` say which evaluations were left out and why."""
    _check_options(options)
    data_root = paths.data_root(options.data_root)
    reports_root = paths.reports_root(options.reports_root)
    for stage in STAGES:
        notebook_schema(options.notebooks.of(stage))  # a missing/bad notebook is refused first
    tasks = TaskList()
    for plan in dict.fromkeys(options.plans):
        tasks.extend(_plan_tasks(plan, options, data_root, reports_root, tasks.notes))
    return tasks


def evaluation_years(plan: str, info: PlanInfo, requested: Sequence[int | str],
                     notes: list[str]) -> list[int]:
    """The years to evaluate a plan in: ``requested`` (years, ``midterm``, ``final``) read
    against the plan; a ``final`` whose returns are not in the plan folder yet is left out
    with a note in ``notes`` (a year named outright runs whatever the data)."""
    years: list[int] = []
    for wanted in requested or (MIDTERM,):
        if wanted == MIDTERM:
            year = info.midterm_year
        elif wanted == FINAL:
            if info.target_year is None:
                raise AnalysisError("plan.yaml needs an integer target_year for the final "
                                    "evaluation", file=f"{plan}/plan.yaml", column="target_year")
            year = info.target_year
            if not info.has_returns(year):
                notes.append(f"{plan}: final evaluation ({year}) left out: the returns of {year} "
                             f"are not in the plan folder yet")
                continue
        else:
            year = int(wanted)
        years.append(year)
    return list(dict.fromkeys(years))


def _plan_tasks(plan: str, options: RunOptions, data_root: Path, reports_root: Path,
                notes: list[str]) -> list[Task]:
    """Every task of one plan: its clean task, then models and evaluation per year, then the
    pages and the document per year and language."""
    raw = paths.raw_plan_dir(plan, data_root)  # a plan name, a real folder, no links
    info = (options.plan_info or load_plan_info)(raw)
    study = load_study(raw)  # the study's settings, checked before anything runs
    chapters = options.chapters or info.chapters
    unknown = [n for n in chapters if n not in info.chapters]
    if unknown:
        raise AnalysisError(
            f"plan '{plan}' has no chapter {unknown[0]} (chapters: "
            f"{', '.join(map(str, info.chapters))})",
            file=raw / "plan.yaml",
        )
    processed = paths.processed_plan_dir(plan, data_root)
    paths.refuse_raw_target(processed / ".cache")  # outputs never land in the raw inputs
    plan_task = _PlanTasks(plan, options, info, study, raw, data_root, reports_root)

    def plan_inputs() -> list[Path]:  # study.yaml is read by the models and the evaluation
        return [f for f in paths.plan_files(raw) if f != raw / STUDY_FILE]

    years = evaluation_years(plan, info, options.eval_years, notes)
    if not years:
        return []
    tasks = [
        # Inputs: the plan folder's files as every stage reads them (links refused).
        # Outputs: every processed table, so one deleted by hand is rebuilt. Its executed
        # notebook is kept with the first evaluation's reports.
        plan_task.make("clean", f"{plan}/clean", plan_task.base, "01_clean_returns.ipynb", [],
                       processed / ".cache" / "clean.json", plan_inputs,
                       [processed / "manifest.json"],
                       out=paths.report_dir(plan, years[0], reports_root), listed=[processed]),
    ]
    for year in years:
        tasks.extend(plan_task.of_year(year, chapters))
    return tasks


@dataclass
class _PlanTasks:
    """Builds the tasks of one plan (what every task of it shares)."""

    plan: str
    options: RunOptions
    info: PlanInfo
    study: Any
    raw: Path
    data_root: Path
    reports_root: Path

    @property
    def base(self) -> dict[str, Any]:
        return {"plan": self.plan, "data_root": str(self.data_root)}

    @property
    def processed(self) -> Path:
        return paths.processed_plan_dir(self.plan, self.data_root)

    def make(self, stage: str, task_id: str, params: dict[str, Any], executed: str,
             deps: list[str], record: Path, inputs: Callable[[], list[Path]],
             outputs: list[Path], *, out: Path, html: Path | None = None,
             title: str = "", listed: Sequence[Path] = (),
             settings: dict[str, Any] | None = None, expected: float | None = None) -> Task:
        """One task, its parameters validated against its notebook's schema."""
        options = self.options
        notebook = options.notebooks.of(stage)
        full = _validated(notebook, params)
        folder, kept = out, out / "notebooks"
        spec = TaskSpec(
            task_id=task_id, stage=stage, plan=self.plan, chapter=params.get("chapter"),
            notebook=str(notebook), parameters=params, executed_path=str(kept / executed),
            html_path=str(html) if html else None, title=title,
            renderer=options.renderer if html else None, kernel_name=options.kernel_name,
            timeout=options.timeout, failed_dir=str(folder / "failed"),
        )
        return Task(spec, deps, record, inputs, self.data_root,
                    [kept / executed, *([html] if html else []), *outputs], full,
                    listed_outputs=list(listed), report=folder, study=dict(settings or {}),
                    expected_seconds=expected)

    def of_year(self, year: int, chapters: Sequence[int]) -> list[Task]:
        """The models, the evaluation, and every page and document of one evaluation year."""
        plan, info, options, raw = self.plan, self.info, self.options, self.raw
        mode = evaluation_mode(year, midterm_year=info.midterm_year, target_year=info.target_year)
        if info.base_year is not None and info.target_year is not None:
            settings = {**self.study.rule_settings(),
                        **({} if options.band is None else {"band": options.band})}
            try:  # the status rule's own check of the plan period, before anything runs
                StatusRule(base_year=info.base_year, midterm_year=info.midterm_year,
                           target_year=info.target_year, eval_year=year, **settings)
            except AnalysisError as error:
                raise error.located(file=raw / "plan.yaml") from None
        processed = self.processed
        models = paths.models_dir(plan, year, self.data_root)
        evaluation = paths.evaluation_dir(plan, year, self.data_root)
        out = paths.report_dir(plan, year, self.reports_root)
        paths.refuse_raw_target(out / ".cache")  # outputs never land in the raw inputs
        records = out / ".cache"
        band = {} if options.band is None else {"band": options.band}

        def tables() -> list[Path]:
            return cache.input_files(processed, recursive=False)

        def evaluate_inputs() -> list[Path]:
            return [raw / "plan.yaml", *tables(), *cache.input_files(models)]

        def report_inputs() -> list[Path]:
            return [*evaluate_inputs(), *cache.input_files(evaluation)]

        base = self.base
        models_id, evaluate_id = f"{plan}/models/{year}", f"{plan}/{year}/evaluate"
        tasks = [
            self.make("models", models_id, {**base, "as_of_year": year}, "02_trend_models.ipynb",
                      [f"{plan}/clean"], models / ".cache" / "models.json", tables, [models],
                      out=out, settings=self.study.methods_part()),
            self.make("evaluate", evaluate_id,
                      {**base, "eval_year": year, **band, "publish_to": str(out)},
                      "03_evaluate.ipynb", [models_id], evaluation / ".cache" / "evaluate.json",
                      evaluate_inputs, [evaluation, out / paths.EVALUATION_CSV], out=out,
                      settings=self.study.rule_part()),
        ]
        # The report a bureau submits (analysis.report.naming names its files without pandas).
        from analysis.report.naming import document_file_name, evaluation_kind, report_page_name

        targets = info.targets_per_chapter or {}
        for lang in dict.fromkeys(options.langs):
            sfx = paths.lang_suffix(lang)
            params = {**base, "eval_year": year, "lang": lang}
            for n in chapters:
                tasks.append(self.make(
                    "chapter", f"{plan}/{year}/chapter_{n}{sfx}", {**params, "chapter": n},
                    f"04_chapter_report.chapter_{n}{sfx}.ipynb", [evaluate_id],
                    records / f"chapter_{n}{sfx}.json", report_inputs, [], out=out,
                    html=out / paths.report_page(n, lang),
                    title=f"{info.title(lang)} — "
                          f"{'第' + str(n) + '章' if lang == 'zh' else f'Chapter {n}'}",
                    expected=TYPICAL_SECONDS["chapter"] + SECONDS_PER_TARGET * targets.get(n, 0),
                ))
            tasks.append(self.make(
                "summary", f"{plan}/{year}/summary{sfx}", params, f"05_summary{sfx}.ipynb",
                [evaluate_id], records / f"summary{sfx}.json", report_inputs, [], out=out,
                html=out / paths.report_page(None, lang),
                title=f"{info.title(lang)} — {evaluation_kind(mode, year, lang)}",
            ))
            # The Word document and report.html; it reads what the summary reads.
            word = document_file_name(info.title(lang), mode, year, lang)
            tasks.append(self.make(
                "document", f"{plan}/{year}/document{sfx}", {**params, "out_dir": str(out)},
                f"06_evaluation_report{sfx}.ipynb", [evaluate_id], records / f"document{sfx}.json",
                report_inputs, [out / word, out / report_page_name(lang)], out=out,
            ))
        return tasks


# --------------------------------------------------------------------------- execution


def _key_parameters(task: Task) -> dict[str, Any]:
    """The parameters hashed into a task's key: its notebook's, plus the part of the study
    file it reads (only when there is one, so keys without a study file stay as they were)."""
    return {**task.full_parameters, "study": task.study} if task.study else task.full_parameters


def _key(task: Task) -> str:
    """The content-hash key of a task: its notebook, parameters (and study settings), the code
    the notebook uses (:func:`cache.code_files`) and its input files — :func:`cache.task_key`,
    computed from the file-by-file :func:`cache.key_parts`, which the task keeps for its record."""
    task.parts = cache.key_parts(task.spec.notebook, task.inputs(), base=task.input_base)
    return cache.key_from_parts(task.parts, _key_parameters(task))


#: Typical seconds of each stage's notebook (a warm kernel on 2 cores, docs/benchmark.md): what
#: orders the ready tasks when no earlier run of a task says how long it takes. A chapter page
#: takes its base time plus :data:`SECONDS_PER_TARGET` for each target of the chapter.
TYPICAL_SECONDS = {"clean": 1.3, "models": 3.0, "evaluate": 0.5, "chapter": 0.8,
                   "summary": 0.7, "document": 1.2}
SECONDS_PER_TARGET = 0.02


def task_ranks(graph: Sequence[Task], estimates: Mapping[str, float] | None = None
               ) -> dict[str, float]:
    """Each task's rank: its expected seconds plus the longest chain of tasks that wait for
    it. Ready tasks start highest rank first, so the chain that decides when the batch ends
    never waits behind a short task (critical-path list scheduling); seconds come from
    ``estimates`` (earlier runs) or :data:`TYPICAL_SECONDS`."""
    known = dict(estimates or {})
    after: dict[str, list[str]] = {task.spec.task_id: [] for task in graph}
    for task in graph:
        for dep in task.depends_on:
            after.setdefault(dep, []).append(task.spec.task_id)
    ranks: dict[str, float] = {}
    for task in reversed(graph):  # a task comes after the tasks it depends on
        task_id = task.spec.task_id
        own = known.get(task_id, task.expected_seconds
                        or TYPICAL_SECONDS.get(task.spec.stage, 1.0))
        ranks[task_id] = own + max((ranks.get(d, 0.0) for d in after[task_id]), default=0.0)
    return ranks


def _fresh(task: Task) -> tuple[bool, str]:
    """``(up to date?, key)`` of a task whose upstream tasks are done.

    Up to date: the record holds this key and every output it lists still has its recorded
    digest.
    """
    key = _key(task)
    return cache.is_fresh(task.record, [key]), key


def _record(task: Task, key: str) -> None:
    """Record a success: the key, the outputs and their digests."""
    cache.write_record(task.record, key=key, outputs=task.recorded_outputs(),
                       extra={"task": task.spec.task_id, "parameters": task.full_parameters,
                              "study": task.study,
                              # what the key was made of, so that --dry-run and status can
                              # say which input, parameter or code changed since
                              "parts": task.parts})


def run_batch(options: RunOptions, *, tasks: Sequence[Task] | None = None,
              stream: TextIO | None = None, tty: bool | None = None,
              progress: Progress | None = None) -> list[TaskResult]:
    """Run (or skip) every task of the run; return one result per task, in graph order.

    A task starts as soon as the tasks it depends on are done (a plan's chapters start when
    its models finish, while other plans may still be cleaning). A task whose key matches
    its record is skipped without starting a worker; a failed task blocks its dependants
    only. ``options.scheduler`` (an address or a ``distributed.Client``) sends the tasks
    to a Dask cluster instead of the local process pool. ``progress`` replaces the default
    display (the command line's: time left from earlier runs, ``--quiet``, ``--log``).
    """
    graph = list(tasks) if tasks is not None else build_tasks(options)
    by_id = {task.spec.task_id: task for task in graph}
    results: dict[str, TaskResult] = {}
    keys: dict[str, str] = {}
    running: dict[Any, str] = {}
    progress = progress or Progress(len(graph), stream=stream, tty=tty)
    executor = Executor(options.jobs, options.scheduler, options.renderer,
                         [task.spec.notebook for task in graph], options.warm_kernels)
    waiting = [task.spec.task_id for task in graph]
    ranks = task_ranks(graph, getattr(progress, "estimates", None))
    queued: list[str] = []
    # Tasks that succeeded and still need their cache record: written once the freed workers
    # have their next tasks (hashing the outputs reads them).
    unrecorded: list[str] = []

    def record_succeeded() -> None:
        while unrecorded:
            task = by_id[unrecorded.pop(0)]
            try:
                _record(task, keys[task.spec.task_id] or _key(task))  # no key yet under --force
            except (OSError, AnalysisError) as exc:  # e.g. a folder that cannot be written
                result = results[task.spec.task_id]
                result.status, result.message = FAILED, f"cannot record the run: {exc}"
                progress.note(f"failed  {task.label} — {result.message}")

    def keep_stale(task: Task, result: TaskResult) -> None:
        kept, problem = keep_outputs(task)
        result.stale, result.report_dir = kept, str(task.report or "")
        if problem:
            result.message = f"{result.message}; {problem}" if result.message else problem

    def settle(task: Task, status: str, message: str = "") -> None:
        spec = task.spec
        result = TaskResult.of(spec, status, 0.0, message)
        if status in (FAILED, BLOCKED):
            keep_stale(task, result)
        results[spec.task_id] = result
        progress.finished_task(spec.task_id, task.label, status, 0.0, result.message)

    try:
        while waiting or queued or running or unrecorded:
            progressed = True
            while progressed:
                progressed = False
                for task_id in list(waiting):
                    task = by_id[task_id]
                    states = [results.get(dep) for dep in task.depends_on]
                    if any(state is None for state in states):
                        continue
                    waiting.remove(task_id)
                    progressed = True
                    bad = [dep for dep, state in zip(task.depends_on, states, strict=True)
                           if state.status in (FAILED, BLOCKED)]
                    if bad:
                        settle(task, BLOCKED, f"needs {bad[0]}")
                        continue
                    try:
                        fresh, key = (False, "") if options.force else _fresh(task)
                    except (OSError, AnalysisError) as exc:  # an unreadable input or record
                        settle(task, FAILED, f"cannot check the cache: {exc}")
                        continue
                    if fresh:
                        settle(task, SKIPPED, "unchanged")
                        continue
                    keys[task_id] = key
                    queued.append(task_id)
            # Hand tasks to the local pool only as workers free up, so that "start" means it;
            # a Dask scheduler gets them all at once and balances them itself.
            queued.sort(key=lambda task_id: -ranks[task_id])  # the longest chain first
            while queued and (options.scheduler is not None or len(running) < options.jobs):
                task_id = queued.pop(0)
                running[executor.submit(by_id[task_id].spec)] = task_id
                progress.started_task(task_id, by_id[task_id].label)
            record_succeeded()
            if not running:
                continue
            for future in executor.wait_any(list(running)):
                task_id = running.pop(future)
                task = by_id[task_id]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker fails one task only
                    result = TaskResult.of(task.spec, FAILED, 0.0,
                                           f"worker lost: {type(exc).__name__}: {exc}")
                if result.status == OK:
                    unrecorded.append(task_id)
                else:
                    keep_stale(task, result)
                results[task_id] = result
                progress.finished_task(task_id, task.label, result.status, result.seconds,
                                       result.message)
    finally:
        try:
            record_succeeded()  # also when interrupted: what succeeded stays up to date
            for problem in write_manifests(graph, results):
                progress.note(f"error: {problem}")
        finally:
            progress.close()
            executor.close()
    return [results[task.spec.task_id] for task in graph]


__all__ = [
    "Notebooks", "PlanInfo", "RunOptions", "Task", "build_tasks", "run_batch",
    "summary_table", "batch_failed", "load_plan_info",
]
