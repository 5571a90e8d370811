"""The ``shequ`` console script's entry point (and run.py's).

It imports the command line itself, inside its own Ctrl-C handling: the model's imports take about
a second, and an interrupt then ends like one during a command, with one line and status 130, not
a traceback. Importing this module imports nothing of the model (``model/__init__.py`` is lazy).

A Ctrl-C during the imports is remembered as well as raised: a library that wraps an optional
import in a bare ``except:`` swallows the KeyboardInterrupt, and the command would then run as if
nothing had been pressed. A second Ctrl-C (``timeout -s INT`` signals the process, then its group)
is the same interrupt.
"""

from __future__ import annotations

import signal
import sys

INTERRUPTED_STATUS = 130   # 128 + SIGINT, as the commands' own Ctrl-C handling returns


def entry() -> None:
    pressed: list[int] = []

    def on_ctrl_c(signum, frame):
        pressed.append(signum)
        if len(pressed) == 1:
            raise KeyboardInterrupt

    # a SIGINT ignored by whoever started us (a background job) stays ignored
    ours = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        from model.cli import main
        from model.cli.console import run_main
        if ours and not pressed:     # the commands' own handling from here (run_main, stop_on_signals)
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except KeyboardInterrupt:
        pressed.append(signal.SIGINT)
    if pressed:
        # ignored, not handled, from here: a handler written in Python is reset to the default
        # (ending the process by the signal) while the interpreter shuts down
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED_STATUS)
    status = run_main(main)
    if ours:    # done: a Ctrl-C while the interpreter shuts down would otherwise end it by the signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)
