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
