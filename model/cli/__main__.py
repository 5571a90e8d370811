"""``python -m model.cli``: the command line."""

from . import entry

entry()
