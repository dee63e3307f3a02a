"""Parameter schemas from ``parameters`` cells; strict validation of what the runner passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.core.errors import AnalysisError
from analysis.core.paths import PROJECT_ROOT
from analysis.pipeline.params import notebook_schema, parse_parameters, validate_parameters

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pipeline_notebooks"


def test_names_types_and_defaults_come_from_the_literals():
    params = parse_parameters('"""Parameters."""\nplan = "demo"\nchapter = 2\nband = 0.05\n'
                              "strict = False\nyears: list = [2020, 2023]\nas_of_year: int = 0\n")
    assert {n: (p.type, p.default) for n, p in params.items()} == {
        "plan": (str, "demo"), "chapter": (int, 2), "band": (float, 0.05),
        "strict": (bool, False), "years": (list, [2020, 2023]), "as_of_year": (int, 0),
    }


@pytest.mark.parametrize(
    ("source", "message", "row"),
    [
        ("plan = 'a'\nyear = 2020 + 3", "may only assign literals", 2),
        ("import os", "only hold 'name = literal' assignments", 1),
        ("a = b = 1", "only hold 'name = literal' assignments", 1),
        ("root = Path('.')", "may only assign literals", 1),
        ("band: Decimal = 1", "unsupported parameter annotation", 1),
        ("x = None", "parameter default must be one of", 1),
        ("plan = 'a", "not valid Python", 1),
    ],
)
def test_anything_but_literal_assignments_is_refused_with_its_line(source, message, row):
    with pytest.raises(AnalysisError, match=message) as caught:
        parse_parameters(source, notebook="x.ipynb")
    assert caught.value.row == row and caught.value.file == "x.ipynb"


def test_the_fixture_chapter_notebook_declares_the_contract_s_parameters():
    schema = notebook_schema(FIXTURES / "04_chapter_report.ipynb")
    assert schema.names == ["plan", "chapter", "eval_year", "lang", "data_root"]


def test_values_are_merged_over_the_defaults_and_an_int_is_a_valid_float():
    schema = notebook_schema(FIXTURES / "03_evaluate.ipynb")
    checked = schema.validate({"eval_year": 2025, "band": 0})
    assert checked == {"plan": "demo", "eval_year": 2025, "band": 0.0, "data_root": "",
                       "publish_to": ""}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"eval_yaer": 2023}, "unknown parameter 'eval_yaer'"),
        ({"eval_year": "2023"}, "parameter 'eval_year' must be int"),
        ({"eval_year": 2023.0}, "parameter 'eval_year' must be int"),
        ({"chapter": True}, "parameter 'chapter' must be int"),
        ({"band": 0.05}, "unknown parameter 'band'"),
        ({"lang": 1}, "parameter 'lang' must be str"),
    ],
)
def test_unknown_and_mistyped_parameters_are_refused(values, message):
    schema = notebook_schema(FIXTURES / "04_chapter_report.ipynb")
    with pytest.raises(AnalysisError, match=message) as caught:
        validate_parameters(schema, values)
    assert caught.value.file == "04_chapter_report.ipynb"
    assert caught.value.text == next(iter(values.values()))


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path):
    notebook = tmp_path / "bare.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {},
                                               "source": "x = 1", "outputs": []}]}))
    with pytest.raises(AnalysisError, match="no cell tagged 'parameters'"):
        notebook_schema(notebook)
    with pytest.raises(AnalysisError, match="notebook not found"):
        notebook_schema(tmp_path / "missing.ipynb")


@pytest.mark.parametrize("name", ["01_clean_returns", "02_trend_models", "03_evaluate",
                                  "04_chapter_report", "05_summary"])
def test_the_project_notebooks_declare_what_the_runner_passes(name):
    """docs/contracts.md: the parameters of each stage notebook."""
    expected = {
        "01_clean_returns": ["plan", "data_root"],
        "02_trend_models": ["plan", "data_root", "as_of_year", "horizon_beyond_target"],
        "03_evaluate": ["plan", "eval_year", "band", "data_root", "publish_to"],
        "04_chapter_report": ["plan", "chapter", "eval_year", "lang", "data_root"],
        "05_summary": ["plan", "eval_year", "lang", "data_root"],
    }[name]
    path = PROJECT_ROOT / "notebooks" / f"{name}.ipynb"
    assert sorted(notebook_schema(path).names) == sorted(expected)


def test_help_comes_from_the_comment_on_or_above_each_line():
    params = parse_parameters(
        'plan = "demo"  # plan folder name\n'
        "# the evaluation year,\n# after the base year\n"
        "eval_year = 2023\n\n"
        "lang = 'zh'\n")
    assert {n: p.help for n, p in params.items()} == {
        "plan": "plan folder name", "eval_year": "the evaluation year, after the base year",
        "lang": ""}


def test_an_annotated_none_is_an_optional_parameter_and_its_type_is_checked():
    from analysis.pipeline.params import NotebookSchema

    params = parse_parameters("band: float = None  # None: the study's\nyear: int = 2023\n")
    assert params["band"].optional and params["band"].type_name == "float | None"
    with pytest.raises(AnalysisError, match="parameter default must be one of"):
        parse_parameters("band = None")  # a type is needed to check a value
    with pytest.raises(AnalysisError, match="does not have its declared type int"):
        parse_parameters("year: int = '2023'")
    schema = notebook_schema(PROJECT_ROOT / "notebooks" / "03_evaluate.ipynb")
    assert isinstance(schema, NotebookSchema)
    assert schema.validate({})["band"] is None
    assert schema.validate({"band": 0.1})["band"] == 0.1
    assert schema.validate({"band": 0})["band"] == 0.0
    with pytest.raises(AnalysisError, match="parameter 'band' must be float"):
        schema.validate({"band": "0.1"})


def test_describe_parameters_is_a_table_like_papermill_s_help_notebook():
    from analysis.pipeline.params import describe_parameters

    schema = notebook_schema(PROJECT_ROOT / "notebooks" / "02_trend_models.ipynb")
    text = describe_parameters(schema, set_by={"plan": "--plan"})
    lines = text.splitlines()
    assert lines[0].split() == ["name", "type", "default", "set", "by", "help"]
    assert lines[2].split()[:4] == ["plan", "str", '"kaiping"', "--plan"]
    assert "fit on data up to the evaluation year" in text
    assert "set by" not in describe_parameters(schema)


def test_the_defaults_record_changes_with_a_default_not_with_a_comment(tmp_path):
    from analysis.pipeline.params import defaults_record

    def notebook(source: str) -> Path:
        path = tmp_path / f"n{len(list(tmp_path.iterdir()))}.ipynb"
        path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source,
                                               "metadata": {"tags": ["parameters"]},
                                               "outputs": []}]}), encoding="utf-8")
        return path

    first = defaults_record(notebook("plan = 'a'\nyear = 2023\n"))
    assert first["parameters"] == {"plan": {"type": "str", "default": "a"},
                                   "year": {"type": "int", "default": 2023}}
    assert defaults_record(notebook("plan = 'a'  # new help\n\nyear = 2023\n"))["digest"] == \
        first["digest"]
    assert defaults_record(notebook("plan = 'a'\nyear = 2024\n"))["digest"] != first["digest"]
    assert defaults_record(notebook("plan = 'a'\nyear: float = 2023\n"))["digest"] != \
        first["digest"]
