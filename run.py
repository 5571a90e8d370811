#!/usr/bin/env python3
"""Shequ command line (the same as the installed `shequ` command); see `python run.py --help`."""

import sys

if __name__ == "__main__":
    try:                    # the model's imports take a second: a Ctrl-C then is no traceback either
        from model.cli import main
        from model.cli.console import run_main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(run_main(main))
