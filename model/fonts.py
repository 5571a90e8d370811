"""A CJK font for matplotlib when one is installed, so Chinese labels never render as boxes.

Notebooks call :func:`use_cjk` once so plain matplotlib code shows Chinese. The app's figures use
Chinese text only when :func:`cjk_font` (from model.figures, which also
registers the font the project installs) finds a font with Chinese glyphs; otherwise they fall
back to English labels (see :func:`figure_lang`).
"""

from __future__ import annotations

from .figures import CJK_FAMILIES, cjk_font  # noqa: F401  (one place finds the font: model.figures)


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
    CJK font and returns its name, or changes nothing and returns None when no CJK font is found."""
    import matplotlib

    font = cjk_font()
    if font:
        matplotlib.rcParams.update(rc("zh"))
    return font
