"""Refresh the expected outputs of the golden cells (`make golden`).

Executes every notebook under notebooks/ in order with its default parameters (papermill,
the project's kernel), then copies the text printed by each cell whose first line is
``# NBVAL_CHECK_OUTPUT`` into the committed notebook. Review the diff before committing:
a changed golden value is a changed key result. With each notebook's golden outputs it stores
that notebook's default parameters and its default plan's study settings
(``notebooks/golden_parameters.json``), which ``tests/test_notebook_hygiene.py`` compares with
the notebooks: changing a default then fails the tests until the golden values are
regenerated on purpose.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_notebooks import (  # noqa: E402
    NOTEBOOKS,
    golden_outputs,
    is_golden,
    write_golden_defaults,
    write_pair,
)


def main() -> int:
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as scratch:
        for path in notebooks:
            executed_path = Path(scratch) / path.name
            papermill.execute_notebook(
                str(path), str(executed_path), kernel_name="plan-eval",
                execution_timeout=600, progress_bar=False,
            )
            executed = nbformat.read(executed_path, as_version=4)
            source = nbformat.read(path, as_version=4)
            by_id = {cell.get("id"): cell for cell in executed.cells}
            changed = 0
            for cell in source.cells:
                if is_golden(cell):
                    new = golden_outputs(by_id[cell.get("id")].outputs)
                    if new != cell.outputs:
                        changed += 1
                    cell.outputs = new
            write_pair(path, source)
            stored = write_golden_defaults([path])
            print(f"{path.name}: {changed} golden cell(s) changed (defaults in {stored.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
