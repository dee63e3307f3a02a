"""The CJK font embedded in every report page, so that a PC without Chinese fonts reads it.

A page embeds a subset of the font the figures already draw with (Noto Sans CJK SC from the
``mplfonts`` package, SIL Open Font Licence, :func:`analysis.figures.font.cjk_font_path`)
holding exactly the characters the page shows, as a base64 ``@font-face`` rule in the page's
own ``<style>``: the page stays one self-contained file. The subset is WOFF2 when the
``brotli`` module is installed, else WOFF (zlib). A subset takes about a second to build; it is
cached per character set, in memory and on disk (:func:`cache_dir`), so a re-rendered page
costs nothing.

>>> sorted(page_characters("<p>某县 <b>A</b></p><style>x{}</style>"))
['A', '县', '某']
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import os
import re
import tempfile
from pathlib import Path

# The family name of the embedded subset is the font's own, so that every stylesheet that
# lists Noto Sans CJK SC (the chapter pages, the full report) uses the subset; a face declared
# by the page wins over an installed font of the same name, which has the same glyphs anyway.
from analysis.figures.font import CJK_FAMILY as FONT_FAMILY

_NAME_IDS = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # copyright, names, version, licence and its URL
_HIDDEN = re.compile(r"<(style|script)\b[^>]*>.*?</\1>", re.S | re.I)
_DATA_URI = re.compile(r"data:[^\"')\s]+")
_TAG = re.compile(r"<[^>]+>")
_ALT = re.compile(r"""\balt\s*=\s*"([^"]*)\"""")


def page_characters(page: str) -> set[str]:
    """Every character a reader may see on an HTML page (or in plain text): its text and the
    images' alt text (style, scripts, tags and embedded images left out), no whitespace."""
    text = _DATA_URI.sub("", _HIDDEN.sub("", page))
    alts = " ".join(_ALT.findall(text))
    visible = html.unescape(_TAG.sub(" ", text) + " " + alts)
    # U+3000 (the ideographic space of 前　言) is whitespace but drawn from the CJK font
    return {ch for ch in visible if ch == "\u3000" or (not ch.isspace() and ch.isprintable())}


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph, CJK punctuation or a full-width form (needs a CJK font)."""
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFE4F
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x2FA1F)


def font_flavor() -> str:
    """``woff2`` when brotli is installed (WOFF2 needs it), else ``woff``."""
    try:
        import brotli  # noqa: F401
    except ImportError:
        return "woff"
    return "woff2"


def cache_dir() -> Path:
    """Where subsets are kept between runs: ``$PLAN_EVAL_FONT_CACHE``, else a folder in the
    system's temporary directory."""
    configured = os.environ.get("PLAN_EVAL_FONT_CACHE")
    if configured:
        return Path(configured)
    user = os.environ.get("USER") or str(os.getuid() if hasattr(os, "getuid") else "")
    return Path(tempfile.gettempdir()) / f"plan-eval-fonts-{user}"


def subset_font(characters: str, flavor: str | None = None) -> bytes:
    """The embedded font cut to ``characters`` (each character once, in any order)."""
    chars = "".join(sorted(set(characters)))
    return _subset(chars, flavor or font_flavor())


@functools.lru_cache(maxsize=32)
def _subset(chars: str, flavor: str) -> bytes:
    from analysis.figures.font import cjk_font_path  # no matplotlib in a page renderer

    source = cjk_font_path()
    stat = source.stat()
    key = hashlib.sha256(
        f"{source.name}:{stat.st_size}:{int(stat.st_mtime)}:{flavor}:{chars}".encode()).hexdigest()
    cached = cache_dir() / f"{key[:32]}.{flavor}"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = _build_subset(source, chars, flavor)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, cached)
    except OSError:  # a read-only or full disk only costs speed
        pass
    return data


def _build_subset(source: Path, chars: str, flavor: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = flavor
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = list(_NAME_IDS)
    options.notdef_outline = True
    font = TTFont(str(source), lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    font.flavor = flavor
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_face_css(page: str) -> str:
    """The ``@font-face`` rule embedding the subset of the characters of ``page``; empty when
    the page shows no character at all or the font cannot be read."""
    chars = page_characters(page)
    if not chars:
        return ""
    flavor = font_flavor()
    try:
        data = subset_font("".join(chars), flavor)
    except (OSError, ImportError):  # pragma: no cover - broken installation: system fonts
        return ""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; '
            f"font-weight: 400; font-display: swap; "
            f'src: url(data:font/{flavor};base64,{encoded}) format("{flavor}"); }}')


def embedded_characters(page: str) -> set[str]:
    """The characters the font embedded in ``page`` covers (empty when it embeds none); for
    tests and checks."""
    from fontTools.ttLib import TTFont

    match = re.search(r"url\(data:font/(?:woff2?|otf|opentype);base64,([A-Za-z0-9+/=]+)\)", page)
    if not match:
        return set()
    font = TTFont(io.BytesIO(base64.b64decode(match.group(1))))
    return {chr(code) for code in font.getBestCmap()}
