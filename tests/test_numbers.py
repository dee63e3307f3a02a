"""parse_quantity on every printed form the plan and the returns use (values typed by hand)."""

import math

import pytest

from analysis.core import rules
from analysis.core.errors import AnalysisError
from analysis.core.quantities import RULE_PHRASES, parse_quantity, parse_values
from analysis.evaluate.yearly import RuleResult, normalise_rule


@pytest.mark.parametrize(
    ("text", "value", "unit", "comparator"),
    [
        ("5.6万", 56000, "", "eq"),
        ("2.35万", 23500, "", "eq"),
        ("1.08亿人", 108_000_000, "persons", "eq"),
        ("55,210", 55210, "", "eq"),
        ("1,234,567", 1234567, "", "eq"),
        ("５５２１０", 55210, "", "eq"),
        ("９８％以上", 0.98, "fraction", "ge"),
        ("98%以上", 0.98, "fraction", "ge"),
        ("不低于95%", 0.95, "fraction", "ge"),
        ("≥90%", 0.90, "fraction", "ge"),
        ("大于92%", 0.92, "fraction", "gt"),
        ("小于1%", 0.01, "fraction", "lt"),
        ("不超过45人", 45, "persons", "le"),
        ("1%以下", 0.01, "fraction", "le"),
        ("5500人左右", 5500, "persons", "approx"),
        ("约5500人", 5500, "persons", "approx"),
        ("3名以上", 3, "persons", "ge"),
        ("100人以上", 100, "persons", "ge"),
        ("113.26%", 1.1326, "fraction", "eq"),
        ("100%", 1.0, "fraction", "eq"),
        ("91.1%[5]", 0.911, "fraction", "eq"),
        ("74.5%〔1〕", 0.745, "fraction", "eq"),
        ("13410个", 13410, "units", "eq"),
        ("20所", 20, "schools", "eq"),
        ("99", 99, "", "eq"),
        ("12.48亿元", 124800, "10k_yuan", "eq"),
        ("35247.35万元", 35247.35, "10k_yuan", "eq"),
        ("300元", 300, "yuan", "eq"),
        ("达到55%以上", 0.55, "fraction", "ge"),
        ("保持在50%以上", 0.50, "fraction", "ge"),
        (" 55210 ", 55210, "", "eq"),
        ("5‰", 0.005, "fraction", "eq"),
    ],
)
def test_printed_forms(text, value, unit, comparator):
    q = parse_quantity(text)
    assert q.kind == "number"
    assert math.isclose(q.value, value, rel_tol=1e-12)
    assert q.unit == unit
    assert q.comparator == comparator


@pytest.mark.parametrize("text", ["—", "-", "", "  ", "——", "…", None, float("nan"), "/"])
def test_missing_markers_are_missing_not_zero(text):
    q = parse_quantity(text)
    assert q.kind == "missing"
    assert q.value is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [("逐年只增不减", "non_decreasing"), ("只增不减", "non_decreasing"), ("全覆盖", "full_coverage"),
     ("完成", "completed"), ("逐年下降", "decreasing"), ("逐年只减不增", "non_increasing"),
     ("逐年增长", "increasing")],
)
def test_rules_are_rules_not_numbers(text, rule):
    q = parse_quantity(text)
    assert q.kind == "rule" and q.rule == rule and q.value is None


# ------------------------------------------------------------------ the one table of rule words


def test_rule_table_is_what_the_parser_reads_longest_phrase_first():
    assert RULE_PHRASES == rules.PHRASES
    phrases = [phrase for phrase, _ in rules.PHRASES]
    assert len(phrases) == len(set(phrases))
    for i, shorter in enumerate(phrases):
        # a phrase inside a longer one comes after it (逐年只增不减 before 只增不减)
        assert not any(shorter in longer for longer in phrases[i + 1:] if longer != shorter)
    assert phrases.index("逐年只增不减") < phrases.index("只增不减")
    for phrase, code in rules.PHRASES:
        assert parse_quantity(phrase).rule == code
        assert parse_quantity(f"确保{phrase}").rule == code


def test_yearly_and_other_rules():
    assert rules.YEARLY_RULES == ("non_decreasing", "increasing", "non_increasing", "decreasing")
    assert {r.code for r in rules.RULES if not r.yearly} == {"full_coverage", "completed"}
    assert [rules.rule(code).step for code in rules.YEARLY_RULES] == ["ge", "gt", "le", "lt"]
    for r in rules.RULES:
        assert r.phrases and r.zh and r.en
    with pytest.raises(AnalysisError, match="unknown rule"):
        rules.rule("sometimes")


def test_evaluation_accepts_every_yearly_phrase_and_code():
    for r in rules.RULES:
        if not r.yearly:
            continue
        assert normalise_rule(r.code) == r.code
        for phrase in r.phrases:
            assert normalise_rule(phrase) == r.code
            assert normalise_rule(f"确保{phrase}") == r.code
        zh = RuleResult(r.code, True, (2020, 2021)).describe("zh")
        en = RuleResult(r.code, True, (2020, 2021)).describe("en")
        assert r.zh in zh and r.en in en


@pytest.mark.parametrize("text", ["full_coverage", "全覆盖", "completed", "建成"])
def test_evaluation_refuses_rules_it_cannot_check_year_by_year(text):
    with pytest.raises(AnalysisError, match="not checked year by year") as info:
        normalise_rule(text)
    assert info.value.column == "rule" and info.value.text == text


def test_unknown_rule_words_are_refused():
    with pytest.raises(AnalysisError, match="unknown rule") as info:
        normalise_rule("sometimes up")
    assert "逐年下降" in str(info.value)  # the message lists the year-by-year words


def test_plain_numbers_pass_through():
    assert parse_quantity(25857).value == 25857.0
    assert parse_quantity(0.5332).value == 0.5332


@pytest.mark.parametrize("text", ["五点六万", "abc", "5..6万x", "12 34", "98%以上以下", "优秀"])
def test_unparseable_text_raises_with_the_text(text):
    with pytest.raises(AnalysisError) as info:
        parse_quantity(text)
    assert text in str(info.value)


def test_error_names_location_when_located():
    with pytest.raises(AnalysisError) as info:
        try:
            parse_quantity("5..6")
        except AnalysisError as err:
            raise err.located(file="r2020.xlsx", sheet="学前", row=7, column="C") from err
    message = str(info.value)
    for part in ("r2020.xlsx", "学前", "row 7", "column C", "5..6"):
        assert part in message


def test_pair_of_percentages():
    public, inclusive = parse_values("53.32%/89.72%")
    assert math.isclose(public.value, 0.5332) and math.isclose(inclusive.value, 0.8972)
    assert public.comparator == inclusive.comparator == "eq"


def test_pair_comparator_applies_to_both():
    public, inclusive = parse_values("50%/80%以上")
    assert (public.value, public.comparator) == (0.5, "ge")
    assert (inclusive.value, inclusive.comparator) == (0.8, "ge")
    assert public.unit == inclusive.unit == "fraction"


def test_pair_unit_printed_once_applies_to_both():
    first, second = parse_values("50/80%")
    assert math.isclose(first.value, 0.5) and math.isclose(second.value, 0.8)


def test_single_value_through_parse_values():
    (only,) = parse_values("5.6万")
    assert only.value == 56000


def test_cells_read_blanks_alike():
    import numpy as np
    import pandas as pd

    from analysis.core.cells import cell_number, cell_text, is_blank

    for blank in (None, float("nan"), np.float64("nan"), pd.NA, pd.NaT):
        assert is_blank(blank) and cell_text(blank) == "" and cell_number(blank) is None
    assert cell_text("  98%以上 ") == "98%以上"
    assert cell_number("12.5") == 12.5 and cell_number("inf") is None and cell_number("x") is None
