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
# # The evaluation report a bureau submits (中期评估报告)
#
# Run by `python -m analysis run` once per plan, evaluation year and language, after the
# evaluation stage. It composes the whole report — title page, 前言, 一、总体评价,
# 二、主要进展和成效, 三、存在的问题及原因, 四、下一步工作建议, 附件 — from the evaluation that
# `03_evaluate` wrote (it grades nothing) and, when `out_dir` is given (the runner gives
# `reports/<plan>/<year>/`), writes it as an editable Word document and a print-ready
# `report.html`. What only the bureau can write (组织实施情况, 主要做法和经验, 编制单位) comes
# from `narrative.md` in the plan folder; without it the document shows fill-in fields.
# Run by hand with the defaults it writes nothing: inspect the sections below.

# %% tags=["parameters"]
plan = "kaiping"
eval_year = 2023
lang = "zh"
data_root = ""
out_dir = ""

# %%
import pandas as pd
from IPython.display import display

from analysis import report
from analysis.report.document import compose_report
from analysis.report.document.files import write_report_files

report.setup_plotting()
ctx = report.load_report_context(plan, eval_year, lang=lang, data_root=data_root)
document = compose_report(ctx)

# %% [markdown]
# ## The outline (headings in order) and the judgement paragraph of 一、总体评价

# %%
# NBVAL_CHECK_OUTPUT
from analysis.report.document.compose import judgement

print("\n".join(document.headings(level=1)))
print(judgement(ctx))

# %% [markdown]
# ## Every block of the document (filter `kind` to inspect the tables or the problems)

# %%
blocks = pd.DataFrame([{"kind": type(b).__name__,
                        "text": getattr(b, "text", getattr(b, "caption", getattr(b, "label", "")))}
                       for b in document.blocks])
with pd.option_context("display.max_rows", None, "display.max_colwidth", 120):
    display(blocks)

# %% [markdown]
# ## Write the Word document and the print-ready page (only when `out_dir` is given)

# %%
if out_dir:
    written = write_report_files(document, ctx, out_dir)  # the document composed above
    print("\n".join(str(p) for p in written))
