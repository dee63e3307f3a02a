"""Content-hash caching of pipeline tasks (the Ploomber idea, without the dependency).

After a task succeeds the runner records, next to the task's outputs
(``<output dir>/.cache/<task>.json``), a key hashed from

* the notebook's bytes,
* the parameters (canonical JSON),
* the package version and a hash of every file in the ``analysis/`` package,
* the task's input files (their relative names and bytes).

A later run skips the task when it computes the same key and every recorded output still
exists. Only :mod:`hashlib` and :mod:`json` are used here, so a no-op run never imports
pandas, papermill or dask.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from analysis.core.hashing import file_sha256

#: Files that never count as a task's input (they change on every write).
IGNORED_NAMES = frozenset({"manifest.json"})


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no whitespace: equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def input_files(folder: str | Path, *, recursive: bool = True, suffixes: Iterable[str] = ()) -> list[Path]:
    """Files under ``folder`` that count as inputs: no hidden files or folders, no manifests.

    ``suffixes`` (e.g. ``(".parquet",)``) keeps only files with those endings.
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    wanted = tuple(suffixes)
    found = []
    for path in (root.rglob("*") if recursive else root.glob("*")):
        relative = path.relative_to(root).parts
        if any(part.startswith(".") for part in relative) or path.name in IGNORED_NAMES:
            continue
        if path.is_file() and (not wanted or path.name.endswith(wanted)):
            found.append(path)
    return sorted(found)


def files_digest(files: Iterable[str | Path], *, base: str | Path | None = None) -> str:
    """SHA-256 over each file's name (relative to ``base``) and bytes; missing files count too."""
    digest = hashlib.sha256()
    for file in sorted(Path(f) for f in files):
        name = file.relative_to(base).as_posix() if base else file.as_posix()
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(file_sha256(file).encode() if file.is_file() else b"missing")
        digest.update(b"\n")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Package version plus a hash of every file of the ``analysis`` package (code + resources)."""
    import analysis

    package = Path(analysis.__file__).resolve().parent
    files = [
        p for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    ]
    return f"{analysis.__version__}:{files_digest(files, base=package)}"


def task_key(notebook: str | Path, parameters: Mapping[str, object], inputs_digest: str) -> str:
    """The cache key of one task run."""
    digest = hashlib.sha256()
    for part in (file_sha256(notebook), canonical_json(dict(parameters)), code_digest(), inputs_digest):
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def read_record(path: str | Path) -> dict[str, object] | None:
    """The recorded run at ``path``, or None when there is none (or it is unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_fresh(record_path: str | Path, keys: Iterable[str]) -> bool:
    """True when the record holds one of ``keys`` and every output it lists still exists."""
    record = read_record(record_path)
    if not record:
        return False
    recorded = {record.get("key"), record.get("content_key")} - {None}
    if not recorded.intersection(keys):
        return False
    return all(Path(p).exists() for p in record.get("outputs", []))  # type: ignore[union-attr]


def write_record(path: str | Path, *, key: str, outputs: Iterable[str | Path],
                 content_key: str | None = None, extra: Mapping[str, object] | None = None) -> None:
    """Atomically record a successful run (its key(s), outputs and when it ran)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "key": key,
        "content_key": content_key,
        "outputs": [str(p) for p in outputs],
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(dict(extra) if extra else {}),
    }
    handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=False, indent=1, default=str)
    os.replace(temp, target)


def clear_record(path: str | Path) -> None:
    """Forget a recorded run (after a failure), so the task runs next time."""
    Path(path).unlink(missing_ok=True)


def chapter_content_digest(tables_dir: str | Path, models_dir: str | Path, chapter: int) -> str | None:
    """A digest of the rows of the processed tables and model outputs that concern ``chapter``.

    Used only when a chapter's file-level key has changed, to tell whether what *this*
    chapter shows changed: tables with a ``chapter`` column keep that chapter's rows, tables
    with a ``target_key`` column keep the rows of that chapter's targets (keys and parent
    keys from ``targets``), every other table counts whole. ``None`` when the tables cannot
    be read (the caller then re-runs the chapter).
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a hard dependency
        return None
    files = [*input_files(tables_dir, recursive=False, suffixes=(".parquet",)),
             *input_files(models_dir, suffixes=(".parquet",))]
    files.sort(key=lambda p: (p.stem != "targets", str(p)))  # targets first: they give the keys
    digest = hashlib.sha256(f"chapter={chapter}".encode())
    chapter_keys: set[str] = set()
    try:
        for path in files:
            frame = pd.read_parquet(path)
            if "chapter" in frame.columns:
                frame = frame[frame["chapter"].astype("string") == str(chapter)]
            elif "target_key" in frame.columns:
                frame = frame[frame["target_key"].astype("string").isin(sorted(chapter_keys))]
            if path.stem == "targets":
                for column in ("key", "parent_key"):
                    if column in frame.columns:
                        chapter_keys.update(str(v) for v in frame[column].dropna())
            digest.update(Path(path).relative_to(Path(path).parents[0]).as_posix().encode())
            digest.update(canonical_json([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
            hashed = pd.util.hash_pandas_object(frame.astype("string"), index=False)
            digest.update(hashed.to_numpy().tobytes())
    except Exception:  # noqa: BLE001 - unreadable or unexpected tables: no shortcut
        return None
    return digest.hexdigest()
