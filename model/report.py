"""Figures and a Markdown report of a study, for a reader who looks before reading."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .experiment import band  # noqa: E402
from .fonts import figure_lang, rc  # noqa: E402
from .metrics import METRIC_BY_NAME  # noqa: E402
from .scenario import Scenario  # noqa: E402

KEY_METRICS = (
    "admin_share", "offloaded_tasks_per_worker", "requests_resolved_share", "satisfaction",
    "trust", "turnout", "personal_turnout", "deliberation_participation",
    "resident_agenda_share", "vulnerable_coverage", "worker_turnover", "department_cost",
)
PNG_META = {"Software": None}   # keep files byte-identical across runs

# The report's own words; metric labels and scenario texts come from METRICS and the scenario files.
WORDS = {
    "en": {
        "month": "month",
        "over_time": "Key metrics over time (district; mean and 95% CI over replications)",
        "final": "Scenarios at the final month ({step}); bars: mean, whiskers: 95% CI",
        "report": "Shequ study report",
        "intro": ("{n} scenario(s) x {replications} replication(s), {steps} monthly steps, master seed {seed}; "
                  "each simulated resident stands for {ratio:g} real residents (parameter `scale`)."),
        "intervals": ("Intervals are 95% Student-t intervals over replications, taken on the logit scale for "
                      "shares and on the log scale for non-negative quantities, so they stay in range."),
        "one_run": "With one replication there are no intervals (one run says nothing about the spread).",
        "table_one": "Table (final month, mean; no interval from one replication)",
        "files": ("Files: `timeseries.csv` (district, every month), `communities.csv` (every community, every "
                  "month), `summary.csv` (final month), `manifest.json` (versions, seeds, full parameters)."),
        "scenarios": "Scenarios", "time": "Over time", "at_final": "At the final month",
        "table": "Table (final month, mean [95% CI])", "metric": "metric",
        "time_alt": "Key metrics over time", "final_alt": "Final-month comparison",
    },
    "zh": {
        "month": "月份",
        "over_time": "主要指标随时间变化（全区；多次重复运行的均值及 95% 置信区间）",
        "final": "最后一个月（第 {step} 个月）各情景比较；柱：均值，误差线：95% 置信区间",
        "report": "社区治理改革模拟研究报告",
        "intro": ("{n} 个情景 × {replications} 次重复运行，共 {steps} 个月，主种子 {seed}；"
                  "每位模拟居民代表 {ratio:g} 位实际居民（参数 `scale`）。"),
        "intervals": "区间为重复运行间的 95% t 置信区间；比例在 logit 尺度上、非负量在对数尺度上计算，因而不会越界。",
        "one_run": "只有一次运行，不给出区间（一次运行无法说明离散程度）。",
        "table_one": "表（最后一个月，均值；一次运行不给出区间）",
        "files": ("文件：`timeseries.csv`（全区，逐月）、`communities.csv`（各社区，逐月）、"
                  "`summary.csv`（最后一个月）、`manifest.json`（版本、种子、全部参数）。"),
        "scenarios": "情景", "time": "随时间变化", "at_final": "最后一个月",
        "table": "表（最后一个月，均值 [95% 置信区间]）", "metric": "指标",
        "time_alt": "主要指标随时间变化", "final_alt": "最后一个月各情景比较",
    },
}


def _label(metric: str, lang: str) -> str:
    m = METRIC_BY_NAME[metric]
    return m.label_zh if lang == "zh" else m.label_en


def plot_timeseries(timeseries: pd.DataFrame, path: Path, metrics=KEY_METRICS, lang: str = "en") -> Path:
    """Key metrics over time, one line per scenario with its 95% CI band.

    Labels are in ``lang`` where the installed fonts can draw it (see model.fonts).
    """
    with plt.rc_context(rc(lang)):
        return _plot_timeseries(timeseries, path, metrics, figure_lang(lang))


def _plot_timeseries(timeseries: pd.DataFrame, path: Path, metrics, lang: str) -> Path:
    cols = 3
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.2 * rows), sharex=True)
    scenarios = list(dict.fromkeys(timeseries["scenario"]))
    colours = plt.get_cmap("tab10")
    for ax, metric in zip(axes.flat, metrics, strict=False):
        b = band(timeseries, metric)
        for i, name in enumerate(scenarios):
            s = b[b["scenario"] == name]
            ax.plot(s["step"], s["mean"], color=colours(i % 10), label=name, lw=1.4)
            ax.fill_between(s["step"], s["ci_low"], s["ci_high"], color=colours(i % 10), alpha=0.2, lw=0)
        m = METRIC_BY_NAME[metric]
        ax.set_title(f"{metric}\n{_label(metric, lang)}", fontsize=9)
        ax.set_ylabel(m.unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel(WORDS[lang]["month"])
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=9, frameon=False)
    fig.suptitle(WORDS[lang]["over_time"], fontsize=12)
    fig.tight_layout(rect=(0, 0.04 + 0.02 * (len(labels) // 4), 1, 0.97))
    fig.savefig(path, dpi=110, metadata=PNG_META)
    plt.close(fig)
    return path


def plot_final(summary: pd.DataFrame, path: Path, metrics=KEY_METRICS, lang: str = "en") -> Path:
    """Final-step comparison of scenarios: mean with 95% CI error bars."""
    with plt.rc_context(rc(lang)):
        return _plot_final(summary, path, metrics, figure_lang(lang))


def _plot_final(summary: pd.DataFrame, path: Path, metrics, lang: str) -> Path:
    cols = 3
    rows = -(-len(metrics) // cols)
    scenarios = list(dict.fromkeys(summary["scenario"]))
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 0.35 * len(scenarios) * rows + 1.6 * rows))
    for ax, metric in zip(axes.flat, metrics, strict=False):
        s = summary[summary["metric"] == metric].set_index("scenario").loc[scenarios]
        y = range(len(scenarios))
        err = [(s["mean"] - s["ci_low"]).fillna(0), (s["ci_high"] - s["mean"]).fillna(0)]   # none from 1 run
        ax.barh(list(y), s["mean"], xerr=err, color="#4c78a8", alpha=0.85, capsize=3)
        ax.set_yticks(list(y), scenarios, fontsize=8)
        ax.invert_yaxis()
        title = metric if lang == "en" else f"{metric}\n{_label(metric, lang)}"
        ax.set_title(f"{title} ({METRIC_BY_NAME[metric].unit})", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    step = int(summary["step"].iloc[0])
    fig.suptitle(WORDS[lang]["final"].format(step=step), fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110, metadata=PNG_META)
    plt.close(fig)
    return path


def _fmt(x: float) -> str:
    if x != x:
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"


def escape(text: str) -> str:
    """Scenario text as one line of literal Markdown: no headings, links or HTML of its own."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_{}\[\]()#+!|~-])", r"\\\1", text)


def write_report(out: Path, scenarios: list[Scenario], summary: pd.DataFrame, *, steps: int,
                 replications: int, master_seed: int, scale: float, lang: str = "en",
                 filename: str = "report.md") -> Path:
    """report.md: what was run, what to notice, the figures and the final-step table.

    In ``lang`` first (headings, titles, notes, metric labels); the other language's
    scenario title and note follow each scenario's own. Scenario texts are escaped, so a
    title cannot add headings, links or HTML of its own.
    """
    w = WORDS[lang]
    lines = [
        f"# {w['report']}",
        "",
        w["intro"].format(n=len(scenarios), replications=replications, steps=steps, seed=master_seed,
                          ratio=1 / scale) + ("" if lang == "zh" else " ")
        + (w["one_run"] if replications < 2 else w["intervals"]),
        w["files"],
        "",
        f"## {w['scenarios']}",
        "",
    ]
    first, second = ("zh", "en") if lang == "zh" else ("en", "zh")
    for s in scenarios:
        title, other = getattr(s, f"title_{first}"), getattr(s, f"title_{second}")
        lines += [f"### {s.name}: {escape(title or s.name)}", ""]
        if other:
            lines += [f"*{escape(other)}*", ""]
        for key in (f"notice_{first}", f"notice_{second}"):
            lines_of_text = [line.strip() for line in s.about.get(key, "").splitlines() if line.strip()]
            text = ("" if key.endswith("zh") else " ").join(lines_of_text)   # Chinese has no spaces
            if text:
                lines += [escape(text), ""]
    lines += [f"## {w['time']}", "", f"![{w['time_alt']}](timeseries.png)", "",
              f"## {w['at_final']}", "", f"![{w['final_alt']}](final_comparison.png)", "",
              f"## {w['table'] if replications > 1 else w['table_one']}", ""]
    names = list(dict.fromkeys(summary["scenario"]))
    lines.append(f"| {w['metric']} | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for metric in dict.fromkeys(summary["metric"]):
        cells = []
        for name in names:
            r = summary[(summary["scenario"] == name) & (summary["metric"] == metric)].iloc[0]
            ci = "" if r["ci_low"] != r["ci_low"] else f" [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            cells.append(f"{_fmt(r['mean'])}{ci}")
        lines.append(f"| {escape(_label(metric, lang))} `{metric}` | " + " | ".join(cells) + " |")
    path = out / filename
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
