"""Writing a draft as a plan folder ``<data_root>/raw/<plan>/`` without writing over anything.

Three files: ``plan.yaml`` (loads with :func:`analysis.clean.plan.load_plan`; its first lines
are a ``# DRAFT`` comment, since the loader refuses unknown keys such as ``draft: true``),
``targets.csv`` (the catalogue columns plus ``wording``, ``confidence``, ``paragraph`` and
``review``, which the loader ignores) and ``REVIEW.md`` (what to check and what was left out).

A file that exists is never replaced: the draft goes beside it as ``<name>.draft<suffix>``
(``targets.draft.csv``), and a draft catalogue written beside an existing ``targets.csv`` is
compared with it (rows added, missing, changed).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core import paths
from analysis.core.errors import AnalysisError
from analysis.draft.build import Draft
from analysis.draft.compare import Diff, diff_rows, read_rows
from analysis.draft.rows import DRAFT_COLUMNS
from analysis.draft.structure import Section

PLAN_FILE, TARGETS_FILE, REVIEW_FILE = "plan.yaml", "targets.csv", "REVIEW.md"


def check_plan_name(name: str) -> str:
    """A plan is named by a plain folder name under ``raw/`` (``core.paths.check_plan_name``)."""
    return paths.check_plan_name(name)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _section_yaml(section: Section, indent: str) -> list[str]:
    fields = [f"id: {_q(section.id)}", f"kind: {section.kind}"]
    if section.located_in:
        fields.append(f"located_in: {_q(section.located_in)}")
    fields += [f"title_zh: {_q(section.title)}", 'title_en: ""']
    if not section.sections:
        return [f"{indent}- {{{', '.join(fields)}}}"]
    lines = [f"{indent}- {fields[0]}", *(f"{indent}  {f}" for f in fields[1:]),
             f"{indent}  sections:"]
    for child in section.sections:
        lines += _section_yaml(child, indent + "    ")
    return lines


def plan_yaml(draft: Draft) -> str:
    """The draft ``plan.yaml`` (docs/catalogue.md), headed by a DRAFT comment."""
    meta, years = draft.meta, draft.meta.years
    lines = [
        f"# DRAFT written by `python -m analysis catalogue draft` from {draft.source.name}.",
        "# Review it before use (REVIEW.md): English names and titles are empty, Chinese titles",
        "# are as printed, section ids follow the printed numbering (docs/catalogue.md).",
        f"name_zh: {_q(meta.name_zh)}",
        'name_en: ""',
        f"region_zh: {_q(meta.region_zh)}",
        'region_en: ""',
        f"base_year: {years.base}",
        f"midterm_year: {years.midterm}",
        f"target_year: {years.target}",
        "illustrative_returns: false",
        "language: zh",
        "chapters:",
    ]
    for chapter in draft.outline.chapters:
        lines += [f"  - number: {chapter.number}", f"    title_zh: {_q(chapter.title)}",
                  '    title_en: ""']
        if chapter.sections:
            lines.append("    sections:")
            for section in chapter.sections:
                lines += _section_yaml(section, "      ")
        else:
            lines.append("    sections: []")
    return "\n".join(lines) + "\n"


def targets_csv(draft: Draft) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DRAFT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in draft.rows:
        writer.writerow(row.record())
    return out.getvalue()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def review_md(draft: Draft, plan: str, files: dict[str, Path]) -> str:
    rows = draft.rows
    kinds = {k: sum(r.kind == k for r in rows) for k in ("table", "target", "rule", "milestone")}
    flagged = sorted((r for r in rows if r.review), key=lambda r: r.confidence)
    lines = [
        f"# DRAFT catalogue: {draft.meta.name_zh}",
        "",
        f"Written by `python -m analysis catalogue draft {draft.source.name} --plan {plan}` "
        "from the plan text by the rules of `docs/catalogue_draft.md`. Nothing here is final: "
        "check every row against the plan before the plan is evaluated.",
        "",
        "## Files",
        "",
        f"* `{files['plan'].name}`: identity, years and the chapters and sections as printed.",
        f"* `{files['targets'].name}`: {len(rows)} rows (table {kinds['table']}, target "
        f"{kinds['target']}, rule {kinds['rule']}, milestone {kinds['milestone']}) in the columns "
        "of `docs/catalogue.md`, then `wording` (firm/soft), `confidence` (0–1), `paragraph` "
        "and `review` (what to check), which the catalogue loader ignores.",
        "",
        "## plan.yaml",
        "",
        "* Fill in `name_en`, `region_en` and every `title_en`; set `illustrative_returns`.",
        *(f"* {note}." for note in draft.meta.notes),
        "",
        f"## Rows to check ({len(flagged)} of {len(rows)}, least confident first)",
        "",
        "| key | confidence | review | quote |",
        "|---|---|---|---|",
        *(f"| {_cell(r.key)} | {r.confidence:.2f} | {_cell('; '.join(r.review))} | "
          f"{_cell(r.quote)} |" for r in flagged),
        "",
        "## Left out",
        "",
        "Clauses with a number or a coverage word that were not drafted, and why:",
        "",
        "| where | text | why |",
        "|---|---|---|",
        *(f"| {_cell(x.source)} | {_cell(x.text)} | {_cell(x.reason)} |" for x in draft.left_out),
        "",
        "## Finishing the catalogue",
        "",
        "1. Give every `name_en`; rename keys flagged `key:` so that their last word names the "
        "subject (`s3.1.3.count1` → `s3.1.3.sports_schools`); choose an indicator where it is "
        "blank.",
        "2. Delete rows that are no commitment, add the ones the draft missed (the prose of "
        "background chapters and anything after 名词解释/附表 is never drafted).",
        "3. Check the folder with the loader: `.venv/bin/python -c \"from analysis.clean.catalogue "
        f"import load_catalogue; load_catalogue('data/raw/{plan}')\"`.",
        "4. Once `targets.csv` is reviewed, a later draft goes to `targets.draft.csv` and is "
        "compared with it: `python -m analysis catalogue compare "
        f"data/raw/{plan}/targets.draft.csv data/raw/{plan}/targets.csv`.",
        "",
    ]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _free(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.exists():
        return path
    stem, dot, suffix = name.partition(".")
    return folder / f"{stem}.draft{dot}{suffix}"


@dataclass
class Written:
    """What :func:`write_draft` wrote, and the comparison with an existing catalogue."""

    folder: Path
    files: dict[str, Path]
    draft: Draft
    existing: Path | None = None
    diff: Diff | None = None
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        rows = self.draft.rows
        kinds = ", ".join(f"{k} {sum(r.kind == k for r in rows)}"
                          for k in ("table", "target", "rule", "milestone"))
        flagged = sum(1 for r in rows if r.review)
        lines = [
            f"wrote {self.files['plan']} ({len(self.draft.outline.chapters)} chapters, "
            f"{len(self.draft.outline.sections())} sections)",
            f"wrote {self.files['targets']} (DRAFT: {len(rows)} rows — {kinds}; "
            f"{flagged} flagged for review)",
            f"wrote {self.files['review']}",
            *self.notes,
        ]
        if self.existing is not None and self.diff is not None:
            lines.append(f"{self.existing.name} exists and is kept; the draft against it: "
                         + self.diff.summary())
        return "\n".join(lines)


def write_draft(draft: Draft, plan: str, data_root: str | Path | None = None) -> Written:
    """Write the draft into ``<data_root>/raw/<plan>/``; existing files are never replaced."""
    name = check_plan_name(plan)
    folder = paths.data_root(data_root) / "raw" / name
    if folder.exists() and not folder.is_dir():
        raise AnalysisError("not a folder", file=folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {"plan": _free(folder, PLAN_FILE), "targets": _free(folder, TARGETS_FILE),
             "review": _free(folder, REVIEW_FILE)}
    written = Written(folder, files, draft)
    _write(files["plan"], plan_yaml(draft))
    _write(files["targets"], targets_csv(draft))
    _write(files["review"], review_md(draft, name, files))
    existing = folder / TARGETS_FILE
    if files["targets"] != existing and existing.is_file():
        written.existing = existing
        try:
            written.diff = diff_rows([r.record() for r in draft.rows], read_rows(existing))
        except AnalysisError as exc:
            written.notes.append(f"{existing.name} could not be compared: {exc}")
    return written
