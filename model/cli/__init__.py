"""The Shequ command line (``shequ``, ``python run.py``, ``python -m model.cli``).

``parser`` builds the options and their defaults, ``study`` holds the study commands (run,
status, list, params), ``research`` the research commands (sweep, sensitivity, discover,
calibrate) and ``console`` the output that ends quietly when its reader goes away.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ..study.runner import Interrupted, StudyFailed, kill_children
from ..study.store import WriteFailed
from .parser import as_option, build_parser, calibrate_arguments
from .research import cmd_calibrate, cmd_calibrate_fit, cmd_discover, cmd_findings, cmd_sensitivity, cmd_sweep
from .study import cmd_list, cmd_params, cmd_status, run_and_write
from .words import chosen_lang, error_prefix, input_error, tr

__all__ = ["entry", "main"]


def main(argv: list[str] | None = None) -> int:
    from model.errors import InputError
    from model.scenario import list_scenarios, load_scenario

    lang = chosen_lang(sys.argv[1:] if argv is None else argv)     # help and errors in it, before parsing
    parser = build_parser(lang)
    command = None
    try:
        args = parser.parse_args(argv)
        command = args.command
        if args.command == "list":
            cmd_list()
        elif args.command == "params":
            cmd_params(args.lang, args.markdown, args.json)
        elif args.command == "calibrate":
            calibrate_arguments(args)
            if args.fit:
                cmd_calibrate_fit(args)
            else:
                cmd_calibrate(args.replications, args.seed)
        elif args.command == "status":
            return cmd_status(args.folder)
        elif args.command == "app":
            from model.app import server
            server.parse_district(args.district)
            server.main(args.host, args.port, args.lang, args.district)
        elif args.command == "sweep":
            cmd_sweep(args)
        elif args.command == "sensitivity":
            cmd_sensitivity(args)
        elif args.command == "discover":
            cmd_discover(args)
        elif args.command == "findings":
            cmd_findings(args)
        elif args.command == "run":
            scenarios = [load_scenario(s) for s in args.scenarios]
            names = [s.name for s in scenarios]
            files = [str(Path(s.path).resolve()) for s in scenarios]
            if len(set(files)) != len(files):
                raise InputError("command line", "SCENARIO", "each scenario once", ", ".join(names))
            if args.name is not None:
                from model.scenario import NAME_PATTERN
                if not NAME_PATTERN.match(args.name):
                    raise InputError("command line", "--name",
                                     "lower-case letters, digits, Chinese characters, '_' or '-' (at most 64)",
                                     args.name)
            name = args.name or ("+".join(names) if len(names) <= 3 else f"{len(names)}_scenarios")
            run_and_write(scenarios, name, args)
        else:
            scenarios = [load_scenario(p) for p in list_scenarios()]
            if not scenarios:
                raise InputError("scenarios", "folder", "at least one .toml scenario file")
            run_and_write(scenarios, "default_study", args)
    except InputError as exc:
        print(input_error(as_option(exc, command), lang), file=sys.stderr)
        return 2
    except (StudyFailed, WriteFailed) as exc:
        print(f"{error_prefix(lang)}{exc}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        if argv is None:           # run as a program: end now, with nothing left to interrupt or wait for
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
            kill_children()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        print(tr("interrupted", lang), file=sys.stderr)
        return 130
    return 0


def entry() -> None:
    """``python -m model.cli``: main, ending quietly if its output pipe closes early (the ``shequ``
    script and run.py start in ``model.launcher``, which imports this package itself)."""
    from .console import run_main
    sys.exit(run_main(main))
