"""The plan's identity as data: ``plan.yaml`` (name, years, chapters and sections), validated
with pydantic; unknown keys are refused and every problem names the YAML line.

The file format is documented in ``docs/catalogue.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.core import vocab
from analysis.core.errors import AnalysisError
from analysis.core.formatting import chinese_number
from analysis.core.textfiles import load_yaml, yaml_schema_error

PLAN_FILE = "plan.yaml"
SECTION_KINDS = ("section", "key_task", "special_project", "subsection")
_SECTION_ID = re.compile(r"^(?:\d+(?:\.\d+)*|P\d+)$")
# --------------------------------------------------------------------------- plan.yaml


class Section(BaseModel):
    """A section of a chapter; sections nest (key task → subsections and special projects)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title_zh: str
    title_en: str
    kind: Literal["section", "key_task", "special_project", "subsection"]
    parent: str | None = None
    located_in: str | None = Field(
        default=None, description="subsection a special project is printed under"
    )
    sections: list[Section] = Field(default_factory=list)

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh

    def walk(self) -> Iterator[Section]:
        """This section and every section nested in it, depth first, in file order."""
        yield self
        for child in self.sections:
            yield from child.walk()


class Chapter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    title_zh: str
    title_en: str
    sections: list[Section] = Field(default_factory=list)

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh

    def walk(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()


class PlanConfig(BaseModel):
    """``plan.yaml``: the plan's identity, its years and its chapter/section structure."""

    model_config = ConfigDict(extra="forbid")

    name_zh: str
    name_en: str
    region_zh: str
    region_en: str
    base_year: int
    midterm_year: int
    target_year: int
    illustrative_returns: bool
    language: str = "zh"
    staffing_norms: dict[str, float] | None = None
    chapters: list[Chapter] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_structure(self) -> PlanConfig:
        if not self.base_year < self.midterm_year < self.target_year:
            raise ValueError(
                "years must satisfy base_year < midterm_year < target_year, got "
                f"{self.base_year}, {self.midterm_year}, {self.target_year}"
            )
        numbers = [c.number for c in self.chapters]
        if len(numbers) != len(set(numbers)):
            raise ValueError(f"chapter numbers repeat: {numbers}")
        for level, norm in (self.staffing_norms or {}).items():
            if not vocab.is_level(level):
                raise ValueError(f"staffing_norms: unknown level id {level!r}")
            if not norm > 0:
                raise ValueError(f"staffing_norms: {level} must be positive, got {norm}")
        seen: set[str] = set()
        for chapter in self.chapters:
            for section in chapter.sections:
                _link(section, None, chapter.number, seen)
        for chapter in self.chapters:
            for section in chapter.walk():
                if section.kind == "special_project":
                    self._check_special_project(section)
        return self

    def _check_special_project(self, project: Section) -> None:
        parent = self._find(project.parent) if project.parent else None
        if parent is None or parent.kind != "key_task":
            raise ValueError(f"special project {project.id} must sit inside a key task")
        if project.located_in is not None:
            siblings = {s.id for s in parent.sections}
            if project.located_in not in siblings:
                raise ValueError(
                    f"special project {project.id}: located_in {project.located_in!r} is not a "
                    f"subsection of {parent.id}"
                )

    def _find(self, section_id: str | None) -> Section | None:
        for chapter in self.chapters:
            for section in chapter.walk():
                if section.id == section_id:
                    return section
        return None

    # -- lookups used by the reports -----------------------------------------------------

    def chapter_numbers(self) -> list[int]:
        return [c.number for c in self.chapters]

    def chapter(self, number: int) -> Chapter:
        for chapter in self.chapters:
            if chapter.number == int(number):
                return chapter
        raise AnalysisError(
            f"the plan has no chapter {number} (chapters: {self.chapter_numbers()})"
        )

    def all_sections(self) -> list[Section]:
        """Every section of every chapter, depth first, in file order."""
        return [s for chapter in self.chapters for s in chapter.walk()]

    def section_ids(self) -> list[str]:
        return [s.id for s in self.all_sections()]

    def has_section(self, section_id: str) -> bool:
        return self._find(section_id) is not None

    def section(self, section_id: str) -> Section:
        found = self._find(section_id)
        if found is None:
            raise AnalysisError("the plan has no section with this id", text=section_id)
        return found

    def chapter_of(self, section_id: str) -> int:
        """The number of the chapter a section belongs to."""
        for chapter in self.chapters:
            if any(s.id == section_id for s in chapter.walk()):
                return chapter.number
        raise AnalysisError("the plan has no section with this id", text=section_id)

    def ancestors(self, section_id: str) -> list[str]:
        """Ids of the sections containing ``section_id``, nearest first."""
        result = []
        current = self.section(section_id).parent
        while current is not None:
            result.append(current)
            current = self.section(current).parent
        return result

    def key_tasks(self) -> list[Section]:
        """The key tasks (重点任务) in plan order."""
        return [s for s in self.all_sections() if s.kind == "key_task"]

    def special_projects(self) -> list[Section]:
        """The special projects (专项工程) by number; ``parent`` is the key task they sit in."""
        projects = [s for s in self.all_sections() if s.kind == "special_project"]
        return sorted(projects, key=lambda s: int(s.id[1:]) if s.id[1:].isdigit() else 0)

    def key_task_of(self, section_id: str) -> Section | None:
        """The key task a section (or special project) belongs to, or None outside them."""
        for sid in [section_id, *self.ancestors(section_id)]:
            section = self.section(sid)
            if section.kind == "key_task":
                return section
        return None

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    def region(self, lang: str = "zh") -> str:
        return self.region_en if lang == "en" else self.region_zh


def _link(section: Section, parent: str | None, chapter: int, seen: set[str]) -> None:
    """Fill ``parent`` from the nesting and check ids (unique, well formed, in the chapter)."""
    if not _SECTION_ID.match(section.id):
        raise ValueError(f"section id {section.id!r} is not like '3.2', '3.2.4' or 'P7'")
    if section.id in seen:
        raise ValueError(f"section id {section.id!r} appears twice")
    if not section.id.startswith("P") and section.id.split(".")[0] != str(chapter):
        raise ValueError(f"section id {section.id!r} does not start with its chapter {chapter}")
    if section.parent is not None and section.parent != parent:
        raise ValueError(
            f"section {section.id}: parent {section.parent!r} does not match the nesting "
            f"({parent!r})"
        )
    seen.add(section.id)
    section.parent = parent
    for child in section.sections:
        _link(child, section.id, chapter, seen)


def load_plan(plan_dir: str | Path) -> PlanConfig:
    """Read and validate ``<plan_dir>/plan.yaml``; unknown keys are refused.

    Read with :func:`analysis.core.textfiles.load_yaml` (the encodings of every plan file, a key
    given twice and runaway aliases refused); every problem names the YAML line and key.
    Loading a plan also puts its own indicators (``indicators.csv`` in the folder, optional)
    in force beside the package's (:func:`analysis.core.vocab.use_plan_vocabulary`).
    """
    path = Path(plan_dir) / PLAN_FILE
    if not path.is_file():
        raise AnalysisError("plan.yaml not found", file=path)
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise AnalysisError("plan.yaml must be a mapping of keys to values", file=path,
                            row=document.line([]))
    vocab.use_plan_vocabulary(plan_dir)
    try:
        return PlanConfig.model_validate(document.data)
    except ValidationError as exc:
        raise yaml_schema_error(exc, document, allowed_keys=_allowed_keys) from None


def _allowed_keys(loc: list[object]) -> list[str]:
    """Field names of the model at ``loc`` (plan → chapters → sections → sections …)."""
    model: type[BaseModel] = PlanConfig
    for part in loc:
        if part == "chapters":
            model = Chapter
        elif part == "sections":
            model = Section
    return list(model.model_fields)


def chapter_title(plan: PlanConfig, number: int, lang: str = "zh") -> str:
    """``第二章 发展战略`` / ``Chapter 2 Development strategy``."""
    chapter = plan.chapter(number)
    if lang == "en":
        return f"Chapter {chapter.number} {chapter.title_en}"
    return f"第{chinese_number(chapter.number)}章 {chapter.title_zh}"


def section_title(plan: PlanConfig, section_id: str, lang: str = "zh") -> str:
    return plan.section(section_id).title(lang)


def sections_of(plan: PlanConfig, chapter: int, *, nested: bool = False) -> list[Section]:
    """The top-level sections of a chapter, or (``nested=True``) all of them depth first."""
    found = plan.chapter(chapter)
    return list(found.walk()) if nested else list(found.sections)


