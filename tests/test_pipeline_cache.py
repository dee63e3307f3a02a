"""Content-hash keys and cache records; the runner's light plan reader."""

from __future__ import annotations

import json

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


def test_the_task_key_covers_notebook_parameters_and_inputs(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text("{}")
    key = cache.task_key(notebook, {"a": 1, "b": "x"}, "inputs")
    assert cache.task_key(notebook, {"b": "x", "a": 1}, "inputs") == key  # canonical JSON
    assert cache.task_key(notebook, {"a": 2, "b": "x"}, "inputs") != key
    assert cache.task_key(notebook, {"a": 1, "b": "x"}, "other inputs") != key
    notebook.write_text('{"cells": []}')
    assert cache.task_key(notebook, {"a": 1, "b": "x"}, "inputs") != key


def test_the_code_digest_names_the_package_version():
    import analysis

    assert cache.code_digest().startswith(f"{analysis.__version__}:")


def test_a_record_is_fresh_only_with_its_key_and_all_its_outputs(tmp_path):
    out = tmp_path / "chapter_1.html"
    out.write_text("x")
    record = tmp_path / ".cache" / "chapter_1.json"
    cache.write_record(record, key="k1", content_key="c1", outputs=[out])
    assert json.loads(record.read_text())["outputs"] == [str(out)]
    assert cache.is_fresh(record, ["k1"]) and cache.is_fresh(record, ["c1"])
    assert not cache.is_fresh(record, ["k2"])
    out.unlink()
    assert not cache.is_fresh(record, ["k1"])
    cache.clear_record(record)
    assert not cache.is_fresh(record, ["k1"]) and cache.read_record(record) is None


def test_a_chapter_digest_follows_only_that_chapter_s_rows(tmp_path):
    pd = pytest.importorskip("pandas")
    tables, models = tmp_path / "processed", tmp_path / "processed" / "models" / "2023"
    models.mkdir(parents=True)
    targets = pd.DataFrame({"key": ["t1", "t2", "t3"], "chapter": [1, 2, 2],
                            "final_value": [1.0, 2.0, 3.0]})
    attainment = pd.DataFrame({"target_key": ["t1", "t2"], "probability_met": [0.5, 0.7]})

    def digests() -> tuple[str | None, str | None]:
        targets.to_parquet(tables / "targets.parquet", index=False)
        attainment.to_parquet(models / "attainment.parquet", index=False)
        return (cache.chapter_content_digest(tables, models, 1),
                cache.chapter_content_digest(tables, models, 2))

    one, two = digests()
    targets.loc[2, "final_value"] = 4.0  # a chapter-2 target
    one_after, two_after = digests()
    assert one_after == one and two_after != two
    attainment.loc[0, "probability_met"] = 0.6  # a chapter-1 target's attainment
    one_last, two_last = digests()
    assert one_last != one and two_last == two_after


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
