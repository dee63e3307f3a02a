"""The evaluation stage: every target of a plan graded once, by one status rule.

``rule`` holds the frozen :class:`~analysis.evaluate.rule.StatusRule` (band, years, mode,
tolerance, outlook thresholds) and the progress formulas; ``grading`` grades one numeric
target; ``yearly`` checks rules such as 逐年只增不减; ``milestones`` reads the milestones log;
``targets`` grades a whole catalogue; ``tally`` counts grades; ``method_note`` renders the
rule in words; ``stage`` writes the evaluation table that every report reads.
"""

from analysis.core.comparators import APPROX_TOLERANCE, meets, resolve_comparator
from analysis.evaluate.grading import Grade, grade_target
from analysis.evaluate.labels import (
    GRADE_CODES,
    MILESTONE_CODES,
    OUTLOOK_CODES,
    grade_label,
    milestone_label,
    outlook_label,
    status_labels,
)
from analysis.evaluate.method_note import method_note
from analysis.evaluate.milestones import (
    MilestoneStatus,
    milestone_status,
    normalise_milestone_status,
)
from analysis.evaluate.rule import (
    DEFAULT_BAND,
    OUTLOOK_AT_RISK,
    OUTLOOK_LIKELY,
    default_midterm_year,
    expected_progress,
    outlook_from_probability,
    time_progress,
)
from analysis.evaluate.stage import write_evaluation_csv
from analysis.evaluate.tally import grade_tally
from analysis.evaluate.targets import EVALUATION_COLUMNS, EXTRA_COLUMNS, evaluate_plan
from analysis.evaluate.yearly import RuleResult, check_rule, normalise_rule

__all__ = [
    "APPROX_TOLERANCE", "DEFAULT_BAND", "EVALUATION_COLUMNS", "EXTRA_COLUMNS", "GRADE_CODES",
    "MILESTONE_CODES", "OUTLOOK_AT_RISK", "OUTLOOK_CODES", "OUTLOOK_LIKELY", "Grade",
    "MilestoneStatus", "RuleResult", "check_rule", "default_midterm_year", "evaluate_plan",
    "expected_progress", "grade_label", "grade_tally", "grade_target", "meets", "method_note",
    "milestone_label", "milestone_status", "normalise_milestone_status", "normalise_rule",
    "outlook_from_probability", "outlook_label", "resolve_comparator", "status_labels",
    "time_progress", "write_evaluation_csv",
]
