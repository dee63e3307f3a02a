"""The table a batch run ends with: one line per task (stage, plan, year, chapter, language,
status, seconds, why), the counts, and the reports kept stale after a failure."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analysis.pipeline.stale import REPORT_MANIFEST
from analysis.pipeline.tasks import BLOCKED, FAILED, OK, SKIPPED, TaskResult


def summary_table(results: Sequence[TaskResult]) -> str:
    """A plain-text table: stage, plan, year, chapter, language (when any task is not in
    Chinese), status, seconds (and why, when not ok)."""
    langs = any(r.lang not in ("", "zh") for r in results)
    head = ("stage", "plan", "year", "chapter", *(("lang",) if langs else ()), "status",
            "seconds")
    rows, notes = [head], [""]
    for r in results:
        note = "" if r.status in (OK, SKIPPED) else r.message
        if r.status == FAILED and r.executed_path:
            note = f"{note} (kept: {r.executed_path})"
        rows.append((r.stage, r.plan, "" if r.year is None else str(r.year),
                     "" if r.chapter is None else str(r.chapter), *((r.lang,) if langs else ()),
                     r.status, f"{r.seconds:.1f}" if r.status in (OK, FAILED) else "-"))
        notes.append(note)
    if any(notes):
        notes[0] = "note"
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    last = len(head) - 1  # seconds, right-aligned
    lines = []
    for index, (row, note) in enumerate(zip(rows, notes, strict=True)):
        cells = [cell.rjust(widths[i]) if i == last else cell.ljust(widths[i])
                 for i, cell in enumerate(row)]
        lines.append("  ".join(cells) + (f"  {note}" if note else ""))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    counts = {s: sum(r.status == s for r in results) for s in (OK, SKIPPED, FAILED, BLOCKED)}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to run")
    stale: dict[str, list[str]] = {}
    for r in results:
        for kept in r.stale:
            folder = r.report_dir or str(Path(kept).parent)
            stale.setdefault(folder, []).append(Path(kept).relative_to(folder).as_posix()
                                                if Path(kept).is_relative_to(folder) else kept)
    for folder, names in stale.items():
        shown = sorted(n for n in names if not n.startswith("notebooks/"))
        notebooks = len(names) - len(shown)
        if notebooks:
            shown.append(f"{notebooks} executed notebook{'s' if notebooks > 1 else ''}")
        lines.append(f"stale: {', '.join(shown)} in {folder} kept from the last successful "
                     f"run and marked stale (listed in {REPORT_MANIFEST})")
    return "\n".join(lines)


def batch_failed(results: Sequence[TaskResult]) -> bool:
    """True when any task failed or was blocked by a failure."""
    return any(r.status in (FAILED, BLOCKED) for r in results)
