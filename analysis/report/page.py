"""The page frame: style, the illustrative-data banner, the page header.
"""

from __future__ import annotations

from analysis.core.formatting import format_share
from analysis.report.context import ReportContext
from analysis.report.html import esc
from analysis.report.i18n import t
from analysis.report.plan_labels import _pick, chapter_title, eval_kind, plan_name

REPORT_CSS = """
.pe-report { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", "Helvetica Neue", Arial, sans-serif; line-height: 1.55; color: #111; }
.pe-report h1 { font-size: 1.6em; margin: 0.4em 0; }
.pe-report h2 { font-size: 1.3em; border-bottom: 2px solid #2b6cb0; padding-bottom: 0.15em;
  margin-top: 1.4em; }
.pe-report h3 { font-size: 1.1em; margin-top: 1.1em; }
.pe-banner { background: #fff3cd; border: 2px solid #d39e00; color: #5c4400; padding: 0.6em 1em;
  font-weight: bold; margin: 0.6em 0; }
.pe-headline { font-size: 1.15em; font-weight: bold; padding: 0.5em 0.8em;
  border-left: 6px solid #2b6cb0; background: #eef4fb; }
.pe-headline.pe-behind { border-left-color: #d7301f; background: #fdeeea; }
.pe-table { border-collapse: collapse; margin: 0.5em 0 1em 0; font-size: 0.92em; }
.pe-table th, .pe-table td { border: 1px solid #c8c8c8; padding: 0.25em 0.5em;
  vertical-align: top; text-align: left; }
.pe-table th { background: #f0f0f0; }
.pe-table td.pe-num { text-align: right; white-space: nowrap; }
.pe-badge { display: inline-block; padding: 0.05em 0.5em; border-radius: 0.6em;
  white-space: nowrap; font-size: 0.95em; }
.pe-meta { color: #444; font-size: 0.9em; }
.pe-note { color: #444; font-size: 0.9em; }
.pe-figure { margin: 0.6em 0 1.2em 0; page-break-inside: avoid; break-inside: avoid; }
.pe-figure img { max-width: 100%; height: auto; }
.pe-figure figcaption { color: #444; font-size: 0.85em; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .pe-table, .pe-figure, .pe-headline { page-break-inside: avoid; break-inside: avoid; }
  .pe-report h2, .pe-report h3 { page-break-after: avoid; break-after: avoid; }
  a { color: #111; text-decoration: underline; }
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
        (t("meta.plan_period", ctx.lang), f"{ctx.base_year + 1}–{ctx.target_year}"),
        (t("meta.eval_year", ctx.lang), str(ctx.eval_year)),
        (t("meta.tau", ctx.lang), format_share(ctx.tau, ctx.lang)),
    ]
    meta = " · ".join(f"{esc(k)}：{esc(v)}" if ctx.lang == "zh" else f"{esc(k)}: {esc(v)}"
                      for k, v in facts if v)
    banner = illustrative_banner(ctx.lang) if ctx.illustrative else ""
    return (f'{style_block()}<header class="pe-report"><h1>{esc(title)}</h1>{banner}'
            f'<p class="pe-meta">{meta}</p></header>')


# --------------------------------------------------------------------------- tally, headline
