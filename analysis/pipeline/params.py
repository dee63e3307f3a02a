"""Parameter schemas read from each notebook's ``parameters`` cell.

papermill on its own only *warns* about a parameter the notebook does not declare and never
checks types, so a misspelt ``eval_yaer=2023`` silently runs the default. Here the
``parameters`` cell (literal assignments only) is parsed with :mod:`ast`, a strict pydantic
model is built from the names, types and defaults it declares, and every task's parameters
are validated against it *before* any notebook runs.

A comment on the line of an assignment, or the comment lines right above it, is that
parameter's help (``python -m analysis params NOTEBOOK`` prints names, types, defaults and
help, like ``papermill --help-notebook``). ``name: float = None`` declares an optional
parameter whose ``None`` means "not given" (e.g. the band: then the study file's).
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.core.errors import AnalysisError

#: Types a parameter may have (from its default literal or its annotation).
_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool,
                           "list": list, "dict": dict}


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type and default value."""

    name: str
    type: type
    default: Any
    help: str = ""
    """The comment on the assignment's line, or the comment lines right above it."""

    @property
    def optional(self) -> bool:
        """True when the default is ``None`` ("not given"; only with an annotation)."""
        return self.default is None

    @property
    def type_name(self) -> str:
        return self.type.__name__ + (" | None" if self.optional else "")


@dataclass(frozen=True)
class NotebookSchema:
    """The parameters a notebook declares, and a strict pydantic model checking them."""

    notebook: Path
    parameters: dict[str, Parameter]
    _model: Any = field(default=None, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """Declared parameter names in the order of the cell."""
        return list(self.parameters)

    def validate(self, values: Mapping[str, object]) -> dict[str, object]:
        """Return ``values`` merged over the defaults; AnalysisError on an unknown or mistyped one."""
        return validate_parameters(self, values)


def parameters_cell_source(notebook: str | Path) -> str:
    """The source of the cell tagged ``parameters``; AnalysisError when there is none."""
    path = Path(notebook)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnalysisError("notebook not found", file=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnalysisError(f"not a readable notebook ({exc})", file=path) from None
    for cell in document.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "parameters" in tags:
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else str(source)
    raise AnalysisError("the notebook has no cell tagged 'parameters'", file=path)


def parse_parameters(source: str, *, notebook: str | Path = "<parameters>") -> dict[str, Parameter]:
    """Names, types and defaults from a ``parameters`` cell of literal assignments.

    Accepts ``name = <literal>`` and ``name: type = <literal>`` (type one of str, int, float,
    bool, list, dict); anything else (a call, an expression using another name, an import)
    is refused with the line number, because papermill cannot override derived values.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise AnalysisError(
            f"parameters cell is not valid Python ({exc.msg})", file=notebook, row=exc.lineno
        ) from None
    found: dict[str, Parameter] = {}
    comments = _comments(source)
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring or a bare string comment
        name, annotation, value_node = _assignment_parts(node, notebook)
        try:
            default = ast.literal_eval(value_node)
        except ValueError:
            raise AnalysisError(
                "parameters cell may only assign literals (papermill cannot override "
                "values computed there)",
                file=notebook,
                row=node.lineno,
                text=ast.get_source_segment(source, node),
            ) from None
        found[name] = Parameter(name, _declared_type(annotation, default, notebook, node), default,
                                _help(comments, node))
    return found


def _comments(source: str) -> dict[int, tuple[str, bool]]:
    """``line → (comment text, the comment is the whole line)`` of a cell's source."""
    found: dict[int, tuple[str, bool]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                text = token.string.lstrip("#").strip()
                found[token.start[0]] = (text, not token.line[: token.start[1]].strip())
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _help(comments: dict[int, tuple[str, bool]], node: ast.stmt) -> str:
    """A parameter's help: its line's trailing comment, else the comment block right above."""
    trailing = comments.get(node.lineno)
    if trailing and not trailing[1]:
        return trailing[0]
    above: list[str] = []
    line = node.lineno - 1
    while line in comments and comments[line][1]:
        above.insert(0, comments[line][0])
        line -= 1
    return " ".join(part for part in above if part)


def _assignment_parts(node: ast.stmt, notebook: str | Path) -> tuple[str, ast.expr | None, ast.expr]:
    """``(name, annotation, value)`` of a single-name assignment; AnalysisError otherwise."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, None, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id, node.annotation, node.value
    raise AnalysisError(
        "parameters cell may only hold 'name = literal' assignments",
        file=notebook,
        row=getattr(node, "lineno", None),
        text=type(node).__name__,
    )


def _declared_type(annotation: ast.expr | None, default: object, notebook: str | Path,
                   node: ast.stmt) -> type:
    """The parameter's type: its annotation if any, else the type of its default."""
    if annotation is not None:
        if isinstance(annotation, ast.Name) and annotation.id in _TYPES:
            kind = _TYPES[annotation.id]
            if default is not None and not isinstance(default, kind) and not (
                    kind is float and type(default) is int) and not (
                    kind is list and isinstance(default, tuple)):
                raise AnalysisError(
                    f"parameter default does not have its declared type {annotation.id}",
                    file=notebook, row=node.lineno, text=repr(default))
            return kind
        raise AnalysisError(
            f"unsupported parameter annotation (use one of {', '.join(_TYPES)})",
            file=notebook, row=node.lineno, text=ast.unparse(annotation),
        )
    kind = type(default)
    if kind in (tuple,):
        return list
    if kind not in _TYPES.values():
        raise AnalysisError(
            f"parameter default must be one of {', '.join(_TYPES)}",
            file=notebook, row=node.lineno, text=repr(default),
        )
    return kind


@lru_cache(maxsize=64)
def _schema_cached(path: str, mtime_ns: int, size: int) -> NotebookSchema:
    from pydantic import ConfigDict, create_model

    params = parse_parameters(parameters_cell_source(path), notebook=path)
    fields: dict[str, Any] = {p.name: (p.type | None if p.optional else p.type, p.default)
                              for p in params.values()}
    model = create_model(  # type: ignore[call-overload]
        "Parameters_" + "".join(ch if ch.isalnum() else "_" for ch in Path(path).stem),
        __config__=ConfigDict(extra="forbid", strict=True),
        **fields,
    )
    return NotebookSchema(Path(path), params, model)


def notebook_schema(notebook: str | Path) -> NotebookSchema:
    """The schema of ``notebook`` (cached per file version)."""
    path = Path(notebook).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise AnalysisError("notebook not found", file=path) from None
    return _schema_cached(str(path), stat.st_mtime_ns, stat.st_size)


def validate_parameters(schema: NotebookSchema, values: Mapping[str, object]) -> dict[str, object]:
    """Check ``values`` against ``schema``; return them merged over the declared defaults.

    An undeclared name or a value of the wrong type (``"2023"`` for an int, ``True`` for an
    int, ``"0.1"`` for a float) raises one AnalysisError naming the notebook, the parameter and
    the offending value. An int is accepted for a float parameter.
    """
    from pydantic import ValidationError

    unknown = [name for name in values if name not in schema.parameters]
    if unknown:
        raise AnalysisError(
            f"unknown parameter '{unknown[0]}' (declared in its parameters cell: "
            f"{', '.join(schema.names) or 'none'})",
            file=schema.notebook.name,
            text=values[unknown[0]],
        )
    try:
        checked = schema._model(**dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        expected = schema.parameters[str(first["loc"][0])].type.__name__ if first["loc"] else "?"
        raise AnalysisError(
            f"parameter '{name}' must be {expected} ({first['msg']})",
            file=schema.notebook.name,
            text=first.get("input"),
        ) from None
    return checked.model_dump()


def describe_parameters(schema: NotebookSchema, *, set_by: dict[str, str] | None = None) -> str:
    """The parameters of a notebook as a plain table: name, type, default, help (and, with
    ``set_by``, the ``run`` option that sets each one), like ``papermill --help-notebook``."""
    rows = [("name", "type", "default", *(("set by",) if set_by is not None else ()), "help")]
    for p in schema.parameters.values():
        default = "None" if p.default is None else json.dumps(p.default, ensure_ascii=False)
        extra = ((set_by or {}).get(p.name, "-"),) if set_by is not None else ()
        rows.append((p.name, p.type_name, default, *extra, p.help))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if index == 0:
            lines.append("  ".join(["-" * w for w in widths] + ["----"]))
    return "\n".join(lines)


def defaults_record(notebook: str | Path) -> dict[str, Any]:
    """The declared parameters of a notebook, ``{name: {"type": …, "default": …}}`` in the
    order of its cell, and a digest of them (comments and layout do not count).

    ``scripts/update_golden.py`` stores it for every notebook beside the golden outputs
    (``notebooks/golden_parameters.json``); a test compares, so a default changed without
    regenerating the golden values on purpose is caught.
    """
    schema = notebook_schema(notebook)
    declared = {p.name: {"type": p.type_name, "default": p.default}
                for p in schema.parameters.values()}
    text = json.dumps(declared, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {"parameters": declared, "digest": hashlib.sha256(text.encode()).hexdigest()}
