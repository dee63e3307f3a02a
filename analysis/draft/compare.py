"""A draft catalogue against a hand-made one: recall, precision and a diff.

Two rows denote the same commitment when (docs/catalogue_draft.md, "Comparing"):

* they are in the same **chapter**;
* their **levels** agree (equal, or an aggregate and its part: compulsory ~ primary);
* their **printed values** agree: ``baseline_text``, ``midterm_text`` and ``final_text`` equal
  after NFKC normalisation (``97％`` = ``97%``) and with spaces removed. Milestones carry no
  number, so a reference milestone matches a draft milestone whatever completion word
  (完成, 建成) either prints, and never a numeric row;
* their **names** share most of their character pairs: the overlap coefficient of the
  character bigrams of ``name_zh`` (punctuation and unit brackets such as （%） dropped) is at
  least 0.5, or at least 0.3 when the rows are also in the same section.

Each reference row is matched to at most one draft row and vice versa; the pairs with the
highest score (name overlap, plus agreement of section, kind and indicator) are taken first.
Recall is the share of reference rows matched, precision the share of draft rows matched.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.errors import AnalysisError
from analysis.draft.naming import levels_agree

NAME_THRESHOLD = 0.5
SAME_SECTION_THRESHOLD = 0.3
REQUIRED = ("key", "kind", "chapter", "level", "name_zh", "baseline_text", "midterm_text",
            "final_text")
VALUE_COLUMNS = ("baseline_text", "midterm_text", "final_text")
DIFF_COLUMNS = ("kind", "chapter", "section", "task", "level", "indicator", "name_zh",
                "measure", "baseline_text", "midterm_text", "final_text", "deadline")

_UNIT_BRACKETS = re.compile(r"[（(][%％‰人间个所名项元万]{1,2}[）)]")
_FOOTNOTE = re.compile(r"〔\d+〕|\[\d+\]")
_KEEP = re.compile(r"[\w]")

Row = dict[str, str]


def read_rows(path: str | Path) -> list[Row]:
    """The rows of a catalogue CSV (hand-made or draft); AnalysisError names what is wrong."""
    source = Path(path)
    if source.is_dir():
        candidates = [source / "targets.draft.csv", source / "targets.csv"]
        source = next((c for c in candidates if c.is_file()), candidates[-1])
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AnalysisError("file not found", file=source) from None
    except UnicodeDecodeError:
        raise AnalysisError("not UTF-8 text (save the file as UTF-8)", file=source) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AnalysisError(f"missing column(s) {', '.join(missing)}", file=source, row=1,
                            text=",".join(header))
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def normalise_value(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _name_units(name: str) -> list[str]:
    text = unicodedata.normalize("NFKC", name or "")
    text = _FOOTNOTE.sub("", _UNIT_BRACKETS.sub("", unicodedata.normalize("NFKC", text)))
    return [ch for ch in text if _KEEP.match(ch) and ch != "_"]


def name_similarity(a: str, b: str) -> float:
    """Overlap coefficient of the character bigrams of two names (0–1)."""
    ca, cb = _name_units(a), _name_units(b)
    if not ca or not cb:
        return 0.0
    ga = {x + y for x, y in zip(ca, ca[1:], strict=False)} or set(ca)
    gb = {x + y for x, y in zip(cb, cb[1:], strict=False)} or set(cb)
    return len(ga & gb) / min(len(ga), len(gb))


def _values_agree(draft: Row, reference: Row) -> bool:
    if reference.get("kind") == "milestone" or draft.get("kind") == "milestone":
        return reference.get("kind") == draft.get("kind")
    return all(normalise_value(draft.get(c, "")) == normalise_value(reference.get(c, ""))
               for c in VALUE_COLUMNS)


def pair_score(draft: Row, reference: Row, *, values: bool = True) -> float | None:
    """The score of a candidate pair, or None when the rows cannot be the same commitment."""
    if draft.get("chapter", "").strip() != reference.get("chapter", "").strip():
        return None
    if not levels_agree(draft.get("level", ""), reference.get("level", "")):
        return None
    if values and not _values_agree(draft, reference):
        return None
    same_section = draft.get("section", "") == reference.get("section", "")
    similarity = name_similarity(draft.get("name_zh", ""), reference.get("name_zh", ""))
    if similarity < (SAME_SECTION_THRESHOLD if same_section else NAME_THRESHOLD):
        return None
    return (similarity + 0.3 * same_section + 0.1 * (draft.get("kind") == reference.get("kind"))
            + 0.1 * (draft.get("indicator") == reference.get("indicator")))


def match_rows(draft: list[Row], reference: list[Row], *, values: bool = True,
               exclude: tuple[set[int], set[int]] = (set(), set())) -> list[tuple[int, int]]:
    """One-to-one ``(draft index, reference index)`` pairs, best scores first."""
    candidates = []
    for i, d in enumerate(draft):
        if i in exclude[0]:
            continue
        for j, r in enumerate(reference):
            if j in exclude[1]:
                continue
            score = pair_score(d, r, values=values)
            if score is not None:
                candidates.append((-score, i, j))
    pairs: list[tuple[int, int]] = []
    used_d, used_r = set(exclude[0]), set(exclude[1])
    for _, i, j in sorted(candidates):
        if i not in used_d and j not in used_r:
            pairs.append((i, j))
            used_d.add(i)
            used_r.add(j)
    return sorted(pairs, key=lambda p: p[1])


@dataclass
class Comparison:
    """Recall and precision of a draft against a reference catalogue."""

    draft: list[Row]
    reference: list[Row]
    pairs: list[tuple[int, int]]

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def recall(self) -> float:
        return self.matched / len(self.reference) if self.reference else 0.0

    @property
    def precision(self) -> float:
        return self.matched / len(self.draft) if self.draft else 0.0

    def missed(self) -> list[Row]:
        found = {j for _, j in self.pairs}
        return [r for j, r in enumerate(self.reference) if j not in found]

    def extra(self) -> list[Row]:
        found = {i for i, _ in self.pairs}
        return [r for i, r in enumerate(self.draft) if i not in found]

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """Reference kind → (matched, reference rows)."""
        totals: dict[str, list[int]] = {}
        found = {j for _, j in self.pairs}
        for j, r in enumerate(self.reference):
            entry = totals.setdefault(r.get("kind", ""), [0, 0])
            entry[1] += 1
            entry[0] += j in found
        return {k: (v[0], v[1]) for k, v in totals.items()}


def compare(draft: list[Row], reference: list[Row]) -> Comparison:
    return Comparison(draft, reference, match_rows(draft, reference))


def compare_files(draft: str | Path, reference: str | Path) -> Comparison:
    """Compare two catalogue CSV files (a folder stands for its targets.draft.csv/targets.csv)."""
    return compare(read_rows(draft), read_rows(reference))


def _describe(row: Row) -> str:
    values = "/".join(v for v in (row.get(c, "") for c in VALUE_COLUMNS) if v)
    return (f"{row.get('key', '')} [{row.get('kind', '')}, {row.get('level', '')}] "
            f"{row.get('name_zh', '')} {values} ({row.get('source', '')})").replace("  ", " ")


def format_comparison(result: Comparison, *, limit: int = 40) -> str:
    kinds = ", ".join(f"{k} {m}/{n}" for k, (m, n) in result.by_kind().items())
    lines = [
        f"draft: {len(result.draft)} rows; reference: {len(result.reference)} rows; "
        f"matched: {result.matched}",
        f"recall    {result.matched}/{len(result.reference)} = {result.recall:.1%} ({kinds})",
        f"precision {result.matched}/{len(result.draft)} = {result.precision:.1%}",
    ]
    for title, rows in (("reference rows the draft misses", result.missed()),
                        ("draft rows matching no reference row", result.extra())):
        if rows:
            lines.append(f"{title} ({len(rows)}):")
            lines.extend(f"  {_describe(r)}" for r in rows[:limit])
            if len(rows) > limit:
                lines.append(f"  … and {len(rows) - limit} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------- diff


@dataclass
class Diff:
    """A new draft against an existing catalogue: rows added, missing and changed."""

    added: list[Row] = field(default_factory=list)
    missing: list[Row] = field(default_factory=list)
    changed: list[tuple[Row, Row, list[str]]] = field(default_factory=list)
    same: int = 0

    def summary(self, *, limit: int = 20) -> str:
        lines = [f"{self.same} rows agree, {len(self.added)} added, {len(self.missing)} missing, "
                 f"{len(self.changed)} changed"]
        for title, rows in (("added", self.added), ("missing", self.missing)):
            for row in rows[:limit]:
                lines.append(f"  {title}: {_describe(row)}")
            if len(rows) > limit:
                lines.append(f"  {title}: … and {len(rows) - limit} more")
        for new, old, columns in self.changed[:limit]:
            detail = "; ".join(f"{c} {old.get(c, '')!r} → {new.get(c, '')!r}" for c in columns)
            lines.append(f"  changed: {old.get('key', '')} ({detail})")
        if len(self.changed) > limit:
            lines.append(f"  changed: … and {len(self.changed) - limit} more")
        return "\n".join(lines)


def diff_rows(new: list[Row], old: list[Row]) -> Diff:
    """Pair rows by key, then as the same commitment (values equal), then by chapter, level
    and name with the values allowed to differ; paired rows that differ are *changed*."""
    by_key = {r.get("key"): j for j, r in enumerate(old) if r.get("key")}
    pairs = [(i, by_key[r["key"]]) for i, r in enumerate(new) if r.get("key") in by_key]
    used = ({i for i, _ in pairs}, {j for _, j in pairs})
    pairs += match_rows(new, old, exclude=used)
    used = ({i for i, _ in pairs}, {j for _, j in pairs})
    pairs += match_rows(new, old, values=False, exclude=used)
    diff = Diff()
    for i, j in pairs:
        columns = [c for c in DIFF_COLUMNS
                   if normalise_value(new[i].get(c, "")) != normalise_value(old[j].get(c, ""))]
        if columns:
            diff.changed.append((new[i], old[j], columns))
        else:
            diff.same += 1
    paired_new, paired_old = {i for i, _ in pairs}, {j for _, j in pairs}
    diff.added = [r for i, r in enumerate(new) if i not in paired_new]
    diff.missing = [r for j, r in enumerate(old) if j not in paired_old]
    return diff
