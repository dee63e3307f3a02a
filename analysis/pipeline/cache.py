"""Content-hash caching of pipeline tasks (the Ploomber idea, without the dependency).

After a task succeeds the runner records, next to the task's outputs
(``<output dir>/.cache/<task>.json``), a key hashed from

* the notebook's bytes,
* the parameters (canonical JSON),
* the package version and a hash of the code the notebook uses (:func:`code_digest`: the
  modules of ``analysis`` it imports, transitively, and their packages' ``resources/``),
* the task's input files (their relative names and bytes),

and the digest of every output. A later run skips the task when it computes the same key
and every recorded output still exists with its recorded digest. Only the standard library
is used here, so a no-op run never imports pandas, papermill or dask.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from analysis.core.hashing import file_sha256

#: Files that never count as a task's input (they change on every write).
IGNORED_NAMES = frozenset({"manifest.json"})

#: The ``analysis`` package folder whose modules :func:`code_files` follows.
PACKAGE_ROOT: Path = Path(__file__).resolve().parents[1]

#: The folder of a package holding its data files (CSV tables read by its modules).
RESOURCES = "resources"


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


# --------------------------------------------------------------------------- code digests

#: ``(relative path, mtime_ns, size)`` of every file of a package tree.
_Stamp = tuple[tuple[str, int, int], ...]


def _tree_stamp(root: Path) -> _Stamp:
    """Every file under ``root`` except hidden ones and ``__pycache__``, with mtime and size."""
    found: list[tuple[str, int, int]] = []
    folders = [""]
    while folders:
        relative = folders.pop()
        try:
            entries = list(os.scandir(root / relative if relative else root))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            name = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir():
                folders.append(name)
            elif entry.is_file() and not entry.name.endswith((".pyc", ".pyo")):
                stat = entry.stat()
                found.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))


def _notebook_sources(notebook: Path) -> list[str] | None:
    """The code cells' sources of a .ipynb (IPython magics and shell lines made ``pass``)."""
    try:
        document = json.loads(notebook.read_text(encoding="utf-8"))
        cells = [c for c in document["cells"] if c.get("cell_type") == "code"]
        sources = [c.get("source", "") for c in cells]
        texts = ["".join(s) if isinstance(s, list) else str(s) for s in sources]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    cleaned = []
    for text in texts:
        lines = text.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):  # a cell magic: not Python
            continue
        cleaned.append("\n".join(
            line[: len(line) - len(line.lstrip())] + "pass"
            if line.lstrip().startswith(("%", "!", "?")) else line
            for line in lines))
    return cleaned


def _imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Dotted names the import statements in ``tree`` may load.

    ``from a.b import c`` yields ``a.b`` and ``a.b.c`` (``c`` may be a submodule); relative
    imports are resolved against ``module`` (a package when ``is_package``).
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                if node.level - 1 >= len(parts):
                    continue  # beyond the top package (or in a notebook): nothing of ours
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{a.name}" for a in node.names if a.name != "*")


#: An import statement at the start of a line, or after ``:`` / ``;`` (``if x: import y``).
_IMPORT_LINE = re.compile(
    r"[ \t]*(?:[^#\n]*?[:;][ \t]*)??(from[ \t]+[.\w]+[ \t]+import\b|import[ \t]+[A-Za-z_])")


def _import_fragments(source: str) -> list[str]:
    """The text of every import statement of a module (anywhere: in functions too).

    Found by a scan for the word ``import`` rather than by parsing the whole module, which
    is 20 times slower (0.1 s for the package; the scan is what keeps a no-op batch fast).
    A statement runs on over open parentheses and backslash continuations.
    """
    fragments: list[str] = []
    line_seen, at = -1, source.find("import")
    while at >= 0:
        start = source.rfind("\n", 0, at) + 1
        at = source.find("import", at + 6)
        if start == line_seen:
            continue
        line_seen = start
        match = _IMPORT_LINE.match(source, start)
        if not match:
            continue
        begin = line_start = match.start(1)
        depth = 0
        while True:  # one line at a time until the parentheses close (comments left out)
            end = source.find("\n", line_start)
            end = len(source) if end < 0 else end
            code = source[line_start:end].partition("#")[0]
            depth += code.count("(") - code.count(")")
            if end == len(source) or (depth <= 0 and not code.rstrip().endswith("\\")):
                break
            line_start = end + 1
        fragments.append(source[begin:end])
    return fragments


def _import_trees(source: str) -> list[ast.AST]:
    """The import statements of a module parsed with :mod:`ast` (together, else one by one;
    a fragment that is no statement — prose in a docstring — is dropped)."""
    fragments = _import_fragments(source)
    try:
        return [ast.parse("\n".join(fragments))]
    except SyntaxError:
        pass
    trees = []
    for fragment in fragments:
        for text in (fragment, fragment.partition("\n")[0]):
            try:
                trees.append(ast.parse(text))
                break
            except SyntaxError:
                continue
    return trees


def _literal_modules(source: str, top: str) -> list[str]:
    """Modules of ``top`` named by a string literal (``"analysis.x"``, ``"analysis.x:f"``).

    They count as imports: lazy exports (a PEP 562 ``__getattr__`` over a table of module
    names), ``importlib.import_module("…")``, ``"module:function"`` settings.
    """
    found = []
    for match in re.finditer(rf"{re.escape(top)}((?:\.[A-Za-z_]\w*)*)(?::[\w.]+)?[\"']", source):
        if match.start() > 0 and source[match.start() - 1] in "\"'":
            found.append(top + match.group(1))
    return found


@lru_cache(maxsize=4096)
def _module_imports(path: str, stamp: tuple[int, int], module: str, is_package: bool,
                    top: str) -> tuple[str, ...]:
    """Dotted names a module file may import (cached per file version)."""
    del stamp  # part of the cache key only
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()  # its bytes still count (as missing)
    names = [n for t in _import_trees(source) for n in _imported(t, module, is_package)]
    return tuple(dict.fromkeys([*names, *_literal_modules(source, top)]))


def _module_files(name: str, top: str, known: frozenset[str]) -> list[str]:
    """The files importing ``name`` executes: each parent ``__init__.py``, then the module."""
    parts = name.split(".")
    if parts[0] != top:
        return []
    files = ["__init__.py"] if "__init__.py" in known else []
    folder = ""
    for part in parts[1:]:
        path = f"{folder}{part}"
        if f"{path}/__init__.py" in known:
            files.append(f"{path}/__init__.py")
            folder = f"{path}/"
        else:
            if f"{path}.py" in known:
                files.append(f"{path}.py")
            break  # a plain module (or not ours): nothing below it
    return files


def _notebook_imports(notebook: Path, top: str) -> list[str] | None:
    """Dotted names a notebook's code cells may import; None when a cell cannot be parsed."""
    sources = _notebook_sources(notebook)
    if sources is None:
        return None
    try:
        trees = [ast.parse(source) for source in sources]
    except SyntaxError:
        return None
    return [*(n for t in trees for n in _imported(t, "", False)),
            *(n for source in sources for n in _literal_modules(source, top))]


@lru_cache(maxsize=128)
def _closure(notebook: str, notebook_stamp: tuple[int, int], root: str,
             tree: _Stamp) -> tuple[tuple[str, ...], str]:
    """``(code files relative to root, their digest)`` of a notebook; cached by the mtimes."""
    del notebook_stamp  # part of the cache key only
    base = Path(root)
    top = base.name
    stamps = {name: (mtime, size) for name, mtime, size in tree}
    known = frozenset(stamps)
    names = _notebook_imports(Path(notebook), top)
    if names is None:  # cannot tell what it imports: every file of the package counts
        files = set(known)
    else:
        pending = [f for n in names for f in _module_files(n, top, known)]
        files = set()
        while pending:
            file = pending.pop()
            if file in files:
                continue
            files.add(file)
            module = ".".join([top, *file.removesuffix(".py").split("/")]).removesuffix(".__init__")
            imported = _module_imports(str(base / file), stamps[file], module,
                                       file.endswith("__init__.py"), top)
            pending.extend(f for n in imported for f in _module_files(n, top, known))
        folders = {f.rpartition("/")[0] for f in files}
        prefixes = tuple(f"{folder}/{RESOURCES}/" if folder else f"{RESOURCES}/" for folder in folders)
        files.update(name for name in known if name.startswith(prefixes))
    ordered = tuple(sorted(files))
    return ordered, files_digest([base / f for f in ordered], base=base)


def _code(notebook: str | Path, package_root: str | Path | None) -> tuple[Path, tuple[str, ...], str]:
    root = Path(package_root).resolve() if package_root else PACKAGE_ROOT
    path = Path(notebook).resolve()
    stat = path.stat()
    files, digest = _closure(str(path), (stat.st_mtime_ns, stat.st_size), str(root),
                             _tree_stamp(root))
    return root, files, digest


def code_files(notebook: str | Path, *, package_root: str | Path | None = None) -> list[Path]:
    """The files of the ``analysis`` package a notebook uses, sorted (absolute paths).

    The modules its code cells import (``import analysis.x``, ``from analysis.x import y``
    where ``y`` may be a submodule), followed through every import statement of those
    modules (relative ones too, and those inside functions) and every module name written
    as a string literal, each parent package's ``__init__.py``, and the files under
    ``resources/`` of every package folder holding one of those modules. A notebook that
    cannot be parsed counts the whole package. Cached per notebook and per the package
    files' modification times and sizes (a repeated call walks the package folder only).
    """
    root, files, _ = _code(notebook, package_root)
    return [root / f for f in files]


def code_digest(notebook: str | Path, *, package_root: str | Path | None = None) -> str:
    """The package version plus a hash of :func:`code_files` (names and bytes)."""
    import analysis

    return f"{analysis.__version__}:{_code(notebook, package_root)[2]}"


def task_key(notebook: str | Path, parameters: Mapping[str, object], inputs_digest: str, *,
             code: str | None = None) -> str:
    """The cache key of one task run; ``code`` defaults to the notebook's :func:`code_digest`."""
    digest = hashlib.sha256()
    code = code_digest(notebook) if code is None else code
    for part in (file_sha256(notebook), canonical_json(dict(parameters)), code, inputs_digest):
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def key_parts(notebook: str | Path, inputs: Iterable[str | Path], *,
              base: str | Path | None = None,
              package_root: str | Path | None = None) -> dict[str, object]:
    """What a task's key is made of, file by file (kept in its record, so that ``run
    --dry-run`` and ``status`` can say *which* input, code file or notebook changed):
    ``{"notebook": sha, "version": package version, "code": {file: sha}, "inputs": {name: sha}}``
    (``name`` relative to ``base``; a missing input is ``"missing"``)."""
    import analysis

    root, files, _ = _code(notebook, package_root)
    return {
        "notebook": file_sha256(notebook),
        "version": analysis.__version__,
        "code": {name: _stamped_sha(root / name) for name in files},
        "inputs": file_digests(inputs, base=base),
    }


def key_from_parts(parts: Mapping[str, object], parameters: Mapping[str, object]) -> str:
    """The :func:`task_key` of a task from its :func:`key_parts` (the same value: the key and
    the parts recorded beside it are computed from one hashing of the files)."""
    code = f"{parts['version']}:{_digest_of(parts['code'])}"  # type: ignore[arg-type]
    digest = hashlib.sha256()
    for part in (str(parts["notebook"]), canonical_json(dict(parameters)), code,
                 _digest_of(parts["inputs"])):  # type: ignore[arg-type]
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _digest_of(named: Mapping[str, str]) -> str:
    """:func:`files_digest` from ``{relative name: sha or "missing"}`` (same order, same bytes)."""
    from pathlib import PurePosixPath

    digest = hashlib.sha256()
    for name in sorted(named, key=PurePosixPath):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(named[name].encode())
        digest.update(b"\n")
    return digest.hexdigest()


def file_digests(files: Iterable[str | Path], *, base: str | Path | None = None) -> dict[str, str]:
    """``{name relative to base: SHA-256 or "missing"}`` of ``files`` (hashes are reused while a
    file's modification time and size stay the same, within one process)."""
    found = {}
    for file in sorted(Path(f) for f in files):
        name = file.relative_to(base).as_posix() if base else file.as_posix()
        found[name] = _stamped_sha(file)
    return found


def _stamped_sha(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    if not path.is_file():
        return "missing"
    return _sha_at(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4096)
def _sha_at(path: str, mtime_ns: int, size: int) -> str:
    del mtime_ns, size  # part of the cache key only
    return file_sha256(path)


def changed_parts(recorded: Mapping[str, object] | None, current: Mapping[str, object]) -> list[str]:
    """Plain-language differences between a record's :func:`key_parts` and the current ones:
    ``notebook changed``, ``code changed: analysis/report/outlook.py``, ``input changed:
    targets.csv`` (added / removed too). Empty when nothing differs."""
    if not isinstance(recorded, Mapping):
        return []
    found = []
    if recorded.get("notebook") != current.get("notebook"):
        found.append("notebook changed")
    if recorded.get("version") != current.get("version"):
        found.append(f"package version {recorded.get('version')} → {current.get('version')}")
    for label, part in (("code", "code"), ("input", "inputs")):
        old, new = recorded.get(part), current.get(part)
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            continue
        changed = sorted(n for n in set(old) & set(new) if old[n] != new[n])
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        for kind, names in ((f"{label} changed", changed), (f"{label} added", added),
                            (f"{label} removed", removed)):
            if names:
                shown = [f"{PACKAGE_ROOT.name}/{n}" if part == "code" else n for n in names[:3]]
                more = f" (+{len(names) - 3} more)" if len(names) > 3 else ""
                found.append(f"{kind}: {', '.join(shown)}{more}")
    return found


# --------------------------------------------------------------------------- records


def read_record(path: str | Path) -> dict[str, object] | None:
    """The recorded run at ``path``, or None when there is none (or it is unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def output_digest(path: str | Path) -> str | None:
    """A file's SHA-256, a folder's :func:`files_digest` of its :func:`input_files`, or None."""
    target = Path(path)
    if target.is_file():
        return file_sha256(target)
    if target.is_dir():
        return "folder:" + files_digest(input_files(target), base=target)
    return None


def is_fresh(record_path: str | Path, keys: Iterable[str]) -> bool:
    """True when the record holds one of ``keys`` and every output it lists still exists
    with the digest it had when recorded (a record without digests is never fresh)."""
    record = read_record(record_path)
    if not isinstance(record, dict) or record.get("key") not in set(keys):
        return False
    outputs, digests = record.get("outputs", []), record.get("output_digests")
    if not isinstance(outputs, list) or not isinstance(digests, dict):
        return False
    for output in outputs:
        recorded = digests.get(output)
        if recorded is None or output_digest(output) != recorded:
            return False
    return True


def write_record(path: str | Path, *, key: str, outputs: Iterable[str | Path],
                 extra: Mapping[str, object] | None = None) -> None:
    """Atomically record a successful run: its key, its outputs and their digests, when.

    Written with :func:`analysis.core.io.write_atomic` (imported here, when a task has run:
    a no-op batch never imports pandas).
    """
    from analysis.core.io import write_atomic

    names = [str(p) for p in outputs]
    record = {
        "key": key,
        "outputs": names,
        "output_digests": {name: output_digest(name) for name in names},
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(dict(extra) if extra else {}),
    }
    write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1, default=str))


def clear_record(path: str | Path) -> None:
    """Forget a recorded run (after a failure), so the task runs next time."""
    try:
        Path(path).unlink()
    except (FileNotFoundError, NotADirectoryError):
        pass  # nothing recorded
