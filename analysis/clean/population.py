"""Population drivers of a plan: the optional file ``<plan>/population.csv``.

Births (and resident population by age band) drive the cohort method of the models stage,
and they are published for many years a plan has no returns for (statistical yearbooks,
census bulletins). This file gives them for any years, returns or not:

=========================  ==============================================================
column                     meaning
=========================  ==============================================================
``year``                   calendar year (four digits), once per row
``births``                 live births in the year → ``(births, all)``
``population_age_<a>_<b>`` resident population aged a–b → ``(population_age, age_<a>_<b>)``
=========================  ==============================================================

``year`` and at least one other column are required; any other column is an error (a typo
must not silently drop a series). Read as every plan file is
(:func:`analysis.core.textfiles.read_text`: UTF-8 with or without BOM, UTF-16 with BOM, GB18030); lines
starting with ``#`` are comments (sources, notes) and line numbers still count them. Values go through
:func:`analysis.core.quantities.parse_quantity` (``5,169``, ``0.52万``); an empty cell or ``—`` is
missing (no row). A percentage, an amount of money, a comparison (``约5200``), a negative
number or text is an error naming the file, line, column and text.

:func:`merge_population` adds the rows to the returns' tidy table (``source_file`` =
``population.csv``, ``source_cell`` = ``line N, field M``). Where the returns give the same
(year, level, indicator) the returns' row is kept when the two agree, and the stage stops
with an error naming both when they differ.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.clean.returns import INDICATOR_COLUMNS, empty_indicators, tidy_frame
from analysis.core import vocab
from analysis.core.errors import AnalysisError
from analysis.core.quantities import parse_quantity
from analysis.core.textfiles import iter_csv_records, read_text

POPULATION_FILE = "population.csv"
YEAR_COLUMN = "year"
#: Fixed columns and the (indicator, level) they hold.
FIXED_COLUMNS: dict[str, tuple[str, str]] = {"births": ("births", "all")}
#: ``population_age_<a>_<b>`` → ``(population_age, age_<a>_<b>)``.
AGE_COLUMN = re.compile(r"^population_age_(\d+)_(\d+)$")
AGE_INDICATOR = "population_age"
#: The indicators this file may give (population drivers, not school statistics).
POPULATION_INDICATORS = frozenset({*(ind for ind, _ in FIXED_COLUMNS.values()), AGE_INDICATOR})
YEAR = re.compile(r"^\d{4}$")
COLUMNS_HINT = "use year, births, population_age_<a>_<b>"


def column_key(name: str, *, file: str, row: int) -> tuple[str, str]:
    """The (indicator, level) of a value column; AnalysisError for an unknown column."""
    if name in FIXED_COLUMNS:
        indicator, level = FIXED_COLUMNS[name]
    else:
        match = AGE_COLUMN.match(name)
        if match is None:
            raise AnalysisError(f"unknown column ({COLUMNS_HINT})", file=file, row=row,
                                column=name or "(empty)", text=name)
        low, high = int(match.group(1)), int(match.group(2))
        if low > high:
            raise AnalysisError("age band runs backwards (population_age_<a>_<b> needs a <= b)",
                                file=file, row=row, column=name, text=name)
        indicator, level = AGE_INDICATOR, f"age_{low}_{high}"
    vocab.check_indicator(indicator, file=file, row=row, column=name)
    vocab.check_level(level, file=file, row=row, column=name, allow_age_bands=True)
    return indicator, level


def _value(raw: str, indicator: str, *, file: str, row: int, column: str) -> float | None:
    try:
        quantity = parse_quantity(raw)
    except AnalysisError as exc:
        raise exc.located(file=file, row=row, column=column, text=raw) from exc
    if quantity.is_missing:
        return None
    where = {"file": file, "row": row, "column": column, "text": raw}
    if not quantity.is_number or quantity.value is None:
        raise AnalysisError("text where a number was expected", **where)  # type: ignore[arg-type]
    if quantity.unit not in ("", vocab.unit(indicator)):
        shown = "a percentage" if quantity.unit == "fraction" else f"a value in {quantity.unit}"
        raise AnalysisError(f"{shown} where a number of {vocab.unit(indicator)} was expected",
                            **where)  # type: ignore[arg-type]
    if quantity.comparator != "eq":
        raise AnalysisError("a comparison where a number was expected (write the number "
                            "alone)", **where)  # type: ignore[arg-type]
    if quantity.value < 0:
        raise AnalysisError("a negative number of persons", **where)  # type: ignore[arg-type]
    return float(quantity.value)


def read_population(plan_dir: str | Path, plan: str | None = None) -> pd.DataFrame:
    """Rows of ``population.csv`` as a tidy ``indicators`` table (empty when there is no file).

    Raises AnalysisError with the file, line, column and text on any bad input.
    """
    plan_dir = Path(plan_dir)
    plan = plan or plan_dir.name
    path = plan_dir / POPULATION_FILE
    if not path.is_file():
        return empty_indicators()
    shown = POPULATION_FILE
    # the one reader of plan files: size bound, encodings, CSV records with their lines
    text = read_text(path, shown=shown)
    header: list[str] | None = None
    keys: list[tuple[str, str] | None] = []
    seen_years: dict[int, int] = {}
    records: list[dict] = []
    for line_no, record in iter_csv_records(text, shown):
        cells = [c.strip() for c in record]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if header is None:
            header = [c.lower() for c in cells]
            if YEAR_COLUMN not in header:
                raise AnalysisError(f"no '{YEAR_COLUMN}' column ({COLUMNS_HINT})", file=shown,
                                    row=line_no)
            for name in header:
                if header.count(name) > 1:
                    raise AnalysisError("column given twice", file=shown, row=line_no,
                                        column=name, text=name)
            keys = [None if name == YEAR_COLUMN else column_key(name, file=shown, row=line_no)
                    for name in header]
            if len(header) < 2:
                raise AnalysisError(f"no population column ({COLUMNS_HINT})", file=shown,
                                    row=line_no)
            continue
        if len(cells) > len(header) and any(cells[len(header):]):
            raise AnalysisError(f"{len(cells)} fields where the header has {len(header)}",
                                file=shown, row=line_no)
        cells = cells + [""] * (len(header) - len(cells))
        year_text = cells[header.index(YEAR_COLUMN)]
        if not YEAR.match(year_text):
            raise AnalysisError("year must be four digits", file=shown, row=line_no,
                                column=YEAR_COLUMN, text=year_text)
        year = int(year_text)
        if year in seen_years:
            raise AnalysisError(f"year {year} given twice (also on row {seen_years[year]})",
                                file=shown, row=line_no, column=YEAR_COLUMN, text=year_text)
        seen_years[year] = line_no
        for field, (name, key, raw) in enumerate(zip(header, keys, cells, strict=True), start=1):
            if key is None:
                continue
            indicator, level = key
            value = _value(raw, indicator, file=shown, row=line_no, column=name)
            if value is None:
                continue
            records.append({
                "plan": plan, "year": year, "level": level, "indicator": indicator,
                "value": value, "unit": vocab.unit(indicator), "source_file": shown,
                "source_sheet": "", "source_cell": f"line {line_no}, field {field}",
                "derived": False,
            })
    if header is None:
        raise AnalysisError(f"the file has no header ({COLUMNS_HINT})", file=shown)
    if not records:
        return empty_indicators()
    return tidy_frame(pd.DataFrame.from_records(records, columns=INDICATOR_COLUMNS))


def column_name(indicator: str, level: str) -> str:
    """The column of ``population.csv`` that holds (indicator, level)."""
    for name, key in FIXED_COLUMNS.items():
        if key == (indicator, level):
            return name
    return f"{AGE_INDICATOR}_{level.removeprefix('age_')}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _where(row: pd.Series) -> str:
    parts = [str(row["source_file"])]
    if str(row["source_sheet"] or ""):
        parts.append(f"sheet '{row['source_sheet']}'")
    parts.append(str(row["source_cell"]))
    return ", ".join(parts)


def merge_population(indicators: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """The returns' rows plus the rows of ``population.csv`` the returns do not give.

    A (year, level, indicator) in both is kept once, from the returns, when the values agree;
    when they differ the stage stops with an AnalysisError naming both sources.
    """
    if population.empty:
        return indicators
    if indicators.empty:
        return population
    key = ["year", "level", "indicator"]
    given = indicators.drop_duplicates(key).set_index(key)
    keep = []
    for _, row in population.iterrows():
        k = (int(row["year"]), str(row["level"]), str(row["indicator"]))
        if k not in given.index:
            keep.append(True)
            continue
        other = given.loc[k]
        mine, theirs = float(row["value"]), float(other["value"])
        if not _same(mine, theirs):
            line = str(row["source_cell"]).removeprefix("line ").partition(",")[0]
            raise AnalysisError(
                f"{k[2]} of {k[0]} ({k[1]}) differ: {POPULATION_FILE} gives {_number(mine)}, "
                f"the returns give {_number(theirs)} ({_where(other)}); correct one of them",
                file=str(row["source_file"]), row=int(line) if line.isdigit() else None,
                column=column_name(k[2], k[1]), text=_number(mine),
            )
        keep.append(False)
    added = population[keep]
    if added.empty:
        return indicators
    return tidy_frame(pd.concat([indicators, added], ignore_index=True))


__all__ = [
    "POPULATION_FILE",
    "POPULATION_INDICATORS",
    "column_key",
    "column_name",
    "merge_population",
    "read_population",
]
