"""Reading single table cells the same way everywhere (no pandas import needed).

A cell from a CSV or a DataFrame may be ``None``, NaN, ``pandas.NA``, a number or text.
"""

from __future__ import annotations

import math


def is_blank(value: object) -> bool:
    """True for None, NaN (float or numpy) and ``pandas.NA``/``NaT``."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)


def cell_text(value: object) -> str:
    """The cell as stripped text; blanks become ``""``."""
    return "" if is_blank(value) else str(value).strip()


def cell_number(value: object) -> float | None:
    """The cell as a finite float, or None for blanks and anything non-numeric."""
    if is_blank(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
