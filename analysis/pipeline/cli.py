"""Command line: ``python -m analysis run | status | params | template | plans |
catalogue draft|compare``.

``run`` runs the batch (``--dry-run``: the tasks it would run and why, writing nothing;
``-f FILE``: its parameters from a YAML file; ``--quiet``; ``--log FILE``); ``status`` shows
every task fresh, stale or failed with the time of its last run; ``params NOTEBOOK`` lists a
notebook's parameters (names, types, defaults, help).

User errors (an ``AnalysisError``, a refused parameter or option) are printed as one line
without a traceback and exit with status 2; a batch in which a task failed exits with 1.
Heavy libraries are imported only by the code paths that need them, so a run with nothing
to do returns in well under a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from analysis.core.errors import AnalysisError

if TYPE_CHECKING:  # the runner is imported by the commands that use it (a cheap --help)
    from analysis.pipeline.runner import RunOptions, Task

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that refuses abbreviations and reports a bad option in one line."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}") from None
    if not 1990 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"year out of range (1990-2100): {text!r}")
    return value


def _evaluation(text: str) -> int | str:
    """An evaluation: a year, or ``midterm`` / ``final`` (the plan's own years)."""
    word = text.strip().lower()
    if word in ("midterm", "final"):
        return word
    try:
        return _year(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"not a year, 'midterm' or 'final': {text!r}") from None


def _plan_name(text: str) -> str:
    """A plan name (a folder directly under data/raw/), never a path."""
    from analysis.core.paths import check_plan_name

    try:
        return check_plan_name(text)
    except AnalysisError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _chapters(text: str) -> tuple[int, ...]:
    try:
        numbers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of chapter numbers: {text!r}"
        ) from None
    if not numbers or any(n < 1 for n in numbers):
        raise argparse.ArgumentTypeError(f"chapter numbers start at 1: {text!r}")
    return tuple(dict.fromkeys(numbers))


def _band(text: str) -> float:
    """The band, checked by the status rule itself (the range every notebook accepts)."""
    from analysis.evaluate.rule import check_band

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    try:
        return check_band(value)
    except AnalysisError as error:
        raise argparse.ArgumentTypeError(error.problem) from None


def _selection(command: argparse.ArgumentParser) -> None:
    """The options that choose the tasks of a run (``run`` and ``status``)."""
    command.add_argument("--eval-year", type=_evaluation, nargs="+", default=None,
                         metavar="YEAR",
                         help="evaluation year(s): a year after the plan's base year and at "
                              "most its target year, 'midterm' or 'final' (the plan's own "
                              "years; 'final' is left out, with a note, until the returns of "
                              "the target year are in the plan folder); default: midterm")
    command.add_argument("--chapters", type=_chapters, default=None, metavar="1,3",
                         help="only these chapters (default: every chapter of the plan)")
    command.add_argument("--lang", choices=("zh", "en"), nargs="+", default=None,
                         help="report language(s), e.g. --lang zh en (default: zh)")
    command.add_argument("--band", type=_band, default=None,
                         help="tolerance band of the status rule, in [0, 0.5): overrides the "
                              "plan's study.yaml (default: study.yaml, else 0.05); recorded in "
                              "rule.json")
    command.add_argument("--notebooks", type=Path, default=None, metavar="DIR",
                         help="folder holding the five stage notebooks (default: notebooks/)")


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m analysis`` argument parser."""
    parser = _Parser(prog="python -m analysis",
                     description="Mid-term evaluation of education plans: batch runner and tools.")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="data folder holding raw/ and processed/ (default: the project's data/)")
    parser.add_argument("--reports-root", type=Path, default=None,
                        help="reports folder (default: the project's reports/)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="clean → models → evaluate → chapter reports → summary")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--plan", nargs="+", action="extend", metavar="NAME", type=_plan_name,
                       help="plan folder name(s) under data/raw/ (names, not paths)")
    which.add_argument("--all", action="store_true", help="every plan folder under data/raw/")
    _selection(run)
    run.add_argument("--jobs", type=_positive, default=None, metavar="N",
                     help="parallel notebooks on this machine (default: number of cores)")
    run.add_argument("--force", action="store_true", help="run every task, ignoring the cache")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="Dask distributed scheduler, e.g. tcp://host:8786 (default: local pool)")
    run.add_argument("--timeout", type=_positive, default=None, metavar="SECONDS",
                     help="per-cell execution timeout (default: 600)")
    run.add_argument("-f", "--parameters-file", type=Path, default=None, metavar="FILE",
                     help="YAML file of run parameters (plan, eval_year, chapters, lang, band, "
                          "jobs, timeout); options given on the command line win")
    run.add_argument("--dry-run", action="store_true",
                     help="list the tasks that would run and why; run and write nothing")
    run.add_argument("--quiet", action="store_true",
                     help="no progress lines; at the end only the counts (the table on failure)")
    run.add_argument("--log", type=Path, default=None, metavar="FILE",
                     help="append every progress line (time-stamped) and the summary to FILE")

    status = commands.add_parser("status", help="every task fresh, stale or failed, with the "
                                 "time of its last run (runs and writes nothing)")
    status.add_argument("--plan", nargs="+", action="extend", metavar="NAME", type=_plan_name,
                        help="plan folder name(s) under data/raw/ (default: every plan)")
    _selection(status)

    params = commands.add_parser("params", help="a notebook's parameters: names, types, "
                                 "defaults and help (like papermill --help-notebook)")
    params.add_argument("notebook", metavar="NOTEBOOK",
                        help="a notebook file (.ipynb or its paired .py), a notebook name in "
                             "notebooks/ (04_chapter_report) or a stage (clean, models, "
                             "evaluate, chapter, summary)")
    params.add_argument("--notebooks", type=Path, default=None, metavar="DIR",
                        help="folder holding the stage notebooks (default: notebooks/)")

    template = commands.add_parser("template", help="write an empty returns workbook for a plan")
    template.add_argument("--plan", required=True, metavar="NAME", type=_plan_name,
                          help="plan folder name under data/raw/ (a name, not a path)")
    template.add_argument("--year", required=True, type=_year, metavar="YYYY")
    template.add_argument("--out", type=Path, default=None, metavar="PATH",
                          help="where to write it (default: chosen by analysis.clean.template)")

    commands.add_parser("plans", help="list the plan folders under data/raw/")

    catalogue = commands.add_parser("catalogue", help="draft a catalogue from the plan document; "
                                    "compare a draft with a hand-made catalogue")
    steps = catalogue.add_subparsers(dest="catalogue_command", required=True, parser_class=_Parser)
    draft = steps.add_parser("draft", help="write a draft plan folder data/raw/NAME/ from a plan "
                             "document (never writes over a file; docs/catalogue_draft.md)")
    draft.add_argument("plan_file", type=Path, metavar="PLAN_FILE", help="the plan: .docx, .txt or .md")
    draft.add_argument("--plan", required=True, metavar="NAME",
                       help="folder name of the plan under data/raw/ (a name, not a path)")
    compare = steps.add_parser("compare", help="recall and precision of a draft catalogue "
                               "against a hand-made one")
    compare.add_argument("draft", type=Path, metavar="DRAFT.csv")
    compare.add_argument("reference", type=Path, metavar="REFERENCE.csv")
    return parser


#: The ``run`` option that sets each notebook parameter (``params`` prints it).
SET_BY = {
    "plan": "--plan",
    "data_root": "--data-root",
    "eval_year": "--eval-year",
    "as_of_year": "--eval-year",
    "chapter": "--chapters",
    "lang": "--lang",
    "band": "--band (else study.yaml)",
    "publish_to": "the runner (reports folder)",
}


def _options(args: argparse.Namespace, plans: Sequence[str],
             file: dict[str, Any] | None = None) -> RunOptions:
    """Run options from the command line, over a parameters file's values, over the defaults."""
    import os

    from analysis.core import paths
    from analysis.pipeline import runner

    values = dict(file or {})

    def pick(name: str, default: Any = None) -> Any:
        given = getattr(args, name, None)
        return given if given is not None else values.get(name, default)

    return runner.RunOptions(
        plans=tuple(plans),
        data_root=paths.data_root(args.data_root),
        reports_root=paths.reports_root(args.reports_root),
        eval_years=_listed(pick("eval_year")),
        chapters=pick("chapters"),
        langs=_listed(pick("lang")) or ("zh",),
        band=pick("band"),
        jobs=int(pick("jobs", max(1, os.cpu_count() or 1))),
        force=bool(getattr(args, "force", False)),
        scheduler=getattr(args, "scheduler", None),
        timeout=int(pick("timeout", 600)),
        notebooks=runner.Notebooks.in_folder(args.notebooks),
    )


def _listed(value: Any) -> tuple[Any, ...]:
    """A value given once or as a list (command line, parameters file), as a tuple."""
    if value is None:
        return ()
    return tuple(dict.fromkeys(value if isinstance(value, list | tuple) else [value]))


def _plans_of(args: argparse.Namespace, named: Sequence[str] | None) -> tuple[str, ...]:
    from analysis.core import paths

    plans = tuple(named or paths.list_plans(args.data_root))
    if not plans:
        raise AnalysisError("no plan folder with a plan.yaml", file=paths.data_root(args.data_root) / "raw")
    return plans


def _run(args: argparse.Namespace) -> int:
    from analysis.core import paths
    from analysis.pipeline import runner

    file = _read_run_file(args.parameters_file) if args.parameters_file else {}
    named = args.plan or (None if args.all else file.get("plan"))
    if not named and not args.all:
        raise AnalysisError("name the plan(s) with --plan NAME, or --all, or 'plan:' in the "
                            "parameters file (-f)")
    if args.dry_run and args.log:
        raise AnalysisError("--dry-run writes nothing: leave out --log", text=str(args.log))
    options = _options(args, _plans_of(args, named), file)
    tasks = runner.build_tasks(options)  # refuses bad parameters before anything runs
    for note in tasks.notes:  # evaluations left out (a final one the returns do not reach)
        print(f"note: {note}")
    if args.dry_run:
        from analysis.pipeline.status import dry_run

        print(dry_run(tasks, force=options.force)[0])
        return EXIT_OK
    log = None
    if args.log:
        log_path = paths.refuse_raw_target(Path(args.log).resolve())
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        return _execute(args, options, tasks, log)
    finally:
        if log is not None:
            log.close()


def _execute(args: argparse.Namespace, options: RunOptions, tasks: list[Task],
             log: TextIO | None) -> int:
    """Run the validated tasks with the progress display; print the summary and the reports."""
    import shlex
    from datetime import datetime

    from analysis.pipeline import runner
    from analysis.pipeline.progress import Progress, TimingHistory
    from analysis.pipeline.status import report_lines

    history = TimingHistory.of_reports(options.reports_root or ".")
    if log is not None:
        stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
        log.write(f"{stamp} python -m analysis {shlex.join(sys.argv[1:]) or 'run'}\n")
    progress = Progress(len(tasks), estimates=history.estimates(tasks),
                        jobs=options.jobs,
                        watch={t.spec.task_id: t.spec.executed_path for t in tasks},
                        quiet=args.quiet, log=log)
    results = runner.run_batch(options, tasks=tasks, progress=progress)
    langs = {t.spec.task_id: str(t.spec.parameters.get("lang", "zh")) for t in tasks}
    history.update(results, lang_of=lambda r: langs.get(r.task_id, "zh"))
    try:
        history.save()
    except (OSError, AnalysisError):
        pass  # only the estimate of the next run's time left is lost
    failed = runner.batch_failed(results)
    table = runner.summary_table(results)
    reports = report_lines(tasks, results)
    if log is not None:
        log.write("\n".join([*reports, table]) + "\n")
    if args.quiet and not failed:
        print(table.splitlines()[-1] if table else "")
    else:
        for line in [] if args.quiet else reports:  # the pages, then the table closes the run
            print(line)
        print(table)
    return EXIT_FAILED if failed else EXIT_OK


def _read_run_file(path: Path) -> dict[str, Any]:
    """The parameters of a run from a YAML file (``-f``): keys ``plan`` (a name or a list),
    ``eval_year`` (a year, ``midterm``, ``final`` or a list of them), ``chapters`` (a list or
    ``"1,3"``), ``lang`` (``zh``, ``en`` or a list), ``band``, ``jobs``,
    ``timeout``; unknown keys and wrong types refused, naming the line."""
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

    from analysis.core.textfiles import load_yaml, yaml_schema_error

    class RunFile(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        plan: list[str] | str | None = None
        eval_year: list[int | str] | int | str | None = None
        chapters: list[int] | str | None = None
        lang: list[Literal["zh", "en"]] | Literal["zh", "en"] | None = None
        band: float | None = None
        jobs: int | None = None
        timeout: int | None = None

        @field_validator("plan")
        @classmethod
        def _names(cls, value: object) -> object:
            names = [value] if isinstance(value, str) else value
            return [_checked(_plan_name, name) for name in names or []] or None

        @field_validator("eval_year")
        @classmethod
        def _eval_year(cls, value: object) -> object:
            if value is None:
                return None
            years = value if isinstance(value, list) else [value]
            for year in years:  # a year is a number; the only words are midterm and final
                if isinstance(year, str) and year.strip().lower() not in ("midterm", "final"):
                    raise ValueError(f"a year (a number), 'midterm' or 'final', not {year!r}")
            return [_checked(_evaluation, str(year)) for year in years] or None

        @field_validator("chapters")
        @classmethod
        def _chapter_list(cls, value: object) -> object:
            if value is None:
                return None
            text = value if isinstance(value, str) else ",".join(str(n) for n in value)  # type: ignore[union-attr]
            return _checked(_chapters, text)

        @field_validator("band")
        @classmethod
        def _band_range(cls, value: object) -> object:
            return None if value is None else _checked(_band, str(value))

        @field_validator("jobs", "timeout")
        @classmethod
        def _at_least_one(cls, value: object) -> object:
            return None if value is None else _checked(_positive, str(value))

    document = load_yaml(path)
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise AnalysisError("a parameters file is a mapping of keys to values (plan:, "
                            "eval_year:, …)", file=path, row=document.line([]))
    try:
        checked = RunFile.model_validate(document.data)
    except ValidationError as exc:
        raise yaml_schema_error(exc, document,
                                allowed_keys=lambda loc: list(RunFile.model_fields)) from None
    values = {name: getattr(checked, name) for name in RunFile.model_fields}
    return {name: value for name, value in values.items() if value is not None}


def _checked(convert: Any, text: str) -> Any:
    """An argument converter's value, its ArgumentTypeError as a ValueError for pydantic."""
    try:
        return convert(text)
    except argparse.ArgumentTypeError as error:
        raise ValueError(str(error)) from None


def _status(args: argparse.Namespace) -> int:
    from analysis.core import paths
    from analysis.core.study import load_study
    from analysis.pipeline import runner
    from analysis.pipeline.status import status_table

    options = _options(args, _plans_of(args, args.plan))
    tasks = runner.build_tasks(options)
    for note in tasks.notes:
        print(f"note: {note}")
    for plan in options.plans:
        study = load_study(paths.raw_plan_dir(plan, args.data_root))
        print(f"{plan}: {study.describe()}")
    print(status_table(tasks))
    return EXIT_OK


def _params(args: argparse.Namespace) -> int:
    from analysis.pipeline.params import describe_parameters, notebook_schema

    notebook = _notebook_path(args.notebook, args.notebooks)
    schema = notebook_schema(notebook)
    print(f"{_shown_path(notebook)}: parameters (the cell tagged 'parameters')")
    print(describe_parameters(schema, set_by={name: SET_BY.get(name, "-")
                                              for name in schema.names}))
    print("Set them with the options of `python -m analysis run` (column 'set by'), in the "
          "notebook's parameters cell in JupyterLab, or with papermill -p NAME VALUE.")
    return EXIT_OK


def _notebook_path(name: str, folder: Path | None) -> Path:
    """A notebook given as a file, a name in the notebooks folder, or a stage name."""
    from analysis.pipeline.runner import STAGES, Notebooks

    notebooks = Notebooks.in_folder(folder)
    given = Path(name)
    if given.suffix == ".py" and given.with_suffix(".ipynb").is_file():
        return given.with_suffix(".ipynb").resolve()
    if given.is_file():
        return given.resolve()
    if name in STAGES:
        return notebooks.of(name)
    base = notebooks.clean.parent
    candidate = base / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    if "/" not in name and candidate.is_file():
        return candidate
    known = ", ".join([*STAGES, *sorted(p.stem for p in base.glob("*.ipynb"))])
    raise AnalysisError(f"no such notebook (a file, or one of: {known})", text=name)


def _shown_path(path: Path) -> str:
    from analysis.core.paths import PROJECT_ROOT

    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _template(args: argparse.Namespace) -> int:
    from analysis.clean.template import write_template
    from analysis.core import paths

    written = write_template(paths.raw_plan_dir(args.plan, args.data_root), args.year, args.out)
    print(written)
    return EXIT_OK


def _plans(args: argparse.Namespace) -> int:
    from analysis.core import paths

    for name in paths.list_plans(args.data_root):
        print(name)
    return EXIT_OK


def _catalogue(args: argparse.Namespace) -> int:
    """``catalogue draft`` (plan document → draft plan folder) and ``catalogue compare``."""
    from analysis.draft import cli as draft_cli

    if args.catalogue_command == "draft":
        print(draft_cli.run_draft(args.plan_file, args.plan, args.data_root))
    else:
        print(draft_cli.run_compare(args.draft, args.reference))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit status."""
    args = build_parser().parse_args(argv)
    handlers = {"run": _run, "status": _status, "params": _params, "template": _template,
                "plans": _plans, "catalogue": _catalogue}
    try:
        return handlers[args.command](args)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `… status | head`: the reader has gone; nothing to report
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's final flush is quiet
        return EXIT_FAILED
    except OSError as exc:  # a folder that cannot be read or written: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
