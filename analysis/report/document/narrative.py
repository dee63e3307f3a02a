"""What only the bureau can write, merged into its place: ``narrative.md`` in the plan folder.

One heading per part (``## 组织实施情况``), the text under it as paragraphs. The parts the
report knows are :data:`PARTS`; a part that is absent leaves a visible fill-in placeholder in
the document. A heading the report does not know is an error naming its line, so a typo never
drops a bureau's text silently.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.core.errors import AnalysisError
from analysis.core.textfiles import read_text

NARRATIVE_FILE = "narrative.md"

PARTS: dict[str, tuple[str, ...]] = {
    "preparer": ("编制单位", "Prepared by"),
    "date": ("编制日期", "Date"),
    "organisation": ("组织实施情况", "Organisation of the implementation"),
    "practices": ("主要做法和经验", "Main practices and lessons"),
    "remarks": ("其他需要说明的情况", "Other remarks"),
}
"""Part key → the headings that name it (Chinese, English)."""

_HEADING = re.compile(r"^#{1,3}\s*(.+?)\s*#*\s*$")


def read_narrative(plan_dir: str | Path) -> dict[str, list[str]]:
    """``{part: [paragraph, …]}`` from ``narrative.md`` (empty when the file is absent)."""
    path = Path(plan_dir) / NARRATIVE_FILE
    if not path.is_file():
        return {}
    names = {name: key for key, pair in PARTS.items() for name in pair}
    parts: dict[str, list[str]] = {}
    current: str | None = None
    paragraph: list[str] = []

    def flush() -> None:
        if current is not None and paragraph:
            parts.setdefault(current, []).append("".join(paragraph).strip())
        paragraph.clear()

    for number, line in enumerate(read_text(path).splitlines(), start=1):
        match = _HEADING.match(line.strip())
        if match:
            flush()
            title = match.group(1).strip()
            if title not in names:
                raise AnalysisError(
                    f"unknown part (use one of: {', '.join(p[0] for p in PARTS.values())})",
                    file=path, row=number, text=title)
            current = names[title]
        elif not line.strip():
            flush()
        elif current is None:
            raise AnalysisError("text before the first heading (start with e.g. ## 编制单位)",
                                file=path, row=number)
        else:
            text = line.strip()  # Chinese lines join directly, English ones with a space
            paragraph.append(text + (" " if text[-1:].isascii() else ""))
    flush()
    return parts
