"""``python -m model.cli``: the command line."""

from .commands import entry

entry()
