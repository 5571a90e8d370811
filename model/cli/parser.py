"""Shequ command line: run reform scenarios and write results, figures and a report.

Each study writes results/<name>/: timeseries.csv (district metrics every month),
communities.csv (every community), summary.csv (final-month mean and 95% CI),
timeseries.png and final_comparison.png, report.html (read this first; it prints), report.md
and manifest.json (versions, seeds, full parameters). One step is one month.

Examples:
  python run.py                               the default study: every scenario in scenarios/
  python run.py list                          the scenarios, with what each represents
  python run.py run baseline burden_reduction --replications 10 --steps 120
  python run.py run my_scenario.toml --out results/mine
  python run.py run baseline burden_reduction --parameter-uncertainty plausible --replications 20
  python run.py params                        every parameter with unit, range and source
  python run.py status results/baseline       is that folder complete, interrupted or failed?

Run the same command again after an interrupt (Ctrl-C, SIGTERM, a full disk) to resume: finished
replications are kept in the folder's replications/ and reused. A folder holding another study is
refused unless --overwrite is given. Installed, the command is also called `shequ`.
Add --lang zh (before or after the command) for help, progress and error messages in Chinese.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..study.seeds import DEFAULT_SEED
from .words import DESCRIPTION_ZH, argparse_error, tr

DEFAULT_REPLICATIONS = 5
DEFAULT_STEPS = 120
FIT_SAMPLES = 100        # calibrate --fit's prior sample: 100 points x 6 scenarios = 600 runs, minutes on a laptop
FIT_ONLY = ("samples", "vary", "steps", "out", "workers", "scheduler", "scale", "overwrite", "accept", "method",
            "population", "generations", "moves", "leave_out")
SMC_MOVES = 2                              # --method smc-mcmc: each particle's Metropolis steps a population
SMC_POPULATION, SMC_GENERATIONS = 40, 4   # --method smc: 3 particles for each of the 12 default parameters, and more
# A library error names the function argument at fault (``samples=``); the command line names the
# option that sets it: ``--`` and the argument's name, unless it is one of these.
OPTION_FOR = {"text": "--vary", "texts": "--vary", "factors": "--vary", "design": "--vary",
              "scenarios": "SCENARIO", "source": "--parameter-uncertainty", "method": "--design"}
OPTION_FOR_COMMAND = {"sensitivity": {"method": "--method"}}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, in ``lang`` (a subclass per
    language, so that sub-command parsers are made in the same one), as is the help's usage line."""

    lang = "en"

    def _get_formatter(self):
        formatter = super()._get_formatter()
        if self.lang == "zh":
            add_usage = formatter.add_usage
            formatter.add_usage = lambda usage, actions, groups, prefix=None: add_usage(
                usage, actions, groups, prefix if prefix is not None else "用法：")
        return formatter

    def error(self, message: str):
        if self.lang == "zh":
            self.exit(2, f"{self.prog}：错误：{argparse_error(message, self.lang)}（见 --help）\n")
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser_class(lang: str) -> type[OneLineParser]:
    """OneLineParser in ``lang``."""
    return OneLineParser if lang == "en" else type(f"OneLineParser_{lang}", (OneLineParser,), {"lang": lang})


def translate(parser: argparse.ArgumentParser, lang: str) -> None:
    """Put the help of ``parser`` and of its sub-commands into ``lang`` (model.cli.words): descriptions,
    each option's help, the group titles and the -h entry argparse adds."""
    if lang == "en":
        return
    parser.description = tr(parser.description, lang) if parser.description else parser.description
    parser._positionals.title = tr("positional arguments", lang)
    parser._optionals.title = tr("options", lang)
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = tr(action.help, lang)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:          # the command list of the top-level help
                choice.help = tr(choice.help, lang)
            for sub in dict.fromkeys(action.choices.values()):
                translate(sub, lang)


def bounded(convert: type, name: str, low: float, high: float):
    """An argparse type: ``convert`` the text and check it lies in [low, high], else a
    one-line InputError naming the option."""
    noun = "an integer" if convert is int else "a number"

    def parse(text: str):
        from model.errors import InputError
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            shown = f"[{low}, {high}]" if convert is int else f"[{low:g}, {high:g}]"
            raise InputError("command line", name, f"{noun} in {shown}", text)
        return value
    return parse


def as_option(exc, command: str | None):
    """A library's InputError as the command line says it: ``command line: --samples: ...`` for
    ``make_design: samples=: ...``; any other error as it is."""
    from model.errors import InputError
    name = exc.field[:-1]
    if not (exc.field.endswith("=") and name.isidentifier()):
        return exc
    option = OPTION_FOR_COMMAND.get(command, {}).get(name) or OPTION_FOR.get(name) or "--" + name.replace("_", "-")
    return InputError("command line", option, exc.expected, exc.got)


def scheduler_address(text: str) -> str:
    """An argparse type: a non-empty scheduler address (see model.research.sweep.check_scheduler)."""
    from model.research.sweep import check_scheduler
    return check_scheduler(text)


def month_window(text: str) -> tuple[int, int]:
    """An argparse type: ``A:B``, two months with 0 <= A <= B."""
    from model.errors import InputError
    first, sep, last = text.partition(":")
    try:
        window = (int(first), int(last))
    except ValueError:
        window = None
    if not sep or window is None or not 0 <= window[0] <= window[1]:
        raise InputError("command line", "--window", "A:B, two months with 0 <= A <= B (e.g. 60:119)", text)
    return window


def folder_path(text: str) -> Path:
    """An argparse type: a non-empty path (an empty one would silently mean the current folder)."""
    if not text.strip():
        from model.errors import InputError
        raise InputError("command line", "--out", "a folder path", text)
    return Path(text)


def add_run_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """The study options. Sub-commands leave unset options alone, so an option given before
    the command (``run.py --steps 6 run baseline``) is not reset by the sub-command's default."""
    default = (lambda value: value) if top_level else (lambda value: argparse.SUPPRESS)
    parser.add_argument("--replications", type=bounded(int, "--replications", 1, 1000),
                   default=default(DEFAULT_REPLICATIONS),
                   help=f"replications per scenario, each with its own seed (default {DEFAULT_REPLICATIONS})")
    parser.add_argument("--steps", type=bounded(int, "--steps", 1, 1200), default=default(DEFAULT_STEPS),
                   help=f"months to simulate after the warm-up (default {DEFAULT_STEPS} = 10 years)")
    parser.add_argument("--seed", type=bounded(int, "--seed", 0, 2**63 - 1), default=default(DEFAULT_SEED),
                   help=f"master seed; replication seeds are derived from it (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=folder_path, default=default(None),
                   help="output folder (default results/<study name and non-default options> in the current folder); "
                        "the same command into the same folder resumes an interrupted study")
    parser.add_argument("--workers", type=bounded(int, "--workers", 1, 256), default=default(None),
                   help="parallel processes (default: all cores); results do not depend on it")
    parser.add_argument("--scale", type=bounded(float, "--scale", 0.001, 1.0), default=default(None),
                   help="share of real residents simulated, overriding the scenarios (1 = 1:1)")
    parser.add_argument("--overwrite", action="store_true", default=default(False),
                   help="replace what is in --out even if it is another study or not a results folder")
    parser.add_argument("--lang", choices=("en", "zh"), default=default("en"),
                   help="language of report.md, report.html, the figures and these messages (default en; "
                        "zh needs a CJK font for figures)")
    parser.add_argument("--keep-replications", action="store_true", default=default(False),
                   help="keep replications/ (each replication's raw results) after the study completes; "
                        "by default it is removed then, as the CSV files hold everything in it")
    parser.add_argument("--at-month", type=bounded(int, "--at-month", 0, 1199), default=default(None),
                   metavar="M", help="compare scenarios at month M (0 = the first month) instead of the last")
    parser.add_argument("--window", type=month_window, default=default(None), metavar="A:B",
                   help="compare each replication's average over months A to B (inclusive) instead of the "
                        "last month; shows a relapse the last month alone would hide")
    parser.add_argument("--parameter-uncertainty", choices=("plausible", "posterior"), default=default(None),
                   help="give each replication its own parameter set as well as its seed (the same pair in "
                        "every scenario): plausible = a Latin hypercube over every `uncertainty` parameter's "
                        "plausible range; posterior = rows of a calibration's accepted.csv (see --posterior)")
    parser.add_argument("--posterior", default=default(None), metavar="FILE_OR_DIR",
                   help="the accepted.csv written by `run.py calibrate --fit`, or its folder "
                        "(with --parameter-uncertainty posterior)")


def add_sweep_options(parser: argparse.ArgumentParser, samples: int | None, replications: int = 1,
                      samples_help: str | None = None) -> None:
    """Options shared by sweep, sensitivity, discover and calibrate --fit."""
    parser.add_argument("--samples", type=bounded(int, "--samples", 1, 1_000_000), default=samples,
                   help=samples_help or f"size of the design (see --design; default {samples})")
    parser.add_argument("--vary", action="append", metavar="NAME[=LOW:HIGH]",
                   help="a parameter to vary (repeat the option); NAME alone uses its plausible range; "
                        "reform parameters such as burden_reduction.ledgers need LOW:HIGH "
                        "(default: every `uncertainty` parameter)")
    parser.add_argument("--replications", type=bounded(int, "--replications", 1, 1000), default=replications,
                   help=f"seeds per design point and scenario (default {replications})")
    parser.add_argument("--steps", type=bounded(int, "--steps", 1, 1200), default=DEFAULT_STEPS,
                   help=f"months per run (default {DEFAULT_STEPS})")
    parser.add_argument("--seed", type=bounded(int, "--seed", 0, 2**63 - 1), default=DEFAULT_SEED,
                   help=f"master seed of the design and the replications (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=folder_path, default=None, help="output folder (default results/<command>_...)")
    parser.add_argument("--workers", type=bounded(int, "--workers", 1, 256), default=None,
                   help="local processes (default: all cores); results do not depend on it")
    parser.add_argument("--scheduler", default=None, metavar="ADDR", type=scheduler_address,
                   help="a Dask distributed scheduler, e.g. tcp://10.0.0.5:8786, instead of local processes")
    parser.add_argument("--scale", type=bounded(float, "--scale", 0.001, 1.0), default=None,
                   help="share of real residents simulated, overriding the scenarios")
    parser.add_argument("--overwrite", action="store_true", help="replace what is in --out")


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The command line's parser; its help and argparse's messages in ``lang`` ("en" or "zh")."""
    parser = parser_class(lang)(
        prog="run.py", description=DESCRIPTION_ZH if lang == "zh" else __doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", parser_class=parser_class(lang), metavar="COMMAND")
    run = sub.add_parser("run", help="run one or more scenarios (names from `list`, or .toml paths)",
                         description="Run scenarios x replications and write results/<name>/.")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="a scenario name from scenarios/ or a path to a .toml file")
    run.add_argument("--name", default=None, help="study name for the output folder (default: scenario names)")
    add_run_options(run)
    sub.add_parser("list", help="list the scenarios in scenarios/ with their titles")
    params = sub.add_parser("params", help="print the parameter registry")
    params.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS, help="label language")
    params.add_argument("--markdown", action="store_true",
                        help="print a Markdown table with both labels (docs/parameters.md is made this way)")
    params.add_argument("--json", action="store_true",
                        help="print the whole registry as a JSON list (every field of every entry)")
    cal = sub.add_parser("calibrate", help="compare the model with the stylized facts (SF4, SF6, SF7, SF9, SF10); "
                         "--fit: which parameter values reproduce them", conflict_handler="resolve",
                         description="Without --fit: run the stylized-fact checks at the defaults and print "
                         "each measure against its target range. With --fit: pattern-oriented rejection ABC over "
                         "the uncertainty parameters (a Latin hypercube prior sample, every check at once); "
                         "writes patterns.csv, accepted.csv, posterior.csv, identification.csv, fit_report.md "
                         "and posterior.png.")
    cal.add_argument("--fit", action="store_true",
                     help="fit: find the parameter sets that reproduce every stylized fact (see docs/research.md)")
    add_sweep_options(cal, samples=FIT_SAMPLES)
    cal.add_argument("--samples", type=bounded(int, "--samples", 1, 1_000_000), default=FIT_SAMPLES,
                     help=f"with --fit: points of the Latin-hypercube prior sample (default {FIT_SAMPLES})")
    cal.add_argument("--accept", type=bounded(float, "--accept", 0.001, 1.0), default=None, metavar="Q",
                     help="with --fit: keep the fraction Q of points nearest the targets (rejection ABC) instead "
                          "of the points inside every target range (default; the nearest 10%% if fewer pass)")
    cal.add_argument("--replications", default=None, metavar="R",
                     help="seeds per scenario (default 5); with --fit seeds per design point and scenario (default 1)")
    cal.add_argument("--seed", type=bounded(int, "--seed", 0, 2**63 - 1), default=DEFAULT_SEED,
                     help=f"master seed (default {DEFAULT_SEED})")
    cal.add_argument("--method", choices=("rejection", "smc", "smc-mcmc"), default="rejection",
                     help="with --fit: rejection = one Latin-hypercube prior sample, accept the points nearest the "
                          "targets (default); smc = sequential ABC (pyabc), populations that move toward the targets; "
                          "smc-mcmc = sequential ABC whose particles move by Metropolis steps and keep equal weights")
    cal.add_argument("--population", type=bounded(int, "--population", 2, 10000), default=SMC_POPULATION,
                     help=f"with --method smc or smc-mcmc: particles per population (default {SMC_POPULATION})")
    cal.add_argument("--generations", type=bounded(int, "--generations", 1, 100), default=SMC_GENERATIONS,
                     help=f"with --method smc or smc-mcmc: populations at most (default {SMC_GENERATIONS})")
    cal.add_argument("--moves", type=bounded(int, "--moves", 1, 100), default=SMC_MOVES,
                     help="with --method smc-mcmc: Metropolis moves of every particle a population "
                          f"(default {SMC_MOVES})")
    cal.add_argument("--leave-out", action="append", default=None, metavar="PATTERN",
                     help="with --fit: a pattern the fit does not target, by the name `calibrate` prints with its "
                          "letter (SF4a, SF10b, SF15, ...; repeat the option): for a fact the model's structure "
                          "cannot meet, which would otherwise dominate the distance")
    status = sub.add_parser("status", help="say whether a results folder is complete, interrupted or failed")
    status.add_argument("folder", type=Path, help="a results folder")
    app = sub.add_parser("app", help="start the workshop app in the browser (offline; Chinese first)",
                         description="Serve the bilingual workshop app on this machine and print its address.")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=bounded(int, "--port", 1, 65535), default=8765, help="port (default 8765)")
    app.add_argument("--lang", choices=("zh", "en"), default="zh", help="first language (switchable in the app)")
    app.add_argument("--district", default="", help="size overrides, e.g. n_streets=3,communities_per_street=4")
    sweep = sub.add_parser("sweep", help="a design over uncertain parameters x scenarios x replications (Parquet)",
                           description="Run a design (Latin hypercube, full factorial, Morris or Sobol) over "
                           "parameters (default: every `uncertainty` parameter over its plausible range) crossed "
                           "with scenarios and replications; write runs.parquet, timeseries.parquet, design.csv, "
                           "manifest.json and the sweep figures.")
    sweep.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenarios (strategies) to cross with "
                       "the design (default: baseline)")
    sweep.add_argument("--design", choices=("lhs", "factorial", "morris", "sobol"), default="lhs",
                       help="lhs: N points; factorial: N levels per parameter; morris: N trajectories; "
                            "sobol: Saltelli's N x (k + 2) points (default lhs)")
    add_sweep_options(sweep, samples=64)
    sweep.add_argument("--outcomes", nargs="+", metavar="METRIC", default=None,
                       help="metrics drawn in sweep_<metric>.png (against each varied parameter) and, with two "
                            "strategies or more, sweep_<metric>_difference.png (each strategy minus baseline or "
                            "the first named) (default: six headline metrics)")
    sweep.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS,
                       help="language of the figures and these messages (default en)")
    sens = sub.add_parser("sensitivity", help="global sensitivity of one scenario: Morris screening or Sobol "
                          "indices (SALib)", description="Run a Morris or Sobol design over parameters (default: "
                          "every `uncertainty` parameter over its plausible range) on one scenario and write "
                          "sensitivity.csv (outcome, parameter, mu_star, mu_star_conf, sigma, mu or S1, S1_conf, "
                          "ST, ST_conf), sensitivity.png and for Morris sensitivity_mu_sigma.png, with the sweep's "
                          "runs.parquet and timeseries.parquet.")
    sens.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                      help="the scenario (strategy) to analyse (default baseline)")
    sens.add_argument("--method", choices=("morris", "sobol"), default="morris",
                      help="morris: elementary effects, a screen; sobol: first-order and total indices "
                           "(default morris)")
    add_sweep_options(sens, samples=None, samples_help="morris: trajectories (default 10), N x (k + 1) runs; "
                      "sobol: base sample N, best a power of two (default 64), N x (k + 2) runs")
    sens.add_argument("--outcomes", nargs="+", metavar="METRIC", default=None,
                      help="metrics to analyse (default: every metric; the figure shows a few headline ones)")
    sens.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS,
                      help="language of the figures and these messages (default en)")
    disc = sub.add_parser("discover", help="scenario discovery (PRIM): which uncertain ranges make a strategy "
                          "miss a threshold", description="Run a Latin hypercube over parameters (default: every "
                          "`uncertainty` parameter over its plausible range) on one scenario, mark the runs whose "
                          "final-month outcome misses the threshold, and find with PRIM (EMA Workbench) the box of "
                          "parameter ranges where misses are dense. Writes prim_boxes.csv, prim_tradeoff.png, "
                          "prim_box.png, feature_scores.csv and discovery.md, with the sweep's runs.parquet.")
    disc.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                      help="the scenario (strategy) to examine (default baseline)")
    disc.add_argument("--outcome", required=True, metavar="METRIC", help="the metric the strategy should meet")
    disc.add_argument("--threshold", required=True, type=bounded(float, "--threshold", -1e300, 1e300),
                      help="its target, in the metric's own unit as in runs.parquet (shares as 0-1)")
    disc.add_argument("--miss", choices=("below", "above"), default="below",
                      help="below: a value below the threshold is a miss (default; for shares, trust, turnout); "
                           "above: a value above it is (for costs, waits, burdens)")
    disc.add_argument("--density", type=bounded(float, "--density", 0.01, 1.0), default=None,
                      help="PRIM density target: the box with the highest coverage among those where at least this "
                           "share of runs miss (default 0.9)")
    add_sweep_options(disc, samples=None, samples_help="Latin-hypercube points (default 200)")
    disc.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS,
                      help="language of the figures and these messages (default en)")
    found = sub.add_parser("findings", help="the model's headline conclusions over the calibration's posterior: "
                           "effect, sign share, verdict (writes docs/findings.md)",
                           description="Run every scenario the headline conclusions (model/research/findings.py) "
                           "compare, one posterior parameter set per replication (the same seed and set in every "
                           "scenario); per conclusion write the mean effect and its interval, the share of posterior "
                           "draws in which its sign holds, the parameters it depends on most and a verdict (robust, "
                           "fragile, reversed) to findings.md, findings.zh.md and findings.csv, in --out and --docs.")
    found.add_argument("--posterior", default=None, metavar="FILE_OR_DIR",
                       help="the accepted.csv of `run.py calibrate --fit`, or its folder (default "
                            "docs/fit/accepted.csv, the fit behind the documented findings)")
    found.add_argument("--replications", type=bounded(int, "--replications", 1, 1000), default=None,
                       help="posterior draws, each a replication of every scenario (default: every accepted set once)")
    found.add_argument("--steps", type=bounded(int, "--steps", 1, 1200), default=DEFAULT_STEPS,
                       help=f"months per run (default {DEFAULT_STEPS}; the findings read up to month 119)")
    found.add_argument("--seed", type=bounded(int, "--seed", 0, 2**63 - 1), default=DEFAULT_SEED,
                       help=f"master seed of the draws and the replications (default {DEFAULT_SEED})")
    found.add_argument("--scale", type=bounded(float, "--scale", 0.001, 1.0), default=None,
                       help="share of real residents simulated, overriding the scenarios")
    found.add_argument("--workers", type=bounded(int, "--workers", 1, 256), default=None,
                       help="local processes (default: all cores); results do not depend on it")
    found.add_argument("--out", type=folder_path, default=None,
                       help="folder for the runs and tables (default results/findings); the same command resumes")
    found.add_argument("--docs", type=folder_path, default=Path("docs"),
                       help="folder that receives findings.md, findings.zh.md and findings.csv (default docs)")
    found.add_argument("--overwrite", action="store_true", help="replace what is in --out")
    study = sub.add_parser("study", help="the default study (same as no command): every scenario")
    add_run_options(study)
    add_run_options(parser, top_level=True)
    translate(parser, lang)
    return parser


def calibrate_arguments(args) -> None:
    """--replications of calibrate: [2, 100], default 5, as before --fit existed; with --fit
    [1, 1000], default 1. The sweep options are refused without --fit."""
    from model.errors import InputError
    if args.fit:
        args.replications = bounded(int, "--replications", 1, 1000)(args.replications or "1")
        return
    args.replications = bounded(int, "--replications", 2, 100)(args.replications or "5")
    defaults = vars(build_parser().parse_args(["calibrate"]))
    given = [name for name in FIT_ONLY if getattr(args, name) != defaults[name]]
    if given:
        option = "--" + given[0].replace("_", "-")
        raise InputError("command line", option, "--fit with it (it sets up the fit's sweep)",
                         getattr(args, given[0]) if given[0] != "overwrite" else None)
