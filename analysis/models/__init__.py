"""Stage 2: projections, back-tests, teacher supply and demand, target attainment.

Public API (see docs/models.md for the methods):

* :func:`run_models_stage` — the stage entry point (reads stage 1's tables, writes
  ``processed/<plan>/models/<as_of_year>/``); :func:`fit_models` — the same, pure.
* :func:`project_cohort` — the cohort (flow) enrolment projection; :class:`LevelSpec`.
* :func:`project_series` — one series: benchmarks, back-test, choice, fan.
* :func:`rolling_origin`, :func:`summarise_errors`, :func:`choose_method`,
  :func:`cohort_vs_drift_sentence` — back-testing.
* :func:`teacher_balance`, :func:`qualification_outlook`, :func:`target_attainment`.

statsmodels is imported only when a damped trend is actually fitted.
"""

from analysis.models.attainment import probability_met, target_attainment
from analysis.models.backtest import (
    backtest_error_model,
    choose_method,
    cohort_vs_drift_sentence,
    method_comparison,
    rolling_origin,
    summarise_errors,
)
from analysis.models.benchmarks import (
    forecast_damped,
    forecast_drift,
    forecast_linear,
    forecast_logit_trend,
    forecast_naive,
)
from analysis.models.cohort import (
    DEFAULT_SPECS,
    LevelSpec,
    panel_from_indicators,
    project_cohort,
    smooth_ratio,
)
from analysis.models.core import ErrorModel, fan
from analysis.models.projection import project_series
from analysis.models.stage import (
    TABLES,
    ModelResult,
    fit_models,
    plan_settings,
    resolve_as_of,
    run_models_stage,
)
from analysis.models.teachers import (
    DEFAULT_CONTINUATION,
    DEFAULT_NORMS,
    continuation_rate,
    qualification_outlook,
    resolve_norms,
    teacher_balance,
)

__all__ = [
    "DEFAULT_CONTINUATION",
    "DEFAULT_NORMS",
    "DEFAULT_SPECS",
    "TABLES",
    "ErrorModel",
    "LevelSpec",
    "ModelResult",
    "backtest_error_model",
    "choose_method",
    "cohort_vs_drift_sentence",
    "continuation_rate",
    "fan",
    "fit_models",
    "forecast_damped",
    "forecast_drift",
    "forecast_linear",
    "forecast_logit_trend",
    "forecast_naive",
    "method_comparison",
    "panel_from_indicators",
    "plan_settings",
    "probability_met",
    "project_cohort",
    "project_series",
    "qualification_outlook",
    "resolve_as_of",
    "resolve_norms",
    "rolling_origin",
    "run_models_stage",
    "smooth_ratio",
    "summarise_errors",
    "target_attainment",
    "teacher_balance",
]
