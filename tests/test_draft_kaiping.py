"""The drafter on the Kaiping plan text against the hand-made catalogue and plan.yaml.

The plan text is the seed document (a word-processor export, the indicator table printed one
cell per TAB line); the test is skipped when the seed is not on this machine. Measured figures
(docs/catalogue_draft.md): recall 81/81, precision 81/82.
"""

from __future__ import annotations

import pytest

from analysis.clean.catalogue import load_catalogue, parse_catalogue
from analysis.clean.plan import load_plan
from analysis.core.paths import PROJECT_ROOT
from analysis.draft.build import draft_catalogue
from analysis.draft.compare import compare, normalise_value, read_rows
from analysis.draft.write import write_draft

KAIPING = PROJECT_ROOT / "data" / "raw" / "kaiping"
SEED = KAIPING / "plan.txt"  # the plan document as published (text), kept with the plan


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    written = write_draft(draft_catalogue(SEED), "kaiping_draft", root)
    return written.folder


@pytest.fixture(scope="module")
def comparison(folder):
    return compare(read_rows(folder / "targets.csv"), read_rows(KAIPING / "targets.csv"))


def test_recall_and_precision_against_the_hand_made_catalogue(comparison):
    assert comparison.recall >= 0.95, comparison.missed()
    assert comparison.precision >= 0.90, comparison.extra()
    # the measured figures
    assert (comparison.matched, len(comparison.reference), len(comparison.draft)) == (81, 81, 82)
    assert comparison.by_kind() == {"table": (17, 17), "target": (40, 40), "rule": (3, 3),
                                    "milestone": (21, 21)}


def test_every_table_row_with_every_printed_value(comparison):
    table = [(i, j) for i, j in comparison.pairs if comparison.reference[j]["kind"] == "table"]
    assert len(table) == 17
    for i, j in table:
        draft, reference = comparison.draft[i], comparison.reference[j]
        for column in ("baseline_text", "midterm_text", "final_text"):
            assert draft[column] == reference[column] or normalise_value(
                draft[column]) == normalise_value(reference[column])
        assert (draft["level"], draft["indicator"], draft["section"], draft["source"]) == (
            reference["level"], reference["indicator"], reference["section"], reference["source"])


def test_matched_rows_agree_on_section_level_and_indicator(comparison):
    for i, j in comparison.pairs:
        draft, reference = comparison.draft[i], comparison.reference[j]
        assert (draft["section"], draft["level"], draft["indicator"], draft["task"]) == (
            reference["section"], reference["level"], reference["indicator"], reference["task"]
        ), (draft["key"], reference["key"])


def test_the_one_extra_row_is_a_quantified_sentence_of_special_project_7(comparison):
    assert [(r["section"], r["final_text"]) for r in comparison.extra()] == [("P7", "100%")]


def test_the_outline_is_the_hand_made_plan_yaml(folder):
    drafted, hand_made = load_plan(folder), load_plan(KAIPING)
    assert (drafted.name_zh, drafted.base_year, drafted.midterm_year, drafted.target_year) == (
        hand_made.name_zh, hand_made.base_year, hand_made.midterm_year, hand_made.target_year)

    def shape(plan):
        return [(s.id, s.kind, s.parent, s.located_in, s.title_zh) for s in plan.all_sections()]

    assert shape(drafted) == shape(hand_made)
    assert [c.title_zh for c in drafted.chapters] == [c.title_zh for c in hand_made.chapters]


def test_the_draft_loads_and_parses_as_a_catalogue(folder):
    catalogue = load_catalogue(folder)
    targets = parse_catalogue(catalogue)
    assert len(catalogue) == 82 and len(targets) == 83  # the pair row splits in two
    rules = targets[targets["kind"] == "rule"]
    assert list(rules["rule"]) == ["non_decreasing"] * 3
    wording = {r["key"]: r["wording"] for r in read_rows(folder / "targets.csv")}
    assert wording["s4.2.share_education_expenditure"] == "soft"  # 努力实现…逐年只增不减
    assert wording["s4.2.education_expenditure"] == "firm"  # 确保…逐年只增不减
