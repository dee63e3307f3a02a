"""The probability that each numeric target of the catalogue is met (mid-term and final).

For a target on (indicator, level) due in year Y:

* if Y has been observed, the probability is 1 or 0 (``method = "observed"``);
* otherwise the projected value at Y is taken as Student-t distributed on the series' error
  scale (``log``/``logit``/``identity``) with the ``combined`` projection's mean, spread ``sd``
  and degrees of freedom — the back-tested fan — and the probability is the mass on the
  right side of the threshold (``method = "combined"``).

Comparators follow the evaluation's reading (:func:`analysis.evaluate.resolve_comparator`):
``eq`` (a plain number) means at least for higher-is-better indicators, at most for
lower-is-better ones and approximately (±2 % relative) for neutral ones such as enrolment;
``approx`` is ±2 % of the threshold. For a projected (continuous) outcome ``gt``/``lt`` equal
``ge``/``le``; an observed value is judged by :func:`analysis.core.comparators.meets`, the
grade's own reading, so 92.00 % against 大于92% has probability 0, as its grade says.

Measures: ``level`` compares the value (``scale`` too: its mean and fan give the outlook); ``increase`` adds the target to the base-year value
(observed, else the catalogue's baseline); ``cumulative`` sums the yearly flows after the base
year (observed, then projected means), with the projected years' spreads added as if fully
correlated (a conservative, wider band) and a normal distribution on the original scale.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.core import vocab
from analysis.core.cells import cell_text as _text
from analysis.core.comparators import APPROX_TOLERANCE, meets, resolve_comparator
from analysis.models.core import t_cdf, t_quantile, to_scale

ATTAINMENT_COLUMNS = [
    "target_key", "year", "comparator", "threshold", "probability_met", "method",
    "milestone", "indicator", "level", "measure", "mean", "lo80", "hi80", "method_used", "note",
]


def probability_met(
    mean: float, sd: float, df: float, scale: str, threshold: float, comparator: str
) -> float:
    """P(outcome meets ``comparator threshold``) for a t-distributed outcome on ``scale``."""
    if not np.isfinite(mean) or not np.isfinite(threshold):
        return np.nan
    if not np.isfinite(sd) or sd <= 0:
        value = mean
        if comparator in ("ge", "gt"):
            return float(value >= threshold - 1e-12 * abs(threshold))
        if comparator in ("le", "lt"):
            return float(value <= threshold + 1e-12 * abs(threshold))
        return float(abs(value - threshold) <= APPROX_TOLERANCE * abs(threshold))
    centre = float(to_scale(mean, scale))

    def cdf(x: float) -> float:
        z = (float(to_scale(x, scale)) - centre) / sd if (scale != "log" or x > 0) else -np.inf
        if not np.isfinite(z):
            return 0.0 if z < 0 else 1.0
        return float(t_cdf(df, z))

    if comparator in ("ge", "gt"):
        return 1.0 - cdf(threshold)
    if comparator in ("le", "lt"):
        return cdf(threshold)
    width = APPROX_TOLERANCE * abs(threshold)
    return cdf(threshold + width) - cdf(threshold - width)


def _observed_met(value: float, threshold: float, comparator: str) -> float:
    """1 or 0: an observed value judged exactly as the grade judges it (strict 大于 too)."""
    if not np.isfinite(value) or not np.isfinite(threshold):
        return np.nan
    return float(meets(value, threshold, comparator))


def target_attainment(
    targets: pd.DataFrame,
    projections: pd.DataFrame,
    years: Mapping[str, int],
    choices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (numeric target, milestone year) with the probability it is met.

    ``years``: ``base_year``, ``midterm_year`` and ``target_year`` of the plan.
    ``projections``: the stage's projections (``combined`` rows are used).
    """
    combined = projections[projections["method"] == "combined"]
    wanted = set(zip(targets["indicator"].astype(str), targets["level"].astype(str), strict=True))
    keys = pd.Series(list(zip(combined["indicator"], combined["level"], strict=True)),
                     index=combined.index)
    combined = combined[keys.isin(wanted)]
    by_series = {
        (str(ind), str(lev)): group.set_index("year").sort_index()
        for (ind, lev), group in combined.groupby(["indicator", "level"], sort=False)
    }
    used = {} if choices is None else {
        (r.indicator, r.level): r.method_used for r in choices.itertuples()
    }
    rows: list[dict[str, object]] = []
    for t in targets.itertuples(index=False):
        rec = t._asdict()
        measure = _text(rec.get("measure")) or "level"
        if measure not in ("level", "scale", "increase", "cumulative"):
            continue
        ind, lev = _text(rec.get("indicator")), _text(rec.get("level"))
        direction = _text(rec.get("direction")) or vocab.direction(ind)
        deadline = pd.to_numeric(rec.get("deadline"), errors="coerce")
        final_year = int(deadline) if np.isfinite(deadline) else int(years["target_year"])
        for milestone, value_col, comp_col, year in (
            ("midterm", "midterm_value", "midterm_comparator", int(years["midterm_year"])),
            ("final", "final_value", "final_comparator", final_year),
        ):
            value = pd.to_numeric(rec.get(value_col), errors="coerce")
            if not np.isfinite(value):
                continue
            comparator = resolve_comparator(_text(rec.get(comp_col)) or "eq", direction)
            base = {"target_key": rec["key"], "year": year, "comparator": comparator,
                    "milestone": milestone, "indicator": ind, "level": lev, "measure": measure}
            series = by_series.get((ind, lev))
            if series is None or series.empty:
                rows.append({**base, "threshold": float(value), "method": "no_data",
                             "note": "no data for this indicator and level"})
                continue
            reading = "level" if measure == "scale" else measure  # a scale is a level projected
            rows.append({**base, **_one(series, float(value), comparator, reading, year,
                                        int(years["base_year"]), rec.get("baseline_value")),
                         "method_used": used.get((ind, lev), "")})
    frame = pd.DataFrame(rows)
    for col in ATTAINMENT_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    return frame[ATTAINMENT_COLUMNS]


def _one(series: pd.DataFrame, value: float, comparator: str, measure: str, year: int,
         base_year: int, baseline: object) -> dict[str, object]:
    """Threshold, probability and the outlook numbers for one target at one year."""
    observed = series[series["interval"] == "observed"]
    last_obs = int(observed.index.max()) if not observed.empty else None
    if measure == "cumulative":
        window = series[(series.index > base_year) & (series.index <= year)]
        if window.empty or year not in series.index:
            return {"threshold": value, "method": "insufficient_data",
                    "note": "no yearly flows to add up to the deadline"}
        mean = float(window["mean"].sum())
        if window["interval"].eq("observed").all():
            return {"threshold": value, "mean": mean, "method": "observed",
                    "probability_met": _observed_met(mean, value, comparator)}
        q80 = t_quantile(np.inf, 0.9)
        sd = float(((window["hi80"] - window["lo80"]) / (2 * q80)).fillna(0).sum())
        return {"threshold": value, "mean": mean, "lo80": mean - q80 * sd, "hi80": mean + q80 * sd,
                "method": "combined", "note": "sum of yearly flows since the base year",
                "probability_met": probability_met(mean, sd, np.inf, "identity", value, comparator)}
    threshold = value
    note = ""
    if measure == "increase":
        start = series["mean"].get(base_year, np.nan) if base_year in observed.index else np.nan
        if not np.isfinite(start):
            start = pd.to_numeric(baseline, errors="coerce")
        if not np.isfinite(start):
            return {"threshold": np.nan, "method": "insufficient_data",
                    "note": "no base-year value to add the increase to"}
        threshold = float(start) + value
        note = f"base-year value {start:g} + {value:g}"
    if year not in series.index:
        why = "deadline before the first observed year" if last_obs and year < last_obs else (
            "no projection for the deadline year")
        return {"threshold": threshold, "method": "insufficient_data", "note": why}
    row = series.loc[year]
    mean = float(row["mean"])
    if row["interval"] == "observed":
        return {"threshold": threshold, "mean": mean, "lo80": mean, "hi80": mean,
                "method": "observed", "note": note,
                "probability_met": _observed_met(mean, threshold, comparator)}
    p = probability_met(mean, float(row["sd"]), float(row["df"]), str(row["scale"]),
                        threshold, comparator)
    if not np.isfinite(row["sd"]):
        note = (note + "; " if note else "") + "no interval: too little data for a probability"
        p = np.nan
    return {"threshold": threshold, "mean": mean, "lo80": float(row["lo80"]),
            "hi80": float(row["hi80"]), "method": "combined", "note": note,
            "probability_met": p}


__all__ = ["APPROX_TOLERANCE", "ATTAINMENT_COLUMNS", "probability_met", "target_attainment"]
