"""The layout map of a plan's returns (``returns/layout.yaml``), in the manner of PUDL's
per-year column maps: which sheet, which header rows, which label column, which raw row and
column labels (with aliases) map to which canonical ``(indicator, level)``; years whose layout
differs get ``overrides``. Validated with pydantic; the reader is :mod:`analysis.clean.returns`.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analysis.core import vocab
from analysis.core.errors import AnalysisError
from analysis.core.textfiles import YamlDocument, load_yaml, yaml_schema_error

LAYOUT_FILE = "layout.yaml"


def normalise_label(text: object) -> str:
    """Label as compared with the map: NFKC, no whitespace, no trailing colon."""
    if text is None:
        return ""
    cleaned = unicodedata.normalize("NFKC", str(text))
    cleaned = re.sub(r"\s+", "", cleaned)
    return cleaned.rstrip(":：")


# --------------------------------------------------------------------------- layout map


class CellSpec(BaseModel):
    """What one raw row or column label contributes to the canonical key.

    ``indicator``/``level`` set the key; ``suffix`` is appended to the column's indicator
    (row ``公办`` with suffix ``public`` × column ``园数`` (schools) → ``schools_public``);
    ``unit: percent`` (or ``percent: true``) says plain numbers are percentages (``85.2`` under
    a ``（%）`` header is 85.2 %); ``scale`` multiplies plain numbers; ``optional`` lets the
    label be absent in a year. A value that writes its own unit (``85.2%``, ``1.56亿人``) is
    never scaled again.
    """

    model_config = ConfigDict(extra="forbid")
    indicator: str | None = None
    level: str | None = None
    suffix: str | None = None
    aliases: list[str] = Field(default_factory=list)
    scale: float | None = None
    percent: bool = False
    unit: Literal["percent"] | None = None
    optional: bool = False

    @property
    def is_percent(self) -> bool:
        """Plain numbers of this row or column are percentages."""
        return self.percent or self.unit == "percent"


class TableSpec(BaseModel):
    """Where one table sits in a year's returns and how its labels map to canonical keys."""

    model_config = ConfigDict(extra="forbid")
    sheet: str
    header_rows: list[int]
    label_column: str = "A"
    first_data_row: int | None = None
    level: str | None = None
    indicator: str | None = None
    rows: dict[str, CellSpec] = Field(default_factory=dict)
    columns: dict[str, CellSpec] = Field(default_factory=dict)
    ignore_rows: list[str] = Field(default_factory=list)
    ignore_columns: list[str] = Field(default_factory=list)
    units: dict[str, float] | None = None
    unit: Literal["percent"] | None = None
    years: str | None = None
    required: bool = True
    note: str = ""


class Override(BaseModel):
    """Changes for some years: partial table specs deep-merged onto the default ones."""

    model_config = ConfigDict(extra="forbid")
    years: str
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict)
    drop_tables: list[str] = Field(default_factory=list)
    note: str = ""


class LayoutMap(BaseModel):
    """The layout map of one plan's returns (``returns/layout.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    illustrative: bool = False
    description: str = ""
    tables: dict[str, TableSpec]
    overrides: list[Override] = Field(default_factory=list)

    def tables_for_year(self, year: int) -> dict[str, TableSpec]:
        """The table specs that apply to ``year`` (default layout plus matching overrides)."""
        raw = {name: spec.model_dump(exclude_unset=True) for name, spec in self.tables.items()}
        for override in self.overrides:
            if year not in parse_years(override.years):
                continue
            for name in override.drop_tables:
                raw.pop(name, None)
            for name, patch in override.tables.items():
                raw[name] = deep_merge(raw.get(name, {}), patch)
        specs = {name: TableSpec.model_validate(spec) for name, spec in raw.items()}
        return {
            name: spec
            for name, spec in specs.items()
            if spec.years is None or year in parse_years(spec.years)
        }


def parse_years(text: str | int) -> set[int]:
    """``"2016-2018, 2021"`` -> {2016, 2017, 2018, 2021}."""
    years: set[int] = set()
    for part in str(text).replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\d{4})\s*[-–~]\s*(\d{4})", part)
        if match:
            years.update(range(int(match.group(1)), int(match.group(2)) + 1))
        elif re.fullmatch(r"\d{4}", part):
            years.add(int(part))
        else:
            raise AnalysisError("cannot read a year range (use 2016-2018, 2021)", text=text)
    return years


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Recursive dict merge; values in ``patch`` win, lists are replaced, not appended."""
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_layout(returns_dir: str | Path) -> LayoutMap:
    """Read and validate ``returns/layout.yaml`` (every year's resolved layout is checked).

    Read with :func:`analysis.core.textfiles.load_yaml` (encodings, repeated keys, bounded aliases);
    a schema problem names the YAML line and key.
    """
    path = Path(returns_dir) / LAYOUT_FILE
    if not path.is_file():
        raise AnalysisError("the returns folder has no layout map (layout.yaml)", file=path)
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise AnalysisError("the layout map must be a mapping of keys to values", file=path,
                            row=document.line([]))
    try:
        layout = LayoutMap.model_validate(document.data)
    except ValidationError as exc:
        raise yaml_schema_error(exc, document, allowed_keys=_allowed_keys) from None
    validate_layout(layout, path, document)
    return layout


def _allowed_keys(loc: list[object]) -> list[str]:
    """Keys allowed at ``loc`` of a layout map (for the unknown-key message)."""
    model: type[BaseModel] = LayoutMap
    parts = [str(p) for p in loc]
    if parts[:1] == ["tables"] and len(parts) >= 2:
        model = TableSpec
        if len(parts) >= 4 and parts[2] in ("rows", "columns"):
            model = CellSpec
    elif parts[:1] == ["overrides"] and len(parts) >= 2:
        model = Override
    return list(model.model_fields)


def validate_layout(layout: LayoutMap, path: Path, document: YamlDocument | None = None) -> None:
    """Check ids against the vocabulary, that every cell resolves to (indicator, level) and
    that ``unit: percent`` is declared only where shares or rates are read."""
    years = {y for o in layout.overrides for y in parse_years(o.years)} | {0}
    years |= {y for t in layout.tables.values() if t.years for y in parse_years(t.years)}
    for year in sorted(years):
        try:
            tables = layout.tables_for_year(year)
        except ValidationError as exc:
            if document is None:
                raise AnalysisError(f"override for {year} breaks the schema: {exc}",
                                    file=path) from None
            error = yaml_schema_error(exc, document, allowed_keys=_allowed_keys,
                                      prefix=_override_path(layout, year, exc))
            raise AnalysisError(f"the override for {year} gives a table that breaks the "
                                f"schema: {error.problem}", file=path, row=error.row,
                                column=error.column, text=error.text) from None
        for name, spec in tables.items():
            for row_label, row in spec.rows.items():
                for col_label, col in spec.columns.items():
                    indicator, level = resolve_key(spec, row, col)
                    where = f"table {name!r}, row {row_label!r} × column {col_label!r}"
                    if indicator is None or level is None:
                        raise AnalysisError(f"{where} maps to no indicator or no level", file=path)
                    at_row, at_column = f"'{row_label}' (table '{name}')", f"'{col_label}'"
                    vocab.check_indicator(indicator, file=path, row=at_row, column=at_column)
                    vocab.check_level(level, file=path, row=at_row, column=at_column,
                                      allow_age_bands=True)
                    if (row.is_percent or col.is_percent) and vocab.unit(indicator) != "fraction":
                        raise AnalysisError(
                            f"{where}: 'unit: percent' on a cell of '{indicator}', which is "
                            f"counted in {vocab.unit(indicator)}, not a share", file=path,
                            row=at_row, column=at_column)


def _override_path(layout: LayoutMap, year: int, exc: ValidationError) -> tuple[object, ...]:
    """``("overrides", i, "tables", name)``: the patch of ``year`` that sets the key the
    error is about (``("overrides",)`` when no patch sets it: the default table breaks)."""
    first = exc.errors()[0]["loc"][:1]
    for index, override in enumerate(layout.overrides):
        if year not in parse_years(override.years):
            continue
        for name, patch in override.tables.items():
            if first and first[0] in patch:
                return ("overrides", index, "tables", name)
    return ("overrides",)


def resolve_key(spec: TableSpec, row: CellSpec, col: CellSpec) -> tuple[str | None, str | None]:
    """Canonical (indicator, level) of a row × column cell: cell specs win over the table's."""
    indicator = col.indicator or row.indicator or spec.indicator
    if indicator is not None:
        for part in (row.suffix, col.suffix):
            if part:
                indicator = f"{indicator}_{part}"
    level = row.level or col.level or spec.level
    # a documented alias (小学, 初中 …) names its level; an unknown text is refused by the caller
    return indicator, vocab.canonical_level(level, allow_age_bands=True) or level


