"""The summary page's sections: tally across chapters, heat map, links, metadata.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.core import paths
from analysis.core.formatting import format_change, format_share
from analysis.evaluate.labels import GRADE_CODES as GRADES
from analysis.report.context import ReportContext
from analysis.report.html import (
    _h,
    _p,
    _section,
    esc,
    grade_badge,
    html_table,
)
from analysis.report.i18n import t
from analysis.report.indicators import _numeric_rows
from analysis.report.overall import (
    headline_lists,
    headline_text,
    on_schedule,
    present_codes,
    tally_counts,
    tally_label,
    tally_sentence,
    tally_table,
)
from analysis.report.plan_labels import chapter_title, eval_kind, plan_name


def chapter_numbers(ctx: ReportContext) -> list[int]:
    """The plan's chapter numbers in order."""
    return [int(c.number) for c in ctx.config.chapters]


def grade_matrix(ctx: ReportContext) -> pd.DataFrame:
    """Counts of numeric targets per chapter (rows, chapter titles) and grade (columns)."""
    records = {}
    for number in chapter_numbers(ctx):
        counts = tally_counts(_numeric_rows(ctx.chapter_rows(number)))
        records[chapter_title(ctx, number)] = counts
    matrix = pd.DataFrame.from_dict(records, orient="index", columns=list(GRADES)).fillna(0)
    return matrix.loc[:, matrix.sum(axis=0) > 0] if len(matrix) else matrix


def summary_overall_section(ctx: ReportContext) -> str:
    """一、the judgement across all chapters, the targets named per group, and the tally."""
    rows = ctx.evaluation
    cls = "pe-headline pe-behind" if on_schedule(rows) is False else "pe-headline"
    body = [_h(2, t("sec.summary.tally", ctx.lang)),
            f'<p class="{cls}">{esc(headline_text(rows, ctx.rule, ctx.lang, whole_plan=True))}'
            "</p>",
            "<ul>" + "".join(f"<li>{esc(line)}</li>"
                             for line in headline_lists(rows, ctx.rule, ctx.lang)) + "</ul>",
            _p(tally_sentence(rows, ctx.lang, final=ctx.final, whole_plan=True)),
            tally_table(_numeric_rows(rows), ctx.lang, final=ctx.final)]
    return _section("".join(body), "pe-summary-overall")


def heatmap_section(ctx: ReportContext) -> str:
    """二、grade-by-chapter heat map."""
    from analysis.figures.charts import figure_html, grade_heatmap, new_figure

    matrix = grade_matrix(ctx)
    labels = {code: tally_label(code, ctx.lang, final=ctx.final) for code in matrix.columns}
    fig, ax = new_figure(7.0, 0.6 * len(matrix) + 1.4)
    grade_heatmap(ax, matrix, column_labels=labels, title=t("fig.heatmap.title", ctx.lang))
    return _section(_h(2, t("sec.summary.heatmap", ctx.lang))
                    + figure_html(fig, alt=t("fig.heatmap.title", ctx.lang),
                                  caption=heatmap_caption(matrix, ctx.lang)), "pe-heatmap")


def heatmap_caption(matrix: pd.DataFrame, lang: str) -> str:
    """The heat map's one message: how many targets are behind, and the chapter with most."""
    behind_codes = [c for c in ("lagging", "overdue") if c in matrix.columns]
    behind = matrix[behind_codes].sum(axis=1) if behind_codes else pd.Series(dtype=float)
    if not len(behind) or behind.sum() == 0:
        return t("fig.caption.heatmap.none", lang)
    most = [str(name) for name, n in behind.items() if n == behind.max()]
    count = t("text.count.each" if len(most) > 1 else "text.count", lang, n=int(behind.max()))
    return t("fig.caption.heatmap", lang, behind=int(behind.sum()),
             chapter=("、" if lang == "zh" else ", ").join(most), count=count)


def chapter_links_section(ctx: ReportContext) -> str:
    """三、one row per chapter: link to ``chapter_<n>.html``, target count, grade counts."""
    lang = ctx.lang
    shown = present_codes(_numeric_rows(ctx.evaluation))
    header = [esc(t("col.chapter", lang)), esc(t("col.targets", lang))] + [
        grade_badge(code, lang, final=ctx.final, label=tally_label(code, lang, final=ctx.final))
        for code in shown] + [
        esc(t("col.link", lang))]
    body = []
    for number in chapter_numbers(ctx):
        rows = ctx.chapter_rows(number)
        counts = tally_counts(_numeric_rows(rows))
        href = esc(paths.report_page(int(number), lang))
        body.append([f'<a href="{href}">{esc(chapter_title(ctx, number))}</a>', str(len(rows))]
                    + [str(counts[c]) for c in shown]
                    + [f'<a href="{href}">{esc(t("nav.open", lang))}</a>'])
    return _section(_h(2, t("sec.summary.chapters", lang)) + _p(t("text.summary.links", lang))
                    + html_table(header, body, cls="pe-links",
                                 cols=["pe-c-name"] + ["pe-num"] * (len(header) - 2) + [""]),
                    "pe-links-section")


def metadata_section(ctx: ReportContext, *, generated: date | None = None) -> str:
    """四、plan, evaluation year, data fingerprint, package version, date."""
    from analysis import __version__

    lang = ctx.lang
    facts = [
        (t("meta.plan", lang), plan_name(ctx)),
        (t("meta.eval_year", lang), f"{ctx.eval_year} · {eval_kind(ctx)}"),
        (t("meta.tau", lang), format_share(ctx.tau, lang)),
        (t("meta.band", lang), t("meta.band.value", lang, points=format_change(
            ctx.band, "fraction", lang, signed=False))),
        (t("meta.data_fingerprint", lang), ctx.fingerprint[:16]),
        (t("meta.package_version", lang), __version__),
        (t("meta.generated", lang), (generated or date.today()).isoformat()),
    ]
    body = html_table([esc(t("col.item", lang)), esc(t("col.value", lang))],
                      [[esc(k), esc(v)] for k, v in facts], cls="pe-meta-table")
    return _section(_h(2, t("sec.summary.meta", lang)) + body, "pe-meta-section")


# --------------------------------------------------------------------------- rendering

