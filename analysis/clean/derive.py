"""Derived indicators computed from the tidy counts of the returns.

Each derived row has ``derived=True``, ``source_file="derived"`` and its formula in
``source_cell`` (e.g. ``(teachers_postgraduate+teachers_bachelor)/teachers_fulltime``), so the
reports can show how a share was obtained. A value the returns report directly is never
overwritten: derivation only fills gaps.

* Teacher qualification shares per level: associate-or-above, bachelor-or-above, postgraduate.
* Preschool: share of children in public kindergartens, in public + inclusive private
  kindergartens, and the share of standardised kindergartens.
* Finance (level ``all``): education share of the general public budget expenditure and the
  education expenditure per pupil (万元 × 10 000 / all pupils of the levels in
  :data:`PUPIL_LEVELS`, in 元).
* Level aggregates: ``compulsory`` = primary + junior and ``senior_secondary`` =
  senior_general + vocational for the additive counts in :data:`ADDITIVE` (not ``schools``:
  nine-year schools are counted at both levels), and their qualification shares.
"""

from __future__ import annotations

import pandas as pd

from analysis.clean.returns import INDICATOR_COLUMNS, tidy_frame
from analysis.core import vocab

QUALIFICATION_SHARES = {
    "share_teachers_associate_plus": (
        "teachers_postgraduate", "teachers_bachelor", "teachers_associate"),
    "share_teachers_bachelor_plus": ("teachers_postgraduate", "teachers_bachelor"),
    "share_teachers_postgraduate": ("teachers_postgraduate",),
}
PRESCHOOL_SHARES = {
    "share_enrolment_public": (("enrolment_public",), "enrolment"),
    "share_enrolment_inclusive": (("enrolment_public", "enrolment_inclusive_private"),
                                  "enrolment"),
    "share_schools_standardised": (("schools_standardised",), "schools"),
}
ADDITIVE = (
    "classes", "entrants", "enrolment", "graduates", "staff", "teachers_fulltime",
    "teachers_postgraduate", "teachers_bachelor", "teachers_associate",
    "teachers_below_associate", "teachers_start", "teachers_hired", "teachers_retired",
    "teachers_left",
)
AGGREGATES = {"compulsory": ("primary", "junior"),
              "senior_secondary": ("senior_general", "vocational")}
PUPIL_LEVELS = ("preschool", "primary", "junior", "senior_general", "vocational", "special")


def _lookup(frame: pd.DataFrame) -> dict[tuple[int, str, str], float]:
    return {
        (int(y), str(lev), str(ind)): float(v)
        for y, lev, ind, v in zip(frame["year"], frame["level"], frame["indicator"],
                                  frame["value"], strict=True)
    }


def _row(plan: str, year: int, level: str, indicator: str, value: float, formula: str) -> dict:
    return {"plan": plan, "year": year, "level": level, "indicator": indicator, "value": value,
            "unit": vocab.unit(indicator), "source_file": "derived", "source_sheet": "",
            "source_cell": formula, "derived": True}


def derive_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """The reported rows plus every derivable row not reported (see the module docstring)."""
    if indicators.empty:
        return indicators
    plan = str(indicators["plan"].iloc[0])
    known = _lookup(indicators)
    new: list[dict] = []

    def add(year: int, level: str, indicator: str, value: float, formula: str) -> None:
        if (year, level, indicator) not in known:
            known[(year, level, indicator)] = value
            new.append(_row(plan, year, level, indicator, value, formula))

    years = sorted({key[0] for key in known})
    for year in years:
        for aggregate, parts in AGGREGATES.items():
            for indicator in ADDITIVE:
                values = [known.get((year, part, indicator)) for part in parts]
                if all(v is not None for v in values):
                    add(year, aggregate, indicator, float(sum(values)),
                        "+".join(f"{indicator}[{p}]" for p in parts))
        levels = sorted({key[1] for key in known if key[0] == year})
        for level in levels:
            total = known.get((year, level, "teachers_fulltime"))
            for share, parts in QUALIFICATION_SHARES.items():
                values = [known.get((year, level, p)) for p in parts]
                if total and all(v is not None for v in values):
                    add(year, level, share, sum(values) / total,
                        f"({'+'.join(parts)})/teachers_fulltime" if len(parts) > 1
                        else f"{parts[0]}/teachers_fulltime")
        for share, (parts, denominator) in PRESCHOOL_SHARES.items():
            values = [known.get((year, "preschool", p)) for p in parts]
            total = known.get((year, "preschool", denominator))
            if total and all(v is not None for v in values):
                numerator = "+".join(parts)
                formula = f"({numerator})/{denominator}" if len(parts) > 1 else (
                    f"{numerator}/{denominator}")
                add(year, "preschool", share, sum(values) / total, formula)
        education = known.get((year, "all", "education_expenditure"))
        budget = known.get((year, "all", "public_budget_expenditure"))
        if education is not None and budget:
            add(year, "all", "share_education_expenditure", education / budget,
                "education_expenditure/public_budget_expenditure")
        pupils = [known.get((year, level, "enrolment")) for level in PUPIL_LEVELS]
        if education is not None and all(p is not None for p in pupils) and sum(pupils) > 0:
            add(year, "all", "per_pupil_education_expenditure", education * 1e4 / sum(pupils),
                "education_expenditure*10000/sum(enrolment of "
                + ",".join(PUPIL_LEVELS) + ")")
    if not new:
        return indicators
    combined = pd.concat([indicators, pd.DataFrame.from_records(new, columns=INDICATOR_COLUMNS)],
                         ignore_index=True)
    return tidy_frame(combined)
