"""The plan as data: ``plan.yaml`` (identity, years, chapters and sections), the catalogue of
measurable commitments (``targets.csv``) and the values the plan quotes for past years
(``history.csv``). File formats are documented in ``docs/catalogue.md``; the processed
``targets`` and ``history`` schemas in ``docs/contracts.md``.

Every problem in these files raises :class:`AnalysisError` naming the file, the CSV line (or
the YAML line), the column and the offending text.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.core import rules, vocab
from analysis.core.cells import cell_text as _text
from analysis.core.errors import AnalysisError
from analysis.core.quantities import Quantity, parse_values

PLAN_FILE = "plan.yaml"
CATALOGUE_FILE = "targets.csv"
HISTORY_FILE = "history.csv"

KINDS = ("table", "target", "rule", "milestone")
MEASURES = ("level", "increase", "cumulative", "rule", "milestone")
ATTRIBUTES = ("约束性", "预期性")
SECTION_KINDS = ("section", "key_task", "special_project", "subsection")
VALUE_COLUMNS = ("baseline_text", "midterm_text", "final_text")

CATALOGUE_COLUMNS = [
    "key", "kind", "chapter", "section", "task", "level", "indicator", "name_zh", "name_en",
    "attribute", "measure", "baseline_text", "midterm_text", "final_text", "deadline",
    "source", "quote",
]
HISTORY_FILE_COLUMNS = [
    "key", "chapter", "section", "level", "indicator", "name_zh", "year", "value_text", "source",
]
TARGET_COLUMNS = [
    "key", "parent_key", "kind", "chapter", "section", "task", "level", "indicator", "name_zh",
    "name_en", "attribute", "measure", "direction", "unit", "baseline_value", "midterm_value",
    "midterm_comparator", "final_value", "final_comparator", "rule", "deadline",
    "baseline_text", "midterm_text", "final_text", "source",
]
# The contract's history columns first; the last five keep what the file printed.
HISTORY_COLUMNS = [
    "key", "level", "indicator", "year", "value", "unit", "source",
    "comparator", "value_text", "name_zh", "chapter", "section",
]

_SECTION_ID = re.compile(r"^(?:\d+(?:\.\d+)*|P\d+)$")
_MONEY_UNITS = frozenset({"yuan", "10k_yuan"})


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


#: libyaml's C parser when PyYAML was built with it (10x faster), else the pure-Python one.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_plan(plan_dir: str | Path) -> PlanConfig:
    """Read and validate ``<plan_dir>/plan.yaml``; unknown keys are refused."""
    path = Path(plan_dir) / PLAN_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnalysisError("plan.yaml not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise AnalysisError("plan.yaml is not UTF-8 text", file=path, text=str(exc)) from None
    try:
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise AnalysisError(
            f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
            file=path, row=mark.line + 1 if mark else None,
        ) from None
    if not isinstance(data, dict):
        raise AnalysisError("plan.yaml must be a mapping of keys to values", file=path)
    try:
        return PlanConfig.model_validate(data)
    except ValidationError as exc:
        # The node tree (with line numbers) is only needed to say where the problem is.
        raise _plan_error(exc, path, yaml.compose(text, Loader=YAML_LOADER)) from None


def _plan_error(exc: ValidationError, path: Path, root: yaml.Node | None) -> AnalysisError:
    error = exc.errors()[0]
    loc = [p for p in error["loc"]]
    where = ".".join(str(p) for p in loc) or "(top level)"
    line = _yaml_line(root, loc)
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return AnalysisError(
            f"unknown key at {where} (allowed keys: {', '.join(allowed)})",
            file=path, row=line, column=where, text=loc[-1] if loc else None,
        )
    problem = error["msg"].removeprefix("Value error, ")
    text = error.get("input") if loc and not isinstance(error.get("input"), dict | list) else None
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return AnalysisError(f"{problem}{more}", file=path, row=line, column=where if loc else None,
                         text=text)


def _allowed_keys(loc: list[object]) -> list[str]:
    """Field names of the model at ``loc`` (plan → chapters → sections → sections …)."""
    model: type[BaseModel] = PlanConfig
    for part in loc:
        if part == "chapters":
            model = Chapter
        elif part == "sections":
            model = Section
    return list(model.model_fields)


def _yaml_line(node: yaml.Node | None, loc: list[object]) -> int | None:
    """1-based line of the value (or unknown key) at ``loc`` in the composed YAML tree."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def chapter_title(plan: PlanConfig, number: int, lang: str = "zh") -> str:
    """``第二章 发展战略`` / ``Chapter 2 Development strategy``."""
    chapter = plan.chapter(number)
    if lang == "en":
        return f"Chapter {chapter.number} {chapter.title_en}"
    return f"第{_chinese_number(chapter.number)}章 {chapter.title_zh}"


def section_title(plan: PlanConfig, section_id: str, lang: str = "zh") -> str:
    return plan.section(section_id).title(lang)


def sections_of(plan: PlanConfig, chapter: int, *, nested: bool = False) -> list[Section]:
    """The top-level sections of a chapter, or (``nested=True``) all of them depth first."""
    found = plan.chapter(chapter)
    return list(found.walk()) if nested else list(found.sections)


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


# --------------------------------------------------------------------------- CSV reading


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with the line number each starts on; checks the header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AnalysisError("file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise AnalysisError(
            "not UTF-8 text (save the file as UTF-8)", file=path, text=str(exc)
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise AnalysisError("empty file (no header row)", file=path) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise AnalysisError(
            f"missing column(s) {', '.join(missing)}", file=path, row=1, column=missing[0],
            text=",".join(header),
        )
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            if len(record) > len(header):
                raise AnalysisError(
                    f"{len(record)} cells for {len(header)} columns (an unquoted comma?)",
                    file=path, row=start, text=",".join(record),
                )
            values = {h: (record[i].strip() if i < len(record) else "") for i, h in
                      enumerate(header)}
            rows.append((start, values))
        start = reader.line_num + 1
    return rows


def _int_cell(value: str, *, file: Path, line: int, column: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise AnalysisError("expected a whole number", file=file, row=line, column=column,
                            text=value) from None
    if not number.is_integer():
        raise AnalysisError("expected a whole number", file=file, row=line, column=column,
                            text=value)
    return int(number)


def _parse_cell(text: str, *, file: object, line: object, column: str) -> tuple[Quantity, ...]:
    try:
        return parse_values(text)
    except AnalysisError as exc:
        raise exc.located(file=file, row=line, column=column) from None


def _check_unit(q: Quantity, indicator: str, *, file: object, line: object, column: str) -> None:
    """A printed unit must fit the indicator's canonical unit (a share printed with %)."""
    if not q.is_number:
        return
    expected = vocab.unit(indicator)
    if q.unit == "fraction" and expected != "fraction":
        raise AnalysisError(
            f"a percentage for indicator '{indicator}', which is counted in {expected}",
            file=file, row=line, column=column, text=q.text,
        )
    if expected == "fraction" and q.unit != "fraction" and q.value != 0:
        raise AnalysisError(
            f"indicator '{indicator}' is a share: print the value with %",
            file=file, row=line, column=column, text=q.text,
        )
    if q.unit in _MONEY_UNITS and expected in _MONEY_UNITS and q.unit != expected:
        raise AnalysisError(
            f"money in {q.unit} for indicator '{indicator}', which is counted in {expected}",
            file=file, row=line, column=column, text=q.text,
        )


# --------------------------------------------------------------------------- catalogue


def load_catalogue(plan_dir: str | Path, plan: PlanConfig | None = None) -> pd.DataFrame:
    """Read and validate ``<plan_dir>/targets.csv``: one raw row per printed commitment.

    Checks required columns, unique keys, known kinds/levels/indicators/attributes/measures,
    chapter/section/task ids that exist in ``plan.yaml``, deadlines within the plan period,
    and that every value cell parses and fits its indicator. The frame has the file's
    columns plus ``line`` (the CSV line of the row); ``attrs["file"]`` holds the path.
    """
    plan = plan or load_plan(plan_dir)
    path = Path(plan_dir) / CATALOGUE_FILE
    rows = _read_csv(path, CATALOGUE_COLUMNS)
    first_line: dict[str, int] = {}
    records = []
    for line, row in rows:
        record = _check_catalogue_row(row, line, path, plan)
        key = record["key"]
        if key in first_line:
            raise AnalysisError(
                f"duplicate key (first used on line {first_line[key]})",
                file=path, row=line, column="key", text=key,
            )
        first_line[key] = line
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*CATALOGUE_COLUMNS, "line"])
    frame = frame.astype({"chapter": "int64", "deadline": "int64", "line": "int64"})
    frame.attrs["file"] = str(path)
    return frame


def _check_catalogue_row(
    row: dict[str, str], line: int, path: Path, plan: PlanConfig
) -> dict[str, object]:
    def fail(problem: str, column: str, text: object = None) -> AnalysisError:
        return AnalysisError(problem, file=path, row=line, column=column,
                             text=row.get(column) if text is None else text)

    key = row["key"]
    if not key:
        raise fail("empty key", "key")
    if re.search(r"\s|/", key):
        raise fail("a key may not contain spaces or '/'", "key")
    kind = row["kind"]
    if kind not in KINDS:
        raise fail(f"kind must be one of {', '.join(KINDS)}", "kind")
    if row["attribute"] not in ATTRIBUTES:
        raise fail(f"attribute must be one of {', '.join(ATTRIBUTES)}", "attribute")
    measure = row["measure"]
    if measure not in MEASURES:
        raise fail(f"measure must be one of {', '.join(MEASURES)}", "measure")
    if (kind == "rule") != (measure == "rule") or (kind == "milestone") != (measure == "milestone"):
        raise fail(f"measure '{measure}' does not fit kind '{kind}' (rule rows have measure "
                   "rule, milestone rows measure milestone)", "measure")
    vocab.check_level(row["level"], file=path, row=line, column="level")
    indicators = list(vocab.pair_ids(row["indicator"], file=path, row=line, column="indicator"))
    if len(indicators) > 1 and kind not in ("table", "target"):
        raise fail("only table and target rows may name a pair of indicators", "indicator")
    if "milestone" in indicators and kind != "milestone":
        raise fail("indicator 'milestone' is for milestone rows only", "indicator")

    chapter = _int_cell(row["chapter"], file=path, line=line, column="chapter")
    if chapter not in plan.chapter_numbers():
        raise fail(f"chapter not in plan.yaml (chapters: {plan.chapter_numbers()})", "chapter")
    section = row["section"]
    if not plan.has_section(section):
        raise fail("section id not in plan.yaml", "section")
    if plan.chapter_of(section) != chapter:
        raise fail(f"section {section} belongs to chapter {plan.chapter_of(section)}, "
                   f"not {chapter}", "section")
    _check_task(row["task"], section, plan, fail)
    deadline = _int_cell(row["deadline"], file=path, line=line, column="deadline")
    if not plan.base_year < deadline <= plan.target_year:
        raise fail(f"deadline outside the plan period {plan.base_year + 1}–{plan.target_year}",
                   "deadline")

    parsed = {c: _parse_cell(row[c], file=path, line=line, column=c) for c in VALUE_COLUMNS}
    for column, quantities in parsed.items():
        if not (len(quantities) == 1 and quantities[0].is_missing) and len(quantities) != len(
            indicators
        ):
            raise fail(f"{len(quantities)} value(s) for {len(indicators)} indicator(s)", column)
        for quantity, indicator in zip(quantities, indicators * len(quantities), strict=False):
            _check_unit(quantity, indicator, file=path, line=line, column=column)
    _check_kind_values(kind, indicators, parsed, fail)
    return {**{c: row[c] for c in CATALOGUE_COLUMNS}, "chapter": chapter, "deadline": deadline,
            "line": line}


def _check_task(task: str, section: str, plan: PlanConfig, fail: Callable[..., AnalysisError]
                ) -> None:
    in_key_task = plan.key_task_of(section) is not None
    if not task:
        if in_key_task:
            raise fail("rows in a key task must name it (or the special project) in 'task'",
                       "task", "")
        return
    if not plan.has_section(task) or plan.section(task).kind not in ("key_task",
                                                                       "special_project"):
        raise fail("task must be a key task or special project id from plan.yaml", "task")
    if task != section and task not in plan.ancestors(section):
        raise fail(f"section {section} is not part of task {task}", "task")


def _check_kind_values(kind: str, indicators: list[str], parsed: dict[str, tuple[Quantity, ...]],
                       fail: Callable[..., AnalysisError]) -> None:
    final = parsed["final_text"]
    if kind == "table":
        for column, quantities in parsed.items():
            if not all(q.is_number for q in quantities):
                raise fail("table rows need a number in every year column", column)
    elif kind == "target":
        for q, indicator in zip(final, indicators, strict=False):
            coverage = q.is_rule and q.rule == "full_coverage" and vocab.unit(
                indicator) == "fraction"
            if not (q.is_number or coverage):
                raise fail("target rows need a number in final_text (or 全覆盖 for a share)",
                           "final_text")
    elif kind == "rule":
        problem = _rule_row_problem(final)
        if problem:
            raise fail(problem, "final_text")
    elif kind == "milestone":
        if any(q.is_number for q in final):
            raise fail("milestone rows take no number (use kind target for a counted goal)",
                       "final_text")


def _rule_row_problem(final: tuple[Quantity, ...]) -> str | None:
    """Why a rule row's final value is not a rule the evaluation checks year by year, or None."""
    if not (len(final) == 1 and final[0].is_rule and final[0].rule):
        return "rule rows need a rule such as 逐年只增不减 in final_text"
    try:
        rules.yearly_rule(final[0].rule)
    except AnalysisError as exc:
        return exc.problem
    return None


def parse_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The processed ``targets`` table: one row per evaluable target.

    A pair row (``share_enrolment_public/share_enrolment_inclusive`` with ``53.32%/89.72%``)
    becomes two rows keyed ``<key>.1`` and ``<key>.2`` with ``parent_key`` = ``<key>``; a
    comparator printed once applies to both halves. Values come from
    :func:`analysis.core.quantities.parse_values` (shares as fractions); ``direction`` and ``unit``
    from the indicator dictionary (:mod:`analysis.core.vocab`); ``rule`` for rule phrases
    (:mod:`analysis.core.rules`: ``逐年只增不减`` → ``non_decreasing``, ``全覆盖`` →
    ``full_coverage`` with final value 1.0 for shares). A ``rule`` row must name a rule that
    the evaluation checks year by year.
    """
    file = catalogue.attrs.get("file", CATALOGUE_FILE)
    records: list[dict[str, object]] = []
    for position, (_, row) in enumerate(catalogue.iterrows()):
        line = int(row["line"]) if "line" in row and not pd.isna(row["line"]) else position + 2
        records.extend(_target_records(row, file=file, line=line))
    frame = pd.DataFrame.from_records(records, columns=TARGET_COLUMNS)
    return frame.astype({
        "chapter": "int64", "deadline": "int64", "baseline_value": "float64",
        "midterm_value": "float64", "final_value": "float64",
    })


def _target_records(row: pd.Series, *, file: object, line: int) -> list[dict[str, object]]:
    indicators = vocab.pair_ids(_text(row["indicator"]), file=file, row=line, column="indicator")
    n = len(indicators)
    parsed: dict[str, tuple[Quantity, ...]] = {}
    for column in VALUE_COLUMNS:
        text = _text(row[column])
        quantities = _parse_cell(text, file=file, line=line, column=column)
        if len(quantities) == 1 and quantities[0].is_missing:
            quantities = quantities * n
        if len(quantities) != n:
            raise AnalysisError(f"{len(quantities)} value(s) for {n} indicator(s)", file=file,
                                row=line, column=column, text=text)
        parsed[column] = quantities
    if _text(row["kind"]) == "rule" and (problem := _rule_row_problem(parsed["final_text"])):
        raise AnalysisError(problem, file=file, row=line, column="final_text",
                            text=_text(row["final_text"]))
    halves = {c: _half_texts(parsed[c]) for c in VALUE_COLUMNS}
    names_zh = _split_names(_text(row["name_zh"]), n)
    names_en = _split_names(_text(row["name_en"]), n)
    key = _text(row["key"])
    records = []
    for i, indicator in enumerate(indicators):
        base, mid, final = (parsed[c][i] for c in VALUE_COLUMNS)
        for q, column in ((base, "baseline_text"), (mid, "midterm_text"), (final, "final_text")):
            _check_unit(q, indicator, file=file, line=line, column=column)
        final_value, final_comparator = _value(final)
        rule = final.rule or mid.rule
        if final.rule == "full_coverage" and vocab.unit(indicator) == "fraction":
            final_value, final_comparator = 1.0, "ge"
        mid_value, mid_comparator = _value(mid)
        records.append({
            "key": key if n == 1 else f"{key}.{i + 1}",
            "parent_key": None if n == 1 else key,
            "kind": _text(row["kind"]),
            "chapter": int(row["chapter"]),
            "section": _text(row["section"]),
            "task": _text(row["task"]) or None,
            "level": _text(row["level"]),
            "indicator": indicator,
            "name_zh": names_zh[i],
            "name_en": names_en[i],
            "attribute": _text(row["attribute"]),
            "measure": _text(row["measure"]),
            "direction": vocab.direction(indicator),
            "unit": _unit(indicator, (base, mid, final)),
            "baseline_value": _value(base)[0],
            "midterm_value": mid_value,
            "midterm_comparator": mid_comparator,
            "final_value": final_value,
            "final_comparator": final_comparator,
            "rule": rule,
            "deadline": int(row["deadline"]),
            "baseline_text": halves["baseline_text"][i] if n > 1 else _text(row["baseline_text"]),
            "midterm_text": halves["midterm_text"][i] if n > 1 else _text(row["midterm_text"]),
            "final_text": halves["final_text"][i] if n > 1 else _text(row["final_text"]),
            "source": _text(row["source"]),
        })
    return records


_COMPARATOR_SUFFIX = re.compile(r"(及以上|及以下|以上|以下|以内|左右|上下)$")


def _half_texts(quantities: tuple[Quantity, ...]) -> list[str]:
    """Texts of the halves of a pair; a comparator word printed once is repeated on each half
    that shares it (``50%/80%以上`` → ``50%以上``, ``80%以上``)."""
    suffixes = {m.group(1) for q in quantities if (m := _COMPARATOR_SUFFIX.search(q.text))}
    texts = []
    for q in quantities:
        text = q.text
        if len(suffixes) == 1 and q.is_number and q.comparator != "eq" and not (
            _COMPARATOR_SUFFIX.search(text)
        ):
            text += next(iter(suffixes))
        texts.append(text)
    return texts


def _split_names(name: str, n: int) -> list[str]:
    if n == 1:
        return [name]
    parts = [p.strip() for p in name.split("/")]
    if len(parts) == n:
        return parts
    return [f"{name} ({i + 1})" for i in range(n)]


def _value(q: Quantity) -> tuple[float, str | None]:
    if q.is_number and q.value is not None:
        return float(q.value), q.comparator
    return math.nan, None


def _unit(indicator: str, quantities: tuple[Quantity, ...]) -> str:
    """The dictionary unit; for the generic ``count`` the measure word printed (所, 名, 个)."""
    canonical = vocab.unit(indicator)
    if indicator == "count":
        printed = {q.unit for q in quantities if q.is_number and q.unit}
        if len(printed) == 1:
            return printed.pop()
    return canonical


# --------------------------------------------------------------------------- history


def load_history(plan_dir: str | Path, plan: PlanConfig | None = None) -> pd.DataFrame:
    """Read and validate ``<plan_dir>/history.csv`` into the processed ``history`` table.

    Columns: ``key, level, indicator, year, value, unit, source`` (the contract) followed by
    ``comparator, value_text, name_zh, chapter, section`` (what the file printed; ``chapter``
    and ``section`` are empty for the plan's appendix tables).
    """
    plan = plan or load_plan(plan_dir)
    path = Path(plan_dir) / HISTORY_FILE
    rows = _read_csv(path, HISTORY_FILE_COLUMNS)
    first_line: dict[str, int] = {}
    records = []
    for line, row in rows:
        key = row["key"]
        if not key:
            raise AnalysisError("empty key", file=path, row=line, column="key", text=key)
        if key in first_line:
            raise AnalysisError(f"duplicate key (first used on line {first_line[key]})",
                                file=path, row=line, column="key", text=key)
        first_line[key] = line
        level = vocab.check_level(row["level"], file=path, row=line, column="level")
        indicator = vocab.check_indicator(row["indicator"], file=path, row=line,
                                          column="indicator")
        year = _int_cell(row["year"], file=path, line=line, column="year")
        chapter = None
        if row["chapter"]:
            chapter = _int_cell(row["chapter"], file=path, line=line, column="chapter")
            if chapter not in plan.chapter_numbers():
                raise AnalysisError("chapter not in plan.yaml", file=path, row=line,
                                    column="chapter", text=row["chapter"])
        if row["section"] and not plan.has_section(row["section"]):
            raise AnalysisError("section id not in plan.yaml", file=path, row=line,
                                column="section", text=row["section"])
        quantities = _parse_cell(row["value_text"], file=path, line=line, column="value_text")
        if len(quantities) != 1 or not quantities[0].is_number:
            raise AnalysisError("history needs one number per row", file=path, row=line,
                                column="value_text", text=row["value_text"])
        q = quantities[0]
        _check_unit(q, indicator, file=path, line=line, column="value_text")
        records.append({
            "key": key, "level": level, "indicator": indicator, "year": year,
            "value": float(q.value) if q.value is not None else math.nan,
            "unit": _unit(indicator, (q,)), "source": row["source"],
            "comparator": q.comparator, "value_text": row["value_text"],
            "name_zh": row["name_zh"], "chapter": chapter, "section": row["section"] or None,
        })
    frame = pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)
    frame = frame.astype({"year": "int64", "value": "float64", "chapter": "Int64"})
    frame.attrs["file"] = str(path)
    return frame


def load_plan_tables(plan_dir: str | Path) -> tuple[PlanConfig, pd.DataFrame, pd.DataFrame]:
    """``(plan, targets, history)`` for a plan folder: everything validated and parsed."""
    plan = load_plan(plan_dir)
    targets = parse_catalogue(load_catalogue(plan_dir, plan))
    return plan, targets, load_history(plan_dir, plan)
