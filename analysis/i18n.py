"""Chinese and English labels for the reports: headings, column labels, narrative templates.

The strings live in ``resources/i18n.csv`` (``key, zh, en``), not in code, so that wording can
be corrected without touching the report builders. Grade and outlook labels are *not* here:
they belong to :mod:`analysis.evaluate` (one place for the status rule and its words).

>>> t("sec.overall", "en")
'1. Overall progress'
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from analysis.errors import AnalysisError
from analysis.paths import RESOURCES

LANGS: tuple[str, ...] = ("zh", "en")
I18N_FILE: Path = RESOURCES / "i18n.csv"


def check_lang(lang: object) -> str:
    """Return ``lang`` when it is a supported language code, else raise AnalysisError."""
    if not isinstance(lang, str) or lang not in LANGS:
        raise AnalysisError(
            f"unknown report language (use one of {', '.join(LANGS)})", column="lang", text=lang
        )
    return lang


@lru_cache(maxsize=1)
def load_labels() -> dict[str, dict[str, str]]:
    """All labels as ``{key: {"zh": ..., "en": ...}}``; duplicate or empty keys are errors."""
    labels: dict[str, dict[str, str]] = {}
    with open(I18N_FILE, encoding="utf-8", newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            key = (row.get("key") or "").strip()
            if not key:
                raise AnalysisError("empty key", file=I18N_FILE, row=row_number)
            if key in labels:
                raise AnalysisError("duplicate key", file=I18N_FILE, row=row_number, text=key)
            labels[key] = {lang: row.get(lang) or "" for lang in LANGS}
    return labels


def has(key: str) -> bool:
    """True when ``key`` is in the label table."""
    return key in load_labels()


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The label ``key`` in ``lang``, with ``{name}`` placeholders filled from ``fmt``.

    A missing key or placeholder is a defect of the report code and raises KeyError naming it.
    The returned text is *not* HTML-escaped: escape it (and the values) where HTML is built.
    """
    check_lang(lang)
    labels = load_labels()
    if key not in labels:
        raise KeyError(f"no label {key!r} in {I18N_FILE.name}")
    template = labels[key][lang]
    if not fmt:
        return template
    try:
        return template.format(**fmt)
    except KeyError as missing:
        raise KeyError(f"label {key!r} needs placeholder {missing}") from None


def keys(prefix: str = "") -> list[str]:
    """Every label key starting with ``prefix`` (sorted)."""
    return sorted(k for k in load_labels() if k.startswith(prefix))
