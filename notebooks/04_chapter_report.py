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

# %% [markdown] tags=["remove-cell"]
# # Chapter report (章节评估报告)
#
# Template run by `python -m analysis run` once per chapter. It shows the grades that
# `03_evaluate` wrote for `eval_year` (this notebook grades nothing: to change the band or
# another setting of the status rule for the whole study, edit `data/raw/<plan>/study.yaml`
# and re-run `03_evaluate`, or `python -m analysis run`). Run it in JupyterLab with the
# defaults, or change a parameter below and re-run all cells.
#
# **A workbench, section by section**: a short note says what the section shows and what
# changes it, a table shows the data behind it (whole, every row), then the section as the
# report prints it. Every section is built by `analysis.report`; this notebook only shows
# them. The notes, the tables and the check cells are tagged `report-hide` (this cell
# `remove-cell`) and left out of the HTML report.

# %% tags=["parameters"]
plan = "kaiping"  # plan folder name under data/raw/
chapter = 2  # chapter number (the chapters of plan.yaml)
eval_year = 2023  # evaluation year (03_evaluate must have graded it)
lang = "zh"  # report language: zh or en
data_root = ""  # folder holding raw/ and processed/ (empty: the project's data/)

# %%
# Setup: validate the parameters, read the evaluation, the processed tables and model outputs.
from IPython.display import HTML, display

from analysis import report

report.setup_plotting()
ctx = report.load_report_context(plan, eval_year, lang=lang, data_root=data_root, chapter=chapter)

# %%
display(HTML(report.page_header(ctx)))

# %% tags=["report-hide"]
# NBVAL_CHECK_OUTPUT
print(report.tally_text(ctx.chapter_rows()))

# %% tags=["report-hide"]
# Workbench set-up (not in the HTML page): a helper that shows a table whole, and the study
# settings this page was graded with, checked against data/raw/<plan>/study.yaml.
import re

import pandas as pd
from IPython.display import Markdown

from analysis.core import paths
from analysis.core.study import load_study, settings_table, study_warning
from analysis.evaluate.headline import headline
from analysis.evaluate.stage import load_evaluation
from analysis.report.inspect import show


rows = ctx.chapter_rows()
study = load_study(paths.raw_plan_dir(plan, data_root or None))
print(f"chapter {chapter}: {len(rows)} targets; {study.describe()}")
warning = study_warning(ctx.rule.to_dict(), study, what="The evaluation this page shows (rule.json)")
if warning:
    display(Markdown(warning))

# %% [markdown] tags=["report-hide"]
# ### 一、总体进展 · Overall progress
# **Shows** the judgement paragraph and the targets named per headline group (`met`, `behind`, `deviating`, `ungraded`), counted from the chapter's graded targets below. **Changes with** `chapter`, `eval_year` and `lang` (parameters); the grades with the status rule in `data/raw/<plan>/study.yaml` and the data in `data/raw/<plan>/` (re-run `03_evaluate`, or `python -m analysis run`).

# %% tags=["report-hide"]
split = headline(rows)
show(split.labelled(),
     ["group", "key", "name_zh", "level", "kind", "grade", "grade_zh", "reason"])

# %%
display(HTML(report.overall_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 二、主要指标完成情况 · The chapter's graded targets
# **Shows** one row per target: baseline, the plan's mid-term value, the actual (and its year), the final target, progress `p` against expected progress `e`, the grade and the outlook — the table below is that section's source (the chapter's rows of the evaluation `03_evaluate` wrote). **Changes with** the targets and printed values in `data/raw/<plan>/targets.csv`, the returns in `data/raw/<plan>/returns/`, the band, ≈ tolerance, scale tolerance and outlook thresholds in `study.yaml`, and `eval_year`.

# %% tags=["report-hide"]
show(rows, ["key", "section", "name_zh", "level", "indicator", "attribute", "measure", "baseline",
            "midterm_target", "final_target", "comparator", "actual", "actual_year", "tau",
            "expected_progress", "progress", "planned", "deviation", "grade_zh", "outlook_zh",
            "probability_met", "wording", "note"])

# %%
display(HTML(report.indicators_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 三、重点任务进展 · Key tasks, rules and milestones
# **Shows** the chapter's key tasks and special projects, rules checked year by year (逐年只增不减) and milestones; below, the chapter's rule and milestone rows and their entries in the milestones log (up to `eval_year`). **Changes with** `data/raw/<plan>/milestones.csv` (the hand-kept log), the sections of `plan.yaml` and the rows of `targets.csv`.

# %% tags=["report-hide"]
show(rows[rows["kind"].astype(str).isin(["rule", "milestone"])] if "kind" in rows else rows,
     ["key", "section", "task", "kind", "name_zh", "final_target", "deadline", "grade_zh", "note"])
log = ctx.tables.get("milestones", pd.DataFrame())
if len(log) and "target_key" in log:
    show(log[log["target_key"].astype(str).isin(rows["key"].astype(str))])

# %%
display(HTML(report.tasks_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 四、存在的问题 · The problems list
# **Shows** the targets behind (binding first), scales away from the plan, targets that cannot be graded (with the reason), QA findings on the data of the chapter's indicators (file / sheet / cell) and the plan's own inconsistencies — the tables below, in that order, whole (the page lists at most 30 QA findings). **Changes with** the grades (as in 二), the returns (`data/raw/<plan>/returns/`, checked by `01_clean_returns`) and `targets.csv`.

# %% tags=["report-hide"]
show(split.labelled(without=("met",)),
     ["group", "key", "name_zh", "level", "attribute", "wording", "grade_zh", "progress",
      "expected_progress", "deviation", "driver_zh", "reason", "note"])
qa = ctx.tables.get("qa_issues", pd.DataFrame())
if len(qa) and "indicator" in qa:
    wanted = {part for value in rows["indicator"].dropna().astype(str) for part in value.split("/")}
    show(qa[qa["indicator"].astype(str).isin(wanted) | qa["indicator"].isna()],
         ["severity", "check", "year", "level", "indicator", "message", "source_file",
          "source_sheet", "source_cell"])
checks = ctx.tables.get("consistency", pd.DataFrame())
if len(checks) and "keys" in checks:
    mine = set(rows["key"].astype(str)) | {key.rsplit(".", 1)[0] for key in rows["key"].astype(str)}
    show(checks[checks["keys"].map(lambda text: bool(set(re.split(r"[;,\s|]+", str(text))) & mine))])

# %%
display(HTML(report.problems_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 五、后半程预判与建议 · The projections used
# **Shows** the fans (combined projection, 80 % and 95 % back-tested intervals) of the chapter's numeric targets, the probability that each is met and the recommendations; below, the models' attainment rows for these targets, the combined projection of their series after `eval_year`, and which method each series uses and why. **Changes with** the models fitted by `02_trend_models` up to `eval_year`; to force a method for a series, name it under `methods:` in `data/raw/<plan>/study.yaml` (see `02_trend_models`); the outlook thresholds are `rule: outlook_likely / outlook_at_risk` there.

# %% tags=["report-hide"]
attainment = ctx.models.get("attainment", pd.DataFrame())
if len(attainment) and "target_key" in attainment:
    show(attainment[attainment["target_key"].astype(str).isin(rows["key"].astype(str))],
         ["target_key", "milestone", "year", "indicator", "level", "comparator", "threshold",
          "mean", "lo80", "hi80", "probability_met", "method_used", "note"])
series = set(zip(rows["indicator"].astype(str), rows["level"].astype(str))) if len(rows) else set()
projections = ctx.models.get("projections", pd.DataFrame())
if len(projections) and "method" in projections:
    used = projections[(projections["method"] == "combined") & (projections["year"] > eval_year)
                       & (projections["year"] <= ctx.target_year)]
    used = used[[pair in series for pair in zip(used["indicator"].astype(str), used["level"].astype(str))]]
    show(used, ["indicator", "level", "year", "mean", "lo80", "hi80", "lo95", "hi95", "interval"])
choice = ctx.models.get("model_choice", pd.DataFrame())
if len(choice) and "method_used" in choice:
    show(choice[[pair in series for pair in zip(choice["indicator"].astype(str), choice["level"].astype(str))]],
         ["indicator", "level", "method_used", "reason", "n_points"])

# %%
display(HTML(report.outlook_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 方法说明 · The status rule
# **Shows** the status rule in words, rendered from the rule the evaluation recorded (`rule.json`); below, each setting, its value and where it came from (`parameter` — `--band` or the `band` of `03_evaluate`; `study.yaml`; `default`). **Changes with** `rule:` in `data/raw/<plan>/study.yaml` (then re-run `03_evaluate`), or a one-off `--band`.

# %% tags=["report-hide"]
provenance = load_evaluation(plan, eval_year, data_root or None).provenance
show(pd.DataFrame(settings_table(ctx.rule.to_dict(), provenance, study)).set_index("setting"))

# %%
display(HTML(report.method_note(ctx)))
