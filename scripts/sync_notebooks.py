"""Strip outputs from every notebook under notebooks/ and rewrite its paired percent script.

Run by `make sync-notebooks`. The .ipynb is the source of truth (JupyterLab's jupytext
extension keeps the .py in step while you work; this script makes the pair exact and
output-free before a commit). To take edits made in the .py script instead, run
`jupytext --sync notebooks/NAME.py` first.

Golden cells (first line ``# NBVAL_CHECK_OUTPUT``) keep their text outputs: they are the
expected values nbval compares against (refresh them with `make golden`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNELSPEC = {"name": "plan-eval", "display_name": "Plan evaluation (plan-eval)", "language": "python"}
GOLDEN_MARK = "# NBVAL_CHECK_OUTPUT"


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
