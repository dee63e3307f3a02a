"""The report stage: chapter pages and the summary, rendered from the evaluation table.

A report notebook builds a :class:`~analysis.report.context.ReportContext` (it reads the
evaluation stage's table and grades nothing), then shows one section per cell. One module
per section: ``overall`` (一、总体进展), ``indicators`` (二、主要指标完成情况), ``tasks``
(三、重点任务进展, with ``baseline`` for chapter 1 and ``safeguards`` for chapter 4),
``problems`` (四、存在的问题), ``outlook`` (五、后半程预判与建议), ``method`` (方法说明),
``summary`` (the summary page). ``html`` holds the building blocks, ``figures`` the charts,
``i18n`` the zh/en wording, ``render`` writes the self-contained HTML page.
"""

from __future__ import annotations

from analysis.core.lazy import lazy_getattr

# Names are imported on first use (as in analysis.evaluate): the batch runner reads the report's
# wording and file names without importing pandas and matplotlib.
_EXPORTS: dict[str, tuple[str, str]] = {
    "ReportContext": ("analysis.report.context", "ReportContext"),
    "chapter_links_section": ("analysis.report.summary", "chapter_links_section"),
    "esc": ("analysis.report.html", "esc"),
    "eval_kind": ("analysis.report.plan_labels", "eval_kind"),
    "fmt_number": ("analysis.core.formatting", "format_number"),
    "fmt_share": ("analysis.core.formatting", "format_share"),
    "fmt_target": ("analysis.core.formatting", "format_target"),
    "grade_badge": ("analysis.report.html", "grade_badge"),
    "headline_lists": ("analysis.report.overall", "headline_lists"),
    "headline_text": ("analysis.report.overall", "headline_text"),
    "heatmap_section": ("analysis.report.summary", "heatmap_section"),
    "indicators_section": ("analysis.report.indicators", "indicators_section"),
    "load_report_context": ("analysis.report.context", "load_report_context"),
    "metadata_section": ("analysis.report.summary", "metadata_section"),
    "method_note": ("analysis.report.method", "method_note"),
    "outlook_section": ("analysis.report.outlook", "outlook_section"),
    "overall_section": ("analysis.report.overall", "overall_section"),
    "page_header": ("analysis.report.page", "page_header"),
    "problems_section": ("analysis.report.problems", "problems_section"),
    "render_notebook_html": ("analysis.report.render", "render_notebook_html"),
    "rule_years": ("analysis.report.safeguards", "rule_years"),
    "setup_plotting": ("analysis.figures.charts", "setup_plotting"),
    "summary_overall_section": ("analysis.report.summary", "summary_overall_section"),
    "tally_text": ("analysis.report.overall", "tally_text"),
    "tasks_section": ("analysis.report.tasks", "tasks_section"),
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
