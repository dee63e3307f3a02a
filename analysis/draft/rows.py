"""A drafted catalogue row and the columns of a draft ``targets.csv``.

A draft has the catalogue's columns (``docs/catalogue.md``, owned by
:mod:`analysis.clean.catalogue`) followed by four review columns the loader ignores:
``wording`` (``firm``/``soft``), ``confidence`` (0–1), ``paragraph`` (the paragraph of the
section, or the table row) and ``review`` (what a reviewer should check; empty when nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.clean.catalogue import CATALOGUE_COLUMNS

REVIEW_COLUMNS = ["wording", "confidence", "paragraph", "review"]
DRAFT_COLUMNS = [*CATALOGUE_COLUMNS, *REVIEW_COLUMNS]

DEFAULT_ATTRIBUTE = "预期性"
NO_INDICATOR = "no indicator id fits: choose one (or add it to resources/indicators.csv)"


@dataclass
class DraftRow:
    """One drafted commitment; ``key`` is given when the draft is assembled."""

    kind: str
    chapter: int
    section: str
    level: str
    indicator: str
    name_zh: str
    measure: str
    final_text: str
    deadline: int
    source: str
    quote: str
    wording: str
    confidence: float
    paragraph: int
    task: str = ""
    baseline_text: str = ""
    midterm_text: str = ""
    attribute: str = DEFAULT_ATTRIBUTE
    name_en: str = ""
    key: str = ""
    review: list[str] = field(default_factory=list)

    def flag(self, note: str, penalty: float = 0.0) -> None:
        """Add a note for the reviewer (once) and lower the confidence."""
        if note not in self.review:
            self.review.append(note)
        self.confidence = max(0.05, round(self.confidence - penalty, 2))

    def record(self) -> dict[str, str]:
        """The row as CSV cells, in :data:`DRAFT_COLUMNS` order."""
        cells = {
            "key": self.key, "kind": self.kind, "chapter": str(self.chapter),
            "section": self.section, "task": self.task, "level": self.level,
            "indicator": self.indicator, "name_zh": self.name_zh, "name_en": self.name_en,
            "attribute": self.attribute, "measure": self.measure,
            "baseline_text": self.baseline_text, "midterm_text": self.midterm_text,
            "final_text": self.final_text, "deadline": str(self.deadline),
            "source": self.source, "quote": self.quote, "wording": self.wording,
            "confidence": f"{self.confidence:.2f}", "paragraph": str(self.paragraph),
            "review": "; ".join(self.review),
        }
        return {column: cells.get(column, "") for column in DRAFT_COLUMNS}


_GENERIC_SLUGS = frozenset({"count", "coverage", "milestone", "projects_completed", ""})
_SLUG = re.compile(r"[^a-z0-9_]+")


def assign_keys(rows: list[DraftRow]) -> None:
    """Stable keys in the documented scheme: ``t<chapter>.<level>.<slug>`` for table rows,
    ``s<section>.<slug>`` for the others. The slug is the indicator id; generic indicators
    (count, coverage, milestone, building projects) and blanks are numbered within their
    section and flagged, since the last word of a key should name the subject."""
    used: set[str] = set()
    numbers: dict[str, int] = {}
    for row in rows:
        slug = _SLUG.sub("_", row.indicator.replace("/", "_")).strip("_")
        if slug in _GENERIC_SLUGS:
            base = slug or "item"
            prefix = f"t{row.chapter}.{row.level}" if row.kind == "table" else f"s{row.section}"
            numbers[prefix + base] = numbers.get(prefix + base, 0) + 1
            slug = f"{base}{numbers[prefix + base]}"
            row.flag("key: rename its last word to name the subject (e.g. sports_schools)")
        if row.kind == "table":
            key = f"t{row.chapter}.{row.level}.{slug}"
        else:
            key = f"s{row.section}.{slug}"
        candidate, n = key, 1
        while candidate in used:
            n += 1
            candidate = f"{key}_{n}"
        used.add(candidate)
        row.key = candidate
