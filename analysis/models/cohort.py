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
  repetition and net migration;
* **graduates not returned** (a level with entrants and enrolment only): ``s`` is read from the
  stock, ``E_t = Σ_{j<d} s^j · N_{t-j}`` (:func:`stock_survival`), and the graduates are the
  entry cohort ``d`` years earlier surviving ``d - 1`` years, ``G_t = s^(d-1) · N_{t-d}`` —
  the same recursion, with ``γ = s^(d-1)``; past graduates estimated this way feed the level
  above.

Every ratio is observed for each past year and **smoothed as the mean of the last k years**
(``k = 3`` by default). We prefer that to single exponential smoothing because with 4–8
usable ratio points a smoothing constant cannot be estimated reliably, and a fixed-constant
SES (α ≈ 0.5) has about the same effective memory as a 3-year mean while being harder for a
bureau to recompute by hand. ``smoothing="ses"`` is available for comparison.
Births after the last observed birth year (and a year missing inside the series) are carried
forward at the last observed value before it; the ratios are observed on reported births only.
A level the method cannot run for is listed with a reason naming the level and exactly which
series and years are missing (``primary: entrants for 2016–2018 missing (…)``).

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


def _births_path(panel: Panel, end: int) -> dict[int, float]:
    """Observed births, and every year up to ``end`` after the first observed one that has no
    births (after the last observed year, or a gap inside the series) at the last observed
    value before it. The path drives the projection; ratios are observed on reported births
    only."""
    births = dict(panel.get(BIRTHS, {}))
    if not births:
        return births
    value = births[min(births)]
    for year in range(min(births), max(end, max(births)) + 1):
        if year in births:
            value = births[year]
        else:
            births[year] = value
    return births


def _birth_cohort(births: Mapping[int, float], t: int, lags: Sequence[int]) -> float | None:
    """``B_{t-a}`` summed over the lags (None unless every one is known)."""
    if all((t - a) in births for a in lags):
        return float(sum(births[t - a] for a in lags))
    return None


def year_span(years: Iterable[int]) -> str:
    """Years as runs, ``2016–2018, 2020`` (for messages)."""
    ordered = sorted({int(y) for y in years})
    runs: list[str] = []
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            runs.append(str(first) if first == last else f"{first}–{last}")
            start = i
    return ", ".join(runs)


def _missing(what: str, years: Iterable[int]) -> str:
    return f"{what} for {year_span(years)} missing"


def _ago(lags: Sequence[int]) -> str:
    """``six years before`` / ``3, 4 and 5 years before`` (for messages)."""
    words = {1: "one year", 2: "two years", 3: "three years", 4: "four years",
             5: "five years", 6: "six years"}
    if len(lags) == 1:
        return f"{words.get(lags[0], f'{lags[0]} years')} before"
    return f"{', '.join(map(str, lags[:-1]))} and {lags[-1]} years before"


def stock_survival(
    enrolment: Mapping[int, float], entrants: Mapping[int, float], duration: int
) -> dict[int, float]:
    """The yearly survival ``s`` read from the stock when graduates are not returned.

    For each year ``t`` with enrolment and the ``d`` = ``duration`` entry cohorts
    ``t-d+1 … t``, ``s`` is the positive root of ``E_t = Σ_{j<d} s^j · N_{t-j}`` — the stock the
    recursion ``E_t = s · (E_{t-1} - G_t) + N_t`` holds when every cohort survives each year
    with ``s`` and graduates after ``d`` years (``G_t = s^(d-1) · N_{t-d}``). The right-hand
    side grows with ``s``, so the root is unique; years with ``E_t <= N_t`` give none.
    """
    out: dict[int, float] = {}
    if duration < 2:
        return out
    for t, stock in enrolment.items():
        cohorts = [entrants.get(t - j) for j in range(duration)]
        if any(c is None or not np.isfinite(c) or c < 0 for c in cohorts):
            continue
        if not np.isfinite(stock) or stock <= cohorts[0]:  # type: ignore[operator]
            continue
        coefficients = [*(cohorts[j] for j in range(duration - 1, 0, -1)), cohorts[0] - stock]
        roots = np.roots(np.asarray(coefficients, dtype=float))
        positive = [r.real for r in roots if abs(r.imag) < 1e-9 and r.real > 0]
        if positive:
            out[int(t)] = float(max(positive))
    return out


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
    whose data cannot support the method are listed in ``unavailable`` with a reason that
    names the level and exactly which series and years are missing.
    """
    panel = truncate_panel(panel, last_year)
    years = sorted(int(y) for y in years if y > last_year)
    out = CohortProjection()
    reported_births = panel.get(BIRTHS, {})
    births = _births_path(panel, max(years) if years else last_year)
    known: Panel = {key: dict(series) for key, series in panel.items()}
    reasons: dict[str, str] = {}

    def note(level: str, name: str, ratios: Mapping[int, float], value: float) -> None:
        out.ratios.append(
            {
                "level": level,
                "ratio": name,
                "value": value,
                "years": ",".join(str(y) for y in sorted(ratios)[-k:]),
            }
        )

    def unavailable(level: str, reason: str, cause: str | None = None) -> None:
        # ``reasons`` keeps the root cause, short, for the levels this one feeds
        reasons[level] = cause or f"{level}: {reason.split(' (')[0]}"
        out.unavailable[level] = f"insufficient data: {level}: {reason}"

    def feeder_cause(feeder: str | None) -> tuple[str, str | None]:
        cause = reasons.get(feeder or "")
        return (f" ({cause})", cause) if cause else ("", None)

    for spec in _order(specs):
        level = spec.level
        enrol = panel.get(("enrolment", level), {})
        if not enrol:
            unavailable(level, "no enrolment series")
            continue
        if spec.entry in ("births", "births_stock") and not births:
            unavailable(level, "no births series")
            continue
        if spec.entry == "births_stock":
            lags = spec.birth_lags
            observed = {t: c for t in enrol
                        if (c := _birth_cohort(reported_births, t, lags)) is not None}
            ratios = _ratio(enrol, observed)
            rate = smooth_ratio(ratios, k, smoothing)
            if rate is None:
                needed = {t - a for t in enrol for a in lags}
                unavailable(level, _missing("births", needed - set(reported_births))
                            + f" (the enrolment of {year_span(enrol)} is compared with the "
                            f"births {_ago(lags)})")
                continue
            note(level, "enrolment_ratio", ratios, rate)
            short = {t - a for t in years for a in lags} - set(births)
            if short:
                unavailable(level, _missing("births", short))
                continue
            projected = {t: rate * float(_birth_cohort(births, t, lags) or 0.0) for t in years}
            out.values[("enrolment", level)] = projected
            known[("enrolment", level)] = {**enrol, **projected}
            continue

        d = spec.duration
        entrants = panel.get(("entrants", level), {})
        graduates = panel.get(("graduates", level), {})
        if not entrants:
            unavailable(level, _missing("entrants", enrol))
            continue
        if spec.entry == "births":
            lag = spec.birth_lags[0]
            driver = {t + lag: b for t, b in births.items()}
            observed_driver = {t + lag: b for t, b in reported_births.items()}
            driver_name, driver_what = "entry_ratio", "births"
        else:
            feeder = spec.feeder or ""
            driver = observed_driver = known.get(("graduates", feeder), {})
            driver_name, driver_what = "transition_ratio", f"graduates of {feeder}"
            if not driver:
                why, cause = feeder_cause(feeder)
                unavailable(level, f"graduates of {feeder} missing{why}", cause)
                continue
        entry_ratios = _ratio(entrants, observed_driver)
        e = smooth_ratio(entry_ratios, k, smoothing)
        if graduates:
            grad_cohort = _ratio(graduates, entrants, lag=d)
            grad_share = _ratio(graduates, {t + 1: v for t, v in enrol.items()})
            survival = {
                t: (enrol[t] - entrants[t]) / (enrol[t - 1] - graduates[t])
                for t in enrol
                if t in entrants and t in graduates and (t - 1) in enrol
                and enrol[t - 1] - graduates[t] > 0
            }
            s = smooth_ratio(survival, k, smoothing)
            gamma = smooth_ratio(grad_cohort, k, smoothing)
            g = smooth_ratio(grad_share, k, smoothing)
            past_graduates = dict(graduates)
        else:
            # Graduates not returned: survival from the stock, graduates of year t estimated
            # as s^(d-1) · N_{t-d} (the entry cohort d years earlier, surviving d-1 years).
            survival = stock_survival(enrol, entrants, d)
            s = smooth_ratio(survival, k, smoothing)
            gamma = s ** (d - 1) if s is not None else None
            g = None
            past_graduates = (
                {t + d: gamma * n for t, n in entrants.items() if t + d <= last_year}
                if gamma is not None else {}
            )
        partial = _graduates_from_entrants(past_graduates, entrants, gamma, d, years)

        problem, cause = None, None
        if not graduates and years:
            needed = range(last_year - d + 1, last_year + 1)
            lacking = [y for y in needed if y not in entrants]
            if lacking:
                problem = (
                    _missing("entrants", lacking) + f" (graduates are not returned: they are "
                    f"estimated from the entrants {_ago((d,))}, which needs the entrants of "
                    f"{year_span(needed)})"
                )
        if problem is None and e is None:
            if spec.entry == "births":
                needed_driver = {t - spec.birth_lags[0] for t in entrants}
                lacking_driver = needed_driver - set(reported_births)
            else:
                lacking_driver = set(entrants) - set(observed_driver)
            problem = (_missing(driver_what, lacking_driver) if lacking_driver
                       else f"no {driver_name} can be observed ({driver_what} are zero)") + (
                f" (the entrants of {year_span(entrants)} are compared with the births "
                f"{_ago(spec.birth_lags)})" if spec.entry == "births"
                else f" (the entrants of {year_span(entrants)} are compared with them)"
            )
        if problem is None and s is None:
            flow_years = [t for t in enrol if (t - 1) in enrol]
            if graduates:
                parts = [_missing(name, [t for t in flow_years if t not in series])
                         for name, series in (("entrants", entrants), ("graduates", graduates))
                         if any(t not in series for t in flow_years)]
                if not flow_years:  # survival compares each year with the year before
                    parts = [_missing("enrolment", {t - 1 for t in enrol})]
                problem = "; ".join(parts) or (
                    "survival cannot be observed: graduates are not below the enrolment of "
                    f"the year before in {year_span(flow_years)}")
            else:
                stocks = [t for t in enrol if all((t - j) in entrants for j in range(d))]
                problem = (
                    f"graduates for {year_span(enrol)} missing (a {d}-year level needs them)"
                    if d < 2 else
                    ("survival cannot be observed: the enrolment is not above the entrants "
                     f"of the same year in {year_span(stocks)}") if stocks
                    else _missing("enrolment", [last_year])
                )
        if problem is None and gamma is None and g is None:
            problem = (f"graduation cannot be observed: no year has graduates with the "
                       f"entrants {_ago((d,))} or the enrolment of the year before")
        if problem is None:  # the ratios are estimated (listed even if the horizon fails)
            assert e is not None and s is not None
            note(level, driver_name, entry_ratios, e)
            if graduates:
                note(level, "survival", survival, s)
                if gamma is not None:
                    note(level, "graduation_ratio", grad_cohort, gamma)
                if g is not None:
                    note(level, "graduation_share", grad_share, g)
            else:
                note(level, "survival_from_stock", survival, s)
                note(level, "graduation_ratio_from_survival", survival, gamma)  # type: ignore[arg-type]
        if problem is None and years and last_year not in enrol:
            problem = _missing("enrolment", [last_year])
        if problem is None:
            lacking_years = [t for t in years if t not in driver]
            if lacking_years:
                if spec.entry == "births":
                    problem = _missing("births", [t - spec.birth_lags[0] for t in lacking_years])
                else:
                    why, cause = feeder_cause(spec.feeder)
                    problem = _missing(driver_what, lacking_years) + why
        if problem is not None:
            unavailable(level, problem, cause)
            known[("graduates", level)] = partial
            continue
        assert e is not None and s is not None
        n_all, g_all, e_all = dict(entrants), dict(past_graduates), dict(enrol)
        for t in years:
            n_all[t] = max(e * driver[t], 0.0)
            if gamma is not None and (t - d) in n_all:
                g_all[t] = gamma * n_all[t - d]
            elif g is not None:
                g_all[t] = g * e_all[t - 1]
            else:  # pragma: no cover - excluded above (entrants of t-d checked)
                raise AssertionError(f"{level}: no graduation rule for {t}")
            g_all[t] = min(max(g_all[t], 0.0), e_all[t - 1])
            e_all[t] = max(s * (e_all[t - 1] - g_all[t]) + n_all[t], 0.0)
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
    "stock_survival",
    "truncate_panel",
    "year_span",
]
