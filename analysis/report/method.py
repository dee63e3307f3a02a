"""附：方法说明, the status rule in words, rendered from the rule that graded the report.
"""

from __future__ import annotations

from analysis.report.context import ReportContext
from analysis.report.html import _h, _section, esc
from analysis.report.i18n import t


def method_note(ctx: ReportContext) -> str:
    """附：方法说明 — the status rule in words, rendered from the rule that graded the report."""
    from analysis.evaluate.note import method_note as rule_in_words

    text = rule_in_words(ctx.rule, ctx.lang)
    paragraphs = [p for p in str(text).split("\n\n") if p.strip()]
    body = "".join(f"<p>{esc(p.strip())}</p>" for p in paragraphs)
    return _section(_h(2, t("sec.method", ctx.lang)) + body, "pe-method")
