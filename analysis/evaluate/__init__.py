"""The evaluation stage: every target of a plan graded once, by one status rule.

``rule`` holds the frozen :class:`~analysis.evaluate.rule.StatusRule` (band, years, mode,
tolerance, outlook thresholds) and the progress formulas; ``grading`` grades one numeric
target; ``yearly`` checks rules such as 逐年只增不减; ``milestones`` reads the milestones log;
``targets`` grades a whole catalogue; ``tally`` counts grades; ``method_note`` renders the
rule in words; ``stage`` writes the evaluation table that every report reads.

Names are loaded on first use (PEP 562), so the command line can import
``analysis.evaluate.rule`` to check a band without pulling in pandas.
"""

from __future__ import annotations

from analysis.core.lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "APPROX_TOLERANCE": "analysis.core.comparators",
    "DEFAULT_BAND": "analysis.evaluate.rule",
    "EVALUATION_COLUMNS": "analysis.evaluate.targets",
    "EXTRA_COLUMNS": "analysis.evaluate.targets",
    "GRADE_CODES": "analysis.evaluate.labels",
    "Grade": "analysis.evaluate.grading",
    "MILESTONE_CODES": "analysis.evaluate.labels",
    "MilestoneStatus": "analysis.evaluate.milestones",
    "OUTLOOK_AT_RISK": "analysis.evaluate.rule",
    "OUTLOOK_CODES": "analysis.evaluate.labels",
    "OUTLOOK_LIKELY": "analysis.evaluate.rule",
    "RuleResult": "analysis.evaluate.yearly",
    "StatusRule": "analysis.evaluate.rule",
    "check_rule": "analysis.evaluate.yearly",
    "default_midterm_year": "analysis.evaluate.rule",
    "evaluate_plan": "analysis.evaluate.targets",
    "expected_progress": "analysis.evaluate.rule",
    "grade_label": "analysis.evaluate.labels",
    "grade_tally": "analysis.evaluate.tally",
    "grade_target": "analysis.evaluate.grading",
    "load_evaluation": "analysis.evaluate.stage",
    "meets": "analysis.core.comparators",
    "method_note": "analysis.evaluate.note",
    "milestone_label": "analysis.evaluate.labels",
    "milestone_status": "analysis.evaluate.milestones",
    "normalise_milestone_status": "analysis.evaluate.milestones",
    "normalise_rule": "analysis.evaluate.yearly",
    "outlook_from_probability": "analysis.evaluate.rule",
    "outlook_label": "analysis.evaluate.labels",
    "resolve_comparator": "analysis.core.comparators",
    "run_evaluation_stage": "analysis.evaluate.stage",
    "status_labels": "analysis.evaluate.labels",
    "time_progress": "analysis.evaluate.rule",
    "write_evaluation_csv": "analysis.evaluate.stage",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
