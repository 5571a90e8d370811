"""What a reader sees: the study report (``document``), its figures, the wording in both
languages (``i18n``) and the fonts that print Chinese.

``from model.report import write_reports`` loads the report on first use.
"""

from importlib import import_module

_EXPORTS = {"write_reports": "document", "plot_timeseries": "figures", "plot_final": "figures"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
