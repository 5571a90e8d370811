"""A CJK font for matplotlib when one is installed, so Chinese labels never render as boxes.

:func:`cjk_font` registers the font the project installs (or finds a system one); the study
figures put it first in their font list (:func:`font_families`). The app's figures use Chinese
text only when it finds a font with Chinese glyphs; otherwise they fall back to English labels
(see :func:`figure_lang`).
"""

from __future__ import annotations

from functools import cache

# System CJK fonts, most common first: Debian/Ubuntu, Windows, macOS, other Linux.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei",
    "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "SimHei", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
)


@cache
def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs, registered with matplotlib; None if there is none."""
    from matplotlib import font_manager
    try:
        import pylopdf_fonts_zh_cn
        path = str(pylopdf_fonts_zh_cn.sans_path())
        font_manager.fontManager.addfont(path)
        return font_manager.FontProperties(fname=path).get_name()
    except (ImportError, OSError, RuntimeError):
        pass
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in available), None)


def font_families() -> list[str]:
    """The font.family list: a CJK font first, then DejaVu Sans (matplotlib's own) for any other glyph."""
    cjk = cjk_font()
    return ([cjk] if cjk else []) + ["DejaVu Sans"]


def figure_lang(lang: str) -> str:
    """The language figures can show: Chinese only with a CJK font, else English."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def rc(lang: str) -> dict:
    """matplotlib rcParams for figures in ``lang`` (use with ``matplotlib.rc_context``)."""
    font = cjk_font()
    if figure_lang(lang) == "zh" and font:
        # the families by name, not the generic "sans-serif": a figure saved after the context
        # ends still resolves its text to these fonts
        return {"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False}
    return {}


def use_cjk() -> str | None:
    """Let plain matplotlib code (``plt.title("减负")``) show Chinese: sets the global rcParams to a
    CJK font and returns its name, or changes nothing and returns None when no CJK font is found.
    Notebooks call it once."""
    import matplotlib

    font = cjk_font()
    if font:
        matplotlib.rcParams.update(rc("zh"))
    return font
