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
# chapter reports (it needs the model outputs only). It writes `evaluation.csv` (every target graded) next to the reports
# and links `chapter_<n>.html`. Open in JupyterLab and run with the defaults, or change a
# parameter below.

# %% tags=["parameters"]
plan = "kaiping"
eval_year = 2023
lang = "zh"
band = 0.05
data_root = ""
reports_root = ""

# %%
# Setup: validate the parameters, load the processed tables and model outputs, grade.
from IPython.display import HTML, display

from analysis import report
from analysis.figures import charts as plotting

plotting.setup_plotting()
ctx = report.load_report_context(
    plan, eval_year, lang=lang, band=band, data_root=data_root
)
evaluation_csv = report.write_evaluation(ctx, reports_root)

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
