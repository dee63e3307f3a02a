"""一、总体进展: the tally of grades and the headline.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.core.formatting import format_share
from analysis.evaluate.labels import GRADE_CODES as GRADES
from analysis.evaluate.labels import MILESTONE_CODES
from analysis.report.context import OK_GRADES, ReportContext
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


def tally_counts(evaluation: pd.DataFrame, codes: Sequence[str] = GRADES) -> dict[str, int]:
    """``{code: number of rows with that grade}`` for ``codes`` (zeros included)."""
    if not len(evaluation) or "grade" not in evaluation.columns:
        return dict.fromkeys(codes, 0)
    counts = evaluation["grade"].astype(str).value_counts()
    return {code: int(counts.get(code, 0)) for code in codes}


def headline(evaluation: pd.DataFrame, tau: float, lang: str, *, final: bool = False) -> str:
    """“时间过半、任务过半”-style sentence: share of gradable targets on track vs τ.

    Gradable means graded achieved, ahead, on track or lagging (no-data rows are left out);
    the plan is on schedule when the share on track or better is at least τ.
    """
    counts = tally_counts(evaluation)
    graded = sum(counts[c] for c in GRADES if c != "no_data")
    ok = sum(counts[c] for c in OK_GRADES)
    if graded == 0:
        return t("text.headline.none", lang)
    share = ok / graded
    met = share >= tau - 1e-9
    key = "text.headline.final" if final else "text.headline"
    return t(f"{key}.{'met' if met else 'not_met'}", lang, tau=format_share(tau, lang),
             share=format_share(share, lang), n_ok=ok, n_graded=graded)


def tally_sentence(evaluation: pd.DataFrame, lang: str, *, final: bool = False,
                   whole_plan: bool = False) -> str:
    """“本章共N项目标，其中：提前实现a项、……” over grades and milestone states present."""
    grades = tally_counts(evaluation)
    milestones = tally_counts(evaluation, MILESTONE_CODES)
    parts = [t("text.tally.part", lang, label=grade_label(code, lang, final=final), count=n)
             for code, n in [*grades.items(), *milestones.items()] if n]
    separator = "、" if lang == "zh" else ", "
    return t("text.tally.all" if whole_plan else "text.tally", lang, n=len(evaluation),
             parts=separator.join(parts) or "0")


def tally_text(evaluation: pd.DataFrame) -> str:
    """Deterministic one-line tally for notebook checks, e.g. ``achieved=2 ahead=0 …``."""
    counts = {**tally_counts(evaluation), **tally_counts(evaluation, MILESTONE_CODES)}
    return " ".join(f"{code}={n}" for code, n in counts.items())


def tally_table(evaluation: pd.DataFrame, lang: str, *, final: bool = False) -> str:
    """A one-row table of grade counts, each header coloured by its grade."""
    counts = tally_counts(evaluation)
    total = sum(counts.values())
    header = [grade_badge(code, lang, final=final) for code in GRADES] + [esc(t("col.total", lang))]
    row = [str(counts[c]) for c in GRADES] + [str(total)]
    return html_table(header, [row], cls="pe-tally")


def overall_section(ctx: ReportContext) -> str:
    """一、总体进展: headline, tally sentence and table, and a progress chart."""
    rows = ctx.chapter_rows()
    numeric = _numeric_rows(rows)
    text = headline(numeric, ctx.tau, ctx.lang, final=ctx.final)
    cls = "pe-headline pe-behind" if _headline_key(numeric, ctx.tau) == "not_met" else "pe-headline"
    if not len(rows):
        return _section(_h(2, t("sec.overall", ctx.lang)) + _p(t("text.no_targets", ctx.lang)),
                        "pe-overall")
    body = [
        _h(2, t("sec.overall", ctx.lang)),
        f'<p class="{cls}">{esc(text)}</p>',
        _p(tally_sentence(rows, ctx.lang, final=ctx.final)),
        tally_table(numeric, ctx.lang, final=ctx.final),
        progress_figure(ctx, numeric),
    ]
    return _section("".join(body), "pe-overall")


def _headline_key(evaluation: pd.DataFrame, tau: float) -> str:
    counts = tally_counts(evaluation)
    graded = sum(counts[c] for c in GRADES if c != "no_data")
    ok = sum(counts[c] for c in OK_GRADES)
    if graded == 0:
        return "none"
    return "met" if ok / graded >= tau - 1e-9 else "not_met"

