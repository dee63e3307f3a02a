"""What the data shows behind a scale target's deviation: births and entrants since the base year.

A scale target (在校生, 在园幼儿数) is a size the plan projected from demography. When the
actual departs from the planned path, reviewers ask why; the drivers here are the changes
the returns themselves show between the base year and the evaluation year:

* entrants (招生数) of the level;
* births in the years whose children the level enrols (levels entered from births: the
  ages come from :data:`analysis.models.cohort.DEFAULT_SPECS` — 6–11 for primary, 3–5 for
  preschool), mean of the window against the base year's window;
* for levels entered from a lower level (junior from primary …), that level's graduates.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.core import vocab
from analysis.core.formatting import format_number
from analysis.models.cohort import DEFAULT_SPECS

Lookup = dict[tuple[str, str], pd.Series]
"""{(level, indicator): value series by year}, as the evaluation builds it."""


@dataclass(frozen=True)
class Driver:
    """One change the data shows, as a sentence in both languages."""

    zh: str
    en: str
    change: float


def _change(series: pd.Series, then: int, now: int) -> float | None:
    if then in series.index and now in series.index and series.loc[then]:
        return float(series.loc[now] / series.loc[then] - 1.0)
    return None


def _window_change(series: pd.Series, then: range, now: range) -> float | None:
    old = series[series.index.isin(list(then))]
    new = series[series.index.isin(list(now))]
    if old.empty or new.empty or not old.mean():
        return None
    return float(new.mean() / old.mean() - 1.0)


def _zh(change: float) -> str:
    """增长3.0% / 下降20.5% / 持平."""
    if abs(change) < 0.0005:
        return "持平"
    return ("增长" if change > 0 else "下降") + format_number(abs(change), "fraction", decimals=1)


def _en(change: float) -> str:
    if abs(change) < 0.0005:
        return "unchanged"
    return ("up " if change > 0 else "down ") + format_number(abs(change), "fraction", decimals=1)


def scale_drivers(lookup: Lookup, level: str, base_year: int, eval_year: int) -> list[Driver]:
    """The drivers the data shows for ``level`` between ``base_year`` and ``eval_year``."""
    out: list[Driver] = []
    entrants = _change(lookup.get((level, "entrants"), pd.Series(dtype=float)), base_year,
                       eval_year)
    if entrants is not None:
        out.append(Driver(f"招生数较{base_year}年{_zh(entrants)}",
                          f"entrants {_en(entrants)} on {base_year}", entrants))
    spec = next((s for s in DEFAULT_SPECS if s.level == level), None)
    if spec is None:
        return out
    if spec.entry in ("births", "births_stock") and spec.birth_lags:
        first = min(spec.birth_lags)
        last = first + spec.duration - 1 if spec.entry == "births" else max(spec.birth_lags)
        births = lookup.get(("all", "births"), pd.Series(dtype=float))
        change = _window_change(births, range(base_year - last, base_year - first + 1),
                                range(eval_year - last, eval_year - first + 1))
        if change is not None:
            span = f"{eval_year - last}–{eval_year - first}"
            old = f"{base_year - last}–{base_year - first}"
            out.append(Driver(f"对应年龄段的出生人口（{span}年出生）较{old}年出生{_zh(change)}",
                              f"births of the enrolled ages ({span}) {_en(change)} on "
                              f"{old}", change))
    elif spec.feeder:
        graduates = _change(lookup.get((spec.feeder, "graduates"), pd.Series(dtype=float)),
                            base_year, eval_year)
        if graduates is not None:
            # 小学教育 → 小学毕业生
            name_zh = vocab.level_name(spec.feeder, "zh").removesuffix("教育")
            name_en = vocab.level_name(spec.feeder, "en")
            out.append(Driver(f"{name_zh}毕业生较{base_year}年{_zh(graduates)}",
                              f"{name_en} graduates {_en(graduates)} on {base_year}",
                              graduates))
    return out
