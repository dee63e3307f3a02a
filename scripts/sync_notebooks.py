"""Strip outputs from every notebook under notebooks/ and rewrite its paired percent script.

Run by `make sync-notebooks`. The .ipynb is the source of truth (JupyterLab's jupytext
extension keeps the .py in step while you work; this script makes the pair exact and
output-free before a commit). To take edits made in the .py script instead, run
`jupytext --sync notebooks/NAME.py` first.

Golden cells (first line ``# NBVAL_CHECK_OUTPUT``) keep their text outputs: they are the
expected values nbval compares against (refresh them with `make golden`). `make golden` also
stores, beside them, each notebook's default parameters and the study settings of its default
plan (``notebooks/golden_parameters.json``, :func:`golden_defaults`): the golden values hold for
those defaults only, and ``tests/test_notebook_hygiene.py`` fails when they change without the
golden values being regenerated.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNELSPEC = {"name": "plan-eval", "display_name": "Plan evaluation (plan-eval)", "language": "python"}
GOLDEN_MARK = "# NBVAL_CHECK_OUTPUT"
GOLDEN_PARAMETERS = NOTEBOOKS / "golden_parameters.json"
"""Each notebook's default parameters (and its default plan's study settings) when its golden
outputs were last stored."""


def golden_defaults(path: Path) -> dict:
    """What a notebook's golden outputs depend on besides the data and the code: its declared
    parameters (names, types, defaults: :func:`analysis.pipeline.params.defaults_record`) and
    the study settings of its default ``plan`` (``data/raw/<plan>/study.yaml``), with one
    digest of both."""
    if str(NOTEBOOKS.parent) not in sys.path:
        sys.path.insert(0, str(NOTEBOOKS.parent))
    from analysis.core import paths
    from analysis.core.errors import AnalysisError
    from analysis.core.study import load_study
    from analysis.pipeline.params import defaults_record

    record = defaults_record(path)
    plan = record["parameters"].get("plan", {}).get("default")
    study = None
    if isinstance(plan, str) and plan:
        try:
            study = load_study(paths.raw_plan_dir(plan)).to_dict()
        except AnalysisError:
            study = None
    text = json.dumps([record["parameters"], study], sort_keys=True, ensure_ascii=False)
    return {"parameters": record["parameters"], "study": study,
            "digest": hashlib.sha256(text.encode()).hexdigest()}


def write_golden_defaults(paths: list[Path]) -> Path:
    """Store :func:`golden_defaults` of ``paths`` in :data:`GOLDEN_PARAMETERS` (other entries kept)."""
    try:
        stored = json.loads(GOLDEN_PARAMETERS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    for path in paths:
        stored[path.stem] = golden_defaults(path)
    GOLDEN_PARAMETERS.write_text(json.dumps(dict(sorted(stored.items())), ensure_ascii=False,
                                            indent=1) + "\n", encoding="utf-8")
    return GOLDEN_PARAMETERS


def is_golden(cell: nbformat.NotebookNode) -> bool:
    """A cell whose printed output nbval compares with the stored one."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(GOLDEN_MARK)


def golden_outputs(outputs: list) -> list:
    """The text part of a golden cell's outputs (stdout and text/plain results only)."""
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=output["text"]))
        elif output.get("output_type") == "execute_result" and "text/plain" in output.get("data", {}):
            kept.append(
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": output["data"]["text/plain"]},
                    execution_count=None,
                )
            )
    return kept


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop outputs (but golden text), execution counts and volatile metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            golden = is_golden(cell) and bool(cell.outputs)
            cell.outputs = golden_outputs(cell.outputs) if golden else []
            # nbval only compares cells that were run: a golden cell keeps a (constant) count.
            cell.execution_count = 1 if golden else None
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
    nb.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        "jupytext": {"formats": "ipynb,py:percent"},
    }
    return nb


def write_pair(path: Path, nb: nbformat.NotebookNode) -> None:
    """Write the stripped notebook and its percent script."""
    nbformat.write(strip(nb), path)
    script = path.with_suffix(".py")
    script.write_text(jupytext.writes(jupytext.read(path), fmt="py:percent"), encoding="utf-8")


def main() -> int:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        write_pair(path, nbformat.read(path, as_version=4))
        print(f"synced {path.name} <-> {path.with_suffix('.py').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
