"""附：方法说明, the status rule in words, rendered from the rule that graded the report.
"""

from __future__ import annotations

from analysis.report.context import ReportContext
from analysis.report.html import _h, _section, esc, fmt_share
from analysis.report.i18n import t
from analysis.report.plan_labels import _colon


def method_note(ctx: ReportContext) -> str:
    """附：the status rule in words (from analysis.evaluate when it provides the text)."""
    from analysis import evaluate

    text = None
    for name in ("method_text", "method_note", "rule_text"):
        provider = getattr(evaluate, name, None)
        if provider is not None:
            try:
                text = provider(ctx.lang)
            except TypeError:
                text = None
            if text:
                break
    if not text:
        text = t("text.method.fallback", ctx.lang, band=fmt_share(ctx.band, ctx.lang)
                 if ctx.band >= 0.01 else f"{ctx.band:.1%}")
    paragraphs = [p for p in str(text).split("\n\n") if p.strip()]
    body = "".join(f"<p>{esc(p.strip())}</p>" for p in paragraphs)
    facts = (f'<p class="pe-note">{esc(t("meta.band", ctx.lang))}{_colon(ctx.lang)}'
             f'{esc(f"{ctx.band:g}")} · τ = {esc(fmt_share(ctx.tau, ctx.lang))}</p>')
    return _section(_h(2, t("sec.method", ctx.lang)) + body + facts, "pe-method")


# --------------------------------------------------------------------------- summary

