"""The headline of an evaluation: of M gradable targets, N at or beyond their expected progress.

Every target falls in exactly one group (the ``group`` column of ``resources/grades.csv``):

* ``met`` — achieved, ahead, on track, a scale in line with the plan, a milestone done or in
  progress before its deadline;
* ``behind`` — lagging, past its deadline and not done (未按期完成), a milestone not started;
* ``deviating`` — a scale target above or below the planned path beyond the scale tolerance;
* ``ungraded`` — no data, no baseline, no numeric target, a milestone without a record; each
  with its reason.

M = met + behind + deviating; the four groups add up to the number of targets. The plan is
"时间过半、任务过半" (on schedule) when at least half of the M gradable targets are in ``met``
(docs/status_rule.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.core.cells import cell_text
from analysis.evaluate.grading import is_binding
from analysis.evaluate.labels import GROUPS, grade_group

ON_SCHEDULE_SHARE: float = 0.5
"""Share of gradable targets at or beyond expected progress for "任务过半"."""


@dataclass(frozen=True)
class Headline:
    """Targets by headline group, each a frame of evaluation rows in the plan's order (those
    behind: binding ones first)."""

    groups: dict[str, pd.DataFrame] = field(default_factory=dict)

    def rows(self, group: str) -> pd.DataFrame:
        return self.groups.get(group, pd.DataFrame())

    def count(self, group: str) -> int:
        return len(self.rows(group))

    def labelled(self, without: tuple[str, ...] = ()) -> pd.DataFrame:
        """Every row with its headline group in a ``group`` column, group after group, the
        groups ``without`` left out (no row: the evaluation's columns, empty)."""
        frames = [frame.assign(group=group) for group, frame in self.groups.items()
                  if len(frame) and group not in without]
        if frames:
            return pd.concat(frames)
        empty = next(iter(self.groups.values()), pd.DataFrame())
        return empty.assign(group="")

    @property
    def total(self) -> int:
        return sum(self.count(g) for g in GROUPS)

    @property
    def gradable(self) -> int:
        return self.total - self.count("ungraded")

    @property
    def on_schedule(self) -> bool | None:
        """True when at least half the gradable targets are at or beyond expected progress."""
        if not self.gradable:
            return None
        return self.count("met") / self.gradable >= ON_SCHEDULE_SHARE - 1e-12

    def reasons(self) -> dict[str, int]:
        """``{reason code: number of ungraded targets}``, in order of frequency."""
        rows = self.rows("ungraded")
        if not len(rows) or "reason" not in rows.columns:
            return {}
        counts = rows["reason"].map(cell_text).replace("", "no_actual").value_counts()
        return {str(k): int(v) for k, v in counts.items()}


def binding_first(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with binding targets (约束性 or worded 确保) first, the plan's order kept otherwise."""
    if not len(rows):
        return rows
    binding = [is_binding(a, w) for a, w in zip(
        rows.get("attribute", pd.Series([""] * len(rows), index=rows.index)),
        rows.get("wording", pd.Series([""] * len(rows), index=rows.index)), strict=True)]
    order = pd.Series([0 if b else 1 for b in binding], index=rows.index)
    return rows.loc[order.sort_values(kind="stable").index]


def headline(evaluation: pd.DataFrame) -> Headline:
    """The evaluation's rows split into the four headline groups."""
    if not len(evaluation) or "grade" not in evaluation.columns:
        return Headline({g: evaluation.iloc[0:0] for g in GROUPS})
    group = evaluation["grade"].astype(str).map(grade_group)
    return Headline({g: binding_first(evaluation[group == g]) if g == "behind"
                     else evaluation[group == g] for g in GROUPS})
