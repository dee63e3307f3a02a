"""Command line: ``python -m analysis run | template | plans | catalogue draft|compare``.

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
from typing import NoReturn

from analysis.core.errors import AnalysisError

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


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m analysis`` argument parser."""
    parser = _Parser(prog="python -m analysis",
                     description="Mid-term evaluation of education plans: batch runner and tools.")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="data folder holding raw/ and processed/ (default: the project's data/)")
    parser.add_argument("--reports-root", type=Path, default=None,
                        help="reports folder (default: the project's reports/)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="clean → models → chapter reports → summary")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--plan", nargs="+", action="extend", metavar="NAME", type=_plan_name,
                       help="plan folder name(s) under data/raw/ (names, not paths)")
    which.add_argument("--all", action="store_true", help="every plan folder under data/raw/")
    run.add_argument("--eval-year", type=_year, default=None, metavar="YEAR",
                     help="evaluation year (default: the plan's mid-term year)")
    run.add_argument("--chapters", type=_chapters, default=None, metavar="1,3",
                     help="only these chapters (default: every chapter of the plan)")
    run.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    run.add_argument("--band", type=_band, default=None,
                     help="tolerance band of the status rule, in [0, 0.5) (default: 0.05)")
    run.add_argument("--jobs", type=_positive, default=None, metavar="N",
                     help="parallel notebooks on this machine (default: number of cores)")
    run.add_argument("--force", action="store_true", help="run every task, ignoring the cache")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="Dask distributed scheduler, e.g. tcp://host:8786 (default: local pool)")
    run.add_argument("--timeout", type=_positive, default=600, metavar="SECONDS",
                     help="per-cell execution timeout (default: 600)")
    run.add_argument("--notebooks", type=Path, default=None, metavar="DIR",
                     help="folder holding the four stage notebooks (default: notebooks/)")

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


def _run(args: argparse.Namespace) -> int:
    import os

    from analysis.core import paths
    from analysis.pipeline import runner

    plans = tuple(args.plan or paths.list_plans(args.data_root))
    if not plans:
        raise AnalysisError("no plan folder with a plan.yaml", file=paths.data_root(args.data_root) / "raw")
    options = runner.RunOptions(
        plans=plans,
        data_root=paths.data_root(args.data_root),
        reports_root=paths.reports_root(args.reports_root),
        eval_year=args.eval_year,
        chapters=args.chapters,
        lang=args.lang,
        band=args.band,
        jobs=args.jobs or max(1, os.cpu_count() or 1),
        force=args.force,
        scheduler=args.scheduler,
        timeout=args.timeout,
        notebooks=runner.Notebooks.in_folder(args.notebooks),
    )
    tasks = runner.build_tasks(options)  # refuses bad parameters before anything runs
    results = runner.run_batch(options, tasks=tasks)
    print(runner.summary_table(results))
    return EXIT_FAILED if runner.batch_failed(results) else EXIT_OK


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
    handlers = {"run": _run, "template": _template, "plans": _plans, "catalogue": _catalogue}
    try:
        return handlers[args.command](args)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a folder that cannot be read or written: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
