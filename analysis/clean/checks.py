"""Quality checks on the tidy ``indicators`` table → the ``qa_issues`` table.

Each finding has a severity: ``error`` findings stop the clean stage (see
:func:`raise_for_errors`), ``warning`` and ``info`` findings are kept in ``qa_issues`` for the
reports, with the file, sheet and cell they concern.

Checks (``check`` column):

* ``schema`` — columns, types and ids (pandera); error.

The next three read the plausible range of each indicator from its kind and unit
(:func:`analysis.core.vocab.bounds`, ``analysis/core/resources/bounds.csv`` — the one owner of
the limits):

* ``negative`` — a count or an amount below its minimum (zero); error.
* ``share_range`` — a share outside 0–1 (e.g. a retention rate of 105 %); error. Gross
  enrolment rates (kind ``rate``) may exceed 100 %: above ``warn_above`` (100 %) is a warning,
  above ``max`` (200 %) or below 0 an error.
* ``bounds`` — a count or an amount above its maximum (1e300 pupils, more schools than the
  whole country has); error.
* ``parts_total`` — parts that should add up to a total (public + inclusive private + other
  private kindergartens and their children; teachers by qualification; teachers at the start
  of the year + hired − retired − left). A difference within ``max(2, 0.5 %)`` of the total is a
  warning (a keying slip), beyond it an error.
* ``duplicate`` — two cells giving the same (year, level, indicator); error.
* ``yoy_jump`` — a year-on-year change beyond a threshold (counts and amounts: relative change
  above ``jump_threshold`` when either value is at least ``jump_min_size``; shares and rates:
  more than ``share_jump`` in absolute terms; teacher flows are exempt); warning.
* ``baseline`` — the returns against values the plan quotes (the baseline column of the
  targets, the history series), compared at the precision the plan printed; warning.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable

import pandas as pd

from analysis.core import vocab
from analysis.core.errors import AnalysisError

QA_COLUMNS = ["check", "severity", "year", "level", "indicator", "value", "message", "message_zh",
              "source_file", "source_sheet", "source_cell"]
SEVERITIES = ("error", "warning", "info")
COUNT_KINDS = ("count", "money")
# Annual flows swing by nature; a jump in them says nothing about the quality of a return.
NO_JUMP_CHECK = frozenset({"teachers_hired", "teachers_retired", "teachers_left"})
PARTS_TOTALS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    # (total, parts added, parts subtracted, levels: "preschool" or "*" for every level)
    ("schools", ("schools_public", "schools_inclusive_private", "schools_other_private"), (),
     "preschool"),
    ("enrolment", ("enrolment_public", "enrolment_inclusive_private",
                   "enrolment_other_private"), (), "preschool"),
    ("teachers_fulltime", ("teachers_postgraduate", "teachers_bachelor", "teachers_associate",
                           "teachers_below_associate"), (), "*"),
    ("teachers_fulltime", ("teachers_start", "teachers_hired"),
     ("teachers_retired", "teachers_left"), "*"),
)


def finding(check: str, severity: str, message: str, row: pd.Series | dict | None = None,
            *, message_zh: str | None = None, **fields: object) -> dict:
    """One ``qa_issues`` record (message in English and Chinese); location from ``row``."""
    record = {c: None for c in QA_COLUMNS}
    if row is not None:
        for column in ("year", "level", "indicator", "value", "source_file", "source_sheet",
                       "source_cell"):
            record[column] = row[column]
    record.update(fields)
    record.update({"check": check, "severity": severity, "message": message,
                   "message_zh": message_zh or message})
    return record


def _zh(indicator: object) -> str:
    """The Chinese name of an indicator id (the id itself when unknown)."""
    from analysis.core.vocab import indicator_name

    try:
        return indicator_name(str(indicator), "zh")
    except AnalysisError:  # an unknown id is itself reported by the schema check
        return str(indicator)


def check_schema(indicators: pd.DataFrame) -> list[dict]:
    """Columns, dtypes and ids of the indicators table (pandera)."""
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

    kinds = vocab.kinds()
    schema = pa.DataFrameSchema(
        {
            "plan": pa.Column(str),
            "year": pa.Column(int, pa.Check.in_range(1949, 2100)),
            "level": pa.Column(str, pa.Check(lambda s: s.map(lambda level: vocab.is_level(level, allow_age_bands=True)), element_wise=False,
                                             error="unknown level id")),
            "indicator": pa.Column(str, pa.Check.isin(sorted(kinds))),
            "value": pa.Column(float, pa.Check(lambda s: s.map(math.isfinite),
                                               error="value not finite")),
            "unit": pa.Column(str),
            "source_file": pa.Column(str),
            "source_sheet": pa.Column(str),
            "source_cell": pa.Column(str),
            "derived": pa.Column(bool),
        },
        strict=True, coerce=True,
    )
    try:
        schema.validate(indicators, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        return [
            finding("schema", "error",
                    f"column {case['column']}: {case['check']} (value {case['failure_case']!r})")
            for _, case in cases.head(20).iterrows()
        ]
    return []


PLAIN_PERCENT_HINT = ("; a percentage printed without %? Write it with %, or declare "
                      "'unit: percent' for the table or column in layout.yaml")
PLAIN_PERCENT_HINT_ZH = "；如为未带%的百分数，请加上%，或在layout.yaml中为该表或该列声明unit: percent"


def _limits(indicators: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Kind, minimum, maximum and warning threshold of every row (from vocab.bounds; NaN for
    an indicator without bounds, e.g. an unknown id the schema check reports)."""
    table = {ind: vocab.bounds_table().get((info.kind, info.unit))
             for ind, info in vocab.indicators().items()}
    ids = indicators["indicator"].astype(object)
    kinds = ids.map(vocab.kinds())

    def column(attribute: str) -> pd.Series:
        values = {ind: getattr(b, attribute) for ind, b in table.items()
                  if b is not None and getattr(b, attribute) is not None}
        return ids.map(values).astype("float64")

    return kinds, column("min"), column("max"), column("warn_above")


def check_negative(indicators: pd.DataFrame) -> list[dict]:
    """Counts and amounts below their minimum (zero, ``bounds.csv``)."""
    kinds, low, _, _ = _limits(indicators)
    bad = indicators[kinds.isin(COUNT_KINDS) & (indicators["value"] < low)]
    return [finding("negative", "error", f"negative {r.indicator}: {r.value:g}", r,
                    message_zh=f"{_zh(r.indicator)}为负数：{r.value:g}")
            for _, r in bad.iterrows()]


def check_share_range(indicators: pd.DataFrame) -> list[dict]:
    """Shares outside 0–1 (error); gross rates above ``warn_above`` (warning), above ``max``
    or below ``min`` (error) — the limits of ``bounds.csv``."""
    kinds, low, high, warn = _limits(indicators)
    value = indicators["value"]
    fraction = kinds.isin(("share", "rate"))
    suspect = fraction & ((value < low) | (value > high) | (value > warn))
    out = []
    for i in suspect.to_numpy().nonzero()[0]:
        r, kind, lowest, highest = indicators.iloc[i], kinds.iloc[i], low.iloc[i], high.iloc[i]
        # A reported share or rate of 200 % or more (85.2 read as 8520 %) is most likely a
        # percentage printed without %; 105 % is more likely a keying error.
        hint, hint_zh = ("", "") if bool(r.derived) or not 2 <= r.value <= 100 * highest else (
            PLAIN_PERCENT_HINT, PLAIN_PERCENT_HINT_ZH)
        if kind == "share" and r.value > highest:
            out.append(finding("share_range", "error",
                               f"{r.indicator} = {r.value:.2%} is impossible (outside 0–100 %)"
                               f"{hint}", r, message_zh=f"{_zh(r.indicator)}为{r.value:.2%}，"
                               f"超出0–100%，不可能{hint_zh}"))
        elif r.value < lowest:
            out.append(finding("share_range", "error", f"{r.indicator} below 0: {r.value:.2%}",
                               r, message_zh=f"{_zh(r.indicator)}低于0：{r.value:.2%}"))
        elif r.value > highest:
            out.append(finding("share_range", "error",
                               f"{r.indicator} = {r.value:.2%} is implausible (above "
                               f"{highest:.0%}, the bound in {vocab.BOUNDS_FILE}){hint}", r,
                               message_zh=f"{_zh(r.indicator)}为{r.value:.2%}，超过{highest:.0%}，"
                               f"不合常理{hint_zh}"))
        else:
            out.append(finding("share_range", "warning",
                               f"{r.indicator} = {r.value:.2%} exceeds 100 % (possible for a "
                               "gross rate: pupils outside the official age or from elsewhere)",
                               r, message_zh=f"{_zh(r.indicator)}为{r.value:.2%}，超过100%"
                               "（毛入学率可能如此：含非适龄或外地生源），请核实"))
    return out


def check_bounds(indicators: pd.DataFrame) -> list[dict]:
    """Reported counts and amounts above their maximum (``bounds.csv``): impossible, an error.

    Derived rows are left out: an aggregate of implausible parts would only repeat the error
    away from the cell that holds it."""
    kinds, _, high, _ = _limits(indicators)
    bad = (kinds.isin(COUNT_KINDS) & (indicators["value"] > high)
           & ~indicators["derived"].astype(bool)).to_numpy().nonzero()[0]
    out = []
    for i in bad:
        r, highest = indicators.iloc[i], high.iloc[i]
        unit = vocab.unit(str(r.indicator))
        out.append(finding(
            "bounds", "error",
            f"{r.indicator} = {r.value:g} is implausible (more than {highest:g} {unit}, the "
            f"bound in {vocab.BOUNDS_FILE})", r,
            message_zh=f"{_zh(r.indicator)}为{r.value:g}，超过合理上限{highest:g}，不合常理"))
    return out


def check_duplicates(indicators: pd.DataFrame) -> list[dict]:
    """Two rows for one (year, level, indicator)."""
    keys = ["year", "level", "indicator"]
    dup = indicators[indicators.duplicated(keys, keep=False)]
    out = []
    for _, group in dup.groupby(keys, sort=True):
        cells = "; ".join(f"{f} {s} {c}".replace("  ", " ") for f, s, c in
                          zip(group["source_file"], group["source_sheet"], group["source_cell"],
                              strict=True))
        first = group.iloc[1]
        out.append(finding("duplicate", "error",
                           f"{len(group)} entries for one year/level/indicator ({cells})", first,
                           message_zh=f"同一年份、学段、指标有{len(group)}条记录（{cells}）"))
    return out


def check_parts_totals(indicators: pd.DataFrame) -> list[dict]:
    """Parts against totals, reported rows only (see the module docstring for tolerances)."""
    reported = indicators[~indicators["derived"]]
    values = {(int(y), str(lv), str(ind)): (float(v), i) for i, (y, lv, ind, v) in
              enumerate(zip(reported["year"], reported["level"], reported["indicator"],
                            reported["value"], strict=True))}
    out = []
    for (year, level, indicator), (total, index) in sorted(values.items()):
        for name, plus, minus, levels in PARTS_TOTALS:
            if indicator != name or (levels != "*" and level != levels):
                continue
            parts = [values.get((year, level, p)) for p in plus + minus]
            if any(p is None for p in parts):
                continue
            added = sum(values[(year, level, p)][0] for p in plus)
            taken = sum(values[(year, level, p)][0] for p in minus)
            difference = added - taken - total
            if abs(difference) < 1e-9:
                continue
            formula = "+".join(plus) + "".join(f"-{m}" for m in minus)
            severity = "warning" if abs(difference) <= max(2.0, 0.005 * abs(total)) else "error"
            out.append(finding(
                "parts_total", severity,
                f"{formula} = {added - taken:g} but {name} = {total:g} "
                f"(difference {difference:+g})",
                reported.iloc[index],
                message_zh=f"分项合计（{'+'.join(_zh(p) for p in plus)}"
                f"{''.join('−' + _zh(m) for m in minus)}）为{added - taken:g}，"
                f"但{_zh(name)}为{total:g}（相差{difference:+g}）",
            ))
    return out


def check_jumps(indicators: pd.DataFrame, *, jump_threshold: float = 0.3,
                jump_min_size: float = 50, share_jump: float = 0.10) -> list[dict]:
    """Year-on-year changes beyond the thresholds (reported rows only)."""
    reported = indicators[~indicators["derived"]].sort_values(["level", "indicator", "year"])
    kinds = vocab.kinds()
    out = []
    reported = reported[reported["level"].notna() & reported["indicator"].notna()]
    # one pass of itertuples (pandas builds a namedtuple class on every call), then the
    # (level, indicator) series in order: the frame is sorted by level, indicator and year
    for (_level, indicator), group in itertools.groupby(
            reported.itertuples(index=False), key=lambda row: (row.level, row.indicator)):
        if indicator in NO_JUMP_CHECK:
            continue
        kind = kinds.get(str(indicator), "count")
        rows = list(group)
        for before, after in zip(rows, rows[1:], strict=False):
            if after.year != before.year + 1:
                continue
            if kind in COUNT_KINDS:
                if max(abs(before.value), abs(after.value)) < jump_min_size or before.value == 0:
                    continue
                change = after.value / before.value - 1
                if abs(change) > jump_threshold:
                    out.append(finding(
                        "yoy_jump", "warning",
                        f"{indicator} changed by {change:+.0%} from {before.year} "
                        f"({before.value:g}) to {after.year} ({after.value:g})",
                        after._asdict(),
                        message_zh=f"{_zh(indicator)}由{before.year}年的{before.value:g}变为"
                        f"{after.year}年的{after.value:g}，变动{change:+.0%}"))
            elif abs(after.value - before.value) > share_jump:
                out.append(finding(
                    "yoy_jump", "warning",
                    f"{indicator} moved {100 * (after.value - before.value):+.1f} points from "
                    f"{before.year} to {after.year}", after._asdict(),
                    message_zh=f"{_zh(indicator)}由{before.year}年到{after.year}年变动"
                    f"{100 * (after.value - before.value):+.1f}个百分点"))
    return out


def printed_tolerance(value: float, unit: str) -> float:
    """Half a unit of the last digit the value shows (percent digits for fractions)."""
    shown = value * 100 if unit == "fraction" else value
    text = f"{shown:.10f}".rstrip("0").rstrip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    tolerance = 0.5 * 10 ** (-decimals)
    return tolerance / 100 if unit == "fraction" else tolerance


def plan_quotes(targets: pd.DataFrame | None, history: pd.DataFrame | None,
                base_year: int | None) -> list[dict]:
    """(year, level, indicator, value, unit, source) the plan prints for past years."""
    quotes: list[dict] = []
    if history is not None and not history.empty:
        for _, r in history.iterrows():
            if pd.notna(r["value"]) and pd.notna(r["year"]):
                quotes.append({"year": int(r["year"]), "level": r["level"],
                               "indicator": r["indicator"], "value": float(r["value"]),
                               "unit": r.get("unit", ""), "source": r.get("source", r["key"]),
                               "comparator": r.get("comparator", "eq") or "eq"})
    if targets is not None and not targets.empty and base_year is not None:
        for _, r in targets.iterrows():
            if pd.notna(r.get("baseline_value")) and r.get("measure", "level") == "level":
                quotes.append({"year": int(base_year), "level": r["level"],
                               "indicator": r["indicator"], "value": float(r["baseline_value"]),
                               "unit": r.get("unit", ""), "source": f"{r['key']} {r['source']}",
                               "comparator": "eq"})
    return quotes


def check_baseline(indicators: pd.DataFrame, targets: pd.DataFrame | None = None,
                   history: pd.DataFrame | None = None, base_year: int | None = None
                   ) -> list[dict]:
    """Returns (reported or derived) against the values the plan quotes for past years."""
    rows = {(int(r.year), str(r.level), str(r.indicator)): r
            for r in indicators.itertuples(index=False)}
    out = []
    seen: set[tuple[int, str, str, float]] = set()
    for quote in plan_quotes(targets, history, base_year):
        key = (quote["year"], str(quote["level"]), str(quote["indicator"]))
        if key not in rows or (*key, quote["value"]) in seen:
            continue
        seen.add((*key, quote["value"]))
        r = rows[key]
        tolerance = printed_tolerance(quote["value"], str(r.unit))
        comparator = str(quote["comparator"]) if pd.notna(quote["comparator"]) else "eq"
        low_ok = r.value >= quote["value"] - tolerance - 1e-12
        high_ok = r.value <= quote["value"] + tolerance + 1e-12
        ok = {"ge": low_ok, "gt": low_ok, "le": high_ok, "lt": high_ok}.get(
            comparator, low_ok and high_ok)
        if not ok:
            shown = (lambda v: f"{v:.2%}") if r.unit == "fraction" else (lambda v: f"{v:g}")
            out.append(finding(
                "baseline", "warning",
                f"returns give {shown(r.value)} but the plan quotes {shown(quote['value'])} "
                f"({quote['source']})", r._asdict(),
                message_zh=f"统计报表为{shown(r.value)}，规划文本为{shown(quote['value'])}"
                f"（{quote['source']}）"))
    return out


def run_checks(indicators: pd.DataFrame, *, targets: pd.DataFrame | None = None,
               history: pd.DataFrame | None = None, base_year: int | None = None,
               jump_threshold: float = 0.3) -> pd.DataFrame:
    """Every check; returns the ``qa_issues`` table (errors first, then by year)."""
    findings: list[dict] = []
    findings += check_schema(indicators)
    if not any(f["severity"] == "error" for f in findings):
        findings += check_duplicates(indicators)
        findings += check_negative(indicators)
        findings += check_share_range(indicators)
        findings += check_bounds(indicators)
        findings += check_parts_totals(indicators)
        findings += check_jumps(indicators, jump_threshold=jump_threshold)
        findings += check_baseline(indicators, targets, history, base_year)
    return qa_frame(findings)


def qa_frame(findings: Iterable[dict]) -> pd.DataFrame:
    """Findings as the ``qa_issues`` table with stable dtypes and order."""
    frame = pd.DataFrame.from_records(list(findings), columns=QA_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    for column in ("check", "severity", "level", "indicator", "message", "message_zh",
                   "source_file",
                   "source_sheet", "source_cell"):
        frame[column] = frame[column].astype("string")
    order = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    frame = frame.assign(_order=order).sort_values(
        ["_order", "check", "year", "level", "indicator"], kind="stable", na_position="first")
    return frame.drop(columns="_order").reset_index(drop=True)


def cell_location(cell: object) -> tuple[int | None, str | int | None]:
    """``"C5"`` -> (5, "C"); ``"line 5, field 2"`` -> (5, 2); anything else -> (None, None)."""
    text = "" if cell is None or pd.isna(cell) else str(cell)
    match = re.fullmatch(r"([A-Z]+)(\d+)", text)
    if match:
        return int(match.group(2)), match.group(1)
    match = re.fullmatch(r"line (\d+), field (\d+)", text)
    if match:
        return int(match.group(1)), int(match.group(2))
    return None, None


def raise_for_errors(qa_issues: pd.DataFrame) -> None:
    """Raise AnalysisError naming the first error finding (and how many there are)."""
    errors = qa_issues[qa_issues["severity"] == "error"]
    if errors.empty:
        return
    first = errors.iloc[0]
    row, column = cell_location(first["source_cell"])
    more = f" (and {len(errors) - 1} more QA errors)" if len(errors) > 1 else ""
    sheet = first["source_sheet"]
    raise AnalysisError(
        f"QA check '{first['check']}' failed: {first['message']}{more}",
        file=None if pd.isna(first["source_file"]) else first["source_file"],
        sheet=None if pd.isna(sheet) or sheet == "" else sheet,
        row=row, column=column,
    )
