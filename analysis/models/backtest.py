"""Rolling-origin back-tests, method choice, and error models built from back-tested errors.

From every past origin ``o`` with enough history, each method forecasts the next
``max_horizon`` years using only data up to ``o``; the forecasts are compared with what was
observed. This is the only honest measure of accuracy on ~10 annual points: in-sample fit and
a single model's interval are both optimistic.

* Summary (:func:`summarise_errors`): per method and horizon, ``n`` forecasts, ``mape``
  (mean absolute percentage error, **as a fraction**: 0.013 = 1.3 %) and ``mae``.
* Choice (:func:`choose_method`): the method with the lowest mean absolute percentage error over
  horizons 1..max_horizon, scored on the (origin, year) cells that every candidate forecast,
  so that a method with fewer origins is not flattered by easier ones; a method with far
  fewer origins (the damped trend) must beat the leader on the cells they share. Ties go to
  the method listed first in the preference order.
* Error model (:func:`backtest_error_model`): the forecast error in scale units is assumed to
  grow linearly with the horizon, ``sd_h = c · h``, with ``c² = mean((e_i / h_i)²)`` pooled over
  all back-test errors; ``df`` = number of errors. Linear growth matches the NCES record of
  published projection errors (MAPE ≈ 0.3, 0.6, 1.3, 2.5 % at 1, 2, 5, 10 years) and makes the
  fan widen with the horizon even beyond the back-tested horizons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.models.core import ErrorModel, to_scale

ERROR_COLUMNS = ["method", "origin", "year", "horizon", "actual", "forecast"]
#: One back-test forecast: (method, origin, year, horizon, actual, forecast).
ErrorRow = tuple[str, int, int, int, float, float]


def rolling_origin_rows(
    method: str,
    actual: pd.Series,
    forecast_at: Callable[[int, list[int]], Sequence[float] | None],
    origins: Iterable[int],
    max_horizon: int = 3,
) -> list[ErrorRow]:
    """Back-test one method: one row per forecast from each origin at horizons 1..max_horizon.

    ``forecast_at(origin, years)`` must use only data up to ``origin`` and return a forecast
    per year (or None when the method cannot run from that origin). ``actual`` holds the
    observed values by year; years without an observation are skipped.
    """
    rows: list[ErrorRow] = []
    observed = {int(y): float(v) for y, v in actual.items()}
    for origin in origins:
        years = [y for y in range(int(origin) + 1, int(origin) + max_horizon + 1) if y in observed]
        if not years:
            continue
        forecast = forecast_at(int(origin), years)
        if forecast is None:
            continue
        for year, value in zip(years, forecast, strict=True):
            if np.isfinite(value):
                rows.append(
                    (method, int(origin), year, year - int(origin), observed[year], float(value))
                )
    return rows


def rolling_origin(
    method: str,
    actual: pd.Series,
    forecast_at: Callable[[int, list[int]], Sequence[float] | None],
    origins: Iterable[int],
    max_horizon: int = 3,
) -> pd.DataFrame:
    """:func:`rolling_origin_rows` as a frame with columns :data:`ERROR_COLUMNS`."""
    rows = rolling_origin_rows(method, actual, forecast_at, origins, max_horizon)
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def _ape_of(actual: float, forecast: float) -> float:
    return abs(forecast - actual) / abs(actual) if actual != 0 and np.isfinite(actual) else np.nan


def summarise_errors(errors: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """``[*by,] method, horizon, n, mape, mae`` from a frame of back-test errors."""
    keys = [*by, "method", "horizon"]
    if errors.empty:
        return pd.DataFrame(columns=[*keys, "n", "mape", "mae"])
    actual = errors["actual"].to_numpy(dtype=float)
    ae = np.abs(errors["forecast"].to_numpy(dtype=float) - actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = ae / np.abs(actual)
    ape[~np.isfinite(ape)] = np.nan
    frame = errors[keys].assign(ape=ape, ae=ae)
    out = (
        frame.groupby(keys, sort=True)
        .agg(n=("ae", "size"), mape=("ape", "mean"), mae=("ae", "mean"))
        .reset_index()
    )
    out["n"] = out["n"].astype(int)
    return out


def _scores(rows: Sequence[ErrorRow], methods: Sequence[str], use_ape: bool) -> dict[str, float]:
    """Mean APE (or AE) of each method on the (origin, year) cells all of them forecast."""
    cells: dict[tuple[int, int], dict[str, float]] = {}
    for method, origin, year, _, actual, forecast in rows:
        if method in methods:
            err = _ape_of(actual, forecast) if use_ape else abs(forecast - actual)
            cells.setdefault((origin, year), {})[method] = err
    common = [c for c in cells.values() if len(c) == len(methods)]
    return {m: float(np.mean([c[m] for c in common])) for m in methods} if common else {}


def choose_method_rows(
    rows: Sequence[ErrorRow], preference: Sequence[str], min_cells: int = 2
) -> tuple[str | None, str, dict[str, float]]:
    """Pick the method with the lowest back-tested error (rows version of :func:`choose_method`)."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    candidates = [m for m in preference if counts.get(m, 0) >= min_cells]
    if not candidates:
        return None, "insufficient data for a back-test", {}
    use_ape = all(r[4] != 0 and np.isfinite(r[4]) for r in rows if r[0] in candidates)
    most = max(counts[m] for m in candidates)
    main = [m for m in candidates if counts[m] * 2 >= most]
    minor = [m for m in candidates if m not in main]
    scores = _scores(rows, main, use_ape)
    rank = {m: i for i, m in enumerate(preference)}
    best = min(main, key=lambda m: (round(scores.get(m, np.inf), 12), rank[m]))

    def shown(value: float) -> str:
        return f"{value:.1%}" if use_ape else f"{value:.3g}"

    unit = "MAPE" if use_ape else "MAE"
    reason = f"lowest back-test {unit} on common origins (" + ", ".join(
        f"{m} {shown(scores[m])}" for m in main if m in scores) + ")"
    for m in minor:
        pair = _scores(rows, [best, m], use_ape)
        if len(pair) == 2 and round(pair[m], 12) < round(pair[best], 12):
            reason += (f"; {m} beats {best} on their {counts[m]} shared forecasts "
                       f"({shown(pair[m])} vs {shown(pair[best])})")
            best = m
        elif len(pair) == 2:
            reason += f"; {m} not better on {counts[m]} shared forecasts ({shown(pair[m])})"
        if m in pair:
            scores[m] = pair[m]
    return best, reason, scores


def choose_method(
    errors: pd.DataFrame, preference: Sequence[str], min_cells: int = 2
) -> tuple[str | None, str, dict[str, float]]:
    """Pick the method with the lowest back-tested error.

    Methods with at least half as many back-test forecasts as the best-covered method are
    scored together on the (origin, year) cells they all forecast; a method with fewer
    forecasts (e.g. the damped trend, fitted only from long enough origins) replaces the
    leader only if it beats it on the cells they share. Ties go to the method listed first in
    ``preference``. The score is the mean absolute percentage error, or the mean absolute
    error when some actual value is zero. Returns ``(method or None, reason, scores)``.
    """
    rows = list(errors[ERROR_COLUMNS].itertuples(index=False, name=None)) if len(errors) else []
    return choose_method_rows(rows, preference, min_cells)


def backtest_error_model(
    errors: pd.DataFrame | Sequence[ErrorRow], scale: str, horizons: int, min_errors: int = 2
) -> ErrorModel | None:
    """Error model ``sd_h = c · h`` from one method's back-test errors (None if too few)."""
    if isinstance(errors, pd.DataFrame):
        actual = errors["actual"].to_numpy(dtype=float)
        forecast = errors["forecast"].to_numpy(dtype=float)
        h = errors["horizon"].to_numpy(dtype=float)
    else:
        actual = np.array([r[4] for r in errors], dtype=float)
        forecast = np.array([r[5] for r in errors], dtype=float)
        h = np.array([r[3] for r in errors], dtype=float)
    if len(actual) < min_errors:
        return None
    e = to_scale(actual, scale) - to_scale(forecast, scale)
    ok = np.isfinite(e)
    if ok.sum() < min_errors:
        return None
    c = float(np.sqrt(np.mean((e[ok] / h[ok]) ** 2)))
    return ErrorModel(scale, c * np.arange(1, horizons + 1, dtype=float), float(ok.sum()), "backtest")


def method_comparison(backtest: pd.DataFrame, indicator: str = "enrolment",
                      method: str = "cohort", benchmark: str = "drift") -> pd.DataFrame:
    """Per level with ``method`` rows: mean MAPE over the horizons both methods were
    back-tested at, and the better one (``no comparison`` when they share no horizon)."""
    rows = []
    frame = backtest[backtest["indicator"] == indicator]
    for level, group in frame.groupby("level", sort=False):
        if not (group["method"] == method).any():
            continue  # the method does not exist for this level (e.g. an aggregate level)
        own = group[group["method"] == method].set_index("horizon")
        a = own["mape"].dropna()
        b = group[group["method"] == benchmark].set_index("horizon")["mape"].dropna()
        common = sorted(set(a.index) & set(b.index))
        n = int(own.loc[common, "n"].sum()) if common else 0
        if not common:
            rows.append((level, np.nan, np.nan, n, "no comparison"))
            continue
        ma, mb = float(a[common].mean()), float(b[common].mean())
        winner = method if ma < mb else (benchmark if mb < ma else "tie")
        rows.append((level, ma, mb, n, winner))
    return pd.DataFrame(
        rows, columns=["level", f"mape_{method}", f"mape_{benchmark}", f"n_{method}", "better"])


def cohort_vs_drift_sentence(backtest: pd.DataFrame, lang: str = "en") -> str:
    """One or two sentences, generated from the back-test table, on where cohort beats drift.

    Levels are compared on the mean MAPE over the horizons both were back-tested at
    (:func:`method_comparison`); a comparison resting on fewer than three cohort forecasts
    says so.
    """
    table = method_comparison(backtest)
    if table.empty:
        return (
            "没有可比较的入学人数回测结果。" if lang == "zh"
            else "No enrolment back-test is available to compare the cohort method with drift."
        )
    wins = table[table["better"] == "cohort"]
    losses = table[table["better"].isin(["drift", "tie"])]
    none = table[table["better"] == "no comparison"]

    def few(n: int, lang: str) -> str:
        if n >= 3:
            return ""
        return f"，仅{n}次回测预测" if lang == "zh" else f"; only {n} back-test forecast" + (
            "s" if n != 1 else "")

    def items(frame: pd.DataFrame) -> str:
        return ", ".join(
            f"{r.level} ({r.mape_cohort:.1%} vs {r.mape_drift:.1%}{few(r.n_cohort, 'en')})"
            for r in frame.itertuples()
        )

    def items_zh(frame: pd.DataFrame) -> str:
        return "、".join(
            f"{r.level}（{r.mape_cohort:.1%}对{r.mape_drift:.1%}{few(r.n_cohort, 'zh')}）"
            for r in frame.itertuples()
        )

    if lang == "zh":
        parts = []
        if len(wins):
            parts.append(f"队列法的回测误差低于漂移基准的学段：{items_zh(wins)}")
        if len(losses):
            parts.append(f"漂移基准不劣于队列法的学段：{items_zh(losses)}")
        if len(none):
            parts.append(f"数据不足无法比较：{'、'.join(none['level'])}")
        return "；".join(parts) + "（平均绝对百分比误差，队列法对漂移）。"
    parts = []
    if len(wins):
        parts.append(f"The cohort method beats the drift benchmark for {items(wins)}")
    if len(losses):
        parts.append(f"drift does as well or better for {items(losses)}")
    if len(none):
        parts.append(f"there are too few back-test forecasts to compare for "
                     f"{', '.join(none['level'])}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + " (back-tested MAPE, cohort vs drift, mean over horizons)."


__all__ = [
    "ERROR_COLUMNS",
    "ErrorRow",
    "backtest_error_model",
    "choose_method",
    "choose_method_rows",
    "rolling_origin_rows",
    "cohort_vs_drift_sentence",
    "method_comparison",
    "rolling_origin",
    "summarise_errors",
]
