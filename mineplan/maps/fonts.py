"""Finding a CJK font for Chinese map labels through matplotlib's font manager.

Chinese labels drawn in a Latin font come out as boxes ("tofu"). We look for an installed CJK
family (Noto Sans CJK, Source Han, WenQuanYi …); when none is found the maps fall back to
English labels with a one-line warning rather than print boxes.
"""

from __future__ import annotations

from functools import lru_cache

#: Families tried in order (sans-serif first: map labels read better in a sans face).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR",
    "Source Han Sans SC", "Source Han Sans CN", "Source Han Sans",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans SC", "Noto Serif CJK SC",
    "Source Han Serif SC", "AR PL UMing CN", "AR PL UKai CN",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Droid Sans Fallback",
)
#: Characters a usable CJK font must carry (a sample of what the maps print).
SAMPLE = "昌乐县矿产资源总体规划开采区块"

FALLBACK_WARNING = "warning: no CJK font found (install fonts-noto-cjk); map labels are in English"


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    family = _search(font_manager.fontManager.ttflist)
    if family is None and _register_system_cjk_fonts():
        # matplotlib's font cache predates the fonts (installed after its first import)
        family = _search(font_manager.fontManager.ttflist)
    return family


#: File names of CJK fonts on Linux, macOS and Windows (lower case substrings).
_CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "droidsansfallback", "uming", "ukai",
              "msyh", "simhei", "simsun", "pingfang", "hiragino", "notosanssc")


def _register_system_cjk_fonts() -> bool:
    """Add CJK font files the system has but matplotlib's cached list lacks; True if any was."""
    import os

    from matplotlib import font_manager

    known = {e.fname for e in font_manager.fontManager.ttflist}
    added = False
    for path in font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(fontext="otf"):
        base = os.path.basename(path).lower().replace("-", "").replace("_", "")
        if path in known or not any(tag in base for tag in _CJK_FILES):
            continue
        try:
            font_manager.fontManager.addfont(path)
            added = True
        except Exception:  # a font matplotlib cannot parse is skipped
            continue
    return added


def _search(ttflist) -> str | None:
    by_name: dict[str, str] = {}
    for entry in ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in by_name and _covers(by_name[family]):
            return family
    # any other installed font that names itself CJK and carries the sample characters
    for name, fname in sorted(by_name.items()):
        if any(tag in name for tag in ("CJK", "Han", "Hei", "Song", "Kai", "Ming")) and _covers(fname):
            return name
    return None


def _covers(fname: str) -> bool:
    """Whether the font file has glyphs for every character of :data:`SAMPLE`."""
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(fname)
        charmap = font.get_charmap()
    except Exception:
        return False
    return all(ord(ch) in charmap for ch in SAMPLE)


def resolve_lang(lang: str) -> tuple[str, str | None, str | None]:
    """The language the labels will be drawn in, the CJK family to use, and a warning if any.

    ``lang="zh"`` without a CJK font becomes ``"en"`` with :data:`FALLBACK_WARNING`.
    """
    family = find_cjk_font()
    if lang == "zh" and family is None:
        return "en", None, FALLBACK_WARNING
    return lang, family, None


def font_rc(family: str | None, lang: str = "zh") -> dict:
    """matplotlib rc settings: the CJK family first for Chinese labels, as the fallback after
    DejaVu Sans for English ones (a document number stays legible)."""
    if not family:
        return {"font.family": ["DejaVu Sans"], "axes.unicode_minus": False}
    order = [family, "DejaVu Sans"] if lang == "zh" else ["DejaVu Sans", family]
    return {"font.family": order, "axes.unicode_minus": False}


def latin(text: str) -> str:
    """``text`` without CJK characters, for when no CJK font exists (乐政字〔2023〕15号 → [2023] 15)."""
    import re

    text = text.replace("〔", "[").replace("〕", "] ").replace("（", "(").replace("）", ")")
    text = re.sub(r"[^\x00-\u2fff]", "", text)
    return re.sub(r"\s+", " ", text).strip()
