"""Quantitative and rule targets in the prose: numbers, 逐年只增不减, 全覆盖, 所有/每个.

Each clause of chapters that are not background is read with the grammar of
:mod:`analysis.draft.grammar` (docs/catalogue_draft.md, "Targets in the prose"):

* ``SUBJECT VERB VALUE`` — ``学前教育毛入园率达到98%以上``, ``在校生规模控制在2万人左右``;
* ``VERB OBJECT VALUE`` — ``新增学位13410个``, ``新建、改扩建中小学校12所``, ``培育…骨干教师20名``;
* ``SUBJECT VERB VALUE`` with a verb of increase — ``体育特色学校新增20所``;
* ``VERB VALUE OBJECT`` — ``建成1个省级名师工作室``, ``打造2所省级示范性特色高中``;
* lists after a value share the verb or the object: ``改（扩）建学校2所、新建2所``,
  ``…2所省级示范性特色高中，4所江门市级…高中``, ``“名校长”3名以上、“名教师”7名以上``;
* ``由…V1提高到…V2`` — a baseline and a target;
* a year-by-year rule phrase of :mod:`analysis.core.rules` (``逐年只增不减``) — a rule row;
* ``全覆盖`` stated by a verb of result (实现…全覆盖; not 推进…全覆盖) — a coverage target;
* ``所有 / 每个 / 全部 … 达到 / 配齐 / 完成`` and ``全达标`` — a coverage target printed
  ``100%`` (the catalogue's convention; the word stays in ``source``).

A bare rate (``达标率达到93%以上`` after ``体质健康优良率达到55%以上``) borrows the words before
the rate in the previous subject (``…体质健康达标率``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.core import rules
from analysis.core.errors import AnalysisError
from analysis.core.quantities import parse_values
from analysis.draft import grammar as g
from analysis.draft.document import Paragraph
from analysis.draft.naming import LEVEL_WORDS, indicator_for, level_of
from analysis.draft.rows import NO_INDICATOR, DraftRow
from analysis.draft.structure import Outline, Placed

MAX_QUOTE = 80
LIGHT_VERBS = ("实现", "使", "让", "推动", "促进")
_BARE_MEASURE = re.compile(r"^.{0,3}(率|比例|占比|比重)$")
_YEARLY = tuple(p for p, c in rules.PHRASES if c in rules.YEARLY_RULES)
_COVERAGE = tuple(p for p, c in rules.PHRASES if c == "full_coverage")


@dataclass(frozen=True)
class Years:
    """The plan's years: baseline, mid-term and target."""

    base: int
    midterm: int
    target: int


@dataclass
class LeftOut:
    """A clause with a number or coverage word that was not drafted, and why."""

    source: str
    text: str
    reason: str


@dataclass
class ProseResult:
    rows: list[DraftRow] = field(default_factory=list)
    used: set[tuple[int, int]] = field(default_factory=set)
    left_out: list[LeftOut] = field(default_factory=list)


def body_paragraphs(outline: Outline) -> list[tuple[int, Placed]]:
    """``(index, placed)`` of the paragraphs whose commitments are drafted: inside a chapter
    that is not background, outside the glossary and appendices."""
    return [(i, p) for i, p in enumerate(outline.placed)
            if isinstance(p.block, Paragraph) and p.location.chapter is not None
            and not outline.is_background(p.location.chapter)]


def clause_level(outline: Outline, placed: Placed, clause: g.Clause) -> str:
    """The level of a clause: its own words, its sentence, its item (一是…), its sections."""
    for text in (clause.text, clause.sentence, clause.item):
        level = level_of(text) if text else None
        if level:
            return level
    for section in outline.chain(placed.location.section):
        level = level_of(section.title)
        if level:
            return level
    return "all"


def quote(clause: g.Clause) -> str:
    text = clause.text
    if clause.deadline_text and not clause.own_deadline:
        text = f"{clause.deadline_text}……{text}"
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 2] + "……"


def segment_wording(clause: g.Clause) -> str:
    """Soft or firm: the words of the segment up to the end of the clause."""
    upto = clause.segment.find(clause.text)
    prefix = clause.segment[: upto + len(clause.text)] if upto >= 0 else clause.text
    return g.wording(prefix)


class _Reader:
    """Reads the clauses of one paragraph into rows."""

    def __init__(self, outline: Outline, years: Years, result: ProseResult) -> None:
        self.outline = outline
        self.years = years
        self.result = result
        self.carry: tuple[str, str] = ("", "")

    def row(self, placed: Placed, clause: g.Clause, *, kind: str, name: str, indicator: str,
            final: str, measure: str, confidence: float, baseline: str = "",
            source_note: str = "", level: str | None = None) -> DraftRow:
        loc = placed.location
        row = DraftRow(
            kind=kind, chapter=loc.chapter or 0, section=loc.section or "",
            task=self.outline.task_of(loc.section),
            level=level or clause_level(self.outline, placed, clause),
            indicator=indicator, name_zh=name, measure=measure, final_text=final,
            baseline_text=baseline, deadline=clause.deadline or self.years.target,
            source=loc.source + source_note, quote=quote(clause),
            wording=segment_wording(clause), confidence=confidence, paragraph=loc.paragraph,
        )
        if not loc.section:
            row.flag("the paragraph sits in no section: choose the section", 0.2)
        if not indicator:
            row.flag(NO_INDICATOR, 0.3)
        self.result.rows.append(row)
        return row

    def paragraph(self, index: int, placed: Placed) -> None:
        text = placed.text or placed.block.text  # type: ignore[union-attr]
        previous_name = ""
        segment = (-1, -1)
        for clause in g.clauses_of(text, base_year=self.years.base, target_year=self.years.target):
            if (clause.sentence_no, clause.segment_no) != segment:
                segment = (clause.sentence_no, clause.segment_no)
                self.carry = ("", "")  # a verb or object carries over the clauses of a segment
            masked = g.mask(clause.text)
            has_number = bool(g.values_in(masked))
            if clause.skip:
                if has_number or any(p in g.mask_quoted(masked) for p in _COVERAGE):
                    self.result.left_out.append(LeftOut(placed.location.source, clause.text,
                                                        clause.skip))
                continue
            before = len(self.result.rows)
            previous_name = self.clause(placed, clause, masked, previous_name)
            if len(self.result.rows) > before:
                self.result.used.add((index, clause.start))

    # -- one clause -------------------------------------------------------------------

    def clause(self, placed: Placed, clause: g.Clause, masked: str, previous_name: str) -> str:
        quoted = g.mask_quoted(masked)
        if self.rule(placed, clause, quoted):
            return previous_name
        if self.coverage(placed, clause, quoted):
            return previous_name
        if (m := g.FROM_TO.search(clause.text)) and self.from_to(placed, clause, m):
            return previous_name
        values = g.values_in(masked)
        if values:
            return self.values(placed, clause, values, previous_name)
        self.quantified(placed, clause, quoted)
        return previous_name

    def rule(self, placed: Placed, clause: g.Clause, quoted: str) -> bool:
        found = self._phrase(placed, clause, quoted, _YEARLY)
        if found is None or found[1] is None:
            return found is not None
        phrase, pos = found
        subject = _subject(clause.text[:pos])
        if not subject:
            return False
        indicator = indicator_for(subject, "rule") or ""
        self.row(placed, clause, kind="rule", name=subject + phrase, indicator=indicator,
                 final=phrase, measure="rule", confidence=0.9)
        return True

    def coverage(self, placed: Placed, clause: g.Clause, quoted: str) -> bool:
        found = self._phrase(placed, clause, quoted, _COVERAGE)
        if found is None or found[1] is None:
            return found is not None
        phrase, pos = found
        subject = _subject(clause.text[:pos]).removesuffix("的")
        if not subject:
            return False
        self.row(placed, clause, kind="target", name=subject + phrase, indicator="coverage",
                 final=phrase, measure="level", confidence=0.85)
        return True

    def _phrase(self, placed: Placed, clause: g.Clause, quoted: str,
                phrases: tuple[str, ...]) -> tuple[str, int | None] | None:
        """The first of ``phrases`` in the clause and where it starts; ``(phrase, None)`` when
        it stands under a verb of effort (recorded as left out, not drafted); None if absent."""
        for phrase in phrases:
            pos = quoted.find(phrase)
            if pos < 0:
                continue
            head = g.head_verb(clause.text[:pos])
            if head in g.PROCESS_VERBS:
                self.result.left_out.append(LeftOut(placed.location.source, clause.text,
                                                    f"{phrase} under a verb of effort ({head})"))
                return phrase, None
            return phrase, pos
        return None

    def from_to(self, placed: Placed, clause: g.Clause, m: re.Match[str]) -> bool:
        subject = _subject(clause.text[: m.start()])
        old, new = m.group("from").strip(), m.group("to").strip()
        if not subject or not g.values_in(g.mask(new)):
            return False
        unit = g.values_in(g.mask(new))[0].unit
        row = self.row(placed, clause, kind="target", name=subject,
                       indicator=indicator_for(subject, unit) or "", final=new, baseline=old,
                       measure="level", confidence=0.85)
        _check_value(row, new)
        return True

    def values(self, placed: Placed, clause: g.Clause, values: list[g.Value],
               previous_name: str) -> str:
        text = clause.text
        if (names := _respective(text, values)) is not None:
            for name, value in zip(names, values, strict=True):
                row = self.row(placed, clause, kind="target", name=name,
                               indicator=indicator_for(name, value.unit) or "", final=value.text,
                               measure="level", confidence=0.75, level=level_of(name))
                row.flag("one of several subjects given values 分别 (respectively): check the "
                         "pairing")
                _check_value(row, value.text)
            return names[-1]
        starts = [0]
        for prev, value in zip(values, values[1:], strict=False):
            between = text[prev.end:value.start]
            cut = between.rfind("、")
            starts.append(prev.end + cut + 1 if cut >= 0 else prev.end)
        ends = [*starts[1:], len(text)]
        last_verb, last_object = self.carry
        for value, start, end in zip(values, starts, ends, strict=True):
            before = text[start:value.start]
            after = text[value.end:end].strip("、，, ")
            found = _structure(before, after, last_verb, last_object)
            if found is None:
                self.result.left_out.append(LeftOut(placed.location.source, text,
                                                     f"no subject for {value.text}"))
                continue
            name, verb, obj, confidence = found
            if _BARE_MEASURE.match(name) and previous_name.endswith(name[-1]) and len(
                    previous_name) > len(name):
                name = previous_name[: -len(name)] + name
                confidence -= 0.1
            indicator = indicator_for(name, value.unit) or ""
            if indicator in ("places_added", "projects_completed"):
                measure = "cumulative"
            elif verb in g.INCREASE_VERBS:
                measure = "increase"
            else:
                measure = "level"
            row = self.row(placed, clause, kind="target", name=name, indicator=indicator,
                           final=value.text, measure=measure, confidence=confidence)
            if name != found[0]:
                row.flag("the subject is completed from the previous clause")
            if confidence < 0.75:
                row.flag("the verb or the object is read from the item before: check the name")
            _check_value(row, value.text)
            last_verb, last_object = verb or last_verb, obj or last_object
            previous_name = name
        self.carry = (last_verb, last_object)
        return previous_name

    def quantified(self, placed: Placed, clause: g.Clause, quoted: str) -> None:
        body = g.strip_adverbs(g.strip_deadline(clause.text))
        for word in g.FULL_WORDS:
            pos = body.find(word)
            if pos > 0:
                subject = _subject(body[:pos])
                if subject:
                    self.row(placed, clause, kind="target", name=subject + "全达标",
                             indicator="coverage", final="100%", measure="level",
                             confidence=0.75, source_note=f"（原文“{word}”）")
                return
        found = g.first_verb(quoted, g.QUANTIFIERS)
        if found is None or not any(v in quoted for v in g.COVERAGE_VERBS):
            return
        head = g.head_verb(clause.text)
        head_pos = g.first_verb(clause.text, (head,))[0] if head else len(clause.text)
        if head in g.PROCESS_VERBS and head_pos < found[0]:
            return
        if head in ("完成", "建成") and head_pos < found[0]:
            return  # 完成所有…的章程核准: a one-off act, drafted as a milestone
        word = found[1]
        name = body.replace(word, "", 1).strip("，, ")
        if not name:
            return
        self.row(placed, clause, kind="target", name=name, indicator="coverage", final="100%",
                 measure="level", confidence=0.75, source_note=f"（原文“{word}”）")


def _subject(text: str) -> str:
    """The subject before a rule or coverage phrase: no deadline, adverbs or light verb."""
    subject = g.strip_adverbs(g.strip_deadline(text))
    for verb in LIGHT_VERBS:
        if subject.startswith(verb) and len(subject) > len(verb) + 1:
            subject = g.strip_adverbs(subject[len(verb):])
            break
    return subject.strip("，,、 ")


def _respective(text: str, values: list[g.Value]) -> list[str] | None:
    """Names for ``A、B…分别达到X、Y``: one subject per value, the shared words repeated
    (``小学、初中专任教师…比例`` → ``小学专任教师…比例``, ``初中专任教师…比例``)."""
    at = text.find("分别")
    if at < 0 or len(values) < 2 or at > values[0].start:
        return None
    if any(text[a.end:b.start].strip() not in ("、", "和", "及", "，") for a, b in
           zip(values, values[1:], strict=False)):
        return None
    subject = _subject(text[:at])
    items = [x for x in subject.split("、") if x]
    if len(items) == 1:
        items = [x for x in re.split(r"[和及与]", subject) if x]
    if len(items) != len(values):
        return None
    lead = next((w for w, _ in sorted(LEVEL_WORDS, key=lambda x: -len(x[0]))
                 if items[-1].startswith(w) and items[0] in dict(LEVEL_WORDS)), None)
    if lead is None:
        return items
    tail = items[-1][len(lead):]
    return [item + tail for item in items[:-1]] + [items[-1]]


def _structure(before: str, after: str, last_verb: str, last_object: str
               ) -> tuple[str, str, str, float] | None:
    """``(name, verb, object, confidence)`` of one value from the words around it."""
    b = g.strip_adverbs(g.strip_deadline(before)).strip("、，, ")
    for verb in sorted(g.VALUE_VERBS, key=len, reverse=True):
        if b.endswith(verb) and len(b) > len(verb):
            subject = _subject(b[: -len(verb)])
            if subject:
                return subject, "", "", 0.85
    found = g.first_verb(b, g.OBJECT_VERBS)
    if found is not None:
        pos, verb = found
        subject, obj = b[:pos].strip(), b[pos + len(verb):].strip()
        if obj:
            return verb + obj, verb, obj, 0.85
        if after:
            return after, verb, after, 0.8
        if subject:
            return subject + verb, verb, subject, 0.85
        if last_object:
            return verb + last_object, verb, last_object, 0.7
        return None
    if after:
        verb_in_after = g.first_verb(after, (*g.OBJECT_VERBS, *g.RESULT_VERBS))
        if verb_in_after is not None or last_verb:
            return after, last_verb, after, 0.8 if verb_in_after else 0.7
        return None
    if b and not b.endswith("的"):  # 占全市人口的15%: the value heads a noun phrase
        return b, last_verb, b, 0.7 if last_verb else 0.6
    return None


def _check_value(row: DraftRow, text: str) -> None:
    try:
        parse_values(text)
    except AnalysisError as exc:
        row.flag(f"value {text!r} is not read by the value parser ({exc.problem})", 0.2)


def prose_rows(outline: Outline, years: Years) -> ProseResult:
    """Targets and rules found in the prose, the clauses they came from, what was left out."""
    result = ProseResult()
    reader = _Reader(outline, years, result)
    for index, placed in body_paragraphs(outline):
        reader.paragraph(index, placed)
    return result
