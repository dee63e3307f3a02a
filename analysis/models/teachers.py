"""Teacher demand, supply and hires per level, and the qualification-share outlook.

* **Demand** = projected enrolment ÷ a staffing norm (pupils per full-time teacher). Norms come
  from the plan (``plan.yaml: staffing_norms``), else :data:`DEFAULT_NORMS`, else the level's
  own last observed pupil–teacher ratio held constant (``norm_source`` says which).
* **Continuing supply** = last year's stock × a continuation rate ``c``. ``c`` is estimated from
  the teacher-flow returns as ``1 − (retired + left) / teachers at start of year``, the mean of
  the last three years; when flows are absent it falls back to :data:`DEFAULT_CONTINUATION`.
* **Hires needed** in year t = demand_t − c · stock_{t−1}, split into the part due to the change
  in need (``demand_t − stock_{t−1}``; in the first projected year this includes any current
  shortfall against the norm) and the part due to attrition (``(1 − c) · stock_{t−1}``). After
  the first projected year the stock is assumed to be ``max(demand, continuing supply)``:
  needed hires are made, and a surplus is not dismissed but shrinks through attrition.
  ``gap`` = demand − continuing supply (positive: hires are needed; negative: surplus);
  ``hires_needed`` = max(gap, 0).
* A **status-quo** path continues hiring at the recent average pace (``hires_recent``: mean of
  the last three years' ``teachers_hired``, else estimated from the stock as
  ``stock_t − c · stock_{t−1}``); ``shortfall_status_quo`` = demand − that path's stock.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.models.core import series_of

Source = pd.DataFrame | Mapping[tuple[str, str], pd.Series]


def _series(source: Source, indicator: str, level: str) -> pd.Series:
    """One series from a tidy frame or from a ``{(indicator, level): series}`` mapping."""
    if isinstance(source, pd.DataFrame):
        return series_of(source, indicator, level)
    return source.get((indicator, level), pd.Series(dtype=float))

#: Pupils per full-time teacher by level (see docs/models.md for the sources).
#: primary / junior / senior_general: 中央编办 2014 (中央编办发〔2014〕72号) unified county/town
#: norms of 1:19, 1:13.5 and 1:12.5 (these are staff norms, read here as teacher norms);
#: preschool: 《幼儿园教职工配备标准（暂行）》2013, two full-time teachers per class of about 30
#: children ⇒ 15; vocational: 《中等职业学校设置标准》2010, student–teacher ratio 20:1.
DEFAULT_NORMS: dict[str, float] = {
    "preschool": 15.0,
    "primary": 19.0,
    "junior": 13.5,
    "senior_general": 12.5,
    "vocational": 20.0,
}
#: Continuation rate used when no teacher-flow returns exist: retirement of a flat 35-year
#: career (≈ 2.9 %) plus about 1 % other exits ⇒ 0.96 of last year's teachers stay.
DEFAULT_CONTINUATION: float = 0.96

#: Levels that sum other levels (levels.csv): no separate teacher balance for them.
AGGREGATE_LEVELS = frozenset({"all", "compulsory", "senior_secondary"})

BALANCE_COLUMNS = [
    "level", "year", "enrolment", "norm", "demand", "supply_continuing", "hires_needed", "gap",
    "gap_enrolment_change", "gap_attrition", "kind", "enrolment_lo80", "enrolment_hi80",
    "demand_lo80", "demand_hi80", "stock", "continuation_rate", "continuation_source",
    "norm_source", "hires_recent", "hires_recent_source", "stock_status_quo",
    "shortfall_status_quo",
]


def resolve_norms(plan_norms: Mapping[str, float] | None = None) -> dict[str, float]:
    """Default norms overridden by the plan's (``senior_secondary`` applies to both senior levels)."""
    norms = dict(DEFAULT_NORMS)
    extra = {str(k): float(v) for k, v in (plan_norms or {}).items()}
    if "senior_secondary" in extra:
        for level in ("senior_general", "vocational"):
            norms[level] = extra["senior_secondary"]
    norms.update(extra)
    return norms


def continuation_rate(indicators: Source, level: str, k: int = 3) -> tuple[float, str]:
    """``(c, source)``: mean of ``1 − (retired + left) / start`` over the last ``k`` years.

    ``start`` is ``teachers_start`` or, when absent, last year's ``teachers_fulltime``. Either
    exit flow may be absent (then the other alone is used); with neither, the fallback
    :data:`DEFAULT_CONTINUATION` is returned with source ``default``.
    """
    retired = _series(indicators, "teachers_retired", level)
    left = _series(indicators, "teachers_left", level)
    if retired.empty and left.empty:
        return DEFAULT_CONTINUATION, "default (no teacher-flow returns)"
    exits = retired.add(left, fill_value=0.0)
    start = _series(indicators, "teachers_start", level)
    stock = _series(indicators, "teachers_fulltime", level)
    lagged = pd.Series(stock.to_numpy(), index=stock.index + 1)
    rates = []
    for year, out in exits.items():
        base = start.get(year, lagged.get(year, np.nan))
        if np.isfinite(base) and base > 0:
            rates.append((year, 1 - out / base))
    if not rates:
        return DEFAULT_CONTINUATION, "default (flows without a starting stock)"
    rates.sort()
    values = [r for _, r in rates[-k:]]
    years = [y for y, _ in rates[-k:]]
    return float(np.clip(np.mean(values), 0, 1)), f"teacher flows {min(years)}–{max(years)}"


def recent_hires(indicators: Source, level: str, c: float, k: int = 3) -> tuple[float, str]:
    """Recent annual hires: mean of the last ``k`` ``teachers_hired``, else from stock changes."""
    hired = _series(indicators, "teachers_hired", level)
    if not hired.empty:
        tail = hired.iloc[-k:]
        return float(tail.mean()), f"teachers_hired {tail.index.min()}–{tail.index.max()}"
    stock = _series(indicators, "teachers_fulltime", level)
    est = [
        (year, stock[year] - c * stock[year - 1]) for year in stock.index if (year - 1) in stock.index
    ]
    if not est:
        return np.nan, "unknown"
    tail = est[-k:]
    return float(np.mean([v for _, v in tail])), f"estimated from stock {tail[0][0]}–{tail[-1][0]}"


def teacher_balance(
    enrolment: pd.DataFrame,
    indicators: Source,
    norms: Mapping[str, float] | None = None,
    levels: list[str] | None = None,
) -> pd.DataFrame:
    """Demand, continuing supply, hires needed and gap per level and projected year.

    ``enrolment``: combined enrolment projections (``level, year, mean, lo80, hi80``, plus
    ``interval == "observed"`` rows for the observed years). ``indicators``: the tidy returns up
    to the as-of year (a frame or a ``{(indicator, level): series}`` mapping). Levels default
    to every level of ``enrolment`` except the aggregates (:data:`AGGREGATE_LEVELS`) that has
    full-time teachers or a norm.
    """
    norms = resolve_norms(norms) if norms is not None else dict(DEFAULT_NORMS)
    rows: list[dict[str, object]] = []
    all_levels = levels or [
        lev for lev in dict.fromkeys(enrolment["level"]) if lev not in AGGREGATE_LEVELS
    ]
    for level in all_levels:
        proj = enrolment[enrolment["level"] == level].sort_values("year")
        if proj.empty:
            continue
        stock = _series(indicators, "teachers_fulltime", level)
        if stock.empty and level not in norms:
            continue
        observed = proj[proj["interval"] == "observed"]
        future = proj[proj["interval"] != "observed"]
        if level in norms:
            norm, norm_source = float(norms[level]), "standard"
        else:
            last = int(stock.index[-1])
            enrol_last = observed.set_index("year")["mean"].get(last, np.nan)
            norm, norm_source = float(enrol_last / stock.iloc[-1]), f"observed ratio {last}"
        c, c_source = continuation_rate(indicators, level)
        hires, hires_source = recent_hires(indicators, level, c)
        base = {
            "level": level, "norm": norm, "norm_source": norm_source, "continuation_rate": c,
            "continuation_source": c_source, "hires_recent": hires,
            "hires_recent_source": hires_source,
        }
        stock_prev = float(stock.iloc[-1]) if not stock.empty else np.nan
        stock_year = int(stock.index[-1]) if not stock.empty else None
        for r in observed.itertuples():
            s = float(stock.get(r.year, np.nan)) if not stock.empty else np.nan
            rows.append({**base, "year": int(r.year), "kind": "observed", "enrolment": r.mean,
                         "enrolment_lo80": r.mean, "enrolment_hi80": r.mean,
                         "demand": r.mean / norm, "demand_lo80": r.mean / norm,
                         "demand_hi80": r.mean / norm, "stock": s,
                         "gap": r.mean / norm - s, "stock_status_quo": s,
                         "shortfall_status_quo": r.mean / norm - s})
        sq = stock_prev
        for r in future.itertuples():
            if stock_year is not None and r.year <= stock_year:
                continue
            demand = r.mean / norm
            supply = c * stock_prev
            gap = demand - supply
            sq = c * sq + (hires if np.isfinite(hires) else 0.0)
            rows.append({
                **base, "year": int(r.year), "kind": "projected", "enrolment": r.mean,
                "enrolment_lo80": r.lo80, "enrolment_hi80": r.hi80, "demand": demand,
                "demand_lo80": r.lo80 / norm, "demand_hi80": r.hi80 / norm,
                "supply_continuing": supply, "gap": gap, "hires_needed": max(gap, 0.0),
                "gap_enrolment_change": demand - stock_prev,
                "gap_attrition": (1 - c) * stock_prev, "stock": max(demand, supply),
                "stock_status_quo": sq, "shortfall_status_quo": demand - sq,
            })
            stock_prev = max(demand, supply)
    frame = pd.DataFrame(rows)
    for col in BALANCE_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    return frame[BALANCE_COLUMNS].sort_values(["level", "year"], ignore_index=True)


QUALIFICATION_PREFIX = "share_teachers_"


def qualification_outlook(projections: pd.DataFrame, targets: pd.DataFrame | None) -> pd.DataFrame:
    """Combined projections of the ``share_teachers_*`` series, with the matching target keys.

    Columns ``level, indicator, year, mean, lo80, hi80, lo95, hi95, observed, method_used,
    target_key, midterm_value, final_value`` (target columns empty when no target matches).
    """
    cols = ["level", "indicator", "year", "mean", "lo80", "hi80", "lo95", "hi95", "observed",
            "interval", "target_key", "midterm_value", "final_value"]
    frame = projections[
        projections["indicator"].astype(str).str.startswith(QUALIFICATION_PREFIX)
        & (projections["method"] == "combined")
    ].copy()
    frame["target_key"] = ""
    frame["midterm_value"] = np.nan
    frame["final_value"] = np.nan
    if targets is not None and not targets.empty and not frame.empty:
        for (ind, lev), idx in frame.groupby(["indicator", "level"]).groups.items():
            match = targets[(targets["indicator"] == ind) & (targets["level"] == lev)]
            if match.empty:
                continue
            frame.loc[idx, "target_key"] = ";".join(match["key"].astype(str))
            for col in ("midterm_value", "final_value"):
                if col in match.columns:
                    frame.loc[idx, col] = pd.to_numeric(match[col], errors="coerce").max()
    return frame[cols].reset_index(drop=True)


__all__ = [
    "BALANCE_COLUMNS",
    "DEFAULT_CONTINUATION",
    "DEFAULT_NORMS",
    "continuation_rate",
    "qualification_outlook",
    "recent_hires",
    "resolve_norms",
    "teacher_balance",
]
