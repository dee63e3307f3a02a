"""The report stage: chapter pages and the summary, rendered from the evaluation table.

A report notebook builds a :class:`~analysis.report.context.ReportContext` (it reads the
evaluation stage's table and grades nothing), then shows one section per cell. One module
per section: ``overall`` (一、总体进展), ``indicators`` (二、主要指标完成情况), ``tasks``
(三、重点任务进展, with ``baseline`` for chapter 1 and ``safeguards`` for chapter 4),
``problems`` (四、存在的问题), ``outlook`` (五、后半程预判与建议), ``method`` (方法说明),
``summary`` (the summary page). ``html`` holds the building blocks, ``figures`` the charts,
``i18n`` the zh/en wording, ``render`` writes the self-contained HTML page.
"""

from analysis.core.formatting import format_number as fmt_number
from analysis.core.formatting import format_share as fmt_share
from analysis.core.formatting import format_target as fmt_target
from analysis.figures.charts import setup_plotting
from analysis.report.context import ReportContext, load_report_context
from analysis.report.html import esc, grade_badge
from analysis.report.indicators import indicators_section
from analysis.report.method import method_note
from analysis.report.outlook import outlook_section
from analysis.report.overall import headline_lists, headline_text, overall_section, tally_text
from analysis.report.page import page_header
from analysis.report.plan_labels import eval_kind
from analysis.report.problems import problems_section
from analysis.report.render import render_notebook_html
from analysis.report.safeguards import rule_years
from analysis.report.summary import (
    chapter_links_section,
    heatmap_section,
    metadata_section,
    summary_overall_section,
)
from analysis.report.tasks import tasks_section

__all__ = [
    "ReportContext", "chapter_links_section", "esc", "eval_kind", "fmt_number", "fmt_share",
    "fmt_target", "grade_badge", "headline_lists", "headline_text", "heatmap_section", "indicators_section",
    "load_report_context", "metadata_section", "method_note", "outlook_section",
    "overall_section", "page_header", "problems_section", "render_notebook_html",
    "rule_years", "setup_plotting", "summary_overall_section", "tally_text", "tasks_section",
]
