"""Attainment probabilities from a known distribution."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.models.attainment import probability_met, target_attainment


def phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_probabilities_of_a_normal_outcome():
    inf = math.inf
    assert probability_met(100, 10, inf, "identity", 100, "ge") == pytest.approx(0.5)
    assert probability_met(100, 10, inf, "identity", 110, "ge") == pytest.approx(1 - phi(1))
    assert probability_met(100, 10, inf, "identity", 110, "le") == pytest.approx(phi(1))
    # approx: within 2 % of 100 -> |X - 100| <= 2 -> 2 * phi(0.2) - 1
    assert probability_met(100, 10, inf, "identity", 100, "approx") == pytest.approx(
        2 * phi(0.2) - 1)
    # log scale: threshold one sd above the mean on the log scale
    assert probability_met(100, 0.1, inf, "log", 100 * math.exp(0.1), "ge") == pytest.approx(
        1 - phi(1))
    # no spread: a plain comparison
    assert probability_met(5, 0, inf, "identity", 4, "ge") == 1.0


def _projections():
    rows = [("enrolment", "primary", 2023, "combined", 1000.0, 1000.0, 1000.0, 0.0, np.nan,
             "observed", "log"),
            ("enrolment", "primary", 2025, "combined", 1100.0, 1050.0, 1150.0, 0.05, np.inf,
             "backtest", "log"),
            ("dropout_rate", "junior", 2025, "combined", 0.004, 0.003, 0.005, 0.0, np.inf,
             "backtest", "identity")]
    return pd.DataFrame(rows, columns=["indicator", "level", "year", "method", "mean", "lo80",
                                       "hi80", "sd", "df", "interval", "scale"])


def test_target_attainment_reads_comparators_like_the_evaluation():
    targets = pd.DataFrame([
        {"key": "a", "level": "primary", "indicator": "enrolment", "measure": "level",
         "direction": "neutral", "midterm_value": 1000.0, "midterm_comparator": "eq",
         "final_value": 1100.0, "final_comparator": "eq", "deadline": 2025},
        {"key": "b", "level": "junior", "indicator": "dropout_rate", "measure": "level",
         "direction": "lower", "midterm_value": np.nan, "midterm_comparator": "",
         "final_value": 0.005, "final_comparator": "eq", "deadline": 2025},
        {"key": "c", "level": "all", "indicator": "fitness_good_rate", "measure": "level",
         "direction": "higher", "midterm_value": np.nan, "midterm_comparator": "",
         "final_value": 0.55, "final_comparator": "ge", "deadline": 2025},
    ])
    years = {"base_year": 2020, "midterm_year": 2023, "target_year": 2025}
    out = target_attainment(targets, _projections(), years).set_index(["target_key", "year"])
    # mid-term observed exactly on target (approx): met
    assert out.loc[("a", 2023), "method"] == "observed"
    assert out.loc[("a", 2023), "probability_met"] == 1.0
    # final: log-normal centred on the target, sd 0.05: P(|X - 1100| <= 22)
    expected = phi(math.log(1.02) / 0.05) - phi(math.log(0.98) / 0.05)
    assert out.loc[("a", 2025), "comparator"] == "approx"
    assert out.loc[("a", 2025), "probability_met"] == pytest.approx(expected)
    # lower-is-better plain number = at most; no spread -> 0.004 <= 0.005 is met
    assert out.loc[("b", 2025), "comparator"] == "le"
    assert out.loc[("b", 2025), "probability_met"] == 1.0
    # no data: a row that says so, no probability
    assert out.loc[("c", 2025), "method"] == "no_data"
    assert np.isnan(out.loc[("c", 2025), "probability_met"])
