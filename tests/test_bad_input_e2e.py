"""Bad input through the real command line: one clear error, non-zero exit, nothing lost.

A copy of the Kaiping plan gets a text value in a numeric cell of its 2021 return. The batch
runner must stop that plan at the clean stage with a message naming the file, sheet, row,
column and text, exit non-zero, leave the raw files byte-identical and write no processed
tables.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

from analysis.core.io import folder_fingerprint

PROJECT = Path(__file__).resolve().parent.parent


def test_text_in_a_numeric_cell_stops_the_run_cleanly(tmp_path):
    raw = tmp_path / "data" / "raw" / "county"
    shutil.copytree(PROJECT / "data" / "raw" / "kaiping", raw)
    workbook_path = raw / "returns" / "2021.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    workbook["基本情况"]["E5"] = "5..6万"  # primary enrolment, row 5, column E
    workbook.save(workbook_path)
    before = folder_fingerprint(raw)

    run = subprocess.run(
        [sys.executable, "-m", "analysis", "--data-root", str(tmp_path / "data"),
         "--reports-root", str(tmp_path / "reports"), "run", "--plan", "county",
         "--chapters", "2", "--jobs", "1"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    for part in ("2021.xlsx", "基本情况", "row 5", "column E", "5..6万"):
        assert part in output, f"{part!r} missing from:\n{output}"
    assert "Traceback" not in output
    assert folder_fingerprint(raw) == before, "raw files were modified"
    processed = tmp_path / "data" / "processed" / "county"
    assert not list(processed.glob("*.parquet")), "processed tables were written"
    failed = list((tmp_path / "reports" / "county").glob("*/failed/01_clean_returns.ipynb"))
    assert failed, "the failed notebook was not kept"
