"""Stage 2 of the pipeline: fit every series, back-test, project, and write the model tables.

:func:`fit_models` is pure (DataFrames in, :class:`ModelResult` out);
:func:`run_models_stage` reads stage 1's ``indicators`` and ``targets`` from
``processed/<plan>/``, the plan's years and staffing norms from ``raw/<plan>/plan.yaml``, the
methods the study forces for a series from ``raw/<plan>/study.yaml`` (``methods:``, read by
:func:`analysis.core.study.load_study`), and writes the tables to
``processed/<plan>/models/<as_of_year>/``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.clean.plan import load_plan
from analysis.clean.population import POPULATION_INDICATORS
from analysis.core import paths
from analysis.core.errors import AnalysisError
from analysis.core.io import read_table, write_tables
from analysis.core.study import STUDY_FILE, Study, load_study
from analysis.models.attainment import target_attainment
from analysis.models.backtest import ERROR_COLUMNS, summarise_errors
from analysis.models.cohort import (
    DEFAULT_SPECS,
    CohortProjection,
    LevelSpec,
    panel_from_indicators,
    project_cohort,
)
from analysis.models.core import all_series
from analysis.models.projection import (
    BACKTEST_COLUMNS,
    CHOICE_COLUMNS,
    PROJECTION_COLUMNS,
    ExtraMethod,
    SeriesResult,
    project_series,
)
from analysis.models.teachers import (
    AGGREGATE_LEVELS,
    QUALIFICATION_PREFIX,
    qualification_outlook,
    teacher_balance,
)

#: Indicators for which the (slow, ~20–50 ms a fit) damped trend is also fitted and back-tested:
#: the enrolment projections of the single levels (not of aggregates such as ``compulsory``).
#: Other series get the cheap benchmarks only.
DAMPED_INDICATORS = frozenset({"enrolment"})

TABLES = ("projections", "backtest", "model_choice", "teacher_balance",
          "qualification_outlook", "attainment", "cohort_ratios")


@dataclass
class ModelResult:
    """Everything the models stage produces (tables by name) and how it was run."""

    tables: dict[str, pd.DataFrame]
    as_of_year: int
    end_year: int
    years: dict[str, int]
    seconds: float = 0.0
    out_dir: Path | None = None
    cohort_unavailable: dict[str, str] = field(default_factory=dict)
    forced: dict[tuple[str, str], str] = field(default_factory=dict)
    """``(indicator, level) → method`` the study forced (``study.yaml``'s ``methods:``)."""

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


def resolve_as_of(indicators: pd.DataFrame, as_of_year: int = 0) -> int:
    """``as_of_year``, or the last observed year when it is 0; checked against the data.

    The observed years are those of the school statistics: population drivers (births,
    population by age, which ``population.csv`` may give for years without returns) count
    only when there is nothing else.
    """
    if indicators.empty:
        raise AnalysisError("the indicators table is empty: nothing to model", column="year")
    school = indicators[~indicators["indicator"].astype(str).isin(POPULATION_INDICATORS)]
    years = (school if len(school) else indicators)["year"].astype(int)
    if not as_of_year:
        return int(years.max())
    if int(as_of_year) < int(years.min()):
        raise AnalysisError(
            f"as_of_year is before the first observed year {int(years.min())}",
            column="as_of_year", text=as_of_year,
        )
    return int(as_of_year)


def _cohort_method(
    panel: dict, level: str, as_of: int, full: CohortProjection, max_horizon: int,
    specs: Sequence[LevelSpec], k: int, cache: dict[int, CohortProjection],
) -> ExtraMethod | None:
    key = ("enrolment", level)
    if key not in full.values:
        return None
    years_full = sorted(full.values[key])

    def at_origin(origin: int, years: list[int]) -> list[float] | None:
        if origin not in cache:
            horizon = list(range(origin + 1, origin + max_horizon + 1))
            cache[origin] = project_cohort(panel, origin, horizon, specs, k)
        values = cache[origin].values.get(key)
        if values is None or any(y not in values for y in years):
            return None
        return [values[y] for y in years]

    first = min(panel[key]) + 1
    return ExtraMethod([full.values[key][y] for y in years_full], at_origin, first)


def _frame_of(results: Sequence[SeriesResult]) -> pd.DataFrame:
    """One projections frame from all series' column lists (built once: fast)."""
    columns: dict[str, list] = {c: [] for c in PROJECTION_COLUMNS}
    for r in results:
        n = len(r.columns["year"])
        columns["indicator"].extend([r.indicator] * n)
        columns["level"].extend([r.level] * n)
        for name, values in r.columns.items():
            columns[name].extend(values)
    frame = pd.DataFrame(columns)
    frame["year"] = frame["year"].astype(int)
    frame["horizon"] = frame["horizon"].astype(int)
    return frame


def fit_models(
    indicators: pd.DataFrame,
    targets: pd.DataFrame | None,
    years: Mapping[str, int],
    as_of_year: int = 0,
    horizon_beyond_target: int = 5,
    norms: Mapping[str, float] | None = None,
    specs: Sequence[LevelSpec] = DEFAULT_SPECS,
    max_horizon: int = 3,
    k: int = 3,
    force_methods: Mapping[tuple[str, str], str] | None = None,
) -> ModelResult:
    """Fit, back-test and project every numeric series; teacher balance; attainment.

    ``years`` needs ``base_year``, ``midterm_year`` and ``target_year``. Only rows with
    ``year <= as_of_year`` (0 = last observed year) are used; later observations are copied to
    the ``observed`` column of the projections for an ex-post check. ``force_methods``
    (``(indicator, level) → method``, from the study file) makes the combined projection of
    those series use that method whenever it can run; ``model_choice`` says so.
    """
    forced_methods = dict(force_methods or {})
    started = time.perf_counter()
    frame = indicators.copy()
    frame["year"] = frame["year"].astype(int)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    as_of = resolve_as_of(frame, as_of_year)
    end_year = max(int(years["target_year"]) + int(horizon_beyond_target), as_of + 1)
    used = frame[frame["year"] <= as_of]
    later = frame[frame["year"] > as_of]

    panel = panel_from_indicators(used)
    horizon_years = list(range(as_of + 1, end_year + 1))
    cohort_full = project_cohort(panel, as_of, horizon_years, specs, k)
    cache: dict[int, CohortProjection] = {}
    spec_levels = {s.level for s in specs}

    results = []
    histories, laters = all_series(used), all_series(later)
    for (ind, lev), history in histories.items():
        if history.empty:
            continue
        extra = {}
        if ind == "enrolment" and lev in spec_levels:
            method = _cohort_method(panel, lev, as_of, cohort_full, max_horizon, specs, k, cache)
            if method is not None:
                extra["cohort"] = method
        forced = forced_methods.get((ind, lev))
        force = forced or ("logit_trend" if ind.startswith(QUALIFICATION_PREFIX) else None)
        series = project_series(
            ind, lev, history, end_year, extra, max_horizon,
            observed_later=laters.get((ind, lev)), force_method=force,
            damped=(ind in DAMPED_INDICATORS and lev not in AGGREGATE_LEVELS) or forced == "damped",
        )
        if forced:
            _say_forced(series.choice, forced)
        results.append(series)

    projections = _frame_of(results)
    error_rows = [(r.indicator, r.level, *row) for r in results for row in r.error_rows]
    backtest = summarise_errors(
        pd.DataFrame(error_rows, columns=["indicator", "level", *ERROR_COLUMNS]),
        by=("indicator", "level"),
    )[BACKTEST_COLUMNS]
    choice = pd.DataFrame([r.choice for r in results], columns=CHOICE_COLUMNS)
    for level in sorted(spec_levels & set(used["level"].astype(str))):
        if level in cohort_full.unavailable and ("enrolment", level) in panel:
            choice = pd.concat([choice, pd.DataFrame([{
                "indicator": "enrolment", "level": level, "method_used": "cohort_unavailable",
                "reason": f"cohort method: {cohort_full.unavailable[level]}",
                "n_points": len(panel[("enrolment", level)]), "last_year": as_of,
            }])], ignore_index=True)

    enrol = projections[(projections["indicator"] == "enrolment")
                        & (projections["method"] == "combined")]
    balance = teacher_balance(enrol, histories, norms)
    qualification = qualification_outlook(projections, targets)
    attainment = (
        target_attainment(targets, projections, years, choice)
        if targets is not None and not targets.empty else target_attainment(
            pd.DataFrame(columns=["key", "measure", "indicator", "level"]), projections, years)
    )
    ratios = pd.DataFrame(cohort_full.ratios, columns=["level", "ratio", "value", "years"])
    tables = {
        "projections": projections, "backtest": backtest, "model_choice": choice,
        "teacher_balance": balance, "qualification_outlook": qualification,
        "attainment": attainment, "cohort_ratios": ratios,
    }
    return ModelResult(tables, as_of, end_year, dict(years), time.perf_counter() - started,
                       cohort_unavailable=dict(cohort_full.unavailable), forced=forced_methods)


def _say_forced(choice: dict, forced: str) -> None:
    """Make ``model_choice``'s reason say that the study forced the method (or could not)."""
    reason = str(choice.get("reason") or "")
    if choice.get("method_used") == forced:
        choice["reason"] = reason.replace(f"{forced} required (bounded trend)",
                                          f"{forced} forced by {STUDY_FILE}", 1)
    else:
        choice["reason"] = (f"{STUDY_FILE} forces {forced}, which cannot run for this series "
                            f"({choice.get('n_points')} observed years); {reason}")


def check_forced_series(study: Study, indicators: pd.DataFrame) -> None:
    """AnalysisError (naming the study file's line) for a forced series the data do not have."""
    present = set(zip(indicators["indicator"].astype(str), indicators["level"].astype(str),
                      strict=True))
    for (indicator, level), method in study.methods.items():
        if (indicator, level) not in present:
            key = f"methods.{indicator}.{level}"
            raise AnalysisError(
                f"{STUDY_FILE} forces {method} for a series the processed indicators do not "
                f"have ({indicator} / {level}; the series are the rows of model_choice)",
                file=study.file, row=study.line(key), column=key, text=f"{indicator}/{level}")


def plan_settings(plan: str, data_root: str | Path | None = None) -> dict[str, object]:
    """Base, mid-term and target years and staffing norms from the plan's ``plan.yaml``."""
    raw = paths.raw_plan_dir(plan, data_root)
    loaded = load_plan(raw)

    def get(name: str, default: object = None) -> object:
        return getattr(loaded, name, default)

    settings: dict[str, object] = {}
    for name in ("base_year", "midterm_year", "target_year"):
        value = get(name)
        if value is None:
            raise AnalysisError(f"plan.yaml has no {name}", file=raw / "plan.yaml", column=name)
        settings[name] = int(value)  # type: ignore[arg-type]
    norms = get("staffing_norms", None) or {}
    settings["staffing_norms"] = {str(k): float(v) for k, v in dict(norms).items()}
    return settings


def run_models_stage(
    plan: str,
    data_root: str | Path | None = None,
    as_of_year: int = 0,
    horizon_beyond_target: int = 5,
) -> ModelResult:
    """Read stage 1's tables, fit the models, write ``processed/<plan>/models/<as_of_year>/``."""
    processed = paths.processed_plan_dir(plan, data_root)
    indicators = read_table(processed, "indicators")
    targets_path = processed / "targets.parquet"
    targets = read_table(processed, "targets") if targets_path.is_file() else None
    settings = plan_settings(plan, data_root)
    years = {k: int(settings[k]) for k in ("base_year", "midterm_year", "target_year")}
    study = load_study(paths.raw_plan_dir(plan, data_root))
    check_forced_series(study, indicators)
    result = fit_models(
        indicators, targets, years, as_of_year=as_of_year,
        horizon_beyond_target=horizon_beyond_target,
        norms=settings["staffing_norms"],  # type: ignore[arg-type]
        force_methods=study.methods,
    )
    out = paths.models_dir(plan, result.as_of_year, data_root)
    manifest = {
        "stage": "models", "plan": plan, "as_of_year": result.as_of_year,
        "end_year": result.end_year, "horizon_beyond_target": horizon_beyond_target,
        **{k: v for k, v in years.items()}, "fit_seconds": round(result.seconds, 3),
        "forced_methods": study.to_dict()["methods"],
    }
    result.out_dir = write_tables(out, result.tables, manifest=manifest)
    return result


def observed_years(indicators: pd.DataFrame) -> list[int]:
    """The distinct observed years of a tidy indicators frame."""
    return sorted(int(y) for y in np.unique(indicators["year"].astype(int)))


__all__ = [
    "TABLES",
    "ModelResult",
    "fit_models",
    "observed_years",
    "plan_settings",
    "resolve_as_of",
    "run_models_stage",
]
