"""The report's files: their names and one function writing both (Word and HTML).
"""

from __future__ import annotations

from pathlib import Path

from analysis.core import paths
from analysis.core.io import write_atomic
from analysis.report import naming
from analysis.report.context import ReportContext, load_report_context
from analysis.report.i18n import t
from analysis.report.plan_labels import plan_name


def document_file_name(ctx: ReportContext) -> str:
    """The Word file's name for ``ctx`` (:func:`analysis.report.naming.document_file_name`)."""
    return naming.document_file_name(plan_name(ctx), ctx.rule.mode, ctx.eval_year, ctx.lang)


def page_links(ctx: ReportContext) -> list[tuple[str, str]]:
    """The links at the top of the report page: summary, chapters, Word file, other language."""
    lang = ctx.lang
    links = [(t("doc.link.summary", lang), paths.report_page(None, lang))]
    links += [(t("chapter.label", lang, n=int(c.number)), paths.report_page(int(c.number), lang))
              for c in ctx.config.chapters]
    links.append((t("doc.link.word", lang), document_file_name(ctx)))
    other = "en" if lang == "zh" else "zh"
    links.append((t("doc.link.other_lang", lang), naming.report_page_name(other)))
    return links


def write_evaluation_report(plan: str, eval_year: int, *, lang: str = "zh",
                            data_root: str = "", out_dir: str | Path) -> tuple[Path, Path]:
    """Compose the report of ``plan`` at ``eval_year`` and write the Word document and the
    print-ready page into ``out_dir``; both atomically. Returns their paths."""
    from analysis.report.document.compose import compose_report

    ctx = load_report_context(plan, eval_year, lang=lang, data_root=data_root)
    return write_report_files(compose_report(ctx), ctx, out_dir)


def write_report_files(doc: object, ctx: ReportContext, out_dir: str | Path
                       ) -> tuple[Path, Path]:
    """Write a composed report (:func:`~analysis.report.document.compose.compose_report` of
    ``ctx``) as the Word document and the print-ready page in ``out_dir``, both atomically;
    the notebook that shows the document writes it with this, composing it once."""
    from analysis.report.document.docx import write_docx

    folder = Path(out_dir)
    docx_path = write_atomic(folder / document_file_name(ctx),
                             lambda tmp: write_docx(doc, tmp))  # type: ignore[arg-type]
    html_path = write_atomic(folder / naming.report_page_name(ctx.lang), report_page(doc, ctx))
    return docx_path, html_path


def report_page(doc: object, ctx: ReportContext) -> str:
    """The print-ready page of ``doc`` with the links and the CJK font subset it needs
    embedded (readable on a PC without CJK fonts)."""
    from analysis.report.document.page import render_page
    from analysis.report.fonts import font_face_css

    page = render_page(doc, links=page_links(ctx))  # type: ignore[arg-type]
    return page.replace("</head>", f"<style>{font_face_css(page)}</style>\n</head>", 1)
