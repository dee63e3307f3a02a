"""Write the illustrative Kaiping statistical returns 2016–2025 (示例数据，非真实统计).

No real county returns are public, so this deterministic generator invents them. Run::

    .venv/bin/python scripts/generate_illustrative_returns.py [--out DIR]

It reads the layout map ``data/raw/kaiping/returns/layout.yaml`` and writes one workbook per
year (``2016.xlsx`` …) except 2019, which is a folder of GB18030 CSV exports. The output is
byte-identical from run to run (fixed timestamps, no randomness).

What is taken from the plan (开平市教育事业发展"十四五"规划) and must hold exactly:

* autumn 2020: 99 kindergartens, 88 of them public or inclusive private; 25 857 children, 13 787
  in public kindergartens (53.32 %) and 23 196 in public + inclusive ones (the plan prints
  89.72 % next to 23 196, but 23 196 / 25 857 = 89.71 %: the counts are kept, the QA check
  against the baseline flags the 0.01-point difference); preschool gross enrolment 113.26 %;
  preschool teachers with 大专 or above 74.5 %; 23 standardised (规范化) kindergartens;
  62 primary schools (incl. nine-year schools) with 55 210 pupils, enrolment rate 100 %,
  5-year retention 99 %, bachelor-or-above teachers 71.2 %; 26 junior schools (84 compulsory
  schools in total, so 4 nine-year schools are counted in both) with 23 536 pupils,
  bachelor-or-above 89.6 %; 15 971 general senior and 5 104 vocational students,
  senior-secondary gross enrolment 98 %; postgraduate share of senior teachers 15.9 % (general
  and vocational alike, so the level aggregate is 15.9 % too); 145 special-school students.
* series: 高考录取率 2016–2020 87.82/88.1/91.26/93.73/93.81 %; preschool 生均拨款 2019–2021
  300/400/500 元; 财政教育预算拨款 2016–2019 12.48/12.33/12.67/14.12 亿元 with shares of the
  general public budget expenditure 30.63/29.1/27.2/21.34 % (the budget totals are chosen so
  that the shares round to the printed values).

Everything else — all other 2016–2019 values and every value after what the plan states — is
invented, following these assumptions:

* county births = 430 × national births (NBS: 17.86 million in 2016 … 9.02 million in 2023;
  2025 assumed 8.70 million); population aged a–b in year y is proportional to the national
  births of the cohorts born in y−b … y−a, scaled so that 2020 matches the plan's rates;
* enrolment of a level is proportional to the births of its cohorts (preschool 3–5, primary
  6–11, junior 12–14, senior 15–17), scaled to the plan's 2020 value, with a slowly changing
  participation factor — so kindergarten enrolment falls from 2021 and primary entry falls
  from 2023; the preschool gross enrolment rate drifts from 113 % down to 107 %;
* teachers follow enrolment with improving pupil–teacher ratios; qualification shares rise
  every year (towards but not always reaching the plan's 2023/2025 targets: preschool and
  senior postgraduate shares lag, junior bachelor share is ahead); teacher flows satisfy
  start + hired − retired − left = end of year, with 2.2 % retiring and 1.2 % leaving yearly;
* kindergartens: the number peaks at 105 in 2022 (78 private, as the bureau's 2022 work plan
  states) and falls as children become fewer; standardised kindergartens grow to 72;
* education spending grows except for a dip in 2023; the general budget jumps in 2019;
* fitness rates are first reported in 2018; preschool 生均拨款 from 2018.

Messiness of real returns built in on purpose: an older layout 2016–2018 (other sheet names,
one header row, money in 亿元 with a unit row), labels renamed from 2021 (中等职业学校 →
中职学校, 专任教师数 → 专任教师), 2019 as GB18030 CSV exports with a comment line, numbers
stored as text (thousands separators in 2022, full-width digits in 2024, percentages as
text), unit rows, merged header cells, totals rows and footnotes, missing values as ``—``,
and one deliberate slip: in 2017 the primary teachers by qualification add up to one fewer
than the full-time teacher count (a QA warning).

Every workbook has a ``说明`` sheet and titles starting with 示例数据（非真实统计）; every CSV
starts with a ``#`` comment line saying so.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from openpyxl import Workbook

from analysis.clean.layout import LayoutMap, load_layout
from analysis.clean.template import save_deterministic, write_table_sheet

ROOT = Path(__file__).resolve().parent.parent
RETURNS = ROOT / "data" / "raw" / "kaiping" / "returns"
YEARS = range(2016, 2026)
CSV_YEAR = 2019
MARK = "示例数据（非真实统计）"

NATIONAL_BIRTHS = {  # millions, NBS statistical communiqués; 2025 assumed
    1999: 19.09, 2000: 17.71, 2001: 17.02, 2002: 16.47, 2003: 15.99, 2004: 15.93, 2005: 16.17,
    2006: 15.85, 2007: 15.94, 2008: 16.08, 2009: 15.91, 2010: 15.92, 2011: 16.04,
    2012: 16.35, 2013: 16.40, 2014: 16.87, 2015: 16.55, 2016: 17.86, 2017: 17.23,
    2018: 15.23, 2019: 14.65, 2020: 12.02, 2021: 10.62, 2022: 9.56, 2023: 9.02,
    2024: 9.54, 2025: 8.70,
}
LEVELS = ["preschool", "primary", "junior", "senior_general", "vocational", "special"]
LEVEL_ROWS = {"幼儿园": "preschool", "小学": "primary", "初中": "junior",
              "普通高中": "senior_general", "中等职业学校": "vocational",
              "特殊教育学校": "special"}


def yearly(values: list[float]) -> dict[int, float]:
    """Ten values -> {2016: …, 2025: …}."""
    assert len(values) == 10
    return dict(zip(YEARS, values, strict=True))


def cohort(year: int, youngest: int, oldest: int) -> float:
    """National births (millions) of the cohorts aged youngest..oldest in ``year``."""
    return sum(NATIONAL_BIRTHS[year - age] for age in range(youngest, oldest + 1))


def build_values() -> dict[int, dict[tuple[str, str], float]]:
    """Every invented or plan-given value: {year: {(level, indicator): value}}."""
    out: dict[int, dict[tuple[str, str], float]] = {y: {} for y in YEARS}

    def put(level: str, indicator: str, series: dict[int, float]) -> None:
        for year, value in series.items():
            if value is not None:
                out[year][(level, indicator)] = value

    # population -------------------------------------------------------------------------
    put("all", "births", {y: round(NATIONAL_BIRTHS[y] * 430) for y in YEARS})
    f3 = 22830 / cohort(2020, 3, 5)  # 25857 / 1.1326 -> 22830 children aged 3-5 in 2020
    pop35 = {y: round(f3 * cohort(y, 3, 5)) for y in YEARS}
    k_primary = 55210 / cohort(2020, 6, 11)
    pop611 = {y: round(0.995 * k_primary * cohort(y, 6, 11)) for y in YEARS}
    k_junior = 23536 / cohort(2020, 12, 14)
    pop1214 = {y: round(0.99 * k_junior * cohort(y, 12, 14)) for y in YEARS}
    f15 = 21505 / cohort(2020, 15, 17)  # (15971 + 5104) / 0.98 -> 21505
    pop1517 = {y: round(f15 * cohort(y, 15, 17)) for y in YEARS}
    put("age_3_5", "population_age", pop35)
    put("age_6_11", "population_age", pop611)
    put("age_12_14", "population_age", pop1214)
    put("age_15_17", "population_age", pop1517)

    # preschool --------------------------------------------------------------------------
    gross = yearly([1.085, 1.095, 1.11, 1.12, 0, 1.13, 1.12, 1.11, 1.09, 1.07])
    pre = {y: round(pop35[y] * gross[y]) for y in YEARS}
    pre[2020] = 25857
    public_share = yearly([0.31, 0.37, 0.43, 0.49, 0, 0.545, 0.56, 0.575, 0.59, 0.60])
    inclusive_share = yearly([0.72, 0.78, 0.83, 0.87, 0, 0.90, 0.905, 0.91, 0.915, 0.92])
    pre_public = {y: round(pre[y] * public_share[y]) for y in YEARS}
    pre_public[2020] = 13787
    pre_incl_total = {y: round(pre[y] * inclusive_share[y]) for y in YEARS}
    pre_incl_total[2020] = 23196
    kg_public = yearly([14, 16, 19, 22, 24, 25, 27, 29, 31, 32])
    kg_inclusive = yearly([50, 55, 58, 62, 64, 64, 63, 60, 56, 53])
    kg_other = yearly([22, 19, 17, 13, 11, 12, 15, 14, 12, 10])
    put("preschool", "enrolment", pre)
    put("preschool", "enrolment_public", pre_public)
    put("preschool", "enrolment_inclusive_private",
        {y: pre_incl_total[y] - pre_public[y] for y in YEARS})
    put("preschool", "enrolment_other_private", {y: pre[y] - pre_incl_total[y] for y in YEARS})
    put("preschool", "schools_public", kg_public)
    put("preschool", "schools_inclusive_private", kg_inclusive)
    put("preschool", "schools_other_private", kg_other)
    put("preschool", "schools", {y: kg_public[y] + kg_inclusive[y] + kg_other[y] for y in YEARS})
    put("preschool", "gross_enrolment_rate", {y: round(pre[y] / pop35[y], 4) for y in YEARS})
    put("preschool", "schools_standardised", yearly([10, 14, 18, 21, 23, 30, 41, 52, 63, 72]))
    put("preschool", "entrants", {y: round(pre[y] * 0.345) for y in YEARS})
    put("preschool", "graduates", {y: round(pre[y - 1] * 0.33) if y > 2016 else 7650
                                   for y in YEARS})
    put("preschool", "per_pupil_allocation",
        yearly([None, None, 200, 300, 400, 500, 500, 600, 600, 700]))

    # compulsory ---------------------------------------------------------------------------
    primary = {y: round(k_primary * cohort(y, 6, 11)) for y in YEARS}
    primary[2020] = 55210
    put("primary", "enrolment", primary)
    put("primary", "entrants", {y: round(k_primary * NATIONAL_BIRTHS[y - 6]) for y in YEARS})
    retention_p = yearly([0.985, 0.987, 0.988, 0.99, 0.99, 0.991, 0.99, 0.992, 0.991, 0.992])
    put("primary", "graduates",
        {y: round(k_primary * NATIONAL_BIRTHS[y - 11] * retention_p[y]) for y in YEARS})
    put("primary", "retention_rate", retention_p)
    put("primary", "enrolment_rate", {y: 1.0 for y in YEARS})
    put("primary", "schools", yearly([68, 66, 64, 63, 62, 62, 63, 63, 64, 64]))
    junior = {y: round(k_junior * cohort(y, 12, 14)) for y in YEARS}
    junior[2020] = 23536
    put("junior", "enrolment", junior)
    put("junior", "entrants", {y: round(k_junior * NATIONAL_BIRTHS[y - 12]) for y in YEARS})
    retention_j = yearly([0.982, 0.984, 0.985, 0.987, 0.988, 0.989, 0.99, 0.99, 0.991, 0.992])
    put("junior", "graduates",
        {y: round(k_junior * NATIONAL_BIRTHS[y - 14] * retention_j[y]) for y in YEARS})
    put("junior", "retention_rate", retention_j)
    put("junior", "schools", yearly([27, 27, 26, 26, 26, 26, 27, 27, 28, 28]))
    nine_year = yearly([3, 3, 3, 4, 4, 4, 4, 4, 5, 5])  # counted as primary and as junior
    put("compulsory", "schools", {y: out[y][("primary", "schools")] + out[y][("junior", "schools")]
                                  - nine_year[y] for y in YEARS})

    # senior secondary and special -------------------------------------------------------------
    k_sg = 15971 / cohort(2020, 15, 17)
    k_voc = 5104 / cohort(2020, 15, 17)
    p_sg = yearly([0.95, 0.96, 0.97, 0.985, 1.0, 1.005, 1.01, 1.0, 1.01, 1.02])
    p_voc = yearly([1.04, 1.02, 1.0, 0.99, 1.0, 1.01, 1.02, 1.03, 1.04, 1.05])
    sg = {y: round(k_sg * cohort(y, 15, 17) * p_sg[y]) for y in YEARS}
    voc = {y: round(k_voc * cohort(y, 15, 17) * p_voc[y]) for y in YEARS}
    sg[2020], voc[2020] = 15971, 5104
    put("senior_general", "enrolment", sg)
    put("vocational", "enrolment", voc)
    for level, series in (("senior_general", sg), ("vocational", voc)):
        put(level, "entrants", {y: round(series[y] * 0.345) for y in YEARS})
        put(level, "graduates", {y: round(series[y] * 0.32) for y in YEARS})
    put("senior_secondary", "gross_enrolment_rate",
        {y: round((sg[y] + voc[y]) / pop1517[y], 4) for y in YEARS})
    put("senior_general", "schools", yearly([8, 8, 8, 8, 8, 8, 8, 8, 9, 9]))
    put("vocational", "schools", {y: 2 for y in YEARS})
    put("senior_general", "admission_rate",
        yearly([0.8782, 0.881, 0.9126, 0.9373, 0.9381, 0.9452, 0.9508, 0.9561, 0.9603, 0.9637]))
    special = yearly([98, 110, 121, 133, 145, 152, 160, 166, 171, 175])
    put("special", "enrolment", special)
    put("special", "entrants", {y: round(special[y] * 0.16) for y in YEARS})
    put("special", "graduates", {y: round(special[y] * 0.11) for y in YEARS})
    put("special", "schools", yearly([1, 1, 1, 1, 1, 1, 1, 1, 2, 2]))
    put("special", "disabled_enrolment_rate",
        yearly([0.95, 0.96, 0.965, 0.97, 0.975, 0.98, 0.982, 0.985, 0.987, 0.99]))
    put("all", "fitness_good_rate",
        yearly([None, None, 0.385, 0.398, 0.412, 0.428, 0.446, 0.468, 0.492, 0.515]))
    put("all", "fitness_pass_rate",
        yearly([None, None, 0.901, 0.905, 0.910, 0.914, 0.919, 0.924, 0.929, 0.934]))

    # classes, teachers, staff -------------------------------------------------------------
    enrolment = {"preschool": pre, "primary": primary, "junior": junior,
                 "senior_general": sg, "vocational": voc, "special": special}
    class_size = {"preschool": 28, "primary": 44, "junior": 48, "senior_general": 50,
                  "vocational": 45, "special": 12}
    ratios = {
        "preschool": [15.5, 15.2, 14.9, 14.6, 0, 13.9, 13.2, 12.4, 11.7, 11.0],
        "primary": [18.2, 18.0, 17.8, 17.7, 0, 17.4, 17.2, 17.0, 16.8, 16.6],
        "junior": [13.0, 12.9, 12.8, 12.7, 0, 12.5, 12.4, 12.3, 12.2, 12.1],
        "senior_general": [12.8, 12.7, 12.5, 12.4, 0, 12.2, 12.1, 12.0, 11.9, 11.8],
        "vocational": [12.5, 12.4, 12.3, 12.2, 0, 12.1, 12.0, 11.9, 11.8, 11.7],
    }
    teachers_2020 = {"preschool": 1800, "primary": 3150, "junior": 1875,
                     "senior_general": 1300, "vocational": 420, "special": 40}
    staff_factor = {"preschool": 1.55, "primary": 1.08, "junior": 1.12,
                    "senior_general": 1.18, "vocational": 1.25, "special": 1.3}
    # cumulative qualification shares: postgraduate, bachelor or above, associate or above;
    # the 2020 entries are exact fractions of the 2020 teacher counts
    shares = {
        "preschool": ([.0006, .0007, .0008, .001, 2 / 1800, .0015, .002, .0025, .003, .0035],
                      [.15, .17, .19, .21, 422 / 1800, .26, .29, .32, .36, .40],
                      [.62, .65, .68, .715, 1341 / 1800, .775, .80, .83, .855, .88]),
        "primary": ([.004, .006, .008, .010, 40 / 3150, .016, .019, .022, .026, .030],
                    [.58, .61, .645, .68, 2243 / 3150, .735, .755, .775, .80, .825],
                    [.96, .968, .974, .978, 3093 / 3150, .985, .988, .991, .993, .995]),
        "junior": ([.015, .019, .023, .028, 60 / 1875, .037, .042, .047, .053, .060],
                   [.83, .85, .865, .88, 1680 / 1875, .91, .925, .943, .955, .964],
                   [.99, .992, .994, .996, 1870 / 1875, .998, .999, .999, .999, 1.0]),
        "senior_general": ([.118, .128, .138, .149, 207 / 1300, .165, .171, .176, .183, .19],
                           [.975, .978, .981, .985, 1292 / 1300, .995, .996, .997, .998, .998],
                           [1.0] * 10),
        "vocational": ([.12, .13, .14, .15, 67 / 420, .164, .170, .175, .181, .188],
                       [.88, .89, .90, .91, 387 / 420, .93, .935, .94, .95, .96],
                       [.985, .987, .99, .992, 418 / 420, .996, .997, .998, .999, 1.0]),
        "special": ([.0, .0, .0, .0, 1 / 40, .025, .025, .03, .03, .04],
                    [.55, .58, .62, .66, 28 / 40, .72, .74, .76, .78, .80],
                    [.93, .94, .95, .96, 39 / 40, .98, .98, .99, .99, 1.0]),
    }
    special_teachers = yearly([28, 30, 33, 36, 40, 42, 44, 46, 48, 50])
    for level in LEVELS:
        put(level, "classes", {y: round(enrolment[level][y] / class_size[level]) for y in YEARS})
        if level == "special":
            teachers = dict(special_teachers)
        else:
            ratio = yearly(ratios[level])
            teachers = {y: round(enrolment[level][y] / ratio[y]) if y != 2020
                        else teachers_2020[level] for y in YEARS}
        put(level, "teachers_fulltime", teachers)
        put(level, "staff", {y: round(teachers[y] * staff_factor[level]) for y in YEARS})
        pg_s, bp_s, ap_s = (yearly(s) for s in shares[level])
        for y in YEARS:
            total = teachers[y]
            pg, bp, ap = (round(s[y] * total) for s in (pg_s, bp_s, ap_s))
            out[y][(level, "teachers_postgraduate")] = pg
            out[y][(level, "teachers_bachelor")] = bp - pg
            out[y][(level, "teachers_associate")] = ap - bp
            out[y][(level, "teachers_below_associate")] = total - ap
        previous = round(teachers[2016] * 0.99)
        for y in YEARS:
            retired, left = round(previous * 0.022), round(previous * 0.012)
            hired = teachers[y] - previous + retired + left
            if hired < 0:
                left, hired = left - hired, 0
            out[y][(level, "teachers_start")] = previous
            out[y][(level, "teachers_hired")] = hired
            out[y][(level, "teachers_retired")] = retired
            out[y][(level, "teachers_left")] = left
            previous = teachers[y]
    # the deliberate slip: 2017 primary teachers by qualification one short of the total
    out[2017][("primary", "teachers_associate")] -= 1

    # finance (万元) -------------------------------------------------------------------------
    education = yearly([12.48, 12.33, 12.67, 14.12, 14.65, 15.08, 15.42, 15.21, 15.63, 15.97])
    budget = yearly([40.74, 42.37, 46.58, 66.17, 63.08, 62.35, 64.51, 63.12, 64.90, 66.02])
    put("all", "education_expenditure", {y: round(education[y] * 10000) for y in YEARS})
    put("all", "public_budget_expenditure", {y: round(budget[y] * 10000) for y in YEARS})
    return out


def check_plan_figures(values: dict[int, dict[tuple[str, str], float]]) -> None:
    """Assert that the invented returns reproduce every figure the plan prints."""
    v = values

    def share(year: int, num: list[tuple[str, str]], den: tuple[str, str]) -> float:
        return sum(v[year][k] for k in num) / v[year][den]

    y = 2020
    assert v[y][("preschool", "schools")] == 99
    assert v[y][("preschool", "schools_public")] + v[y][
        ("preschool", "schools_inclusive_private")] == 88
    assert v[y][("preschool", "enrolment")] == 25857
    assert round(share(y, [("preschool", "enrolment_public")], ("preschool", "enrolment")),
                 4) == 0.5332
    assert v[y][("preschool", "enrolment_public")] + v[y][
        ("preschool", "enrolment_inclusive_private")] == 23196
    assert round(v[y][("preschool", "gross_enrolment_rate")], 4) == 1.1326
    assert round(share(y, [("preschool", f"teachers_{q}") for q in
                           ("postgraduate", "bachelor", "associate")],
                       ("preschool", "teachers_fulltime")), 3) == 0.745
    assert v[y][("preschool", "schools_standardised")] == 23
    assert v[y][("primary", "schools")] == 62 and v[y][("junior", "schools")] == 26
    assert v[y][("compulsory", "schools")] == 84
    assert v[y][("primary", "enrolment")] == 55210 and v[y][("junior", "enrolment")] == 23536
    assert v[y][("primary", "enrolment_rate")] == 1.0
    assert v[y][("primary", "retention_rate")] == 0.99
    assert round(share(y, [("primary", "teachers_postgraduate"), ("primary", "teachers_bachelor")],
                       ("primary", "teachers_fulltime")), 3) == 0.712
    assert round(share(y, [("junior", "teachers_postgraduate"), ("junior", "teachers_bachelor")],
                       ("junior", "teachers_fulltime")), 3) == 0.896
    assert v[y][("senior_general", "enrolment")] == 15971
    assert v[y][("vocational", "enrolment")] == 5104
    assert round(v[y][("senior_secondary", "gross_enrolment_rate")], 2) == 0.98
    assert round(share(y, [("senior_general", "teachers_postgraduate")],
                       ("senior_general", "teachers_fulltime")), 3) == 0.159
    senior_pg = v[y][("senior_general", "teachers_postgraduate")] + v[y][
        ("vocational", "teachers_postgraduate")]
    senior_t = v[y][("senior_general", "teachers_fulltime")] + v[y][
        ("vocational", "teachers_fulltime")]
    assert round(senior_pg / senior_t, 3) == 0.159
    assert v[y][("special", "enrolment")] == 145
    admission = [0.8782, 0.881, 0.9126, 0.9373, 0.9381]
    for year, rate in zip(range(2016, 2021), admission, strict=True):
        assert v[year][("senior_general", "admission_rate")] == rate
    for year, amount in zip(range(2019, 2022), (300, 400, 500), strict=True):
        assert v[year][("preschool", "per_pupil_allocation")] == amount
    printed = {2016: (12.48, 0.3063), 2017: (12.33, 0.291), 2018: (12.67, 0.272),
               2019: (14.12, 0.2134)}
    for year, (amount, ratio) in printed.items():
        assert v[year][("all", "education_expenditure")] == round(amount * 10000)
        digits = len(str(ratio).split(".")[1])
        assert round(share(year, [("all", "education_expenditure")],
                           ("all", "public_budget_expenditure")), digits) == ratio
    for level in LEVELS:
        for year in YEARS:
            for flow in ("teachers_start", "teachers_hired", "teachers_retired", "teachers_left"):
                assert v[year][(level, flow)] >= 0


# ----------------------------------------------------------------------------- rendering


def thousands(value: float) -> str:
    return f"{int(value):,}"


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def table_cells(
    table: str, year: int, values: dict[tuple[str, str], float]
) -> tuple[dict[tuple[str, str], object], list[tuple[str, dict[str, object]]], tuple[str, ...]]:
    """(cells, extra rows, footnotes) of one table as printed in ``year``'s returns."""
    cells: dict[tuple[str, str], object] = {}
    extra: list[tuple[str, dict[str, object]]] = []
    notes: tuple[str, ...] = ()

    def count(value: float) -> object:
        if year == 2022:
            return thousands(value)          # numbers stored as text with separators
        if year == 2024 and table == "kindergartens":
            return str(int(value)).translate(FULLWIDTH)
        if year == 2021 and table == "qualification":
            return str(int(value))           # plain numbers stored as text
        return int(value)

    if table in {"overview", "qualification", "teacher_flows"}:
        columns = {
            "overview": {"学校数": "schools", "班数": "classes", "招生数": "entrants",
                         "在校生数": "enrolment", "毕业生数": "graduates", "教职工数": "staff",
                         "专任教师数": "teachers_fulltime"},
            "qualification": {"专任教师学历构成/研究生": "teachers_postgraduate",
                              "专任教师学历构成/本科": "teachers_bachelor",
                              "专任教师学历构成/专科": "teachers_associate",
                              "专任教师学历构成/高中阶段及以下": "teachers_below_associate"},
            "teacher_flows": {"学年初专任教师数": "teachers_start", "本学年增加": "teachers_hired",
                              "本学年减少/退休": "teachers_retired",
                              "本学年减少/其他": "teachers_left"},
        }[table]
        totals: dict[str, float] = {}
        for row, level in LEVEL_ROWS.items():
            for col, indicator in columns.items():
                value = values[(level, indicator)]
                cells[(row, col)] = count(value)
                if not (table == "overview" and indicator == "schools"):
                    totals[col] = totals.get(col, 0) + value
        extra.append(("合计", {c: count(t) for c, t in totals.items()}))
        if table == "overview":
            notes = ("注：小学、初中学校数均含九年一贯制学校；幼儿园“学校数”为园数、“在校生数”为在园幼儿数。",
                     "注：合计行不含学校数（九年一贯制学校在小学、初中重复统计）。")
        elif table == "qualification":
            notes = ("注：按最高学历统计。",)
    elif table == "kindergartens":
        parts = {"公办（含公办性质）": "public", "普惠性民办": "inclusive_private",
                 "其他民办": "other_private"}
        for row, suffix in parts.items():
            cells[(row, "园数")] = count(values[("preschool", f"schools_{suffix}")])
            cells[(row, "在园幼儿数")] = count(values[("preschool", f"enrolment_{suffix}")])
        extra.append(("合计", {"园数": count(values[("preschool", "schools")]),
                              "在园幼儿数": count(values[("preschool", "enrolment")])}))
        notes = ("注：公办含公办性质幼儿园；普惠性民办园以当年认定名单为准。",)
    elif table == "key_indicators":
        rows = {
            "规范化幼儿园数（所）": ("preschool", "schools_standardised", "count"),
            "义务教育阶段学校数（所）": ("compulsory", "schools", "count"),
            "学前三年毛入园率": ("preschool", "gross_enrolment_rate", "pct"),
            "小学适龄儿童入学率": ("primary", "enrolment_rate", "pct"),
            "小学五年巩固率": ("primary", "retention_rate", "pct"),
            "初中三年巩固率": ("junior", "retention_rate", "pct"),
            "高中阶段毛入学率": ("senior_secondary", "gross_enrolment_rate", "pct"),
            "残疾儿童少年义务教育入学率": ("special", "disabled_enrolment_rate", "pct"),
            "高考录取率": ("senior_general", "admission_rate", "pct"),
            "学前教育生均拨款（元）": ("preschool", "per_pupil_allocation", "count"),
            "学生体质健康优良率": ("all", "fitness_good_rate", "pct"),
            "学生体质健康达标率": ("all", "fitness_pass_rate", "pct"),
        }
        for row, (level, indicator, kind) in rows.items():
            value = values.get((level, indicator))
            if value is None:
                cells[(row, "数值")] = "—"
            elif kind == "pct":
                cells[(row, "数值")] = f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
            else:
                cells[(row, "数值")] = int(value)
        notes = ("注：比率按百分数填报；“—”表示当年未统计。",)
    elif table == "population":
        rows = {"本年出生人口": ("all", "births"), "3-5岁常住人口": ("age_3_5", "population_age"),
                "6-11岁常住人口": ("age_6_11", "population_age"),
                "12-14岁常住人口": ("age_12_14", "population_age"),
                "15-17岁常住人口": ("age_15_17", "population_age")}
        for row, key in rows.items():
            cells[(row, "人数")] = count(values[key])
        notes = ("注：常住人口为年末数，出生人口为当年数，来源于公安与统计部门。",)
    elif table == "finance":
        old = year <= 2018
        for row, indicator in (("一般公共预算支出", "public_budget_expenditure"),
                               ("一般公共预算教育支出", "education_expenditure")):
            amount = values[("all", indicator)]
            cells[(row, "金额")] = round(amount / 10000, 2) if old else int(amount)
        notes = ("注：决算数。",)
    return cells, extra, notes


def renamed(year: int) -> tuple[dict[str, str], dict[str, str]]:
    """Row and column labels printed instead of the map's keys in ``year``."""
    rows: dict[str, str] = {}
    cols: dict[str, str] = {}
    if year >= 2021:
        rows["中等职业学校"] = "中职学校"
        cols["专任教师数"] = "专任教师"
    if year <= 2018:
        cols.update({"专任教师学历构成/研究生": "研究生毕业", "专任教师学历构成/本科": "本科毕业",
                     "专任教师学历构成/专科": "专科毕业",
                     "专任教师学历构成/高中阶段及以下": "高中阶段及以下毕业"})
    return rows, cols


def build_workbook(layout: LayoutMap, year: int, values: dict[tuple[str, str], float]) -> Workbook:
    """One year's returns as a workbook (the 说明 sheet first)."""
    workbook = Workbook()
    info = workbook.active
    info.title = "说明"
    info["A1"] = MARK
    info["A2"] = (f"{year}年开平市教育事业统计（示例）。本工作簿由 scripts/"
                  "generate_illustrative_returns.py 生成，数值为虚构，仅与规划文本所列数字一致，"
                  "不得作为真实统计引用。")
    info["A3"] = "Illustrative data, not real statistics."
    row_labels, column_labels = renamed(year)
    for name, spec in layout.tables_for_year(year).items():
        ws = workbook.create_sheet(spec.sheet)
        cells, extra, notes = table_cells(name, year, values)
        unit = "亿元" if (name == "finance" and year <= 2018) else (
            next(iter(spec.units)) if spec.units else None)
        write_table_sheet(
            ws, spec, title=f"{MARK} {year}年 {spec.note}", unit_text=unit, values=cells,
            row_labels=row_labels, column_labels=column_labels,
            footnotes=notes, extra_rows=tuple(extra),
        )
    return workbook


def write_csv_year(workbook: Workbook, folder: Path) -> None:
    """Export every table sheet as a GB18030 CSV (merged cells: value in the first cell)."""
    folder.mkdir(parents=True, exist_ok=True)
    for ws in workbook.worksheets:
        if ws.title == "说明":
            continue
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        rows[0] = [f"# {rows[0][0]}（CSV 导出，GB18030 编码）"]
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        (folder / f"{ws.title}.csv").write_bytes(buffer.getvalue().encode("gb18030"))


def generate(out_dir: Path = RETURNS, layout_dir: Path = RETURNS) -> list[Path]:
    """Write every year's returns into ``out_dir``; returns the paths written."""
    layout = load_layout(layout_dir)
    values = build_values()
    check_plan_figures(values)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for year in YEARS:
        workbook = build_workbook(layout, year, values[year])
        if year == CSV_YEAR:
            write_csv_year(workbook, out_dir / str(year))
            written.append(out_dir / str(year))
        else:
            path = out_dir / f"{year}.xlsx"
            save_deterministic(workbook, path)
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RETURNS, help="output folder")
    args = parser.parse_args()
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
