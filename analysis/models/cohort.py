"""Cohort (flow) projection of enrolment per level, in the manner of NCES *Projections of
Education Statistics*, adapted to returns that give level totals rather than grades.

For a level ``L`` in year ``t`` (returns report autumn enrolment ``E``, autumn entrants ``N``
and the graduates ``G`` of the summer before):

* **entry** is driven by population or by the level below:
  ``births``       — ``N_t = e · B_{t-a}`` (primary: births ``a`` = 6 years earlier);
  ``births_stock`` — ``E_t = r · (B_{t-3} + B_{t-4} + B_{t-5})`` (preschool: enrolment ratio to
  the three birth cohorts of kindergarten age, no flows needed);
  ``feeder``       — ``N_t = τ · G'_t`` (junior entrants from primary graduates; general and
  vocational senior entrants from junior graduates);
* **graduation** ``G_t = γ · N_{t-d}`` (the entry cohort ``d`` = duration years earlier); when
  the entrants of ``t-d`` are not observed, ``G_t = g · E_{t-1}`` (share of last year's
  enrolment that graduates);
* **survival within the level** ``E_t = s · (E_{t-1} - G_t) + N_t``; ``s`` absorbs dropout,
  repetition and net migration.

Every ratio is observed for each past year and **smoothed as the mean of the last k years**
(``k = 3`` by default). We prefer that to single exponential smoothing because with 4–8
usable ratio points a smoothing constant cannot be estimated reliably, and a fixed-constant
SES (α ≈ 0.5) has about the same effective memory as a 3-year mean while being harder for a
bureau to recompute by hand. ``smoothing="ses"`` is available for comparison.
Births after the last observed birth year are carried forward at the last observed value.

Level definitions (duration, driver) are data (:class:`LevelSpec`); the defaults follow the
Chinese 6-3-3 system and may be replaced for another system (e.g. 5-4 primary/junior).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

Panel = dict[tuple[str, str], dict[int, float]]

BIRTHS = ("births", "all")


@dataclass(frozen=True)
class LevelSpec:
    """How one level's entry and progression work (see module doc)."""

    level: str
    duration: int
    entry: str  # "births" | "births_stock" | "feeder"
    birth_lags: tuple[int, ...] = ()
    feeder: str | None = None


DEFAULT_SPECS: tuple[LevelSpec, ...] = (
    LevelSpec("preschool", 3, "births_stock", birth_lags=(3, 4, 5)),
    LevelSpec("primary", 6, "births", birth_lags=(6,)),
    LevelSpec("junior", 3, "feeder", feeder="primary"),
    LevelSpec("senior_general", 3, "feeder", feeder="junior"),
    LevelSpec("vocational", 3, "feeder", feeder="junior"),
)


@dataclass
class CohortProjection:
    """Projected flows, the smoothed ratios used, and levels the method could not run for."""

    values: Panel = field(default_factory=dict)
    ratios: list[dict[str, object]] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)


def panel_from_indicators(indicators: pd.DataFrame, up_to: int | None = None) -> Panel:
    """``{(indicator, level): {year: value}}`` from a tidy indicators frame (finite values)."""
    frame = indicators
    if up_to is not None:
        frame = frame[frame["year"].astype(int) <= up_to]
    panel: Panel = {}
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    for ind, lev, year, val in zip(
        frame["indicator"], frame["level"], frame["year"].astype(int), values, strict=True
    ):
        if np.isfinite(val):
            panel.setdefault((str(ind), str(lev)), {})[int(year)] = float(val)
    return panel


def truncate_panel(panel: Panel, up_to: int) -> Panel:
    """The panel restricted to years ``<= up_to``."""
    return {key: {y: v for y, v in s.items() if y <= up_to} for key, s in panel.items()}


def smooth_ratio(
    ratios: Mapping[int, float], k: int = 3, smoothing: str = "mean", alpha: float = 0.5
) -> float | None:
    """Smoothed value of a yearly ratio: mean of the last ``k`` years, or SES with ``alpha``."""
    values = [ratios[y] for y in sorted(ratios) if np.isfinite(ratios[y])]
    if not values:
        return None
    if smoothing == "ses":
        level = values[0]
        for value in values[1:]:
            level = alpha * value + (1 - alpha) * level
        return float(level)
    return float(np.mean(values[-k:]))


def _ratio(num: Mapping[int, float], den: Mapping[int, float], lag: int = 0) -> dict[int, float]:
    return {
        t: num[t] / den[t - lag]
        for t in num
        if (t - lag) in den and den[t - lag] > 0 and np.isfinite(num[t])
    }


def _graduates_from_entrants(
    graduates: Mapping[int, float], entrants: Mapping[int, float], gamma: float | None,
    duration: int, years: Sequence[int],
) -> dict[int, float]:
    """Observed graduates extended by ``γ · N_{t-d}`` while the entry cohort is observed.

    Used when a level itself cannot be projected (e.g. births start too late for its entry
    ratio) but its next few graduating cohorts are already enrolled: they still feed the
    level above.
    """
    out = dict(graduates)
    if gamma is None:
        return out
    for year in years:
        if (year - duration) not in entrants:
            break
        out[year] = gamma * entrants[year - duration]
    return out


def _births_path(panel: Panel, years: Iterable[int]) -> dict[int, float]:
    """Observed births, carried forward at the last observed value for later years."""
    births = dict(panel.get(BIRTHS, {}))
    if not births:
        return births
    last = max(births)
    for year in years:
        if year > last:
            births[year] = births[last]
    return births


def _order(specs: Sequence[LevelSpec]) -> list[LevelSpec]:
    """Specs with each feeder before the levels it feeds."""
    done: list[LevelSpec] = []
    pending = list(specs)
    while pending:
        ready = [s for s in pending if s.feeder is None or s.feeder in {d.level for d in done}]
        if not ready:  # a feeder outside the specs: keep order, the level will be unavailable
            ready = pending[:1]
        for spec in ready:
            done.append(spec)
            pending.remove(spec)
    return done


def project_cohort(
    panel: Panel,
    last_year: int,
    years: Sequence[int],
    specs: Sequence[LevelSpec] = DEFAULT_SPECS,
    k: int = 3,
    smoothing: str = "mean",
) -> CohortProjection:
    """Project enrolment (and entrants, graduates) of each level for ``years`` after ``last_year``.

    ``panel`` holds observed values up to ``last_year`` (later values are ignored). Levels
    whose data cannot support the method are listed in ``unavailable`` with the reason.
    """
    panel = truncate_panel(panel, last_year)
    years = sorted(int(y) for y in years if y > last_year)
    out = CohortProjection()
    births = _births_path(panel, range(last_year + 1, (max(years) if years else last_year) + 1))
    known: Panel = {key: dict(series) for key, series in panel.items()}

    def note(level: str, name: str, ratios: Mapping[int, float], value: float) -> None:
        out.ratios.append(
            {
                "level": level,
                "ratio": name,
                "value": value,
                "years": ",".join(str(y) for y in sorted(ratios)[-k:]),
            }
        )

    for spec in _order(specs):
        level = spec.level
        enrol = panel.get(("enrolment", level), {})
        if not enrol:
            out.unavailable[level] = "no enrolment series"
            continue
        if spec.entry in ("births", "births_stock") and not births:
            out.unavailable[level] = "insufficient data: no births series"
            continue
        if spec.entry == "births_stock":
            cohort = {
                t: sum(births[t - a] for a in spec.birth_lags)
                for t in set(enrol) | set(years)
                if all((t - a) in births for a in spec.birth_lags)
            }
            ratios = _ratio(enrol, cohort)
            rate = smooth_ratio(ratios, k, smoothing)
            if rate is None:
                out.unavailable[level] = "insufficient data: births do not cover the ages enrolled"
                continue
            note(level, "enrolment_ratio", ratios, rate)
            projected = {t: rate * cohort[t] for t in years if t in cohort}
            if len(projected) < len(years):
                out.unavailable[level] = "insufficient data: births do not reach the horizon"
                continue
            out.values[("enrolment", level)] = projected
            known[("enrolment", level)] = {**enrol, **projected}
            continue

        entrants = panel.get(("entrants", level), {})
        graduates = panel.get(("graduates", level), {})
        if not entrants or not graduates:
            out.unavailable[level] = "insufficient data: entrants or graduates missing"
            continue
        if spec.entry == "births":
            lag = spec.birth_lags[0]
            driver = {t + lag: b for t, b in births.items()}
            driver_name = "entry_ratio"
        else:
            feeder_grads = known.get(("graduates", spec.feeder or ""), {})
            if not feeder_grads:
                out.unavailable[level] = f"insufficient data: no graduates of {spec.feeder}"
                continue
            driver = feeder_grads
            driver_name = "transition_ratio"
        entry_ratios = _ratio(entrants, driver)
        grad_cohort = _ratio(graduates, entrants, lag=spec.duration)
        grad_share = _ratio(graduates, {t + 1: v for t, v in enrol.items()})
        survival = {
            t: (enrol[t] - entrants[t]) / (enrol[t - 1] - graduates[t])
            for t in enrol
            if t in entrants and t in graduates and (t - 1) in enrol
            and enrol[t - 1] - graduates[t] > 0
        }
        e = smooth_ratio(entry_ratios, k, smoothing)
        gamma = smooth_ratio(grad_cohort, k, smoothing)
        g = smooth_ratio(grad_share, k, smoothing)
        s = smooth_ratio(survival, k, smoothing)
        partial = _graduates_from_entrants(graduates, entrants, gamma, spec.duration, years)
        if e is None or s is None or (gamma is None and g is None):
            out.unavailable[level] = (
                f"insufficient data: no {driver_name} can be observed" if e is None
                else "insufficient data: fewer than two years of flows"
            )
            known[("graduates", level)] = partial
            continue
        note(level, driver_name, entry_ratios, e)
        note(level, "survival", survival, s)
        if gamma is not None:
            note(level, "graduation_ratio", grad_cohort, gamma)
        if g is not None:
            note(level, "graduation_share", grad_share, g)
        n_all, g_all, e_all = dict(entrants), dict(graduates), dict(enrol)
        ok = True
        for t in years:
            if t not in driver or (t - 1) not in e_all:
                ok = False
                break
            n_all[t] = max(e * driver[t], 0.0)
            if gamma is not None and (t - spec.duration) in n_all:
                g_all[t] = gamma * n_all[t - spec.duration]
            elif g is not None:
                g_all[t] = g * e_all[t - 1]
            else:
                ok = False
                break
            g_all[t] = min(max(g_all[t], 0.0), e_all[t - 1])
            e_all[t] = max(s * (e_all[t - 1] - g_all[t]) + n_all[t], 0.0)
        if not ok:
            out.unavailable[level] = f"insufficient data: {driver_name} driver does not reach horizon"
            known[("graduates", level)] = partial
            continue
        for name, series in (("enrolment", e_all), ("entrants", n_all), ("graduates", g_all)):
            out.values[(name, level)] = {t: series[t] for t in years}
            known[(name, level)] = series
    return out


__all__ = [
    "BIRTHS",
    "DEFAULT_SPECS",
    "CohortProjection",
    "LevelSpec",
    "Panel",
    "panel_from_indicators",
    "project_cohort",
    "smooth_ratio",
    "truncate_panel",
]
