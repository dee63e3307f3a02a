"""The clean stage end to end on a copy of the committed Kaiping folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.clean.milestones import load_milestones
from analysis.clean.stage import run_clean_stage
from analysis.core.errors import AnalysisError
from analysis.core.io import folder_fingerprint

KAIPING = Path(__file__).resolve().parent.parent / "data" / "raw" / "kaiping"


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    shutil.copytree(KAIPING, root / "raw" / "kaiping")
    return root


@pytest.fixture(scope="module")
def result(data_root):
    return run_clean_stage("kaiping", data_root)


def test_tables_are_written(result, data_root):
    out = data_root / "processed" / "kaiping"
    for name in ("targets", "history", "consistency", "indicators", "qa_issues", "milestones"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["raw_fingerprint"] == folder_fingerprint(data_root / "raw" / "kaiping")
    assert manifest["years"] == list(range(2016, 2026))
    indicators = pd.read_parquet(out / "indicators.parquet")
    assert list(indicators.columns) == ["plan", "year", "level", "indicator", "value", "unit",
                                        "source_file", "source_sheet", "source_cell", "derived"]


def test_qa_of_the_committed_returns(result):
    qa = result.qa_issues
    assert result.severity_counts()["error"] == 0
    # the plan prints 89.72 % next to 23196 of 25857 children (= 89.71 %)
    baseline = qa[qa["check"] == "baseline"]
    assert list(baseline["indicator"]) == ["share_enrolment_inclusive"]
    # the deliberate 2017 slip: primary teachers by qualification one short
    parts = qa[qa["check"] == "parts_total"]
    assert [(int(r.year), r.level) for r in parts.itertuples()] == [(2017, "primary")]
    assert parts.iloc[0]["source_sheet"] == "学校基本情况"
    gross = qa[(qa["check"] == "share_range") & (qa["level"] == "preschool")]
    assert len(gross) == 10 and set(gross["severity"]) == {"warning"}


def test_milestones_are_kept(result):
    ms = result.milestones
    groups = ms[ms["target_key"] == "sP8.school_groups"].iloc[0]
    assert (groups["quantity"], groups["status"], groups["date"]) == (9, "in_progress", "2021-12")
    places = ms[ms["target_key"] == "s3.3.1.places_added"]
    assert sorted(places["quantity"]) == [600, 765, 2280, 2520]


def test_bad_input_leaves_processed_and_raw_untouched(data_root, result):
    broken_root = data_root.parent / "broken"
    shutil.copytree(data_root, broken_root)
    raw = broken_root / "raw" / "kaiping"
    (raw / "returns" / "2023.xlsx").write_text("<html><table><tr><td>1</td></tr></table></html>",
                                               encoding="utf-8")
    processed = broken_root / "processed" / "kaiping"
    before_raw = folder_fingerprint(raw)
    before_processed = folder_fingerprint(processed)
    with pytest.raises(AnalysisError, match="HTML") as caught:
        run_clean_stage("kaiping", broken_root)
    assert "returns/2023.xlsx" in str(caught.value)
    assert folder_fingerprint(raw) == before_raw
    assert folder_fingerprint(processed) == before_processed


def test_milestone_with_unknown_status(tmp_path):
    (tmp_path / "milestones.csv").write_text(
        "target_key,date,status,quantity,unit,description,source\n"
        "a,2022-01,finished,1,,x,y\n", encoding="utf-8")
    with pytest.raises(AnalysisError) as caught:
        load_milestones(tmp_path)
    assert "row 2" in str(caught.value) and "'finished'" in str(caught.value)
