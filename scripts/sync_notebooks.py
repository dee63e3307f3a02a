"""Strip outputs from every notebook under notebooks/ and rewrite its paired percent script.

Run by `make sync-notebooks`. The .ipynb is the source of truth (JupyterLab's jupytext
extension keeps the .py in step while you work; this script makes the pair exact and
output-free before a commit). To take edits made in the .py script instead, run
`jupytext --sync notebooks/NAME.py` first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNELSPEC = {"name": "plan-eval", "display_name": "Plan evaluation (plan-eval)", "language": "python"}


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop outputs, execution counts and volatile metadata; set the project's kernel."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
    nb.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        "jupytext": {"formats": "ipynb,py:percent"},
    }
    return nb


def sync(path: Path) -> None:
    script = path.with_suffix(".py")
    nb = strip(nbformat.read(path, as_version=4))
    nbformat.write(nb, path)
    script.write_text(jupytext.writes(jupytext.read(path), fmt="py:percent"), encoding="utf-8")


def main() -> int:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        sync(path)
        print(f"synced {path.name} <-> {path.with_suffix('.py').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
