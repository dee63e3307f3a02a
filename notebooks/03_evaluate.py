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
# # 03 评估 · Grade every target once
#
# Stage 3: builds the status rule (band, years, mode) from the parameters below, grades every
# target of the plan with the data of years ≤ `eval_year` and the models fitted up to it,
# and writes `data/processed/<plan>/evaluation/<eval_year>/` (`evaluation` table and
# `rule.json`). Every chapter page and the summary read that folder and grade nothing, so
# they always agree with each other. The rule is documented in `docs/status_rule.md`.
#
# Run by hand, this notebook rewrites the processed evaluation but publishes nothing:
# `publish_to` is empty. The batch runner passes the reports folder, and re-runs this stage
# when the evaluation it published has been changed under it.

# %% tags=["parameters"]
plan = "kaiping"
eval_year = 2023
band = 0.05
data_root = ""
publish_to = ""

# %%
import pandas as pd
from IPython.display import display

from analysis.evaluate import grade_tally, method_note, run_evaluation_stage
from analysis.evaluate.headline import headline
from analysis.evaluate.labels import GRADE_CODES, MILESTONE_CODES

result = run_evaluation_stage(plan, eval_year, band=band, data_root=data_root or None,
                              publish_to=publish_to or None)
rule, evaluation = result.rule, result.table
pd.Series(rule.to_dict(), name="status rule")

# %%
# NBVAL_CHECK_OUTPUT
counts = evaluation["grade"].value_counts()
print(rule.mode, len(evaluation), " ".join(
    f"{code}={int(counts.get(code, 0))}" for code in (*GRADE_CODES, *MILESTONE_CODES)))
split = headline(evaluation)
print("gradable", split.gradable, {group: split.count(group) for group in split.groups},
      split.reasons())

# %% [markdown]
# ## The rule in words (what every report's method note prints)

# %%
print(method_note(rule, "zh"))

# %% [markdown]
# ## Grades by chapter

# %%
tally = grade_tally(evaluation, by="chapter")
tally.pivot_table(index="chapter", columns="code", values="count", aggfunc="sum", fill_value=0)

# %% [markdown]
# ## Every graded target (filter or sort this table to inspect a grade)

# %%
with pd.option_context("display.max_rows", None, "display.max_columns", None):
    display(evaluation[["key", "chapter", "name_zh", "baseline", "midterm_target", "final_target",
                        "comparator", "actual", "actual_year", "progress", "expected_progress",
                        "planned", "deviation", "grade_zh", "outlook_zh", "probability_met",
                        "wording", "note", "driver_zh"]])
