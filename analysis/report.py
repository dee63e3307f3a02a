"""HTML fragments for the evaluation reports, and rendering executed notebooks to HTML.

The report notebooks are thin: a setup cell calls :func:`load_report_context` (validates the
parameters, loads the processed tables and model outputs, runs the status rule), then each
cell displays one section built here. Every string that comes from data (names, labels,
file names, messages) goes through :func:`esc` (``html.escape``), so a label such as
``<script>`` shows as text. Figures are embedded as base64 PNGs, so each fragment, and the
HTML file rendered from the executed notebook, is self-contained.

Sections follow official mid-term reviews: 一、总体进展 · 二、主要指标完成情况 ·
三、重点任务进展 (or the chapter's own variant) · 四、存在的问题 · 五、后半程预判与建议.
"""

from __future__ import annotations

import functools
import html
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.catalogue_index import chapter_needs_models
from analysis.errors import AnalysisError
from analysis.i18n import check_lang, has, t
from analysis.io import folder_fingerprint, read_table

GRADES: tuple[str, ...] = ("achieved", "ahead", "on_track", "lagging", "no_data")
OK_GRADES: tuple[str, ...] = ("achieved", "ahead", "on_track")
MILESTONE_CODES: tuple[str, ...] = ("done", "in_progress", "not_started", "no_record")
OUTLOOKS: tuple[str, ...] = ("likely", "at_risk", "unlikely", "unknown")
PROCESSED_TABLES: tuple[str, ...] = (
    "targets", "history", "consistency", "indicators", "qa_issues", "milestones",
)
MODEL_TABLES: tuple[str, ...] = (
    "projections", "backtest", "model_choice", "teacher_balance", "qualification_outlook",
    "attainment",
)
REQUIRED_TABLES: tuple[str, ...] = ("targets", "indicators")
MAX_FANS = 8
MAX_LIST = 30


# --------------------------------------------------------------------------- basics


def esc(value: object) -> str:
    """HTML-escaped text of ``value``; missing values (None, NaN, NA) become an empty string."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: object, unit: str | None = None, *, lang: str = "zh") -> str:
    """A value for display: fractions as percentages, counts with digit grouping.

    ``0.5332`` with unit ``fraction`` → ``53.32%``; ``25857`` → ``25,857``; missing → ``—``.
    The result is plain text (not escaped).
    """
    if _missing(value):
        return t("misc.dash", lang)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if unit == "fraction":
        return f"{_trim(number * 100, 2)}%"
    if math.isfinite(number) and number == round(number) and abs(number) < 1e15:
        return f"{int(round(number)):,}"
    return _trim(number, 2, grouping=True)


def _trim(number: float, decimals: int, *, grouping: bool = False) -> str:
    text = f"{number:,.{decimals}f}" if grouping else f"{number:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_share(value: object, lang: str = "zh") -> str:
    """A fraction as a whole percentage (``0.6`` → ``60%``); missing → ``—``."""
    if _missing(value):
        return t("misc.dash", lang)
    return f"{float(value) * 100:.0f}%"  # type: ignore[arg-type]


def fmt_target(value: object, comparator: object, unit: str | None, lang: str) -> str:
    """A target with its comparator, e.g. ``≥98%``; plain text."""
    if _missing(value):
        return t("misc.dash", lang)
    key = f"cmp.{comparator}"
    prefix = t(key, lang) if isinstance(comparator, str) and comparator and has(key) else ""
    return f"{prefix}{fmt_number(value, unit, lang=lang)}"


def grade_label(code: object, lang: str = "zh", *, final: bool = False) -> str:
    """The label of a grade or milestone code, from :mod:`analysis.evaluate` (one place)."""
    from analysis import evaluate

    if _missing(code):
        code = "no_data"
    return str(evaluate.grade_label(str(code), lang, final))


def outlook_label(code: object, lang: str = "zh") -> str:
    """The label of an outlook code, from :mod:`analysis.evaluate`."""
    from analysis import evaluate

    if _missing(code):
        code = "unknown"
    labeller = getattr(evaluate, "outlook_label", None)
    if labeller is not None:
        return str(labeller(str(code), lang))
    return str(evaluate.grade_label(str(code), lang, False))


def grade_badge(code: object, lang: str, *, final: bool = False, outlook: bool = False) -> str:
    """A coloured ``<span>`` for a grade / milestone / outlook code (colours from plotting)."""
    from analysis.plotting import grade_colour, grade_text_colour

    key = "unknown" if outlook and _missing(code) else ("no_data" if _missing(code) else str(code))
    label = outlook_label(key, lang) if outlook else grade_label(key, lang, final=final)
    return (
        f'<span class="pe-badge pe-{esc(key)}" style="background:{grade_colour(key)};'
        f'color:{grade_text_colour(key)}">{esc(label)}</span>'
    )


def html_table(header: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "") -> str:
    """A table from *already escaped* header and cell HTML."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="pe-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def _h(level: int, text: str) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def _section(body: str, cls: str) -> str:
    return f'<section class="pe-report pe-section {cls}">{body}</section>'


# --------------------------------------------------------------------------- context


@dataclass
class ReportContext:
    """Everything a report section needs: parameters, plan, tables, the evaluation."""

    plan: str
    eval_year: int
    lang: str
    band: float
    data_root: str
    config: Any
    tables: dict[str, pd.DataFrame]
    models: dict[str, pd.DataFrame]
    evaluation: pd.DataFrame
    chapter: int | None = None
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def base_year(self) -> int:
        return int(self.config.base_year)

    @property
    def midterm_year(self) -> int:
        return int(self.config.midterm_year)

    @property
    def target_year(self) -> int:
        return int(self.config.target_year)

    @property
    def final(self) -> bool:
        """True for the final evaluation (终期评估): the evaluation year is the target year."""
        return self.eval_year >= self.target_year

    @property
    def tau(self) -> float:
        """Time elapsed: (eval_year − base_year) / (target_year − base_year)."""
        return time_progress(self.eval_year, self.base_year, self.target_year)

    @property
    def illustrative(self) -> bool:
        return bool(getattr(self.config, "illustrative_returns", False))

    def chapter_rows(self, chapter: int | None = None) -> pd.DataFrame:
        """Evaluation rows of one chapter (the context's chapter by default)."""
        number = self.chapter if chapter is None else chapter
        if number is None:
            return self.evaluation
        frame = self.evaluation
        return frame[pd.to_numeric(frame["chapter"], errors="coerce") == int(number)]


def time_progress(eval_year: int, base_year: int, target_year: int) -> float:
    """τ = (eval_year − base_year) / (target_year − base_year), clipped to [0, 1]."""
    span = target_year - base_year
    if span <= 0:
        raise AnalysisError("the plan's target year must come after its base year",
                            text=f"{base_year}–{target_year}")
    return min(max((eval_year - base_year) / span, 0.0), 1.0)


def check_parameters(
    *, plan: object, eval_year: object, lang: object, band: object, chapter: object = None,
    config: Any = None,
) -> None:
    """Validate report parameters; AnalysisError naming the parameter and the bad value."""
    if not isinstance(plan, str) or not plan.strip():
        raise AnalysisError("the plan name must be a non-empty text", column="plan", text=plan)
    check_lang(lang)
    if isinstance(eval_year, bool) or not isinstance(eval_year, int):
        raise AnalysisError("eval_year must be a whole year", column="eval_year", text=eval_year)
    if isinstance(band, bool) or not isinstance(band, int | float) or not 0 <= band < 0.5:
        raise AnalysisError("band must be a number from 0 to 0.5 (e.g. 0.05)", column="band",
                            text=band)
    if config is not None:
        base, target = int(config.base_year), int(config.target_year)
        if not base < eval_year <= target:
            raise AnalysisError(
                f"eval_year must lie inside the plan period ({base + 1}–{target})",
                column="eval_year", text=eval_year,
            )
        if chapter is not None:
            numbers = [int(c.number) for c in config.chapters]
            if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter not in numbers:
                raise AnalysisError(
                    f"no such chapter in the plan (chapters: {', '.join(map(str, numbers))})",
                    column="chapter", text=chapter,
                )


def load_report_context(
    plan: str, eval_year: int, *, lang: str = "zh", band: float = 0.05, data_root: str = "",
    chapter: int | None = None,
) -> ReportContext:
    """Validate the parameters, load plan, processed tables and model outputs, evaluate.

    Model outputs come from ``models/<eval_year>/`` (fitted on data up to the evaluation year);
    a missing model table is replaced by an empty one and noted in ``ctx.notes``.
    """
    from analysis import evaluate
    from analysis.plan import load_plan

    check_parameters(plan=plan, eval_year=eval_year, lang=lang, band=band)
    raw_dir = paths.raw_plan_dir(plan, data_root or None)
    config = load_plan(raw_dir)
    check_parameters(plan=plan, eval_year=eval_year, lang=lang, band=band, chapter=chapter,
                     config=config)
    processed = paths.processed_plan_dir(plan, data_root or None)
    tables: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    for name in PROCESSED_TABLES:
        try:
            tables[name] = read_table(processed, name)
        except AnalysisError:
            if name in REQUIRED_TABLES:
                raise
            tables[name] = pd.DataFrame()
            notes.append(f"{name}: not found")
    models: dict[str, pd.DataFrame] = {}
    model_dir = paths.models_dir(plan, eval_year, data_root or None)
    # A chapter without numeric targets never reads the models (the runner starts it before
    # they are fitted), so its report is the same whatever ran first.
    use_models = chapter_needs_models(raw_dir, chapter)
    for name in MODEL_TABLES:
        models[name] = pd.DataFrame()
        if not use_models:
            continue
        try:
            models[name] = read_table(model_dir, name)
        except AnalysisError:
            notes.append(f"models/{eval_year}/{name}: not found")
    evaluation = evaluate.evaluate_plan(
        tables["targets"], tables["indicators"],
        base_year=int(config.base_year), target_year=int(config.target_year),
        eval_year=int(eval_year), band=float(band),
        milestones=tables["milestones"] if len(tables["milestones"]) else None,
        attainment=models["attainment"] if len(models["attainment"]) else None,
        history=tables["history"] if len(tables["history"]) else None,
        midterm_year=int(config.midterm_year),
    )
    return ReportContext(
        plan=plan, eval_year=int(eval_year), lang=lang, band=float(band),
        data_root=data_root, config=config, tables=tables, models=models,
        evaluation=evaluation, chapter=chapter, fingerprint=folder_fingerprint(raw_dir),
        notes=notes,
    )


# --------------------------------------------------------------------------- plan labels


def _pick(obj: Any, stem: str, lang: str) -> str:
    """``obj.<stem>_<lang>`` falling back to the other language (objects or mappings)."""
    for suffix in (lang, "zh", "en"):
        name = f"{stem}_{suffix}"
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None and not _missing(value) and str(value):
            return str(value)
    return ""


def plan_name(ctx: ReportContext) -> str:
    """The plan's name in the report language."""
    return _pick(ctx.config, "name", ctx.lang) or ctx.plan


def eval_kind(ctx: ReportContext) -> str:
    """中期评估 / 终期评估 / N年度进展评估 (wording follows the evaluation year)."""
    if ctx.final:
        return t("eval.final", ctx.lang)
    if ctx.eval_year == ctx.midterm_year:
        return t("eval.midterm", ctx.lang)
    return t("eval.annual", ctx.lang, year=ctx.eval_year)


def chapter_title(ctx: ReportContext, number: int) -> str:
    """``第2章 发展战略`` / ``Chapter 2: Development strategy``."""
    for chapter in ctx.config.chapters:
        if int(chapter.number) == int(number):
            return t("chapter.name", ctx.lang, n=number, title=_pick(chapter, "title", ctx.lang))
    return t("chapter.label", ctx.lang, n=number)


def _walk_sections(sections: Iterable[Any]) -> Iterable[Any]:
    for section in sections or []:
        yield section
        yield from _walk_sections(getattr(section, "sections", None) or [])


def section_titles(ctx: ReportContext) -> dict[str, tuple[str, str]]:
    """``{section id: (kind, title)}`` for every section of the plan, in plan order."""
    found: dict[str, tuple[str, str]] = {}
    for chapter in ctx.config.chapters:
        for section in _walk_sections(getattr(chapter, "sections", None) or []):
            found[str(section.id)] = (str(getattr(section, "kind", "section")),
                                      _pick(section, "title", ctx.lang))
    return found


def _name(row: pd.Series | dict, lang: str) -> str:
    return _pick(dict(row), "name", lang)


def _note(row: pd.Series | dict, lang: str) -> str:
    """The evaluation note in ``lang`` (``note`` is Chinese, ``note_en`` English)."""
    value = row.get("note_en") if lang == "en" else row.get("note")
    if _missing(value) or not str(value):
        value = row.get("note")
    return "" if _missing(value) else str(value)


def _row_final(row: pd.Series | dict, ctx: ReportContext) -> bool:
    """Final-evaluation wording for a row judged at or after its own deadline."""
    value = row.get("is_final")
    return ctx.final if _missing(value) else bool(value)


def _level_label(level: object, lang: str) -> str:
    """The level's name (``preschool`` → 学前教育); the id itself when unknown."""
    from analysis import vocab

    if _missing(level):
        return ""
    try:
        return vocab.level_name(str(level), lang)
    except AnalysisError:
        return str(level)


def _indicator_name(indicator: object, lang: str) -> str:
    """The indicator's name (``births`` → 出生人口); the id itself when unknown."""
    from analysis import vocab

    try:
        return vocab.indicator_name(str(indicator), lang)
    except AnalysisError:
        return str(indicator)


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _units(ctx: ReportContext) -> dict[str, str]:
    """``{target key: unit}`` from the targets table (fractions, persons, …)."""
    targets = ctx.tables.get("targets", pd.DataFrame())
    if not len(targets) or "unit" not in targets.columns:
        return {}
    return {str(k): str(u) for k, u in zip(targets["key"], targets["unit"], strict=True)
            if not _missing(u)}


def _target_row(ctx: ReportContext, key: str) -> dict[str, Any]:
    targets = ctx.tables.get("targets", pd.DataFrame())
    if not len(targets):
        return {}
    match = targets[targets["key"].astype(str) == str(key)]
    return match.iloc[0].to_dict() if len(match) else {}


# --------------------------------------------------------------------------- header, banner


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
        (t("meta.tau", ctx.lang), fmt_share(ctx.tau, ctx.lang)),
    ]
    meta = " · ".join(f"{esc(k)}：{esc(v)}" if ctx.lang == "zh" else f"{esc(k)}: {esc(v)}"
                      for k, v in facts if v)
    banner = illustrative_banner(ctx.lang) if ctx.illustrative else ""
    return (f'{style_block()}<header class="pe-report"><h1>{esc(title)}</h1>{banner}'
            f'<p class="pe-meta">{meta}</p></header>')


# --------------------------------------------------------------------------- tally, headline


def tally_counts(evaluation: pd.DataFrame, codes: Sequence[str] = GRADES) -> dict[str, int]:
    """``{code: number of rows with that grade}`` for ``codes`` (zeros included)."""
    if not len(evaluation) or "grade" not in evaluation.columns:
        return dict.fromkeys(codes, 0)
    counts = evaluation["grade"].astype(str).value_counts()
    return {code: int(counts.get(code, 0)) for code in codes}


def headline(evaluation: pd.DataFrame, tau: float, lang: str, *, final: bool = False) -> str:
    """“时间过半、任务过半”-style sentence: share of gradable targets on track vs τ.

    Gradable means graded achieved, ahead, on track or lagging (no-data rows are left out);
    the plan is on schedule when the share on track or better is at least τ.
    """
    counts = tally_counts(evaluation)
    graded = sum(counts[c] for c in GRADES if c != "no_data")
    ok = sum(counts[c] for c in OK_GRADES)
    if graded == 0:
        return t("text.headline.none", lang)
    share = ok / graded
    met = share >= tau - 1e-9
    key = "text.headline.final" if final else "text.headline"
    return t(f"{key}.{'met' if met else 'not_met'}", lang, tau=fmt_share(tau, lang),
             share=fmt_share(share, lang), n_ok=ok, n_graded=graded)


def tally_sentence(evaluation: pd.DataFrame, lang: str, *, final: bool = False,
                   whole_plan: bool = False) -> str:
    """“本章共N项目标，其中：提前实现a项、……” over grades and milestone states present."""
    grades = tally_counts(evaluation)
    milestones = tally_counts(evaluation, MILESTONE_CODES)
    parts = [t("text.tally.part", lang, label=grade_label(code, lang, final=final), count=n)
             for code, n in [*grades.items(), *milestones.items()] if n]
    separator = "、" if lang == "zh" else ", "
    return t("text.tally.all" if whole_plan else "text.tally", lang, n=len(evaluation),
             parts=separator.join(parts) or "0")


def tally_text(evaluation: pd.DataFrame) -> str:
    """Deterministic one-line tally for notebook checks, e.g. ``achieved=2 ahead=0 …``."""
    counts = {**tally_counts(evaluation), **tally_counts(evaluation, MILESTONE_CODES)}
    return " ".join(f"{code}={n}" for code, n in counts.items())


def tally_table(evaluation: pd.DataFrame, lang: str, *, final: bool = False) -> str:
    """A one-row table of grade counts, each header coloured by its grade."""
    counts = tally_counts(evaluation)
    total = sum(counts.values())
    header = [grade_badge(code, lang, final=final) for code in GRADES] + [esc(t("col.total", lang))]
    row = [str(counts[c]) for c in GRADES] + [str(total)]
    return html_table(header, [row], cls="pe-tally")


def overall_section(ctx: ReportContext) -> str:
    """一、总体进展: headline, tally sentence and table, and a progress chart."""
    rows = ctx.chapter_rows()
    numeric = _numeric_rows(rows)
    text = headline(numeric, ctx.tau, ctx.lang, final=ctx.final)
    cls = "pe-headline pe-behind" if _headline_key(numeric, ctx.tau) == "not_met" else "pe-headline"
    if not len(rows):
        return _section(_h(2, t("sec.overall", ctx.lang)) + _p(t("text.no_targets", ctx.lang)),
                        "pe-overall")
    body = [
        _h(2, t("sec.overall", ctx.lang)),
        f'<p class="{cls}">{esc(text)}</p>',
        _p(tally_sentence(rows, ctx.lang, final=ctx.final)),
        tally_table(numeric, ctx.lang, final=ctx.final),
        progress_figure(ctx, numeric),
    ]
    return _section("".join(body), "pe-overall")


def _headline_key(evaluation: pd.DataFrame, tau: float) -> str:
    counts = tally_counts(evaluation)
    graded = sum(counts[c] for c in GRADES if c != "no_data")
    ok = sum(counts[c] for c in OK_GRADES)
    if graded == 0:
        return "none"
    return "met" if ok / graded >= tau - 1e-9 else "not_met"


def _numeric_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows graded by the status rule (numeric targets and rules, not milestones)."""
    if not len(rows) or "grade" not in rows.columns:
        return rows
    return rows[rows["grade"].astype(str).isin(GRADES)]


def progress_figure(ctx: ReportContext, rows: pd.DataFrame) -> str:
    """Bars of each numeric target's progress against τ, coloured by grade (HTML figure)."""
    from analysis.plotting import figure_html, new_figure, progress_chart

    if not len(rows) or "progress" not in rows.columns:
        return ""
    data = rows[pd.to_numeric(rows["progress"], errors="coerce").notna()]
    if not len(data):
        return ""
    data = data.head(40)
    names = [_short(_name(r, ctx.lang), _level_label(r.get("level"), ctx.lang),
                    22 if ctx.lang == "zh" else 36)
             for _, r in data.iterrows()]
    fig, ax = new_figure(7.5, 0.32 * len(data) + 1.3)
    expected = (pd.to_numeric(data["expected_progress"], errors="coerce").tolist()
                if "expected_progress" in data.columns else None)
    progress_chart(ax, names, pd.to_numeric(data["progress"]).tolist(),
                   data["grade"].astype(str).tolist(), ctx.tau, lang=ctx.lang, expected=expected)
    ax.set_title(t("fig.progress.title", ctx.lang))
    return figure_html(fig, alt=t("fig.progress.title", ctx.lang))


def _short(name: str, level: str, width: int = 22) -> str:
    text = f"{level}·{name}" if level else name
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- indicators


def indicator_table(rows: pd.DataFrame, ctx: ReportContext) -> str:
    """二、the colour-coded table: indicator, baseline, mid-term target, actual, final target,
    progress vs time, grade, outlook."""
    lang = ctx.lang
    units = _units(ctx)
    header = [
        esc(t("col.indicator", lang)), esc(t("col.level", lang)),
        esc(t("col.baseline", lang, year=ctx.base_year)),
        esc(t("col.midterm", lang, year=ctx.midterm_year)),
        esc(t("col.actual", lang)),
        esc(t("col.final", lang, year=ctx.target_year)),
        esc(t("col.progress", lang)), esc(t("col.grade", lang)), esc(t("col.outlook", lang)),
    ]
    body = []
    for _, row in rows.iterrows():
        unit = units.get(str(row.get("key")))
        final = _row_final(row, ctx)
        actual = fmt_number(row.get("actual"), unit, lang=lang)
        if not _missing(row.get("actual_year")) and not _missing(row.get("actual")):
            actual = t("text.actual_year", lang, value=actual, year=int(row["actual_year"]))
        name = _name(row, lang)
        if str(row.get("attribute")) == "约束性":
            name = f"{name}（{t('attr.约束性', lang)}）" if lang == "zh" else f"{name} (binding)"
        note = _note(row, lang)
        name_html = esc(name) + (f'<br/><span class="pe-note">{esc(note)}</span>' if note else "")
        outlook_html = grade_badge(row.get("outlook"), lang, outlook=True)
        if not _missing(row.get("probability_met")):
            outlook_html += (f' <span class="pe-note">'
                             f'{esc(fmt_share(row.get("probability_met"), lang))}</span>')
        body.append([
            name_html, esc(_level_label(row.get("level"), lang)),
            f'<span class="pe-num">{esc(fmt_number(row.get("baseline"), unit, lang=lang))}</span>',
            esc(_target_text(ctx, row, "midterm", unit)),
            esc(actual),
            esc(_target_text(ctx, row, "final", unit)),
            esc(_progress_text(row, ctx)),
            grade_badge(row.get("grade"), lang, final=final),
            outlook_html,
        ])
    return html_table(header, body, cls="pe-indicators")


def _target_text(ctx: ReportContext, row: pd.Series, which: str, unit: str | None) -> str:
    """A mid-term or final target for display: the number with its comparator, or for rules
    and unparsed targets the plan's own words."""
    lang = ctx.lang
    value = row.get(f"{which}_target")
    if str(row.get("kind")) == "rule" or _missing(value):
        text = _target_row(ctx, str(row.get("key"))).get(f"{which}_text")
        return t("misc.dash", lang) if _missing(text) or not str(text) else str(text)
    comparator = row.get("midterm_comparator") if which == "midterm" else row.get("comparator")
    if _missing(comparator) or not str(comparator):
        comparator = row.get("comparator")
    return fmt_target(value, comparator, unit, lang)


def _progress_text(row: pd.Series, ctx: ReportContext) -> str:
    """``p / e``: indicator progress against the progress expected by now (τ or plan path)."""
    if _missing(row.get("progress")):
        return t("misc.dash", ctx.lang)
    expected = row.get("expected_progress")
    if _missing(expected):
        expected = row.get("tau") if not _missing(row.get("tau")) else ctx.tau
    return f"{fmt_share(row.get('progress'), ctx.lang)} / {fmt_share(expected, ctx.lang)}"


def indicators_section(ctx: ReportContext) -> str:
    """二、主要指标完成情况 for the context's chapter."""
    rows = _numeric_rows(ctx.chapter_rows())
    body = [_h(2, t("sec.indicators", ctx.lang))]
    if not len(rows):
        body.append(_p(t("text.no_targets", ctx.lang)))
    else:
        body.append(indicator_table(rows, ctx))
    return _section("".join(body), "pe-indicators-section")


# --------------------------------------------------------------------------- tasks


def _milestone_rows(rows: pd.DataFrame) -> pd.DataFrame:
    if not len(rows) or "grade" not in rows.columns:
        return rows
    return rows[rows["grade"].astype(str).isin(MILESTONE_CODES)]


def _group_table(rows: pd.DataFrame, ctx: ReportContext) -> str:
    """A compact table of targets and milestones: name, target, actual, status."""
    lang = ctx.lang
    units = _units(ctx)
    header = [esc(t("col.indicator", lang)), esc(t("col.final", lang, year=ctx.target_year)),
              esc(t("col.actual", lang)), esc(t("col.status", lang)), esc(t("col.note", lang))]
    body = []
    for _, row in rows.iterrows():
        unit = units.get(str(row.get("key")))
        body.append([
            esc(_name(row, lang)), esc(_target_text(ctx, row, "final", unit)),
            esc(fmt_number(row.get("actual"), unit, lang=lang)),
            grade_badge(row.get("grade"), lang, final=_row_final(row, ctx)),
            esc(_note(row, lang)),
        ])
    return html_table(header, body, cls="pe-group")


def tasks_block(ctx: ReportContext) -> str:
    """Targets and milestones grouped by key task / special project, else by section."""
    rows = ctx.chapter_rows()
    titles = section_titles(ctx)
    lang = ctx.lang
    chapter_sections = _chapter_sections(ctx)
    tasks = [(sid, kind, title) for sid, (kind, title) in chapter_sections.items()
             if kind in ("key_task", "special_project")]
    parts: list[str] = []
    if tasks:
        task_col = rows["task"].astype(str) if "task" in rows.columns else pd.Series(dtype=str)
        for kind, heading in (("key_task", "sub.key_tasks"),
                              ("special_project", "sub.special_projects")):
            parts.append(_h(3, t(heading, lang)))
            for sid, k, title in tasks:
                if k != kind:
                    continue
                group = rows[task_col == sid] if len(rows) else rows
                label = f"{sid} {title}" if kind == "key_task" else f"{sid} {title}"
                counts = tally_text_short(group, lang, ctx.final)
                parts.append(f"<h4>{esc(label)}</h4>")
                if len(group):
                    parts.append(_p(counts, "pe-note"))
                    parts.append(_group_table(group, ctx))
                else:
                    parts.append(_p(t("text.no_tasks", lang), "pe-note"))
        return "".join(parts)
    if not len(rows):
        return _p(t("text.no_targets", lang))
    for section_id, group in rows.groupby(rows["section"].astype(str), sort=False):
        title = titles.get(section_id, ("section", ""))[1]
        parts.append(f"<h4>{esc(section_id)} {esc(title)}</h4>")
        parts.append(_group_table(group, ctx))
    return "".join(parts)


def tally_text_short(rows: pd.DataFrame, lang: str, final: bool) -> str:
    """“提前实现1项、滞后2项” for the grades present in ``rows``."""
    counts = {**tally_counts(rows), **tally_counts(rows, MILESTONE_CODES)}
    separator = "、" if lang == "zh" else ", "
    return separator.join(t("text.tally.part", lang, label=grade_label(c, lang, final=final),
                                count=n) for c, n in counts.items() if n)


def _chapter_sections(ctx: ReportContext) -> dict[str, tuple[str, str]]:
    for chapter in ctx.config.chapters:
        if ctx.chapter is not None and int(chapter.number) == int(ctx.chapter):
            return {str(s.id): (str(getattr(s, "kind", "section")), _pick(s, "title", ctx.lang))
                    for s in _walk_sections(getattr(chapter, "sections", None) or [])}
    return {}


def milestones_block(ctx: ReportContext) -> str:
    """Milestone log entries for the chapter's targets (date, status, evidence)."""
    log = ctx.tables.get("milestones", pd.DataFrame())
    rows = ctx.chapter_rows()
    lang = ctx.lang
    parts = [_h(3, t("sub.milestones", lang))]
    if not len(log) or not len(rows):
        return "".join(parts) + _p(t("text.no_milestones", lang), "pe-note")
    key_col = next((c for c in ("target_key", "key") if c in log.columns), None)
    if key_col is None:
        return "".join(parts) + _p(t("text.no_milestones", lang), "pe-note")
    mine = log[log[key_col].astype(str).isin(rows["key"].astype(str))]
    if "date" in mine.columns:
        mine = mine[mine["date"].astype(str).str[:4] <= str(ctx.eval_year)]
    if not len(mine):
        return "".join(parts) + _p(t("text.no_milestones", lang), "pe-note")
    names = {str(r["key"]): _name(r, lang) for _, r in rows.iterrows()}
    evidence_col = next((c for c in ("evidence", "note", "description", "source")
                         if c in mine.columns), None)
    header = [esc(t("col.task", lang)), esc(t("col.date", lang)), esc(t("col.status", lang)),
              esc(t("col.evidence", lang))]
    body = [[
        esc(names.get(str(r[key_col]), r[key_col])),
        esc(r.get("date")),
        _milestone_badge(r.get("status"), lang),
        esc(r[evidence_col]) if evidence_col else "",
    ] for _, r in mine.iterrows()]
    return "".join(parts) + html_table(header, body, cls="pe-milestones")


def _milestone_badge(status: object, lang: str) -> str:
    """Badge for a status word of the milestone log (已完成, in_progress, planned …)."""
    from analysis import evaluate

    try:
        code = evaluate.normalise_milestone_status(status)
    except AnalysisError:
        return esc(status)
    return grade_badge(code, lang)


def tasks_section(ctx: ReportContext) -> str:
    """三、the chapter's own section: baseline review, key tasks, or safeguards.

    Content-driven so that any plan works: a chapter without numeric targets gets the
    baseline reconciliation, the pre-plan series and births; a chapter with key tasks or
    special projects is shown by task; a chapter with rules (逐年只增不减) gets the year-by-year
    rule test; dated milestones before the target year get the deadline table.
    """
    lang = ctx.lang
    rows = ctx.chapter_rows()
    has_rules = len(rows) and "kind" in rows.columns and (rows["kind"].astype(str) == "rule").any()
    background = not len(_numeric_rows(rows)) and not has_rules
    if background:
        heading = t("sec.tasks.ch1", lang)
        body = [baseline_block(ctx), series_block(ctx), births_block(ctx)]
    elif has_rules:
        heading = t("sec.tasks.ch4", lang)
        body = [funding_rules_block(ctx), deadlines_block(ctx), tasks_block(ctx)]
    else:
        heading = t("sec.tasks", lang)
        body = [tasks_block(ctx), deadlines_block(ctx)]
    if len(rows):
        body.append(milestones_block(ctx))
    return _section(_h(2, heading) + "".join(body), "pe-tasks")


# ---- chapter-1 style blocks


def baseline_block(ctx: ReportContext) -> str:
    """The plan's base-year values reconciled with the returns for the base year."""
    lang = ctx.lang
    targets = ctx.tables.get("targets", pd.DataFrame())
    history = ctx.tables.get("history", pd.DataFrame())
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    rows = baseline_reconciliation(targets, history, indicators, ctx.base_year)
    parts = [_h(3, t("sub.baseline", lang))]
    if not len(rows):
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    header = [esc(t("col.indicator", lang)), esc(t("col.level", lang)),
              esc(t("col.plan_value", lang)), esc(t("col.returns_value", lang)),
              esc(t("col.difference", lang)), esc(t("col.status", lang)),
              esc(t("col.source", lang))]
    body = []
    for _, r in rows.iterrows():
        unit = r["unit"]
        status = {"match": "text.baseline_match", "differs": "text.baseline_mismatch",
                  "missing": "text.baseline_missing"}[r["status"]]
        code = {"match": "achieved", "differs": "lagging", "missing": "no_data"}[r["status"]]
        from analysis.plotting import grade_colour, grade_text_colour
        badge = (f'<span class="pe-badge" style="background:{grade_colour(code)};'
                 f'color:{grade_text_colour(code)}">{esc(t(status, lang))}</span>')
        body.append([
            esc(r["name"] if lang == "zh" else r.get("name_en") or r["name"]),
            esc(_level_label(r["level"], lang)),
            esc(fmt_number(r["plan_value"], unit, lang=lang)),
            esc(fmt_number(r["returns_value"], unit, lang=lang)),
            esc(fmt_number(r["difference"], unit, lang=lang)),
            badge, esc(r["source"]),
        ])
    return "".join(parts) + html_table(header, body, cls="pe-baseline")


def baseline_reconciliation(targets: pd.DataFrame, history: pd.DataFrame,
                            indicators: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """One row per base-year value the plan states, with the returns' value for that year.

    Status ``match`` when they agree within rounding (0.05 percentage points for fractions,
    0.5 % otherwise), ``differs`` when not, ``missing`` when the returns lack the value.
    """
    stated: list[dict[str, Any]] = []
    if len(targets) and "baseline_value" in targets.columns:
        for _, r in targets.iterrows():
            if _missing(r.get("baseline_value")) or _missing(r.get("indicator")):
                continue
            stated.append({"name": r.get("name_zh", ""), "name_en": r.get("name_en", ""),
                           "level": r.get("level"), "indicator": r.get("indicator"),
                           "unit": r.get("unit"), "plan_value": float(r["baseline_value"]),
                           "source": r.get("source", "")})
    if len(history):
        for _, r in history[pd.to_numeric(history["year"], errors="coerce") == base_year].iterrows():
            if _missing(r.get("value")):
                continue
            stated.append({"name": _indicator_name(r.get("indicator"), "zh"),
                           "name_en": _indicator_name(r.get("indicator"), "en"),
                           "level": r.get("level"), "indicator": r.get("indicator"),
                           "unit": r.get("unit"), "plan_value": float(r["value"]),
                           "source": r.get("source", "")})
    frame = pd.DataFrame(stated)
    if not len(frame):
        return frame
    frame = frame.drop_duplicates(subset=["level", "indicator", "plan_value"])
    observed = {}
    if len(indicators):
        base = indicators[pd.to_numeric(indicators["year"], errors="coerce") == base_year]
        observed = {(str(lv), str(ind)): float(v) for lv, ind, v in
                    zip(base["level"], base["indicator"], base["value"], strict=True)
                    if not _missing(v)}
    values, diffs, statuses = [], [], []
    for _, r in frame.iterrows():
        value = observed.get((str(r["level"]), str(r["indicator"])))
        values.append(value)
        if value is None:
            diffs.append(None)
            statuses.append("missing")
            continue
        diff = value - r["plan_value"]
        tolerance = 0.0005 if r["unit"] == "fraction" else max(0.005 * abs(r["plan_value"]), 0.5)
        diffs.append(diff)
        statuses.append("match" if abs(diff) <= tolerance else "differs")
    frame["returns_value"] = values
    frame["difference"] = diffs
    frame["status"] = statuses
    return frame.reset_index(drop=True)


def series_block(ctx: ReportContext) -> str:
    """Series the plan quotes for the years before the base year (e.g. 2016–2020)."""
    from analysis.plotting import figure_html, new_figure, series_chart

    lang = ctx.lang
    history = ctx.tables.get("history", pd.DataFrame())
    parts = [_h(3, t("sub.series", lang))]
    if not len(history):
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    data = history.copy()
    data["year"] = pd.to_numeric(data["year"], errors="coerce")
    data = data[(data["year"] <= ctx.base_year) & data["value"].notna()]
    # a series is one value per year; several facts sharing an indicator are not a series
    groups = [(k, g) for k, g in data.groupby(["indicator", "level"], sort=False)
              if len(g) >= 2 and g["year"].nunique() == len(g)]
    if not groups:
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    for (indicator, level), group in groups:
        unit = group["unit"].dropna().astype(str).iloc[0] if group["unit"].notna().any() else None
        name = _indicator_name(indicator, lang)
        title = f"{name}（{_level_label(level, lang)}）" if lang == "zh" else \
            f"{name} ({_level_label(level, lang)})"
        years = sorted(int(y) for y in group["year"])
        header = [esc(t("col.year", lang))] + [str(y) for y in years]
        by_year = dict(zip(group["year"].astype(int), group["value"], strict=True))
        row = [esc(title)] + [esc(fmt_number(by_year[y], unit, lang=lang)) for y in years]
        parts.append(html_table(header, [row], cls="pe-series"))
        fig, ax = new_figure(6.0, 2.8)
        series_chart(ax, group[["year", "value"]], title=title, unit=unit, lang=lang)
        source = group["source"].dropna().astype(str)
        parts.append(figure_html(fig, alt=title, caption=t("text.source", lang, source=source.iloc[0])
                                 if len(source) else None))
    return "".join(parts)


def births_block(ctx: ReportContext) -> str:
    """Births since the year before the base year (drive primary entry six years later)."""
    from analysis.plotting import figure_html, new_figure, series_chart

    lang = ctx.lang
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    history = ctx.tables.get("history", pd.DataFrame())
    frames = [f[f["indicator"].astype(str) == "births"][["year", "value"]]
              for f in (history, indicators) if len(f) and "indicator" in f.columns]
    parts = [_h(3, t("sub.births", lang))]
    data = pd.concat(frames) if frames else pd.DataFrame(columns=["year", "value"])
    data = data.dropna(subset=["value"]).copy()
    data["year"] = pd.to_numeric(data["year"], errors="coerce").astype("Int64")
    data = data.drop_duplicates("year", keep="last").sort_values("year")
    data = data[(data["year"] >= ctx.base_year - 5) & (data["year"] <= ctx.eval_year)]
    if len(data) < 2:
        return "".join(parts) + _p(t("text.no_history", lang), "pe-note")
    first, last = data.iloc[0], data.iloc[-1]
    change = float(last["value"]) / float(first["value"]) - 1 if float(first["value"]) else 0.0
    parts.append(_p(t("text.births", lang, first=int(first["year"]), last=int(last["year"]),
                      v_first=fmt_number(first["value"]), v_last=fmt_number(last["value"]),
                      change=f"{change:+.1%}")))
    fig, ax = new_figure(6.0, 2.8)
    series_chart(ax, data, title=t("fig.births.title", lang), unit="persons", lang=lang)
    parts.append(figure_html(fig, alt=t("fig.births.title", lang)))
    return "".join(parts)


# ---- chapter-4 style blocks


def rule_years(indicators: pd.DataFrame, indicator: str, level: str | None,
               first_year: int, last_year: int) -> pd.DataFrame:
    """Year-by-year test of a “逐年只增不减” rule: ``year, value, change, met``.

    ``met`` is True when the value is not lower than the year before, NA for the first year
    or when a value is missing.
    """
    data = indicators[indicators["indicator"].astype(str) == indicator] if len(indicators) else \
        pd.DataFrame(columns=["year", "value", "level"])
    if level is not None and len(data) and (data["level"].astype(str) == level).any():
        data = data[data["level"].astype(str) == level]
    data = data.copy()
    data["year"] = pd.to_numeric(data["year"], errors="coerce")
    data = data[(data["year"] >= first_year) & (data["year"] <= last_year)]
    by_year = data.groupby("year")["value"].sum(min_count=1) if len(data) else pd.Series(dtype=float)
    years = list(range(first_year, last_year + 1))
    values = [by_year.get(y) for y in years]
    changes: list[float | None] = [None]
    met: list[bool | None] = [None]
    for previous, current in zip(values, values[1:], strict=False):
        if _missing(previous) or _missing(current):
            changes.append(None)
            met.append(None)
        else:
            changes.append(float(current) - float(previous))
            met.append(bool(float(current) >= float(previous)))
    return pd.DataFrame({"year": years, "value": values, "change": changes, "met": met})


def funding_rules_block(ctx: ReportContext) -> str:
    """Each rule row of the chapter tested year by year from the base year to eval year."""
    from analysis.plotting import figure_html, new_figure, rule_bars

    lang = ctx.lang
    rows = ctx.chapter_rows()
    rules = rows[rows["kind"].astype(str) == "rule"] if len(rows) else rows
    parts = [_h(3, t("sub.funding", lang))]
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    units = _units(ctx)
    any_data = False
    for _, rule in rules.iterrows():
        indicator = str(rule.get("indicator"))
        level = None if _missing(rule.get("level")) else str(rule.get("level"))
        unit = units.get(str(rule.get("key")))
        table = rule_years(indicators, indicator, level, ctx.base_year, ctx.eval_year)
        name = _name(rule, lang)
        parts.append(f"<h4>{esc(name)}</h4>")
        if table["value"].isna().all():
            parts.append(_p(t("text.no_funding", lang), "pe-note"))
            continue
        any_data = True
        header = [esc(t("col.year", lang))] + [str(y) for y in table["year"]]
        value_row = [esc(t("col.value", lang))] + [esc(fmt_number(v, unit, lang=lang))
                                                   for v in table["value"]]
        change_row = [esc(t("col.change", lang))] + [esc(fmt_number(c, unit, lang=lang))
                                                     for c in table["change"]]
        met_row = [esc(t("col.met", lang))] + [
            esc(t("misc.dash", lang)) if i == 0 else _rule_badge(m, lang)
            for i, m in enumerate(table["met"])]
        parts.append(html_table(header, [value_row, change_row, met_row], cls="pe-rule"))
        fig, ax = new_figure(6.0, 2.6)
        rule_bars(ax, table.dropna(subset=["value"])[["year", "value"]], title=name, unit=unit,
                  lang=lang)
        parts.append(figure_html(fig, alt=name))
    if not len(rules) or not any_data and not len(rules):
        parts.append(_p(t("text.no_funding", lang), "pe-note"))
    return "".join(parts)


def _rule_badge(met: object, lang: str) -> str:
    from analysis.plotting import grade_colour, grade_text_colour

    if _missing(met):
        code, key = "no_data", "text.rule.no_data"
    elif bool(met):
        code, key = "achieved", "text.rule.met"
    else:
        code, key = "lagging", "text.rule.not_met"
    return (f'<span class="pe-badge" style="background:{grade_colour(code)};'
            f'color:{grade_text_colour(code)}">{esc(t(key, lang))}</span>')


def deadlines_block(ctx: ReportContext) -> str:
    """Milestones due before the plan's target year (e.g. charters approved by 2022)."""
    lang = ctx.lang
    rows = _milestone_rows(ctx.chapter_rows())
    if not len(rows):
        return ""
    deadlines = {str(k): _target_row(ctx, str(k)).get("deadline") for k in rows["key"]}
    due = [(r, deadlines[str(r["key"])]) for _, r in rows.iterrows()
           if not _missing(deadlines[str(r["key"])])
           and int(float(deadlines[str(r["key"])])) < ctx.target_year]
    if not due:
        return ""
    header = [esc(t("col.task", lang)), esc(t("col.deadline", lang)), esc(t("col.status", lang)),
              esc(t("col.note", lang))]
    body = []
    for row, deadline in due:
        year = int(float(deadline))
        state = "text.deadline.overdue" if ctx.eval_year > year else "text.deadline.pending"
        note = t(state, lang)
        if str(row.get("grade")) == "done":
            note = ""
        body.append([esc(_name(row, lang)), esc(t("text.deadline.due", lang, year=year)),
                     grade_badge(row.get("grade"), lang), esc(note)])
    return _h(3, t("sub.governance", lang)) + html_table(header, body, cls="pe-deadlines")


# --------------------------------------------------------------------------- problems


def problems_section(ctx: ReportContext, *, whole_plan: bool = False) -> str:
    """四、存在的问题: lagging indicators, no-data targets, QA findings, plan inconsistencies."""
    lang = ctx.lang
    rows = ctx.evaluation if whole_plan else ctx.chapter_rows()
    units = _units(ctx)
    parts = [_h(2, t("sec.problems", lang)), _h(3, t("sub.lagging", lang))]
    lagging = rows[rows["grade"].astype(str) == "lagging"] if len(rows) else rows
    if len(lagging):
        items = []
        for _, r in lagging.iterrows():
            unit = units.get(str(r.get("key")))
            if str(r.get("kind")) == "rule" or _missing(r.get("progress")):
                items.append(f"{_name(r, lang)}{_colon(lang)}{_note(r, lang)}")
                continue
            target, which = r.get("midterm_target"), "text.midterm_target"
            if ctx.final or _missing(target):
                target, which = r.get("final_target"), "text.final_target"
            items.append(t("text.lagging_item", lang, name=_name(r, lang),
                           level=_level_label(r.get("level"), lang),
                           target_label=t(which, lang),
                           actual=fmt_number(r.get("actual"), unit, lang=lang),
                           target=fmt_target(target, r.get("comparator"), unit, lang),
                           progress=fmt_share(r.get("progress"), lang),
                           tau=fmt_share(ctx.tau, lang)))
        parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    else:
        parts.append(_p(t("text.no_lagging", lang)))
    no_data = rows[rows["grade"].astype(str) == "no_data"] if len(rows) else rows
    if len(no_data):
        parts.append(_h(3, t("sub.no_data", lang)))
        names = [f"{_name(r, lang)}（{_level_label(r.get('level'), lang)}）" if lang == "zh"
                 else f"{_name(r, lang)} ({_level_label(r.get('level'), lang)})"
                 for _, r in no_data.iterrows()]
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in names) + "</ul>")
    parts.append(qa_block(ctx, rows if not whole_plan else None))
    parts.append(consistency_block(ctx, rows if not whole_plan else None))
    return _section("".join(parts), "pe-problems")


def qa_block(ctx: ReportContext, rows: pd.DataFrame | None = None) -> str:
    """QA warnings and errors with file / sheet / cell; limited to the rows' indicators."""
    lang = ctx.lang
    qa = ctx.tables.get("qa_issues", pd.DataFrame())
    parts = [_h(3, t("sub.qa", lang))]
    if len(qa) and rows is not None and len(rows) and "indicator" in qa.columns:
        wanted = set()
        for value in rows["indicator"].dropna().astype(str):
            wanted.update(value.split("/"))
        qa = qa[qa["indicator"].astype(str).isin(wanted) | qa["indicator"].isna()]
    if not len(qa):
        return "".join(parts) + _p(t("text.no_qa", lang))
    serious = qa[qa["severity"].astype(str).isin(["error", "warning"])]
    info = len(qa) - len(serious)
    header = [esc(t("col.severity", lang)), esc(t("col.check", lang)), esc(t("col.year", lang)),
              esc(t("col.message", lang)), esc(t("col.location", lang))]
    body = []
    for _, r in serious.head(MAX_LIST).iterrows():
        location = " / ".join(str(r[c]) for c in ("source_file", "source_sheet", "source_cell")
                              if c in r and not _missing(r[c]) and str(r[c]))
        year = "" if _missing(r.get("year")) else str(int(float(r["year"])))
        severity = str(r.get("severity"))
        message = r.get("message_zh") if lang == "zh" and not _missing(r.get("message_zh")) \
            else r.get("message")
        body.append([esc(_severity(severity, lang)), esc(r.get("check")), esc(year),
                     esc(message), esc(location)])
    if body:
        parts.append(html_table(header, body, cls="pe-qa"))
    if len(serious) > MAX_LIST:
        parts.append(_p(t("text.more_rows", lang, n=len(serious) - MAX_LIST), "pe-note"))
    if not body:
        parts.append(_p(t("text.no_qa", lang)))
    if info:
        parts.append(_p(t("text.qa_more", lang, n=info), "pe-note"))
    return "".join(parts)


def _severity(value: object, lang: str) -> str:
    text = str(value)
    return t(f"severity.{text}", lang) if has(f"severity.{text}") else text


def consistency_block(ctx: ReportContext, rows: pd.DataFrame | None = None) -> str:
    """The plan's own inconsistencies (from the consistency checks) touching the rows' keys."""
    lang = ctx.lang
    checks = ctx.tables.get("consistency", pd.DataFrame())
    parts = [_h(3, t("sub.consistency", lang))]
    if len(checks) and rows is not None and "keys" in checks.columns:
        mine = set(rows["key"].astype(str)) if len(rows) else set()
        parents = {k.rsplit(".", 1)[0] for k in mine}

        def touches(text: object) -> bool:
            keys = set(re.split(r"[;,\s|]+", str(text))) - {""}
            return bool(keys & (mine | parents))

        checks = checks[checks["keys"].map(touches)]
    if not len(checks):
        return "".join(parts) + _p(t("text.no_consistency", lang))
    message_col = f"message_{lang}" if f"message_{lang}" in checks.columns else "message_zh"
    items = [f"<li>{esc(_severity(r.get('severity'), lang))}{esc(_colon(lang))}"
             f"{esc(r.get(message_col))}</li>" for _, r in checks.iterrows()]
    return "".join(parts) + "<ul>" + "".join(items) + "</ul>"


# --------------------------------------------------------------------------- outlook


def outlook_section(ctx: ReportContext) -> str:
    """五、fans with targets, outlook per target, teacher gap, recommendations."""
    lang = ctx.lang
    rows = _numeric_rows(ctx.chapter_rows())
    heading = t("sec.outlook.final" if ctx.final else "sec.outlook", lang)
    parts = [_h(2, heading)]
    if not ctx.final:
        parts.append(_h(3, t("sub.projections", lang)))
        parts.append(fan_block(ctx, rows))
    if _needs_teachers(rows):
        parts.append(teacher_block(ctx))
    parts.append(_h(3, t("sub.recommendations", lang)))
    parts.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in recommendations(ctx, rows))
                 + "</ul>")
    return _section("".join(parts), "pe-outlook")


def _needs_teachers(rows: pd.DataFrame) -> bool:
    if not len(rows) or "indicator" not in rows.columns:
        return False
    return rows["indicator"].astype(str).str.contains("teachers").any()


def fan_block(ctx: ReportContext, rows: pd.DataFrame) -> str:
    """Fan charts of the targets with a combined projection (at most :data:`MAX_FANS`).

    The fans are small multiples of one figure (one panel per target, one shared legend),
    followed by a small table giving, per panel, the method used and its back-test error.
    """
    from analysis.plotting import fan_chart, figure_html, shared_legend, small_multiples

    lang = ctx.lang
    projections = ctx.models.get("projections", pd.DataFrame())
    if not len(projections) or not len(rows):
        return _p(t("text.no_projection", lang), "pe-note")
    combined = projections[projections["method"].astype(str) == "combined"] \
        if "method" in projections.columns else projections
    indicators = ctx.tables.get("indicators", pd.DataFrame())
    units = _units(ctx)
    panels: list[dict[str, Any]] = []
    for _, row in rows.iterrows():
        if len(panels) >= MAX_FANS:
            break
        indicator, level = str(row.get("indicator")), str(row.get("level"))
        proj = combined[(combined["indicator"].astype(str) == indicator)
                        & (combined["level"].astype(str) == level)]
        if not len(proj):
            continue
        observed = pd.DataFrame(columns=["year", "value"])
        if len(indicators):
            obs = indicators[(indicators["indicator"].astype(str) == indicator)
                             & (indicators["level"].astype(str) == level)]
            obs = obs[pd.to_numeric(obs["year"], errors="coerce") <= ctx.eval_year]
            observed = obs[["year", "value"]]
        targets = [{"year": ctx.midterm_year, "value": _float(row.get("midterm_target")),
                    "kind": "midterm"},
                   {"year": ctx.target_year, "value": _float(row.get("final_target")),
                    "kind": "final"}]
        title = f"{_level_label(level, lang)}·{_name(row, lang)}"
        panels.append({"projections": proj, "observed": observed, "targets": targets,
                       "title": title, "unit": units.get(str(row.get("key"))),
                       "backtest": _backtest_parts(ctx, indicator, level)})
    if not panels:
        return _p(t("text.no_projection", lang), "pe-note")
    fig, axes = small_multiples(len(panels), ncols=2, panel=(4.8, 2.7))
    for ax, panel in zip(axes, panels, strict=True):
        fan_chart(ax, panel["projections"], panel["observed"], panel["targets"],
                  title=_short(panel["title"], "", 28), unit=panel["unit"], lang=lang,
                  legend=False)
    shared_legend(fig, axes)
    alt = "; ".join(panel["title"] for panel in panels)
    parts = [figure_html(fig, alt=alt)]
    if any(panel["backtest"] is not None for panel in panels):
        header = [esc(t("col.indicator", lang)), esc(t("col.method", lang)),
                  esc(t("col.mape", lang))]
        body = [[esc(panel["title"])] + [esc(text) for text in panel["backtest"] or ("", "")]
                for panel in panels]
        parts.append(html_table(header, body, cls="pe-fan-notes"))
    return "".join(parts)


def _float(value: object) -> float | None:
    try:
        return None if _missing(value) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _backtest_parts(ctx: ReportContext, indicator: str, level: str) -> tuple[str, str] | None:
    """``(method used, back-test error at the horizon nearest the target year)`` of a series."""
    choice = ctx.models.get("model_choice", pd.DataFrame())
    backtest = ctx.models.get("backtest", pd.DataFrame())
    if not len(choice):
        return None
    match = choice[(choice["indicator"].astype(str) == indicator)
                   & (choice["level"].astype(str) == level)]
    if not len(match):
        return None
    method = str(match.iloc[0]["method_used"])
    error = ""
    if len(backtest):
        horizon = max(ctx.target_year - ctx.eval_year, 1)
        bt = backtest[(backtest["indicator"].astype(str) == indicator)
                      & (backtest["level"].astype(str) == level)
                      & (backtest["method"].astype(str) == method)]
        if len(bt):
            bt = bt.iloc[(pd.to_numeric(bt["horizon"]) - horizon).abs().argsort()[:1]]
            mape = bt.iloc[0]["mape"]
            if not _missing(mape):
                error = f"h={int(bt.iloc[0]['horizon'])}: {float(mape):.1%}"
    return method, error


def teacher_block(ctx: ReportContext) -> str:
    """Teacher demand vs continuing supply and hires needed by level (chart + table)."""
    from analysis.plotting import figure_html, shared_legend, small_multiples, teacher_gap_chart

    lang = ctx.lang
    balance = ctx.models.get("teacher_balance", pd.DataFrame())
    parts = [_h(3, t("sub.teachers", lang))]
    if not len(balance):
        return "".join(parts) + _p(t("text.no_teachers", lang), "pe-note")
    header = [esc(t("col.level", lang)), esc(t("col.year", lang)), esc(t("col.enrolment", lang)),
              esc(t("col.demand", lang)), esc(t("col.supply", lang)), esc(t("col.hires", lang)),
              esc(t("col.gap", lang))]
    body = []
    groups = list(balance.groupby(balance["level"].astype(str), sort=False))
    fig, axes = small_multiples(len(groups), ncols=2, panel=(4.8, 2.6))
    for ax, (level, group) in zip(axes, groups, strict=True):
        label = _level_label(level, lang)
        teacher_gap_chart(ax, group, title=label, lang=lang, legend=False)
    shared_legend(fig, axes)
    parts.append(figure_html(fig, alt="; ".join(_level_label(level, lang) for level, _ in groups)))
    for level, group in groups:
        label = _level_label(level, lang)
        at_target = group[pd.to_numeric(group["year"], errors="coerce") == ctx.target_year]
        for _, r in (at_target if len(at_target) else group.tail(1)).iterrows():
            body.append([esc(label), str(int(r["year"]))] + [
                esc(fmt_number(r.get(c), "persons", lang=lang))
                for c in ("enrolment", "demand", "supply_continuing", "hires_needed", "gap")])
    parts.append(html_table(header, body, cls="pe-teachers"))
    return "".join(parts)


def recommendations(ctx: ReportContext, rows: pd.DataFrame) -> list[str]:
    """Plain recommendations derived from lagging, unlikely and no-data targets and hires."""
    lang = ctx.lang
    separator = "、" if lang == "zh" else ", "
    out: list[str] = []
    if len(rows):
        lagging = rows[rows["grade"].astype(str) == "lagging"]
        if len(lagging):
            names = separator.join(_name(r, lang) for _, r in lagging.head(6).iterrows())
            out.append(t("text.reco.lagging", lang, n=len(lagging), names=names))
        if "outlook" in rows.columns and not ctx.final:
            unlikely = rows[rows["outlook"].astype(str) == "unlikely"]
            if len(unlikely):
                names = separator.join(_name(r, lang) for _, r in unlikely.head(6).iterrows())
                out.append(t("text.reco.unlikely", lang, names=names, year=ctx.target_year))
        no_data = rows[rows["grade"].astype(str) == "no_data"]
        if len(no_data):
            out.append(t("text.reco.no_data", lang, n=len(no_data)))
    balance = ctx.models.get("teacher_balance", pd.DataFrame())
    if _needs_teachers(rows) and len(balance) and not ctx.final:
        future = balance[(pd.to_numeric(balance["year"], errors="coerce") > ctx.eval_year)
                         & (pd.to_numeric(balance["year"], errors="coerce") <= ctx.target_year)]
        for level, group in future.groupby(future["level"].astype(str), sort=False):
            hires = pd.to_numeric(group["hires_needed"], errors="coerce").sum()
            if hires > 0:
                out.append(t("text.reco.teachers", lang, year=ctx.target_year,
                             level=_level_label(level, lang), hires=fmt_number(round(hires))))
    return out or [t("text.reco.none", lang)]


# --------------------------------------------------------------------------- method note


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


def chapter_numbers(ctx: ReportContext) -> list[int]:
    """The plan's chapter numbers in order."""
    return [int(c.number) for c in ctx.config.chapters]


def grade_matrix(ctx: ReportContext) -> pd.DataFrame:
    """Counts of numeric targets per chapter (rows, chapter titles) and grade (columns)."""
    records = {}
    for number in chapter_numbers(ctx):
        counts = tally_counts(_numeric_rows(ctx.chapter_rows(number)))
        records[chapter_title(ctx, number)] = counts
    return pd.DataFrame.from_dict(records, orient="index", columns=list(GRADES)).fillna(0)


def summary_overall_section(ctx: ReportContext) -> str:
    """一、grade tally across all chapters with the headline."""
    numeric = _numeric_rows(ctx.evaluation)
    key = _headline_key(numeric, ctx.tau)
    cls = "pe-headline pe-behind" if key == "not_met" else "pe-headline"
    body = [_h(2, t("sec.summary.tally", ctx.lang)),
            f'<p class="{cls}">{esc(headline(numeric, ctx.tau, ctx.lang, final=ctx.final))}</p>',
            _p(tally_sentence(ctx.evaluation, ctx.lang, final=ctx.final, whole_plan=True)),
            tally_table(numeric, ctx.lang, final=ctx.final)]
    return _section("".join(body), "pe-summary-overall")


def heatmap_section(ctx: ReportContext) -> str:
    """二、grade-by-chapter heat map."""
    from analysis.plotting import figure_html, grade_heatmap, new_figure

    matrix = grade_matrix(ctx)
    labels = {code: grade_label(code, ctx.lang, final=ctx.final) for code in GRADES}
    fig, ax = new_figure(7.0, 0.6 * len(matrix) + 1.4)
    grade_heatmap(ax, matrix, column_labels=labels, title=t("fig.heatmap.title", ctx.lang))
    return _section(_h(2, t("sec.summary.heatmap", ctx.lang))
                    + figure_html(fig, alt=t("fig.heatmap.title", ctx.lang)), "pe-heatmap")


def chapter_links_section(ctx: ReportContext) -> str:
    """三、one row per chapter: link to ``chapter_<n>.html``, target count, grade counts."""
    lang = ctx.lang
    header = [esc(t("col.chapter", lang)), esc(t("col.targets", lang))] + [
        grade_badge(code, lang, final=ctx.final) for code in GRADES] + [
        esc(t("col.link", lang))]
    body = []
    for number in chapter_numbers(ctx):
        rows = ctx.chapter_rows(number)
        counts = tally_counts(_numeric_rows(rows))
        href = paths.report_page(int(number), lang)
        body.append([esc(chapter_title(ctx, number)), str(len(rows))]
                    + [str(counts[c]) for c in GRADES]
                    + [f'<a href="{esc(href)}">{esc(href)}</a>'])
    return _section(_h(2, t("sec.summary.chapters", lang)) + _p(t("text.summary.links", lang))
                    + html_table(header, body, cls="pe-links"), "pe-links-section")


def metadata_section(ctx: ReportContext, *, generated: date | None = None) -> str:
    """四、plan, evaluation year, data fingerprint, package version, date."""
    from analysis import __version__

    lang = ctx.lang
    facts = [
        (t("meta.plan", lang), f"{plan_name(ctx)} ({ctx.plan})"),
        (t("meta.eval_year", lang), f"{ctx.eval_year} · {eval_kind(ctx)}"),
        (t("meta.tau", lang), fmt_share(ctx.tau, lang)),
        (t("meta.band", lang), f"{ctx.band:g}"),
        (t("meta.data_fingerprint", lang), ctx.fingerprint[:16]),
        (t("meta.package_version", lang), __version__),
        (t("meta.generated", lang), (generated or date.today()).isoformat()),
    ]
    body = html_table([esc(t("col.item", lang)), esc(t("col.value", lang))],
                      [[esc(k), esc(v)] for k, v in facts], cls="pe-meta-table")
    return _section(_h(2, t("sec.summary.meta", lang)) + body, "pe-meta-section")


# --------------------------------------------------------------------------- rendering


def render_notebook_html(executed_ipynb: Path, out_html: Path, *, title: str) -> Path:
    """Write the executed notebook as a self-contained HTML report, atomically.

    Code cells' inputs and prompts are left out, cells tagged ``remove-cell`` or
    ``report-hide`` (the ``# NBVAL_CHECK_OUTPUT`` checks) and stderr streams are dropped;
    figures stay embedded as base64 images; no script is needed to read or print the page.
    """
    import nbformat

    executed_ipynb, out_html = Path(executed_ipynb), Path(out_html)
    notebook = nbformat.read(executed_ipynb, as_version=4)
    lang = _guess_lang(notebook)
    notebook.cells = [cell for cell in notebook.cells if not (
        {"remove-cell", "report-hide", "injected-parameters", "parameters"}
        & set(cell.get("metadata", {}).get("tags", [])))]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (
                o.get("output_type") == "stream" and o.get("name") == "stderr")]
    body, _resources = _html_exporter().from_notebook_node(notebook)
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{esc(title)}</title>\n<style>{REPORT_CSS}\n{_PAGE_CSS}</style>\n</head>\n"
        f'<body class="pe-page">\n<main class="pe-report">\n{body}\n</main>\n</body>\n</html>\n'
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    temp = out_html.with_name(f".{out_html.name}.{os.getpid()}.tmp")
    temp.write_text(page, encoding="utf-8")
    os.replace(temp, out_html)
    return out_html


@functools.lru_cache(maxsize=1)
def _html_exporter() -> Any:
    """The nbconvert exporter of the reports, created once per process (its templates load
    on first use, so a warm-up converts an empty notebook)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            exclude_anchor_links=True)
    exporter.from_notebook_node(nbformat.v4.new_notebook())
    return exporter


#: Set-up a batch worker may run before its first report (see ``tasks.prepare_worker``).
render_notebook_html.prepare = _html_exporter  # type: ignore[attr-defined]


def _guess_lang(notebook: Any) -> str:
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []) or \
                "parameters" in cell.get("metadata", {}).get("tags", []):
            match = re.search(r"""lang\s*=\s*['"](\w+)['"]""", cell.source)
            if match:
                return match.group(1)
    return "zh"


_PAGE_CSS = """
body.pe-page { max-width: 60em; margin: 1.5em auto; padding: 0 1em; background: #fff; }
.pe-page .output_area pre, .pe-page pre { white-space: pre-wrap; }
.pe-page .prompt, .pe-page .input_prompt, .pe-page .output_prompt { display: none; }
@page { size: A4; margin: 15mm; }
@media print { body.pe-page { max-width: none; margin: 0; } }
"""


def write_evaluation(ctx: ReportContext, reports_root: str = "") -> Path:
    """Write the whole plan's ``evaluation.csv`` into ``reports/<plan>/<eval_year>/``."""
    from analysis import evaluate

    folder = paths.report_dir(ctx.plan, ctx.eval_year, reports_root or None)
    return evaluate.write_evaluation_csv(ctx.evaluation, folder / "evaluation.csv")
