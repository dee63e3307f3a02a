"""The page frame: style, the illustrative-data banner, the page header and navigation.
"""

from __future__ import annotations

from urllib.parse import quote

from analysis.core import paths
from analysis.core.formatting import format_share, year_span
from analysis.report.context import ReportContext
from analysis.report.html import esc
from analysis.report.i18n import t
from analysis.report.plan_labels import _pick, chapter_title, eval_kind, plan_name

REPORT_CSS = """
.pe-report { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", "Helvetica Neue", Arial, sans-serif; line-height: 1.55; color: #111; }
.pe-report h1 { font-size: 1.6em; margin: 0.4em 0; line-height: 1.3; }
.pe-report h2 { font-size: 1.3em; border-bottom: 2px solid #2b6cb0; padding-bottom: 0.15em;
  margin-top: 1.4em; }
.pe-report h3 { font-size: 1.1em; margin-top: 1.1em; }
.pe-report h4 { font-size: 1em; margin: 0.9em 0 0.3em 0; }
.pe-nav { display: flex; flex-wrap: wrap; gap: 0.2em 1em; font-size: 0.9em; margin: 0 0 0.6em 0;
  padding: 0.4em 0; border-bottom: 1px solid #d0d7e2; }
.pe-nav a { color: #1d4f91; text-decoration: none; }
.pe-nav a:hover { text-decoration: underline; }
.pe-nav [aria-current] { font-weight: bold; color: #111; }
.pe-banner { background: #fff3cd; border: 2px solid #d39e00; color: #5c4400; padding: 0.6em 1em;
  font-weight: bold; margin: 0.6em 0; }
.pe-headline { font-size: 1.15em; font-weight: bold; padding: 0.5em 0.8em;
  border-left: 6px solid #2b6cb0; background: #eef4fb; }
.pe-headline.pe-behind { border-left-color: #d7301f; background: #fdeeea; }
.pe-table-wrap { max-width: 100%; overflow-x: auto; margin: 0.5em 0 1em 0; }
.pe-table { border-collapse: collapse; font-size: 0.92em; }
.pe-table th, .pe-table td { border: 1px solid #c8c8c8; padding: 0.25em 0.5em;
  vertical-align: top; text-align: left; overflow-wrap: break-word; }
.pe-table th { background: #f0f0f0; }
.pe-table .pe-num, .pe-table td.pe-num { text-align: right; white-space: nowrap; }
.pe-table th.pe-num { white-space: normal; }
.pe-table .pe-c-sev, .pe-table .pe-c-grade, .pe-table .pe-c-outlook { white-space: nowrap; }
.pe-table .pe-c-name { min-width: 10em; }
.pe-table .pe-c-text { min-width: 12em; }
.pe-table .pe-c-level { min-width: 4.5em; }
.pe-table .pe-c-actual { min-width: 6.5em; }
.pe-indicators, .pe-group, .pe-qa, .pe-baseline { width: 100%; }
.pe-narrow-only { display: none; }
.pe-badge { display: inline-block; padding: 0.05em 0.5em; border-radius: 0.6em;
  white-space: nowrap; font-size: 0.95em; }
.pe-meta { color: #444; font-size: 0.9em; }
.pe-note { color: #444; font-size: 0.9em; }
.pe-figure { margin: 0.6em 0 1.2em 0; page-break-inside: avoid; break-inside: avoid; }
.pe-figure img { max-width: 100%; height: auto; }
.pe-figure figcaption { color: #333; font-size: 0.9em; margin-top: 0.2em; }
@media screen and (max-width: 700px) {
  .pe-report h1 { font-size: 1.3em; }
  .pe-table { font-size: 0.85em; }
  .pe-table th, .pe-table td { padding: 0.2em 0.3em; }
  .pe-table .pe-c-name { min-width: 6.5em; }
  .pe-table .pe-c-grade, .pe-table .pe-c-outlook { min-width: 4.8em; white-space: normal; }
  .pe-table .pe-c-actual { min-width: 4em; }
  .pe-narrow-hide { display: none; }
  .pe-narrow-only { display: inline; }
  .pe-badge { white-space: normal; padding: 0.05em 0.35em; }
  .pe-table-wrap .pe-table th:first-child, .pe-table-wrap .pe-table td:first-child {
    position: sticky; left: 0; z-index: 1; }
  .pe-table-wrap .pe-table td:first-child { background: #fff; }
}
@media screen and (max-width: 480px) {
  .pe-tiny-hide { display: none; }
}
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .pe-report { font-size: 10pt; line-height: 1.45; }
  .pe-report p, .pe-report li { orphans: 3; widows: 3; }
  .pe-method { font-size: 9pt; }
  .pe-nav { display: none; }
  .pe-table-wrap { overflow: visible; }
  .pe-table { font-size: 8.5pt; width: 100%; }
  .pe-table th, .pe-table td { padding: 0.15em 0.3em; }
  .pe-table thead { display: table-header-group; }
  .pe-table tr, .pe-figure, .pe-headline, .pe-report li, .pe-banner {
    page-break-inside: avoid; break-inside: avoid; }
  .pe-tally, .pe-meta-table, .pe-fan-notes { page-break-inside: avoid; break-inside: avoid; }
  .pe-report h1, .pe-report h2, .pe-report h3, .pe-report h4 {
    page-break-after: avoid; break-after: avoid; }
  .pe-indicators, .pe-qa, .pe-group { table-layout: fixed; }
  .pe-group .pe-c-name { width: 30%; }
  .pe-group .pe-c-target { width: 14%; }
  .pe-group .pe-num { width: 10%; }
  .pe-group .pe-c-grade { width: 13%; }
  .pe-table .pe-c-name, .pe-table .pe-c-text, .pe-table .pe-c-level,
  .pe-table .pe-c-actual { min-width: 0; }
  .pe-indicators .pe-c-name { width: 22%; }
  .pe-indicators .pe-c-level, .pe-indicators .pe-c-target, .pe-indicators .pe-num { width: 8%; }
  .pe-indicators .pe-c-actual { width: 11%; }
  .pe-indicators .pe-c-progress { width: 9%; }
  .pe-indicators .pe-c-grade, .pe-indicators .pe-c-outlook { width: 13%; }
  .pe-qa .pe-c-sev, .pe-qa .pe-num { width: 7%; }
  .pe-qa .pe-c-check { width: 14%; }
  .pe-qa .pe-c-loc { width: 22%; }
  .pe-table .pe-c-grade, .pe-table .pe-c-outlook, .pe-table .pe-c-sev { white-space: normal; }
  .pe-badge { white-space: normal; }
  .pe-figure img { max-height: 17cm; }
  a { color: #111; text-decoration: none; }
}
"""


def style_block() -> str:
    """The report stylesheet as a ``<style>`` element (also shown in JupyterLab)."""
    return f"<style>{REPORT_CSS}</style>"


def illustrative_banner(lang: str = "zh") -> str:
    """The visible warning that the report is built from illustrative (made-up) data."""
    return f'<div class="pe-report pe-banner" role="note">{esc(t("banner.illustrative", lang))}</div>'


def page_header(ctx: ReportContext, *, summary: bool = False) -> str:
    """Title, illustrative-data banner (when the plan says so) and the key facts."""
    name = plan_name(ctx)
    if summary or ctx.chapter is None:
        title = t("title.summary", ctx.lang, plan=name, eval_kind=eval_kind(ctx))
    else:
        title = t("title.chapter", ctx.lang, plan=name, eval_kind=eval_kind(ctx),
                  chapter=chapter_title(ctx, ctx.chapter))
    facts = [
        (t("meta.region", ctx.lang), _pick(ctx.config, "region", ctx.lang)),
        (t("meta.plan_period", ctx.lang), year_span(ctx.base_year + 1, ctx.target_year, ctx.lang)),
        (t("meta.eval_year", ctx.lang), str(ctx.eval_year)),
        (t("meta.tau", ctx.lang), format_share(ctx.tau, ctx.lang)),
    ]
    meta = " · ".join(f"{esc(k)}：{esc(v)}" if ctx.lang == "zh" else f"{esc(k)}: {esc(v)}"
                      for k, v in facts if v)
    banner = illustrative_banner(ctx.lang) if ctx.illustrative else ""
    chapter = None if summary else ctx.chapter
    count = len(ctx.evaluation if chapter is None else ctx.chapter_rows())
    note = "" if count or chapter is None else \
        f'<p class="pe-meta pe-no-targets">{esc(t("text.no_targets.page", ctx.lang))}</p>'
    return (f'{style_block()}<header class="pe-report" data-pe-targets="{count}">'
            f'{navigation(ctx, chapter)}<h1>{esc(title)}</h1>{banner}'
            f'<p class="pe-meta">{meta}</p>{note}</header>')


def full_report_files(ctx: ReportContext) -> list[tuple[str, str]]:
    """``(label, file name)`` of the complete report: the print-ready page and the Word file
    (named by :mod:`analysis.report.naming`, as the document stage writes them)."""
    from analysis.report.naming import document_file_name, report_page_name

    lang = ctx.lang
    word = document_file_name(plan_name(ctx), ctx.rule.mode, ctx.eval_year, lang)
    return [(t("nav.full", lang), report_page_name(lang)), (t("nav.word", lang), word)]


def navigation(ctx: ReportContext, chapter: int | None) -> str:
    """Links between the pages of one evaluation: the summary (``index.html``), each chapter
    (``chapter_<n>.html``), the complete report and the same page in the other language
    (``chapter_<n>.en.html``); the page itself is marked, not linked. Relative links, so the
    folder can be copied or mailed as it is."""
    lang = ctx.lang
    items: list[tuple[str, str | None]] = [
        (t("nav.summary" if chapter is None else "nav.back", lang),
         None if chapter is None else paths.report_page(None, lang))]
    for c in ctx.config.chapters:
        number = int(c.number)
        items.append((t("nav.chapter", lang, n=number),
                      None if chapter == number else paths.report_page(number, lang)))
    items += full_report_files(ctx)
    other = "en" if lang == "zh" else "zh"
    items.append((t("nav.other_lang", lang), paths.report_page(chapter, other)))
    links = "".join(f'<span aria-current="page">{esc(label)}</span>' if href is None else
                    f'<a href="{esc(quote(href))}">{esc(label)}</a>' for label, href in items)
    return f'<nav class="pe-nav" aria-label="{esc(t("nav.label", lang))}">{links}</nav>'


# --------------------------------------------------------------------------- tally, headline
