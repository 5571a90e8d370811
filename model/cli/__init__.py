"""The Shequ command line (``shequ``, ``python run.py``, ``python -m model.cli``).

``commands`` holds the parser and the commands, ``console`` the output that ends quietly when
its reader goes away.
"""

from .commands import entry, main

__all__ = ["entry", "main"]
