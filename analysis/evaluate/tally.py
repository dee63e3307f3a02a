"""Counts of grades (and milestone statuses), overall or per chapter.
"""

from __future__ import annotations

import pandas as pd

from analysis.evaluate.labels import GRADE_CODES, MILESTONE_CODES, grade_label

# --------------------------------------------------------------------------------------------
# Summaries and output


def grade_tally(
    evaluation: pd.DataFrame, *, by: str | None = None, final: bool | None = None
) -> pd.DataFrame:
    """Counts of each grade (and milestone status), optionally per ``by`` (e.g. ``"chapter"``).

    Columns: [by,] ``family`` (grade | milestone), ``code``, ``label_zh``, ``label_en``,
    ``count``, ``share`` (of the rows of that family in the group). Every grade code is listed,
    with zero counts; milestone codes only when there are milestone rows. ``final`` picks the
    final-evaluation wording; by default it is true when every row is judged at its deadline.
    """
    if final is None:
        final = bool(evaluation["is_final"].all()) if "is_final" in evaluation and len(
            evaluation
        ) else False
    groups = [((), evaluation)] if by is None else [
        ((value,), part) for value, part in evaluation.groupby(by, sort=True, dropna=False)
    ]
    records: list[dict[str, object]] = []
    for group_key, part in groups:
        codes = part["grade"].astype(str)
        families = [("grade", GRADE_CODES)]
        if codes.isin(MILESTONE_CODES).any() or (
            by is None and evaluation["grade"].astype(str).isin(MILESTONE_CODES).any()
        ):
            families.append(("milestone", MILESTONE_CODES))
        for family, family_codes in families:
            total = int(codes.isin(family_codes).sum())
            for code in family_codes:
                count = int((codes == code).sum())
                record: dict[str, object] = {by: group_key[0]} if by is not None else {}
                record.update(
                    family=family, code=code,
                    label_zh=grade_label(code, "zh", final=final),
                    label_en=grade_label(code, "en", final=final),
                    count=count, share=count / total if total else float("nan"),
                )
                records.append(record)
    return pd.DataFrame(records)


