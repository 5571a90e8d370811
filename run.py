#!/usr/bin/env python3
"""Shequ command line (the same as the installed `shequ` command); see `python run.py --help`."""

from model.cli import entry

if __name__ == "__main__":
    entry()
