"""The grammar of Chinese plan phrasing that the drafter reads (docs/catalogue_draft.md).

A paragraph is cut into sentences (。！？), a sentence into segments (；) and a segment into
clauses (，：) — never inside 《》“”（）. Each :class:`Clause` carries what governs it:

* a **deadline**: ``到2025年`` / ``2025年前`` / ``2022年底前`` / ``在“十四五”期间`` /
  ``到“十四五”末`` / ``五年内``. A deadline governs its own clause and the clauses after it in
  the same sentence; a clause is *dated* when a deadline precedes it in the same segment;
* an **item**: ``一是…`` / ``二是…`` sentences open an item whose words (a level) carry to the
  sentences after it in the paragraph;
* a **skip** reason: a purpose (``为…``), a past fact (``“十三五”期间``, ``已``), a conditional
  or encouraged action (``鼓励…``, ``有条件的``), a deadline outside the plan period.

Numbers inside 《书名》, “quoted names”, 〔footnotes〕 and document numbers (国办发〔2019〕29号)
are masked, so ``《3-6岁儿童学习与发展指南》`` or ``“5080”攻坚工程`` are never values.

:func:`values_in` finds printed values: a number with a unit (``%``, ``所``, ``人``, ``个``,
``万``…), optionally a comparator before (``不低于``) or after (``以上``, ``左右``). A number
followed by 年/月/日/号/岁, part of a range (``1-3项``), glued to a letter (``5G``) or an
ordinal (``第3名``) is no value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.core.wording import wording_of

# --------------------------------------------------------------------------- lexicon

VALUE_VERBS: tuple[str, ...] = (
    "保持在", "控制在", "稳定在", "提高到", "提高至", "提升到", "提升至", "增加到", "增加至",
    "增长到", "增长至", "扩大到", "扩大至", "降低到", "降低至", "下降到", "下降至", "减少到",
    "达到", "达至", "增至", "降至", "保持", "达",
)
"""Verbs between a subject and its value: ``毛入园率达到98%以上``."""

INCREASE_VERBS: tuple[str, ...] = (
    "新增", "培育", "培养", "获批", "增加", "引进", "招聘", "补充", "遴选", "评选", "认定",
    "培训",
)
"""Verbs of a rise over the base year (measure ``increase``)."""

BUILD_VERBS: tuple[str, ...] = (
    "改（扩）建", "改(扩)建", "改扩建", "新改扩建", "配套建设", "新建", "扩建", "迁建", "重建",
)
"""Building works (measure ``cumulative``, indicator ``projects_completed`` for schools)."""

OBJECT_VERBS: tuple[str, ...] = (
    *BUILD_VERBS, *INCREASE_VERBS, "建成", "建设", "打造", "拥有", "创建", "创成", "建立",
    "组建", "设立", "开设", "完成", "实现", "办好", "建好", "形成",
)
"""Verbs that take a counted object: ``建成1个…工作室``, ``获批…10所``."""

RESULT_VERBS: tuple[str, ...] = (
    "建成", "创建", "争创", "创成", "完成", "形成", "实现", "建立", "建设", "打造", "控制",
    "新建", "迁建", "通过",
)
"""Head verbs of a dated qualitative commitment (a milestone when a deadline governs it)."""

PROCESS_VERBS: tuple[str, ...] = (
    "推进", "推动", "加强", "深化", "探索", "鼓励", "支持", "引导", "注重", "落实", "开展",
    "完善", "健全", "促进", "强化", "优化", "发挥", "坚持", "重视", "贯彻", "组织", "创新",
    "扩大", "加大", "规范", "统筹", "严禁", "加快", "营造", "构建", "保障", "满足", "指导",
    "关注", "整合", "巩固", "拓展", "实施", "做好", "抓好", "推广", "普及", "发展", "增强",
    "研究", "提升", "提高", "倡导", "聚焦", "提供", "宣传", "参与", "带动", "辐射", "取得",
)
"""Verbs of an ongoing effort: a coverage word or qualitative goal they govern is no target.
Prepositions (按照, 根据, 依托, 通过…) are not verbs here: ``按照省定标准控制班额`` is headed by
控制."""

DOCUMENT_VERBS: tuple[str, ...] = ("制定", "出台", "印发", "修订", "编制")
"""``制定《…实施办法》``: a document to issue (a milestone)."""

ACCREDIT_VERBS: tuple[str, ...] = ("成功创建", "争创", "创建", "创成", "建成", "成为")
"""``创建“国家义务教育优质均衡县”``: a title to win (a milestone per quoted title)."""

QUANTIFIERS: tuple[str, ...] = ("所有", "每一所", "每一个", "每个", "每所", "全部")
"""Every unit named meets it: a coverage target printed as 100 %."""

COVERAGE_VERBS: tuple[str, ...] = (
    "达到", "配齐", "配足", "配备", "完成", "实现", "建成", "建有", "设有", "达标", "覆盖",
    "开齐", "开足", "具备", "通过",
)
"""Verbs a quantified subject must meet (``所有普通高中配齐…``, ``每个镇（街）完成…``)."""

FULL_WORDS: tuple[str, ...] = ("全部达标", "全达标")
"""Whole-coverage words printed instead of 所有 (``实现基本办学条件全达标``)."""

COMPARATIVE = re.compile(
    r"(大体相当|基本相当|基本持平|(?:超过|高于|不低于|达到)(?:全)?(?:省|国|全国|全省)(?:的)?平均水平)"
)
"""Qualitative comparisons with a benchmark: ``职普比大体相当``, ``超过省平均水平``."""

ADVERBS: tuple[str, ...] = (
    "力争", "争取", "努力", "确保", "保证", "务必", "必须", "预计", "计划", "拟", "要", "将",
    "把", "全市", "全区", "全县", "全省", "全镇", "本市", "我市", "本区", "本县",
    "全面", "进一步", "逐步", "成功", "有效", "切实", "积极", "大力", "继续", "力求", "累计",
    "共", "均", "再", "总计", "合计", "总共", "同时", "并", "和", "及", "以及", "其中", "使",
    "严格", "按规定", "基本上",
)
"""Words at the start of a clause that are not part of its subject."""

PAST_MARKERS = re.compile(r"已经|已有|现有|共有|截至|截止|目前已|先后|建成了|完成了|达到了")
PURPOSE = re.compile(r"^(为了|为|以便|旨在)")
CONDITIONAL = re.compile(r"^(鼓励|支持|引导|倡导|允许)|有条件的")
ITEM = re.compile(r"^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，,、])")

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}

DEADLINE = re.compile(
    r"(?:到|至|在|于)?\s*(?P<year>(?:19|20)\d{2})\s*年(?P<end>底|末|年底|年末)?"
    r"(?P<before>前|以前|之前)?(?!的|度|秋|春|[0-9])"
    r"|(?:到|至|在|于)?[“\"]?十(?P<fyp>[一二三四五六七八九])五[”\"]?(?:规划)?"
    r"(?P<when>期末|末|期间|时期|以来|内)"
    r"|(?P<span>\d+|[一二三四五六七八九十两]+)年内"
)
"""Deadline phrases (the year is read by :func:`deadline_year`)."""


def fyp_end_year(ordinal: int) -> int:
    """The last year of the n-th five-year plan (the third was 1966–1970): 14 → 2025."""
    return 1970 + 5 * (ordinal - 3)


def chinese_number(text: str) -> int | None:
    """A small Chinese numeral (一 … 九十九) or digits as an int, else None."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def deadline_year(match: re.Match[str], base_year: int) -> int:
    """The year a :data:`DEADLINE` match names (``五年内`` counts from the base year)."""
    if match.group("year"):
        return int(match.group("year"))
    if match.group("fyp"):
        return fyp_end_year(10 + (chinese_number(match.group("fyp")) or 0))
    span = chinese_number(match.group("span")) or 0
    return base_year + span


# --------------------------------------------------------------------------- masking


_OPEN_CLOSE = {"《": "》", "“": "”", "〔": "〕", "[": "]", "（": "）", "(": ")", "「": "」"}
_MASKED_INSIDE = {"《", "“", "〔", "[", "「"}
_DOC_NUMBER = re.compile(r"[〔\[]\d{4}[〕\]]\d+号|\d+号")


def mask(text: str) -> str:
    """``text`` with digits inside 《》“”〔〕 and in document numbers replaced by ``#``; same
    length, so positions in the mask are positions in the text."""
    chars = list(text)
    stack: list[str] = []
    for i, ch in enumerate(text):
        if stack and ch == _OPEN_CLOSE[stack[-1]]:
            stack.pop()
            continue
        if ch in _OPEN_CLOSE and ch != "”":
            stack.append(ch)
            continue
        if ch.isdigit() and any(s in _MASKED_INSIDE for s in stack):
            chars[i] = "#"
    masked = "".join(chars)
    for m in _DOC_NUMBER.finditer(masked):
        masked = masked[: m.start()] + re.sub(r"\d", "#", m.group()) + masked[m.end():]
    return masked


def mask_quoted(text: str) -> str:
    """``text`` with everything inside “” blanked (``□``): a slogan such as “全覆盖、零拒绝”
    is no coverage target."""
    out, depth = [], 0
    for ch in text:
        if ch == "“":
            depth += 1
            out.append(ch)
        elif ch == "”" and depth:
            depth -= 1
            out.append(ch)
        else:
            out.append("□" if depth else ch)
    return "".join(out)


# --------------------------------------------------------------------------- splitting


@dataclass(frozen=True)
class Span:
    """A piece of a paragraph: ``text`` starts at offset ``start``."""

    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def split(span: Span, stops: str) -> list[Span]:
    """Cut ``span`` after each stop character that is not inside brackets or quotes."""
    pieces: list[Span] = []
    stack: list[str] = []
    begin = 0
    text = span.text
    for i, ch in enumerate(text):
        if stack and ch == _OPEN_CLOSE[stack[-1]]:
            stack.pop()
        elif ch in _OPEN_CLOSE and ch != "”":
            stack.append(ch)
        elif ch in stops and not stack:
            pieces.append(Span(span.start + begin, text[begin:i + 1]))
            begin = i + 1
    if begin < len(text):
        pieces.append(Span(span.start + begin, text[begin:]))
    return [p for p in pieces if p.text.strip(stops + " ")]


SENTENCE_STOPS = "。！？!?"
SEGMENT_STOPS = "；;"
CLAUSE_STOPS = "，,：:"


def body(text: str) -> str:
    """A piece without its closing punctuation and surrounding spaces."""
    return text.strip().rstrip(SENTENCE_STOPS + SEGMENT_STOPS + CLAUSE_STOPS + "、").strip()


@dataclass
class Clause:
    """A clause with what governs it (see the module docstring)."""

    text: str
    start: int
    sentence: str
    segment: str
    sentence_no: int
    segment_no: int
    item: str = ""
    deadline: int | None = None
    deadline_text: str = ""
    dated: bool = False
    own_deadline: bool = False
    skip: str = ""

    @property
    def masked(self) -> str:
        return mask(self.text)


def clauses_of(text: str, *, base_year: int, target_year: int) -> list[Clause]:
    """Every clause of a paragraph with its deadline, item and skip reason."""
    result: list[Clause] = []
    item = ""
    for s_no, sentence in enumerate(split(Span(0, text), SENTENCE_STOPS)):
        sentence_text = body(sentence.text)
        if ITEM.match(sentence_text.lstrip()):
            item = sentence_text
        deadline: int | None = None
        deadline_text = ""
        out_of_period = ""
        for g_no, segment in enumerate(split(sentence, SEGMENT_STOPS)):
            segment_text = body(segment.text)
            conditional = bool(CONDITIONAL.search(segment_text.lstrip()))
            dated = False
            for piece in split(segment, CLAUSE_STOPS):
                clause_text = body(piece.text)
                if not clause_text:
                    continue
                offset = piece.start + (len(piece.text) - len(piece.text.lstrip()))
                own = False
                for m in DEADLINE.finditer(mask(clause_text)):
                    year = deadline_year(m, base_year)
                    deadline, deadline_text, own = year, m.group().strip(), True
                    if year > target_year:
                        out_of_period = f"deadline {year} after the plan period"
                    elif year <= base_year:
                        out_of_period = f"{year} is not after the base year (a past fact)"
                    else:
                        out_of_period = ""
                    dated = True
                clause = Clause(
                    text=clause_text, start=offset, sentence=sentence_text,
                    segment=segment_text, sentence_no=s_no, segment_no=g_no, item=item,
                    deadline=deadline, deadline_text=deadline_text, dated=dated,
                    own_deadline=own,
                )
                if out_of_period:
                    clause.skip = out_of_period
                elif conditional:
                    clause.skip = "an encouraged or conditional action (鼓励, 支持, 有条件的)"
                elif PURPOSE.match(clause_text):
                    clause.skip = "a purpose (为…)"
                elif PAST_MARKERS.search(clause_text):
                    clause.skip = "a past fact"
                result.append(clause)
    return result


def strip_deadline(text: str) -> str:
    """The clause without its deadline phrase."""
    return DEADLINE.sub("", text, count=1) if DEADLINE.search(mask(text)) else text


def strip_adverbs(text: str) -> str:
    """Leading adverbs, place words and modal verbs removed (``确保全市`` → ``""``)."""
    words = sorted(ADVERBS, key=len, reverse=True)
    changed = True
    text = text.strip(" ，,、")
    while changed and text:
        changed = False
        if text.startswith("基本") and first_verb(text[2:4], (*RESULT_VERBS, *VALUE_VERBS,
                                                               *COVERAGE_VERBS)) == (0, text[2:4]):
            text, changed = text[2:], True  # 基本实现 (an adverb), not 基本办学条件 (a noun)
            continue
        for word in words:
            if text.startswith(word) and not _is_verb_start(text, word):
                text = text[len(word):].strip(" ，,、")
                changed = True
                break
    return text


def _is_verb_start(text: str, word: str) -> bool:
    """``新增…`` must keep 新; ``将全市…`` drops 将 (a word only, never a verb's first half)."""
    return any(text.startswith(v) and len(v) > len(word) for v in (*OBJECT_VERBS, *VALUE_VERBS,
                                                                    *RESULT_VERBS))


def first_verb(text: str, verbs: tuple[str, ...]) -> tuple[int, str] | None:
    """The leftmost (then longest) of ``verbs`` in ``text``: ``(position, verb)``."""
    best: tuple[int, str] | None = None
    for verb in verbs:
        pos = text.find(verb)
        if pos >= 0 and (best is None or (pos, -len(verb)) < (best[0], -len(best[1]))):
            best = (pos, verb)
    return best


def head_verb(text: str) -> str | None:
    """The first verb of a clause among every verb list (which kind of action it states)."""
    found = first_verb(text, (*RESULT_VERBS, *PROCESS_VERBS, *OBJECT_VERBS, *VALUE_VERBS,
                              *DOCUMENT_VERBS, *COVERAGE_VERBS))
    return found[1] if found else None


def wording(text: str) -> str:
    """``firm`` (确保), ``soft`` (力争, 努力实现) or ``""`` for a plain statement: the package's
    one reading, :func:`analysis.core.wording.wording_of` (a plain 达到 does not bind like 确保)."""
    return wording_of(text)


# --------------------------------------------------------------------------- values


PREFIX_COMPARATORS: tuple[str, ...] = (
    "不低于", "不少于", "不小于", "不高于", "不超过", "不多于", "不大于", "至少", "超过", "高于",
    "大于", "低于", "小于", "少于", "大约", "将近", "接近", "约", "近",
)
SUFFIX_COMPARATORS: tuple[str, ...] = ("及以上", "以上", "及以下", "以下", "以内", "左右", "上下")
MEASURE_WORDS: tuple[str, ...] = (
    "万人次", "万人", "万元", "亿元", "人次", "平方米", "学时", "课时", "人", "名", "所", "间",
    "个", "项", "班", "元", "家", "座", "支", "台", "套", "亩",
)
"""Measure words a value may carry; those without a unit below (家, 学时, 平方米…) are not
read by the value parser (:mod:`analysis.core.quantities`): such rows are drafted and flagged."""
_UNIT_OF = {"%": "fraction", "％": "fraction", "‰": "fraction", "万元": "10k_yuan",
            "亿元": "10k_yuan", "元": "yuan", "人": "persons", "名": "persons", "万人": "persons",
            "人次": "person_times", "万人次": "person_times", "所": "schools", "间": "schools",
            "个": "units", "项": "units", "班": "classes"}
_NUMBER = re.compile(r"(?<![\d.#A-Za-z])\d+(?:\.\d+)?")
_AFTER = re.compile(
    r"(?P<scale>万|亿|千)?(?P<approx>余|多)?"
    r"(?P<unit>%|％|‰|" + "|".join(MEASURE_WORDS) + r")?"
    r"(?P<suffix>" + "|".join(SUFFIX_COMPARATORS) + r")?"
)
_NOT_A_VALUE = re.compile(r"^(?:[年月日号岁届期级倍:：A-Za-z]|\.\d|\s*[-—–~～至]\s*\d)")
_RANGE_BEFORE = re.compile(r"\d\s*[-—–~～至]\s*$")


@dataclass(frozen=True)
class Value:
    """A printed value: ``text`` as printed (comparators included) at ``start:end``."""

    start: int
    end: int
    text: str
    unit: str


def values_in(text: str) -> list[Value]:
    """The printed values of a (masked) clause, in order; see the module docstring."""
    found: list[Value] = []
    for m in _NUMBER.finditer(text):
        rest = text[m.end():]
        if (_NOT_A_VALUE.match(rest) or _RANGE_BEFORE.search(text[: m.start()])
                or text[: m.start()].endswith("第")):
            continue  # a date, a range, a code such as 5G, an ordinal (第3名)
        after = _AFTER.match(rest)
        assert after is not None
        unit_word = after.group("unit") or ""
        if not unit_word and not after.group("scale"):
            continue  # a bare number (信息化2.0) is no printed target
        end = m.end() + after.end()
        start = m.start()
        for word in PREFIX_COMPARATORS:
            if text[:start].endswith(word):
                start -= len(word)
                break
        unit = _UNIT_OF.get(unit_word, "")  # 学时, 平方米…: no unit the vocabulary counts in
        found.append(Value(start, end, text[start:end], unit))
    return found


FROM_TO = re.compile(
    r"由(?:(?:19|20)\d{2}年的?)?(?P<from>[^，。；由]{0,12}?\d[^，。；]*?)"
    r"(?:提高|提升|增加|增长|扩大|下降|降低|减少)(?:到|至)(?:(?:19|20)\d{2}年的?)?(?P<to>[^，。；]+)$"
)
"""``由2020年的95%提高到2025年的98%``: a baseline and a target in one clause."""
