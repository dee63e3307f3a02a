"""The settings of a study: ``data/raw/<plan>/study.yaml``, read by one function.

A study is one evaluation of a plan by a research team. Its settings — the status rule's
band, ≈ tolerance, scale tolerance and outlook thresholds, and the projection method forced
for a series — live in one optional file of the plan folder (documented in
``data/raw/README.md``):

.. code-block:: yaml

    note: 本轮评估采用的设置            # optional, free text
    rule:                               # every key optional; default = the StatusRule's
      band: 0.05                        # ± band of progress (5 percentage points)
      tolerance: 0.02                   # ≈ targets (左右 / 约): ± 2 % of the target
      scale_tolerance: 0.05             # scale targets (在校生): ± 5 % of the planned size
      outlook_likely: 0.8               # probability ≥ 0.8 → 预计能完成
      outlook_at_risk: 0.4              # probability ≥ 0.4 → 有风险, below → 难以完成
    methods:                            # force a projection method: indicator → level → method
      enrolment:
        vocational: drift

:func:`load_study` is the only reader: the evaluation stage builds its rule from it
(:func:`resolve_rule_settings`; an explicit ``band`` parameter or ``--band`` overrides it and is
recorded in ``rule.json``), the models stage forces its methods, the batch runner checks it
before anything runs and hashes the part each task reads. A missing file means the defaults.
Errors name the file, the YAML line and the key. No pandas here: the runner reads it on its
no-op path.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from analysis.core.errors import AnalysisError

STUDY_FILE = "study.yaml"
"""The name of the study file in a plan folder."""

RULE_SETTINGS: tuple[str, ...] = ("band", "tolerance", "scale_tolerance", "outlook_likely",
                                  "outlook_at_risk")
"""The settings of :class:`analysis.evaluate.rule.StatusRule` a study may set."""

METHODS: tuple[str, ...] = ("cohort", "linear", "drift", "damped", "logit_trend", "naive")
"""The projection methods of the models stage (docs/models.md) a study may force for a series."""

#: Where a setting of the rule came from (``rule.json``'s ``provenance``).
FROM_PARAMETER, FROM_STUDY, FROM_DEFAULT = "parameter", STUDY_FILE, "default"

Method = Literal["cohort", "linear", "drift", "damped", "logit_trend", "naive"]


def _models() -> tuple[type, type]:
    """The pydantic schemas of the file (built on first use: pydantic is imported lazily)."""
    global _SCHEMAS
    if _SCHEMAS is None:
        from pydantic import BaseModel, ConfigDict, Field

        class RuleSection(BaseModel):
            model_config = ConfigDict(extra="forbid", strict=True)

            band: float | None = None
            tolerance: float | None = None
            scale_tolerance: float | None = None
            outlook_likely: float | None = None
            outlook_at_risk: float | None = None

        class StudyFile(BaseModel):
            model_config = ConfigDict(extra="forbid", strict=True)

            note: str = ""
            rule: RuleSection = Field(default_factory=RuleSection)
            methods: dict[str, dict[str, Method]] = Field(default_factory=dict)

        _SCHEMAS = (StudyFile, RuleSection)
    return _SCHEMAS


_SCHEMAS: tuple[type, type] | None = None


@dataclass(frozen=True)
class Study:
    """A plan's study settings: what ``study.yaml`` sets (nothing when it does not exist)."""

    file: Path
    """Where the study file is, or would be (``<plan folder>/study.yaml``)."""
    exists: bool = False
    rule: dict[str, float] = field(default_factory=dict)
    """The status-rule settings the file sets (names of :data:`RULE_SETTINGS`)."""
    methods: dict[tuple[str, str], str] = field(default_factory=dict)
    """``(indicator, level) → method`` forced by the file."""
    note: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """YAML line of each setting (``rule.band``, ``methods.enrolment.primary``)."""

    def rule_settings(self) -> dict[str, float]:
        """The status-rule settings the file sets, for ``StatusRule(…, **settings)``."""
        return dict(self.rule)

    def method_for(self, indicator: str, level: str) -> str | None:
        """The method the study forces for a series, or None."""
        return self.methods.get((str(indicator), str(level)))

    def line(self, key: str) -> int | None:
        """The YAML line of a setting (``rule.band``, ``methods.enrolment.primary``)."""
        return self.lines.get(key)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values: ``{"rule": {...}, "methods": {indicator: {level: m}}}``."""
        methods: dict[str, dict[str, str]] = {}
        for (indicator, level), method in sorted(self.methods.items()):
            methods.setdefault(indicator, {})[level] = method
        return {"rule": dict(sorted(self.rule.items())), "methods": methods}

    def methods_part(self) -> dict[str, Any]:
        """What the models stage reads (empty when nothing is forced)."""
        methods = self.to_dict()["methods"]
        return {"methods": methods} if methods else {}

    def rule_part(self) -> dict[str, Any]:
        """What the evaluation stage reads (empty when the file sets no rule setting)."""
        return {"rule": dict(sorted(self.rule.items()))} if self.rule else {}

    def digest(self) -> str:
        """SHA-256 of :meth:`to_dict` (canonical JSON): equal settings, equal digest."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def describe(self) -> str:
        """One line: the file and what it sets, e.g. ``study.yaml: band 0.1; methods: …``."""
        if not self.exists:
            return f"{self.file.name}: none (the defaults)"
        parts = [" ".join(f"{name} {_number(value)}" for name, value in self.rule.items())]
        if self.methods:
            parts.append("methods: " + ", ".join(f"{i}/{lv} = {m}" for (i, lv), m
                                                in sorted(self.methods.items())))
        shown = "; ".join(p for p in parts if p) or "no setting (the defaults)"
        return f"{self.file.name}: {shown}"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def study_path(plan_dir: str | Path) -> Path:
    """``<plan_dir>/study.yaml``."""
    return Path(plan_dir) / STUDY_FILE


def load_study(plan_dir: str | Path) -> Study:
    """Read and check ``<plan_dir>/study.yaml``; a missing file gives the defaults.

    Read with :func:`analysis.core.textfiles.load_yaml` (the encodings of every plan file, a
    key given twice and runaway aliases refused) and validated with pydantic (unknown keys
    and wrong types refused); the rule settings are checked by the status rule itself
    (:class:`analysis.evaluate.rule.StatusRule`: one range everywhere). Every problem is one
    AnalysisError naming the file, the line and the key.
    """
    path = study_path(plan_dir)
    if not path.exists():
        return Study(file=path)
    from pydantic import ValidationError

    from analysis.core.textfiles import load_yaml, yaml_schema_error

    document = load_yaml(path)
    data = document.data
    if data is None:  # an empty file (comments only): the defaults
        return Study(file=path, exists=True)
    if not isinstance(data, dict):
        raise AnalysisError("study.yaml must be a mapping of keys to values (rule:, methods:)",
                            file=path, row=document.line([]))
    schema, rule_schema = _models()
    try:
        checked = schema.model_validate(data)
    except ValidationError as exc:
        raise yaml_schema_error(exc, document, allowed_keys=lambda loc: list(
            (rule_schema if loc[:1] == ["rule"] else schema).model_fields)) from None
    rule = {name: float(value) for name, value in checked.rule.model_dump().items()
            if value is not None}
    lines = {f"rule.{name}": document.line(["rule", name]) or 0 for name in rule}
    methods: dict[tuple[str, str], str] = {}
    for indicator, levels in checked.methods.items():
        for level, method in levels.items():
            methods[(indicator, level)] = method
            lines[f"methods.{indicator}.{level}"] = document.line(["methods", indicator, level]) or 0
    _check_rule(rule, path, lines)
    return Study(file=path, exists=True, rule=rule, methods=methods, note=checked.note,
                 lines=lines)


def _check_rule(rule: Mapping[str, float], path: Path, lines: Mapping[str, int]) -> None:
    """The settings through the status rule's own checks (ranges, at-risk ≤ likely)."""
    from analysis.evaluate.rule import StatusRule

    try:  # the years are placeholders: only the settings are checked here
        StatusRule(base_year=2000, midterm_year=2001, target_year=2002, eval_year=2001, **rule)
    except AnalysisError as error:
        name = str(error.column or "")
        raise AnalysisError(error.problem, file=path, row=lines.get(f"rule.{name}") or None,
                            column=f"rule.{name}" if name else None, text=error.text) from None


def rule_defaults() -> dict[str, float]:
    """The StatusRule's defaults of :data:`RULE_SETTINGS` (what applies without a study file)."""
    from dataclasses import fields

    from analysis.evaluate.rule import StatusRule

    return {f.name: f.default for f in fields(StatusRule) if f.name in RULE_SETTINGS}  # type: ignore[misc]


def resolve_rule_settings(study: Study, **explicit: object) -> tuple[dict[str, object], dict[str, str]]:
    """The rule settings of an evaluation and where each comes from.

    ``explicit`` holds the settings given as parameters (``band=0.1`` from ``--band`` or the
    notebook; ``None`` means not given): they override the study file, which overrides the
    StatusRule defaults. Returns ``(settings for StatusRule, {name: "parameter" |
    "study.yaml" | "default"})``.
    """
    unknown = sorted(set(explicit) - set(RULE_SETTINGS))
    if unknown:
        raise AnalysisError("unknown status-rule setting", column=unknown[0],
                            text=explicit[unknown[0]])
    settings: dict[str, object] = {}
    sources: dict[str, str] = {}
    for name in RULE_SETTINGS:
        if explicit.get(name) is not None:
            settings[name], sources[name] = explicit[name], FROM_PARAMETER
        elif name in study.rule:
            settings[name], sources[name] = study.rule[name], FROM_STUDY
        else:
            sources[name] = FROM_DEFAULT
    return settings, sources


def rule_differences(used: Mapping[str, object], study: Study) -> list[tuple[str, float, float]]:
    """``(setting, value used, value of the study)`` for each rule setting of ``used`` (a rule's
    ``to_dict()`` or ``rule.json``) that differs from what the study file (or, where it sets
    nothing, the default) says."""
    expected = {**rule_defaults(), **study.rule}
    found = []
    for name in RULE_SETTINGS:
        value = used.get(name)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isclose(float(value), float(expected[name]), rel_tol=0, abs_tol=1e-12):
            found.append((name, float(value), float(expected[name])))
    return found


def study_warning(used: Mapping[str, object], study: Study, *, what: str = "This run") -> str:
    """A visible warning (Markdown) when ``used`` differs from the study's settings; "" when not.

    ``what`` names what was graded differently (``This run``, ``The evaluation this page
    shows``).
    """
    differences = rule_differences(used, study)
    if not differences:
        return ""
    shown = ", ".join(f"**{name} = {_number(value)}** (study: {_number(expected)})"
                      for name, value, expected in differences)
    where = f"`{study.file.parent.name}/{STUDY_FILE}`" if study.exists else \
        f"the defaults (no `{study.file.parent.name}/{STUDY_FILE}`)"
    return (f"⚠ **Not the study's settings / 与研究设置不一致**: {what} uses {shown}, not "
            f"{where}. An explicit `band` parameter or `--band` overrides the study file and "
            "is recorded in `rule.json`; to change the study for every chapter and the summary, "
            f"edit `{STUDY_FILE}` instead.")


def settings_table(used: Mapping[str, object], provenance: Mapping[str, object] | None,
                   study: Study) -> list[dict[str, object]]:
    """One row per setting of a rule (``rule.to_dict()``): ``setting``, ``value``, ``from``
    (``parameter``, ``study.yaml``, ``default``; ``plan.yaml`` for the plan's years), what the
    study file says and the default, as text — the table a notebook shows beside the method
    note."""
    sources = dict((provenance or {}).get("from") or {})  # type: ignore[call-overload]
    defaults = rule_defaults()
    rows = []
    for name, value in used.items():
        if name in RULE_SETTINGS:
            origin = sources.get(name, FROM_STUDY if name in study.rule else FROM_DEFAULT)
        else:
            origin = FROM_PARAMETER if name == "eval_year" else "plan.yaml"
        rows.append({"setting": name, "value": _number(value), "from": origin,
                     STUDY_FILE: _number(study.rule[name]) if name in study.rule else "",
                     "default": _number(defaults[name]) if name in defaults else ""})
    return rows


__all__ = [
    "METHODS", "RULE_SETTINGS", "STUDY_FILE", "Study", "load_study", "resolve_rule_settings",
    "rule_defaults", "rule_differences", "settings_table", "study_path", "study_warning",
]
