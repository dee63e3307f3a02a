"""What the batch runner needs to know about a plan before anything runs, read without pandas:
its chapters, years and names from ``plan.yaml``, the years of its returns, its targets per
chapter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.core import paths
from analysis.core.errors import AnalysisError


@dataclass(frozen=True)
class PlanInfo:
    """What the runner needs to know about a plan: its chapters, default year and name,
    and the plan period (``None`` when not known: the evaluation stage checks it then)."""

    chapters: tuple[int, ...]
    midterm_year: int
    name: str
    base_year: int | None = None
    target_year: int | None = None
    name_en: str = ""
    returns_years: frozenset[int] | None = None
    """The years of the returns in the plan folder (``None``: not known, taken as every year)."""
    targets_per_chapter: Mapping[int, int] | None = None
    """How many commitments each chapter's catalogue rows hold (``None``: not known); a
    chapter's page takes longer the more targets it shows, which orders the first run."""

    def title(self, lang: str) -> str:
        """The plan's name in ``lang`` (what its Word document is named after)."""
        return (self.name_en or self.name) if lang == "en" else self.name

    def has_returns(self, year: int) -> bool:
        """Whether the plan folder holds the returns of ``year``."""
        return self.returns_years is None or year in self.returns_years


def load_plan_info(plan_dir: Path) -> PlanInfo:
    """Chapters, mid-term year and display name from the plan's ``plan.yaml``.

    Read with the plan-file reader the clean stage uses (:func:`analysis.core.textfiles.load_yaml`:
    the same encodings, repeated keys refused, aliases bounded), but only the fields
    ``chapters[].number``, ``midterm_year`` and ``name_zh`` of
    :class:`analysis.clean.plan.PlanConfig` are checked here: importing
    :mod:`analysis.clean.plan` pulls in pandas, which would cost a no-op run a second; the
    clean stage validates the whole file with ``analysis.clean.plan.load_plan``.
    """
    from analysis.core.textfiles import load_yaml

    path = Path(plan_dir) / "plan.yaml"
    config = load_yaml(path).data
    if not isinstance(config, dict):
        raise AnalysisError("plan.yaml must be a mapping of fields", file=path)
    chapters = config.get("chapters")
    numbers = [c.get("number") for c in chapters or [] if isinstance(c, dict)]
    if not numbers or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise AnalysisError("plan.yaml needs a list of chapters, each with an integer number",
                            file=path, column="chapters", text=chapters)
    year = config.get("midterm_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise AnalysisError("plan.yaml needs an integer midterm_year", file=path,
                            column="midterm_year", text=year)

    def whole(key: str) -> int | None:
        value = config.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    from analysis.core.catalogue_index import targets_per_chapter
    from analysis.report.naming import plan_title

    return PlanInfo(chapters=tuple(numbers), midterm_year=year,
                    name=plan_title(config, plan_dir.name, "zh"),
                    base_year=whole("base_year"), target_year=whole("target_year"),
                    name_en=plan_title(config, plan_dir.name, "en"),
                    returns_years=frozenset(paths.returns_years(plan_dir)),
                    targets_per_chapter=targets_per_chapter(plan_dir))
