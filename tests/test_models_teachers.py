"""Teacher demand, supply, hires and qualification outlook: hand-computed examples."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.models.teachers import (
    DEFAULT_CONTINUATION,
    continuation_rate,
    qualification_outlook,
    resolve_norms,
    teacher_balance,
)


def _tidy(rows):
    return pd.DataFrame(rows, columns=["year", "level", "indicator", "value"])


def _enrolment():
    return pd.DataFrame({
        "level": "primary", "year": [2024, 2025, 2026], "mean": [1900.0, 1900.0, 2090.0],
        "lo80": [1900.0, 1800.0, 1950.0], "hi80": [1900.0, 2000.0, 2200.0],
        "interval": ["observed", "backtest", "backtest"]})


def test_balance_by_hand():
    tidy = _tidy([
        (2024, "primary", "teachers_fulltime", 100), (2024, "primary", "teachers_start", 100),
        (2024, "primary", "teachers_retired", 3), (2024, "primary", "teachers_left", 2),
        (2024, "primary", "teachers_hired", 6)])
    balance = teacher_balance(_enrolment(), tidy, {"primary": 19.0}).set_index("year")
    # continuation = 1 - (3 + 2) / 100 = 0.95; demand = 1900 / 19 = 100, 2090 / 19 = 110
    first, second = balance.loc[2025], balance.loc[2026]
    assert first["continuation_rate"] == pytest.approx(0.95)
    assert first["demand"] == pytest.approx(100.0)
    assert first["supply_continuing"] == pytest.approx(95.0)
    assert first["hires_needed"] == pytest.approx(5.0)
    assert first["gap_enrolment_change"] == pytest.approx(0.0)
    assert first["gap_attrition"] == pytest.approx(5.0)
    # 2026: stock 100 after hiring; 110 needed, 95 continue -> 15 = 10 (growth) + 5 (attrition)
    assert second["hires_needed"] == pytest.approx(15.0)
    assert second["gap_enrolment_change"] == pytest.approx(10.0)
    assert second["gap_attrition"] == pytest.approx(5.0)
    assert second["demand_hi80"] == pytest.approx(2200 / 19)
    # status quo: 95 + 6 = 101 in 2025, 0.95 * 101 + 6 = 101.95 in 2026
    assert second["stock_status_quo"] == pytest.approx(101.95)
    assert balance.loc[2024, "kind"] == "observed"


def test_surplus_is_not_dismissed():
    tidy = _tidy([(2024, "primary", "teachers_fulltime", 150)])
    balance = teacher_balance(_enrolment(), tidy, {"primary": 19.0}).set_index("year")
    # default continuation 0.96: 144 continue in 2025 > 100 needed: no hires, surplus of 44
    assert balance.loc[2025, "continuation_rate"] == DEFAULT_CONTINUATION
    assert balance.loc[2025, "hires_needed"] == 0
    assert balance.loc[2025, "gap"] == pytest.approx(100 - 144)
    # 2026: 0.96 * 144 = 138.24 continue, 110 needed
    assert balance.loc[2026, "supply_continuing"] == pytest.approx(138.24)


def test_continuation_fallback_and_norms():
    rate, source = continuation_rate(_tidy([(2024, "junior", "teachers_fulltime", 10)]), "junior")
    assert rate == DEFAULT_CONTINUATION and source.startswith("default")
    norms = resolve_norms({"senior_secondary": 13.0, "primary": 18.0})
    assert norms == {"preschool": 15.0, "primary": 18.0, "junior": 13.5, "senior_general": 13.0,
                     "vocational": 13.0, "senior_secondary": 13.0}


def test_qualification_outlook_carries_the_target_key():
    projections = pd.DataFrame({
        "indicator": ["share_teachers_bachelor_plus"] * 2 + ["enrolment"],
        "level": ["primary"] * 3, "year": [2024, 2025, 2025],
        "method": ["combined"] * 3, "mean": [0.75, 0.8, 1.0], "lo80": [0.75, 0.78, 1.0],
        "hi80": [0.75, 0.82, 1.0], "lo95": [0.75, 0.77, 1.0], "hi95": [0.75, 0.83, 1.0],
        "observed": [0.75, None, None], "interval": ["observed", "backtest", "backtest"]})
    targets = pd.DataFrame({"key": ["t.primary.share"], "indicator": ["share_teachers_bachelor_plus"],
                            "level": ["primary"], "midterm_value": [0.78], "final_value": [0.83]})
    out = qualification_outlook(projections, targets)
    assert len(out) == 2 and set(out["target_key"]) == {"t.primary.share"}
    assert out["final_value"].tolist() == [0.83, 0.83]
