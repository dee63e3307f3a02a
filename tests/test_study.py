"""One study configuration: ``data/raw/<plan>/study.yaml`` read by one function and used by the
evaluation stage (the rule), the models stage (forced methods) and the batch runner.

The mini fixture plan (tests/fixtures/mini_plan, see tests/test_report.py) shows the promise
of the issue: a researcher changes the band once, in study.yaml, and every chapter and the
summary agree; ``--band`` stays an explicit override, recorded in rule.json.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path

import pandas as pd
import pytest

from analysis import report
from analysis.core.errors import AnalysisError
from analysis.core.study import (
    METHODS,
    RULE_SETTINGS,
    Method,
    load_study,
    resolve_rule_settings,
    rule_defaults,
    rule_differences,
    settings_table,
    study_warning,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"))
from runner_fixture import FIXTURES, make_plan  # noqa: E402
from test_report import build_root  # noqa: E402

STUDY = """\
# the settings of this study
note: sensitivity run
rule:
  band: 0.1
  tolerance: 0.03
methods:
  enrolment:
    primary: cohort
    vocational: drift
"""


def write_study(folder: Path, text: str) -> Path:
    path = folder / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the file


def test_no_study_file_means_the_status_rule_defaults(tmp_path):
    study = load_study(tmp_path)
    assert not study.exists and study.rule == {} and study.methods == {}
    assert resolve_rule_settings(study)[0] == {}
    assert rule_defaults() == {"band": 0.05, "tolerance": 0.02, "scale_tolerance": 0.05,
                               "outlook_likely": 0.8, "outlook_at_risk": 0.4}
    assert study.describe() == "study.yaml: none (the defaults)"


def test_the_file_sets_the_rule_and_the_forced_methods_with_their_lines(tmp_path):
    write_study(tmp_path, STUDY)
    study = load_study(tmp_path)
    assert study.exists and study.note == "sensitivity run"
    assert study.rule == {"band": 0.1, "tolerance": 0.03}
    assert study.methods == {("enrolment", "primary"): "cohort",
                             ("enrolment", "vocational"): "drift"}
    assert study.method_for("enrolment", "vocational") == "drift"
    assert study.method_for("enrolment", "junior") is None
    assert study.line("rule.band") == 4 and study.line("methods.enrolment.vocational") == 9
    assert study.to_dict() == {"rule": {"band": 0.1, "tolerance": 0.03},
                               "methods": {"enrolment": {"primary": "cohort",
                                                         "vocational": "drift"}}}
    assert study.rule_part() == {"rule": {"band": 0.1, "tolerance": 0.03}}
    assert "vocational = drift" in study.describe()
    same = load_study(write_study(tmp_path, STUDY.replace("# the settings", "# edited")).parent)
    assert same.digest() == study.digest()  # comments do not count


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("rule:\n  band: 0.7\n", 2, "band must lie in [0, 0.5)"),
        ("rule:\n  band: -0.1\n", 2, "band must lie in [0, 0.5)"),
        ("rule:\n  bandd: 0.1\n", 2, "unknown key at rule.bandd (allowed keys: band,"),
        ("rull:\n  band: 0.1\n", 1, "unknown key at rull (allowed keys: note, rule, methods)"),
        ("rule:\n  band: '0.1'\n", 2, "expected a number, got text"),
        ("rule:\n  band: true\n", 2, "expected a number"),
        ("rule:\n  scale_tolerance: 0.6\n", 2, "scale_tolerance must lie in [0, 0.5)"),
        ("rule:\n  outlook_likely: 0.3\n  outlook_at_risk: 0.5\n", 3,
         "outlook_at_risk must not exceed outlook_likely"),
        ("methods:\n  enrolment:\n    primary: cohrt\n", 3, "Input should be 'cohort'"),
        ("methods:\n  enrolment: drift\n", 2, "expected a mapping"),
        ("rule:\n  band: 0.1\n  band: 0.2\n", 3, "band"),
        ("- band\n", 1, "must be a mapping"),
    ],
)
def test_a_bad_study_file_is_refused_naming_the_file_line_and_key(tmp_path, text, row, message):
    path = write_study(tmp_path, text)
    with pytest.raises(AnalysisError) as caught:
        load_study(tmp_path)
    assert message in str(caught.value)
    assert caught.value.file == str(path) and caught.value.row == row


def test_the_methods_a_study_may_force_are_the_models_stage_s():
    from analysis.models.benchmarks import BENCHMARKS

    assert set(METHODS) == set(BENCHMARKS) | {"cohort"}
    assert tuple(typing.get_args(Method)) == METHODS
    assert set(RULE_SETTINGS) == set(rule_defaults())


def test_an_explicit_setting_wins_over_the_study_which_wins_over_the_default(tmp_path):
    write_study(tmp_path, STUDY)
    study = load_study(tmp_path)
    settings, sources = resolve_rule_settings(study, band=None)
    assert settings == {"band": 0.1, "tolerance": 0.03}
    assert sources == {"band": "study.yaml", "tolerance": "study.yaml",
                       "scale_tolerance": "default", "outlook_likely": "default",
                       "outlook_at_risk": "default"}
    settings, sources = resolve_rule_settings(study, band=0.2)
    assert settings["band"] == 0.2 and sources["band"] == "parameter"
    with pytest.raises(AnalysisError, match="unknown status-rule setting"):
        resolve_rule_settings(study, bnad=0.1)


def test_a_rule_other_than_the_study_s_is_named_in_a_visible_warning(tmp_path):
    write_study(tmp_path, "rule:\n  band: 0.1\n")
    study = load_study(tmp_path)
    assert rule_differences({"band": 0.1, "tolerance": 0.02}, study) == []
    assert study_warning({"band": 0.1}, study) == ""
    assert rule_differences({"band": 0.05}, study) == [("band", 0.05, 0.1)]
    warning = study_warning({"band": 0.05, "eval_year": 2023}, study)
    assert "band = 0.05** (study: 0.1)" in warning and "study.yaml" in warning
    defaults = load_study(tmp_path / "elsewhere")
    assert "no `elsewhere/study.yaml`" in study_warning({"band": 0.2}, defaults)
    rows = settings_table({"base_year": 2020, "eval_year": 2023, "band": 0.1},
                          {"from": {"band": "study.yaml"}}, study)
    assert rows == [
        {"setting": "base_year", "value": "2020", "from": "plan.yaml", "study.yaml": "",
         "default": ""},
        {"setting": "eval_year", "value": "2023", "from": "parameter", "study.yaml": "",
         "default": ""},
        {"setting": "band", "value": "0.1", "from": "study.yaml", "study.yaml": "0.1",
         "default": "0.05"},
    ]


# --------------------------------------------------------------------------- the stages


@pytest.fixture
def mini(tmp_path) -> Path:
    return build_root(tmp_path / "data")


def test_the_band_changed_once_in_study_yaml_grades_every_chapter_and_the_summary(mini):
    """The researcher's promise: one edit of study.yaml, every page agrees (and says so)."""
    from analysis.evaluate.stage import load_evaluation, run_evaluation_stage

    raw = mini / "raw" / "mini"
    write_study(raw, "rule:\n  band: 0.1\n")
    result = run_evaluation_stage("mini", 2023, data_root=mini)  # no band parameter
    assert result.rule.band == 0.1
    assert result.provenance["from"]["band"] == "study.yaml"
    recorded = json.loads((result.folder / "rule.json").read_text(encoding="utf-8"))
    assert recorded["band"] == 0.1 and recorded["provenance"]["study_file"] == "study.yaml"
    loaded = load_evaluation("mini", 2023, mini)
    assert loaded.rule == result.rule and loaded.provenance == result.provenance
    pages = [report.load_report_context("mini", 2023, data_root=str(mini), chapter=n)
             for n in (1, 2, 3, 4)]
    pages.append(report.load_report_context("mini", 2023, data_root=str(mini)))
    for ctx in pages:
        assert ctx.band == 0.1
        assert "10个百分点" in report.method_note(ctx)
        assert study_warning(ctx.rule.to_dict(), load_study(raw)) == ""


def test_an_explicit_band_overrides_the_study_is_recorded_and_warned_about(mini):
    from analysis.evaluate.stage import run_evaluation_stage

    raw = mini / "raw" / "mini"
    write_study(raw, "rule:\n  band: 0.1\n  outlook_likely: 0.9\n")
    result = run_evaluation_stage("mini", 2023, band=0.2, data_root=mini)
    assert (result.rule.band, result.rule.outlook_likely) == (0.2, 0.9)
    recorded = json.loads((result.folder / "rule.json").read_text(encoding="utf-8"))
    assert recorded["provenance"]["from"]["band"] == "parameter"
    assert recorded["provenance"]["from"]["outlook_likely"] == "study.yaml"
    assert recorded["provenance"]["study"] == {"band": 0.1, "outlook_likely": 0.9}
    ctx = report.load_report_context("mini", 2023, data_root=str(mini), chapter=2)
    assert "band = 0.2** (study: 0.1)" in study_warning(ctx.rule.to_dict(), load_study(raw))


def test_a_rule_json_without_provenance_still_loads(mini):
    from analysis.evaluate.stage import load_evaluation, run_evaluation_stage

    folder = run_evaluation_stage("mini", 2023, data_root=mini).folder
    recorded = json.loads((folder / "rule.json").read_text(encoding="utf-8"))
    del recorded["provenance"]
    (folder / "rule.json").write_text(json.dumps(recorded), encoding="utf-8")
    loaded = load_evaluation("mini", 2023, mini)
    assert loaded.rule.band == 0.05 and loaded.provenance == {}


def _series(start: int = 2014, end: int = 2023) -> pd.DataFrame:
    rows = []
    for year in range(start, end + 1):
        rows.append({"year": year, "level": "primary", "indicator": "enrolment",
                     "value": 50000 + 500 * (year - start) + (300 if year % 2 else -300),
                     "derived": False})
        rows.append({"year": year, "level": "primary", "indicator": "schools",
                     "value": 40 - (year - start) // 3, "derived": False})
    return pd.DataFrame(rows)


def test_a_method_forced_by_the_study_is_used_and_model_choice_says_so():
    from analysis.models import fit_models

    years = {"base_year": 2020, "midterm_year": 2023, "target_year": 2025}
    free = fit_models(_series(), None, years)
    chosen = free.model_choice[free.model_choice["method_used"] != "cohort_unavailable"]
    chosen = chosen.set_index(["indicator", "level"])
    assert chosen.loc[("schools", "primary"), "method_used"] != "naive"
    forced = fit_models(_series(), None, years,
                        force_methods={("schools", "primary"): "naive",
                                       ("enrolment", "primary"): "logit_trend"})
    choice = forced.model_choice
    choice = choice[choice["method_used"] != "cohort_unavailable"].set_index(["indicator", "level"])
    assert choice.loc[("schools", "primary"), "method_used"] == "naive"
    assert choice.loc[("schools", "primary"), "reason"].startswith("naive forced by study.yaml")
    # logit_trend is for shares only: the study's choice cannot run, and the reason says so
    assert choice.loc[("enrolment", "primary"), "reason"].startswith(
        "study.yaml forces logit_trend, which cannot run for this series")
    assert forced.forced == {("schools", "primary"): "naive",
                             ("enrolment", "primary"): "logit_trend"}
    combined = forced.projections[(forced.projections["method"] == "combined")
                                  & (forced.projections["indicator"] == "schools")
                                  & (forced.projections["year"] > 2023)]
    naive = forced.projections[(forced.projections["method"] == "naive")
                               & (forced.projections["indicator"] == "schools")]
    assert combined["mean"].tolist() == naive["mean"].tolist()


def test_a_forced_series_the_data_do_not_have_is_refused_at_its_line(tmp_path):
    from analysis.models.stage import check_forced_series

    write_study(tmp_path, "methods:\n  enrolment:\n    primary: drift\n  enrolmnet:\n"
                          "    junior: drift\n")
    with pytest.raises(AnalysisError, match="forces drift for a series the processed") as caught:
        check_forced_series(load_study(tmp_path), _series())
    assert caught.value.row == 5 and caught.value.column == "methods.enrolmnet.junior"


# --------------------------------------------------------------------------- the batch


def _graph(tmp_path: Path, **changes):
    """The fixture plan's tasks by stage (chapter 1 for the chapters)."""
    from analysis.pipeline.runner import Notebooks, RunOptions, build_tasks

    options = RunOptions(plans=("demo",), data_root=tmp_path / "data",
                         reports_root=tmp_path / "reports",
                         notebooks=Notebooks.in_folder(FIXTURES), **changes)
    return {t.spec.stage: t for t in build_tasks(options) if t.spec.chapter in (None, 1)}


PLAN_YAML = ("name_zh: demo\nbase_year: 2020\nmidterm_year: 2023\ntarget_year: 2025\n"
             "chapters: [{number: 1}, {number: 2}]\n")


def test_the_runner_checks_the_study_before_anything_runs(tmp_path):
    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text(PLAN_YAML, encoding="utf-8")
    write_study(raw, "rule:\n  band: 0.5\n")
    with pytest.raises(AnalysisError, match="band must lie in") as caught:
        _graph(tmp_path)
    assert caught.value.file == str(raw / "study.yaml") and caught.value.row == 2
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["raw"]
    assert not (tmp_path / "reports").exists()


def test_each_task_hashes_the_part_of_the_study_it_reads(tmp_path):
    from analysis.pipeline.runner import _key

    raw = make_plan(tmp_path / "data")
    (raw / "plan.yaml").write_text(PLAN_YAML, encoding="utf-8")
    before = {stage: _key(task) for stage, task in _graph(tmp_path).items()}
    write_study(raw, "note: nothing set yet\n")
    assert {stage: _key(task) for stage, task in _graph(tmp_path).items()} == before
    graph = _graph(tmp_path)
    assert raw / "study.yaml" not in graph["clean"].inputs()  # cleaning never reads it

    write_study(raw, "rule:\n  band: 0.1\n")
    after = {stage: _key(task) for stage, task in _graph(tmp_path).items()}
    assert [s for s in after if after[s] != before[s]] == ["evaluate"]

    write_study(raw, "rule:\n  band: 0.1\nmethods:\n  enrolment:\n    primary: drift\n")
    forced = {stage: _key(task) for stage, task in _graph(tmp_path).items()}
    assert [s for s in forced if forced[s] != after[s]] == ["models"]
    assert _graph(tmp_path)["models"].study == {"methods": {"enrolment": {"primary": "drift"}}}
    # an explicit --band is a parameter of the evaluation, beside the study's settings
    assert _graph(tmp_path, band=0.2)["evaluate"].spec.parameters["band"] == 0.2
