"""Where things live. Every path the package hands out is absolute.

The layout is ``<data_root>/raw/<plan>/`` (immutable inputs), ``<data_root>/processed/<plan>/``
(generated tables) and ``<reports_root>/<plan>/<eval_year>/`` (generated reports). By default
``data_root`` is the project's ``data/`` folder and ``reports_root`` its ``reports/`` folder;
both can be overridden (tests, batch runs on a shared filesystem).
"""

from __future__ import annotations

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


def raw_plan_dir(plan: str, root: str | Path | None = None) -> Path:
    """``<data_root>/raw/<plan>``; raises AnalysisError when the plan folder is missing."""
    folder = data_root(root) / "raw" / plan
    if not (folder / "plan.yaml").is_file():
        known = sorted(p.name for p in (data_root(root) / "raw").glob("*/") if (p / "plan.yaml").is_file())
        raise AnalysisError(
            f"no plan folder with a plan.yaml (known plans: {', '.join(known) or 'none'})",
            file=folder,
        )
    return folder


def processed_plan_dir(plan: str, root: str | Path | None = None) -> Path:
    """``<data_root>/processed/<plan>`` (may not exist yet)."""
    return data_root(root) / "processed" / plan


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
    return reports_root(root) / plan / str(int(eval_year))


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
    return sorted(p.parent.name for p in raw.glob("*/plan.yaml"))
