"""What the evaluation is called and what its files are named (no pandas: the runner asks too).

The kind of evaluation follows the status rule's mode (``final`` at the target year,
``midterm`` at the mid-term year, ``annual`` otherwise): 终期评估 / 中期评估 / 2022年度进展评估.
"""

from __future__ import annotations

import re
from typing import Any

from analysis.core import paths
from analysis.report.i18n import t

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def plan_title(config: Any, plan: str, lang: str) -> str:
    """The plan's name in ``lang``: ``name_<lang>`` of plan.yaml (a mapping or the parsed
    config), else the other language's, else the plan's folder name.

    The runner names the Word document with it before the notebook writes it, so both must
    ask this one function.
    """
    for suffix in dict.fromkeys((lang, "zh", "en")):
        key = f"name_{suffix}"
        value = config.get(key) if isinstance(config, dict) else getattr(config, key, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return plan


def evaluation_kind(mode: str, eval_year: int, lang: str) -> str:
    """中期评估 / 终期评估 / ``<year>``年度进展评估 for the rule's mode."""
    return t(f"eval.{mode}", lang, year=eval_year)


def document_file_name(plan_name: str, mode: str, eval_year: int, lang: str) -> str:
    """``<plan name>中期评估报告.docx`` (``<name> - Mid-term evaluation report.en.docx``), with
    the characters Windows refuses in a file name removed."""
    subtitle = t("doc.subtitle", lang, kind=evaluation_kind(mode, eval_year, lang))
    name = f"{plan_name}{subtitle}" if lang == "zh" else f"{plan_name} - {subtitle}"
    return _UNSAFE.sub("", name).strip() + f"{paths.lang_suffix(lang)}.docx"


def report_page_name(lang: str) -> str:
    """``report.html`` / ``report.en.html``: the print-ready page of the whole report."""
    return f"report{paths.lang_suffix(lang)}.html"
