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
# nothing) and links `chapter_<n>.html`. Open in JupyterLab and run with the defaults, or
# change a parameter below.

# %% tags=["parameters"]
plan = "kaiping"
eval_year = 2023
lang = "zh"
data_root = ""

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

# %%
display(HTML(report.summary_overall_section(ctx)))

# %%
display(HTML(report.heatmap_section(ctx)))

# %%
display(HTML(report.chapter_links_section(ctx)))

# %%
display(HTML(report.problems_section(ctx, whole_plan=True)))

# %%
display(HTML(report.metadata_section(ctx)))

# %%
display(HTML(report.method_note(ctx)))
