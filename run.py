#!/usr/bin/env python3
"""Shequ command line (the same as the installed `shequ` command); see `python run.py --help`."""

import sys

from model.cli import main
from model.console import run_main

if __name__ == "__main__":
    sys.exit(run_main(main))
