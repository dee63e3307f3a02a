"""Figure styling: Chinese renders (no missing glyphs), integer years, one set of grade colours."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analysis.core.paths import RESOURCES
from analysis.figures import charts as plotting
from analysis.figures.charts import t


@pytest.fixture(scope="module", autouse=True)
def styled():
    plotting.setup_plotting()


def _draw(fig) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing from font")
        plotting.figure_png(fig)


def chinese_labels() -> list[str]:
    """Every fixed Chinese text a figure may show: figure labels, grades, levels, indicators."""
    from analysis import evaluate

    labels = plotting.figure_labels("zh")
    labels += [evaluate.grade_label(code, "zh", final) for code in evaluate.GRADE_CODES
               for final in (False, True)]
    labels += [evaluate.outlook_label(code, "zh") for code in evaluate.OUTLOOK_CODES]
    labels += [evaluate.grade_label(code, "zh") for code in evaluate.MILESTONE_CODES]
    for name in ("levels.csv", "indicators.csv"):
        labels += pd.read_csv(RESOURCES / name, dtype=str)["name_zh"].tolist()
    return labels


def test_setup_registers_the_open_cjk_font():
    import matplotlib

    family = matplotlib.rcParams["font.family"]
    assert family[0] == "Noto Sans CJK SC" and "DejaVu Sans" in family
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert plotting.cjk_font_path().name == "NotoSansCJKsc-Regular.otf"
    assert "SimHei" not in str(plotting.cjk_font_path())


def test_every_chinese_label_renders_without_missing_glyphs():
    labels = chinese_labels()
    assert len(labels) > 50 and any("进度" in label for label in labels)
    fig, ax = plotting.new_figure(8, 0.18 * len(labels))
    for i, label in enumerate(labels):
        ax.text(0, i, label)
    ax.set_ylim(-1, len(labels))
    ax.set_title("“十三五”期间（2016—2020年）：−5%")
    _draw(fig)


def test_a_missing_glyph_is_an_error():
    fig, ax = plotting.new_figure()
    ax.set_title("\u0f00")  # Tibetan: in neither font
    with pytest.raises(UserWarning, match="missing from font"):
        _draw(fig)


def test_years_on_axes_are_integers():
    projections = pd.DataFrame({
        "year": [2024, 2025], "mean": [0.44, 0.45], "lo80": [0.43, 0.43],
        "hi80": [0.45, 0.47], "lo95": [0.42, 0.42], "hi95": [0.46, 0.48]})
    observed = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "value": [0.40, 0.41, 0.42, 0.43]})
    fig, ax = plotting.new_figure()
    plotting.fan_chart(ax, projections, observed,
                       [{"year": 2023, "value": 0.45, "kind": "midterm"},
                        {"year": 2025, "value": 0.5, "kind": "final"}], unit="fraction")
    _draw(fig)
    ticks = [tick for tick in ax.get_xticks() if ax.get_xlim()[0] <= tick <= ax.get_xlim()[1]]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    labels = [label.get_text() for label in ax.get_xticklabels() if label.get_text()]
    assert labels and all(label.isdigit() and len(label) == 4 for label in labels)
    assert "2023" in labels
    # shares print as percentages on the value axis
    assert any(label.get_text().endswith("%") for label in ax.get_yticklabels())


def test_fan_chart_draws_both_bands_and_the_targets():
    projections = pd.DataFrame({
        "year": [2024, 2025], "mean": [111, 113], "lo80": [109, 110], "hi80": [113, 116],
        "lo95": [108, 108], "hi95": [114, 118]})
    fig, ax = plotting.new_figure()
    plotting.fan_chart(ax, projections, pd.Series([100.0, 103.0], index=[2020, 2021]),
                       [{"year": 2023, "value": 106, "kind": "midterm"},
                        {"year": 2025, "value": 110, "kind": "final"}])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    for key in ("fig.band80", "fig.band95", "fig.projection", "fig.observed",
                "fig.target_midterm", "fig.target_final"):
        assert t(key, "zh") in legend
    # the final target marker sits at (2025, 110)
    markers = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert any(list(line.get_xdata()) == [2025] and list(line.get_ydata()) == [110.0]
               for line in markers)


def test_teacher_gap_and_heatmap_render_in_chinese():
    balance = pd.DataFrame({"year": [2024, 2025], "demand": [2105, 2132],
                            "supply_continuing": [2050, 2080], "hires_needed": [55, 52]})
    fig, ax = plotting.new_figure()
    plotting.teacher_gap_chart(ax, balance, title="小学教育")
    _draw(fig)
    counts = pd.DataFrame({"achieved": [1, 0], "lagging": [0, 2]}, index=["第1章", "第2章"])
    fig, ax = plotting.new_figure()
    plotting.grade_heatmap(ax, counts, column_labels={"achieved": "提前实现", "lagging": "滞后"})
    _draw(fig)
    written = [text.get_text() for text in ax.texts]
    assert written == ["1", "0", "0", "2"]


def test_one_grade_colour_per_code_everywhere():
    from analysis import report

    for code in ("achieved", "ahead", "on_track", "lagging", "no_data"):
        assert plotting.grade_colour(code) in report.grade_badge(code, "zh")
    assert plotting.grade_colour("achieved") != plotting.grade_colour("lagging")
    assert plotting.grade_colour("made-up") == plotting.GRADE_COLOURS["no_data"]


def test_figure_html_is_self_contained_and_escapes_text():
    fig, ax = plotting.new_figure()
    ax.plot([2020, 2021], [1, 2])
    snippet = plotting.figure_html(fig, alt="<script>x</script>", caption="<b>来源</b>")
    assert snippet.count("data:image/png;base64,") == 1
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "&lt;b&gt;来源&lt;/b&gt;" in snippet


def test_small_multiples_share_one_legend_and_print_years_below_each_column():
    projections = pd.DataFrame({
        "year": [2024, 2025], "mean": [111, 113], "lo80": [109, 110], "hi80": [113, 116],
        "lo95": [108, 108], "hi95": [114, 118]})
    observed = pd.Series([100.0, 103.0], index=[2022, 2023])
    fig, axes = plotting.small_multiples(3, ncols=2)
    assert len(axes) == 3 and len(fig.axes) == 3  # the fourth cell of the grid is removed
    for ax in axes:
        plotting.fan_chart(ax, projections, observed,
                           [{"year": 2025, "value": 110, "kind": "final"}], legend=False)
    plotting.shared_legend(fig, axes)
    _draw(fig)
    assert all(ax.get_legend() is None for ax in axes)
    (legend,) = fig.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert len(labels) == len(set(labels)) and t("fig.target_final", "zh") in labels
    # years are printed under the lowest panel of each column only (panels 2 and 3)
    printed = [any(label.get_visible() and label.get_text() for label in ax.get_xticklabels())
               for ax in axes]
    assert printed == [False, True, True]


def test_progress_chart_keeps_its_legend_off_the_data_and_marks_clipped_bars():
    names = ["学前教育·专任教师硕士研究生以上学历比例（%）", "小学教育·幼儿园总数", "初中教育·巩固率"]
    fig, ax = plotting.new_figure(7.5, 3.0)
    plotting.progress_chart(ax, names, [3.2, 0.4, -0.6], ["ahead", "lagging", "lagging"], 0.6,
                            expected=[0.6, 0.6, 0.6])
    _draw(fig)
    assert ax.get_legend() is None  # no legend inside the axes …
    (legend,) = fig.legends  # … one below them
    assert legend.get_window_extent().y1 <= ax.get_window_extent().y0
    labels = [text.get_text() for text in legend.get_texts()]
    assert t("fig.expected", "zh") in labels and any(t("fig.tau", "zh") in x for x in labels)
    # bars beyond the axis stop at its limit and say their value
    low, high = plotting.PROGRESS_LIMITS
    widths = [patch.get_width() for patch in ax.patches]
    assert max(widths) == high and min(widths) == low
    written = [text.get_text() for text in ax.texts]
    assert "320%" in written and "-60%" in written
    assert ax.get_xlim()[1] > high and ax.get_xlim()[0] < low
    # a long name is wrapped, never cut
    ticks = [label.get_text() for label in ax.get_yticklabels()]
    assert ticks[0].replace("\n", "") == names[0] and "\n" in ticks[0] and "…" not in ticks[0]


def test_labels_wrap_at_punctuation_and_never_split_a_word():
    assert plotting.wrap_label("学前教育·专任教师大专学历比例（%）", 28) == \
        "学前教育·\n专任教师大专学历比例（%）"
    assert plotting.wrap_label("小学教育·小学学校总数（间）（含九年一贯制学校）", 28) == \
        "小学教育·小学学校总数（间）\n（含九年一贯制学校）"
    english = plotting.wrap_label("Preschool·Share of full-time teachers with associate degree", 24)
    assert all(plotting.display_width(line) <= 24 for line in english.split("\n"))
    assert set(english.replace("\n", " ").split()) == set(
        "Preschool·Share of full-time teachers with associate degree".split())
    assert plotting.wrap_label("短", 28) == "短"
    assert plotting.wrap_label("很" * 100, 10, lines=2).endswith("…")
