"""The evaluation report as one document: every section generated from the evaluation.

The structure follows published mid-term reviews of county education plans: title page;
前言 (basis, period, data sources and their vintage, who prepared it); 一、总体评价 (one
judgement paragraph and the targets named per grade); 二、主要进展和成效 (baseline → actual,
by chapter and level); 三、存在的问题及原因 (each shortfall with the gap and the cause the
data show, binding targets first); 四、下一步工作建议 (one per problem, 目标调整建议 where the
models put a target out of reach); 附件 (the indicator table, key tasks and special projects,
data quality, the plan's own inconsistencies, the method). Every sentence comes from a
function the chapter pages use too, so the document and the pages never disagree.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.core import paths
from analysis.core.formatting import chinese_number, format_number, format_share, year_span
from analysis.evaluate.headline import headline
from analysis.evaluate.labels import GROUPS, SCALE_CODES
from analysis.evaluate.note import method_note
from analysis.report.context import ReportContext
from analysis.report.document.model import (
    Contents,
    Document,
    Figure,
    FillIn,
    Heading,
    PageBreak,
    Paragraph,
    Table,
)
from analysis.report.document.narrative import PARTS, read_narrative
from analysis.report.html import _missing, grade_label
from analysis.report.i18n import t
from analysis.report.indicators import (
    _milestone_rows,
    _numeric_rows,
    _target_text,
    progress_plot,
)
from analysis.report.outlook import recommendation_groups
from analysis.report.overall import reasons_text, tally_label
from analysis.report.plan_labels import (
    _level_label,
    _name,
    _note,
    _pick,
    _units,
    chapter_title,
    eval_kind,
    plan_name,
)
from analysis.report.problems import (
    _labelled_name,
    behind_item,
    check_label,
    deviating_item,
    qa_location,
    qa_message,
)


def _numbered(index: int, text: str, lang: str, *, level: int = 1) -> str:
    """``一、总体评价`` / ``（一）学前教育`` / ``1. Overall``."""
    if lang != "zh":
        return f"{index}. {text}"
    numeral = chinese_number(index)
    return f"{numeral}、{text}" if level == 1 else f"（{numeral}）{text}"


def compose_report(ctx: ReportContext, *, today: date | None = None) -> Document:
    """The whole evaluation report of ``ctx`` (a context of the whole plan)."""
    lang = ctx.lang
    narrative = read_narrative(paths.raw_plan_dir(ctx.plan, ctx.data_root or None))
    doc = Document(
        title=plan_name(ctx), subtitle=t("doc.subtitle", lang, kind=eval_kind(ctx)), lang=lang,
        date_line=_date_line(narrative, lang, today),
        illustrative=t("banner.illustrative", lang) if ctx.illustrative else "",
        facts=[(t("doc.fact.region", lang), _pick(ctx.config, "region", lang)),
               (t("doc.fact.period", lang), year_span(ctx.base_year + 1, ctx.target_year, lang)),
               (t("doc.fact.eval_year", lang), str(ctx.eval_year)),
               (t("doc.fact.preparer", lang), _part_text(narrative, "preparer")
                or t("doc.fill", lang, what=t("doc.fact.preparer", lang)))],
    )
    doc.add(PageBreak(), Contents(t("doc.contents", lang)), PageBreak())
    _preface(doc, ctx, narrative)
    _overall(doc, ctx)
    _progress(doc, ctx, narrative)
    _problems(doc, ctx)
    _next_steps(doc, ctx)
    _annexes(doc, ctx)
    return doc


def _part_text(narrative: dict[str, list[str]], part: str) -> str:
    return "".join(narrative.get(part, []))


def _date_line(narrative: dict[str, list[str]], lang: str, today: date | None) -> str:
    given = _part_text(narrative, "date")
    if given:
        return given
    day = today or date.today()
    return f"{day.year}年{day.month}月" if lang == "zh" else f"{day:%B %Y}"


def _narrative_or_fill_in(doc: Document, narrative: dict[str, list[str]], part: str,
                          lang: str) -> None:
    paragraphs = narrative.get(part, [])
    if paragraphs:
        doc.add(*(Paragraph(text) for text in paragraphs))
    else:
        title = PARTS[part][0 if lang == "zh" else 1]
        doc.add(FillIn(t("doc.fill.part", lang, what=title, file="narrative.md")))


# --------------------------------------------------------------------------- 前言


def _preface(doc: Document, ctx: ReportContext, narrative: dict[str, list[str]]) -> None:
    lang = ctx.lang
    years = _return_years(ctx)
    doc.add(Heading(1, t("doc.preface", lang)))
    kind = eval_kind(ctx) if lang == "zh" else eval_kind(ctx).lower()  # mid-sentence
    doc.add(Paragraph(t("doc.preface.basis", lang, plan=plan_name(ctx), kind=kind,
                        year=ctx.eval_year, tau=format_share(ctx.tau, lang),
                        period=year_span(ctx.base_year + 1, ctx.target_year, lang))))
    sources = t("doc.preface.sources", lang,
                first=years[0] if years else "—", last=years[-1] if years else "—",
                vintage=ctx.eval_year, log=_log_span(ctx))
    doc.add(Paragraph(sources))
    if ctx.illustrative:
        doc.add(Paragraph(t("banner.illustrative", lang), "note"))
    doc.add(Heading(2, t("doc.organisation", lang)))
    _narrative_or_fill_in(doc, narrative, "organisation", lang)


def _return_years(ctx: ReportContext) -> list[int]:
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    if not len(indicators) or "year" not in indicators.columns:
        return []
    return sorted(int(y) for y in pd.to_numeric(indicators["year"], errors="coerce").dropna()
                  .unique())


def _log_span(ctx: ReportContext) -> str:
    log = ctx.tables.get("milestones", pd.DataFrame())
    if not len(log) or "date" not in log.columns:
        return t("doc.preface.no_log", ctx.lang)
    dates = sorted(str(d) for d in log["date"].dropna())
    return t("doc.preface.log", ctx.lang, n=len(log), last=dates[-1] if dates else "—")


# --------------------------------------------------------------------------- 一、总体评价


def _overall(doc: Document, ctx: ReportContext) -> None:
    lang = ctx.lang
    rows = ctx.evaluation
    doc.add(Heading(1, _numbered(1, t("doc.overall", lang), lang)))
    doc.add(Paragraph(judgement(ctx)))
    for line in grade_lines(rows, ctx):
        doc.add(Paragraph(line))
    figure = _progress_figure(ctx)
    if figure is not None:
        doc.add(figure)


def judgement(ctx: ReportContext) -> str:
    """The one judgement paragraph, in the register of official reviews, from the numbers."""
    lang = ctx.lang
    split = headline(ctx.evaluation)
    if not split.gradable:
        return t("doc.judgement.none", lang, plan=plan_name(ctx))
    share = split.count("met") / split.gradable
    mode = "final" if ctx.final else "midterm"
    verdict = "good" if split.on_schedule and share >= 0.7 else (
        "fair" if split.on_schedule else "weak")
    text = t(f"doc.judgement.{mode}.{verdict}", lang, plan=plan_name(ctx), year=ctx.eval_year,
             tau=format_share(ctx.tau, lang), m=split.gradable, n=split.count("met"),
             share=format_share(share, lang), behind=split.count("behind"),
             deviating=split.count("deviating"))
    if split.count("deviating"):
        text += t("doc.judgement.deviating", lang, n=split.count("deviating"))
    if split.count("ungraded"):
        text += t("doc.judgement.ungraded", lang, n=split.count("ungraded"),
                  reasons=reasons_text(split, lang))
    return text


def grade_lines(rows: pd.DataFrame, ctx: ReportContext) -> list[str]:
    """One line per grade of a gradable target that occurs: ``4项提前实现：A、B、C、D``, best
    grades first (targets that cannot be graded are counted in the judgement, not listed)."""
    from analysis.evaluate.labels import grade_group

    lang = ctx.lang
    separator = "、" if lang == "zh" else "; "
    lines = []
    codes = [c for c in rows["grade"].astype(str).unique() if grade_group(c) != "ungraded"] \
        if len(rows) else []
    order = {code: i for i, code in enumerate(_grade_order())}
    for code in sorted(codes, key=lambda c: order.get(c, 99)):
        part = rows[rows["grade"].astype(str) == code]
        label = tally_label(code, lang, final=ctx.final) if code in SCALE_CODES else \
            grade_label(code, lang, final=ctx.final)
        names = separator.join(f"{_name(r, lang)}（{_level_label(r.get('level'), lang)}）"
                               if lang == "zh" else
                               f"{_name(r, lang)} ({_level_label(r.get('level'), lang)})"
                               for _, r in part.iterrows())
        lines.append(t("doc.grade_line", lang, n=len(part), label=label, names=names))
    return lines


def _grade_order() -> list[str]:
    from analysis.evaluate.labels import GRADE_CODES, MILESTONE_CODES

    return [*GRADE_CODES, *MILESTONE_CODES]


def _progress_figure(ctx: ReportContext) -> Figure | None:
    """The pages' progress chart of every numeric target: which targets are behind."""
    from analysis.figures.charts import figure_png

    drawn = progress_plot(ctx, _numeric_rows(ctx.evaluation))
    if drawn is None:
        return None
    fig, data, _caption = drawn
    behind = int(data["grade"].astype(str).isin(["lagging", "overdue"]).sum())
    return Figure(figure_png(fig), t("doc.figure.progress", ctx.lang, n=len(data), behind=behind))


# --------------------------------------------------------------------------- 二、主要进展和成效


def _progress(doc: Document, ctx: ReportContext, narrative: dict[str, list[str]]) -> None:
    lang = ctx.lang
    doc.add(Heading(1, _numbered(2, t("doc.progress", lang), lang)))
    met = headline(ctx.evaluation).rows("met")
    index = 0
    for chapter in ctx.config.chapters:
        rows = met[pd.to_numeric(met["chapter"], errors="coerce") == int(chapter.number)] \
            if len(met) else met
        if not len(rows):
            continue
        index += 1
        doc.add(Heading(2, _numbered(index, chapter_title(ctx, int(chapter.number)), lang,
                                     level=2)))
        joiner = "" if lang == "zh" else " "
        for level, part in rows.groupby(rows["level"].astype(str), sort=False):
            sentences = [achievement(r, ctx) for _, r in part.iterrows()]
            lead = t("doc.progress.level", lang, level=_level_label(level, lang))
            doc.add(Paragraph(joiner.join([lead, *sentences])))
    if not index:
        doc.add(Paragraph(t("doc.progress.none", lang)))
    doc.add(Heading(2, _numbered(index + 1, t("doc.practices", lang), lang, level=2)))
    _narrative_or_fill_in(doc, narrative, "practices", lang)


def achievement(row: pd.Series, ctx: ReportContext) -> str:
    """One concrete statement of a target at or beyond its expected progress."""
    lang = ctx.lang
    unit = _units(ctx).get(str(row.get("key")))
    name = _name(row, lang)
    if str(row.get("kind")) == "milestone":
        return t("doc.achievement.milestone", lang, name=name,
                 status=grade_label(row.get("grade"), lang), note=_note(row, lang) or "—")
    actual = format_number(row.get("actual"), unit, lang=lang)
    year = "" if _missing(row.get("actual_year")) else int(row["actual_year"])
    target = _target_text(ctx, row, "final", unit)
    grade = grade_label(row.get("grade"), lang, final=bool(row.get("is_final")))
    if str(row.get("kind")) == "rule":
        return t("doc.achievement.rule", lang, name=name, note=_note(row, lang))
    if _missing(row.get("baseline")) or str(row.get("measure")) in ("increase", "cumulative"):
        return t("doc.achievement.no_base", lang, name=name, year=year, actual=actual,
                 target=target, grade=grade)
    change = pd.to_numeric(row.get("actual"), errors="coerce") - pd.to_numeric(
        row.get("baseline"), errors="coerce")
    verb = "same" if abs(change) < 1e-9 else ("up" if change > 0 else "down")
    return t(f"doc.achievement.{verb}", lang, name=name, base_year=ctx.base_year,
             baseline=format_number(row.get("baseline"), unit, lang=lang), year=year,
             actual=actual, target=target, grade=grade)


# --------------------------------------------------------------------------- 三、存在的问题及原因


def _problems(doc: Document, ctx: ReportContext) -> None:
    lang = ctx.lang
    doc.add(Heading(1, _numbered(3, t("doc.problems", lang), lang)))
    split = headline(ctx.evaluation)
    behind, deviating = split.rows("behind"), split.rows("deviating")
    if not len(behind) and not len(deviating):
        doc.add(Paragraph(t("text.no_behind.final" if ctx.final else "text.no_behind", lang)))
    number = 0
    for _, row in behind.iterrows():
        number += 1
        cause = shortfall_cause(row, ctx)
        doc.add(Paragraph(f"{number}. {_sentence(behind_item(row, ctx), lang)}"
                          + (t("doc.cause", lang, cause=cause) if cause else "")))
    for _, row in deviating.iterrows():
        number += 1
        doc.add(Paragraph(f"{number}. {deviating_item(row, ctx)}"))
    ungraded = split.rows("ungraded")
    if len(ungraded):
        doc.add(Paragraph(t("doc.problems.ungraded", lang, n=len(ungraded),
                            reasons=reasons_text(split, lang))))
    qa = _serious_qa(ctx)
    if len(qa):
        doc.add(Paragraph(t("doc.problems.qa", lang, n=len(qa))))


def _sentence(text: str, lang: str) -> str:
    """``text`` ending with a full stop."""
    stop = "。" if lang == "zh" else "."
    return text if text.endswith(("。", ".", "；", "！")) else text + stop


def shortfall_cause(row: pd.Series, ctx: ReportContext) -> str:
    """What the data show behind a numeric shortfall: the yearly pace so far against the pace
    the target needs from now on (empty where no pace can be read)."""
    lang = ctx.lang
    if str(row.get("kind")) not in ("table", "target") or _missing(row.get("progress")):
        return ""
    actual, baseline, final = (pd.to_numeric(row.get(c), errors="coerce")
                               for c in ("actual", "baseline", "final_target"))
    year = pd.to_numeric(row.get("actual_year"), errors="coerce")
    deadline = int(row.get("deadline"))
    if any(pd.isna(v) for v in (actual, baseline, final, year)) or int(year) <= ctx.base_year:
        return ""
    unit = _units(ctx).get(str(row.get("key")))
    pace = (actual - baseline) / (int(year) - ctx.base_year)
    shown = _pace(pace, unit, lang)
    if int(year) >= deadline:
        return t("doc.cause.pace_final", lang, since=ctx.base_year, pace=shown)
    needed = (final - actual) / (deadline - int(year))
    return t("doc.cause.pace", lang, since=ctx.base_year, pace=shown,
             needed=_pace(needed, unit, lang), deadline=deadline)


def _pace(value: float, unit: str | None, lang: str) -> str:
    """A yearly change in the indicator's unit (percentage points for shares)."""
    if unit == "fraction":
        return t("doc.pace.points", lang, value=format_number(value * 100, None, decimals=1,
                                                              signed=True))
    return format_number(value, unit, lang=lang, decimals=1, signed=True)


def _serious_qa(ctx: ReportContext) -> pd.DataFrame:
    qa = ctx.tables.get("qa_issues", pd.DataFrame())
    if not len(qa) or "severity" not in qa.columns:
        return qa
    return qa[qa["severity"].astype(str).isin(["error", "warning"])]


# --------------------------------------------------------------------------- 四、下一步工作建议


def _next_steps(doc: Document, ctx: ReportContext) -> None:
    lang = ctx.lang
    doc.add(Heading(1, _numbered(4, t("doc.next", lang), lang)))
    groups = recommendation_groups(ctx, ctx.evaluation)
    index = 0
    for key in ("problems", "scale", "monitoring", "teachers"):
        if not groups[key]:
            continue
        index += 1
        doc.add(Heading(2, _numbered(index, t(f"doc.next.{key}", lang), lang, level=2)))
        doc.add(*(Paragraph(f"{n}. {line}") for n, line in enumerate(groups[key], start=1)))
    if groups["adjustments"]:
        index += 1
        doc.add(Heading(2, _numbered(index, t("doc.next.adjustments", lang), lang, level=2)))
        doc.add(*(Paragraph(f"{n}. {line}")
                  for n, line in enumerate(groups["adjustments"], start=1)))
    if not index:
        doc.add(Paragraph(t("text.reco.on_course", lang)))


# --------------------------------------------------------------------------- 附件


def _annexes(doc: Document, ctx: ReportContext) -> None:
    lang = ctx.lang
    doc.add(PageBreak(), Heading(1, t("doc.annexes", lang)))
    annexes = [("doc.annex.indicators", _indicator_tables), ("doc.annex.tasks", _task_table),
               ("doc.annex.qa", _qa_table), ("doc.annex.consistency", _consistency_table),
               ("doc.annex.method", _method)]
    for number, (key, build) in enumerate(annexes, start=1):
        doc.add(Heading(2, t("doc.annex", lang, n=number, title=t(key, lang))))
        build(doc, ctx)


ANNEX_HEADER = ("col.indicator", "col.level", "col.baseline", "col.midterm", "col.actual_in",
                "col.final", "col.grade")


def _indicator_tables(doc: Document, ctx: ReportContext) -> None:
    """附件1: every target of every chapter, as the plan printed it, with its grade."""
    lang = ctx.lang
    header = tuple(t(key, lang, year={"col.baseline": ctx.base_year,
                                      "col.midterm": ctx.midterm_year,
                                      "col.final": ctx.target_year,
                                      "col.actual_in": ctx.eval_year}.get(key, ""))
                   for key in ANNEX_HEADER)
    units = _units(ctx)
    for chapter in ctx.config.chapters:
        rows = ctx.chapter_rows(int(chapter.number))
        if not len(rows):
            continue
        body = []
        for _, row in rows.iterrows():
            unit = units.get(str(row.get("key")))
            actual = format_number(row.get("actual"), unit, lang=lang)
            if not _missing(row.get("actual_year")) and not _missing(row.get("actual")) and \
                    int(row["actual_year"]) != ctx.eval_year:  # the column says the year
                actual = t("text.actual_year", lang, value=actual, year=int(row["actual_year"]))
            baseline = "—" if str(row.get("kind")) == "milestone" else format_number(
                row.get("baseline"), unit, lang=lang)
            body.append((_labelled_name(row, lang), _level_label(row.get("level"), lang),
                         baseline, _target_text(ctx, row, "midterm", unit), actual,
                         _target_text(ctx, row, "final", unit),
                         grade_label(row.get("grade"), lang, final=bool(row.get("is_final")))))
        doc.add(Table(chapter_title(ctx, int(chapter.number)), header, tuple(body),
                      widths=(2.7, 1.2, 1.2, 1.2, 1.3, 1.2, 1.5)))


def _task_table(doc: Document, ctx: ReportContext) -> None:
    """附件2: key tasks, special projects and milestones with their latest record."""
    lang = ctx.lang
    rows = _milestone_rows(ctx.evaluation)
    if not len(rows):
        doc.add(Paragraph(t("text.no_milestones", lang)))
        return
    header = (t("col.task", lang), t("col.deadline", lang), t("col.status", lang),
              t("col.note", lang))
    body = tuple((_name(r, lang), t("text.deadline.due", lang, year=int(r.get("deadline"))),
                  grade_label(r.get("grade"), lang), _note(r, lang) or "—")
                 for _, r in rows.iterrows())
    doc.add(Table(t("doc.annex.tasks", lang), header, body, widths=(4.0, 1.4, 1.4, 3.2)))


def _qa_table(doc: Document, ctx: ReportContext) -> None:
    """附件3: every data-quality warning or error, with file, sheet and cell."""
    lang = ctx.lang
    qa = _serious_qa(ctx)
    if not len(qa):
        doc.add(Paragraph(t("text.no_qa", lang)))
        return
    header = (t("col.check", lang), t("col.year", lang), t("col.message", lang),
              t("col.location", lang))
    body = tuple((check_label(r.get("check"), lang),
                  "" if _missing(r.get("year")) else str(int(float(r["year"]))),
                  qa_message(r, lang), qa_location(r, lang)) for _, r in qa.iterrows())
    doc.add(Table(t("doc.annex.qa", lang), header, body, widths=(1.4, 0.8, 4.8, 3.0)))


def _consistency_table(doc: Document, ctx: ReportContext) -> None:
    """附件4: the plan's own inconsistencies (warnings first, then facts worth knowing)."""
    lang = ctx.lang
    checks = ctx.tables.get("consistency", pd.DataFrame())
    if not len(checks):
        doc.add(Paragraph(t("text.no_consistency", lang)))
        return
    column = f"message_{lang}" if f"message_{lang}" in checks.columns else "message_zh"
    warnings = checks[checks["severity"].astype(str) != "info"]
    for number, (_, r) in enumerate(warnings.iterrows(), start=1):
        doc.add(Paragraph(f"{number}. {r.get(column)}", "plain"))
    facts = len(checks) - len(warnings)
    if not len(warnings):
        doc.add(Paragraph(t("text.no_consistency", lang)))
    if facts:
        doc.add(Paragraph(t("doc.consistency.facts", lang, n=facts), "plain"))


def _method(doc: Document, ctx: ReportContext) -> None:
    """附件5: the rule that graded the evaluation, in words."""
    doc.add(Paragraph(method_note(ctx.rule, ctx.lang)))


__all__ = ["GROUPS", "achievement", "compose_report", "grade_lines", "judgement",
           "shortfall_cause"]
