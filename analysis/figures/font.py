"""The CJK font every figure draws with and every HTML page embeds (no matplotlib here: the
page renderer asks for the file without importing a plotting library)."""

from __future__ import annotations

from pathlib import Path

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
"""Noto Sans CJK SC (SIL Open Font Licence), shipped by the ``mplfonts`` package."""
CJK_FAMILY = "Noto Sans CJK SC"
"""Its family name, as matplotlib and the pages' stylesheets name it."""


def cjk_font_path() -> Path:
    """The Noto Sans CJK SC font file inside the installed ``mplfonts`` package (found without
    importing it: the package imports matplotlib)."""
    from importlib.util import find_spec

    spec = find_spec("mplfonts")
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0] if folders else ".") / "fonts" / CJK_FONT_FILE
    if not path.is_file():  # pragma: no cover - broken installation
        raise FileNotFoundError(f"CJK font {CJK_FONT_FILE} not found in mplfonts ({path})")
    return path
