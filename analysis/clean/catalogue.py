"""The catalogue of measurable commitments (``targets.csv``) and the values the plan quotes
for past years (``history.csv``), read and parsed into the processed ``targets`` and
``history`` tables (schemas in ``docs/contracts.md``, file formats in ``docs/catalogue.md``).

Every problem raises :class:`AnalysisError` naming the file, the CSV line, the column and
the offending text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.clean.plan import PlanConfig, load_plan
from analysis.core import rules, vocab
from analysis.core.cells import cell_text as _text
from analysis.core.errors import AnalysisError
from analysis.core.quantities import Quantity, parse_values
from analysis.core.textfiles import read_csv_table
from analysis.core.wording import check_wording, wording_of

CATALOGUE_FILE = "targets.csv"
HISTORY_FILE = "history.csv"

KINDS = ("table", "target", "rule", "milestone")
MEASURES = ("level", "scale", "increase", "cumulative", "rule", "milestone")
ATTRIBUTES = ("约束性", "预期性")
VALUE_COLUMNS = ("baseline_text", "midterm_text", "final_text")

CATALOGUE_COLUMNS = [
    "key", "kind", "chapter", "section", "task", "level", "indicator", "name_zh", "name_en",
    "attribute", "measure", "baseline_text", "midterm_text", "final_text", "deadline",
    "source", "quote",
]
OPTIONAL_CATALOGUE_COLUMNS = ["wording"]
"""Columns a catalogue may add (docs/catalogue.md); blank or absent cells are derived."""
HISTORY_FILE_COLUMNS = [
    "key", "chapter", "section", "level", "indicator", "name_zh", "year", "value_text", "source",
]
OPTIONAL_HISTORY_COLUMNS = ["target_key"]
"""``target_key``: the catalogue row whose baseline this history value is (docs/catalogue.md)."""
TARGET_COLUMNS = [
    "key", "parent_key", "kind", "chapter", "section", "task", "level", "indicator", "name_zh",
    "name_en", "attribute", "measure", "direction", "unit", "baseline_value", "midterm_value",
    "midterm_comparator", "final_value", "final_comparator", "rule", "deadline",
    "baseline_text", "midterm_text", "final_text", "source", "wording",
]
# The contract's history columns first; the last five keep what the file printed.
HISTORY_COLUMNS = [
    "key", "level", "indicator", "year", "value", "unit", "source",
    "comparator", "value_text", "name_zh", "chapter", "section", "target_key",
]

_MONEY_UNITS = frozenset({"yuan", "10k_yuan"})


# --------------------------------------------------------------------------- CSV reading


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a plan CSV with the line number each starts on; checks the header.

    :func:`analysis.core.textfiles.read_csv_table`: the encodings every plan file may have (UTF-8
    with or without BOM, UTF-16 with BOM, GB18030), bounded size, located CSV errors.
    """
    return read_csv_table(path, required)


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


def _check_bounds(q: Quantity, indicator: str, *, file: object, line: object, column: str,
                  signed: bool = False) -> None:
    """A value the plan prints must be possible for its indicator (``vocab.bounds``, the
    limits the returns are checked against): no share above 100 %, no negative count, no more
    pupils than China has. ``signed``: a change (``increase``) may be negative."""
    limits = vocab.bounds(indicator) if q.is_number and q.value is not None else None
    if limits is None:
        return
    value = float(q.value)  # type: ignore[arg-type]
    low = -limits.max if signed else limits.min
    if not low <= value <= limits.max:
        shown = "%" if q.unit == "fraction" else ""
        scale = 100 if q.unit == "fraction" else 1
        raise AnalysisError(
            f"{value * scale:g}{shown} is not possible for indicator '{indicator}' (a value "
            f"between {low * scale:g}{shown} and {limits.max * scale:g}{shown}: {limits.note})",
            file=file, row=line, column=column, text=q.text)


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
    frame = pd.DataFrame.from_records(records, columns=[*CATALOGUE_COLUMNS, "wording", "line"])
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
    level = vocab.check_level(row["level"], file=path, row=line, column="level")
    indicators = list(vocab.pair_ids(row["indicator"], file=path, row=line, column="indicator"))
    measure = row["measure"] or _default_measure(kind, indicators)
    if measure not in MEASURES:
        raise fail(f"measure must be one of {', '.join(MEASURES)}", "measure")
    if (kind == "rule") != (measure == "rule") or (kind == "milestone") != (measure == "milestone"):
        raise fail(f"measure '{measure}' does not fit kind '{kind}' (rule rows have measure "
                   "rule, milestone rows measure milestone)", "measure")
    if measure == "scale" and any(vocab.kind(i) != "count" for i in indicators):
        raise fail("measure 'scale' is for counts a plan projects (在校生, 在园幼儿数)", "measure")
    wording = check_wording(row.get("wording"), file=path, row=line, column="wording") or \
        wording_of(row["quote"])
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
            _check_bounds(quantity, indicator, file=path, line=line, column=column,
                          signed=measure == "increase" and column != "baseline_text")
    _check_kind_values(kind, indicators, parsed, fail)
    return {**{c: row[c] for c in CATALOGUE_COLUMNS}, "chapter": chapter, "deadline": deadline,
            "level": level, "measure": measure, "wording": wording, "line": line}


def _default_measure(kind: str, indicators: list[str]) -> str:
    """The measure of a row that leaves it blank: by kind, then by the indicator (vocab)."""
    if kind in ("rule", "milestone"):
        return kind
    return vocab.default_measure(indicators[0])


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
            "wording": _text(row.get("wording")) or wording_of(row.get("quote")),
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
    """Read and validate ``<plan_dir>/history.csv`` into the processed ``history`` table; a
    plan without the file has an empty history (the file is optional).

    Columns: ``key, level, indicator, year, value, unit, source`` (the contract) followed by
    ``comparator, value_text, name_zh, chapter, section`` (what the file printed; ``chapter``
    and ``section`` are empty for the plan's appendix tables).
    """
    plan = plan or load_plan(plan_dir)
    path = Path(plan_dir) / HISTORY_FILE
    if not path.exists():
        return _empty_history(path)  # optional: a plan that quotes no past values
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
        _check_bounds(q, indicator, file=path, line=line, column="value_text")
        records.append({
            "key": key, "level": level, "indicator": indicator, "year": year,
            "value": float(q.value) if q.value is not None else math.nan,
            "unit": _unit(indicator, (q,)), "source": row["source"],
            "comparator": q.comparator, "value_text": row["value_text"],
            "name_zh": row["name_zh"], "chapter": chapter, "section": row["section"] or None,
            "target_key": row.get("target_key") or None,
        })
    frame = pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)
    frame = frame.astype({"year": "int64", "value": "float64", "chapter": "Int64"})
    frame.attrs["file"] = str(path)
    return frame


def _empty_history(path: Path) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in HISTORY_COLUMNS})
    frame = frame.astype({"year": "int64", "value": "float64", "chapter": "Int64"})
    frame.attrs["file"] = str(path)
    return frame


def load_plan_tables(plan_dir: str | Path) -> tuple[PlanConfig, pd.DataFrame, pd.DataFrame]:
    """``(plan, targets, history)`` for a plan folder: everything validated and parsed."""
    plan = load_plan(plan_dir)
    catalogue = load_catalogue(plan_dir, plan)
    history = load_history(plan_dir, plan)
    check_history_keys(history, set(catalogue["key"].astype(str)))
    return plan, parse_catalogue(catalogue), history


def check_history_keys(history: pd.DataFrame, keys: set[str]) -> None:
    """Every ``target_key`` a history row names is a key of the catalogue."""
    for record in history.to_dict("records"):
        target = record.get("target_key")
        if isinstance(target, str) and target and target not in keys:
            raise AnalysisError("target_key not in targets.csv", file=history.attrs.get("file"),
                                column="target_key", text=target)
