# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Plan evaluation (plan-eval)
#     language: python
#     name: plan-eval
# ---

# %% [markdown]
# # 02 趋势预测模型 · Trend models of enrolment and teacher supply
#
# Stage 2: fits every numeric series of the tidy returns up to `as_of_year` (0 = the last observed year), back-tests each method from every past origin, and writes `projections`, `backtest`, `model_choice`, `teacher_balance`, `qualification_outlook` and `attainment` to `data/processed/<plan>/models/<as_of_year>/`. Methods, intervals and staffing norms are documented in `docs/models.md`.
#
# **To force a method for a series** (the back-test chooses one per series; see *Model comparison* below), name it in the plan's study file `data/raw/<plan>/study.yaml`, under `methods:` (indicator → level → method, one of `cohort`, `linear`, `drift`, `damped`, `logit_trend`, `naive`), then re-run this notebook (or `python -m analysis run`, which re-runs the models and what depends on them):
#
# ```yaml
# methods:
#   enrolment:
#     vocational: drift
# ```
#
# `model_choice` then says `drift forced by study.yaml` for that series (or why the method cannot run for it). The band and the other settings of the status rule live in the same file (`rule:`, see `data/raw/README.md`).

# %% tags=["parameters"]
plan = "kaiping"  # plan folder name under data/raw/
data_root = ""  # folder holding raw/ and processed/ (empty: the project's data/)
# fit on data up to the evaluation year (0 = the last observed year)
as_of_year = 2023
horizon_beyond_target = 5  # project this many years beyond the plan's target year

# %%
import pandas as pd
from IPython.display import HTML, display

from analysis.core import paths
from analysis.figures import charts as plotting
from analysis.core.io import read_table
from analysis.models import cohort_vs_drift_sentence, method_comparison, run_models_stage

plotting.setup_plotting()
result = run_models_stage(plan, data_root or None, as_of_year, horizon_beyond_target)
indicators = read_table(paths.processed_plan_dir(plan, data_root or None), "indicators")
attainment = result.attainment
projections, backtest, choice = result.projections, result.backtest, result.model_choice
years = result.years
levels = [lv for lv in ("preschool", "primary", "junior", "senior_general", "vocational")
          if ((projections["indicator"] == "enrolment") & (projections["level"] == lv)).any()]
print(f"as of {result.as_of_year}, projected to {result.end_year}; "
      f"plan years {years['base_year']}/{years['midterm_year']}/{years['target_year']}")
forced = ", ".join(f"{indicator}/{level} = {method}" for (indicator, level), method in result.forced.items())
print(f"methods forced by data/raw/{plan}/study.yaml: {forced or 'none'}")

# %%
# NBVAL_CHECK_OUTPUT
combined = projections[(projections["method"] == "combined") & (projections["indicator"] == "enrolment")]
for level in levels:
    row = combined[combined["level"] == level].set_index("year")["mean"]
    shown = [f"{y}: {round(row[y], -2):,.0f}" for y in (years["target_year"], result.end_year) if y in row]
    print(level, "; ".join(shown))

# %% [markdown]
# ## Model comparison: which method each series uses, and why
#
# Enrolment first, then every other series (`model_choice`, shown whole). A method forced by `study.yaml` (`methods:`, see the top of this notebook) says so in `reason`.

# %%
with pd.option_context("display.max_rows", None, "display.max_colwidth", None):
    display(choice[choice["indicator"] == "enrolment"][["level", "method_used", "reason"]])
    display(choice[choice["indicator"] != "enrolment"][["indicator", "level", "method_used", "reason", "n_points"]])

# %%
# Each method's projection at the target year and at the end of the horizon (enrolment)
enrol = projections[(projections["indicator"] == "enrolment") & projections["level"].isin(levels)
                    & projections["year"].isin([years["target_year"], result.end_year])
                    & (projections["interval"] != "observed")]
enrol.pivot_table(index=["level", "year"], columns="method", values="mean").round(-1)

# %% [markdown]
# ## Back-test: mean absolute percentage error by method and horizon (enrolment)

# %%
bt = backtest[backtest["indicator"] == "enrolment"]
bt.pivot_table(index=["level", "horizon"], columns="method", values="mape").style.format("{:.1%}", na_rep="")

# %%
print(cohort_vs_drift_sentence(backtest, "zh"))
print(cohort_vs_drift_sentence(backtest, "en"))
method_comparison(backtest)


# %% [markdown]
# ## Enrolment fans (combined method, 80 % and 95 % back-tested intervals) with the plan's targets

# %%
def observed_of(indicator, level):
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["level"] == level)]
    return rows[rows["year"] <= result.as_of_year][["year", "value"]]


def targets_of(indicator, level):
    rows = attainment[(attainment["indicator"] == indicator) & (attainment["level"] == level)]
    return [{"year": int(r.year), "value": r.threshold, "kind": r.milestone} for r in rows.itertuples()]


def fans(series, unit=None):
    """One figure of small multiples: a fan per (indicator, level), one shared legend."""
    if not series:
        return
    fig, axes = plotting.small_multiples(len(series), ncols=2, panel=(4.8, 2.6))
    titles = [f"{level} · {indicator}" for indicator, level in series]
    for ax, (indicator, level), title in zip(axes, series, titles):
        proj = projections[(projections["method"] == "combined") & (projections["indicator"] == indicator)
                           & (projections["level"] == level) & (projections["interval"] != "observed")]
        plotting.fan_chart(ax, proj, observed_of(indicator, level), targets_of(indicator, level),
                           title=title, unit=unit, legend=False)
    plotting.shared_legend(fig, axes)
    display(HTML(plotting.figure_html(fig, alt="; ".join(titles))))


fans([("enrolment", level) for level in levels])

# %% [markdown]
# ## Teacher supply and demand (demand = enrolment ÷ staffing norm; continuing = stock × continuation rate)

# %%
balance = result.teacher_balance
projected = balance[balance["kind"] == "projected"]
projected[projected["year"].isin([years["target_year"], result.end_year])][
    ["level", "year", "enrolment", "norm", "norm_source", "demand", "supply_continuing", "hires_needed",
     "gap", "gap_enrolment_change", "gap_attrition", "continuation_rate", "continuation_source",
     "hires_recent"]].round(2)

# %%
# NBVAL_CHECK_OUTPUT
for level, group in projected.groupby("level"):
    window = group[group["year"] <= result.end_year]
    print(level, f"hires needed to {result.end_year}: {round(window['hires_needed'].sum(), -1):,.0f}")

# %%
groups = list(balance.groupby("level"))
fig, axes = plotting.small_multiples(len(groups), ncols=2, panel=(4.8, 2.6))
for ax, (level, group) in zip(axes, groups):
    plotting.teacher_gap_chart(ax, group, title=level, legend=False)
plotting.shared_legend(fig, axes)
display(HTML(plotting.figure_html(fig, alt="; ".join(level for level, _ in groups))))

# %% [markdown]
# ## Qualification shares: bounded (logit) trend against the plan's targets

# %%
quality = result.qualification_outlook
quality = quality[quality["target_key"] != ""]
display(quality[quality["year"].isin([years["midterm_year"], years["target_year"]])].round(3))
fans([(indicator, level) for (level, indicator), _ in quality.groupby(["level", "indicator"])],
     unit="fraction")

# %% [markdown]
# ## Every numeric target: probability of being met (mid-term and final)

# %%
# NBVAL_CHECK_OUTPUT
print(f"targets with a probability: {attainment['probability_met'].notna().sum()} "
      f"of {attainment['target_key'].nunique()} targets ({len(attainment)} rows)")

# %%
with pd.option_context("display.max_rows", None, "display.max_columns", None):
    display(attainment[["target_key", "milestone", "year", "indicator", "level", "comparator", "threshold", "mean",
                        "lo80", "hi80", "probability_met", "method", "method_used", "note"]].round(3))
