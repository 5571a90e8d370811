"""The ``shequ`` console script's entry point (and run.py's).

It imports the command line itself, inside its own Ctrl-C handling: the model's imports take about
a second, and an interrupt then ends like one during a command, with one line and status 130, not
a traceback. Importing this module imports nothing of the model (``model/__init__.py`` is lazy).
"""

from __future__ import annotations

import sys

INTERRUPTED_STATUS = 130   # 128 + SIGINT, as the commands' own Ctrl-C handling returns


def entry() -> None:
    try:
        from model.cli import main
        from model.cli.console import run_main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED_STATUS)
    sys.exit(run_main(main))
