"""Where things live. Every path the package hands out is absolute.

The layout is ``<data_root>/raw/<plan>/`` (immutable inputs), ``<data_root>/processed/<plan>/``
(generated tables) and ``<reports_root>/<plan>/<eval_year>/`` (generated reports). By default
``data_root`` is the project's ``data/`` folder and ``reports_root`` its ``reports/`` folder;
both can be overridden (tests, batch runs on a shared filesystem).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from analysis.core.errors import AnalysisError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
RESOURCES = Path(__file__).resolve().parent / "resources"
"""The shared vocabulary files (indicators, levels); each stage keeps its own resources."""


def data_root(root: str | Path | None = None) -> Path:
    """The data folder: ``root`` if given (non-empty), else the project's ``data/``."""
    return Path(root).resolve() if root else (PROJECT_ROOT / "data")


def reports_root(root: str | Path | None = None) -> Path:
    """The reports folder: ``root`` if given (non-empty), else the project's ``reports/``."""
    return Path(root).resolve() if root else (PROJECT_ROOT / "reports")


def check_plan_name(plan: object) -> str:
    """``plan`` when it is a plan *name* (a folder directly under ``<data_root>/raw/``).

    A name has no path separator, is not ``.``/``..``, not absolute, not hidden and holds no
    control character, so that ``raw/<plan>``, ``processed/<plan>`` and ``reports/<plan>``
    always stay inside their roots. Anything else is refused with one AnalysisError.
    """
    separators = {"/", "\\", os.sep, *([os.altsep] if os.altsep else [])}
    if (not isinstance(plan, str) or not plan.strip() or plan != plan.strip()
            or plan.startswith(".") or any(sep in plan for sep in separators)
            or any(ord(ch) < 32 or ch == ":" for ch in plan) or Path(plan).is_absolute()):
        raise AnalysisError("a plan is the name of a folder directly under data/raw/, not a path",
                            text=plan)
    return plan


def plan_files(plan_dir: str | Path) -> list[Path]:
    """Every file of a plan folder that counts as input, sorted; links refused.

    The plan folder and everything under it must be real folders and regular files: a
    symbolic link (to a workbook, a year folder, a system file), a FIFO or a device is refused
    with an AnalysisError naming it inside the plan folder — its target is never opened.
    Hidden files and folders (``.…``) and Office lock files (``~$…``), which no stage reads,
    are checked for links but left out of the list. The clean stage's cache key hashes this
    list, and :func:`raw_plan_dir` (through which every stage reads the plan) checks it, so
    hashing and reading see the same files.
    """
    root = Path(plan_dir)
    if root.is_symlink():
        raise AnalysisError("the plan folder is a symbolic link; a plan folder must be a real "
                            "folder under data/raw/", file=root)
    found: list[Path] = []
    pending: list[tuple[Path, bool]] = [(root, False)]
    while pending:
        folder, hidden = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise AnalysisError(f"cannot list the plan folder ({exc.strerror})", file=folder) from None
        for entry in entries:
            path = folder / entry.name
            skip = hidden or entry.name.startswith((".", "~$"))
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                raise AnalysisError(f"cannot read ({exc.strerror})", file=path) from None
            if stat.S_ISLNK(mode):
                raise AnalysisError(
                    "a symbolic link in the plan folder is not read (copy the file itself "
                    "into the plan folder)", file=path)
            if stat.S_ISDIR(mode):
                pending.append((path, skip))
            elif not stat.S_ISREG(mode):
                raise AnalysisError("not a regular file; a plan folder holds only files and "
                                    "folders", file=path)
            elif not skip:
                found.append(path)
    return sorted(found)


RETURNS_DIR = "returns"
"""The folder of a plan's statistical returns: one workbook or CSV folder per year."""

_RETURNS_YEAR = re.compile(r"^(\d{4})(?!\d)")
_WORKBOOKS = frozenset({".xlsx", ".xls", ".xlsm"})


def returns_source_year(entry: Path) -> int | None:
    """The year of a returns source (``2023.xlsx``, a folder ``2019``), or None when the
    entry is not one (hidden files, Office lock files, layout.yaml, other files)."""
    name = entry.name
    match = _RETURNS_YEAR.match(name)
    if name.startswith((".", "~$")) or not match:
        return None
    if entry.is_file() and entry.suffix.lower() not in _WORKBOOKS:
        return None
    return int(match.group(1))


def returns_years(plan_dir: str | Path) -> set[int]:
    """The years whose returns the plan folder holds (no file read; empty without returns)."""
    folder = Path(plan_dir) / RETURNS_DIR
    if not folder.is_dir():
        return set()
    return {year for entry in folder.iterdir()
            if (year := returns_source_year(entry)) is not None}


def raw_plan_dir(plan: str, root: str | Path | None = None) -> Path:
    """``<data_root>/raw/<plan>``; AnalysisError when ``plan`` is not a plan name
    (:func:`check_plan_name`), the plan folder is missing, or it holds a link
    (:func:`plan_files`)."""
    raw = data_root(root) / "raw"
    folder = raw / check_plan_name(plan)
    if not folder.is_symlink() and not (folder / "plan.yaml").is_file():
        known = sorted(p.name for p in raw.glob("*/") if (p / "plan.yaml").is_file())
        raise AnalysisError(
            f"no plan folder with a plan.yaml (known plans: {', '.join(known) or 'none'})",
            file=folder,
        )
    plan_files(folder)  # refuses links before anything reads the folder
    return folder


def refuse_raw_target(target: str | Path) -> Path:
    """``target`` unless writing it would change a plan's inputs; AnalysisError otherwise.

    Refused: anything inside a raw plan folder (``…/raw/<plan>/`` holding a plan.yaml), inside
    a ``raw`` folder of plan folders, or inside the project's ``data/raw/``. Every writer of
    :mod:`analysis.core.io` (and so every output of every stage) calls this first.
    """
    path = Path(target)
    resolved = Path(os.path.abspath(path))
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        pass
    project_raw = PROJECT_ROOT / "data" / "raw"
    for folder in resolved.parents:
        inside = folder == project_raw
        if not inside and folder.parent.name == "raw":
            inside = (folder / "plan.yaml").is_file()
        if not inside and folder.name == "raw":
            try:
                inside = any((child / "plan.yaml").is_file() for child in folder.iterdir())
            except OSError:
                inside = False
        if inside:
            raise AnalysisError("refusing to write into the raw inputs (data/raw/ is never "
                                "modified; outputs go to processed/ and reports/)", file=path)
    return path


def processed_plan_dir(plan: str, root: str | Path | None = None) -> Path:
    """``<data_root>/processed/<plan>`` (may not exist yet)."""
    return data_root(root) / "processed" / check_plan_name(plan)


def models_dir(plan: str, as_of_year: int, root: str | Path | None = None) -> Path:
    """Model outputs fitted on data up to ``as_of_year``: ``processed/<plan>/models/<year>``."""
    return processed_plan_dir(plan, root) / "models" / str(int(as_of_year))


def evaluation_dir(plan: str, eval_year: int, root: str | Path | None = None) -> Path:
    """The evaluation stage's output for ``eval_year``: ``processed/<plan>/evaluation/<year>``."""
    return processed_plan_dir(plan, root) / "evaluation" / str(int(eval_year))


EVALUATION_CSV = "evaluation.csv"
"""The name of the published evaluation table in a report folder."""


def report_dir(plan: str, eval_year: int, root: str | Path | None = None) -> Path:
    """``<reports_root>/<plan>/<eval_year>``."""
    return reports_root(root) / check_plan_name(plan) / str(int(eval_year))


def lang_suffix(lang: str) -> str:
    """File-name infix of a report language: '' for Chinese (the default), '.en' for English."""
    return "" if lang == "zh" else f".{lang}"


def report_page(chapter: int | None, lang: str = "zh") -> str:
    """File name of a report page: ``chapter_<n>[.en].html``, or ``index[.en].html`` (None)."""
    stem = "index" if chapter is None else f"chapter_{int(chapter)}"
    return f"{stem}{lang_suffix(lang)}.html"


def list_plans(root: str | Path | None = None) -> list[str]:
    """Every plan folder (one holding a plan.yaml) under ``<data_root>/raw``."""
    raw = data_root(root) / "raw"
    return sorted(p.parent.name for p in raw.glob("*/plan.yaml") if not p.parent.name.startswith("."))
