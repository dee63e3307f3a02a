"""Qualitative commitments as milestone rows (kind ``milestone``, indicator ``milestone``).

The catalogue holds milestones as rows of ``targets.csv`` (docs/catalogue.md); their progress
is logged by hand in ``milestones.csv`` under the row's key. A clause without a number is a
milestone when it (docs/catalogue_draft.md, "Milestones"):

1. issues a document: ``制定《…实施办法》`` (制定 / 出台 / 印发 / 修订 / 编制 + 《》);
2. wins a quoted title: ``创建“国家义务教育优质均衡县”和“国家学前教育普及普惠县”`` — one
   row per title;
3. builds a named school without a number: ``新建符合标准的特殊教育学校``,
   ``加快推进标准化特殊教育学校迁建``;
4. compares with a benchmark: ``职普比大体相当``, ``超过省平均水平``;
5. is *dated* and headed by a verb of result: ``到2025年，严格按照省定标准控制班额``,
   ``2022年底前完成所有公办学校的章程核准``, ``到“十四五”末，建成…龙头学校`` — the first such
   clause after the deadline in its segment (later clauses of a segment are its purposes).

A special project (专项工程) whose text gives nothing of the above gets one placeholder row
from its most commitment-like clause, so that every project has a key the milestones log can
refer to. Milestones printed twice in a chapter (总体目标 and 具体目标) are one row (see
:func:`analysis.draft.build.merge_duplicates`).
"""

from __future__ import annotations

import re

from analysis.draft import grammar as g
from analysis.draft.naming import level_of
from analysis.draft.prose import (
    ProseResult,
    Years,
    body_paragraphs,
    clause_level,
    quote,
    segment_wording,
)
from analysis.draft.rows import DraftRow
from analysis.draft.structure import Outline, Placed

_QUOTED = re.compile(r"“([^”]{2,30})”")
_SCHOOL = re.compile(r"学校|校区|幼儿园|中心|[校园]$")
_MEASURE = re.compile(r"一(支|批|个|所|套)")
_MODIFIER = re.compile(r"^(具有|能够|能|符合|适应|体现|富有|兼具|充满)")
_FOOTNOTE = re.compile(r"〔\d+〕|\[\d+\]")
_COMPLETION = ("完成", "建成", "核准", "通过验收", "创建成功")


def _clean(text: str) -> str:
    """A milestone's name: the clause without deadline, adverbs and a leading 保持/实现."""
    name = g.strip_adverbs(g.strip_deadline(_FOOTNOTE.sub("", text)))
    for verb in ("保持", "使"):
        if name.startswith(verb) and len(name) > len(verb) + 2:
            name = g.strip_adverbs(name[len(verb):])
    return name.strip("，,、 ")


def _from_verb(text: str, verbs: tuple[str, ...]) -> str:
    found = g.first_verb(text, verbs)
    return text[found[0]:] if found else text


class _Finder:
    def __init__(self, outline: Outline, years: Years) -> None:
        self.outline = outline
        self.years = years
        self.rows: list[DraftRow] = []

    def row(self, placed: Placed, clause: g.Clause, name: str, confidence: float, *,
            level: str | None = None, final: str = "", text: str | None = None) -> DraftRow:
        loc = placed.location
        row = DraftRow(
            kind="milestone", chapter=loc.chapter or 0, section=loc.section or "",
            task=self.outline.task_of(loc.section),
            level=level or clause_level(self.outline, placed, clause), indicator="milestone",
            name_zh=name, measure="milestone", final_text=final,
            deadline=clause.deadline or self.years.target, source=loc.source,
            quote=text or quote(clause), wording=segment_wording(clause), confidence=confidence,
            paragraph=loc.paragraph,
        )
        self.rows.append(row)
        return row

    def clause(self, placed: Placed, clause: g.Clause, later: list[g.Clause], slot: set) -> None:
        text = clause.text
        segment = (clause.sentence_no, clause.segment_no)
        # 1. a document to issue
        found = g.first_verb(text, g.DOCUMENT_VERBS)
        if (found and "《" in text[found[0]:] and not text[found[0] + len(found[1]):].startswith("的")
                and g.head_verb(text[: found[0]]) not in g.PROCESS_VERBS):
            end = text.rfind("》") + 1
            self.row(placed, clause, text[found[0]:end], 0.7)
            slot.add(segment)
            return
        # 2. quoted titles to win
        found = g.first_verb(text, g.ACCREDIT_VERBS)
        if found:
            rest = text[found[0] + len(found[1]):]
            titles = list(_QUOTED.finditer(rest))
            if titles and titles[0].start() == 0 and re.fullmatch(
                    r"(“[^”]+”(?:〔#?\d*〕)?[和、及与]?)+", g.mask(rest).strip()):
                for m in titles:
                    title = m.group(1)
                    self.row(placed, clause, f"{found[1]}“{title}”", 0.7,
                             level=level_of(title) or None)
                slot.add(segment)
                return
        # 3. a school to build
        found = g.first_verb(text, g.BUILD_VERBS)
        if found and _SCHOOL.search(text):
            name = g.strip_adverbs(_strip_process(_clean(text)))
            self.row(placed, clause, name, 0.65)
            slot.add(segment)
            return
        # 4. a benchmark
        if (m := g.COMPARATIVE.search(text)) and m.start() > 0:
            self.row(placed, clause, _clean(text), 0.65)
            slot.add(segment)
            return
        # 5. dated and headed by a verb of result
        if not clause.dated or segment in slot:
            return
        body = g.strip_adverbs(g.strip_deadline(text))
        head = g.head_verb(body)
        if head not in g.RESULT_VERBS:
            return
        name, text_quote = _run_on(body, clause, later)
        final = head if head in _COMPLETION else ""
        self.row(placed, clause, _clean(name), 0.6, final=final, text=text_quote)
        slot.add(segment)

    def placeholder(self, project: str) -> None:
        """One milestone row for a special project that has no row of its own."""
        paragraphs = [(i, p) for i, p in body_paragraphs(self.outline)
                      if p.location.section == project]
        candidates: list[tuple[int, Placed, g.Clause, list[g.Clause]]] = []
        for _, placed in paragraphs:
            clauses = g.clauses_of(placed.text, base_year=self.years.base,
                                   target_year=self.years.target)
            for n, clause in enumerate(clauses):
                if clause.skip or g.values_in(g.mask(clause.text)):
                    continue
                body = g.strip_adverbs(g.strip_deadline(clause.text))
                head = g.head_verb(body)
                if not head:
                    continue
                later = [c for c in clauses[n + 1:] if c.segment_no == clause.segment_no
                         and c.sentence_no == clause.sentence_no]
                rank = 0 if clause.dated else 1 if _MEASURE.search(body) else 2
                candidates.append((rank, placed, clause, later))
        if not candidates:
            return
        rank, placed, clause, later = min(candidates, key=lambda c: c[0])
        body = g.strip_adverbs(g.strip_deadline(clause.text))
        name, text_quote = _run_on(body, clause, later)
        head = g.head_verb(body) or ""
        name = _from_verb(name, (head,)) if head else name
        row = self.row(placed, clause, _clean(name), 0.4, text=text_quote)
        row.flag("placeholder milestone for a special project that states no number: "
                 "check the wording")


def _strip_process(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for verb in (*g.PROCESS_VERBS, "加快推进"):
            if name.startswith(verb) and len(name) > len(verb) + 2:
                name, changed = name[len(verb):], True
    return name


def _run_on(body: str, clause: g.Clause, later: list[g.Clause]) -> tuple[str, str]:
    """A name whose object runs on over commas (``培养一支具有…，能够…，带动…的…名师队伍``):
    the verb, the measure word and the head noun after the last 的; and the quote."""
    base_quote = quote(clause)
    m = _MEASURE.search(body)
    if m is None or "的" in body[m.end():] or not _MODIFIER.match(body[m.end():]):
        return body, base_quote
    for nxt in later:
        if "的" in nxt.text:
            head = nxt.text[nxt.text.rfind("的") + 1:]
            return body[: m.end()] + head, f"{base_quote}……{nxt.text[-30:]}"
    return body, base_quote


def milestone_rows(outline: Outline, years: Years, prose: ProseResult) -> list[DraftRow]:
    """Milestones from the clauses the prose reading left, then project placeholders."""
    finder = _Finder(outline, years)
    for index, placed in body_paragraphs(outline):
        clauses = g.clauses_of(placed.text, base_year=years.base, target_year=years.target)
        slot: set[tuple[int, int]] = set()
        for n, clause in enumerate(clauses):
            segment = (clause.sentence_no, clause.segment_no)
            if (index, clause.start) in prose.used:
                if clause.dated:
                    slot.add(segment)
                continue
            if clause.skip or g.values_in(g.mask(clause.text)):
                continue
            later = [c for c in clauses[n + 1:]
                     if (c.sentence_no, c.segment_no) == segment]
            finder.clause(placed, clause, later, slot)
    with_rows = {r.section for r in [*prose.rows, *finder.rows]}
    for section in outline.sections():
        if section.kind == "special_project" and section.id not in with_rows:
            finder.placeholder(section.id)
    return finder.rows
