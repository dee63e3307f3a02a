"""Write the corpus of broken plan folders (run once; the files are committed).

Each case is a tiny plan folder ``<case>/`` — ``plan.yaml``, ``targets.csv``,
``history.csv`` and ``milestones.csv``, no returns — with one defect (or one documented
reading, stage ``ok``), plus ``expected.yaml``: ``stage`` (``run`` — the clean stage refuses
the input — or ``ok``), ``message`` (the parts the error must contain), optionally ``where``
(the error's ``file``, ``row``, ``column``), ``absent`` (text the message must not quote) and,
for ``ok`` cases, ``targets`` (key → final value that must be read).
``tests/test_broken_corpus.py`` runs every case through ``run_clean_stage`` on a copy.

    .venv/bin/python tests/broken_plans/make_corpus.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

PLAN = """\
# A two-section plan used by the broken-plans corpus (not a real plan).
name_zh: 示例县教育发展规划
name_en: Example county education plan
region_zh: 示例县
region_en: Example county
base_year: 2020
midterm_year: 2023
target_year: 2025
illustrative_returns: true
chapters:
  - number: 1
    title_zh: 发展目标
    title_en: Goals
    sections:
      - {id: "1.1", title_zh: 主要指标, title_en: Main indicators, kind: section}
      - {id: "1.2", title_zh: 重点工作, title_en: Key work, kind: section}
"""
TARGET_COLUMNS = ["key", "kind", "chapter", "section", "task", "level", "indicator", "name_zh",
                  "name_en", "attribute", "measure", "baseline_text", "midterm_text",
                  "final_text", "deadline", "source", "quote"]
TARGETS = [
    ["t1.primary.retention", "table", "1", "1.1", "", "primary", "retention_rate",
     "小学五年巩固率", "Primary retention rate", "预期性", "level", "99%", "99.2%", "99.5%",
     "2025", "主要指标表 第1行", "小学五年巩固率达到99.5%"],
    ["t1.charter", "milestone", "1", "1.2", "", "all", "milestone", "学校章程核准",
     "School charters approved", "预期性", "milestone", "", "", "完成", "2022", "第一章 二",
     "完成学校章程核准"],
]
HISTORY_COLUMNS = ["key", "chapter", "section", "level", "indicator", "name_zh", "year",
                   "value_text", "source"]
HISTORY = [["h.primary.retention.2019", "1", "1.1", "primary", "retention_rate",
            "小学五年巩固率", "2019", "98.8%", "第一章 一"]]
MILESTONE_COLUMNS = ["target_key", "date", "status", "quantity", "unit", "description",
                     "source"]
MILESTONES = [["t1.charter", "2022-06", "done", "", "", "全部学校章程完成核准",
               "示例县教育局2022年工作总结"]]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    def quote(cell: str) -> str:
        return f'"{cell}"' if any(c in cell for c in ',"\n') else cell

    return "".join(",".join(quote(c) for c in r) + "\r\n" for r in [header, *rows])


def case(name: str, stage: str, message: list[str], *, files: dict[str, bytes] | None = None,
         where: dict | None = None, absent: list[str] | None = None,
         targets: dict[str, float] | None = None) -> None:
    """A plan folder with the good files, ``files`` replacing some of them (raw bytes)."""
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    good = {
        "plan.yaml": PLAN.encode("utf-8"),
        "targets.csv": csv_text(TARGET_COLUMNS, TARGETS).encode("utf-8"),
        "history.csv": csv_text(HISTORY_COLUMNS, HISTORY).encode("utf-8"),
        "milestones.csv": csv_text(MILESTONE_COLUMNS, MILESTONES).encode("utf-8"),
    }
    for file, data in {**good, **(files or {})}.items():
        (folder / file).write_bytes(data)
    expected: dict[str, object] = {"stage": stage, "message": message}
    for key, value in (("where", where), ("absent", absent), ("targets", targets)):
        if value is not None:
            expected[key] = value
    (folder / "expected.yaml").write_text(yaml.safe_dump(expected, allow_unicode=True),
                                          encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def main() -> None:
    case("plan_ok", "ok", [], targets={"t1.primary.retention": 0.995})

    # 7. A key given twice in plan.yaml names the key and both lines.
    text = PLAN.replace("target_year: 2025\n", "target_year: 2025\nbase_year: 2019\n")
    case("plan_yaml_duplicate_key", "run",
         ["plan.yaml", f"row {line_of(text, 'base_year: 2019')}", "key given twice",
          f"first on line {line_of(text, 'base_year: 2020')}", "'base_year'"],
         files={"plan.yaml": text.encode("utf-8")},
         where={"file": "plan.yaml", "row": line_of(text, "base_year: 2019")})

    # ... aliases are bounded: a "billion laughs" document is refused before it is built,
    # and so is an alias inside the list it names.
    bomb = ["lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    case("plan_yaml_alias_bomb", "run", ["plan.yaml", "billion laughs"],
         files={"plan.yaml": (PLAN + "\n".join(bomb) + "\n").encode("utf-8")},
         where={"file": "plan.yaml"})
    case("plan_yaml_recursive_alias", "run", ["plan.yaml", "refers to the list or mapping"],
         files={"plan.yaml": (PLAN + "loop: &loop [1, *loop]\n").encode("utf-8")},
         where={"file": "plan.yaml"})

    # 8. Wrong types: one clear error naming the line and the key.
    head = PLAN.split("chapters:")[0]
    text = head + "chapters: 5\n"
    case("plan_yaml_chapters_not_a_list", "run",
         ["plan.yaml", f"row {line_of(text, 'chapters: 5')}", "column chapters",
          "expected a list", "got the number 5"],
         files={"plan.yaml": text.encode("utf-8")},
         where={"file": "plan.yaml", "row": line_of(text, "chapters: 5"), "column": "chapters"})
    text = head + ("chapters:\n  - number: 1\n    title_zh: 发展目标\n    title_en: Goals\n"
                   "    sections: \"1.1, 1.2\"\n")
    case("plan_yaml_text_for_a_list", "run",
         ["plan.yaml", f"row {line_of(text, 'sections:')}", "chapters.0.sections",
          "expected a list", "got text", "'1.1, 1.2'"],
         files={"plan.yaml": text.encode("utf-8")},
         where={"file": "plan.yaml", "row": line_of(text, "sections:"),
                "column": "chapters.0.sections"})

    # 8. One encoding detection for every plan file: GB18030 and UTF-16 with a BOM are read.
    case("plan_yaml_gb18030", "ok", [], files={"plan.yaml": PLAN.encode("gb18030")},
         targets={"t1.primary.retention": 0.995})
    targets = csv_text(TARGET_COLUMNS, TARGETS)
    case("targets_gb18030", "ok", [], files={"targets.csv": targets.encode("gb18030")},
         targets={"t1.primary.retention": 0.995})
    case("targets_utf16_with_bom", "ok", [], files={"targets.csv": targets.encode("utf-16")},
         targets={"t1.primary.retention": 0.995})
    case("targets_utf16_without_bom", "run",
         ["targets.csv", "row 1", "UTF-16 without a byte-order mark"],
         files={"targets.csv": targets.encode("utf-16-le")},
         where={"file": "targets.csv", "row": 1})
    # Latin-1 (é before a comma fits neither UTF-8 nor GB18030).
    history = csv_text(HISTORY_COLUMNS, [["h.primary.retention.2019", "1", "1.1", "primary",
                                          "retention_rate", "Taux de réussité", "2019",
                                          "98.8%", "chapitre 1"]])
    case("history_latin1", "run", ["history.csv", "row 2", "neither UTF-8"],
         files={"history.csv": history.encode("latin-1")},
         where={"file": "history.csv", "row": 2}, absent=["Taux", "ussit"])

    # ... a field over the csv module's limit (an unclosed quote) names its line.
    rows = [list(r) for r in TARGETS]
    rows[1][16] = '"完成学校章程核准' + " " * 140_000
    broken = csv_text(TARGET_COLUMNS, TARGETS) + ",".join(rows[1]) + "\r\n"
    case("targets_field_too_long", "run",
         ["targets.csv", "row 4", "longer than 131,072 characters", "unclosed quote"],
         files={"targets.csv": broken.encode("utf-8")},
         where={"file": "targets.csv", "row": 4})
    rows = [list(r) for r in MILESTONES]
    rows[0][5] = '"全部学校章程完成核准' + " " * 140_000
    broken = csv_text(MILESTONE_COLUMNS, []) + ",".join(rows[0]) + "\r\n"
    case("milestones_field_too_long", "run",
         ["milestones.csv", "row 2", "longer than 131,072 characters"],
         files={"milestones.csv": broken.encode("utf-8")},
         where={"file": "milestones.csv", "row": 2})

    # 4. Values the plan prints are held to the bounds the returns are (vocab.bounds): a share
    # above 100 %, a negative count, more schools than the country has.
    rows = [list(r) for r in TARGETS]
    rows[0][13] = "105%"
    case("targets_share_over_100", "run",
         ["targets.csv", "row 2", "column final_text", "105% is not possible",
          "'retention_rate'", "between 0% and 100%"],
         files={"targets.csv": csv_text(TARGET_COLUMNS, rows).encode("utf-8")},
         where={"file": "targets.csv", "row": 2, "column": "final_text"})
    rows = [*TARGETS, ["t1.primary.schools", "target", "1", "1.1", "", "primary", "schools",
                       "小学学校数", "Primary schools", "预期性", "level", "62", "64",
                       "2000000", "2025", "第一章", "小学学校达到2000000所"]]
    case("targets_more_schools_than_china", "run",
         ["targets.csv", "row 4", "column final_text", "2e+06 is not possible", "'schools'"],
         files={"targets.csv": csv_text(TARGET_COLUMNS, rows).encode("utf-8")},
         where={"file": "targets.csv", "row": 4, "column": "final_text"})
    history = [*HISTORY, ["h.primary.enrolment.2019", "1", "1.1", "primary", "enrolment",
                          "小学在校生", "2019", "-500", "第一章 一"]]
    case("history_negative_count", "run",
         ["history.csv", "row 3", "column value_text", "-500 is not possible", "'enrolment'"],
         files={"history.csv": csv_text(HISTORY_COLUMNS, history).encode("utf-8")},
         where={"file": "history.csv", "row": 3, "column": "value_text"})

    # 10. A file that is not a catalogue is named, its first line never quoted.
    case("targets_not_a_catalogue", "run",
         ["targets.csv", "row 1", "missing column(s) key"],
         files={"targets.csv": b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/sbin\n"},
         where={"file": "targets.csv", "row": 1, "column": "key"},
         absent=["root:x", "/bin/bash", "daemon"])


if __name__ == "__main__":
    main()
