"""一、总体进展: the tally of grades and the headline.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.core.formatting import format_share
from analysis.evaluate.headline import Headline, headline
from analysis.evaluate.labels import GRADE_CODES as GRADES
from analysis.evaluate.labels import GROUPS, MILESTONE_CODES, SCALE_CODES, reason_label
from analysis.evaluate.rule import StatusRule
from analysis.report.context import MAX_NAMES, ReportContext
from analysis.report.html import (
    _h,
    _p,
    _section,
    esc,
    grade_badge,
    grade_label,
    html_table,
)
from analysis.report.i18n import t
from analysis.report.indicators import _numeric_rows, progress_figure
from analysis.report.plan_labels import _level_label, _name


def tally_counts(evaluation: pd.DataFrame, codes: Sequence[str] = GRADES) -> dict[str, int]:
    """``{code: number of rows with that grade}`` for ``codes`` (zeros included)."""
    if not len(evaluation) or "grade" not in evaluation.columns:
        return dict.fromkeys(codes, 0)
    counts = evaluation["grade"].astype(str).value_counts()
    return {code: int(counts.get(code, 0)) for code in codes}


def _group_label(group: str, lang: str, final: bool) -> str:
    return t(f"group.{group}.final" if final else f"group.{group}", lang)


def headline_text(evaluation: pd.DataFrame, rule: StatusRule, lang: str, *,
                  whole_plan: bool = False) -> str:
    """The judgement paragraph: time elapsed, M gradable targets by group, the ungraded ones
    with their reasons, and whether the plan is on schedule (docs/status_rule.md).

    The counts add up to the number of targets in ``evaluation``.
    """
    split = headline(evaluation)
    mode = rule.mode
    lead = t(f"headline.lead.{mode}", lang, tau=format_share(rule.tau, lang), year=rule.eval_year)
    if not split.total:
        return lead + ("" if lang == "zh" else " ") + t("headline.none", lang)
    separator = "、" if lang == "zh" else ", "
    parts = [t("headline.part", lang, label=_group_label(g, lang, rule.final), n=split.count(g))
             for g in ("met", "behind", "deviating") if split.count(g)]
    sentences = [lead]
    if split.gradable:
        sentences.append(t("headline.counts", lang, total=split.total, m=split.gradable,
                           parts=separator.join(parts), scope=t(
                               "headline.scope.plan" if whole_plan else "headline.scope.chapter",
                               lang)))
    if split.count("ungraded"):
        sentences.append(t("headline.ungraded", lang, n=split.count("ungraded"),
                           reasons=reasons_text(split, lang)))
    if split.on_schedule is not None:
        sentences.append(t(f"headline.verdict.{mode}.{'met' if split.on_schedule else 'not_met'}",
                           lang))
    return ("" if lang == "zh" else " ").join(sentences)


def reasons_text(split: Headline, lang: str) -> str:
    """Why targets cannot be graded, counted: ``缺少实际数据31项、缺少进展记录19项``."""
    separator = "、" if lang == "zh" else ", "
    return separator.join(t("headline.reason", lang, label=reason_label(code, lang), n=n)
                          for code, n in split.reasons().items())


def headline_lists(evaluation: pd.DataFrame, rule: StatusRule, lang: str) -> list[str]:
    """One line per non-empty group naming its targets (each with its level and grade)."""
    split = headline(evaluation)
    separator = "、" if lang == "zh" else "; "
    lines = []
    for group in GROUPS:
        rows = split.rows(group)
        if not len(rows):
            continue
        # the targets that cannot be graded are many and named in the tables: list a few
        shown = rows.head(MAX_NAMES) if group == "ungraded" else rows
        names = separator.join(
            t("headline.name", lang, name=_name(r, lang), level=_level_label(r.get("level"), lang),
              grade=grade_label(r.get("grade"), lang, final=bool(r.get("is_final"))))
            for _, r in shown.iterrows()) + (t("text.and_more", lang) if len(shown) < len(rows)
                                             else "")
        lines.append(t("headline.names", lang, label=_group_label(group, lang, rule.final),
                       n=len(rows), names=names))
    return lines


def on_schedule(evaluation: pd.DataFrame) -> bool | None:
    """Whether at least half the gradable targets are at or beyond expected progress."""
    return headline(evaluation).on_schedule


def tally_label(code: str, lang: str, *, final: bool = False) -> str:
    """A grade's label in a tally: scale grades say so (规模基本符合预期), so that two columns
    never share one label."""
    label = grade_label(code, lang, final=final)
    return t("label.scale", lang, label=label) if code in SCALE_CODES else label


def present_codes(evaluation: pd.DataFrame, codes: Sequence[str] = GRADES) -> list[str]:
    """The grade codes that occur in ``evaluation``, in display order (a table's columns)."""
    counts = tally_counts(evaluation, codes)
    return [code for code in codes if counts[code]]


def tally_sentence(evaluation: pd.DataFrame, lang: str, *, final: bool = False,
                   whole_plan: bool = False) -> str:
    """“本章共N项目标，其中：提前实现a项、……” over grades and milestone states present."""
    grades = tally_counts(evaluation)
    milestones = tally_counts(evaluation, MILESTONE_CODES)
    parts = [t("text.tally.part", lang, label=tally_label(code, lang, final=final), count=n)
             for code, n in [*grades.items(), *milestones.items()] if n]
    separator = "、" if lang == "zh" else ", "
    return t("text.tally.all" if whole_plan else "text.tally", lang, n=len(evaluation),
             parts=separator.join(parts) or "0")


def tally_text(evaluation: pd.DataFrame) -> str:
    """Deterministic one-line tally for notebook checks, e.g. ``achieved=2 ahead=0 …``."""
    counts = {**tally_counts(evaluation), **tally_counts(evaluation, MILESTONE_CODES)}
    return " ".join(f"{code}={n}" for code, n in counts.items())


def tally_table(evaluation: pd.DataFrame, lang: str, *, final: bool = False) -> str:
    """A one-row table of the counts of the grades that occur, each header coloured by its grade.
    It counts the quantitative targets it is given: its total says so, since the paragraph
    above it counts the milestones too."""
    counts = tally_counts(evaluation)
    total = sum(counts.values())
    shown = present_codes(evaluation)
    header = [grade_badge(code, lang, final=final, label=tally_label(code, lang, final=final))
              for code in shown] + [esc(t("col.total_indicators", lang))]
    row = [str(counts[c]) for c in shown] + [str(total)]
    return html_table(header, [row], cls="pe-tally")


def overall_section(ctx: ReportContext) -> str:
    """一、总体进展: the judgement, the targets named per group, the tally and progress chart."""
    rows = ctx.chapter_rows()
    if not len(rows):
        return _section(_h(2, t("sec.overall", ctx.lang)) + _p(t("text.no_targets", ctx.lang)),
                        "pe-overall")
    numeric = _numeric_rows(rows)
    cls = "pe-headline pe-behind" if on_schedule(rows) is False else "pe-headline"
    body = [
        _h(2, t("sec.overall", ctx.lang)),
        f'<p class="{cls}">{esc(headline_text(rows, ctx.rule, ctx.lang))}</p>',
        "<ul>" + "".join(f"<li>{esc(line)}</li>"
                         for line in headline_lists(rows, ctx.rule, ctx.lang)) + "</ul>",
        tally_table(numeric, ctx.lang, final=ctx.final),
        progress_figure(ctx, numeric),
    ]
    return _section("".join(body), "pe-overall")
