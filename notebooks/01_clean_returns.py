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
# # 01 清洗统计年报 · Clean the statistical returns
#
# Stage 1: reads `data/raw/<plan>/returns/` with its layout map, derives shares, runs the QA checks and writes the processed tables. Errors stop here; warnings are listed below with file, sheet and cell.

# %% tags=["parameters"]
plan = "kaiping"  # plan folder name under data/raw/
data_root = ""  # folder holding raw/ and processed/ (empty: the project's data/)

# %%
import pandas as pd
from IPython.display import display

from analysis.clean.stage import run_clean_stage

result = run_clean_stage(plan, data_root or None)
indicators, qa = result.indicators, result.qa_issues
if result.illustrative:
    print("示例数据（非真实统计）: the returns of this plan are illustrative.")

# %%
# NBVAL_CHECK_OUTPUT
years = sorted(int(y) for y in indicators["year"].unique())
print(f"years: {years[0]}-{years[-1]} ({len(years)})")
print(f"rows: {len(indicators)} ({int(indicators['derived'].sum())} derived)")

# %%
# NBVAL_CHECK_OUTPUT
for severity, n in result.severity_counts().items():
    print(f"{severity}: {n}")

# %% [markdown]
# ## QA findings by check and severity

# %%
qa.groupby(["check", "severity"]).size().rename("findings").reset_index()

# %% [markdown]
# ## Warnings with their location

# %%
with pd.option_context("display.max_rows", None, "display.max_columns", None):
    display(qa.loc[qa["severity"] != "error", ["check", "severity", "year", "level", "indicator", "message",
                                               "source_file", "source_sheet", "source_cell"]])

# %% [markdown]
# ## Coverage: indicators reported per year (✓ reported, d derived)

# %%
mark = indicators.assign(mark=indicators["derived"].map({True: "d", False: "✓"}))
coverage = mark.pivot_table(index=["level", "indicator"], columns="year", values="mark", aggfunc="first").fillna("")
with pd.option_context("display.max_rows", None, "display.max_columns", None):
    display(coverage)
