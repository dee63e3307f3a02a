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
# Stage 3: builds the status rule (band, years, mode) from the plan's study file
# `data/raw/<plan>/study.yaml` (band, ≈ tolerance, scale tolerance, outlook thresholds; the
# StatusRule defaults where it says nothing), grades every target of the plan with the data
# of years ≤ `eval_year` and the models fitted up to it, and writes
# `data/processed/<plan>/evaluation/<eval_year>/` (`evaluation` table and `rule.json`). Every
# chapter page and the summary read that folder and grade nothing, so they always agree with
# each other. The rule is documented in `docs/status_rule.md`.
#
# **To change the band for the whole study, edit `study.yaml`** (`rule: band: 0.1`), not the
# cell below: `band` here (or `--band` of the runner) is a one-off override, recorded in
# `rule.json`, and this notebook warns when it differs from the study file.
#
# Run by hand, this notebook rewrites the processed evaluation but publishes nothing:
# `publish_to` is empty. The batch runner passes the reports folder, and re-runs this stage
# when the evaluation it published has been changed under it.

# %% tags=["parameters"]
plan = "kaiping"  # plan folder name under data/raw/
eval_year = 2023  # evaluation year: after the plan's base year, at most its target year
# tolerance band of the status rule, in [0, 0.5): None = the study's (data/raw/<plan>/study.yaml), else 0.05
band: float = None
data_root = ""  # folder holding raw/ and processed/ (empty: the project's data/)
publish_to = ""  # folder to publish evaluation.csv in (empty: nothing; the runner passes the reports folder)

# %%
import pandas as pd
from IPython.display import Markdown, display

from analysis.core import paths
from analysis.core.study import load_study, settings_table, study_warning
from analysis.evaluate import grade_tally, method_note, run_evaluation_stage
from analysis.evaluate.headline import headline
from analysis.evaluate.labels import GRADE_CODES, MILESTONE_CODES

result = run_evaluation_stage(plan, eval_year, band=band, data_root=data_root or None,
                              publish_to=publish_to or None)
rule, evaluation = result.rule, result.table
study = load_study(paths.raw_plan_dir(plan, data_root or None))
print(study.describe())
if study_warning(rule.to_dict(), study):
    display(Markdown(study_warning(rule.to_dict(), study)))
# the rule that graded, and where each setting came from (parameter, study.yaml or default)
pd.DataFrame(settings_table(rule.to_dict(), result.provenance, study)).set_index("setting")

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
