"""Plan words → canonical ids: the level a text speaks of and the indicator a name measures.

Ids come from the vocabulary (:mod:`analysis.core.vocab`); the word lists here only say which
printed words point to which id. Every id named here is checked against the vocabulary
(:func:`check_vocabulary`), so a renamed id fails loudly instead of drafting unknown ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.core import vocab

ALL = "all"

# Printed words naming a level, longest first at each position (中小学 before 小学, 普通高中
# before 高中). ``all`` marks words that span several levels (中小学, 基础教育).
LEVEL_WORDS: tuple[tuple[str, str], ...] = (
    ("高中阶段", "senior_secondary"),
    ("特殊教育", "special"), ("特教", "special"), ("残疾", "special"), ("随班就读", "special"),
    ("义务教育", "compulsory"),
    ("学前教育", "preschool"), ("学前", "preschool"), ("幼儿园", "preschool"),
    ("幼儿", "preschool"), ("入园", "preschool"), ("幼教", "preschool"), ("托幼", "preschool"),
    ("普通高中", "senior_general"), ("高中", "senior_general"),
    ("中等职业", "vocational"), ("中职", "vocational"), ("职业教育", "vocational"),
    ("职业学校", "vocational"), ("职业院校", "vocational"), ("技工学校", "vocational"),
    ("职校", "vocational"),
    ("小学", "primary"), ("初中", "junior"),
    ("高等教育", "higher"), ("高校", "higher"),
    ("中小学", ALL), ("中小幼", ALL), ("基础教育", ALL), ("各级各类", ALL), ("全学段", ALL),
)


def _level_lexicon() -> list[tuple[str, str]]:
    words = dict(LEVEL_WORDS)
    for level, info in vocab.levels().items():
        words.setdefault(info.name_zh, level)
    return sorted(words.items(), key=lambda item: -len(item[0]))


def levels_in(text: str) -> list[str]:
    """Level ids named in ``text``, in order; at each position the longest word wins."""
    lexicon = _level_lexicon()
    found: list[str] = []
    i = 0
    while i < len(text):
        for word, level in lexicon:
            if text.startswith(word, i):
                found.append(level)
                i += len(word)
                break
        else:
            i += 1
    return found


def level_of(text: str) -> str | None:
    """The one level a text speaks of, or None when it names none.

    特殊教育 (disabled children) wins; parts of an aggregate add up to it (小学 + 初中 →
    compulsory); an aggregate absorbs its parts; words spanning levels (中小学) or unrelated
    levels together give ``all``.
    """
    found = levels_in(text)
    if not found:
        return None
    distinct = set(found)
    if "special" in distinct:
        return "special"
    if len(distinct) == 1:
        return found[0]
    if ALL in distinct:
        return ALL
    for aggregate in ("compulsory", "senior_secondary"):
        parts = set(vocab.level_parts(aggregate))
        if distinct <= parts | {aggregate}:
            return aggregate
    return ALL


def levels_agree(a: str, b: str) -> bool:
    """Equal levels, or an aggregate and one of its parts (compulsory ~ primary)."""
    if a == b:
        return True
    return a in vocab.level_parts(b) or b in vocab.level_parts(a)


# --------------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class IndicatorRule:
    """``pattern`` found in a name → ``share`` id for a percentage, ``count`` id otherwise."""

    pattern: str
    share: str | None = None
    count: str | None = None
    money: str | None = None

    def pick(self, unit: str) -> str | None:
        if unit == "fraction":
            return self.share
        if unit in ("yuan", "10k_yuan"):
            return self.money or self.count
        if unit == "rule":
            return self.money or self.share or self.count
        return self.count or (self.share if unit == "" else None)


# Order matters: the first rule whose pattern is found wins.
INDICATOR_RULES: tuple[IndicatorRule, ...] = (
    IndicatorRule(r"(生均|人均|按在校学生人数平均).*教育(经费|支出)|教育(经费|支出).*(生均|人均)",
                  money="per_pupil_education_expenditure"),
    IndicatorRule(r"生均.*(拨款|公用经费)", money="per_pupil_allocation"),
    IndicatorRule(r"教育(经费|支出|拨款).*(占|比例|比重)", share="share_education_expenditure"),
    IndicatorRule(r"(一般公共预算|财政).*教育(经费|支出|拨款)|教育(经费|支出|投入|拨款)",
                  money="education_expenditure"),
    IndicatorRule(r"一般公共预算支出", money="public_budget_expenditure"),
    IndicatorRule(r"优良率", share="fitness_good_rate"),
    IndicatorRule(r"体质.*(达标率|合格率)|体质健康达标", share="fitness_pass_rate"),
    IndicatorRule(r"残疾.*(入学率|入园率|安置率)", share="disabled_enrolment_rate"),
    IndicatorRule(r"毛入(学|园)率", share="gross_enrolment_rate"),
    IndicatorRule(r"入学率|入园率", share="enrolment_rate"),
    IndicatorRule(r"巩固率", share="retention_rate"),
    IndicatorRule(r"升学率", share="progression_rate"),
    IndicatorRule(r"辍学率", share="dropout_rate"),
    IndicatorRule(r"录取率", share="admission_rate"),
    IndicatorRule(r"(研究生|硕士)", share="share_teachers_postgraduate",
                  count="teachers_postgraduate"),
    IndicatorRule(r"本科", share="share_teachers_bachelor_plus", count="teachers_bachelor"),
    IndicatorRule(r"(大专|专科)", share="share_teachers_associate_plus",
                  count="teachers_associate"),
    IndicatorRule(r"规范化(幼儿)?园", share="share_schools_standardised",
                  count="schools_standardised"),
    IndicatorRule(r"普惠.*(比率|占比|比例|覆盖率)", share="share_enrolment_inclusive"),
    IndicatorRule(r"公办(幼儿)?园.*(比率|占比|比例)", share="share_enrolment_public"),
    IndicatorRule(r"新增.*学位|学位", count="places_added"),
    IndicatorRule(r"(新建|改扩建|改（扩）建|扩建|迁建|重建|配套建设).*(学校|校|园)$|"
                  r"(学校|校|园)(新建|改扩建|扩建|迁建)$", count="projects_completed"),
    IndicatorRule(r"覆盖率|全覆盖|全达标", share="coverage"),
    IndicatorRule(r"在园(幼儿)?(人数|幼儿)|在校(学)?生|在校学生|学生规模|在园规模|在校生规模",
                  count="enrolment"),
    IndicatorRule(r"招生(人数|数|规模)", count="entrants"),
    IndicatorRule(r"毕业生", count="graduates"),
    IndicatorRule(r"专任教师(总)?(数|人数)", count="teachers_fulltime"),
    IndicatorRule(r"教职工(总)?(数|人数)", count="staff"),
    IndicatorRule(r"(学校|幼儿园|园)(总)?数|学校数", count="schools"),
    IndicatorRule(r"班(级)?数", count="classes"),
    IndicatorRule(r"出生人口", count="births"),
)
_COUNT_UNITS = frozenset({"schools", "units", "persons", "classes", "person_times", "places",
                          "projects"})
_GENERIC = frozenset({"count", "coverage", "milestone"})
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def check_vocabulary() -> list[str]:
    """Ids named by the rules that the vocabulary lacks (empty when all are known)."""
    named = {i for rule in INDICATOR_RULES for i in (rule.share, rule.count, rule.money) if i}
    return sorted(i for i in named | _GENERIC if not vocab.is_indicator(i))


def indicator_for(name: str, unit: str) -> str | None:
    """The indicator id a printed name measures, given the unit its value is printed in.

    ``unit`` is the unit of the printed value (``fraction`` for a percentage, ``schools`` …,
    ``rule`` for a rule phrase, ``""`` when unknown). The rules above are tried in order; then
    the vocabulary's own Chinese names (the longest one contained in the name); then the
    generic ``count`` for a number of named things. None when nothing fits.
    """
    for rule in INDICATOR_RULES:
        if re.search(rule.pattern, name):
            picked = rule.pick(unit)
            if picked and _fits(picked, unit):
                return picked
    plain = _BRACKETS.sub("", name)
    best: tuple[int, str] | None = None
    for indicator, info in vocab.indicators().items():
        if indicator in _GENERIC:
            continue
        word = _BRACKETS.sub("", info.name_zh)
        if len(word) >= 3 and word in plain and _fits(indicator, unit):
            if best is None or len(word) > best[0]:
                best = (len(word), indicator)
    if best:
        return best[1]
    if unit in _COUNT_UNITS:
        return "count"
    return None


def _fits(indicator: str, unit: str) -> bool:
    """Whether a value printed in ``unit`` can be read for ``indicator`` by the loader."""
    expected = vocab.unit(indicator)
    if unit in ("", "rule"):
        return True
    if unit == "fraction":
        return expected == "fraction"
    if unit in ("yuan", "10k_yuan"):
        return expected in ("yuan", "10k_yuan")
    return expected not in ("fraction", "yuan", "10k_yuan")
