"""Reading and atomically writing the processed tables.

Every stage writes its tables with :func:`write_tables`: all files go to a temporary folder
next to the destination first and are moved into place only once every one of them has
been written, so a failed run never leaves half-written outputs behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.core.hashing import file_sha256, folder_fingerprint  # noqa: F401 - re-exported

MANIFEST = "manifest.json"


def write_tables(
    out_dir: str | Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    manifest: Mapping[str, object] | None = None,
    formats: Iterable[str] = ("parquet", "csv"),
) -> Path:
    """Write each table as ``<name>.parquet`` and ``<name>.csv`` into ``out_dir`` atomically.

    Files are first written to a sibling temporary folder; only when all succeed are they
    renamed into ``out_dir`` (each rename is atomic) and a ``manifest.json`` listing them,
    their row counts and content hashes is written last.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    written: dict[str, dict[str, object]] = {}
    try:
        for name, frame in tables.items():
            for fmt in formats:
                target = staging / f"{name}.{fmt}"
                if fmt == "parquet":
                    frame.to_parquet(target, index=False)
                elif fmt == "csv":
                    frame.to_csv(target, index=False, encoding="utf-8-sig")
                else:
                    raise ValueError(f"unknown table format {fmt!r}")
                written[target.name] = {"rows": int(len(frame)), "sha256": file_sha256(target)}
        info = {
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": written,
            **(dict(manifest) if manifest else {}),
        }
        (staging / MANIFEST).write_text(
            json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        for file in sorted(staging.iterdir(), key=lambda p: p.name == MANIFEST):
            os.replace(file, out / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def read_table(folder: str | Path, name: str) -> pd.DataFrame:
    """Read ``<folder>/<name>.parquet``; a clear error when the stage has not run yet."""
    path = Path(folder) / f"{name}.parquet"
    if not path.is_file():
        raise AnalysisError(
            f"processed table '{name}' not found; run the stage that writes it first "
            "(python -m analysis run)",
            file=path,
        )
    return pd.read_parquet(path)
