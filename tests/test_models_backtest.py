"""Benchmarks and rolling-origin back-tests on toy series whose errors are known by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.models.backtest import (
    backtest_error_model,
    choose_method,
    cohort_vs_drift_sentence,
    rolling_origin,
    summarise_errors,
)
from analysis.models.benchmarks import (
    forecast_damped,
    forecast_drift,
    forecast_linear,
    forecast_logit_trend,
    forecast_naive,
)
from analysis.models.projection import project_series


def _series(values, start=2020) -> pd.Series:
    return pd.Series([float(v) for v in values], index=range(start, start + len(values)))


def test_benchmarks_on_hand_examples():
    y = _series([10, 12, 11, 15])
    years = np.array([2024, 2025])
    assert forecast_naive(y, years).mean.tolist() == [15, 15]
    # drift: slope (15 - 10) / 3
    assert forecast_drift(y, years).mean == pytest.approx([15 + 5 / 3, 15 + 10 / 3])
    # OLS on x = 0..3, y = 10, 12, 11, 15: slope 1.4, intercept 9.9 -> x = 4: 15.5, x = 5: 16.9
    assert forecast_linear(y, years).mean == pytest.approx([15.5, 16.9])
    assert forecast_drift(_series([5]), years) is None
    assert forecast_damped(y, years) is None  # too short: 8 points needed


def test_logit_trend_stays_below_one():
    shares = _series([0.80, 0.85, 0.90, 0.94, 0.97])
    path = forecast_logit_trend(shares, np.arange(2025, 2041)).mean
    assert np.all(path < 1) and np.all(np.diff(path) > 0)


def test_backtest_errors_by_horizon_known_by_hand():
    y = _series([10, 12, 11, 15])  # 2020..2023

    def naive_at(origin, years):
        return [float(y[origin])] * len(years)

    errors = rolling_origin("naive", y, naive_at, origins=[2020, 2021, 2022], max_horizon=2)
    table = summarise_errors(errors).set_index("horizon")
    # h=1: |12-10|, |11-12|, |15-11| ; h=2: |11-10|, |15-12|
    assert table.loc[1, "n"] == 3 and table.loc[2, "n"] == 2
    assert table.loc[1, "mae"] == pytest.approx(7 / 3)
    assert table.loc[1, "mape"] == pytest.approx((2 / 12 + 1 / 11 + 4 / 15) / 3)
    assert table.loc[2, "mae"] == pytest.approx(2.0)
    assert table.loc[2, "mape"] == pytest.approx((1 / 11 + 3 / 15) / 2)


def test_project_series_backtests_drift_by_hand():
    y = _series([10, 12, 11, 15])
    result = project_series("enrolment", "primary", y, 2025, max_horizon=2)
    drift = result.backtest[result.backtest["method"] == "drift"].set_index("horizon")
    # origin 2021 (slope 2): 14 vs 11, 16 vs 15; origin 2022 (slope 0.5): 11.5 vs 15
    assert drift.loc[1, "mae"] == pytest.approx((3 + 3.5) / 2)
    assert drift.loc[2, "mae"] == pytest.approx(1.0)


def test_linear_series_is_recovered_with_near_zero_backtest_error():
    y = _series([100 + 5 * i for i in range(10)], start=2015)  # 100 .. 145
    result = project_series("enrolment", "primary", y, 2030)
    combined = result.projections.query("method == 'combined' and year > 2024")
    assert combined.set_index("year")["mean"].loc[2027] == pytest.approx(160.0)
    linear = result.backtest[result.backtest["method"] == "linear"]
    assert len(linear) == 3 and linear["mape"].max() < 1e-9
    # zero back-test error: the band is the documented floor, 0.4 % per year in log units
    assert combined.set_index("year")["sd"].loc[2025:2030].tolist() == pytest.approx(
        [0.004 * h for h in range(1, 7)])


def test_error_model_and_intervals_widen_with_horizon():
    errors = pd.DataFrame({"actual": [11.0, 12.0, 9.0], "forecast": [10.0, 10.0, 10.0],
                           "horizon": [1, 2, 1]})
    model = backtest_error_model(errors, "identity", 4)
    # e/h = 1, 1, -1 -> c = 1 -> sd_h = h
    assert model.sd.tolist() == pytest.approx([1, 2, 3, 4])
    assert model.df == 3
    noisy = _series([100, 104, 101, 107, 106, 111, 108, 114, 113, 118], start=2015)
    fan = project_series("enrolment", "junior", noisy, 2030).projections
    fan = fan.query("method == 'combined' and interval != 'observed'").sort_values("year")
    width80 = (fan["hi80"] - fan["lo80"]).to_numpy()
    width95 = (fan["hi95"] - fan["lo95"]).to_numpy()
    assert np.all(np.diff(width80) > 0) and np.all(np.diff(width95) > 0)
    assert np.all(width95 > width80)


def test_choice_uses_common_origins_and_prefers_lower_error():
    rows = []
    for origin, year, actual in [(2020, 2021, 10.0), (2021, 2022, 10.0), (2022, 2023, 10.0)]:
        rows.append(("naive", origin, year, 1, actual, 11.0))  # 10 % error
        rows.append(("drift", origin, year, 1, actual, 10.5))  # 5 % error
    errors = pd.DataFrame(rows, columns=["method", "origin", "year", "horizon", "actual",
                                         "forecast"])
    method, reason, scores = choose_method(errors, ["naive", "drift"])
    assert method == "drift"
    assert scores == pytest.approx({"naive": 0.1, "drift": 0.05})


def test_short_series_get_an_insufficient_data_choice_and_a_benchmark():
    one = project_series("schools", "primary", _series([63]), 2025)
    assert one.choice["reason"].startswith("insufficient data")
    row = one.projections.query("method == 'combined' and year == 2025").iloc[0]
    assert row["mean"] == 63 and np.isnan(row["hi80"])
    two = project_series("schools", "primary", _series([60, 62]), 2025)
    assert two.choice["method_used"] == "drift"
    assert two.choice["reason"].startswith("insufficient data")
    assert two.projections.query("method == 'combined' and year == 2025")["hi80"].notna().all()


def test_sentence_is_generated_from_the_table():
    backtest = pd.DataFrame({
        "indicator": ["enrolment"] * 4, "level": ["primary", "primary", "junior", "junior"],
        "method": ["cohort", "drift", "cohort", "drift"], "horizon": [1, 1, 1, 1],
        "n": [3, 3, 3, 3], "mape": [0.01, 0.02, 0.05, 0.03], "mae": [1, 2, 5, 3]})
    text = cohort_vs_drift_sentence(backtest)
    assert "beats the drift benchmark for primary (1.0% vs 2.0%)" in text
    assert "junior (5.0% vs 3.0%)" in text.split("drift does as well or better for")[1]


def test_band_widens_by_the_disagreement_of_credible_methods_only():
    from analysis.models.benchmarks import Forecast
    from analysis.models.projection import _method_spread

    rows = [("drift", 2020, 2021, 1, 100.0, 110.0),   # chosen: 10 % error
            ("cohort", 2020, 2021, 1, 100.0, 115.0),  # 15 % <= 2 x 10 %: credible
            ("naive", 2020, 2021, 1, 100.0, 150.0)]   # 50 %: not credible
    full = {"drift": Forecast(np.array([100.0, 100.0])),
            "cohort": Forecast(np.array([110.0, 120.0])),
            "naive": Forecast(np.array([300.0, 300.0]))}
    spread, credible = _method_spread(rows, full, "drift", "identity")
    assert credible == ["cohort"]
    assert spread.tolist() == pytest.approx([10.0, 20.0])
