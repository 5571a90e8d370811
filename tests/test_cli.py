"""The command line: the study files, reproducibility and every error path (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import METRIC_NAMES

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["--steps", "6", "--replications", "2", "--workers", "1", "--scale", "0.005"]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_help_and_list_and_params():
    h = cli("--help")
    assert h.returncode == 0 and "run.py run baseline" in h.stdout and h.stderr == ""
    assert cli("run", "--help").returncode == 0
    listing = cli("list")
    assert listing.returncode == 0
    assert "burden_reduction" in listing.stdout and "减负" in listing.stdout
    params = cli("params", "--lang", "zh")
    assert params.returncode == 0 and "台账数" in params.stdout and "lever" in params.stdout


def test_the_module_entry_starts_and_lists_the_scenarios():
    """The second real process start: `python -m model.cli` (what the `shequ` script calls)."""
    r = subprocess.run([sys.executable, "-m", "model.cli", "list"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "burden_reduction" in r.stdout


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
def test_run_writes_every_output_and_is_reproducible(tmp_path):
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}"
        r = cli("run", "baseline", "burden_reduction", *QUICK, "--steps", "25", "--seed", "7", "--out", out)
        assert r.returncode == 0, r.stderr
        outs.append(out)
    for name in ("timeseries.csv", "communities.csv", "summary.csv", "timeseries.png",
                 "final_comparison.png", "report.md", "manifest.json"):
        assert (outs[0] / name).stat().st_size > 0, name
        if name != "manifest.json":
            assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    ts = pd.read_csv(outs[0] / "timeseries.csv")
    assert list(ts.columns) == ["scenario", "replication", "seed", "step", *METRIC_NAMES]
    assert len(ts) == 2 * 2 * 25
    comm = pd.read_csv(outs[0] / "communities.csv")
    assert list(comm.columns)[:7] == ["scenario", "replication", "seed", "step", "street", "community",
                                      METRIC_NAMES[0]]
    summary = pd.read_csv(outs[0] / "summary.csv")
    assert list(summary.columns)[:6] == ["scenario", "metric", "step", "mean", "ci_low", "ci_high"]
    assert len(summary) == 2 * len(METRIC_NAMES)
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert manifest["master_seed"] == 7 and len(manifest["replication_seeds"]) == 2
    assert manifest["status"] == "complete"
    assert manifest["versions"]["mesa"].startswith("3.")
    assert manifest["scenarios"][1]["reforms"][0]["kind"] == "burden_reduction"
    assert manifest["scenarios"][0]["parameters"]["scale"] == 0.005
    assert "git_commit" in manifest
    assert (ts["seed"].unique().tolist() == manifest["replication_seeds"])
    report = (outs[0] / "report.md").read_text()
    assert "![Key metrics over time](timeseries.png)" in report and "admin_share" in report


@pytest.mark.slow
def test_calibration_lands_in_every_stylized_fact_range_but_the_known_misses():
    """`run.py calibrate` (docs/ODD.md §10): every check printed, each in range but for the known misses."""
    r = cli("calibrate", "--replications", "3")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 12
    assert {line.split()[1] for line in lines} == {"SF4", "SF6", "SF7", "SF9", "SF10", "SF14", "SF15", "SF16", "SF17",
                                                   "SF18"}
    missed = [line for line in lines if not line.startswith("ok ")]
    # Known misses (ODD §10): resident turnout may sit just below its range (issue 17: about 0.748 when
    # elected members stopped leaning toward residents); the model's residents vote in person at the same
    # rate whatever their age (SF15), nine in ten know the committee (SF16) and one in 64 knows no
    # neighbour (SF18), against the survey's rise with age, three in ten and more than a quarter (issue
    # 19). Any other miss is new.
    for line in missed:
        key, value = line.split()[1], float(line.split()[2])
        near_sf4 = key == "SF4" and "direct_election_resident: turnout" in line and value > 0.74
        assert near_sf4 or key in {"SF15", "SF16", "SF18"}, r.stdout


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
def test_options_before_the_command_are_not_reset(tmp_path):
    r = cli("--steps", "3", "--replications", "1", "--scale", "0.002", "run", "baseline", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    ts = pd.read_csv(tmp_path / "timeseries.csv")
    assert ts["step"].max() == 2 and ts["replication"].nunique() == 1


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
def test_run_accepts_a_path_and_writes_under_the_working_folder(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("name = 'mine'\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    r = cli("run", path, *QUICK, cwd=work)
    assert r.returncode == 0, r.stderr
    # results/<name and options>/ where the command ran
    assert (work / "results" / "mine_steps-6_reps-2_scale-0.005" / "summary.csv").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["run", "no_such_scenario"], "no_such_scenario.toml: file: expected a scenario name"),
    (["run", "baseline", "--steps", "0"], "command line: --steps: expected an integer in [1, 1200], got '0'"),
    (["run", "baseline", "--steps", "ten"], "--steps: expected an integer"),
    (["run", "baseline", "--replications", "-3"], "--replications: expected an integer"),
    (["run", "baseline", "--scale", "2"], "--scale: expected a number in [0.001, 1]"),
    (["run", "baseline", "--name", "../../escape"], "--name: expected lower-case letters"),
    (["run", "baseline", "baseline"], "SCENARIO: expected each scenario once"),
    (["run", "baseline", "--scale", "0.001"], "command line: --scale: expected residents_per_community * scale >= 20"),
    (["run", "baseline", "--out", ""], "command line: --out: expected a folder path"),
    (["run", "burden_reduction", "--steps", "12"], "start_month: expected a month within the run (0 to 11"),
    (["status", "scenarios"], "scenarios: manifest.json: expected a results folder"),
    (["run", "baseline", "--colour", "red"], "unrecognized arguments: --colour"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["run"], "the following arguments are required: SCENARIO"),
])
def test_bad_command_lines_exit_2_with_one_line(args, needle, command):
    code, stderr = command(*args)
    assert code == 2, (code, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert needle in lines[0], lines[0]
    assert "Traceback" not in stderr


def test_lang_zh_puts_every_help_text_into_chinese():
    """--lang zh: the description, every command's and option's help, argparse's -h entry and group titles."""
    import argparse
    import re

    from model.cli.parser import build_parser
    cjk = re.compile(r"[\u4e00-\u9fff]")

    def parsers(parser):
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                yield from action._choices_actions
                for sub in dict.fromkeys(action.choices.values()):
                    yield from parsers(sub)

    english = []
    for p in parsers(build_parser("zh")):
        texts = [p.help] if not isinstance(p, argparse.ArgumentParser) else [
            p.description, p._positionals.title, p._optionals.title,
            *[a.help for a in p._actions if a.help and a.help is not argparse.SUPPRESS]]
        english += [t for t in texts if t and not cjk.search(t)]
    assert not english, english
    assert "\u7528\u6cd5" in build_parser("zh").format_usage()          # 用法 (usage)
    assert build_parser("en").format_usage().startswith("usage: ")


@pytest.mark.parametrize(("args", "needle"), [
    (["--lang", "zh", "run", "baseline", "--steps", "0"],
     "错误：命令行：--steps：应为 [1, 1200] 之间的整数，实际为 '0'"),
    (["run", "baseline", "--lang=zh", "--colour", "red"], "run.py：错误：无法识别的参数：--colour red（见 --help）"),
    (["--lang", "zh", "frobnicate"], "参数 COMMAND：无效的选择 'frobnicate'"),
    (["--lang", "zh", "run"], "缺少必需的参数：SCENARIO"),
    (["--lang", "zh", "run", "burden_reduction", "--steps", "12"],
     "start_month：应为 运行期内的月份（12 步时为 0 到 11）"),
    (["--lang", "zh", "run", "baseline", "--at-month", "3", "--window", "1:2"], "--at-month 与 --window 只能选一个"),
])
def test_lang_zh_errors_are_one_chinese_line(args, needle, command):
    code, stderr = command(*args)
    assert code == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert needle in stderr, stderr


def test_lang_zh_progress_and_last_line_point_to_report_html(tmp_path, command):
    code, stderr = command("--lang", "zh", "run", "baseline", "--steps", "2", "--replications", "1",
                           "--scale", "0.005", "--workers", "1", "--out", tmp_path / "out")
    assert code == 0, stderr
    assert "运行 1 个情景 × 1 次重复，2 个月" in stderr and "Running" not in stderr
    assert f"请打开 {tmp_path / 'out' / 'report.html'}" in stderr
    assert "最后一个月" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")   # the report follows


def test_lang_zh_an_unexpected_error_is_one_chinese_line(monkeypatch, capsys):
    from model import cli as cli_module
    from model.cli.console import run_main

    def broken(*args):
        raise ValueError("something odd\nsecond line")

    monkeypatch.setattr(cli_module, "cmd_list", broken)
    assert run_main(cli_module.main, ["--lang", "zh", "list"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：意外的 ValueError：something odd（这是程序缺陷"), err


def test_the_language_is_read_before_argparse_reads_the_line():
    from model.cli.words import chosen_lang
    assert chosen_lang(["run", "x", "--lang", "zh"]) == "zh" and chosen_lang(["--lang=zh"]) == "zh"
    assert chosen_lang(["--lang", "fr"]) == "en" and chosen_lang(["--", "--lang", "zh"]) == "en"
    assert chosen_lang(["--lang", "zh", "params", "--lang", "en"]) == "en"


def test_unwritable_output_folder_fails_before_running(tmp_path, command):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code, stderr = command("run", "baseline", *QUICK, "--out", blocker / "out")
    assert code == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert "--out: expected a folder that can be written" in stderr
    assert "Running" not in stderr


@pytest.mark.parametrize(("text", "needle"), [
    ("[parameters]\nledgers = 'many'\n", "bad.toml: parameters.ledgers: expected an integer in [0, 200]"),
    ("[[reforms]]\nkind = 'lottery'\nstart_month = 1\n", "bad.toml: reforms[0].kind: expected one of"),
    ("[parameters\n", "bad.toml: TOML: expected valid TOML"),
    ("unknown = 1\n", "bad.toml: unknown: expected one of"),
    ("[parameters]\nscale = 9\n", "bad.toml: parameters.scale: expected a number in [0.001, 1]"),
    ("x = " + "[" * 1000 + "]" * 1000 + "\n", "bad.toml: TOML: expected arrays or tables nested less deeply"),
    ("[[reforms]]\nkind = 'deliberation'\nstart_month = 1\n[[reforms]]\nkind = 'deliberation'\nstart_month = 1\n",
     "bad.toml: reforms[1]: expected at most one deliberation reform in month 1"),
])
def test_bad_scenario_files_exit_2_with_one_line(tmp_path, text, needle, command):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, stderr = command("run", path, *QUICK, "--out", tmp_path / "out")
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], stderr
    assert not (tmp_path / "out").exists()          # nothing half-written


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
def test_replications_are_pruned_after_completion_unless_kept(tmp_path):
    common = ["run", "baseline", "--steps", "2", "--replications", "1", "--scale", "0.005", "--workers", "1"]
    done = cli(*common, "--out", tmp_path / "pruned")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "pruned" / "summary.csv").exists() and not (tmp_path / "pruned" / "replications").exists()
    done = cli(*common, "--out", tmp_path / "kept", "--keep-replications")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "kept" / "replications" / "baseline-r0000").is_dir()


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
def test_csvs_write_no_election_as_empty_and_chinese_with_a_bom(tmp_path):
    import pandas as pd
    (tmp_path / "我的情景.toml").write_text('title_zh = "我的"\ntitle_en = "mine"\n', encoding="utf-8")
    done = cli("run", "baseline", tmp_path / "我的情景.toml", "--steps", "2", "--replications", "1",
               "--scale", "0.005", "--workers", "1", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    raw = (tmp_path / "out" / "timeseries.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    ts = pd.read_csv(tmp_path / "out" / "timeseries.csv", encoding="utf-8-sig")
    assert set(ts["scenario"]) == {"baseline", "我的情景"}
    assert ts["turnout"].isna().all()          # no election in two months: empty, not 0
    assert ts["contested_seat_share"].isna().all() and ts["incumbent_loss_share"].isna().all()
    assert (tmp_path / "out" / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", encoding="utf-8-sig").set_index("metric")
    assert summary.loc[["turnout", "contested_seat_share"], "mean"].isna().all()   # an average of nothing
    assert (summary.loc["admin_share", "mean"] > 0).all()


@pytest.mark.parametrize("text", ["baseline", "减负"])
def test_communities_gz_holds_the_bytes_of_one_to_csv_whatever_the_chunks(tmp_path, monkeypatch, text):
    """communities.csv.gz is formatted and compressed a chunk at a time, one gzip member each; decompressed
    it must be the file one ``to_csv(float_format="%.6g")`` writes -- one header, a BOM only at the start
    for Chinese text, every row -- for chunks that do and do not divide the rows, on one process or two."""
    import gzip

    import numpy as np

    import model.cli.study as study
    from model.study.comparison import csv_encoding
    frame = pd.DataFrame({"scenario": text, "step": np.arange(10),
                          "value": [0.1, np.nan, -0.0, 1 / 3, 2.0, 0.1, np.inf, 5e-9, 7.0, 0.25]})
    encoding = csv_encoding(frame)
    expected = tmp_path / "one.csv"
    frame.to_csv(expected, index=False, float_format="%.6g", encoding=encoding)
    for rows in (3, 5, 10, 100):
        monkeypatch.setattr(study, "COMMUNITY_CHUNK_ROWS", rows)
        study.write_communities_gz(frame, tmp_path / "c.csv.gz", encoding, "%.6g")
        assert gzip.decompress((tmp_path / "c.csv.gz").read_bytes()) == expected.read_bytes(), rows
    # chunks formatted on two processes come back in order: the same bytes as on one
    monkeypatch.setattr(study, "COMMUNITY_CHUNK_ROWS", 3)
    study.write_communities_gz(frame, tmp_path / "one.csv.gz", encoding, "%.6g", workers=1)
    study.write_communities_gz(frame, tmp_path / "two.csv.gz", encoding, "%.6g", workers=2)
    assert (tmp_path / "two.csv.gz").read_bytes() == (tmp_path / "one.csv.gz").read_bytes()
    assert (tmp_path / "two.csv.gz").read_bytes().count(b"\x1f\x8b\x08") >= 4       # a member per chunk


def test_large_community_output_is_compressed(tmp_path, monkeypatch):
    import argparse

    import pandas as pd

    import model.cli.study as study
    from model import load_scenario
    monkeypatch.setattr(study, "COMMUNITY_ROWS_PLAIN", 10)
    args = argparse.Namespace(replications=1, steps=2, seed=1, out=tmp_path / "out", workers=1, scale=0.005,
                              overwrite=False, lang="en", parameter_uncertainty=None, posterior=None)
    out = study.run_and_write([load_scenario("baseline")], "baseline", args)
    assert not (out / "communities.csv").exists()
    assert len(pd.read_csv(out / "communities.csv.gz")) > 10
    # the same rows give the same bytes: no time in the gzip header, and the name is not the temporary file's
    head = (out / "communities.csv.gz").read_bytes()[:32]
    assert head[4:8] == bytes(4) and head[10:].startswith(b"communities.csv\0")
