"""The evaluation stage: grade a plan once and write the evaluation table.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis.core.comparators import (  # noqa: F401 - part of this module's API
    APPROX_TOLERANCE,
    COMPARATORS,
    DIRECTIONS,
    meets,
    resolve_comparator,
)


def write_evaluation_csv(evaluation: pd.DataFrame, path: str | Path) -> Path:
    """Write ``evaluation.csv`` atomically (temporary file + os.replace), UTF-8 with BOM."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    os.close(handle)
    try:
        evaluation.to_csv(temporary, index=False, encoding="utf-8-sig")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
