"""Comparing a draft with a hand-made catalogue (recall, precision, diff) and writing a draft
plan folder that never writes over a file (docs/catalogue_draft.md)."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from analysis.clean.catalogue import CATALOGUE_COLUMNS, load_catalogue
from analysis.clean.plan import load_plan
from analysis.core.errors import AnalysisError
from analysis.draft.build import draft_catalogue
from analysis.draft.compare import compare, diff_rows, name_similarity, read_rows
from analysis.draft.rows import DRAFT_COLUMNS
from analysis.draft.write import check_plan_name, write_draft


def row(**cells: str) -> dict[str, str]:
    base = dict(key="k", kind="target", chapter="3", section="3.2.1", level="preschool",
                indicator="gross_enrolment_rate", name_zh="学前教育毛入园率", baseline_text="",
                midterm_text="", final_text="98%以上", source="")
    return {**base, **cells}


def test_name_similarity_is_the_overlap_of_character_pairs():
    assert name_similarity("在校生（人）", "小学在校生（人）") == 1.0
    assert name_similarity("专任教师硕士研究生以上学历比例（％）", "专任教师硕士研究生以上学历比例（%）") == 1.0
    assert name_similarity("新建学校", "义务教育阶段迁建学校") == pytest.approx(2 / 3)
    assert name_similarity("体育特色学校新增", "残疾儿童入学率") == 0.0


@pytest.mark.parametrize(
    ("draft", "matches"),
    [
        (row(), True),
        (row(final_text="98% 以上"), True),                 # spaces do not count
        (row(final_text="98％以上"), True),                 # NFKC: full-width percent
        (row(level="compulsory"), False),                  # another level
        (row(chapter="2"), False),                         # another chapter
        (row(final_text="95%以上"), False),                 # another printed value
        (row(name_zh="普惠性幼儿园覆盖率"), False),          # another name
        (row(name_zh="毛入园率", section="3.2.4"), True),    # a shorter name of the same thing
        (row(kind="milestone", final_text=""), False),     # a milestone is no numeric target
    ],
)
def test_what_counts_as_the_same_commitment(draft, matches):
    assert (compare([draft], [row()]).matched == 1) is matches


def test_levels_agree_with_their_aggregate_and_milestones_ignore_completion_words():
    assert compare([row(level="primary")], [row(level="compulsory")]).matched == 1
    milestone = row(kind="milestone", indicator="milestone", name_zh="完成农村义务教育学校科学布局",
                    final_text="完成", level="compulsory")
    assert compare([{**milestone, "final_text": ""}], [milestone]).matched == 1


def test_recall_and_precision():
    reference = [row(key="a"), row(key="b", name_zh="公办幼儿园在园幼儿占比", final_text="50%以上"),
                 row(key="c", name_zh="规范化幼儿园比例", final_text="95%以上")]
    draft = [row(key="x"), row(key="y", name_zh="规范化幼儿园建设", final_text="95%以上"),
             row(key="z", name_zh="新增学位", final_text="13410个"),
             row(key="w", name_zh="学前教育毛入园率", final_text="98%以上")]  # printed twice
    result = compare(draft, reference)
    assert (result.matched, result.recall, result.precision) == (2, 2 / 3, 2 / 4)
    assert [r["key"] for r in result.missed()] == ["b"]
    assert [r["key"] for r in result.extra()] == ["z", "w"]
    assert result.by_kind() == {"target": (2, 3)}


def test_diff_pairs_by_key_then_by_commitment():
    old = [row(key="a"), row(key="b", name_zh="新增学位", final_text="13410个"),
           row(key="c", name_zh="规范化幼儿园比例", final_text="95%以上")]
    new = [row(key="a"), row(key="s.b", name_zh="义务教育新增学位", final_text="13410个"),
           row(key="c", name_zh="规范化幼儿园比例", final_text="90%以上"),
           row(key="d", name_zh="残疾儿童少年入学率", final_text="97%", level="special")]
    diff = diff_rows(new, old)
    assert diff.same == 1
    assert [(n["key"], o["key"], cols) for n, o, cols in diff.changed] == [
        ("c", "c", ["final_text"]), ("s.b", "b", ["name_zh"])]
    assert [r["key"] for r in diff.added] == ["d"]
    assert diff.missing == []
    assert "1 rows agree, 1 added, 0 missing, 2 changed" in diff.summary()


def test_read_rows_names_a_missing_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("key,kind\nx,target\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="missing column"):
        read_rows(path)


# --------------------------------------------------------------------------- writing

PLAN_TEXT = """本规划期为2021-2025年。
第二章 发展目标
一、具体目标
到2025年，学前教育毛入园率达到98%以上。
第三章 重点任务
一、学前教育
（一）扩大资源
新增学位2000个。
\t专项工程1：名园工程

\t在“十四五”期间，建设一批示范幼儿园。


"""


@pytest.fixture()
def plan_file(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(PLAN_TEXT, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../up", "a/b", "..", ".hidden", "", " x", "c:d"])
def test_a_plan_name_is_a_plain_folder_name(name):
    with pytest.raises(AnalysisError):
        check_plan_name(name)


def test_the_draft_folder_loads_with_the_package_loaders(tmp_path, plan_file):
    written = write_draft(draft_catalogue(plan_file), "demo", tmp_path / "data")
    folder = tmp_path / "data" / "raw" / "demo"
    assert written.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == ["REVIEW.md", "plan.yaml", "targets.csv"]
    assert (folder / "plan.yaml").read_text(encoding="utf-8").startswith("# DRAFT")
    plan = load_plan(folder)
    assert [s.id for s in plan.special_projects()] == ["P1"]
    with open(folder / "targets.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == DRAFT_COLUMNS == [*CATALOGUE_COLUMNS, "wording", "confidence", "paragraph",
                                       "review"]
    catalogue = load_catalogue(folder, plan)
    assert list(catalogue["kind"]) == ["target", "target", "milestone"]
    assert list(catalogue["task"]) == ["", "3.1", "P1"]
    review = (folder / "REVIEW.md").read_text(encoding="utf-8")
    assert review.startswith("# DRAFT catalogue")
    assert "## Rows to check" in review and "sP1.milestone1" in review  # a placeholder


def test_existing_files_are_never_written_over(tmp_path, plan_file):
    folder = tmp_path / "data" / "raw" / "demo"
    folder.mkdir(parents=True)
    hand_made = ("key,kind,chapter,section,task,level,indicator,name_zh,name_en,attribute,measure,"
                 "baseline_text,midterm_text,final_text,deadline,source,quote\n"
                 "s2.1.gross,target,2,2.1,,preschool,gross_enrolment_rate,学前教育毛入园率,,预期性,"
                 "level,,,97%以上,2025,,\n"
                 "s9.x,target,2,2.1,,all,count,别的目标,,预期性,level,,,3所,2025,,\n")
    (folder / "targets.csv").write_text(hand_made, encoding="utf-8")
    (folder / "plan.yaml").write_text("# hand-made\n", encoding="utf-8")
    written = write_draft(draft_catalogue(plan_file), "demo", tmp_path / "data")
    assert (folder / "targets.csv").read_text(encoding="utf-8") == hand_made
    assert (folder / "plan.yaml").read_text(encoding="utf-8") == "# hand-made\n"
    assert written.files["targets"].name == "targets.draft.csv"
    assert written.files["plan"].name == "plan.draft.yaml"
    report = written.report()
    assert "targets.csv exists and is kept" in report
    assert "0 rows agree, 2 added, 1 missing, 1 changed" in report
    assert "final_text '97%以上' → '98%以上'" in report


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True,
                          text=True, timeout=120)


def test_the_commands(tmp_path, plan_file):
    done = run_cli("--data-root", str(tmp_path), "catalogue", "draft", str(plan_file),
                   "--plan", "demo")
    assert done.returncode == 0, done.stderr
    assert "targets.csv (DRAFT: 3 rows" in done.stdout
    draft = tmp_path / "raw" / "demo" / "targets.csv"
    done = run_cli("catalogue", "compare", str(draft), str(draft))
    assert done.returncode == 0
    assert "recall    3/3 = 100.0%" in done.stdout and "precision 3/3 = 100.0%" in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["catalogue", "draft", "PLAN", "--plan", "../escape"], "not a path"),
        (["catalogue", "draft", "missing.docx", "--plan", "demo"], "plan document not found"),
        (["catalogue", "compare", "a.csv", "b.csv"], "file not found"),
        (["catalogue", "draft", "PLAN"], "--plan"),
    ],
)
def test_user_errors_are_one_line_with_status_2(tmp_path, plan_file, args, expected):
    args = [str(plan_file) if a == "PLAN" else a for a in args]
    done = run_cli("--data-root", str(tmp_path), *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert expected in done.stderr
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").iterdir())
