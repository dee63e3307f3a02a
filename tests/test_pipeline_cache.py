"""Content-hash keys (the code a notebook uses), cache records with output digests; the
runner's light plan reader."""

from __future__ import annotations

import ast
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from analysis.core.errors import AnalysisError
from analysis.core.hashing import file_sha256
from analysis.core.paths import PROJECT_ROOT
from analysis.pipeline import cache
from analysis.pipeline.runner import load_plan_info


def test_file_sha256_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    # SHA-256("abc") from FIPS 180-2, appendix B.1
    assert file_sha256(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_input_files_leave_out_hidden_files_and_manifests(tmp_path):
    for name in ("b.parquet", "a.csv", "manifest.json", ".cache/x.json", "models/2023/p.parquet",
                 ".staging-1/t.parquet"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    assert [p.relative_to(tmp_path).as_posix() for p in cache.input_files(tmp_path)] == [
        "a.csv", "b.parquet", "models/2023/p.parquet"]
    assert [p.name for p in cache.input_files(tmp_path, recursive=False)] == ["a.csv", "b.parquet"]
    assert [p.name for p in cache.input_files(tmp_path, suffixes=(".parquet",))] == [
        "b.parquet", "p.parquet"]


def test_files_digest_changes_with_a_byte_a_name_or_a_missing_file(tmp_path):
    (tmp_path / "a").write_text("1")
    (tmp_path / "b").write_text("2")
    files = [tmp_path / "a", tmp_path / "b"]
    before = cache.files_digest(files, base=tmp_path)
    assert cache.files_digest(list(reversed(files)), base=tmp_path) == before  # order-free
    (tmp_path / "b").write_text("3")
    changed = cache.files_digest(files, base=tmp_path)
    assert changed != before
    (tmp_path / "b").rename(tmp_path / "c")
    assert cache.files_digest(files, base=tmp_path) not in {before, changed}


def test_the_task_key_covers_notebook_parameters_code_and_inputs(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text("{}")
    key = cache.task_key(notebook, {"a": 1, "b": "x"}, "inputs", code="code")
    assert cache.task_key(notebook, {"b": "x", "a": 1}, "inputs", code="code") == key  # canonical
    assert cache.task_key(notebook, {"a": 2, "b": "x"}, "inputs", code="code") != key
    assert cache.task_key(notebook, {"a": 1, "b": "x"}, "other inputs", code="code") != key
    assert cache.task_key(notebook, {"a": 1, "b": "x"}, "inputs", code="other code") != key
    notebook.write_text('{"cells": []}')
    assert cache.task_key(notebook, {"a": 1, "b": "x"}, "inputs", code="code") != key


# --------------------------------------------------------------------------- code digests

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CLEAN_NB, MODELS_NB = NOTEBOOKS / "01_clean_returns.ipynb", NOTEBOOKS / "02_trend_models.ipynb"


def report_notebook(folder: Path = NOTEBOOKS) -> Path:
    """The chapter report notebook (03_… today, 04_… once the evaluation stage lands)."""
    found = sorted(folder.glob("*chapter_report.ipynb"))
    assert found, f"no chapter report notebook in {folder}"
    return found[-1]


def notebook(path: Path, *cells: str) -> Path:
    """A minimal .ipynb whose code cells are ``cells`` (one markdown cell too)."""
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "import analysis.not_code"},
        *({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
           "source": cell.splitlines(keepends=True)} for cell in cells)]}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def fake_package(root: Path, files: dict[str, str]) -> Path:
    """``root/analysis`` holding ``files`` (relative path -> text); returns the package dir."""
    for name, text in files.items():
        (root / "analysis" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "analysis" / name).write_text(text, encoding="utf-8")
    return root / "analysis"


def relative(files: list[Path], base: Path) -> list[str]:
    return [f.relative_to(base).as_posix() for f in files]


TINY = {
    "__init__.py": "",
    "a/__init__.py": "from .b import f\n",
    "a/b.py": "def f():\n    from analysis.c import d\n    return d\n",  # inside a function
    "c/__init__.py": "",
    "c/d.py": "from ..e import x\n",  # a relative import two levels up: analysis.e
    "c/resources/words.csv": "key,zh,en\n",
    "e.py": "x = 1\n",
    "unused/__init__.py": "import analysis.e\n",
    "unused/resources/other.csv": "k\n",
    "a/__pycache__/b.cpython-311.pyc": "",
}


def test_the_code_files_follow_imports_from_the_notebook(tmp_path):
    package = fake_package(tmp_path / "pkg", TINY)
    nb = notebook(tmp_path / "n.ipynb", "%matplotlib inline\nfrom analysis import a\nimport json")
    assert relative(cache.code_files(nb, package_root=package), package) == [
        "__init__.py", "a/__init__.py", "a/b.py", "c/__init__.py", "c/d.py",
        "c/resources/words.csv", "e.py"]
    # `from analysis.c import d` names the submodule d; `import analysis.e` only e and parents
    nb2 = notebook(tmp_path / "n2.ipynb", "from analysis.c import d", "import analysis.e as e")
    assert relative(cache.code_files(nb2, package_root=package), package) == [
        "__init__.py", "c/__init__.py", "c/d.py", "c/resources/words.csv", "e.py"]
    # no analysis import at all: no code files (the notebook's own bytes are in the key)
    nb3 = notebook(tmp_path / "n3.ipynb", "import json\nfrom pathlib import Path")
    assert cache.code_files(nb3, package_root=package) == []


def test_a_notebook_that_cannot_be_parsed_counts_the_whole_package(tmp_path):
    package = fake_package(tmp_path / "pkg", TINY)
    nb = notebook(tmp_path / "n.ipynb", "from analysis import e\nx = = 1")
    assert relative(cache.code_files(nb, package_root=package), package) == [
        "__init__.py", "a/__init__.py", "a/b.py", "c/__init__.py", "c/d.py",
        "c/resources/words.csv", "e.py", "unused/__init__.py", "unused/resources/other.csv"]


def test_a_new_import_in_a_module_changes_the_closure(tmp_path):
    package = fake_package(tmp_path / "pkg", TINY)
    nb = notebook(tmp_path / "n.ipynb", "import analysis.e")
    assert relative(cache.code_files(nb, package_root=package), package) == ["__init__.py", "e.py"]
    module = package / "e.py"
    module.write_text("from analysis.unused import *\nx = 1\n", encoding="utf-8")
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later edit
    assert relative(cache.code_files(nb, package_root=package), package) == [
        "__init__.py", "e.py", "unused/__init__.py", "unused/resources/other.csv"]


def test_lazy_exports_named_in_string_literals_count_as_imports(tmp_path):
    """A package exporting names on first use (PEP 562 ``__getattr__`` over a table of
    module names) imports nothing statically: its table's modules count."""
    package = fake_package(tmp_path / "pkg", {
        "__init__.py": "",
        "lazy/__init__.py": (
            "import importlib\n_EXPORTS = {'f': 'analysis.lazy.impl', 'g': \"analysis.e:g\"}\n"
            "def __getattr__(name):\n"
            "    return getattr(importlib.import_module(_EXPORTS[name]), name)\n"),
        "lazy/impl.py": "def f(): ...\n",
        "lazy/other.py": "",
        "e.py": "def g(): ...\n",
    })
    nb = notebook(tmp_path / "n.ipynb", "from analysis.lazy import f")
    assert relative(cache.code_files(nb, package_root=package), package) == [
        "__init__.py", "e.py", "lazy/__init__.py", "lazy/impl.py"]


SCANNED = '''"""Docs: import the table, then
import analysis.from_docstring
"""
from __future__ import annotations
import os, sys as system
from analysis.a import (
    b,  # a comment (with a parenthesis
    c,
)
from . import sibling
from ..up import \\
    thing


def f():
    from analysis.nested import (  # (
        x)
    import analysis.inner; import analysis.second
    if True: from analysis.guarded import g
    text = "not; import analysis.in_string"
    return x, text
'''


def test_the_import_scan_finds_every_import_statement():
    found = sorted(n for t in cache._import_trees(SCANNED)
                   for n in cache._imported(t, "analysis.pkg.mod", False))
    assert found == sorted([
        "analysis.from_docstring",  # prose that reads as an import: harmless over-inclusion
        "__future__", "__future__.annotations", "os", "sys", "analysis.a", "analysis.a.b",
        "analysis.a.c", "analysis.pkg", "analysis.pkg.sibling", "analysis.up",
        "analysis.up.thing", "analysis.nested", "analysis.nested.x", "analysis.inner",
        "analysis.second", "analysis.guarded", "analysis.guarded.g"])


def test_the_import_scan_misses_nothing_a_full_parse_finds_in_the_package():
    def statements(trees: list[ast.AST]) -> set[str]:
        return {ast.dump(n) for t in trees for n in ast.walk(t)
                if isinstance(n, ast.Import | ast.ImportFrom)}

    for path in sorted(cache.PACKAGE_ROOT.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        try:
            full = ast.parse(source)
        except SyntaxError:  # being edited by someone right now
            continue
        assert statements([full]) <= statements(cache._import_trees(source)), path


def test_the_project_notebooks_use_their_stage_s_code_and_resources():
    report, clean, models = (
        set(relative(cache.code_files(nb), PROJECT_ROOT))
        for nb in (report_notebook(), CLEAN_NB, MODELS_NB))
    i18n = "analysis/report/resources/i18n.csv"
    assert i18n in report and i18n not in clean and i18n not in models
    assert {"analysis/__init__.py", "analysis/report/__init__.py",
            "analysis/figures/charts.py", "analysis/figures/resources/labels.csv"} <= report
    assert {"analysis/__init__.py", "analysis/clean/__init__.py", "analysis/clean/stage.py",
            "analysis/clean/returns.py", "analysis/core/resources/indicators.csv"} <= clean
    assert not any(f.startswith(("analysis/models/", "analysis/report/", "analysis/pipeline/"))
                   for f in clean)
    assert "analysis/models/stage.py" in models
    assert not any(f.startswith("analysis/pipeline/") for f in report | clean | models)


def copy_package(target: Path, source: Path = cache.PACKAGE_ROOT) -> Path:
    """A copy of the ``analysis`` package under ``target`` (never touch the real files)."""
    shutil.copytree(source, target / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target / "analysis"


def test_a_wording_fix_changes_only_the_report_digest_and_a_clean_fix_the_clean_one(tmp_path):
    import analysis

    notebooks = [report_notebook(), CLEAN_NB, MODELS_NB]

    def digests(package: Path) -> list[str]:
        return [cache.code_digest(nb, package_root=package) for nb in notebooks]

    # One snapshot of the real package, then copies of it (others may edit the real one).
    original = copy_package(tmp_path / "before")
    before = digests(original)
    assert all(d.startswith(f"{analysis.__version__}:") for d in before)
    assert len(set(before)) == 3

    wording = copy_package(tmp_path / "wording", original)
    i18n = wording / "report" / "resources" / "i18n.csv"
    i18n.write_bytes(i18n.read_bytes().replace(b",", b";", 1))  # one byte
    report_after, clean_after, models_after = digests(wording)
    assert report_after != before[0]
    assert (clean_after, models_after) == (before[1], before[2])

    cleaning = copy_package(tmp_path / "cleaning", original)
    stage = cleaning / "clean" / "stage.py"  # the clean stage's own module
    stage.write_text(stage.read_text(encoding="utf-8") + "\n# fixed\n", encoding="utf-8")
    report_after, clean_after, models_after = digests(cleaning)
    assert clean_after != before[1]
    assert (report_after, models_after) == (before[0], before[2])  # neither runs the cleaning


def test_repeated_code_digests_are_cheap():
    nb = report_notebook()
    first = cache.code_digest(nb)
    started = time.perf_counter()
    for _ in range(100):
        assert cache.code_digest(nb) == first
    assert time.perf_counter() - started < 0.25


# --------------------------------------------------------------------------- records


def test_a_record_is_fresh_only_with_its_key_and_every_output_as_recorded(tmp_path):
    page = tmp_path / "chapter_1.html"
    page.write_text("<p>x</p>")
    folder = tmp_path / "models"
    (folder / ".cache").mkdir(parents=True)
    (folder / "fit.parquet").write_bytes(b"fit")
    record = tmp_path / ".cache" / "chapter_1.json"

    def write() -> None:
        cache.write_record(record, key="k1", outputs=[page, folder])

    write()
    assert json.loads(record.read_text())["outputs"] == [str(page), str(folder)]
    assert cache.is_fresh(record, ["k1"])
    assert not cache.is_fresh(record, ["k2"])
    (folder / ".cache" / "models.json").write_text("{}")  # hidden files are not outputs
    (folder / "manifest.json").write_text('{"at": "now"}')  # nor manifests
    assert cache.is_fresh(record, ["k1"])

    page.write_text("<p>y</p>")  # edited by hand
    assert not cache.is_fresh(record, ["k1"])
    page.write_text("<p>x</p>")  # edited back
    assert cache.is_fresh(record, ["k1"])

    (folder / "fit.parquet").write_bytes(b"fat")  # a file of a recorded folder edited
    assert not cache.is_fresh(record, ["k1"])
    write()
    (folder / "extra.parquet").write_bytes(b"")  # or one added
    assert not cache.is_fresh(record, ["k1"])
    write()
    (folder / "fit.parquet").unlink()  # or one deleted
    assert not cache.is_fresh(record, ["k1"])
    write()
    page.unlink()  # a recorded output deleted
    assert not cache.is_fresh(record, ["k1"])

    cache.clear_record(record)
    assert not cache.is_fresh(record, ["k1"]) and cache.read_record(record) is None


def test_an_old_record_without_output_digests_is_not_fresh(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("x")
    record = tmp_path / "summary.json"
    record.write_text(json.dumps({"key": "k1", "content_key": None, "outputs": [str(page)]}))
    assert not cache.is_fresh(record, ["k1"])
    record.write_text("not json")
    assert not cache.is_fresh(record, ["k1"])
    record.write_text("[1, 2]")
    assert not cache.is_fresh(record, ["k1"])


def test_the_plan_reader_agrees_with_analysis_plan():
    plan_dir = PROJECT_ROOT / "data" / "raw" / "kaiping"
    if not (plan_dir / "plan.yaml").exists():
        pytest.skip("no plan folder")
    from analysis.clean.plan import load_plan

    config = load_plan(plan_dir)
    info = load_plan_info(plan_dir)
    assert info.chapters == tuple(config.chapter_numbers())
    assert info.midterm_year == config.midterm_year == 2023  # the plan's 中期 year
    assert info.name == config.name_zh


def test_a_plan_without_chapters_is_refused(tmp_path):
    (tmp_path / "plan.yaml").write_text("name_zh: x\nmidterm_year: 2023\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="needs a list of chapters"):
        load_plan_info(tmp_path)
    (tmp_path / "plan.yaml").write_text("chapters: [{number: 1}]\nmidterm_year: '2023'\n")
    with pytest.raises(AnalysisError, match="integer midterm_year"):
        load_plan_info(tmp_path)


def test_canonical_json_sorts_keys_and_keeps_chinese_text():
    assert cache.canonical_json({"b": 1, "a": "规划"}) == '{"a":"规划","b":1}'
