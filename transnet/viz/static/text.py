"""Text of the static maps: the fonts that can draw it, and fitting it to the page.

Map text is drawn in the default sans-serif font, with a CJK-capable font as a fallback when one
is installed; characters no font can draw are dropped (:func:`_displayable`), so no glyph is ever
missing. Titles and caveats are wrapped to a width in inches.

Examples
--------
>>> _displayable("Taiyuan zone")
'Taiyuan zone'
>>> _wrap("a b c", width_in=5, size=9.0)
'a b c'
>>> _text_height_in("one line", 8.0) == 8.0 * _LINE_SPACING / 72
True

"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from functools import cache
from typing import Any

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

_FONT_SIZE = 9.0
_TITLE_SIZE = 13.0
_SUBTITLE_SIZE = 8.5
_CAVEAT_SIZE = 8.5
_LINE_SPACING = 1.25
_NBSP = "\N{NO-BREAK SPACE}"
# Average advance of a character in em of DejaVu Sans; text is wrapped with it.
_CHAR_EM = 0.56

# Families whose fonts may carry Chinese glyphs; each candidate is also checked for _CJK_PROBE.
_CJK_FAMILY = re.compile(
    r"cjk|source han|wenquanyi|wqy|simhei|simsun|yahei|pingfang|hiragino sans gb|heiti|songti|"
    r"kaiti|fangsong|ar pl|droid sans fallback|sarasa|lxgw|noto (sans|serif) (sc|tc)",
    re.IGNORECASE,
)
_CJK_PROBE = "县区市高速公路"


@cache
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """Return the font families of map text and the code points they can draw.

    The default sans-serif font comes first; a CJK-capable font, if one is installed, is added
    as a fallback for Chinese names.
    """
    path = font_manager.findfont(FontProperties(family=["sans-serif"]))
    font = font_manager.get_font(path)
    families = [font.family_name]
    charset = set(font.get_charmap())
    for entry in font_manager.fontManager.ttflist:
        if not _CJK_FAMILY.search(entry.name):
            continue
        try:
            charmap = font_manager.get_font(entry.fname).get_charmap()
        except (OSError, RuntimeError, ValueError):
            continue
        if all(ord(char) in charmap for char in _CJK_PROBE):
            families.append(entry.name)
            charset.update(charmap)
            break
    return tuple(families), frozenset(charset)


def _has_cjk_font() -> bool:
    return len(_fonts()[0]) > 1


def _text_style() -> dict[str, Any]:
    """Keyword arguments of every text drawn from data: its fonts, and no mathtext."""
    return {"fontfamily": list(_fonts()[0]), "parse_math": False}


def _displayable(text: Any) -> str:
    """Drop the characters the map's fonts cannot draw, and what that leaves dangling.

    Without a CJK font, ``"太忻一体化经济区 Taiyuan–Xinzhou zone"`` becomes
    ``"Taiyuan–Xinzhou zone"`` and ``"原平–定襄连接线 (示意) link"`` becomes ``"link"``. Text the
    fonts can draw is returned unchanged.
    """
    text = str(text or "")
    charset = _fonts()[1]
    if all(char == "\n" or ord(char) in charset for char in text):
        return text
    kept = "".join(char if char == "\n" or ord(char) in charset else " " for char in text)
    lines = []
    for line in kept.split("\n"):
        line = re.sub(r"[(\[]\W*[)\]]", " ", line)  # brackets left with nothing in them
        line = re.sub(r"(?<=\s)[–—\-·/]+(?=\s)", " ", f" {line} ")  # dashes left between gaps
        line = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s+", " ", line)).strip(" –—-·,;:/")
        if line:
            lines.append(line)
    return "\n".join(lines)


def _wrap(text: str, *, width_in: float, size: float, indent: str = "") -> str:
    chars = max(20, int(width_in * 72 / (size * _CHAR_EM)))
    return textwrap.fill(text, width=chars, subsequent_indent=indent, break_on_hyphens=False)


def _caveat_block(notes: Sequence[str], *, width_in: float) -> str:
    lines = ["READ BEFORE USE"]
    lines.extend(
        _wrap(f"• {note}", width_in=width_in, size=_CAVEAT_SIZE, indent="   ") for note in notes
    )
    return "\n".join(lines)


def _text_height_in(text: str, size: float) -> float:
    return (text.count("\n") + 1) * size * _LINE_SPACING / 72
