"""The evaluation report a bureau submits: one document per plan and evaluation year.

``compose`` builds the document (title page, 前言, 一、总体评价, 二、主要进展和成效,
三、存在的问题及原因, 四、下一步工作建议, 附件) from the report context as a list of blocks
(``model``); ``docx`` writes it as an editable Word document, ``page`` as a print-ready HTML
page; ``narrative`` merges what only the bureau can write (``narrative.md`` in the plan
folder); ``files`` names the files and writes both.
"""

from analysis.report.document.compose import compose_report
from analysis.report.document.files import document_file_name, write_evaluation_report

__all__ = ["compose_report", "document_file_name", "write_evaluation_report"]
