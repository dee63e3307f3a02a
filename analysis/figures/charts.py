"""Figure styling and figure helpers for the reports.

:func:`setup_plotting` owns all styling. It applies the seaborn theme *first* (``set_theme``
resets the font list) and then registers the open-licence (SIL OFL) Noto Sans CJK SC font
shipped by the ``mplfonts`` package, so Chinese labels render instead of tofu boxes. The
grade colours in :data:`GRADE_COLOURS` are the only colours used for grades anywhere (tables,
heat map, figures).

Figures are returned as ``matplotlib.figure.Figure`` objects built without pyplot, so no
figure is ever shown twice; :func:`figure_html` embeds one in a report as a base64 PNG.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from analysis.core.formatting import format_number, format_share, is_count_unit
from analysis.core.i18n import LabelTable
from analysis.figures.font import CJK_FAMILY, CJK_FONT_FILE, cjk_font_path  # noqa: F401 - re-exported

LABELS = LabelTable(Path(__file__).resolve().parent / "resources" / "labels.csv")
"""The figures' own words (legends, axes); report headings live with the report."""
t = LABELS.t

FALLBACK_FAMILIES: list[str] = [CJK_FAMILY, "DejaVu Sans"]

#: One colour per grade / milestone / outlook code, used by tables, heat map and figures.
GRADE_COLOURS: dict[str, str] = {
    "achieved": "#1a7f37",
    "ahead": "#4dac26",
    "on_track": "#b8e186",
    "lagging": "#d7301f",
    "overdue": "#8b0000",
    "as_planned": "#b8e186",
    "above_plan": "#80cdc1",
    "below_plan": "#dfc27d",
    "no_data": "#bdbdbd",
    "done": "#1a7f37",
    "in_progress": "#b8e186",
    "not_started": "#d7301f",
    "no_record": "#bdbdbd",
    "likely": "#4dac26",
    "at_risk": "#fdae61",
    "unlikely": "#d7301f",
    "unknown": "#bdbdbd",
    "projected_within": "#b8e186",
    "projected_above": "#80cdc1",
    "projected_below": "#dfc27d",
    "closed": "#e0e0e0",
}
_DARK_BACKGROUNDS = {"achieved", "ahead", "lagging", "overdue", "done", "not_started", "unlikely"}

OBSERVED_COLOUR = "#222222"
PROJECTION_COLOUR = "#2b6cb0"
TARGET_COLOURS = {"midterm": "#7b3294", "final": "#c51b7d"}


def grade_colour(code: str) -> str:
    """Background colour for a grade, milestone or outlook code (grey when unknown)."""
    return GRADE_COLOURS.get(str(code), GRADE_COLOURS["no_data"])


def grade_text_colour(code: str) -> str:
    """Readable text colour on :func:`grade_colour` (white on dark, black on light)."""
    return "#ffffff" if str(code) in _DARK_BACKGROUNDS else "#111111"


def setup_plotting(*, context: str = "notebook", dpi: int = 110) -> None:
    """Apply the report style: seaborn theme, CJK font with fallback, readable defaults.

    Safe to call repeatedly. The seaborn theme is applied before the font settings because
    ``seaborn.set_theme`` resets ``font.family``.
    """
    import seaborn as sns

    sns.set_theme(context=context, style="whitegrid")
    path = cjk_font_path()
    registered = {Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    if path not in registered:
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams.update(
        {
            "font.family": list(FALLBACK_FAMILIES),
            "axes.unicode_minus": False,
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            # Every figure is laid out by the constrained layout engine, so it already fits its
            # canvas; a "tight" bounding box would draw each figure twice to measure it again.
            "savefig.bbox": "standard",
            "axes.titleweight": "normal",
            "legend.frameon": False,
        }
    )


def new_figure(width: float = 7.0, height: float = 3.6, *, ncols: int = 1) -> tuple[Figure, Axes]:
    """A figure with one axes (or the first of ``ncols``), not registered with pyplot."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    first = axes[0] if ncols > 1 else axes
    return fig, first


def small_multiples(n: int, *, ncols: int = 2, panel: tuple[float, float] = (4.8, 2.7),
                    sharex: bool = True) -> tuple[Figure, list[Axes]]:
    """One figure holding ``n`` panels in a grid of ``ncols`` columns (small multiples).

    ``panel`` is the size in inches of one panel; the figure is ``ncols`` panels wide (fewer
    when ``n`` is smaller) and as many rows high as needed. With ``sharex`` (the default:
    the panels show the same years) every panel has the same x range and only the lowest
    panel of each column prints the x tick labels and axis label. Returns the figure and its
    ``n`` axes in reading order; the unused cells of the last row are removed.
    """
    if n < 1:
        raise ValueError("small_multiples needs at least one panel")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex)
    axes = list(grid.ravel())
    for ax in axes[n:]:
        fig.delaxes(ax)
    if sharex:
        for index, ax in enumerate(axes[:n]):
            lowest = index + ncols >= n  # nothing drawn below it in its column
            ax.xaxis.set_tick_params(labelbottom=lowest)
            ax.xaxis.label.set_visible(lowest)
    return fig, axes[:n]


def shared_legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """One legend below the panels with every label drawn in ``axes`` (each label once).

    Removes the panels' own legends, so a grid of fans or teacher charts explains its bands,
    lines and target markers once.
    """
    seen: dict[str, object] = {}
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        for handle, label in zip(handles, labels, strict=True):
            if label and not label.startswith("_"):
                seen.setdefault(label, handle)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    if seen:
        fig.legend(list(seen.values()), list(seen.keys()), loc="outside lower center",
                   ncols=min(len(seen), 4), fontsize="small")


def integer_year_axis(ax: Axes, axis: str = "x") -> Axes:
    """Ticks on whole years only, printed without decimals or thousands separators."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(mticker.MaxNLocator(nbins="auto", integer=True, min_n_ticks=2))
    target.set_major_formatter(mticker.FuncFormatter(lambda value, _pos: f"{round(value):d}"))
    return ax


def value_axis(ax: Axes, unit: str | None) -> Axes:
    """Format the y axis for a unit as the tables do (:func:`format_number`): percentages for
    fractions, whole numbers (on whole-number ticks) for counts, grouped digits otherwise."""
    if is_count_unit(unit):
        ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins="auto", integer=True))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: format_number(v, unit)))
    return ax


def fan_chart(
    ax: Axes,
    projections: pd.DataFrame,
    observed: pd.DataFrame | pd.Series | None,
    targets: Sequence[Mapping[str, object]] = (),
    *,
    title: str | None = None,
    unit: str | None = None,
    lang: str = "zh",
    legend: bool = True,
) -> Axes:
    """Projection fan (95 % and 80 % bands, central line), observed values and targets.

    ``projections`` has ``year, mean, lo80, hi80, lo95, hi95`` (one indicator and level, the
    ``combined`` method); ``observed`` has ``year, value`` (or is a Series indexed by year);
    each target is ``{"year": int, "value": float, "kind": "midterm"|"final"}`` and is drawn as
    a marker with a short label. ``legend=False`` leaves the legend to the caller (e.g.
    :func:`shared_legend` under a grid of fans).
    """
    proj = projections.sort_values("year")
    obs = _observed_frame(observed)
    if len(proj) and len(obs) and int(obs["year"].max()) < int(proj["year"].min()):
        last = obs.iloc[-1]
        anchor = {c: float(last["value"]) for c in ("mean", "lo80", "hi80", "lo95", "hi95")}
        proj = pd.concat([pd.DataFrame([{"year": int(last["year"]), **anchor}]),
                          proj[["year", "mean", "lo80", "hi80", "lo95", "hi95"]]])
    if len(proj):
        years = proj["year"].astype(int).to_numpy()
        ax.fill_between(years, proj["lo95"], proj["hi95"], color=PROJECTION_COLOUR, alpha=0.15,
                        linewidth=0, label=t("fig.band95", lang))
        ax.fill_between(years, proj["lo80"], proj["hi80"], color=PROJECTION_COLOUR, alpha=0.30,
                        linewidth=0, label=t("fig.band80", lang))
        ax.plot(years, proj["mean"], color=PROJECTION_COLOUR, linestyle="--", linewidth=1.5,
                label=t("fig.projection", lang))
    if len(obs):
        ax.plot(obs["year"], obs["value"], color=OBSERVED_COLOUR, marker="o", markersize=4,
                linewidth=1.5, label=t("fig.observed", lang))
    for target in targets:
        kind = str(target.get("kind", "final"))
        value = target.get("value")
        if value is None or pd.isna(value):
            continue
        colour = TARGET_COLOURS.get(kind, TARGET_COLOURS["final"])
        label = t("fig.target_midterm" if kind == "midterm" else "fig.target_final", lang)
        ax.plot([int(target["year"])], [float(value)], marker="D", markersize=8, color=colour,
                linestyle="none", label=label, zorder=5)
        ax.axhline(float(value), color=colour, linewidth=0.8, linestyle=":", zorder=1)
    return _finish_year_axes(ax, title=title, unit=unit, lang=lang, legend=legend)


def teacher_gap_chart(ax: Axes, balance: pd.DataFrame, *, title: str | None = None,
                      lang: str = "zh", legend: bool = True) -> Axes:
    """Teachers needed vs teachers continuing (lines) and hires needed (bars) by year."""
    data = balance.sort_values("year")
    years = data["year"].astype(int).to_numpy()
    ax.bar(years, data["hires_needed"].fillna(0), color=GRADE_COLOURS["at_risk"], alpha=0.8,
           label=t("fig.hires", lang))
    ax.plot(years, data["demand"], color=OBSERVED_COLOUR, marker="o", markersize=4,
            label=t("fig.demand", lang))
    ax.plot(years, data["supply_continuing"], color=PROJECTION_COLOUR, marker="s", markersize=4,
            linestyle="--", label=t("fig.supply", lang))
    ax.set_ylabel(t("fig.teachers", lang))
    return _finish_year_axes(ax, title=title, unit="persons", lang=lang, legend=legend)


def grade_heatmap(
    ax: Axes,
    counts: pd.DataFrame,
    *,
    column_labels: Mapping[str, str],
    title: str | None = None,
) -> Axes:
    """Grade-by-chapter heat map: one row per chapter, one column per grade code.

    Each cell is filled with the grade's colour, its strength proportional to the count, and
    the count is written in it. ``counts`` is indexed by the row labels (chapter names) with
    grade codes as columns; ``column_labels`` maps codes to display labels.
    """
    codes = [c for c in counts.columns]
    values = counts[codes].fillna(0).to_numpy(dtype=float)
    peak = values.max() if values.size and values.max() > 0 else 1.0
    for i in range(values.shape[0]):
        for j, code in enumerate(codes):
            count = values[i, j]
            alpha = 1.0 if count == 0 else 0.25 + 0.75 * count / peak
            face = "#f5f5f5" if count == 0 else grade_colour(code)
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=face, alpha=alpha,
                                   edgecolor="white", linewidth=2))
            strong = count > 0 and alpha > 0.75 and code in _DARK_BACKGROUNDS
            ax.text(j + 0.5, i + 0.5, format_number(count, "units"), ha="center", va="center",
                    color="#ffffff" if strong else "#111111", fontsize=11)
    ax.set_xlim(0, len(codes))
    ax.set_ylim(values.shape[0], 0)
    ax.set_xticks(np.arange(len(codes)) + 0.5)
    ax.set_xticklabels([wrap_label(column_labels.get(c, c), 12) for c in codes])
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(values.shape[0]) + 0.5)
    ax.set_yticklabels([wrap_label(label, 24, lines=2) for label in counts.index])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def series_chart(ax: Axes, series: pd.DataFrame, *, title: str | None = None,
                 unit: str | None = None, lang: str = "zh", label: str | None = None,
                 value_label: str | None = None) -> Axes:
    """A plain yearly line (``year, value``) with integer years, e.g. a 2016-2020 series.

    ``value_label`` names the value axis (e.g. ``亿元`` when the values are drawn in the unit
    the plan prints).
    """
    data = _observed_frame(series)
    ax.plot(data["year"], data["value"], color=OBSERVED_COLOUR, marker="o", markersize=4,
            label=label)
    if value_label:
        ax.set_ylabel(value_label)
    return _finish_year_axes(ax, title=title, unit=unit, lang=lang, legend=bool(label))


def rule_bars(ax: Axes, series: pd.DataFrame, *, title: str | None = None,
              unit: str | None = None, lang: str = "zh") -> Axes:
    """Yearly bars coloured by whether each year met its rule.

    ``series`` has ``year, value`` and ``met`` (True / False / missing, e.g. from
    :func:`analysis.report.safeguards.rule_years`, which tests the target's own rule); without
    ``met`` a bar is met when the value did not fall (逐年只增不减).
    """
    data = _observed_frame(series)
    if "met" in series.columns:
        marks = dict(zip(pd.to_numeric(series["year"]).astype(int), series["met"], strict=True))
        met = [marks.get(int(year)) for year in data["year"]]
    else:
        met = [None if pd.isna(c) else bool(c >= 0) for c in data["value"].diff()]
    colours = [
        GRADE_COLOURS["no_data"] if m is None or pd.isna(m) else
        (GRADE_COLOURS["achieved"] if bool(m) else GRADE_COLOURS["lagging"])
        for m in met
    ]
    ax.bar(data["year"], data["value"], color=colours)
    ax.legend(handles=[Patch(color=GRADE_COLOURS["achieved"], label=t("fig.rule_met", lang)),
                       Patch(color=GRADE_COLOURS["lagging"], label=t("fig.rule_not_met", lang))],
              loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    return _finish_year_axes(ax, title=title, unit=unit, lang=lang, legend=False)


PROGRESS_LIMITS = (-0.2, 1.5)
"""The progress axis runs from −20 % to 150 %; a bar beyond it is cut there and marked."""


def progress_chart(ax: Axes, names: Sequence[str], progress: Sequence[float],
                   grades: Sequence[str], tau: float, *, lang: str = "zh",
                   expected: Sequence[float] | None = None, label_width: int = 28) -> Axes:
    """Horizontal bars of each target's progress, coloured by grade, with τ as a line and,
    when given, each target's expected progress as a black tick.

    A bar beyond the axis (below −20 % or above 150 %) is cut at the axis limit and marked
    there with an arrow head and its real value (``▸ 320%``); long names are wrapped onto up
    to three lines (``label_width`` columns, a Chinese character counting two), never cut.
    The legend sits below the axes, outside the data.
    """
    low, high = PROGRESS_LIMITS
    positions = np.arange(len(names))
    raw = [float(p) if p is not None and not pd.isna(p) else 0.0 for p in progress]
    values = [min(max(p, low), high) for p in raw]
    ax.barh(positions, values, color=[grade_colour(g) for g in grades])
    ax.axvline(tau, color=OBSERVED_COLOUR, linestyle="--", linewidth=1,
               label=f"{t('fig.tau', lang)} {format_share(tau, lang)}")
    marks: list[tuple[float, float]] = []
    if expected is not None:
        marks = [(pos, float(e)) for pos, e in zip(positions, expected, strict=True)
                 if e is not None and not pd.isna(e)]
        if marks:
            ax.plot([min(max(m[1], low), high) for m in marks], [m[0] for m in marks],
                    marker="|", markersize=16, markeredgewidth=2, linestyle="none",
                    color=OBSERVED_COLOUR, label=t("fig.expected", lang))
    over = [(pos, p) for pos, p in zip(positions, raw, strict=True) if p > high]
    under = [(pos, p) for pos, p in zip(positions, raw, strict=True) if p < low]
    for pos, p in over:
        ax.plot([high], [pos], marker=">", markersize=7, color=OBSERVED_COLOUR, linestyle="none",
                clip_on=False, zorder=6)
        ax.text(high + 0.03, pos, format_share(p, lang), va="center", ha="left",
                fontsize="small", color=OBSERVED_COLOUR, clip_on=False)
    for pos, p in under:
        ax.plot([low], [pos], marker="<", markersize=7, color=OBSERVED_COLOUR, linestyle="none",
                clip_on=False, zorder=6)
        ax.text(low - 0.03, pos, format_share(p, lang), va="center", ha="right",
                fontsize="small", color=OBSERVED_COLOUR, clip_on=False)
    shown = [*values, tau, *[min(max(m[1], low), high) for m in marks]]
    right = high + 0.25 if over else max(1.05, max(shown) + 0.05)
    left = low - 0.3 if under else min(0.0, min(shown)) - 0.02
    ax.set_xlim(left, right)
    ax.set_yticks(positions)
    ax.set_yticklabels([wrap_label(name, label_width, lines=3) for name in names],
                       fontsize="small")
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(t("fig.progress.axis", lang))
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.figure.legend(handles, labels, loc="outside lower center", ncols=len(handles),
                         fontsize="small")
    return ax


def display_width(text: str) -> int:
    """Columns ``text`` takes: two for a Chinese (wide) character, one for any other."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


_BREAK_AFTER = set("、，；：。）)】」』·/ —")
_BREAK_BEFORE = set("（(【「『")


def wrap_label(text: object, width: int = 28, *, lines: int | None = None) -> str:
    """``text`` wrapped onto lines of at most ``width`` columns (a Chinese character counts
    two), breaking after punctuation or a space where one is near, else between characters;
    a word of Latin letters is not split unless it is longer than a line. With ``lines``,
    text beyond that many lines ends the last one with ``…`` (a safety net for a label of a
    paragraph's length: names of targets fit in three lines of 28 columns)."""
    hard, soft = _wrap(str(text), width, False), _wrap(str(text), width, True)
    out = soft if len(soft) <= len(hard) else hard  # punctuation breaks, unless they cost a line
    if lines is not None and len(out) > lines:
        last = out[lines - 1]
        while last and display_width(last + "…") > width:
            last = last[:-1]
        out = out[: lines - 1] + [last + "…"]
    return "\n".join(out)


def _wrap(text: str, width: int, prefer_breaks: bool) -> list[str]:
    out: list[str] = []
    line = ""
    for ch in text:
        candidate = line + ch
        if display_width(candidate) <= width or not line:
            line = candidate
            continue
        cut = _break_point(line) if prefer_breaks else _hard_break(line, ch)
        out.append(line[:cut].rstrip())
        line = (line[cut:] + ch).lstrip()
    if line:
        out.append(line)
    return out


_NO_LINE_START = set("、，；：。）)】」』%…")


def _hard_break(line: str, following: str) -> int:
    """End a full line at its end, but keep a closing bracket or mark with what precedes it."""
    if following in _NO_LINE_START and len(line) > 1:
        return len(line) - 1
    if following.isascii() and following.isalnum() and line[-1].isascii() and line[-1].isalnum():
        space = max(line.rfind(" "), line.rfind("·"))
        if space > 0:  # not inside a word of Latin letters
            return space + 1
    return len(line)


def _break_point(line: str) -> int:
    """Where to end a full line: after the last punctuation or space in its last two thirds,
    before an opening bracket, or before a run of Latin letters; else at its end."""
    half = len(line) // 3
    for i in range(len(line) - 1, half - 1, -1):
        if line[i] in _BREAK_AFTER:
            return i + 1
        if line[i] in _BREAK_BEFORE and i > 0:
            return i
    match = len(line)
    while match > half and line[match - 1].isascii() and line[match - 1].isalnum():
        match -= 1
    return match if half < match < len(line) else len(line)


def figure_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes (draws it, so missing-glyph warnings surface here).

    Drawn once: ``savefig`` on a figure with a layout engine first draws the whole figure
    without rendering it, to lay it out; here the engine lays it out directly and is set aside
    for the one real draw (the same pixels, a tenth less time), then put back.
    """
    buffer = io.BytesIO()
    engine = fig.get_layout_engine()
    if engine is None:
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    engine.execute(fig)
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # no engine (not a placeholder): savefig draws once
    try:
        fig.savefig(buffer, format="png")
    finally:
        fig.set_layout_engine(engine)
    return buffer.getvalue()


def figure_html(fig: Figure, *, alt: str = "", caption: str | None = None) -> str:
    """``<figure>`` with the PNG embedded as base64 (self-contained HTML); escapes the text."""
    encoded = base64.b64encode(figure_png(fig)).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="pe-figure"><img src="data:image/png;base64,{encoded}" '
        f'alt="{html.escape(alt, quote=True)}"/>{cap}</figure>'
    )


def figure_labels(lang: str) -> list[str]:
    """Every fixed label the figure helpers may draw in ``lang`` (for the glyph test)."""
    return [t(key, lang) for key in LABELS.keys()]


def _observed_frame(observed: pd.DataFrame | pd.Series | Iterable | None) -> pd.DataFrame:
    if observed is None:
        return pd.DataFrame({"year": pd.Series(dtype=int), "value": pd.Series(dtype=float)})
    if isinstance(observed, pd.Series):
        frame = observed.rename("value").rename_axis("year").reset_index()
    else:
        frame = pd.DataFrame(observed)[["year", "value"]]
    frame = frame.dropna(subset=["value"]).copy()
    frame["year"] = frame["year"].astype(int)
    frame["value"] = frame["value"].astype(float)
    return frame.sort_values("year")


def _finish_year_axes(ax: Axes, *, title: str | None, unit: str | None, lang: str,
                      legend: bool) -> Axes:
    """Title, the year label and integer year ticks, the value axis and the legend."""
    if title:
        ax.set_title(title)
    ax.set_xlabel(t("fig.year", lang))
    integer_year_axis(ax)
    value_axis(ax, unit)
    if legend:
        _dedupe_legend(ax)
    return ax


def _dedupe_legend(ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    seen: dict[str, object] = {}
    for handle, label in zip(handles, labels, strict=True):
        seen.setdefault(label, handle)
    if seen:
        ax.legend(list(seen.values()), list(seen.keys()), loc="best", fontsize="small")
