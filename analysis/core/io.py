"""Reading and atomically writing the processed tables.

Every stage writes its tables with :func:`write_tables`: all files go to a temporary folder
next to the destination first and are moved into place only once every one of them has
been written, so a failed run never leaves half-written outputs behind. Every other output
file is written by :func:`write_atomic`, every published CSV by :func:`write_csv`; none of
them writes inside the raw inputs.

Every text file of a plan folder (``plan.yaml``, ``returns/layout.yaml``, ``targets.csv``,
``history.csv``, ``milestones.csv``, CSV returns) is read by the functions at the end of this
module, the same way (see "Reading the plan's files" below and ``data/raw/README.md``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.core.errors import AnalysisError
from analysis.core.hashing import file_sha256, folder_fingerprint  # noqa: F401 - re-exported
from analysis.core.paths import refuse_raw_target

MANIFEST = "manifest.json"


# --------------------------------------------------------------------------- atomic writers


def _named(exc: OSError, path: str | Path) -> OSError:
    """``exc`` again, naming ``path`` (the file or folder being written), same errno."""
    if exc.errno is None:
        return OSError(f"cannot write {path}: {exc}")
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc (macOS): read it by setting it, then put it back
    os.umask(mask)
    return mask


def output_mode() -> int:
    """The permission bits of every output: what ``open()`` would give (0644 under umask 022).

    :func:`tempfile.mkstemp` creates files readable by their owner only (0600).
    """
    return 0o666 & ~_umask()


def _fsync(path: str | Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every system can open folders)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def write_atomic(target: str | Path, content: str | bytes | Callable[[Path], object], *,
                 encoding: str = "utf-8", durable: bool = True) -> Path:
    """Write ``target`` so that it is either its old self or completely new, never partial.

    ``content`` is the text or bytes to write, or a function writing the file at the path it
    is given. The data go to a temporary file in the same folder, are flushed to disk
    (``fsync``), get the mode :func:`output_mode` and replace ``target`` in one rename. On any
    error the temporary file is removed, ``target`` is untouched and the ``OSError`` names
    ``target`` (or its folder when the folder cannot be written). A target inside the raw
    inputs is refused (:func:`analysis.core.paths.refuse_raw_target`). The one writer of
    every output file: reports, published CSVs, executed notebooks, cache records.
    ``durable=False`` skips the ``fsync`` calls (a file rewritten many times, synced once
    by its caller at the end).
    """
    target = Path(target)
    refuse_raw_target(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _named(exc, folder) from None
    temporary = Path(name)
    try:
        if callable(content):
            os.close(handle)
            handle = -1
            content(temporary)
        else:
            data = content.encode(encoding) if isinstance(content, str) else bytes(content)
            with os.fdopen(handle, "wb") as out:
                handle = -1
                out.write(data)
        if durable:
            _fsync(temporary)
        os.chmod(temporary, output_mode())
        os.replace(temporary, target)
    except OSError as exc:
        raise _named(exc, target) from None
    finally:
        if handle >= 0:
            os.close(handle)
        for leftover in (temporary, *folder.glob(f".{temporary.name}.*")):
            try:
                leftover.unlink()
            except OSError:
                pass
    if durable:
        _fsync_folder(folder)
    return target


#: A CSV cell starting with one of these is a formula (or can start one) in Excel/LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, prefixed with ``'``.

    ``=HYPERLINK(…)``, ``+cmd``, ``@SUM(…)``, a leading tab or carriage return: the quote makes
    Excel show the text instead of running it. A plain number written as text (``-3.5``,
    ``+2``, ``-1e3``, ``-5%``) is left alone, as is every non-text value.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The writer of every published CSV: UTF-8 with BOM (opens in Excel), atomic
    (:func:`write_atomic`), text cells neutralised (:func:`neutralise_cell`; numeric, boolean
    and date columns are written as they are). Lines end in CRLF (RFC 4180), so a cell holding
    a lone carriage return is quoted too and cannot start a row of its own in Excel."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)
                or isinstance(series.dtype, pd.PeriodDtype)):
            continue
        safe[column] = series.astype(object).map(neutralise_cell)
    safe.columns = [neutralise_cell(c) for c in safe.columns]
    return write_atomic(path, lambda temporary: safe.to_csv(
        temporary, index=False, encoding="utf-8-sig", lineterminator="\r\n"))


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
    refuse_raw_target(out / MANIFEST)
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    except OSError as exc:
        raise _named(exc, out) from None
    written: dict[str, dict[str, object]] = {}
    current = out
    try:
        for name, frame in tables.items():
            for fmt in formats:
                target = staging / f"{name}.{fmt}"
                current = out / target.name
                if fmt == "parquet":
                    frame.to_parquet(target, index=False)
                elif fmt == "csv":
                    frame.to_csv(target, index=False, encoding="utf-8-sig")
                else:
                    raise ValueError(f"unknown table format {fmt!r}")
                _fsync(target)
                written[target.name] = {"rows": int(len(frame)), "sha256": file_sha256(target)}
        info = {
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": written,
            **(dict(manifest) if manifest else {}),
        }
        current = out / MANIFEST
        (staging / MANIFEST).write_text(
            json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        _fsync(staging / MANIFEST)
        for file in sorted(staging.iterdir(), key=lambda p: p.name == MANIFEST):
            current = out / file.name
            os.chmod(file, output_mode())
            os.replace(file, current)
        _fsync_folder(out)
    except OSError as exc:
        raise _named(exc, current) from None
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
