"""A CJK font for matplotlib when one is installed, so Chinese labels never render as boxes.

Figures use Chinese text only when :func:`cjk_font` finds a font with Chinese glyphs; otherwise
callers fall back to English labels (see :func:`figure_lang`).
"""

from __future__ import annotations

from functools import cache

from matplotlib import font_manager

# Common fonts with Chinese glyphs: Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-zenhei), macOS, Windows.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "PingFang SC",
                "Hiragino Sans GB", "Microsoft YaHei", "SimHei")


@cache
def cjk_font() -> str | None:
    """The first installed family from CJK_FAMILIES, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def figure_lang(lang: str) -> str:
    """The language figures can show: Chinese only with a CJK font, else English."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def rc(lang: str) -> dict:
    """matplotlib rcParams for figures in ``lang`` (use with ``matplotlib.rc_context``)."""
    font = cjk_font()
    if figure_lang(lang) == "zh" and font:
        return {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False}
    return {}
