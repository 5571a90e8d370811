#!/usr/bin/env python3
"""Shequ command line (the same as the installed `shequ` command); see `python run.py --help`."""

if __name__ == "__main__":
    # model.launcher imports the model itself, so a Ctrl-C during those imports is one line too
    from model.launcher import entry
    entry()
