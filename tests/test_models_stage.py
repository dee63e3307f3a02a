"""The models stage end to end on small synthetic plans (no county, levels or years assumed)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.core.io import write_tables
from analysis.models import cohort_vs_drift_sentence, fit_models, run_models_stage

MINI_PLAN = Path(__file__).resolve().parent / "fixtures" / "mini_plan" / "plan.yaml"
YEARS = {"base_year": 2020, "midterm_year": 2023, "target_year": 2025}


def _tidy(first: int, last: int, births: bool = True) -> pd.DataFrame:
    """A steady system with a little noise: births, flows, teachers, a share, a rate."""
    rng = np.random.default_rng(7)
    rows = []

    def add(year, level, indicator, value):
        rows.append({"plan": "toy", "year": year, "level": level, "indicator": indicator,
                     "value": float(value), "unit": "", "source_file": "", "source_sheet": "",
                     "source_cell": "", "derived": False})

    for year in range(first - 8, last + 1):
        if births:
            add(year, "all", "births", 1000 - 10 * (year - first) + rng.normal(0, 5))
    for year in range(first, last + 1):
        n = 990 + rng.normal(0, 5)
        add(year, "primary", "entrants", n)
        add(year, "primary", "graduates", 980 + rng.normal(0, 5))
        add(year, "primary", "enrolment", 5900 + rng.normal(0, 20))
        add(year, "junior", "entrants", 950 + rng.normal(0, 5))
        add(year, "junior", "graduates", 940 + rng.normal(0, 5))
        add(year, "junior", "enrolment", 2850 + rng.normal(0, 10))
        add(year, "preschool", "enrolment", 2700 + rng.normal(0, 10))
        add(year, "primary", "teachers_fulltime", 300 + 2 * (year - first))
        add(year, "primary", "share_teachers_bachelor_plus", 0.6 + 0.02 * (year - first))
        add(year, "all", "fitness_pass_rate", 0.9 + 0.002 * (year - first))
    return pd.DataFrame(rows)


def _targets() -> pd.DataFrame:
    return pd.DataFrame([
        {"key": "t.primary.enrolment", "kind": "table", "level": "primary",
         "indicator": "enrolment", "measure": "level", "direction": "neutral",
         "baseline_value": 5900.0, "midterm_value": 5900.0, "midterm_comparator": "eq",
         "final_value": 6000.0, "final_comparator": "eq", "deadline": 2025},
        {"key": "t.primary.share", "kind": "table", "level": "primary",
         "indicator": "share_teachers_bachelor_plus", "measure": "level", "direction": "higher",
         "baseline_value": 0.7, "midterm_value": 0.75, "midterm_comparator": "eq",
         "final_value": 0.8, "final_comparator": "ge", "deadline": 2025},
    ])


def test_stage_writes_every_table(tmp_path):
    raw = tmp_path / "raw" / "toy"
    raw.mkdir(parents=True)
    shutil.copy(MINI_PLAN, raw / "plan.yaml")
    write_tables(tmp_path / "processed" / "toy",
                 {"indicators": _tidy(2014, 2023), "targets": _targets()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_models_stage("toy", tmp_path, as_of_year=0, horizon_beyond_target=5)
    out = tmp_path / "processed" / "toy" / "models" / "2023"
    assert result.out_dir == out and result.as_of_year == 2023 and result.end_year == 2030
    for name in ("projections", "backtest", "model_choice", "teacher_balance",
                 "qualification_outlook", "attainment"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    proj = pd.read_parquet(out / "projections.parquet")
    primary = proj.query("indicator == 'enrolment' and level == 'primary'")
    assert {"cohort", "drift", "linear", "naive", "damped", "combined"} <= set(primary["method"])
    assert primary.query("method == 'combined'")["year"].max() == 2030
    attainment = pd.read_parquet(out / "attainment.parquet").set_index(["target_key", "year"])
    p = attainment.loc[("t.primary.share", 2025), "probability_met"]
    assert 0 <= p <= 1
    # the share target at mid-term was observed (0.6 + 0.02 * 9 = 0.78 >= 0.75)
    assert attainment.loc[("t.primary.share", 2023), "probability_met"] == 1.0
    assert "cohort" in cohort_vs_drift_sentence(result.backtest)


def test_as_of_year_uses_only_earlier_data_and_keeps_later_for_checking():
    result = fit_models(_tidy(2014, 2023), _targets(), YEARS, as_of_year=2020)
    proj = result.projections
    assert result.as_of_year == 2020
    later = proj.query("method == 'combined' and year == 2022 and indicator == 'enrolment' "
                       "and level == 'primary'").iloc[0]
    assert later["interval"] != "observed" and np.isfinite(later["observed"])


def test_plan_without_births_falls_back_to_benchmarks():
    result = fit_models(_tidy(2014, 2023, births=False), None, YEARS)
    choice = result.model_choice
    unavailable = choice[choice["method_used"] == "cohort_unavailable"]
    assert set(unavailable["level"]) >= {"preschool", "primary"}
    assert unavailable["reason"].str.contains("insufficient data").all()
    combined = result.projections.query(
        "method == 'combined' and indicator == 'enrolment' and level == 'preschool'")
    assert combined["year"].max() == 2030


def test_other_levels_and_years_work():
    tidy = _tidy(2031, 2036)
    tidy["level"] = tidy["level"].replace({"junior": "special"})
    years = {"base_year": 2030, "midterm_year": 2033, "target_year": 2035}
    result = fit_models(tidy, None, years, horizon_beyond_target=2)
    assert result.end_year == 2037
    assert set(result.model_choice["level"]) >= {"special", "primary", "preschool", "all"}


def test_as_of_before_the_data_is_a_user_error():
    with pytest.raises(AnalysisError, match="as_of_year"):
        fit_models(_tidy(2014, 2023), None, YEARS, as_of_year=1999)


def test_primary_and_junior_without_graduates_use_the_cohort_method():
    tidy = _tidy(2014, 2023)
    tidy = tidy[tidy["indicator"] != "graduates"]
    result = fit_models(tidy, None, YEARS)
    assert not {"preschool", "primary", "junior"} & set(result.cohort_unavailable)
    enrolment = result.projections.query("indicator == 'enrolment'")
    for level in ("primary", "junior"):
        assert "cohort" in set(enrolment[enrolment["level"] == level]["method"])
    ratios = set(zip(result.cohort_ratios["level"], result.cohort_ratios["ratio"], strict=True))
    assert {("primary", "survival_from_stock"), ("junior", "transition_ratio")} <= ratios


def test_births_beyond_the_returns_do_not_move_the_last_observed_year():
    tidy = _tidy(2014, 2023)
    later = tidy[tidy["indicator"] == "births"].tail(2).assign(year=[2024, 2025])
    result = fit_models(pd.concat([tidy, later], ignore_index=True), None, YEARS)
    assert result.as_of_year == 2023
    assert "primary" not in result.cohort_unavailable


def test_last_year_without_births_keeps_the_cohort_method():
    tidy = _tidy(2014, 2023)
    tidy = tidy[~((tidy["indicator"] == "births") & (tidy["year"] == 2023))]
    result = fit_models(tidy, None, YEARS)
    assert result.as_of_year == 2023
    assert not {"preschool", "primary", "junior"} & set(result.cohort_unavailable)
