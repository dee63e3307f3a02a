"""Notebook hygiene, enforced in CI: what a reviewer and papermill rely on.

* a single code cell tagged ``parameters`` holding literal assignments only (papermill
  injects its parameters after that cell and does not recompute values derived inside it);
* no stored outputs or execution counts, except the text printed by golden cells
  (``# NBVAL_CHECK_OUTPUT``, the values nbval compares against) — so no stored errors;
* the project's kernel (``plan-eval``);
* no absolute machine paths;
* every notebook is paired with its percent-format script (what ``git diff`` shows), and
  the pair is in sync.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = {"01_clean_returns", "02_trend_models", "03_evaluate", "04_chapter_report", "05_summary"}
KERNEL = "plan-eval"
ABSOLUTE_PATH = re.compile(r"""(['"])(/(home|root|work|tmp|Users|mnt|var)/|[A-Za-z]:\\)""")

notebook_paths = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_pipeline_notebooks_are_all_there():
    assert EXPECTED <= {p.stem for p in notebook_paths}


def literal_assignments(source: str) -> dict[str, object]:
    """Names and values of a parameters cell; raises ValueError on anything but literals."""
    values: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            raise ValueError(f"line {node.lineno}: only literal assignments are allowed")
        if not isinstance(target, ast.Name):
            raise ValueError(f"line {node.lineno}: assign to a plain name")
        values[target.id] = ast.literal_eval(node.value)  # ValueError when not a literal
    return values


def test_literal_assignments_refuses_computed_values():
    assert literal_assignments("plan = 'x'\nyear: int = 2023\n# comment") == {
        "plan": "x", "year": 2023}
    with pytest.raises(ValueError):
        literal_assignments("year = 2020 + 3")
    with pytest.raises(ValueError):
        literal_assignments("import os")


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_parameters_cell_is_tagged_and_literal(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    assert tagged[0].cell_type == "code"
    assert literal_assignments(tagged[0].source), "the parameters cell declares no parameter"


def is_golden(cell) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith("# NBVAL_CHECK_OUTPUT")


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_no_stored_outputs_but_golden_text(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not is_golden(cell):
            assert cell.get("execution_count") is None, f"cell {index} has an execution count"
            assert not cell.get("outputs"), f"cell {index} has stored outputs"
            continue
        assert cell.outputs, f"golden cell {index} has no expected output: run `make golden`"
        assert cell.get("execution_count") == 1, f"golden cell {index}: run `make sync-notebooks`"
        for output in cell.outputs:
            kind = output.get("output_type")
            assert kind in {"stream", "execute_result"}, f"cell {index} stores a {kind} output"
            if kind == "execute_result":
                assert set(output.get("data", {})) == {"text/plain"}, f"cell {index}: text only"


def test_every_notebook_has_golden_cells():
    for path in notebook_paths:
        nb = nbformat.read(path, as_version=4)
        assert any(is_golden(c) for c in nb.cells), f"{path.name} has no golden cell"


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_kernel_is_the_projects(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_no_absolute_machine_paths(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        match = ABSOLUTE_PATH.search(cell.source)
        assert match is None, f"cell {index} holds an absolute path: {match.group(0) if match else ''}"


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_paired_script_in_sync(path):
    script = path.with_suffix(".py")
    assert script.is_file(), f"{script.name} missing: run `make sync-notebooks`"
    notebook = jupytext.read(path)
    expected = jupytext.writes(notebook, fmt="py:percent")
    assert script.read_text(encoding="utf-8") == expected, (
        f"{script.name} is out of sync with {path.name}: run `make sync-notebooks`"
    )


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_papermill_can_read_every_parameter_line(path):
    """papermill skips (with a warning) an assignment line holding a second ``=``, e.g. in its
    help comment, and then calls the parameter unknown when the runner passes it."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    for number, line in enumerate(cell.source.splitlines(), start=1):
        if line.strip() and not line.strip().startswith("#"):
            assert line.count("=") == 1, f"parameters cell line {number}: {line!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_stage_parameter_has_help(name):
    """``python -m analysis params NOTEBOOK`` prints it (a comment on or above the line)."""
    from analysis.pipeline.params import notebook_schema

    schema = notebook_schema(NOTEBOOKS / f"{name}.ipynb")
    assert [p.name for p in schema.parameters.values() if not p.help] == []


def _golden_defaults():
    import sys

    sys.path.insert(0, str(NOTEBOOKS.parent / "scripts"))
    from sync_notebooks import GOLDEN_PARAMETERS, golden_defaults

    return GOLDEN_PARAMETERS, golden_defaults


@pytest.mark.parametrize("path", notebook_paths, ids=lambda p: p.stem)
def test_default_parameters_are_those_the_golden_values_were_made_with(path):
    """The golden outputs hold for the notebook's defaults (and its default plan's study.yaml):
    `make golden` stores both beside them; a default changed without regenerating the golden
    values on purpose fails here, naming what changed."""
    import json

    stored_file, golden_defaults = _golden_defaults()
    assert stored_file.is_file(), f"{stored_file.name} missing: run `make golden`"
    stored = json.loads(stored_file.read_text(encoding="utf-8")).get(path.stem)
    assert stored is not None, f"{path.name} has no stored defaults: run `make golden`"
    now = golden_defaults(path)
    if now["digest"] == stored["digest"]:
        return
    changed = [f"{name}: {stored['parameters'].get(name, {}).get('default')!r} → "
               f"{now['parameters'].get(name, {}).get('default')!r}"
               for name in {**stored["parameters"], **now["parameters"]}
               if stored["parameters"].get(name) != now["parameters"].get(name)]
    if stored.get("study") != now.get("study"):
        changed.append(f"study.yaml of the default plan: {stored.get('study')} → {now.get('study')}")
    pytest.fail(f"{path.name}: the golden values were made with other defaults "
                f"({'; '.join(changed)}); if the change is intended, run `make golden` and "
                "review the diff of the golden cells")
