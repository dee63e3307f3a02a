"""Label tables in two languages (``key, zh, en`` CSV files) and the report languages.

Each stage that shows words owns its table: the report pages' wording is
``analysis/report/resources/i18n.csv``, the figures' legend and axis words
``analysis/figures/resources/labels.csv``. This module only reads them, so a wording fix
in one table never touches the code, or the cache keys, of a stage that does not show it.
Grade and outlook labels belong to :mod:`analysis.evaluate.labels`.
"""

from __future__ import annotations

import csv
from functools import cached_property
from pathlib import Path

from analysis.core.errors import AnalysisError

LANGS: tuple[str, ...] = ("zh", "en")


def check_lang(lang: object) -> str:
    """Return ``lang`` when it is a supported language code, else raise AnalysisError."""
    if not isinstance(lang, str) or lang not in LANGS:
        raise AnalysisError(
            f"unknown report language (use one of {', '.join(LANGS)})", column="lang", text=lang
        )
    return lang


class LabelTable:
    """One ``key, zh, en`` table, read once on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @cached_property
    def labels(self) -> dict[str, dict[str, str]]:
        """All labels as ``{key: {"zh": ..., "en": ...}}``; duplicate or empty keys are errors."""
        labels: dict[str, dict[str, str]] = {}
        with open(self.path, encoding="utf-8", newline="") as handle:
            for row_number, row in enumerate(csv.DictReader(handle), start=2):
                key = (row.get("key") or "").strip()
                if not key:
                    raise AnalysisError("empty key", file=self.path, row=row_number)
                if key in labels:
                    raise AnalysisError("duplicate key", file=self.path, row=row_number, text=key)
                labels[key] = {lang: row.get(lang) or "" for lang in LANGS}
        return labels

    def has(self, key: str) -> bool:
        """True when ``key`` is in the table."""
        return key in self.labels

    def t(self, key: str, lang: str = "zh", **fmt: object) -> str:
        """The label ``key`` in ``lang``, with ``{name}`` placeholders filled from ``fmt``.

        A missing key or placeholder is a defect of the calling code and raises KeyError
        naming it. The text is *not* HTML-escaped: escape it where HTML is built.
        """
        check_lang(lang)
        if key not in self.labels:
            raise KeyError(f"no label {key!r} in {self.path.name}")
        template = self.labels[key][lang]
        if not fmt:
            return template
        try:
            return template.format(**fmt)
        except KeyError as missing:
            raise KeyError(f"label {key!r} needs placeholder {missing}") from None

    def keys(self, prefix: str = "") -> list[str]:
        """Every key starting with ``prefix`` (sorted)."""
        return sorted(k for k in self.labels if k.startswith(prefix))
