"""QA checks on small hand-made indicator tables (expected findings worked out by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.clean.checks import (
    cell_location,
    check_baseline,
    check_duplicates,
    check_jumps,
    check_negative,
    check_parts_totals,
    check_share_range,
    printed_tolerance,
    raise_for_errors,
    run_checks,
)
from analysis.clean.returns import tidy_frame
from analysis.core.errors import AnalysisError


def table(rows):
    records = []
    for i, (year, level, indicator, value) in enumerate(rows, start=3):
        records.append({"plan": "p", "year": year, "level": level, "indicator": indicator,
                        "value": value, "unit": "", "source_file": "returns/x.xlsx",
                        "source_sheet": "表", "source_cell": f"B{i}", "derived": False})
    return tidy_frame(pd.DataFrame.from_records(records))


def test_negative_count_is_an_error():
    found = check_negative(table([(2020, "primary", "enrolment", -1),
                                  (2020, "primary", "schools", 3)]))
    assert [(f["severity"], f["indicator"]) for f in found] == [("error", "enrolment")]


def test_shares_and_gross_rates():
    found = check_share_range(table([
        (2020, "primary", "retention_rate", 1.05),          # impossible
        (2020, "preschool", "gross_enrolment_rate", 1.13),  # allowed, flagged
        (2020, "primary", "enrolment_rate", 1.0),           # fine
    ]))
    assert sorted((f["indicator"], f["severity"]) for f in found) == [
        ("gross_enrolment_rate", "warning"), ("retention_rate", "error")]


def test_parts_against_totals():
    rows = [(2020, "preschool", "schools", 99), (2020, "preschool", "schools_public", 24),
            (2020, "preschool", "schools_inclusive_private", 64),
            (2020, "preschool", "schools_other_private", 11),        # 24+64+11 = 99: fine
            (2020, "primary", "teachers_fulltime", 3150),
            (2020, "primary", "teachers_postgraduate", 40),
            (2020, "primary", "teachers_bachelor", 2203),
            (2020, "primary", "teachers_associate", 849),           # one short: warning
            (2020, "primary", "teachers_below_associate", 57),
            (2020, "junior", "teachers_fulltime", 1875),
            (2020, "junior", "teachers_postgraduate", 60),
            (2020, "junior", "teachers_bachelor", 1620),
            (2020, "junior", "teachers_associate", 100),            # 90 short: error
            (2020, "junior", "teachers_below_associate", 5)]
    found = check_parts_totals(table(rows))
    assert sorted((f["level"], f["severity"]) for f in found) == [
        ("junior", "error"), ("primary", "warning")]
    assert "difference -1" in [f for f in found if f["level"] == "primary"][0]["message"]


def test_duplicates_name_both_cells():
    found = check_duplicates(table([(2020, "primary", "schools", 62),
                                    (2020, "primary", "schools", 63)]))
    assert len(found) == 1 and found[0]["severity"] == "error"
    assert "B3" in found[0]["message"] and "B4" in found[0]["message"]


def test_year_on_year_jumps():
    found = check_jumps(table([
        (2020, "primary", "enrolment", 1000), (2021, "primary", "enrolment", 1400),  # +40 %
        (2022, "primary", "enrolment", 1500),                                       # +7 %
        (2020, "special", "schools", 1), (2021, "special", "schools", 2),            # small
        (2020, "primary", "retention_rate", 0.99), (2021, "primary", "retention_rate", 0.85),
    ]))
    assert sorted((f["year"], f["indicator"]) for f in found) == [
        (2021, "enrolment"), (2021, "retention_rate")]


@pytest.mark.parametrize(("value", "unit", "tolerance"),
                         [(0.5332, "fraction", 0.00005), (1.0, "fraction", 0.005),
                          (0.712, "fraction", 0.0005), (25857.0, "persons", 0.5)])
def test_printed_tolerance(value, unit, tolerance):
    assert printed_tolerance(value, unit) == pytest.approx(tolerance)


def test_baseline_against_the_plan():
    indicators = table([(2020, "preschool", "enrolment", 25857),
                        (2020, "senior_secondary", "gross_enrolment_rate", 0.981)])
    indicators["unit"] = ["persons", "fraction"]
    history = pd.DataFrame({"key": ["a", "b"], "level": ["preschool", "senior_secondary"],
                            "indicator": ["enrolment", "gross_enrolment_rate"],
                            "year": [2020, 2020], "value": [25850.0, 0.98],
                            "unit": ["persons", "fraction"], "source": ["s1", "s2"],
                            "comparator": ["eq", "ge"]})
    found = check_baseline(indicators, history=history)
    # 25857 vs 25850 is a mismatch; 98.1 % satisfies "98%以上"
    assert [(f["indicator"], f["severity"]) for f in found] == [("enrolment", "warning")]


def test_raise_for_errors_names_the_cell():
    qa = run_checks(table([(2020, "primary", "enrolment", -5)]))
    with pytest.raises(AnalysisError) as caught:
        raise_for_errors(qa)
    text = str(caught.value)
    assert "returns/x.xlsx" in text and "sheet '表'" in text and "row 3" in text
    assert "column B" in text


def test_cell_location():
    assert cell_location("AB12") == (12, "AB")
    assert cell_location("line 5, field 2") == (5, 2)
    assert cell_location("(a+b)/c") == (None, None)


def test_clean_table_has_no_errors():
    qa = run_checks(table([(2020, "primary", "schools", 62), (2021, "primary", "schools", 62)]))
    assert qa.empty
    raise_for_errors(qa)


def test_findings_carry_a_chinese_message_for_chinese_reports():
    import pandas as pd

    from analysis.clean.checks import check_share_range

    rows = pd.DataFrame({
        "plan": ["p"], "year": [2020], "level": ["preschool"], "indicator": ["gross_enrolment_rate"],
        "value": [1.1326], "unit": ["fraction"], "source_file": ["2020.xlsx"],
        "source_sheet": ["主要指标"], "source_cell": ["B6"], "derived": [False],
    })
    (found,) = check_share_range(rows)
    assert found["severity"] == "warning"
    assert "113.26%" in found["message"] and "113.26%" in found["message_zh"]
    assert "毛入学（园）率" in found["message_zh"]


def test_bounds_come_from_one_table():
    from analysis.core import vocab

    assert vocab.bounds("enrolment").max == 2e9  # above the population of China
    assert vocab.bounds("schools").max == 1e6
    assert (vocab.bounds("retention_rate").min, vocab.bounds("retention_rate").max) == (0, 1)
    rate = vocab.bounds("gross_enrolment_rate")
    assert (rate.warn_above, rate.max) == (1, 2)
    assert vocab.bounds("milestone") is None


def test_implausible_counts_and_rates_are_errors():
    from analysis.clean.checks import check_bounds

    rows = table([(2020, "primary", "enrolment", 1e300),          # 1e300 pupils
                  (2020, "primary", "schools", 2e6),              # more than China has
                  (2020, "junior", "enrolment", 23536),           # fine
                  (2020, "all", "education_expenditure", 1e11)])  # 1000万亿元
    found = check_bounds(rows)
    assert sorted((f["indicator"], f["severity"]) for f in found) == [
        ("education_expenditure", "error"), ("enrolment", "error"), ("schools", "error")]
    derived = rows.assign(derived=True)
    assert check_bounds(derived) == []  # reported only: the cell that holds the error
    found = check_share_range(table([(2020, "preschool", "gross_enrolment_rate", 2.5),
                                     (2020, "senior_secondary", "gross_enrolment_rate", 1.5)]))
    assert sorted((f["level"], f["severity"]) for f in found) == [
        ("preschool", "error"), ("senior_secondary", "warning")]


def test_a_share_read_from_a_plain_percentage_says_how_to_declare_it():
    (found,) = check_share_range(table([(2020, "primary", "retention_rate", 85.2)]))
    assert found["severity"] == "error" and "unit: percent" in found["message"]
    (found,) = check_share_range(table([(2020, "primary", "retention_rate", 1.05)]))
    assert "unit: percent" not in found["message"]  # 105 %: a keying error, not a lost %
