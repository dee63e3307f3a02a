"""The corpora of bad input: every case gives one clear, located error (or the documented
reading), never a traceback or a silently wrong number, and leaves its files untouched.

* ``tests/broken_returns/<case>/`` — statistical returns with one defect each, read through
  the clean stage's entry points for returns (:func:`analysis.clean.returns.read_returns`,
  :func:`analysis.clean.stage.clean_returns` + the QA gate). Written by
  ``tests/broken_returns/make_corpus.py``.
* ``tests/broken_plans/<case>/`` — plan folders (``plan.yaml``, ``targets.csv``,
  ``history.csv``, ``milestones.csv``) with one defect each, run through the whole clean stage
  (:func:`analysis.clean.stage.run_clean_stage`) on a copy. Written by
  ``tests/broken_plans/make_corpus.py``.

Each case's ``expected.yaml`` holds ``stage``, ``message`` (parts the error must contain),
optionally ``where`` (the error's file/sheet/row/column), ``absent`` (text that must not be
quoted) and, for ``ok`` cases, ``values`` (what must be read).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from analysis.clean.checks import raise_for_errors
from analysis.clean.returns import read_returns
from analysis.clean.stage import clean_returns, run_clean_stage
from analysis.core.errors import AnalysisError

HERE = Path(__file__).resolve().parent
RETURNS = HERE / "broken_returns"
PLANS = HERE / "broken_plans"


def cases(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.iterdir() if (p / "expected.yaml").is_file())


def expected_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check_error(error: AnalysisError, expected: dict) -> None:
    message = str(error)
    for part in expected["message"]:
        assert part in message, f"{part!r} not in {message!r}"
    for part in expected.get("absent", []):
        assert part not in message, f"{part!r} quoted in {message!r}"
    for name, value in (expected.get("where") or {}).items():
        found = getattr(error, name)
        if name == "file":
            assert str(found).replace("\\", "/").endswith(value), (name, found, value)
        else:
            assert found == value, (name, found, value)


def check_values(frame, values: list[dict]) -> None:
    for item in values:
        rows = frame[(frame.year == item["year"]) & (frame.level == item["level"])
                     & (frame.indicator == item["indicator"])]
        assert len(rows) == 1, item
        assert float(rows["value"].iloc[0]) == pytest.approx(item["value"], rel=1e-12), item


# ----------------------------------------------------------------------------- returns


REQUIRED_RETURNS = {
    "missing_sheet", "unknown_label", "text_in_numeric_cell", "negative_count",
    "duplicate_year", "csv_wrong_encoding_utf16", "empty_file", "xlsx_is_html",
    "percent_above_100",
    # issue 13: values and bounded reading
    "own_unit_wins", "own_unit_contradicts", "merged_over_data", "formula_without_value",
    "approximate_value", "count_implausible", "rate_above_bound", "percent_declared",
    "percent_undeclared", "layout_duplicate_key", "layout_alias_bomb", "csv_utf16_with_bom",
    "csv_field_too_long", "sheet_dimension_absurd", "merged_range_absurd", "zip_bomb",
    "xlsx_is_not_a_zip",
}


def test_returns_corpus_has_every_required_case():
    assert REQUIRED_RETURNS <= set(cases(RETURNS))


@pytest.mark.parametrize("case", cases(RETURNS))
def test_broken_returns(case):
    folder = RETURNS / case
    expected = expected_of(folder)
    before = snapshot(folder)
    if expected["stage"] == "ok":
        check_values(read_returns(folder, case), expected["values"])
    else:
        with pytest.raises(AnalysisError) as caught:
            if expected["stage"] == "read":
                read_returns(folder, case)
            else:
                _, qa = clean_returns(folder, case)
                raise_for_errors(qa)
        check_error(caught.value, expected)
    assert snapshot(folder) == before  # raw files byte-identical


# ----------------------------------------------------------------------------- plans


REQUIRED_PLANS = {
    "plan_ok", "plan_yaml_duplicate_key", "plan_yaml_alias_bomb", "plan_yaml_recursive_alias",
    "plan_yaml_chapters_not_a_list", "plan_yaml_text_for_a_list", "plan_yaml_gb18030",
    "targets_gb18030", "targets_utf16_with_bom", "targets_utf16_without_bom",
    "targets_field_too_long", "targets_not_a_catalogue", "history_latin1",
    "milestones_field_too_long",
}


def test_plans_corpus_has_every_required_case():
    assert REQUIRED_PLANS <= set(cases(PLANS))


@pytest.mark.parametrize("case", cases(PLANS))
def test_broken_plans(case, tmp_path):
    folder = PLANS / case
    expected = expected_of(folder)
    before = snapshot(folder)
    raw = tmp_path / "raw" / case
    shutil.copytree(folder, raw, ignore=shutil.ignore_patterns("expected.yaml"))
    copied = snapshot(raw)
    if expected["stage"] == "ok":
        result = run_clean_stage(case, tmp_path)
        for key, value in (expected.get("targets") or {}).items():
            row = result.targets[result.targets["key"] == key]
            assert len(row) == 1, key
            assert float(row["final_value"].iloc[0]) == pytest.approx(value), key
    else:
        with pytest.raises(AnalysisError) as caught:
            run_clean_stage(case, tmp_path)
        check_error(caught.value, expected)
        assert not list((tmp_path / "processed").rglob("*.parquet"))
    assert snapshot(raw) == copied  # the stage never writes into the plan folder
    assert snapshot(folder) == before
