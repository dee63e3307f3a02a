"""Reading the text files of a plan folder: one reader for every CSV and YAML file.

Bounded in size, one encoding detection (UTF-8 with or without BOM, UTF-16 with BOM,
GB18030), CSV records with their line numbers and one safe YAML loader (no repeated keys,
bounded aliases). Errors are AnalysisErrors naming the file and line; no message quotes the
bytes of a file that is not the expected format. No pandas here, so the batch runner reads
``plan.yaml`` and ``targets.csv`` with the very reader the clean stage uses and still starts
in well under a second.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import StringIO
from pathlib import Path
from typing import Any

from analysis.core.errors import AnalysisError

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""Largest text file (CSV, YAML) read from a plan folder: 64 MiB."""
MAX_YAML_BYTES = 4 * 1024 * 1024
"""Largest YAML file (plan.yaml, layout.yaml): 4 MiB."""
MAX_YAML_NODES = 200_000
"""Most nodes a YAML document may expand to, each use of an alias counted again."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of lists and mappings in a YAML document."""
TEXT_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gb18030")
"""What :func:`decode_text` returns as the encoding it found."""


def read_bytes(path: str | Path, *, shown: str | Path | None = None,
               max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a plan file, refused when missing, a folder, empty or over ``max_bytes``."""
    path = Path(path)
    shown = path if shown is None else shown
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise AnalysisError("a folder where a file was expected", file=shown)
        if size > max_bytes:
            raise AnalysisError(
                f"the file is {size / 2**20:.1f} MiB, more than the {max_bytes / 2**20:.0f} MiB "
                "a plan file may have", file=shown)
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise AnalysisError("file not found", file=shown) from None
    except OSError as exc:
        raise AnalysisError(f"cannot read the file ({exc.strerror or exc})", file=shown) from None
    if len(data) > max_bytes:
        raise AnalysisError(f"the file is larger than {max_bytes / 2**20:.0f} MiB", file=shown)
    if not data.strip():
        raise AnalysisError("the file is empty", file=shown)
    return data


def decode_text(data: bytes, shown: str | Path) -> tuple[str, str]:
    """Decode a plan file: ``(text, encoding)``, the encoding one of :data:`TEXT_ENCODINGS`.

    UTF-8 with a BOM (``utf-8-sig``), UTF-16 with a BOM (``utf-16``, little or big endian),
    UTF-8 without a BOM, else GB18030 (which includes GBK and GB2312). UTF-32, UTF-16 without
    a BOM and binary files (NUL bytes) are refused, as are bytes that fit none of these; the
    error names the line of the first bad byte and never quotes the bytes.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise AnalysisError("the file is UTF-32 text; save it as UTF-8", file=shown)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _encoding_error(data, exc.start, shown, "the file starts with a UTF-16 "
                                  "byte-order mark but is not valid UTF-16") from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _encoding_error(data, exc.start + 3, shown, "the file starts with a UTF-8 "
                                  "byte-order mark but is not valid UTF-8") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise AnalysisError(
            "the file holds NUL bytes: it is UTF-16 without a byte-order mark, or not a text "
            "file at all; save it as UTF-8 (or UTF-8 with BOM)",
            file=shown, row=data[:nul].count(b"\n") + 1)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:  # GB18030 has a byte-order mark of its own (84 31 95 33): dropped like UTF-8's
            return data.decode("gb18030").removeprefix("\ufeff"), "gb18030"
        except UnicodeDecodeError as exc:
            raise _encoding_error(data, max(exc.start, utf8_error.start), shown,
                                  "the file is neither UTF-8, UTF-16 with a byte-order mark "
                                  "nor GB18030 text") from None


def _encoding_error(data: bytes, offset: int, shown: str | Path, problem: str) -> AnalysisError:
    """The error for undecodable bytes: the line and offset of the first one, never the bytes."""
    return AnalysisError(
        f"{problem} (first bad byte: byte {offset + 1} of the file); save it as UTF-8",
        file=shown, row=data[:offset].count(b"\n") + 1)


def read_text(path: str | Path, *, shown: str | Path | None = None,
              max_bytes: int = MAX_TEXT_BYTES) -> str:
    """A plan file as text: :func:`read_bytes` then :func:`decode_text` (BOM removed)."""
    shown = Path(path) if shown is None else shown
    text, _ = decode_text(read_bytes(path, shown=shown, max_bytes=max_bytes), shown)
    return text


def iter_csv_records(text: str, shown: str | Path) -> Iterator[tuple[int, list[str]]]:
    """``(line the record starts on, cells)`` for every CSV record of ``text``.

    A field longer than the csv module's limit (an unclosed quote mark swallows the rest of
    the file), a NUL byte or any other CSV error is an AnalysisError naming the line.
    """
    reader = csv.reader(StringIO(text, newline=""))
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(exc, shown, start) from None
        yield start, record
        start = reader.line_num + 1


def _csv_error(exc: csv.Error, shown: str | Path, line: int) -> AnalysisError:
    reason = str(exc)
    if "field larger than field limit" in reason:
        problem = (f"a CSV field longer than {csv.field_size_limit():,} characters starts "
                   "here (an unclosed quote mark?)")
    elif "NUL" in reason:
        problem = "a NUL byte in the CSV (a binary file, or UTF-16 without a byte-order mark)"
    else:
        problem = f"not a readable CSV record ({reason})"
    return AnalysisError(problem, file=shown, row=line)


def read_csv_table(path: str | Path, required: Sequence[str], *,
                   shown: str | Path | None = None) -> list[tuple[int, dict[str, str]]]:
    """The records of a plan CSV with a header row: ``[(line, {column: stripped cell})]``.

    The header must hold every column of ``required``, each column once; a record with more
    cells than the header (an unquoted comma) is an error; blank records are skipped.
    """
    shown = Path(path) if shown is None else shown
    records = iter_csv_records(read_text(path, shown=shown), shown)
    first = next(records, None)
    if first is None:
        raise AnalysisError("empty file (no header row)", file=shown)
    header = [h.strip() for h in first[1]]
    missing = [c for c in required if c not in header]
    if missing:
        # The header is not quoted: the file may not be the expected one at all.
        listed = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4
                                           else "")
        raise AnalysisError(
            f"missing column(s) {listed} in the header row (the header names, in any order: "
            f"{', '.join(required)})", file=shown, row=first[0], column=missing[0])
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if name and name in seen:
            raise AnalysisError("a column appears twice in the header", file=shown, row=first[0],
                                column=index, text=name)
        seen.add(name)
    rows: list[tuple[int, dict[str, str]]] = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            raise AnalysisError(
                f"{len(record)} cells for {len(header)} columns (an unquoted comma?)",
                file=shown, row=line, text=",".join(record)[:200])
        rows.append((line, {h: (record[i].strip() if i < len(record) else "")
                            for i, h in enumerate(header) if h}))
    return rows


@dataclass(frozen=True)
class YamlDocument:
    """A loaded YAML file: the data and the node tree (for the line of a key)."""

    data: Any
    root: Any  # yaml.Node | None
    file: str

    def line(self, loc: Sequence[object]) -> int | None:
        """1-based line of the value (or unknown key) at ``loc`` (keys and list indexes)."""
        import yaml

        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        line, node = key_node.start_mark.line + 1, value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


@lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """libyaml's C parser when PyYAML was built with it, else the pure-Python one; safe
    constructors only (no Python objects)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return type("PlanYamlLoader", (base,), {})


def load_yaml(path: str | Path, *, shown: str | Path | None = None,
              max_bytes: int = MAX_YAML_BYTES) -> YamlDocument:
    """Read a plan YAML file (:func:`read_text`) and parse it with :func:`parse_yaml`."""
    shown = Path(path) if shown is None else shown
    return parse_yaml(read_text(path, shown=shown, max_bytes=max_bytes), shown)


def parse_yaml(text: str, shown: str | Path) -> YamlDocument:
    """The one YAML parser of the package: safe tags, no repeated keys, bounded aliases.

    Syntax errors name the line and column; a key given twice in one mapping names the key
    and both lines; a document that expands (aliases counted each time) to more than
    :data:`MAX_YAML_NODES` nodes, nests deeper than :data:`MAX_YAML_DEPTH` or refers to itself
    is refused before anything is built from it.
    """
    import yaml

    loader = _yaml_loader()(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(data=None, root=None, file=str(shown))
        _check_yaml_tree(root, shown)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        context = getattr(exc, "context", None)
        raise AnalysisError(
            f"not valid YAML: {problem}" + (f" ({context})" if context else ""),
            file=shown, row=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None) from None
    except RecursionError:
        raise AnalysisError("YAML nested too deeply", file=shown) from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, root=root, file=str(shown))


def _check_yaml_tree(root: Any, shown: str | Path) -> None:
    """Repeated keys, self-reference, depth and expanded size of a composed YAML tree."""
    import yaml

    def children(node: Any) -> list[Any]:
        if isinstance(node, yaml.MappingNode):
            return [part for pair in node.value for part in pair]
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        return []

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in children(node))
            if size > MAX_YAML_NODES:
                raise AnalysisError(
                    f"the YAML expands to more than {MAX_YAML_NODES:,} values (aliases used "
                    "over and over: a 'billion laughs' document); write the values out",
                    file=shown, row=node.start_mark.line + 1)
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise AnalysisError("a YAML alias refers to the list or mapping that contains it",
                                file=shown, row=node.start_mark.line + 1)
        if depth > MAX_YAML_DEPTH:
            raise AnalysisError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels",
                                file=shown, row=node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            first_line: dict[tuple[str, str], int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                name = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if name in first_line:
                    raise AnalysisError(
                        f"key given twice in one mapping (first on line {first_line[name]}); "
                        "keep one", file=shown, row=line, text=key_node.value)
                first_line[name] = line
        open_nodes.add(key)
        stack.append((node, depth, True))
        for child in reversed(children(node)):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))


_TYPE_PROBLEMS = {
    "list_type": "expected a list (one '- ' item per line)",
    "tuple_type": "expected a list (one '- ' item per line)",
    "set_type": "expected a list (one '- ' item per line)",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "missing": "a required key is missing",
}


def describe_value(value: object) -> str:
    """How a YAML value reads in a message: ``the number 5``, ``a list``, ``nothing``."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def yaml_schema_error(exc: Any, document: YamlDocument, *,
                      allowed_keys: Callable[[list[object]], Sequence[str]] | None = None,
                      prefix: Sequence[object] = ()) -> AnalysisError:
    """One AnalysisError for a pydantic ``ValidationError`` of a YAML document: the first
    problem, the YAML line and dotted path of the key, the offending scalar.

    ``allowed_keys(loc)`` names the keys allowed where an unknown key was found; ``prefix`` is
    prepended to the error's path (a part of the document validated on its own)."""
    errors = exc.errors()
    error = errors[0]
    loc = [*prefix, *error["loc"]]
    where = ".".join(str(p) for p in loc) or "(top level)"
    line = document.line(loc)
    value = error.get("input")
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    if error["type"] == "extra_forbidden":
        allowed = list(allowed_keys(loc[:-1])) if allowed_keys else []
        hint = f" (allowed keys: {', '.join(allowed)})" if allowed else ""
        return AnalysisError(f"unknown key at {where}{hint}{more}", file=document.file,
                             row=line, column=where, text=loc[-1] if loc else None)
    problem = _TYPE_PROBLEMS.get(error["type"])
    if problem is None:
        problem = str(error["msg"]).removeprefix("Value error, ")
    elif error["type"] != "missing":
        problem = f"{problem}, got {describe_value(value)}"
    text = value if isinstance(value, str | int | float) and not isinstance(value, bool) else None
    return AnalysisError(f"{problem}{more}", file=document.file, row=line,
                         column=where if loc else None, text=text)
