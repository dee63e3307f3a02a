"""The evaluation report a bureau submits: one document per plan and evaluation year.

``compose`` builds the document (title page, 前言, 一、总体评价, 二、主要进展和成效,
三、存在的问题及原因, 四、下一步工作建议, 附件) from the report context as a list of blocks
(``model``); ``docx`` writes it as an editable Word document, ``page`` as a print-ready HTML
page; ``narrative`` merges what only the bureau can write (``narrative.md`` in the plan
folder); ``files`` names the files and writes both.
"""

from __future__ import annotations

from analysis.core.lazy import lazy_getattr

_EXPORTS = {
    "compose_report": "analysis.report.document.compose",
    "document_file_name": "analysis.report.document.files",
    "write_evaluation_report": "analysis.report.document.files",
    "write_report_files": "analysis.report.document.files",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
