"""Figures and a Markdown report of a study, for a reader who looks before reading."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .experiment import band  # noqa: E402
from .metrics import METRIC_BY_NAME  # noqa: E402
from .scenario import Scenario  # noqa: E402

KEY_METRICS = (
    "admin_share", "offloaded_tasks_per_worker", "requests_resolved_share", "satisfaction",
    "trust", "turnout", "personal_turnout", "deliberation_participation",
    "resident_agenda_share", "vulnerable_coverage", "worker_turnover", "department_cost",
)
PNG_META = {"Software": None}   # keep files byte-identical across runs


def plot_timeseries(timeseries: pd.DataFrame, path: Path, metrics=KEY_METRICS) -> Path:
    """Key metrics over time, one line per scenario with its 95% CI band."""
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
        ax.set_title(f"{metric}\n{m.label_en}", fontsize=9)
        ax.set_ylabel(m.unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("month")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=9, frameon=False)
    fig.suptitle("Key metrics over time (district; mean and 95% CI over replications)", fontsize=12)
    fig.tight_layout(rect=(0, 0.04 + 0.02 * (len(labels) // 4), 1, 0.97))
    fig.savefig(path, dpi=110, metadata=PNG_META)
    plt.close(fig)
    return path


def plot_final(summary: pd.DataFrame, path: Path, metrics=KEY_METRICS) -> Path:
    """Final-step comparison of scenarios: mean with 95% CI error bars."""
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
        ax.set_title(f"{metric} ({METRIC_BY_NAME[metric].unit})", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    step = int(summary["step"].iloc[0])
    fig.suptitle(f"Scenarios at the final month ({step}); bars: mean, whiskers: 95% CI", fontsize=12)
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
                 replications: int, master_seed: int, scale: float, filename: str = "report.md") -> Path:
    """report.md: what was run, what to notice, the figures and the final-step table."""
    if replications < 2:
        intervals = "With one replication there are no intervals (one run says nothing about the spread)."
    else:
        intervals = ("Intervals are 95% Student-t intervals over replications, taken on the logit scale for "
                     "shares and on the log scale for non-negative quantities, so they stay in range.")
    lines = [
        "# Shequ study report",
        "",
        f"{len(scenarios)} scenario(s) x {replications} replication(s), {steps} monthly steps, "
        f"master seed {master_seed}; each simulated resident stands for {1 / scale:g} real residents "
        f"(parameter `scale`). {intervals}",
        "Files: `timeseries.csv` (district, every month), `communities.csv` (every community, every "
        "month), `summary.csv` (final month), `manifest.json` (versions, seeds, full parameters).",
        "",
        "## Scenarios",
        "",
    ]
    for s in scenarios:
        lines += [f"### {s.name}: {escape(s.title_en or s.name)}", ""]
        if s.title_zh:
            lines += [f"*{escape(s.title_zh)}*", ""]
        for key in ("notice_en", "notice_zh"):
            lines_of_text = [line.strip() for line in s.about.get(key, "").splitlines() if line.strip()]
            text = ("" if key.endswith("zh") else " ").join(lines_of_text)   # Chinese has no spaces
            if text:
                lines += [escape(text), ""]
    lines += ["## Over time", "", "![Key metrics over time](timeseries.png)", "",
              "## At the final month", "", "![Final-month comparison](final_comparison.png)", "",
              "## Table (final month, " + ("mean [95% CI])" if replications > 1 else "mean; no interval from one "
                                                       "replication)"), ""]
    names = list(dict.fromkeys(summary["scenario"]))
    lines.append("| metric | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for metric in dict.fromkeys(summary["metric"]):
        cells = []
        for name in names:
            r = summary[(summary["scenario"] == name) & (summary["metric"] == metric)].iloc[0]
            ci = "" if r["ci_low"] != r["ci_low"] else f" [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            cells.append(f"{_fmt(r['mean'])}{ci}")
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    path = out / filename
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
