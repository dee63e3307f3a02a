"""One vocabulary for every stage: ids resolve in ``analysis.core.vocab`` and an unknown
indicator id fails with the same message in clean, models and evaluate.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.clean.catalogue import load_catalogue, parse_catalogue
from analysis.clean.layout import load_layout
from analysis.core import vocab
from analysis.core.errors import AnalysisError
from analysis.core.paths import PROJECT_ROOT, RESOURCES
from analysis.core.vocab import direction as indicator_direction
from analysis.core.vocab import is_share as is_share_indicator
from analysis.evaluate import evaluate_plan
from analysis.evaluate.rule import StatusRule
from analysis.models.core import choose_scale

UNKNOWN = "fitness_great_rate"
PLAN_DIR = PROJECT_ROOT / "data" / "raw" / "kaiping"


def _vocab_error() -> AnalysisError:
    with pytest.raises(AnalysisError) as info:
        vocab.direction(UNKNOWN)
    return info.value


def _same_as_vocab(error: AnalysisError) -> None:
    """The stage's error carries the vocabulary's message word for word (plus its location)."""
    expected = _vocab_error()
    assert error.problem == expected.problem
    assert error.text == UNKNOWN
    assert str(error).endswith(str(expected))


def catalogue_row(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "key": "s3.1.3.fitness", "kind": "target", "chapter": 3, "section": "3.1.3",
        "task": "3.1", "level": "all", "indicator": "fitness_good_rate", "name_zh": "优良率",
        "name_en": "good", "attribute": "预期性", "measure": "level", "baseline_text": "",
        "midterm_text": "", "final_text": "55%以上", "deadline": 2025, "source": "s",
        "quote": "q",
    }
    row.update(fields)
    return row


# ------------------------------------------------------------------ the vocabulary itself


def test_unknown_id_names_the_id_and_where_the_vocabulary_lives():
    error = _vocab_error()
    assert error.text == UNKNOWN
    where = (RESOURCES / "indicators.csv").relative_to(PROJECT_ROOT).as_posix()
    assert where == "analysis/core/resources/indicators.csv"
    assert where in error.problem and (PROJECT_ROOT / where).is_file()


@pytest.mark.parametrize(
    "lookup",
    [vocab.direction, vocab.unit, vocab.kind, vocab.is_share, vocab.indicator_info,
     vocab.indicator_name, vocab.check_indicator, vocab.pair_ids],
)
def test_every_lookup_fails_alike(lookup):
    with pytest.raises(AnalysisError) as info:
        lookup(UNKNOWN)
    _same_as_vocab(info.value)


def test_a_pair_is_resolved_by_its_first_id_and_both_must_be_known():
    pair = "share_enrolment_public/share_enrolment_inclusive"
    assert vocab.pair_ids(pair) == ("share_enrolment_public", "share_enrolment_inclusive")
    assert vocab.pair_ids("enrolment") == ("enrolment",)
    # dropout_rate (lower is better) comes first, so it decides
    assert vocab.direction("dropout_rate/enrolment_rate") == "lower"
    assert vocab.direction("enrolment_rate/dropout_rate") == "higher"
    assert vocab.unit("schools/enrolment") == "schools"
    for bad in (f"schools/{UNKNOWN}", f"{UNKNOWN}/schools"):
        with pytest.raises(AnalysisError) as info:
            vocab.direction(bad)
        _same_as_vocab(info.value)
    with pytest.raises(AnalysisError) as info:
        vocab.check_indicator(pair)  # one id expected: a pair is not an id
    assert info.value.text == pair


def test_level_lookups():
    assert vocab.is_level("age_3_5", allow_age_bands=True)
    assert not vocab.is_level("age_3_5")
    with pytest.raises(AnalysisError, match="analysis/core/resources/levels.csv"):
        vocab.check_level("kindergarden")


# ------------------------------------------------------------------ every stage, same message


def test_clean_parse_catalogue_refuses_an_unknown_id():
    for indicator in (UNKNOWN, f"share_enrolment_public/{UNKNOWN}"):
        frame = pd.DataFrame([catalogue_row(indicator=indicator)])
        with pytest.raises(AnalysisError) as info:
            parse_catalogue(frame)
        _same_as_vocab(info.value)
        assert (info.value.row, info.value.column) == (2, "indicator")


def test_clean_load_catalogue_refuses_an_unknown_id(tmp_path: Path):
    for name in ("plan.yaml", "targets.csv", "history.csv"):
        shutil.copy(PLAN_DIR / name, tmp_path / name)
    path = tmp_path / "targets.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, 1) if ",fitness_good_rate," in text)
    lines[line - 1] = lines[line - 1].replace(",fitness_good_rate,", f",{UNKNOWN},")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(AnalysisError) as info:
        load_catalogue(tmp_path)
    _same_as_vocab(info.value)
    assert info.value.row == line and info.value.file.endswith("targets.csv")


def test_clean_returns_layout_refuses_an_unknown_id(tmp_path: Path):
    (tmp_path / "layout.yaml").write_text(
        "tables:\n"
        "  basics:\n"
        "    sheet: 基本情况\n"
        "    header_rows: [1]\n"
        "    level: primary\n"
        "    rows:\n"
        f"      学校数: {{indicator: {UNKNOWN}}}\n"
        "    columns:\n"
        "      合计: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(AnalysisError) as info:
        load_layout(tmp_path)
    _same_as_vocab(info.value)
    assert info.value.file.endswith("layout.yaml")


def test_models_refuse_an_unknown_id():
    for lookup in (indicator_direction, is_share_indicator):
        with pytest.raises(AnalysisError) as info:
            lookup(UNKNOWN)
        _same_as_vocab(info.value)
    with pytest.raises(AnalysisError) as info:
        choose_scale(UNKNOWN, [0.2, 0.3])
    _same_as_vocab(info.value)
    assert indicator_direction("dropout_rate") == "lower"
    assert is_share_indicator("dropout_rate") and not is_share_indicator("gross_enrolment_rate")


@pytest.mark.parametrize("direction", ["", "higher"])
def test_evaluate_refuses_an_unknown_id(direction):
    # even with a direction in the row, the id must be known (never a silent "higher")
    targets = parse_catalogue(pd.DataFrame([catalogue_row()])).assign(
        indicator=UNKNOWN, direction=direction, unit="")
    rule = StatusRule(base_year=2020, midterm_year=2023, target_year=2025, eval_year=2023)
    with pytest.raises(AnalysisError) as info:
        evaluate_plan(targets, None, rule)
    _same_as_vocab(info.value)
    assert "s3.1.3.fitness" in str(info.value)
