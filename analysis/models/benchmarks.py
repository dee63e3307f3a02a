"""Benchmark forecasts for one yearly series: naive, drift, linear trend, logit trend, damped trend.

Every forecaster has the signature ``f(history, years) -> Forecast`` where ``history`` is a
float series indexed by int year (sorted, no gaps required except for ``damped``) and ``years``
the future years wanted; the horizon of a year is ``year - last observed year``.

With about ten annual points these models degenerate easily, so each declares the fewest
points it needs (:data:`MIN_POINTS`); the stage runs only the ones that can run and says so.

* ``naive``  — the last value carried forward (1 point).
* ``drift``  — the line through the first and last points (2 points).
* ``linear`` — OLS on the year, with its own prediction interval (3 points).
* ``logit_trend`` — OLS on ``logit(share)``: a bounded trend for shares, which can approach but
  never pass 0 or 100 % (3 points; shares only).
* ``damped`` — additive damped-trend exponential smoothing (statsmodels Holt-Winters), fitted
  only on 8 or more consecutive years: on fewer points its parameters are not identified and
  its intervals do not widen. Its warnings are caught, not shown. statsmodels is imported
  with :mod:`analysis.models` (never by ``import analysis``), so that the import is not paid
  in the middle of the fitting.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from analysis.models.core import SHARE_EPS, ErrorModel, from_scale, single_thread_blas, to_scale


@dataclass(frozen=True)
class Forecast:
    """Point forecasts for the requested years and, when the model gives one, its own spread."""

    mean: np.ndarray
    model_errors: ErrorModel | None = None


Forecaster = Callable[[pd.Series, np.ndarray], Forecast | None]
ArrayForecaster = Callable[[np.ndarray, np.ndarray, np.ndarray], Forecast | None]

#: Fewest observed points each method needs.
MIN_POINTS: dict[str, int] = {"naive": 1, "drift": 2, "linear": 3, "logit_trend": 3, "damped": 8}


def _xy(history: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return history.index.to_numpy(dtype=float), history.to_numpy(dtype=float)


def naive_xy(x: np.ndarray, y: np.ndarray, years: np.ndarray) -> Forecast | None:
    """:func:`forecast_naive` on arrays of years ``x`` and values ``y``."""
    if len(y) < MIN_POINTS["naive"]:
        return None
    return Forecast(np.full(len(years), float(y[-1])))


def drift_xy(x: np.ndarray, y: np.ndarray, years: np.ndarray) -> Forecast | None:
    """:func:`forecast_drift` on arrays."""
    if len(y) < MIN_POINTS["drift"]:
        return None
    slope = (float(y[-1]) - float(y[0])) / float(x[-1] - x[0])
    return Forecast(float(y[-1]) + slope * (np.asarray(years, dtype=float) - float(x[-1])))


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """Intercept, slope, residual sd, mean of x and Sxx of a simple regression."""
    xbar = float(x.mean())
    sxx = float(((x - xbar) ** 2).sum())
    slope = float(((x - xbar) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xbar)
    resid = y - (intercept + slope * x)
    dof = len(x) - 2
    s = float(np.sqrt((resid**2).sum() / dof)) if dof > 0 else np.nan
    return intercept, slope, s, xbar, sxx


def _ols_forecast(x: np.ndarray, y: np.ndarray, years: np.ndarray, scale: str) -> Forecast:
    intercept, slope, s, xbar, sxx = _ols(x, y)
    x0 = np.asarray(years, dtype=float)
    centre = intercept + slope * x0
    se = s * np.sqrt(1 + 1 / len(x) + (x0 - xbar) ** 2 / sxx)
    errors = ErrorModel(scale, se, float(len(x) - 2), "model")
    return Forecast(from_scale(centre, scale), errors)


def linear_xy(x: np.ndarray, y: np.ndarray, years: np.ndarray) -> Forecast | None:
    """:func:`forecast_linear` on arrays."""
    if len(y) < MIN_POINTS["linear"]:
        return None
    return _ols_forecast(x, y, years, "identity")


def logit_trend_xy(x: np.ndarray, y: np.ndarray, years: np.ndarray) -> Forecast | None:
    """:func:`forecast_logit_trend` on arrays."""
    if len(y) < MIN_POINTS["logit_trend"] or y.min() < 0 or y.max() > 1:
        return None
    return _ols_forecast(x, to_scale(y, "logit"), years, "logit")


def damped_xy(x: np.ndarray, y: np.ndarray, years: np.ndarray) -> Forecast | None:
    """:func:`forecast_damped` on arrays."""
    if len(y) < MIN_POINTS["damped"] or np.any(np.diff(x) != 1):
        return None
    if np.ptp(y) == 0:
        return Forecast(np.full(len(years), float(y[-1])))
    steps = (np.asarray(years, dtype=float) - float(x[-1])).astype(int)

    with warnings.catch_warnings(), single_thread_blas():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                fit = ExponentialSmoothing(
                    y, trend="add", damped_trend=True, initialization_method="estimated"
                ).fit(use_brute=False)
                path = np.asarray(fit.forecast(int(steps.max())), dtype=float)
            except (ValueError, np.linalg.LinAlgError):
                return None
    if not np.all(np.isfinite(path)):
        return None
    return Forecast(path[steps - 1])


def forecast_naive(history: pd.Series, years: np.ndarray) -> Forecast | None:
    """The last observed value for every future year."""
    return naive_xy(*_xy(history), years)


def forecast_drift(history: pd.Series, years: np.ndarray) -> Forecast | None:
    """Last value plus the average yearly change between the first and last points."""
    return drift_xy(*_xy(history), years)


def forecast_linear(history: pd.Series, years: np.ndarray) -> Forecast | None:
    """OLS linear trend on the year, with the textbook prediction interval (t, n-2 df)."""
    return linear_xy(*_xy(history), years)


def forecast_logit_trend(history: pd.Series, years: np.ndarray) -> Forecast | None:
    """OLS trend on ``logit(share)``, back-transformed: bounded in (0, 1)."""
    return logit_trend_xy(*_xy(history), years)


def forecast_damped(history: pd.Series, years: np.ndarray) -> Forecast | None:
    """Additive damped trend (Holt) from statsmodels, on 8+ consecutive years; else None."""
    return damped_xy(*_xy(history), years)


#: All benchmark forecasters on arrays ``(x, y, years)`` by method name (dict order = the
#: order they are run and shown).
BENCHMARKS: dict[str, ArrayForecaster] = {
    "linear": linear_xy,
    "drift": drift_xy,
    "damped": damped_xy,
    "logit_trend": logit_trend_xy,
    "naive": naive_xy,
}


def benchmark_methods(is_share: bool) -> list[str]:
    """The benchmark methods that apply to a series (``logit_trend`` only for shares)."""
    return [m for m in BENCHMARKS if is_share or m != "logit_trend"]


__all__ = [
    "BENCHMARKS",
    "MIN_POINTS",
    "SHARE_EPS",
    "ArrayForecaster",
    "Forecast",
    "Forecaster",
    "benchmark_methods",
    "forecast_damped",
    "forecast_drift",
    "forecast_linear",
    "forecast_logit_trend",
    "forecast_naive",
]
