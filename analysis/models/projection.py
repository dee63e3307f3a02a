"""Project one series with every method that can run, back-test them, choose, and build fans.

:func:`project_series` is the unit of work of the stage: DataFrame-free inputs (a series and
optional extra methods such as the cohort projection), DataFrames out.

Rows of the projections frame:

* one row per (method, future year) with that method's own band; ``interval`` says where the
  band comes from: ``backtest`` (the method's rolling-origin errors), ``model`` (the model's
  own prediction interval: OLS for ``linear`` and ``logit_trend``), ``random_walk`` (spread
  of the year-on-year changes, when there is too little history to back-test) or ``none``;
* ``combined`` rows — what the reports use — carry the chosen method's mean with the
  **back-tested** band (widened to the model's own band if that is wider, and for positive
  series never narrower than :data:`MIN_LOG_SD_PER_YEAR` × horizon), widened again by the
  disagreement of the other credible methods (:func:`_method_spread`), and, for the
  observed years, the observed value itself (``interval = "observed"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core import vocab
from analysis.models.backtest import (
    ERROR_COLUMNS,
    ErrorRow,
    backtest_error_model,
    choose_method_rows,
    rolling_origin_rows,
    summarise_errors,
)
from analysis.models.benchmarks import BENCHMARKS, MIN_POINTS, Forecast, benchmark_methods
from analysis.models.core import (
    ErrorModel,
    bound_values,
    choose_scale,
    fan_arrays,
    random_walk_errors,
    to_scale,
)

PROJECTION_COLUMNS = [
    "indicator", "level", "year", "method", "mean", "lo80", "hi80", "lo95", "hi95", "observed",
    "horizon", "sd", "scale", "df", "interval",
]
BACKTEST_COLUMNS = ["indicator", "level", "method", "horizon", "n", "mape", "mae"]
CHOICE_COLUMNS = ["indicator", "level", "method_used", "reason", "n_points", "last_year"]

#: Floor on the combined band of positive series, in log units per year of horizon: NCES's
#: national enrolment projections miss by about 0.3 % a year ahead (MAPE), i.e. an error sd of
#: about 0.3 % × 1.25 ≈ 0.4 %; a county's projection is not more accurate than the nation's,
#: however well a few back-test origins happened to fit.
MIN_LOG_SD_PER_YEAR: float = 0.004

#: Tie-break order when two methods have the same back-tested error.
PREFERENCE = ["cohort", "linear", "drift", "damped", "logit_trend", "naive"]


@dataclass(frozen=True)
class ExtraMethod:
    """A method supplied from outside (e.g. the cohort projection) for one series.

    ``full`` are its forecasts for the projection years; ``at_origin(origin, years)`` its
    forecasts from a past origin (for the back-test), or None when it cannot run there.
    """

    full: Sequence[float] | None
    at_origin: Callable[[int, list[int]], Sequence[float] | None]
    first_origin: int


@dataclass
class SeriesResult:
    """One series' projection rows (as column lists), back-test forecasts (``ErrorRow``
    tuples) and the choice record; the frames are built on demand (the stage concatenates
    the raw columns of all series and builds one frame, which is much faster)."""

    indicator: str
    level: str
    columns: dict[str, list]
    error_rows: list[ErrorRow]
    choice: dict[str, object]

    @property
    def projections(self) -> pd.DataFrame:
        """Rows ``PROJECTION_COLUMNS`` of this series."""
        n = len(self.columns["year"])
        frame = pd.DataFrame({"indicator": [self.indicator] * n, "level": [self.level] * n,
                              **self.columns})
        return frame[PROJECTION_COLUMNS]

    @property
    def errors(self) -> pd.DataFrame:
        """Back-test forecasts: ``indicator, level`` + ``ERROR_COLUMNS``."""
        frame = pd.DataFrame(self.error_rows, columns=ERROR_COLUMNS)
        frame.insert(0, "level", self.level)
        frame.insert(0, "indicator", self.indicator)
        return frame

    @property
    def backtest(self) -> pd.DataFrame:
        """Per method and horizon: ``n``, ``mape``, ``mae`` (see :func:`summarise_errors`)."""
        return summarise_errors(self.errors, by=("indicator", "level"))[BACKTEST_COLUMNS]


def _band_rows(
    out: dict[str, list], method: str, years: np.ndarray, horizons: np.ndarray, mean: np.ndarray,
    band: ErrorModel, indicator: str, history: pd.Series, observed: np.ndarray,
) -> None:
    """Append one method's fan to the column lists in ``out``."""
    frame = fan_arrays(bound_values(mean, indicator, history), band)
    n = len(years)
    out["year"].extend(years.tolist())
    out["method"].extend([method] * n)
    out["mean"].extend(frame["mean"].tolist())
    for col in ("lo80", "hi80", "lo95", "hi95"):
        out[col].extend(bound_values(frame[col], indicator, history).tolist())
    out["observed"].extend(observed.tolist())
    out["horizon"].extend(horizons.tolist())
    out["sd"].extend(frame["sd"].tolist())
    out["scale"].extend([band.scale] * n)
    out["df"].extend([band.df] * n)
    out["interval"].extend([band.source] * n)


def _method_spread(
    rows: Sequence[ErrorRow], full: Mapping[str, Forecast], chosen: str, scale: str
) -> tuple[np.ndarray, list[str]]:
    """Root-mean-square distance (scale units, per projected year) between the chosen
    method's path and every *credible* other method's path, and the credible methods.

    A method is credible when it was back-tested at least once and its mean absolute
    percentage error on its own forecasts is at most twice the chosen method's. Model choice
    on a handful of origins moves a forecast more than its own error band; adding this spread
    keeps the fan honest where credible methods disagree (e.g. a cohort projection that sees
    falling births against a trend that does not). Not applied to shares (logit scale): there
    the disagreement is mostly whether a method respects the 0–100 % bounds.
    """
    scores: dict[str, list[float]] = {}
    for method, _, _, _, actual, forecast in rows:
        err = abs(forecast - actual) / abs(actual) if actual else abs(forecast - actual)
        scores.setdefault(method, []).append(err)
    own = {m: float(np.mean(v)) for m, v in scores.items()}
    base = to_scale(full[chosen].mean, scale)
    if chosen not in own:
        return np.zeros(len(base)), []
    credible = [m for m in full if m != chosen and m in own and own[m] <= 2 * own[chosen] + 1e-12]
    if not credible:
        return np.zeros(len(base)), []
    diffs = np.array([to_scale(full[m].mean, scale) - base for m in credible])
    diffs[~np.isfinite(diffs)] = 0.0
    return np.sqrt(np.mean(diffs**2, axis=0)), credible


def project_series(
    indicator: str,
    level: str,
    history: pd.Series,
    end_year: int,
    extra: Mapping[str, ExtraMethod] | None = None,
    max_horizon: int = 3,
    observed_later: pd.Series | None = None,
    force_method: str | None = None,
    damped: bool = True,
) -> SeriesResult:
    """Forecast one series to ``end_year`` with each runnable method; back-test; choose; fan.

    ``history`` holds the values up to the as-of year; ``observed_later`` (optional) values
    after it, copied into the ``observed`` column for an ex-post check. ``force_method``
    (e.g. ``logit_trend`` for qualification shares, which must stay bounded) is used for the
    combined row whenever it can run; its band is still the back-tested one. ``damped=False``
    skips the (slow) damped trend.
    """
    history = history.sort_index()
    last = int(history.index[-1])
    years = np.arange(last + 1, end_year + 1)
    horizons = years - last
    n_h = int(horizons.max()) if len(horizons) else 1
    scale = choose_scale(indicator, history.to_numpy())
    later = {} if observed_later is None else {int(y): float(v) for y, v in observed_later.items()}
    observed = np.array([later.get(int(y), np.nan) for y in years], dtype=float)

    rows: list[ErrorRow] = []
    full: dict[str, Forecast] = {}
    methods = [m for m in benchmark_methods(vocab.is_share(indicator))
               if damped or m != "damped"]
    hx, hy = history.index.to_numpy(dtype=float), history.to_numpy(dtype=float)
    for method in methods:
        if len(history) < MIN_POINTS[method] or not len(years):
            continue
        forecaster = BENCHMARKS[method]
        result = forecaster(hx, hy, years)
        if result is None:
            continue
        full[method] = result
        origins = history.index[MIN_POINTS[method] - 1 : -1]

        def at_origin(origin: int, ys: list[int], f=forecaster) -> Sequence[float] | None:
            k = int(np.searchsorted(hx, origin, side="right"))
            out = f(hx[:k], hy[:k], np.asarray(ys, dtype=float))
            return None if out is None else out.mean

        rows += rolling_origin_rows(method, history, at_origin, origins, max_horizon)
    for method, spec in (extra or {}).items():
        if spec.full is None or len(spec.full) != len(years):
            continue
        full[method] = Forecast(np.asarray(spec.full, dtype=float))
        origins = [y for y in history.index[:-1] if y >= spec.first_origin]
        rows += rolling_origin_rows(method, history, spec.at_origin, origins, max_horizon)

    error_models: dict[str, ErrorModel] = {}
    for method in full:
        em = backtest_error_model([r for r in rows if r[0] == method], scale, n_h)
        if em is not None:
            error_models[method] = em

    cols = ["year", "method", "mean", "lo80", "hi80", "lo95", "hi95", "observed", "horizon",
            "sd", "scale", "df", "interval"]
    out: dict[str, list] = {c: [] for c in cols}
    # observed years: the combined row is the observation itself
    n_obs = len(history)
    values = history.to_numpy(dtype=float).tolist()
    out["year"].extend(history.index.astype(int).tolist())
    out["method"].extend(["combined"] * n_obs)
    for col in ("mean", "lo80", "hi80", "lo95", "hi95", "observed"):
        out[col].extend(values)
    out["horizon"].extend([0] * n_obs)
    out["sd"].extend([0.0] * n_obs)
    out["scale"].extend([scale] * n_obs)
    out["df"].extend([np.nan] * n_obs)
    out["interval"].extend(["observed"] * n_obs)

    for method, forecast in full.items():
        model = forecast.model_errors
        if method in ("linear", "logit_trend") and model is not None:
            band = model
        else:
            em = error_models.get(method) or random_walk_errors(history, scale, n_h)
            band = ErrorModel(em.scale, np.asarray(em.sd, dtype=float)[horizons - 1], em.df,
                              em.source)
        _band_rows(out, method, years, horizons, forecast.mean, band, indicator, history, observed)

    preference = [m for m in PREFERENCE if m in full] + [m for m in full if m not in PREFERENCE]
    chosen, reason, _ = choose_method_rows(rows, preference)
    if force_method is not None and force_method in full:
        own = [abs(r[5] - r[4]) / abs(r[4]) for r in rows if r[0] == force_method and r[4]]
        shown = f"; its back-test MAPE {np.mean(own):.1%}" if own else ""
        chosen, reason = force_method, f"{force_method} required (bounded trend){shown}"
    if chosen is None:
        chosen = "drift" if "drift" in full else ("naive" if "naive" in full else None)
        reason = (
            f"insufficient data for a back-test ({len(history)} observed years): "
            f"{chosen or 'no method'} with a random-walk interval"
            if len(history) > 1
            else "insufficient data: one observed year, value carried forward without interval"
        )
        em = random_walk_errors(history, scale, n_h)
    else:
        em = error_models.get(chosen) or random_walk_errors(history, scale, n_h)
    if chosen is not None and len(years):
        sd = np.asarray(em.sd, dtype=float)[horizons - 1]
        model = full[chosen].model_errors
        if model is not None and model.scale == em.scale and len(model.sd) == len(sd):
            sd = np.fmax(sd, np.asarray(model.sd, dtype=float))
        if em.scale == "log":
            sd = np.fmax(sd, MIN_LOG_SD_PER_YEAR * horizons)
        spread, credible = np.zeros(len(sd)), []
        if em.scale != "logit" and chosen != force_method:
            spread, credible = _method_spread(rows, full, chosen, em.scale)
        if credible:
            sd = np.sqrt(sd**2 + spread**2)
            reason += f"; band widened by the disagreement of {', '.join(credible)}"
        band = ErrorModel(em.scale, sd, em.df, em.source)
        _band_rows(out, "combined", years, horizons, full[chosen].mean, band, indicator,
                   history, observed)

    choice = {
        "indicator": indicator, "level": level, "method_used": chosen or "insufficient_data",
        "reason": reason, "n_points": len(history), "last_year": last,
    }
    return SeriesResult(indicator, level, out, rows, choice)


__all__ = [
    "BACKTEST_COLUMNS",
    "CHOICE_COLUMNS",
    "PREFERENCE",
    "PROJECTION_COLUMNS",
    "ExtraMethod",
    "SeriesResult",
    "project_series",
]
