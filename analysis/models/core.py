"""Shared pieces of the models stage: series extraction, error scales and fans.

A *series* here is a ``pandas.Series`` of floats indexed by integer years, sorted, without
missing values. Forecast errors and intervals are measured on a *scale* chosen per series so
that bands respect the natural bounds of the quantity:

* ``logit`` for shares (indicator kind ``share`` with every value in [0, 1]): bands can never
  pass 0 or 100 %;
* ``log`` for strictly positive series (counts, money, rates that may exceed 1): bands are
  multiplicative and never negative;
* ``identity`` otherwise (series with zeros or negatives).

A fan is ``mean`` with 80 % and 95 % bounds: ``inverse(scale(mean) ± t_df(q) · sd_h)``, where
``sd_h`` is the standard deviation of the forecast error at horizon ``h`` in scale units and
``t_df`` the Student-t quantile (degrees of freedom = number of errors behind ``sd``), so a fan
built on three back-test errors is rightly wider than one built on thirty.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri, stdtr, stdtrit

from analysis.core import vocab

#: Clip for shares before the logit transform (a share of exactly 0 or 1 stays finite).
SHARE_EPS: float = 1e-3
#: The two central interval levels reported in every fan.
LEVELS: tuple[float, float] = (0.80, 0.95)


def series_of(indicators: pd.DataFrame, indicator: str, level: str) -> pd.Series:
    """The yearly values of one (indicator, level) as a float series indexed by int year."""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["level"] == level)]
    values = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)
    years = rows["year"].astype(int).to_numpy()
    out = pd.Series(values, index=pd.Index(years, name="year"), dtype=float)
    out = out[np.isfinite(out.to_numpy())]
    out = out[~out.index.duplicated(keep="last")].sort_index()
    return out


def all_series(indicators: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """Every (indicator, level) series of a tidy frame at once (see :func:`series_of`)."""
    frame = indicators.assign(value=pd.to_numeric(indicators["value"], errors="coerce"))
    frame = frame[np.isfinite(frame["value"].to_numpy(dtype=float))]
    out: dict[tuple[str, str], pd.Series] = {}
    for (ind, lev), group in frame.groupby(["indicator", "level"], sort=True):
        s = pd.Series(group["value"].to_numpy(dtype=float),
                      index=pd.Index(group["year"].astype(int).to_numpy(), name="year"))
        out[(str(ind), str(lev))] = s[~s.index.duplicated(keep="last")].sort_index()
    return out


def choose_scale(indicator: str, values: Iterable[float]) -> str:
    """The error scale for a series: ``logit``, ``log`` or ``identity`` (see module doc)."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size and vocab.is_share(indicator) and arr.min() >= 0 and arr.max() <= 1:
        return "logit"
    if arr.size and arr.min() > 0:
        return "log"
    return "identity"


def to_scale(values: np.ndarray | float, scale: str) -> np.ndarray:
    """Map values onto the error scale."""
    arr = np.asarray(values, dtype=float)
    if scale == "logit":
        p = np.clip(arr, SHARE_EPS, 1 - SHARE_EPS)
        return np.log(p / (1 - p))
    if scale == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.where(arr > 0, arr, np.nan))
    return arr


def from_scale(values: np.ndarray | float, scale: str) -> np.ndarray:
    """Map values back from the error scale."""
    arr = np.asarray(values, dtype=float)
    if scale == "logit":
        return 1 / (1 + np.exp(-arr))
    if scale == "log":
        return np.exp(arr)
    return arr


def bound_values(values: np.ndarray, indicator: str, history: pd.Series) -> np.ndarray:
    """Clip point forecasts to the natural range: [0, 1] for shares, >= 0 for non-negative data."""
    arr = np.asarray(values, dtype=float)
    hist = np.asarray(history, dtype=float)
    if vocab.is_share(indicator) and hist.size and hist.min() >= 0 and hist.max() <= 1:
        return np.clip(arr, 0.0, 1.0)
    if hist.size and hist.min() >= 0:
        return np.clip(arr, 0.0, None)
    return arr


@lru_cache(maxsize=4096)
def t_quantile(df: float, prob: float) -> float:
    """Student-t quantile (normal when ``df`` is infinite or large)."""
    if not np.isfinite(df) or df > 1000:
        return float(ndtri(prob))
    return float(stdtrit(max(float(df), 1.0), prob))


def t_cdf(df: float, x: np.ndarray | float) -> np.ndarray:
    """Student-t distribution function (normal when ``df`` is infinite or large)."""
    if not np.isfinite(df) or df > 1000:
        return np.asarray(ndtr(x), dtype=float)
    return np.asarray(stdtr(max(float(df), 1.0), x), dtype=float)


@dataclass(frozen=True)
class ErrorModel:
    """Forecast-error spread per horizon, in scale units.

    ``sd[h-1]`` is the standard deviation at horizon ``h`` years; ``df`` the degrees of freedom
    of the t quantile; ``source`` says where the spread comes from (``backtest``, ``model``,
    ``random_walk`` or ``none``).
    """

    scale: str
    sd: np.ndarray
    df: float
    source: str


def fan(mean: np.ndarray, errors: ErrorModel) -> pd.DataFrame:
    """80 % and 95 % bounds around ``mean`` (original units) from an :class:`ErrorModel`.

    Returns columns ``mean, lo80, hi80, lo95, hi95, sd`` (``sd`` in scale units, NaN when the
    spread is unknown: then the bounds are NaN too).
    """
    return pd.DataFrame(fan_arrays(mean, errors))


def fan_arrays(mean: np.ndarray, errors: ErrorModel) -> dict[str, np.ndarray]:
    """:func:`fan` as a dict of arrays (no DataFrame: it is called once per method and series)."""
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(errors.sd, dtype=float)[: len(mean)]
    if len(sd) < len(mean):
        sd = np.concatenate([sd, np.full(len(mean) - len(sd), np.nan)])
    centre = to_scale(mean, errors.scale)
    out: dict[str, np.ndarray] = {"mean": mean}
    for level in LEVELS:
        q = t_quantile(float(errors.df), 0.5 + level / 2) if np.isfinite(errors.df) else np.nan
        tag = str(round(level * 100))
        out[f"lo{tag}"] = from_scale(centre - q * sd, errors.scale)
        out[f"hi{tag}"] = from_scale(centre + q * sd, errors.scale)
    out["sd"] = sd
    return out


def random_walk_errors(history: pd.Series, scale: str, horizons: int) -> ErrorModel:
    """Spread of a random walk fitted to the first differences (fallback with no back-test).

    ``sd_h = sigma * sqrt(h)`` with ``sigma`` the root mean square of the year-on-year changes
    in scale units; ``df`` = number of changes. Needs at least two points.
    """
    values = to_scale(history.to_numpy(dtype=float), scale)
    steps = np.diff(values) / np.maximum(np.diff(history.index.to_numpy()), 1)
    steps = steps[np.isfinite(steps)]
    if steps.size == 0:
        return ErrorModel(scale, np.full(horizons, np.nan), np.nan, "none")
    sigma = float(np.sqrt(np.mean(steps**2)))
    return ErrorModel(scale, sigma * np.sqrt(np.arange(1, horizons + 1)), steps.size, "random_walk")


_BLAS_SYMBOLS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


@lru_cache(maxsize=16)
def _blas_controls(path: str) -> tuple[object, object] | None:
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for get, put in _BLAS_SYMBOLS:
        if hasattr(lib, get) and hasattr(lib, put):
            return getattr(lib, get), getattr(lib, put)
    return None


@contextlib.contextmanager
def single_thread_blas() -> Iterator[None]:
    """Run the block with every loaded OpenBLAS limited to one thread (Linux; else no-op).

    The optimiser behind statsmodels' exponential smoothing calls BLAS on tiny vectors; on a
    small shared machine OpenBLAS's thread pool makes each fit about ten times slower.
    This does what ``threadpoolctl`` does, without the dependency.
    """
    maps = Path("/proc/self/maps")
    saved: list[tuple[object, int]] = []
    try:
        paths = sorted({line.split()[-1] for line in maps.read_text().splitlines()
                        if "openblas" in line and line.split()[-1].startswith("/")})
    except OSError:
        paths = []
    try:
        for path in paths:
            controls = _blas_controls(path)
            if controls is None:
                continue
            get, put = controls
            saved.append((put, int(get())))  # type: ignore[operator]
            put(1)  # type: ignore[operator]
        yield
    finally:
        for put, threads in saved:
            put(threads)  # type: ignore[operator]
