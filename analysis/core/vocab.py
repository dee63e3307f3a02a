"""The canonical vocabularies: indicator ids (``resources/indicators.csv``) and levels
(``resources/levels.csv``).

Every table of the package names indicators and levels by these ids. The functions here look
them up, validate ids read from user files (raising :class:`AnalysisError` with the location)
and expose the little structure the dictionaries carry:

* a share's formula, read from its description when it is written with ids only
  (``(enrolment_public+enrolment_inclusive_private)/enrolment``), see :func:`share_formula`;
* a count defined as a sum of other counts (``enrolment_public+enrolment_inclusive_private``),
  see :func:`composition`;
* levels that are the sum of other levels (compulsory = primary + junior), see
  :func:`level_parts`.

Every stage asks this module: an unknown id fails everywhere with the one message of
:func:`unknown_indicator`, never with a default direction or unit.

A plan folder may add indicators of its own (``data/raw/<plan>/indicators.csv``, the same
columns, plus ``min``/``max`` for a kind and unit the package has no bounds for): loading the
plan (:func:`analysis.clean.plan.load_plan`) calls :func:`use_plan_vocabulary`, and from then
on the vocabulary in force is the package's and that plan's. A level may be written by one of
its documented aliases (``levels.csv``: 小学, 初中, 中职 …); :func:`check_level` returns the id. A pair id ``a/b`` (a
catalogue pair row) is resolved here too (:func:`pair_ids`, :func:`resolve`): both ids must
be known and the first decides direction, unit and kind.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis.core.errors import AnalysisError
from analysis.core.paths import PROJECT_ROOT, RESOURCES

DIRECTIONS = ("higher", "lower", "neutral")
AGE_BAND = re.compile(r"^age_\d+_\d+$")

# Aggregate levels and the levels they add up from (general knowledge of the school system,
# not of any plan). Counts of an aggregate may be smaller than the sum of its parts when one
# unit is counted at both levels (a nine-year school is a primary and a junior school).
LEVEL_PARTS: dict[str, tuple[str, ...]] = {
    "compulsory": ("primary", "junior"),
    "senior_secondary": ("senior_general", "vocational"),
}


def _shown(name: str) -> str:
    """A resource file as a message names it (relative to the project when inside it)."""
    path = RESOURCES / name
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


INDICATORS_FILE = _shown("indicators.csv")
"""Where the indicator vocabulary lives, as error messages name it."""
LEVELS_FILE = _shown("levels.csv")
"""Where the level vocabulary lives, as error messages name it."""
UNKNOWN_INDICATOR = f"unknown indicator id (see {INDICATORS_FILE})"
UNKNOWN_LEVEL = f"unknown level id (see {LEVELS_FILE})"

_SUM = re.compile(r"^\(?([a-z][a-z0-9_]*(?:\+[a-z][a-z0-9_]*)*)\)?$")


@dataclass(frozen=True)
class IndicatorInfo:
    """One row of ``indicators.csv``."""

    indicator: str
    unit: str
    kind: str
    direction: str
    name_zh: str
    name_en: str
    description: str

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class LevelInfo:
    """One row of ``levels.csv``."""

    level: str
    name_zh: str
    name_en: str
    description: str
    aliases: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


def _read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a dictionary CSV; surplus cells (an unquoted comma in the last column, the
    free-text description) are joined back into that column."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        last = reader.fieldnames[-1] if reader.fieldnames else None
        for raw in reader:
            surplus = raw.pop(None, None)  # type: ignore[call-overload]
            row = {k: (v or "").strip() for k, v in raw.items()}
            if surplus and last is not None:
                row[last] = ",".join([row[last], *surplus]).strip()
            rows.append(row)
    return rows


@lru_cache(maxsize=1)
def package_indicators() -> dict[str, IndicatorInfo]:
    """The package's indicators, by id (read once from ``resources/indicators.csv``)."""
    path = RESOURCES / "indicators.csv"
    table: dict[str, IndicatorInfo] = {}
    for line, row in enumerate(_read_rows(path), start=2):
        info = IndicatorInfo(**{field: row.get(field, "") for field in IndicatorInfo.__annotations__})
        if info.indicator in table:
            raise AnalysisError("duplicate indicator id", file=path, row=line, text=info.indicator)
        if info.direction not in DIRECTIONS:
            raise AnalysisError(
                f"direction must be one of {', '.join(DIRECTIONS)}",
                file=path, row=line, column="direction", text=info.direction,
            )
        table[info.indicator] = info
    return table


@dataclass
class _PlanVocabulary:
    """The indicators (and their bounds) the plan loaded last adds to the package's."""

    folder: str = ""
    indicators: dict[str, IndicatorInfo] | None = None
    bounds: dict[tuple[str, str], Bounds] | None = None
    merged: dict[str, IndicatorInfo] | None = None


_PLAN = _PlanVocabulary()


def indicators() -> dict[str, IndicatorInfo]:
    """Every indicator in force, by id: the package's and the loaded plan's own."""
    if _PLAN.merged is None:
        _PLAN.merged = {**package_indicators(), **(_PLAN.indicators or {})}
    return _PLAN.merged


@lru_cache(maxsize=1)
def levels() -> dict[str, LevelInfo]:
    """Every canonical level, by id (read once from ``resources/levels.csv``)."""
    rows = _read_rows(RESOURCES / "levels.csv")
    return {
        row["level"]: LevelInfo(**{field: row.get(field, "") for field in LevelInfo.__annotations__})
        for row in rows
    }


@lru_cache(maxsize=1)
def level_aliases() -> dict[str, str]:
    """``{alias: level id}`` from the ``aliases`` column of ``levels.csv`` (``;``-separated);
    an alias naming two levels is refused."""
    found: dict[str, str] = {}
    for level, info in levels().items():
        for alias in (a.strip() for a in info.aliases.split(";")):
            if not alias or alias == level:
                continue
            if found.get(alias, level) != level or alias in levels():
                raise AnalysisError("an alias names two levels", file=LEVELS_FILE,
                                    column="aliases", text=alias)
            found[alias] = level
    return found


def canonical_level(level: object, *, allow_age_bands: bool = False) -> str | None:
    """The level id of ``level`` (an id or a documented alias), or None when it is neither."""
    if not isinstance(level, str):
        return None
    text = level.strip()
    if is_level(text, allow_age_bands=allow_age_bands):
        return text
    return level_aliases().get(text) or level_aliases().get(text.lower())


def indicator_ids() -> frozenset[str]:
    """The canonical indicator ids."""
    return frozenset(indicators())


def level_ids() -> frozenset[str]:
    """The canonical level ids (age bands ``age_<a>_<b>`` are accepted separately)."""
    return frozenset(levels())


def is_indicator(indicator: object) -> bool:
    return isinstance(indicator, str) and indicator in indicators()


def is_level(level: object, *, allow_age_bands: bool = False) -> bool:
    if not isinstance(level, str):
        return False
    return level in levels() or (allow_age_bands and AGE_BAND.match(level) is not None)


def unknown_indicator(
    indicator: object,
    *,
    file: str | Path | None = None,
    row: int | str | None = None,
    column: str | None = None,
) -> AnalysisError:
    """The one error for an unknown indicator id (names the id and :data:`INDICATORS_FILE`)."""
    return AnalysisError(UNKNOWN_INDICATOR, file=file, row=row, column=column, text=indicator)


def indicator_info(indicator: str) -> IndicatorInfo:
    """The dictionary row of one indicator id; AnalysisError for an unknown id."""
    try:
        return indicators()[indicator]
    except (KeyError, TypeError):
        raise unknown_indicator(indicator) from None


def level_info(level: str) -> LevelInfo:
    """The dictionary row of a level; AnalysisError for an unknown id."""
    try:
        return levels()[level]
    except (KeyError, TypeError):
        raise AnalysisError(UNKNOWN_LEVEL, text=level) from None


def pair_ids(
    indicator: object,
    *,
    file: str | Path | None = None,
    row: int | str | None = None,
    column: str | None = None,
) -> tuple[str, ...]:
    """The ids of an id or of a pair ``a/b`` (catalogue pair rows); each must be known."""
    if not isinstance(indicator, str):
        raise unknown_indicator(indicator, file=file, row=row, column=column)
    ids = tuple(indicator.split("/"))
    for part in ids:
        if not is_indicator(part):
            raise unknown_indicator(part, file=file, row=row, column=column)
    return ids


def resolve(indicator: str) -> IndicatorInfo:
    """The dictionary row that decides for an id or a pair ``a/b`` (the first id; both known)."""
    return indicators()[pair_ids(indicator)[0]]


def direction(indicator: str) -> str:
    """``higher``, ``lower`` or ``neutral``: which way is better (a pair: its first id)."""
    return resolve(indicator).direction


def unit(indicator: str) -> str:
    """The canonical unit (``fraction``, ``persons``, ``10k_yuan`` …; a pair: its first id)."""
    return resolve(indicator).unit


def kind(indicator: str) -> str:
    """``count``, ``share``, ``rate`` or ``money`` (a pair: its first id)."""
    return resolve(indicator).kind


def kinds() -> dict[str, str]:
    """Every canonical indicator id and its kind (for mapping a whole column at once)."""
    return {indicator: info.kind for indicator, info in indicators().items()}


GENERIC_INDICATORS: frozenset[str] = frozenset({"count", "coverage", "milestone",
                                                "projects_completed"})
"""Ids whose meaning lies in the target's name (数量, 覆盖率, 里程碑, 建设项目): two rows with the same
generic id and level are different quantities, so no value is ever matched across rows by
(level, indicator) alone — only by the target's own key."""


def is_generic(indicator: str) -> bool:
    """True for a generic id (:data:`GENERIC_INDICATORS`): matched by key, never by name."""
    return str(indicator) in GENERIC_INDICATORS


def default_measure(indicator: str) -> str:
    """The measure of a catalogue row that leaves ``measure`` blank (docs/catalogue.md).

    ``scale`` for a count whose direction is neutral — enrolment, entrants, classes: sizes a
    plan projects from demography rather than promises to reach — else ``level``.
    """
    info = resolve(indicator)
    return "scale" if info.kind == "count" and info.direction == "neutral" else "level"


def is_share(indicator: str) -> bool:
    """True for a share: a fraction that cannot pass 1 (a rate such as 毛入学率 can)."""
    return kind(indicator) == "share"


def indicator_name(indicator: str, lang: str = "zh") -> str:
    return indicator_info(indicator).name(lang)


def level_name(level: str, lang: str = "zh") -> str:
    return level_info(level).name(lang)


def check_indicator(
    indicator: object,
    *,
    file: str | Path | None = None,
    row: int | str | None = None,
    column: str | None = None,
) -> str:
    """Return ``indicator`` if it is one canonical id, else raise AnalysisError at the location."""
    if not is_indicator(indicator):
        raise unknown_indicator(indicator, file=file, row=row, column=column)
    return str(indicator)


def check_level(
    level: object,
    *,
    file: str | Path | None = None,
    row: int | str | None = None,
    column: str | None = None,
    allow_age_bands: bool = False,
) -> str:
    """The level id of ``level`` (an id, or an alias such as 小学 → ``primary``); AnalysisError
    at the location when it is neither."""
    found = canonical_level(level, allow_age_bands=allow_age_bands)
    if found is None:
        raise AnalysisError(UNKNOWN_LEVEL, file=file, row=row, column=column, text=level)
    return found


def composition(indicator: str) -> frozenset[str] | None:
    """The ids a count adds up from, when its description is a sum of ids (``a+b``), else None.

    ``composition("enrolment_inclusive") == {"enrolment_public", "enrolment_inclusive_private"}``.
    """
    match = _SUM.match(indicator_info(indicator).description.replace(" ", ""))
    if not match or "+" not in match.group(1):
        return None
    terms = frozenset(match.group(1).split("+"))
    return terms if all(is_indicator(t) for t in terms) else None


def share_formula(indicator: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """``(numerator ids, denominator ids)`` of a share whose description is a formula of ids.

    ``share_formula("share_enrolment_inclusive")`` gives
    ``({"enrolment_public", "enrolment_inclusive_private"}, {"enrolment"})``. Descriptions
    written in words, or naming anything that is not an indicator id, give None.
    """
    text = indicator_info(indicator).description.replace(" ", "")
    if text.count("/") != 1:
        return None
    numerator, denominator = text.split("/")
    parts = []
    for side in (numerator, denominator):
        match = _SUM.match(side)
        if not match:
            return None
        terms = frozenset(match.group(1).split("+"))
        if not all(is_indicator(t) for t in terms):
            return None
        parts.append(terms)
    return parts[0], parts[1]


def expand(indicator: str) -> frozenset[str]:
    """The ids an indicator stands for: its composition when it has one, else itself."""
    return composition(indicator) or frozenset({indicator})


def level_parts(level: str) -> tuple[str, ...]:
    """The levels an aggregate level adds up from (empty for a level that is not an aggregate)."""
    return LEVEL_PARTS.get(level, ())


# --------------------------------------------------------------------------- plausibility bounds

BOUNDS_FILE = _shown("bounds.csv")
"""Where the plausibility bounds live, as error messages name them."""


@dataclass(frozen=True)
class Bounds:
    """The plausible range of an indicator kind and unit (one row of ``bounds.csv``).

    A value below ``min`` or above ``max`` is impossible (an error of the QA checks);
    ``warn_above``, when set, is where a possible but unusual value starts (a warning).
    """

    kind: str
    unit: str
    min: float
    max: float
    warn_above: float | None
    note: str


def bounds_table() -> dict[tuple[str, str], Bounds]:
    """The bounds in force by ``(kind, unit)``: the package's and the loaded plan's own."""
    return {**package_bounds(), **(_PLAN.bounds or {})}


@lru_cache(maxsize=1)
def package_bounds() -> dict[tuple[str, str], Bounds]:
    """Every row of ``resources/bounds.csv`` by ``(kind, unit)``; checked on loading: numbers,
    ``min <= warn_above <= max``, and a row for every kind and unit of ``indicators.csv``
    (kind ``flag`` excepted: it holds no numbers)."""
    path = RESOURCES / "bounds.csv"
    table: dict[tuple[str, str], Bounds] = {}
    for line, row in enumerate(_read_rows(path), start=2):
        try:
            low, high = float(row["min"]), float(row["max"])
            warn = float(row["warn_above"]) if row.get("warn_above") else None
        except (KeyError, ValueError):
            raise AnalysisError("min, max and warn_above must be numbers", file=BOUNDS_FILE,
                                row=line) from None
        if not low <= high or (warn is not None and not low <= warn <= high):
            raise AnalysisError("bounds must satisfy min <= warn_above <= max",
                                file=BOUNDS_FILE, row=line)
        key = (row["kind"], row["unit"])
        if key in table:
            raise AnalysisError("kind and unit given twice", file=BOUNDS_FILE, row=line,
                                text="/".join(key))
        table[key] = Bounds(kind=key[0], unit=key[1], min=low, max=high, warn_above=warn,
                            note=row.get("note", ""))
    for info in package_indicators().values():
        if info.kind != "flag" and (info.kind, info.unit) not in table:
            raise AnalysisError(f"no plausibility bounds for kind {info.kind!r} in unit "
                                f"{info.unit!r} (indicator {info.indicator!r})",
                                file=BOUNDS_FILE)
    return table


def bounds(indicator: str) -> Bounds | None:
    """The plausible range of an indicator (a pair: its first id); None for kind ``flag``."""
    info = resolve(indicator)
    return bounds_table().get((info.kind, info.unit))


# --------------------------------------------------------------------------- a plan's own indicators

PLAN_INDICATORS_FILE = "indicators.csv"
"""A plan folder's own indicators: the columns of ``resources/indicators.csv``, plus ``min``
and ``max`` where the package has no bounds for the row's kind and unit."""
KINDS = ("count", "share", "rate", "money", "flag")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def use_plan_vocabulary(plan_dir: str | Path) -> tuple[str, ...]:
    """Put the plan folder's own indicators (``indicators.csv``, optional) in force beside the
    package's, replacing those of any plan loaded before; the ids added, in file order.

    Each row is checked like the package's (id syntax, kind, direction) and may not redefine
    a package id; a kind and unit without package bounds need ``min`` and ``max``.
    """
    from analysis.core.textfiles import read_csv_table

    folder = Path(plan_dir)
    path = folder / PLAN_INDICATORS_FILE
    added: dict[str, IndicatorInfo] = {}
    extra_bounds: dict[tuple[str, str], Bounds] = {}
    if path.is_file():
        required = [f for f in IndicatorInfo.__annotations__ if f != "description"]
        for line, row in read_csv_table(path, required):
            info = IndicatorInfo(**{f: row.get(f, "") for f in IndicatorInfo.__annotations__})
            _check_plan_indicator(info, row, path, line, added)
            key = (info.kind, info.unit)
            if info.kind != "flag" and key not in package_bounds():
                extra_bounds[key] = _plan_bounds(info, row, path, line, extra_bounds.get(key))
            added[info.indicator] = info
    _PLAN.folder, _PLAN.indicators, _PLAN.bounds, _PLAN.merged = (
        str(folder), added, extra_bounds, None)
    return tuple(added)


def _check_plan_indicator(info: IndicatorInfo, row: dict[str, str], path: Path, line: int,
                          seen: dict[str, IndicatorInfo]) -> None:
    def fail(problem: str, column: str) -> AnalysisError:
        return AnalysisError(problem, file=path, row=line, column=column, text=row.get(column))

    if not _ID.match(info.indicator):
        raise fail("an indicator id is lower-case letters, digits and _ (e.g. "
                   "adult_schooling_years)", "indicator")
    if info.indicator in package_indicators():
        raise fail(f"the package already defines this id (see {INDICATORS_FILE}); use it "
                   "or choose another id", "indicator")
    if info.indicator in seen:
        raise fail("indicator id given twice", "indicator")
    if info.kind not in KINDS:
        raise fail(f"kind must be one of {', '.join(KINDS)}", "kind")
    if info.direction not in DIRECTIONS:
        raise fail(f"direction must be one of {', '.join(DIRECTIONS)}", "direction")
    if not info.unit:
        raise fail("every indicator needs a unit (persons, fraction, years …)", "unit")
    if not info.name_zh:
        raise fail("every indicator needs a Chinese name", "name_zh")


def _plan_bounds(info: IndicatorInfo, row: dict[str, str], path: Path, line: int,
                 before: Bounds | None) -> Bounds:
    """The bounds a plan gives for a kind and unit the package does not know."""
    try:
        low, high = float(row.get("min", "")), float(row.get("max", ""))
    except ValueError:
        raise AnalysisError(f"no plausibility bounds for kind {info.kind!r} in unit "
                            f"{info.unit!r}: give min and max", file=path, row=line,
                            column="min", text=row.get("min")) from None
    if not low <= high:
        raise AnalysisError("min must not exceed max", file=path, row=line, column="max",
                            text=row.get("max"))
    if before is not None and (before.min, before.max) != (low, high):
        raise AnalysisError(f"other bounds for {info.kind}/{info.unit} on an earlier row",
                            file=path, row=line, column="min", text=row.get("min"))
    return Bounds(kind=info.kind, unit=info.unit, min=low, max=high, warn_above=None,
                  note=f"from {path.name}")
