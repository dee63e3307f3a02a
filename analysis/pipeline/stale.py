"""Reports kept after a failed run: the stale banner, the kept outputs, the manifest.

A failing run never deletes the last good reports: the outputs of a task's last success stay,
each page carrying a banner, and ``manifest.json`` of the report folder lists them with the
reason until the task succeeds again (docs/pipeline.md).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.core.errors import AnalysisError
from analysis.pipeline import cache
from analysis.pipeline.tasks import BLOCKED, FAILED, TaskResult

if TYPE_CHECKING:
    from analysis.pipeline.runner import Task

#: The banner put at the top of a kept page whose task failed or was blocked (by language).
STALE_BANNER = {
    "zh": "本页为上次成功运行的结果，最近一次运行失败，内容可能已过时",
    "en": "This page is from the last successful run; the latest run failed and it may be "
          "out of date",
}
_BANNER_MARK = "data-pe-stale"
_BANNER_STYLE = ("margin:0 0 1em 0;padding:0.75em 1em;border:2px solid #b42318;"
                 "background:#fef3f2;color:#7a271a;font-weight:bold;font-size:1.05em")

#: The file of a report folder that lists its stale outputs.
REPORT_MANIFEST = "manifest.json"


def mark_stale(page: str | Path, lang: str = "zh") -> bool:
    """Put the stale banner (:data:`STALE_BANNER`) right after ``<body…>`` of a kept page.

    Returns False when the page does not exist; a page already marked is left as it is.
    The page loses the banner when its task next succeeds, since it is rendered anew.
    """
    from analysis.core.io import write_atomic

    path = Path(page)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    if _BANNER_MARK in text:
        return True
    words = STALE_BANNER.get(lang, STALE_BANNER["zh"])
    banner = (f'<div class="pe-stale" {_BANNER_MARK}="1" role="alert" '
              f'style="{_BANNER_STYLE}">{html.escape(words)}</div>\n')
    body = re.search(r"<body\b[^>]*>\n?", text, flags=re.IGNORECASE)
    at = body.end() if body else 0
    write_atomic(path, text[:at] + banner + text[at:])
    return True


def keep_outputs(task: Task) -> tuple[list[str], str]:
    """After a failure (or a failed upstream): forget the record so the task runs next time,
    and keep the outputs of its last success, marked stale. Returns ``(kept report files,
    a problem met while doing so)``: nothing of an earlier success is ever deleted."""
    problem = ""
    try:
        cache.clear_record(task.record)
    except OSError as exc:
        problem = f"cannot clear the cache record ({exc})"
    report = task.report
    kept: list[str] = []
    for output in task.outputs:
        if report is None or not output.is_relative_to(report) or not output.is_file():
            continue
        if task.spec.html_path and output == Path(task.spec.html_path):
            try:
                mark_stale(output, str(task.spec.parameters.get("lang", "zh")))
            except (OSError, AnalysisError) as exc:
                problem = problem or f"cannot mark the kept page stale ({exc})"
        kept.append(str(output))
    return kept, problem


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_manifests(graph: Sequence[Task], results: dict[str, TaskResult]) -> list[str]:
    """Update ``manifest.json`` of each report folder of the run: its ``stale`` list holds
    the files kept from an earlier success whose task failed or was blocked since (in this
    run or an earlier one, until it succeeds). Written only when the list changes; returns
    the problems met (a folder that cannot be written)."""
    problems = []
    by_folder: dict[Path, list[Task]] = {}
    for task in graph:
        if task.report is not None and task.spec.task_id in results:
            by_folder.setdefault(task.report, []).append(task)
    for folder, tasks in by_folder.items():
        path = folder / REPORT_MANIFEST
        manifest = read_manifest(path)
        old = manifest.get("stale") if isinstance(manifest.get("stale"), list) else []
        reasons = manifest.get("reasons") if isinstance(manifest.get("reasons"), dict) else {}
        stale = {str(name): str(reasons.get(name, "")) for name in old}
        for task in tasks:
            result = results[task.spec.task_id]
            names = [o.relative_to(folder).as_posix() for o in task.outputs
                     if o.is_relative_to(folder)]
            for name in names:
                stale.pop(name, None)
            if result.status in (FAILED, BLOCKED):
                why = f"{result.status}: {result.message}".strip().rstrip(":")
                for kept in result.stale:
                    stale[Path(kept).relative_to(folder).as_posix()] = why
        stale = {name: why for name, why in sorted(stale.items()) if (folder / name).is_file()}
        before = {str(name): str(reasons.get(name, "")) for name in old}
        if stale == before and (stale or not path.exists() or "stale" in manifest):
            continue  # unchanged: a no-op run writes nothing
        record = {
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "stale": sorted(stale),
            "reasons": stale,
            "note": "files kept from the last successful run of a task whose latest run "
                    "failed or was blocked; each page among them carries a banner saying so",
        }
        try:
            from analysis.core.io import write_atomic  # pandas: only when something changed

            write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
        except (OSError, AnalysisError) as exc:
            problems.append(f"cannot write {path}: {exc}")
    return problems
