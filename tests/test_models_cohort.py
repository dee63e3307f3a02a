"""Cohort projection: answers worked out by hand."""

from __future__ import annotations

import pytest

from analysis.models.cohort import LevelSpec, project_cohort, smooth_ratio

PRIMARY = LevelSpec("primary", 6, "births", birth_lags=(6,))
JUNIOR = LevelSpec("junior", 3, "feeder", feeder="primary")
PRESCHOOL = LevelSpec("preschool", 3, "births_stock", birth_lags=(3, 4, 5))


def _steady_panel() -> dict:
    """Births of 1000 every year; every ratio constant (entry 0.98, transition 0.95)."""
    panel: dict = {("births", "all"): {y: 1000.0 for y in range(2000, 2025)}}
    primary_entrants = 0.98 * 1000
    junior_entrants = 0.95 * primary_entrants
    for year in range(2010, 2025):
        panel.setdefault(("enrolment", "preschool"), {})[year] = 0.9 * 3 * 1000
        panel.setdefault(("entrants", "primary"), {})[year] = primary_entrants
        panel.setdefault(("graduates", "primary"), {})[year] = primary_entrants
        panel.setdefault(("enrolment", "primary"), {})[year] = 6 * primary_entrants
        panel.setdefault(("entrants", "junior"), {})[year] = junior_entrants
        panel.setdefault(("graduates", "junior"), {})[year] = junior_entrants
        panel.setdefault(("enrolment", "junior"), {})[year] = 3 * junior_entrants
    return panel


def test_constant_cohorts_and_ratios_give_flat_enrolment():
    years = list(range(2025, 2031))
    out = project_cohort(_steady_panel(), 2024, years, specs=(PRESCHOOL, PRIMARY, JUNIOR))
    assert out.unavailable == {}
    for year in years:
        assert out.values[("enrolment", "preschool")][year] == pytest.approx(2700.0)
        assert out.values[("enrolment", "primary")][year] == pytest.approx(5880.0)
        assert out.values[("enrolment", "junior")][year] == pytest.approx(2793.0)


def test_progression_example_computed_by_hand():
    # Primary: steady 1000 entrants/graduates, enrolment 6000, births 1000 -> graduates 2023 = 1000.
    panel: dict = {("births", "all"): {y: 1000.0 for y in range(2008, 2018)}}
    panel[("entrants", "primary")] = {y: 1000.0 for y in range(2014, 2023)}
    panel[("graduates", "primary")] = {y: 1000.0 for y in (2020, 2021, 2022)}
    panel[("enrolment", "primary")] = {y: 6000.0 for y in range(2019, 2023)}
    # Junior: transition ratios 0.90, 0.95, 1.00 (mean 0.95); graduation ratios to the entrants
    # three years before 0.98, 0.99, 1.00 (mean 0.99); survival 0.99, 1.00, 0.98 (mean 0.99).
    panel[("entrants", "junior")] = {2017: 1000.0, 2018: 1000.0, 2019: 1000.0,
                                     2020: 900.0, 2021: 950.0, 2022: 1000.0}
    panel[("graduates", "junior")] = {2020: 980.0, 2021: 990.0, 2022: 1000.0}
    e2020 = 0.99 * (3000 - 980) + 900  # 2899.8
    e2021 = 1.00 * (e2020 - 990) + 950  # 2859.8
    e2022 = 0.98 * (e2021 - 1000) + 1000  # 2822.604
    panel[("enrolment", "junior")] = {2019: 3000.0, 2020: e2020, 2021: e2021, 2022: e2022}
    out = project_cohort(panel, 2022, [2023], specs=(PRIMARY, JUNIOR))
    # entrants 2023 = 0.95 * 1000; graduates 2023 = 0.99 * entrants 2020 (900) = 891
    assert out.values[("entrants", "junior")][2023] == pytest.approx(950.0)
    assert out.values[("graduates", "junior")][2023] == pytest.approx(891.0)
    # enrolment 2023 = 0.99 * (2822.604 - 891) + 950 = 2862.28796
    assert out.values[("enrolment", "junior")][2023] == pytest.approx(2862.28796)


def test_smoothing_mean_of_last_k_and_ses():
    ratios = {2018: 0.5, 2019: 0.9, 2020: 1.0, 2021: 1.1}
    assert smooth_ratio(ratios, k=3) == pytest.approx(1.0)
    # SES with alpha 0.5: 0.5 -> 0.7 -> 0.85 -> 0.975
    assert smooth_ratio(ratios, smoothing="ses", alpha=0.5) == pytest.approx(0.975)
    assert smooth_ratio({}) is None


def test_no_births_makes_the_birth_driven_levels_unavailable_not_a_crash():
    panel = _steady_panel()
    del panel[("births", "all")]
    out = project_cohort(panel, 2024, [2025], specs=(PRESCHOOL, PRIMARY, JUNIOR))
    assert "births" in out.unavailable["preschool"]
    assert "births" in out.unavailable["primary"]
    assert "junior" in out.unavailable  # its feeder level could not be projected
    assert out.values == {}


def _no_graduates_panel() -> dict:
    """Primary and junior with entrants and enrolment but no graduates (see the test below).

    Births 2009–2016 give primary entrants one for one; every cohort survives each year with
    s = 0.9 in primary and 0.8 in junior, so the enrolment is E_t = Σ_{j<d} s^j · N_{t-j}.
    Junior entrants are all the (estimated) primary graduates 0.9^5 · N_{t-6} = 590.49.
    """
    births = {y: 1000.0 for y in range(2009, 2015)} | {2015: 1100.0, 2016: 1200.0, 2017: 1300.0}
    entrants = {y + 6: b for y, b in births.items() if y + 6 <= 2022}  # 2015–2022
    primary = {t: sum(0.9**j * entrants[t - j] for j in range(6)) for t in (2020, 2021, 2022)}
    junior_entrants = {t: 590.49 for t in (2020, 2021, 2022)}
    panel: dict = {
        ("births", "all"): births,
        ("entrants", "primary"): entrants,
        ("enrolment", "primary"): primary,
        ("entrants", "junior"): junior_entrants,
        ("enrolment", "junior"): {2022: 590.49 * (1 + 0.8 + 0.64)},
    }
    return panel


def test_graduates_absent_are_estimated_from_the_entry_cohort():
    panel = _no_graduates_panel()
    # by hand: E_2020 = 1000 · (1 + .9 + .81 + .729 + .6561 + .59049) = 4685.59,
    # E_2021 = 1100 + 900 · 4.0951 = 4785.59, E_2022 = 1200 + 990 + 810 + 729 + 656.1 + 590.49
    assert panel[("enrolment", "primary")][2022] == pytest.approx(4975.59)
    out = project_cohort(panel, 2022, range(2023, 2028), specs=(PRIMARY, JUNIOR))
    assert out.unavailable == {}
    ratios = {(r["level"], r["ratio"]): r for r in out.ratios}
    assert ratios[("primary", "survival_from_stock")]["value"] == pytest.approx(0.9)
    assert ratios[("primary", "survival_from_stock")]["years"] == "2020,2021,2022"
    assert ratios[("primary", "graduation_ratio_from_survival")]["value"] == pytest.approx(0.59049)
    assert ratios[("junior", "survival_from_stock")]["value"] == pytest.approx(0.8)
    # primary 2023: N = 1.0 · B_2017 = 1300; G = 0.9^5 · N_2017 = 590.49;
    # E = 0.9 · (4975.59 - 590.49) + 1300 = 5246.59 (= 1300 + 1080 + 891 + 729 + 656.1 + 590.49)
    assert out.values[("entrants", "primary")][2023] == pytest.approx(1300.0)
    assert out.values[("graduates", "primary")][2023] == pytest.approx(590.49)
    assert out.values[("enrolment", "primary")][2023] == pytest.approx(5246.59)
    # births after 2017 are carried forward at 1300: N_2024 = 1300
    assert out.values[("entrants", "primary")][2024] == pytest.approx(1300.0)
    # junior: transition ratio 590.49 / 590.49 = 1 (2021, 2022); graduates 0.8^2 · N_{t-3}.
    # 2023: N = 590.49, G = 0.64 · 590.49 = 377.9136, E = 0.8 · (1440.7956 - 377.9136) + 590.49
    assert out.values[("graduates", "junior")][2023] == pytest.approx(377.9136)
    assert out.values[("enrolment", "junior")][2023] == pytest.approx(1440.7956)
    # 2027: primary graduates 0.59049 · N_2021 (1100) = 649.539 enter junior;
    # E = 0.8 · (1440.7956 - 0.64 · 590.49) + 649.539 = 1499.8446
    assert out.values[("entrants", "junior")][2027] == pytest.approx(649.539)
    assert out.values[("enrolment", "junior")][2027] == pytest.approx(1499.8446)


def test_missing_entrants_are_named_with_their_years():
    panel = _no_graduates_panel()
    panel[("entrants", "primary")] = {
        y: v for y, v in panel[("entrants", "primary")].items() if y >= 2020}
    out = project_cohort(panel, 2022, [2023], specs=(PRIMARY, JUNIOR))
    assert out.unavailable["primary"].startswith(
        "insufficient data: primary: entrants for 2017–2019 missing (")
    assert out.unavailable["junior"] == ("insufficient data: junior: graduates of primary "
                                         "missing (primary: entrants for 2017–2019 missing)")
    del panel[("entrants", "primary")]
    out = project_cohort(panel, 2022, [2023], specs=(PRIMARY,))
    assert out.unavailable["primary"] == "insufficient data: primary: entrants for 2020–2022 missing"


def test_missing_births_are_named_with_their_years():
    panel = _no_graduates_panel()
    panel[("births", "all")] = {2017: 1300.0}  # too late for any entrants observed
    out = project_cohort(panel, 2022, [2023], specs=(PRIMARY,))
    assert out.unavailable["primary"].startswith(
        "insufficient data: primary: births for 2009–2016 missing (")


def test_births_are_carried_forward_when_the_last_years_lack_them():
    panel = _steady_panel()
    births = panel[("births", "all")]
    births[2022] = 900.0
    del births[2023], births[2024]  # the last two years have no births
    years = list(range(2025, 2031))
    out = project_cohort(panel, 2024, years, specs=(PRESCHOOL, PRIMARY, JUNIOR))
    assert out.unavailable == {}
    # preschool 2025: 0.9 · (B_2020 + B_2021 + B_2022) = 0.9 · 2900; 2026: B_2023 = 900 carried
    assert out.values[("enrolment", "preschool")][2025] == pytest.approx(2610.0)
    assert out.values[("enrolment", "preschool")][2026] == pytest.approx(2520.0)
    assert out.values[("enrolment", "preschool")][2027] == pytest.approx(2430.0)
    # primary 2028: N = 0.98 · 900 = 882, G = N_2022 = 980, s = 1: E = 5880 - 980 + 882
    assert out.values[("enrolment", "primary")][2027] == pytest.approx(5880.0)
    assert out.values[("enrolment", "primary")][2028] == pytest.approx(5782.0)
    assert out.values[("entrants", "primary")][2030] == pytest.approx(882.0)  # B_2024 = B_2022


def test_a_gap_in_births_is_carried_forward_and_ratios_use_reported_births_only():
    panel = _steady_panel()
    births = panel[("births", "all")]
    births[2019] = 1100.0
    del births[2020]
    out = project_cohort(panel, 2024, list(range(2025, 2031)), specs=(PRESCHOOL, PRIMARY))
    # primary 2026 enters from B_2020, carried from 2019
    assert out.values[("entrants", "primary")][2026] == pytest.approx(0.98 * 1100)
    ratio = next(r for r in out.ratios if r["ratio"] == "enrolment_ratio")
    # 2023 and 2024 compare with B_2020, which is not reported: the last observed ratios are
    # 2020 (2700/3000), 2021 (2700/3000) and 2022 (2700/3100)
    assert ratio["years"] == "2020,2021,2022"
    assert ratio["value"] == pytest.approx((0.9 + 0.9 + 2700 / 3100) / 3)
