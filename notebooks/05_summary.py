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
# # Summary report (总报告)
#
# Template run by `python -m analysis run` once per plan and evaluation year, alongside the
# chapter reports. It shows the grades that `03_evaluate` wrote for `eval_year` (it grades
# nothing: the band and the other settings of the status rule are the study's, in
# `data/raw/<plan>/study.yaml`) and links `chapter_<n>.html`. Open in JupyterLab and run with
# the defaults, or change a parameter below.
#
# **A workbench, section by section**: a short note says what the section shows and what
# changes it, a table shows the data behind it (whole), then the section as the page prints
# it. The notes, the tables and the check cells are tagged `report-hide` (this cell
# `remove-cell`) and left out of the HTML page.

# %% tags=["parameters"]
plan = "kaiping"  # plan folder name under data/raw/
eval_year = 2023  # evaluation year (03_evaluate must have graded it)
lang = "zh"  # report language: zh or en
data_root = ""  # folder holding raw/ and processed/ (empty: the project's data/)

# %%
# Setup: validate the parameters, read the evaluation, the processed tables and model outputs.
from IPython.display import HTML, display

from analysis import report

report.setup_plotting()
ctx = report.load_report_context(plan, eval_year, lang=lang, data_root=data_root)

# %%
display(HTML(report.page_header(ctx, summary=True)))

# %% tags=["report-hide"]
# NBVAL_CHECK_OUTPUT
print(len(ctx.evaluation), report.tally_text(ctx.evaluation))

# %% tags=["report-hide"]
# Workbench set-up (not in the HTML page): a helper that shows a table whole, and the study
# settings the plan was graded with, checked against data/raw/<plan>/study.yaml.
import pandas as pd
from IPython.display import Markdown

from analysis.core import paths
from analysis.core.study import load_study, settings_table, study_warning
from analysis.evaluate.headline import headline
from analysis.evaluate.stage import load_evaluation
from analysis.report.inspect import show
from analysis.report.summary import grade_matrix


evaluation = ctx.evaluation
study = load_study(paths.raw_plan_dir(plan, data_root or None))
print(f"{len(evaluation)} targets; {study.describe()}")
warning = study_warning(ctx.rule.to_dict(), study, what="The evaluation this page shows (rule.json)")
if warning:
    display(Markdown(warning))

# %% [markdown] tags=["report-hide"]
# ### 一、总体进展 · The plan's tally
# **Shows** the judgement across all chapters, the targets named per headline group and the grade tally; below, every graded target of the plan with its group. **Changes with** `eval_year`, `lang`; the grades with the status rule in `data/raw/<plan>/study.yaml` and the data in `data/raw/<plan>/` (re-run `03_evaluate`, or `python -m analysis run`).

# %% tags=["report-hide"]
split = headline(evaluation)
show(split.labelled().sort_index(),
     ["chapter", "key", "name_zh", "level", "group", "grade", "grade_zh", "outlook_zh", "reason"])

# %%
display(HTML(report.summary_overall_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 二、分章节等级分布 · Grades by chapter
# **Shows** the heat map of the numeric targets' grades per chapter; below, its counts. **Changes with** the grades (as above) and the chapters of `plan.yaml`.

# %% tags=["report-hide"]
show(grade_matrix(ctx))

# %%
display(HTML(report.heatmap_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 三、各章报告 · Links to the chapter pages
# **Shows** one row per chapter with its number of targets, its grade counts and a link to `chapter_<n>.html` (written beside this page by `python -m analysis run`). **Changes with** the chapters of `plan.yaml`, `lang` (`chapter_<n>.en.html`).

# %%
display(HTML(report.chapter_links_section(ctx)))

# %% [markdown] tags=["report-hide"]
# ### 四、存在的问题 · The problems list of the whole plan
# **Shows** every target behind, scale away from the plan and target that cannot be graded, the QA findings and the plan's own inconsistencies; below, the targets of the list (whole), then every QA finding and consistency check. **Changes with** the grades, the returns in `data/raw/<plan>/returns/` and `targets.csv`.

# %% tags=["report-hide"]
show(split.labelled(without=("met",)),
     ["group", "chapter", "key", "name_zh", "level", "attribute", "wording", "grade_zh", "progress",
      "expected_progress", "deviation", "driver_zh", "reason", "note"])
show(ctx.tables.get("qa_issues", pd.DataFrame()),
     ["severity", "check", "year", "level", "indicator", "message", "source_file", "source_sheet",
      "source_cell"])
show(ctx.tables.get("consistency", pd.DataFrame()))

# %%
display(HTML(report.problems_section(ctx, whole_plan=True)))

# %% [markdown] tags=["report-hide"]
# ### 五、报告信息 · Metadata, and the status rule
# **Shows** the plan, the evaluation year, the band, the data fingerprint and the package version, then the method note rendered from `rule.json`; below, each setting of the rule, its value and where it came from (`parameter` — `--band` or the `band` of `03_evaluate`; `study.yaml`; `default`). **Changes with** `rule:` in `data/raw/<plan>/study.yaml` (then re-run `03_evaluate`), or a one-off `--band`.

# %% tags=["report-hide"]
provenance = load_evaluation(plan, eval_year, data_root or None).provenance
show(pd.DataFrame(settings_table(ctx.rule.to_dict(), provenance, study)).set_index("setting"))

# %%
display(HTML(report.metadata_section(ctx)))

# %%
display(HTML(report.method_note(ctx)))
