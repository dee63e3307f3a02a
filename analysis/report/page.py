"""The page frame: style, the illustrative-data banner, the page header and navigation.
"""

from __future__ import annotations

from urllib.parse import quote

from analysis.core import paths
from analysis.core.formatting import format_share, year_span
from analysis.report.context import ReportContext
from analysis.report.css import REPORT_CSS
from analysis.report.html import esc
from analysis.report.i18n import t
from analysis.report.plan_labels import _pick, chapter_title, eval_kind, plan_name


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
