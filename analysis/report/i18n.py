"""The report pages' wording in Chinese and English (``resources/i18n.csv``).

Headings, column labels and narrative templates live in data, not in code, so wording can
be corrected without touching the section builders (and re-runs only the report tasks).

>>> t("sec.overall", "en")
'1. Overall progress'
"""

from __future__ import annotations

from pathlib import Path

from analysis.core.i18n import LANGS, LabelTable, check_lang

I18N_FILE: Path = Path(__file__).resolve().parent / "resources" / "i18n.csv"
TABLE = LabelTable(I18N_FILE)


def load_labels() -> dict[str, dict[str, str]]:
    """All report labels as ``{key: {"zh": ..., "en": ...}}``."""
    return TABLE.labels


def has(key: str) -> bool:
    """True when ``key`` is a report label."""
    return TABLE.has(key)


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The report label ``key`` in ``lang`` (see :meth:`LabelTable.t`)."""
    return TABLE.t(key, lang, **fmt)


def keys(prefix: str = "") -> list[str]:
    """Every report label key starting with ``prefix``."""
    return TABLE.keys(prefix)


__all__ = ["LANGS", "check_lang", "has", "keys", "load_labels", "t"]
