"""Console output that ends quietly when its reader goes away (``shequ params | head``).

Python raises BrokenPipeError when the command on the other side of a pipe closes early, and
again when the interpreter flushes stdout at exit, so the user sees a traceback for nothing.
The command line's entry point wraps its main function::

    from model.cli.console import run_main

    def entry() -> None:            # the ``shequ`` console script
        sys.exit(run_main(main))
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from ..errors import RunStopped
from .words import chosen_lang, error_prefix, tr

BROKEN_PIPE_STATUS = 1   # what Python's documentation recommends for a closed pipe
UNEXPECTED_STATUS = 1    # an error that is not the user's input (those exit 2)


def run_main(main: Callable[[list[str] | None], int | None], argv: list[str] | None = None) -> int:
    """``main(argv)``'s exit status; if stdout's reader has closed, stop without a traceback."""
    try:
        status = main(argv)
        sys.stdout.flush()          # a closed pipe shows up here for output still in the buffer
        return int(status or 0)
    except KeyboardInterrupt:       # Ctrl-C before a command's own handling is in place
        if argv is None:            # run as a program, which now ends: a second Ctrl-C while the interpreter
            signal.signal(signal.SIGINT, signal.SIG_IGN)    # shuts down would end it by the signal
        print(tr("interrupted", lang(argv)), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Point stdout at devnull so the interpreter's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE_STATUS
    except RunStopped as exc:       # a cause outside the program: what happened and what to do
        print(error_prefix(lang(argv)) + str(exc), file=sys.stderr)
        return UNEXPECTED_STATUS
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user; one line instead
        if os.environ.get("SHEQU_DEBUG"):
            raise
        text = str(exc).strip().splitlines()
        said = lang(argv)
        print(error_prefix(said) + tr("unexpected {kind}: {message} (this is a bug; set SHEQU_DEBUG=1 to see "
                                            "where)", said, kind=type(exc).__name__,
                                            message=text[0] if text else "no message"), file=sys.stderr)
        return UNEXPECTED_STATUS


def lang(argv: list[str] | None) -> str:
    """The language of the command line ``argv`` (sys.argv when None) asks for."""
    return chosen_lang(sys.argv[1:] if argv is None else argv)
