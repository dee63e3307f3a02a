"""Self-consistency checks of a plan: what its own numbers say about each other.

:func:`plan_consistency` takes the processed ``targets`` and ``history`` tables
(:mod:`analysis.clean.plan`) and returns one row per finding with the columns
``check, severity, message_zh, message_en, keys, values``. Severity is ``warning`` for a
contradiction a reader of the plan should know about and ``info`` for a fact worth showing
(a duplicated target, a quoted share that reconciles, a target already met at the baseline).

The rules are generic; none names a particular plan, key or indicator:

``target_conflict`` / ``target_duplicate`` / ``target_strictness``
    the same (indicator, level, deadline, measure) given a final value in two places; values
    differing beyond the ≈ tolerance (:data:`APPROX_TOLERANCE` for 左右/约) are a conflict;
    the same value printed strictly in one place and inclusively in the other (大于92% and
    92%以上) is flagged because an actual of exactly 92 % grades differently.
``history_conflict``
    two history rows giving one (indicator, level, year) different values.
``share_reconciles`` / ``share_mismatch``
    a quoted share compared with part/total of two quoted counts (the share's formula comes
    from the indicator dictionary, :func:`analysis.core.vocab.share_formula`).
``rule_broken_in_history`` / ``rule_holds_in_history``
    a rule such as 逐年只增不减 checked against the plan's own series for that indicator.
``baseline_differs`` / ``baseline_agrees``
    a table baseline against the history fact for the same indicator, level and base year.
``met_at_baseline``, ``midterm_reverses``, ``midterm_beyond_final``
    the path baseline → mid-term → final: targets already met at the baseline ("maintain"
    targets), a mid-term value on the wrong side of the baseline, a mid-term value beyond the
    final target.
``aggregate_below_parts`` / ``aggregate_above_parts`` / ``aggregate_adds_up``
    a count for an aggregate level (compulsory) against the sum of its parts (primary +
    junior); below the sum usually means units counted at both levels.

Counts of things the target itself names (indicators in :data:`SUBJECT_INDICATORS`, such as
``count`` or ``coverage``) are only compared when they are about the same subject: the last
word of the key (``sP11.subject_leaders`` ↔ ``h.all.subject_leaders.2020``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

import pandas as pd

from analysis.core import vocab
from analysis.core.comparators import APPROX_TOLERANCE, meets

COLUMNS = ["check", "severity", "message_zh", "message_en", "keys", "values"]

SHARE_TOLERANCE = 0.001
"""A quoted share reconciles with part/total within 0.1 percentage point (rounding, dates)."""

SUBJECT_INDICATORS = vocab.GENERIC_INDICATORS
"""Indicators whose meaning depends on what the target names; matched by key subject."""

_COUNT_UNITS = frozenset({"persons", "schools", "classes", "places", "projects", "units"})
_NUMBER_TEXT = re.compile(r"\d+(?:\.(\d+))?")


def plan_consistency(
    targets: pd.DataFrame,
    history: pd.DataFrame,
    *,
    base_year: int | None = None,
    tolerance: float = APPROX_TOLERANCE,
) -> pd.DataFrame:
    """Every finding of the generic rules (module docstring) as a table.

    ``base_year`` is the year of the table's baseline column; when omitted it is the year
    most history facts about the table's indicators refer to.
    """
    history = _with_columns(history, _HISTORY_NEEDS)
    targets = _with_columns(targets, _TARGET_NEEDS)
    if base_year is None:
        base_year = infer_base_year(targets, history)
    findings: list[dict[str, str]] = []
    findings += conflicting_targets(targets, tolerance)
    findings += conflicting_history(history)
    if base_year is not None:
        findings += share_reconciliation(targets, history, base_year)
    findings += rules_against_history(targets, history)
    if base_year is not None:
        findings += baseline_against_history(targets, history, base_year)
    findings += target_paths(targets, history, base_year)
    if base_year is not None:
        findings += aggregate_levels(targets, history, base_year)
    return pd.DataFrame(findings, columns=COLUMNS)


_HISTORY_NEEDS = ("key", "level", "indicator", "year", "value", "unit", "source", "comparator",
                  "value_text", "name_zh")
_TARGET_NEEDS = ("key", "parent_key", "kind", "level", "indicator", "name_zh", "name_en",
                 "measure", "direction", "unit", "baseline_value", "midterm_value",
                 "final_value", "final_comparator", "rule", "deadline", "baseline_text",
                 "midterm_text", "final_text", "source")


def _with_columns(frame: pd.DataFrame, needed: Iterable[str]) -> pd.DataFrame:
    """The frame with any missing column added (empty), so that empty inputs work."""
    missing = [c for c in needed if c not in frame.columns]
    if not missing:
        return frame
    return frame.assign(**{c: pd.Series([None] * len(frame), index=frame.index, dtype=object)
                           for c in missing})


def infer_base_year(targets: pd.DataFrame, history: pd.DataFrame) -> int | None:
    """The year most history rows about the targets' baseline indicators refer to."""
    with_baseline = targets[targets["baseline_value"].notna()]
    pairs = set(zip(with_baseline["indicator"], with_baseline["level"], strict=True))
    years = [int(y) for i, lv, y in zip(history["indicator"], history["level"], history["year"],
                                        strict=True) if (i, lv) in pairs]
    if not years:
        years = [int(y) for y in history["year"]]
    return max(set(years), key=years.count) if years else None


# --------------------------------------------------------------------------- helpers


def subject(key: str, indicator: str) -> str:
    """What a row counts when the indicator alone does not say: the last word of its key.

    Trailing numeric parts (a pair half ``.1``, a year ``.2020``) are dropped first. Empty
    for indicators that carry their own meaning.
    """
    if indicator not in SUBJECT_INDICATORS:
        return ""
    parts = [p for p in str(key).split(".") if p]
    while parts and parts[-1].isdigit():
        parts.pop()
    return parts[-1] if parts else ""


def fmt(value: float, unit: str, comparator: str | None = "eq") -> str:
    """A value as a reader of the plan would print it (fractions as %, counts with commas)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    symbol = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "approx": "≈"}.get(comparator or "", "")
    if unit == "fraction":
        text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
        return f"{symbol}{text}%"
    if float(value).is_integer():
        return f"{symbol}{int(value):,}"
    return f"{symbol}{value:,.2f}"


def _finding(check: str, severity: str, zh: str, en: str, keys: Iterable[str],
             values: Iterable[str]) -> dict[str, str]:
    return {"check": check, "severity": severity, "message_zh": zh, "message_en": en,
            "keys": "; ".join(keys), "values": "; ".join(values)}


def _name(row: pd.Series | dict) -> str:
    name = str(row.get("name_zh") or "")
    return name if name and name != "nan" else vocab.indicator_name(str(row["indicator"]))


def _name_en(row: pd.Series | dict) -> str:
    name = str(row.get("name_en") or "")
    return name if name and name != "nan" else vocab.indicator_name(str(row["indicator"]), "en")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _satisfies(value: float, comparator: str | None, threshold: float, tolerance: float) -> bool:
    """Whether ``value`` meets ``<comparator> threshold`` (``eq`` read as equality)."""
    if comparator in ("ge", "gt", "le", "lt", "approx"):
        return meets(value, threshold, comparator, tolerance=tolerance)
    return _close(value, threshold)


# --------------------------------------------------------------------------- the rules


def conflicting_targets(targets: pd.DataFrame, tolerance: float = APPROX_TOLERANCE
                        ) -> list[dict[str, str]]:
    """The same target stated twice: a conflict beyond the tolerance, else a duplicate."""
    rows = targets[targets["final_value"].notna() & targets["kind"].isin(["table", "target"])]
    groups: dict[tuple, list[pd.Series]] = defaultdict(list)
    for _, row in rows.iterrows():
        group = (row["indicator"], row["level"], int(row["deadline"]), row["measure"],
                 subject(row["key"], row["indicator"]))
        groups[group].append(row)
    findings = []
    for (_, _, deadline, _, _), members in groups.items():
        for a, b in combinations(members, 2):
            findings.append(_compare_targets(a, b, deadline, tolerance))
    return findings


def _compare_targets(a: pd.Series, b: pd.Series, year: int, tolerance: float) -> dict[str, str]:
    va, vb = float(a["final_value"]), float(b["final_value"])
    ca, cb = a["final_comparator"], b["final_comparator"]
    unit = str(a["unit"])
    values = [f"{a['key']}={a['final_text']}", f"{b['key']}={b['final_text']}"]
    where = f"{a['final_text']}（{a['source']}）与 {b['final_text']}（{b['source']}）"
    where_en = f"{a['final_text']} ({a['source']}) and {b['final_text']} ({b['source']})"
    if _close(va, vb) and {ca, cb} in ({"gt", "ge"}, {"lt", "le"}):
        return _finding(
            "target_strictness", "warning",
            f"{_name(a)}（{year}年）在两处写法不同：{where}；实际值恰好等于{fmt(va, unit)}时，"
            "按“大于/小于”的严格含义判为未达到，按“以上/以下”判为达到，两处评级会不同。",
            f"{_name_en(a)} ({year}) is printed in two forms: {where_en}; an actual of exactly "
            f"{fmt(va, unit)} is not met under the strict form and met under the other, so the "
            "two grade differently.",
            [a["key"], b["key"]], values,
        )
    approx = "approx" in (ca, cb)
    difference = abs(va - vb)
    relative = difference / max(abs(va), abs(vb)) if max(abs(va), abs(vb)) else 0.0
    if _close(va, vb) or (approx and relative <= tolerance):
        same = "相同" if _close(va, vb) and ca == cb else "相容"
        return _finding(
            "target_duplicate", "info",
            f"{_name(a)}（{year}年）在两处给出{same}的目标：{where}。",
            f"{_name_en(a)} ({year}) is stated twice with "
            f"{'the same' if same == '相同' else 'compatible'} values: {where_en}.",
            [a["key"], b["key"]], values,
        )
    limit = (f"，超出“左右/约”的±{tolerance:.0%}容差" if approx else "")
    limit_en = (f", beyond the ±{tolerance:.0%} tolerance of 'about'" if approx else "")
    return _finding(
        "target_conflict", "warning",
        f"{_name(a)}（{year}年）在两处给出不同目标：{where}；相差{fmt(difference, unit)}"
        f"（{relative:.1%}）{limit}。",
        f"{_name_en(a)} ({year}) has two different targets: {where_en}; they differ by "
        f"{fmt(difference, unit)} ({relative:.1%}){limit_en}.",
        [a["key"], b["key"]], values,
    )


def conflicting_history(history: pd.DataFrame) -> list[dict[str, str]]:
    """Two history rows giving one (indicator, level, year) different values."""
    groups: dict[tuple, list[pd.Series]] = defaultdict(list)
    for _, row in history.iterrows():
        groups[(row["indicator"], row["level"], int(row["year"]),
                subject(row["key"], row["indicator"]))].append(row)
    findings = []
    for (_, _, year, _), members in groups.items():
        for a, b in combinations(members, 2):
            if _close(float(a["value"]), float(b["value"])):
                continue
            findings.append(_finding(
                "history_conflict", "warning",
                f"{_name(a)}（{year}年）在两处引用的数值不同：{a['value_text']}（{a['source']}）与 "
                f"{b['value_text']}（{b['source']}）。",
                f"{_name_en(a)} ({year}) is quoted with two different values: "
                f"{a['value_text']} ({a['source']}) and {b['value_text']} ({b['source']}).",
                [a["key"], b["key"]], [str(a["value_text"]), str(b["value_text"])],
            ))
    return findings


def _quoted_values(targets: pd.DataFrame, history: pd.DataFrame, base_year: int
                   ) -> list[dict[str, object]]:
    """Every value the plan quotes for a past year: history rows, then table baselines."""
    quoted: list[dict[str, object]] = []
    for _, row in history.iterrows():
        quoted.append({"key": row["key"], "indicator": row["indicator"], "level": row["level"],
                       "year": int(row["year"]), "value": float(row["value"]),
                       "comparator": row.get("comparator") or "eq", "unit": row["unit"],
                       "text": str(row.get("value_text") or fmt(row["value"], row["unit"])),
                       "source": row["source"], "name_zh": row.get("name_zh")})
    for _, row in targets[targets["baseline_value"].notna()].iterrows():
        quoted.append({"key": row["key"], "indicator": row["indicator"], "level": row["level"],
                       "year": base_year, "value": float(row["baseline_value"]),
                       "comparator": "eq", "unit": row["unit"], "text": row["baseline_text"],
                       "source": row["source"], "name_zh": row["name_zh"]})
    return quoted


def _find_count(pool: list[dict[str, object]], ids: frozenset[str]) -> dict[str, object] | None:
    for item in pool:
        indicator = str(item["indicator"])
        if item["comparator"] == "eq" and vocab.expand(indicator) == ids:
            return item
    return None


def share_reconciliation(targets: pd.DataFrame, history: pd.DataFrame, base_year: int
                         ) -> list[dict[str, str]]:
    """A quoted share against part/total of quoted counts for the same level and year."""
    quoted = _quoted_values(targets, history, base_year)
    findings = []
    seen: set[tuple] = set()
    for share in quoted:
        indicator = str(share["indicator"])
        formula = vocab.share_formula(indicator)
        identity = (indicator, share["level"], share["year"])
        if formula is None or share["comparator"] != "eq" or identity in seen:
            continue
        pool = [q for q in quoted if q["level"] == share["level"] and q["year"] == share["year"]]
        numerator = _find_count(pool, frozenset().union(*(vocab.expand(i) for i in formula[0])))
        denominator = _find_count(pool, frozenset().union(*(vocab.expand(i) for i in formula[1])))
        if numerator is None or denominator is None or not denominator["value"]:
            continue
        seen.add(identity)
        computed = float(numerator["value"]) / float(denominator["value"])
        printed = float(share["value"])
        difference = abs(computed - printed)
        decimals = _percent_decimals(str(share["text"]))
        half_unit = 0.5 * 10 ** -(decimals + 2)
        values = [f"{numerator['key']}={numerator['text']}", f"{denominator['key']}="
                  f"{denominator['text']}", f"{share['key']}={share['text']}",
                  f"computed={computed:.4%}"]
        keys = [str(share["key"]), str(numerator["key"]), str(denominator["key"])]
        sums = (f"{fmt(numerator['value'], 'persons')} / {fmt(denominator['value'], 'persons')}"
                f" = {computed:.2%}")
        if difference <= max(half_unit, SHARE_TOLERANCE):
            exact = difference <= half_unit
            findings.append(_finding(
                "share_reconciles", "info",
                f"{share['year']}年{_name(share)}：{sums}，与规划所引{share['text']}"
                f"{'一致' if exact else f'基本一致（相差{difference * 100:.2f}个百分点，在舍入与统计时点误差之内）'}。",
                f"{share['year']} {vocab.indicator_name(indicator, 'en')}: {sums}, which "
                f"{'matches' if exact else f'reconciles with (a gap of {difference * 100:.2f} points, within rounding)'}"
                f" the quoted {share['text']}.",
                keys, values,
            ))
        else:
            findings.append(_finding(
                "share_mismatch", "warning",
                f"{share['year']}年{_name(share)}：{sums}，与规划所引{share['text']}不符"
                f"（相差{difference * 100:.2f}个百分点）。",
                f"{share['year']} {vocab.indicator_name(indicator, 'en')}: {sums}, which does "
                f"not match the quoted {share['text']} (a gap of {difference * 100:.2f} points).",
                keys, values,
            ))
    return findings


def _percent_decimals(text: str) -> int:
    match = _NUMBER_TEXT.search(text)
    return len(match.group(1)) if match and match.group(1) else 0


RULE_LABELS = {
    "non_decreasing": ("逐年只增不减", "never fall from one year to the next"),
    "increasing": ("逐年增长", "rise every year"),
}


def rules_against_history(targets: pd.DataFrame, history: pd.DataFrame) -> list[dict[str, str]]:
    """A year-on-year rule checked against the plan's own series for the indicator."""
    findings = []
    for _, rule_row in targets[targets["rule"].isin(list(RULE_LABELS))].iterrows():
        series = history[(history["indicator"] == rule_row["indicator"])
                         & (history["level"] == rule_row["level"])].sort_values("year")
        if len(series) < 2:
            continue
        strict = rule_row["rule"] == "increasing"
        breaks = []
        points = list(zip(series["year"], series["value"], series["value_text"], strict=True))
        for (y0, v0, t0), (y1, v1, t1) in zip(points, points[1:], strict=False):
            fell = v1 < v0 and not _close(v0, v1)
            if fell or (strict and _close(v0, v1)):
                breaks.append((int(y0), int(y1), str(t0), str(t1)))
        label_zh, label_en = RULE_LABELS[str(rule_row["rule"])]
        first, last = int(points[0][0]), int(points[-1][0])
        series_text = [f"{int(y)}={t}" for y, _, t in points]
        keys = [str(rule_row["key"]), *series["key"].astype(str)]
        if breaks:
            steps_zh = "、".join(f"{a}→{b}年（{ta}→{tb}）" for a, b, ta, tb in breaks)
            steps_en = ", ".join(f"{a}→{b} ({ta}→{tb})" for a, b, ta, tb in breaks)
            findings.append(_finding(
                "rule_broken_in_history", "warning",
                f"规则“{rule_row['name_zh']}”（{rule_row['source']}）与规划自身引用的"
                f"{first}—{last}年数据相悖：{steps_zh}下降。",
                f"The rule that {_name_en(rule_row).lower()} ({rule_row['source']}) "
                f"was not met by the plan's own {first}–{last} series ({label_en}): it fell "
                f"{steps_en}.",
                keys, series_text,
            ))
        else:
            findings.append(_finding(
                "rule_holds_in_history", "info",
                f"规则“{rule_row['name_zh']}”在规划引用的{first}—{last}年数据中均得到满足。",
                f"The rule ({label_en}) holds in the plan's own {first}–{last} series.",
                keys, series_text,
            ))
    return findings


def _history_for(history: pd.DataFrame, row: pd.Series, year: int) -> list[pd.Series]:
    found = history[(history["indicator"] == row["indicator"]) & (history["level"] == row["level"])
                    & (history["year"] == year)]
    parent = row.get("parent_key")
    key = parent if isinstance(parent, str) and parent else row["key"]
    wanted = subject(str(key), str(row["indicator"]))
    return [h for _, h in found.iterrows() if subject(h["key"], h["indicator"]) == wanted]


def baseline_against_history(targets: pd.DataFrame, history: pd.DataFrame, base_year: int
                             ) -> list[dict[str, str]]:
    """Table baselines against the history facts for the same indicator, level and year."""
    findings, agreeing = [], []
    for _, row in targets[targets["baseline_value"].notna()].iterrows():
        for fact in _history_for(history, row, base_year):
            baseline = float(row["baseline_value"])
            if _satisfies(baseline, fact["comparator"], float(fact["value"]), APPROX_TOLERANCE):
                agreeing.append((row, fact))
                continue
            findings.append(_finding(
                "baseline_differs", "warning",
                f"{_name(row)}的{base_year}年基期值{row['baseline_text']}（{row['source']}）与"
                f"{fact['source']}所引{fact['value_text']}不一致。",
                f"The {base_year} baseline of {_name_en(row)}, {row['baseline_text']} "
                f"({row['source']}), differs from {fact['value_text']} quoted in "
                f"{fact['source']}.",
                [str(row["key"]), str(fact["key"])],
                [str(row["baseline_text"]), str(fact["value_text"])],
            ))
    if agreeing:
        findings.append(_finding(
            "baseline_agrees", "info",
            f"{len(agreeing)}项主要指标的{base_year}年基期值与规划其他部分引用的数据一致。",
            f"{len(agreeing)} baselines ({base_year}) agree with the facts quoted elsewhere in "
            "the plan.",
            [f"{r['key']}={f['key']}" for r, f in agreeing],
            [f"{r['baseline_text']}={f['value_text']}" for r, f in agreeing],
        ))
    return findings


def target_paths(targets: pd.DataFrame, history: pd.DataFrame, base_year: int | None
                 ) -> list[dict[str, str]]:
    """Baseline → mid-term → final: met at baseline, mid-term reversing, mid-term beyond final."""
    findings = []
    rows = targets[targets["final_value"].notna() & (targets["measure"] == "level")]
    for _, row in rows.iterrows():
        final, final_cmp = float(row["final_value"]), row["final_comparator"]
        baseline, base_text, base_source, base_key = _baseline(row, history, base_year)
        direction = str(row["direction"])
        mid = row["midterm_value"]
        if baseline is not None:
            met = _met(baseline, final, final_cmp, direction)
            if met:
                findings.append(_finding(
                    "met_at_baseline", "info",
                    f"{_name(row)}：基期值{base_text}已达到最终目标{row['final_text']}"
                    f"（{row['source']}），属“保持”型目标。",
                    f"{_name_en(row)}: the baseline {base_text} already meets the final target "
                    f"{row['final_text']} ({row['source']}); a 'maintain' target.",
                    [str(row["key"])] + ([base_key] if base_key != row["key"] else []),
                    [f"baseline={base_text}", f"final={row['final_text']}"]
                    + ([f"baseline source={base_source}"] if base_key != row["key"] else []),
                ))
            if not pd.isna(mid) and not met:
                aim = final - baseline
                if aim and (float(mid) - baseline) * aim < 0 and not _close(float(mid), baseline):
                    findings.append(_finding(
                        "midterm_reverses", "warning",
                        f"{_name(row)}：中期目标{row['midterm_text']}低于（或背离）基期值"
                        f"{base_text}，而最终目标{row['final_text']}在另一侧。",
                        f"{_name_en(row)}: the mid-term value {row['midterm_text']} lies on the "
                        f"other side of the baseline {base_text} from the final target "
                        f"{row['final_text']}.",
                        [str(row["key"])],
                        [f"baseline={base_text}", f"midterm={row['midterm_text']}",
                         f"final={row['final_text']}"],
                    ))
        if not pd.isna(mid) and _beyond(float(mid), final, direction):
            findings.append(_finding(
                "midterm_beyond_final", "warning",
                f"{_name(row)}：中期目标{row['midterm_text']}已超过最终目标{row['final_text']}。",
                f"{_name_en(row)}: the mid-term value {row['midterm_text']} is beyond the final "
                f"target {row['final_text']}.",
                [str(row["key"])],
                [f"midterm={row['midterm_text']}", f"final={row['final_text']}"],
            ))
    return findings


def _baseline(row: pd.Series, history: pd.DataFrame, base_year: int | None
              ) -> tuple[float | None, str, str, str]:
    if not pd.isna(row["baseline_value"]):
        return float(row["baseline_value"]), str(row["baseline_text"]), str(row["source"]), str(
            row["key"])
    if base_year is None:
        return None, "", "", ""
    facts = [f for f in _history_for(history, row, base_year) if f["comparator"] == "eq"]
    if not facts:
        return None, "", "", ""
    fact = facts[0]
    return float(fact["value"]), str(fact["value_text"]), str(fact["source"]), str(fact["key"])


def _met(baseline: float, final: float, comparator: str | None, direction: str) -> bool:
    if comparator in ("ge", "gt", "le", "lt", "approx"):
        return _satisfies(baseline, comparator, final, APPROX_TOLERANCE)
    if direction == "higher":
        return baseline >= final or _close(baseline, final)
    if direction == "lower":
        return baseline <= final or _close(baseline, final)
    return False


def _beyond(mid: float, final: float, direction: str) -> bool:
    if direction == "higher":
        return mid > final and not _close(mid, final)
    if direction == "lower":
        return mid < final and not _close(mid, final)
    return False


def aggregate_levels(targets: pd.DataFrame, history: pd.DataFrame, base_year: int
                     ) -> list[dict[str, str]]:
    """A count for an aggregate level against the sum of its part levels, same year."""
    quoted = [q for q in _quoted_values(targets, history, base_year)
              if q["comparator"] == "eq" and q["indicator"] not in SUBJECT_INDICATORS
              and vocab.unit(str(q["indicator"])) in _COUNT_UNITS]
    by_cell: dict[tuple, dict[str, object]] = {}
    for q in quoted:
        by_cell.setdefault((q["indicator"], q["level"], q["year"]), q)
    findings = []
    for (indicator, level, year), total in sorted(by_cell.items(), key=lambda kv: str(kv[0])):
        parts = [by_cell.get((indicator, part, year)) for part in vocab.level_parts(str(level))]
        if not parts or any(p is None for p in parts):
            continue
        part_sum = sum(float(p["value"]) for p in parts)  # type: ignore[index]
        value = float(total["value"])
        unit = str(total["unit"])
        names = " + ".join(f"{vocab.level_name(str(p['level']))}{fmt(p['value'], unit)}"  # type: ignore[index]
                           for p in parts)
        names_en = " + ".join(f"{vocab.level_name(str(p['level']), 'en')} {fmt(p['value'], unit)}"  # type: ignore[index]
                              for p in parts)
        keys = [str(total["key"]), *(str(p["key"]) for p in parts)]  # type: ignore[index]
        values = [f"{total['key']}={fmt(value, unit)}", f"sum of parts={fmt(part_sum, unit)}"]
        label = vocab.indicator_name(str(indicator))
        label_en = vocab.indicator_name(str(indicator), "en").lower()
        level_zh, level_en = vocab.level_name(str(level)), vocab.level_name(str(level), "en")
        if _close(value, part_sum):
            findings.append(_finding(
                "aggregate_adds_up", "info",
                f"{year}年{level_zh}{label}{fmt(value, unit)} = {names}。",
                f"{year}: {level_en} {label_en} {fmt(value, unit)} = {names_en}.",
                keys, values))
        elif value < part_sum:
            gap = fmt(part_sum - value, unit)
            findings.append(_finding(
                "aggregate_below_parts", "info",
                f"{year}年{level_zh}{label}为{fmt(value, unit)}，少于{names} = "
                f"{fmt(part_sum, unit)}，相差{gap}：应为同时计入两个学段的单位（如九年一贯制学校）。",
                f"{year}: {level_en} {label_en} is {fmt(value, unit)}, less than {names_en} = "
                f"{fmt(part_sum, unit)} by {gap}: units counted at both levels (e.g. nine-year "
                "schools).",
                keys, values))
        else:
            gap = fmt(value - part_sum, unit)
            findings.append(_finding(
                "aggregate_above_parts", "warning",
                f"{year}年{level_zh}{label}为{fmt(value, unit)}，多于{names} = "
                f"{fmt(part_sum, unit)}，相差{gap}。",
                f"{year}: {level_en} {label_en} is {fmt(value, unit)}, more than {names_en} = "
                f"{fmt(part_sum, unit)} by {gap}.",
                keys, values))
    return findings
