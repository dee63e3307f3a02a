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
# `03_evaluate` wrote for `eval_year` (run that notebook first to change the band: this one
# grades nothing). Run it in JupyterLab with the defaults, or change a parameter below and
# re-run all cells. Every section is built by `analysis.report`; this notebook only shows
# them. Cells of this kind (tagged `remove-cell`) and the check cells are left out of the
# HTML report.

# %% tags=["parameters"]
plan = "kaiping"
chapter = 2
eval_year = 2023
lang = "zh"
data_root = ""

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

# %%
display(HTML(report.overall_section(ctx)))

# %%
display(HTML(report.indicators_section(ctx)))

# %%
display(HTML(report.tasks_section(ctx)))

# %%
display(HTML(report.problems_section(ctx)))

# %%
display(HTML(report.outlook_section(ctx)))

# %%
display(HTML(report.method_note(ctx)))
