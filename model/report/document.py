"""The study report in two forms: report.md for reading beside the files, and report.html, one
self-contained page (figures embedded, no outside requests) that prints cleanly on A4.

The command line calls, after writing the CSV files::

    from model.report.document import write_reports
    paths = write_reports(out, scenarios, result.timeseries, summary, steps=..., replications=...,
                          master_seed=..., scale=..., lang="zh", reference="baseline")

which draws timeseries.png and final_comparison.png, writes differences.csv (when the study includes
the reference), report.md and report.html, and returns their paths by file name. ``uncertainty``
(``"seeds"``, or ``"plausible"``/``"posterior"`` with parameter uncertainty, see model.study.uncertainty)
says what the spread across replications includes; the figures and the report label their bands
with it, and the report's last section says which conclusions hold across the band. Every piece is also
callable on its own (``write_report``, ``write_html_report``, and the figure functions re-exported
from ``model.report.figures``). Headings, metric labels and units come from the registries in the chosen
language; scenario texts from user files are escaped; an interval that cannot be estimated is "—".
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..metrics import NOT_YET_HELD, TURNOUTS
from ..research.findings import cautions
from ..scenario import Scenario
from ..study.comparison import (
    MIN_PAIRS,
    ROBUST_SHARE,
    csv_encoding,
    differences_over_time,
    paired_differences,
)
from .figures import KEY_METRICS, plot_differences, plot_final, plot_timeseries
from .i18n import (
    BAND_SOURCES,
    about_text,
    band_source,
    check_lang,
    format_value,
    metric_label,
    metric_unit,
    scenario_title,
    word,
)

__all__ = ["KEY_METRICS", "plot_final", "plot_timeseries", "write_html_report", "write_report", "write_reports"]

FIGURES = (("timeseries.png", "over_time", "Key metrics over time"),
           ("final_comparison.png", "final", "Final-month comparison"),
           ("differences_over_time.png", "differences_over_time", "Paired differences over time"))
COLUMNS_PER_TABLE = 4     # scenario columns per printed table (A4 portrait, 8 pt)
CAPTIONS = {"over_time": "over_time_caption", "differences_over_time": "differences_over_time_caption"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(text: str) -> str:
    """User text made literal in Markdown (no links, emphasis, tables or raw HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _is_nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _cell(metric: str, mean, low, high, lang: str, *, signed: bool = False) -> tuple[str, bool]:
    """(text, has_no_interval) for a mean and its interval in display units."""
    if _is_nan(mean) or (metric in TURNOUTS and mean == 0 and high == 0 and not signed):
        return word("not_held", lang) if metric in NOT_YET_HELD and not signed else "—", True
    value = format_value(metric, mean, signed=signed)
    if _is_nan(low) or _is_nan(high):
        return f"{value} [—]", True
    return f"{value} [{format_value(metric, low, signed=signed)}, {format_value(metric, high, signed=signed)}]", False


def _summary_rows(summary: pd.DataFrame, names: list[str], lang: str, with_band: bool = False):
    """(metric, [cell text per scenario]) for each metric, and whether any cell lacks an interval;
    ``with_band`` adds the 5-95% band of the replications to each cell."""
    rows, missing = [], False
    index = summary.set_index(["scenario", "metric"])
    with_band = with_band and {"band_low", "band_high"} <= set(summary.columns)
    for metric in dict.fromkeys(summary["metric"]):
        cells = []
        for name in names:
            r = index.loc[(name, metric)]
            text, gap = _cell(metric, r["mean"], r["ci_low"], r["ci_high"], lang)
            if with_band and not gap and not _is_nan(r["band_low"]) and not _is_nan(r["band_high"]):
                text += "; " + word("band_cell", lang, low=format_value(metric, r["band_low"]),
                                    high=format_value(metric, r["band_high"]))
            cells.append(text)
            missing |= gap
        rows.append((metric, cells))
    return rows, missing


def _difference_rows(differences: pd.DataFrame, names: list[str], lang: str):
    """(metric, [(text, excludes_zero) per scenario]) for each metric, and whether any cell lacks an interval."""
    rows, missing = [], False
    index = differences.set_index(["scenario", "metric"])
    for metric in dict.fromkeys(differences["metric"]):
        cells = []
        for name in names:
            r = index.loc[(name, metric)]
            text, gap = _cell(metric, r["mean_difference"], r["ci_low"], r["ci_high"], lang, signed=True)
            missing |= gap
            strong = not gap and (r["ci_low"] > 0 or r["ci_high"] < 0)
            cells.append((text, bool(strong)))
        rows.append((metric, cells))
    return rows, missing


def _robust_rows(differences: pd.DataFrame, names: list[str], lang: str, uncertainty: str):
    """(metric, [(text, holds) per scenario]) for the headline metrics, and (holding, conclusions)."""
    depends = word("depends_seeds" if uncertainty == "seeds" else "depends_parameters", lang)
    index = differences.set_index(["scenario", "metric"])
    rows, held, total = [], 0, 0
    present = set(differences["metric"].unique())
    for metric in [m for m in KEY_METRICS if m in present]:
        cells = []
        for name in names:
            r = index.loc[(name, metric)]
            share = r.get("same_sign_share", float("nan"))
            if _is_nan(r["mean_difference"]) or _is_nan(share):
                cells.append(("—" if _is_nan(r["mean_difference"]) else word("no_difference", lang), False))
                continue
            holds = bool(r["holds"]) if "holds" in r.index else bool(r["robust"])
            total += 1
            held += holds
            if holds:
                verdict = word("holds", lang)
            elif not r.get("robust", False):
                verdict = depends
            elif r["replications"] < MIN_PAIRS:
                verdict = word("too_few", lang)
            else:
                verdict = word("too_small", lang)
            p_value = r.get("sign_test_p", float("nan"))
            shown = f"{share:.0%}" + ("" if _is_nan(p_value) else f" (p = {p_value:.2g})")
            cells.append((f"{format_value(metric, r['mean_difference'], signed=True)} · {shown} · {verdict}",
                          holds))
        rows.append((metric, cells))
    return rows, (held, total)


def _band_note(lang: str, uncertainty: str) -> str:
    """What the spread across replications includes, and where the parameter sets are."""
    note = word("band_note", lang, band=band_source(uncertainty, lang))
    return note if uncertainty == "seeds" else f"{note} {word('parameter_sets_file', lang)}"


def _robust_intro(reference_title: str, lang: str, uncertainty: str) -> str:
    return word("robustness_intro", lang, ref=reference_title, share=ROBUST_SHARE,
                paired="" if uncertainty == "seeds" else word("paired_parameters", lang),
                depends=word("depends_seeds" if uncertainty == "seeds" else "depends_parameters", lang),
                band=band_source(uncertainty, lang)) + " " + word("verdict_rule", lang, pairs=MIN_PAIRS,
                                                                   share=ROBUST_SHARE)


def _compared(summary: pd.DataFrame, steps: int, lang: str, window=None) -> str:
    """Which month (or window of months) the tables compare."""
    if window is not None:
        return word("compared_window", lang, a=window[0], b=window[1])
    month = int(summary["step"].iloc[0]) if "step" in summary and len(summary) else steps - 1
    return word("compared_at", lang, m=month)


def _metric_head(metric: str, lang: str, difference: bool = False) -> tuple[str, str]:
    return metric_label(metric, lang), metric_unit(metric, lang, difference=difference)


def _reforms(s: Scenario, lang: str) -> str:
    if not s.reforms:
        return word("no_reforms", lang)
    return "; ".join(f"{r.kind} ({word('month_n', lang, m=r.start_month)})" for r in s.reforms)


def _ref_title(by_name: dict, reference: str, lang: str) -> str:
    return scenario_title(by_name[reference], lang) if reference in by_name else reference


def _ordered(summary: pd.DataFrame, reference: str) -> list[str]:
    names = list(dict.fromkeys(summary["scenario"]))
    return ([reference] if reference in names else []) + [n for n in names if n != reference]


def write_report(out: Path, scenarios: list[Scenario], summary: pd.DataFrame, *, steps: int,
                 replications: int, master_seed: int, scale: float, lang: str = "en",
                 differences: pd.DataFrame | None = None, reference: str = "baseline",
                 uncertainty: str = "seeds", window: tuple[int, int] | None = None) -> Path:
    """report.md: what was run, what each scenario represents and what to notice, the figures,
    the final-month table, the paired differences from the reference, and which of those
    conclusions hold across the band of replications."""
    check_lang(lang)
    out = Path(out)
    by_name = {s.name: s for s in scenarios}
    names = _ordered(summary, reference)
    lines = [f"# {word('report_title', lang)}", "",
             word("method", lang, n=len(scenarios), r=replications, steps=steps, last=steps - 1,
                  seed=master_seed, per=1 / scale) + " " + _compared(summary, steps, lang, window) + " "
             + _band_note(lang, uncertainty),
             "", word("files", lang), "", word("how_to_read", lang), "", f"## {word('scenarios', lang)}", ""]
    for name in names:
        s = by_name.get(name)
        if s is None:
            continue
        lines += [f"### {md_escape(scenario_title(s, lang))} (`{s.name}`)", ""]
        for key in ("", "notice_"):       # the texts begin with "What it represents:" / "What to notice:"
            text = about_text(s, key, lang)
            if text:
                lines += [md_escape(text), ""]
        # a conclusion the notice states that does not hold across the calibration's posterior (docs/findings.md)
        lines += [f"**{md_escape(c)}**\n" for c in cautions(s.name, lang)]
        lines += [f"*{word('reforms', lang)}: {md_escape(_reforms(s, lang))}*", ""]
    for file, key, alt in FIGURES:
        if (out / file).exists():
            lines += [f"## {word(key, lang)}", "", f"![{alt}]({file})", ""]
            if key in CAPTIONS:
                lines += [word(CAPTIONS[key], lang), ""]
    lines += [f"## {word('table', lang)}", ""]
    rows, missing = _summary_rows(summary, names, lang, with_band=uncertainty != "seeds")
    lines.append(f"| {word('metric', lang)} | {word('unit', lang)} | "
                 + " | ".join(md_escape(scenario_title(by_name[n], lang)) if n in by_name else md_escape(n)
                              for n in names) + " |")
    lines.append("|---|---|" + "---:|" * len(names))
    for metric, cells in rows:
        label, unit = _metric_head(metric, lang)
        lines.append(f"| {label} `{metric}` | {unit} | " + " | ".join(cells) + " |")
    lines.append("")
    if differences is not None:       # None: not computed (no time series given), so no section
        lines += [f"## {word('differences', lang)}", ""]
    if differences is not None and differences.empty:
        lines += [word("no_reference", lang, ref=reference), ""]
    elif differences is not None:
        compared = set(differences["scenario"].unique())
        others = [n for n in names if n in compared]
        lines += [word("differences_intro", lang, ref=_ref_title(by_name, reference, lang)), ""]
        drows, dmissing = _difference_rows(differences, others, lang)
        missing |= dmissing
        lines.append(f"| {word('metric', lang)} | {word('unit', lang)} | "
                     + " | ".join(md_escape(scenario_title(by_name[n], lang)) if n in by_name else md_escape(n)
                                  for n in others) + " |")
        lines.append("|---|---|" + "---:|" * len(others))
        for metric, cells in drows:
            label, unit = _metric_head(metric, lang, difference=True)
            lines.append(f"| {label} `{metric}` | {unit} | "
                         + " | ".join(f"**{t}**" if strong else t for t, strong in cells) + " |")
        lines.append("")
        rrows, (held, total) = _robust_rows(differences, others, lang, uncertainty)
        lines += [f"## {word('robustness', lang)}", "",
                  _robust_intro(_ref_title(by_name, reference, lang), lang, uncertainty), "",
                  word("robustness_count", lang, k=held, n=total), ""]
        lines.append(f"| {word('metric', lang)} | {word('unit', lang)} | "
                     + " | ".join(md_escape(scenario_title(by_name[n], lang)) if n in by_name else md_escape(n)
                                  for n in others) + " |")
        lines.append("|---|---|" + "---:|" * len(others))
        for metric, cells in rrows:
            label, unit = _metric_head(metric, lang, difference=True)
            lines.append(f"| {label} `{metric}` | {unit} | "
                         + " | ".join(f"**{t}**" if holds else t for t, holds in cells) + " |")
        lines.append("")
    if missing:
        lines += [word("nan_note", lang), ""]
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


CSS = """
@page { size: A4; margin: 15mm; }
:root { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
        "Hiragino Sans GB", "SimHei", "WenQuanYi Micro Hei", sans-serif; font-size: 10.5pt; line-height: 1.5;
        color: #111; }
body { max-width: 190mm; margin: 0 auto; padding: 0 4mm; }
h1 { font-size: 18pt; margin: 0.2em 0 0.4em; }
h2 { font-size: 14pt; margin-top: 1.4em; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 1em 0 0.2em; break-after: avoid; }
code { font-size: 8pt; color: #555; }
p.note { font-size: 9pt; color: #333; }
p.warn { color: #b00; font-weight: bold; }
section.scenario { break-inside: avoid; }
figure { margin: 0.6em 0; break-inside: avoid; }
figure img { width: 100%; height: auto; max-height: 250mm; object-fit: contain; }
section.block { break-inside: avoid-page; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
p { orphans: 3; widows: 3; }
table + table { margin-top: 1em; }
figcaption { font-size: 9pt; color: #333; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 2px 4px; vertical-align: top; }
th { background: #eee; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
td.strong { font-weight: bold; }
th.ref, td.ref { background: #f4f4f4; }
@media print { body { max-width: none; padding: 0; } h2 { break-before: auto; } }
"""


def _image(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def write_html_report(out: Path, scenarios: list[Scenario], summary: pd.DataFrame, *, steps: int,
                      replications: int, master_seed: int, scale: float, lang: str = "en",
                      differences: pd.DataFrame | None = None, reference: str = "baseline",
                      uncertainty: str = "seeds", window: tuple[int, int] | None = None) -> Path:
    """report.html: the same content as report.md on one self-contained page for printing on A4."""
    check_lang(lang)
    out = Path(out)
    e = html.escape
    by_name = {s.name: s for s in scenarios}
    names = _ordered(summary, reference)

    def head(n: str) -> str:
        title = scenario_title(by_name[n], lang) if n in by_name else n
        cls = ' class="ref"' if n == reference else ""
        return f"<th{cls}>{e(title)}<br><code>{e(n)}</code></th>"

    def metric_cells(metric: str, difference: bool = False) -> str:
        label, unit = _metric_head(metric, lang, difference)
        return f"<td>{e(label)}<br><code>{e(metric)}</code></td><td>{e(unit)}</td>"

    body = [f"<h1>{e(word('report_title', lang))}</h1>",
            f"<p>{e(word('method', lang, n=len(scenarios), r=replications, steps=steps, last=steps - 1, seed=master_seed, per=1 / scale))} "  # noqa: E501
            f"{e(_compared(summary, steps, lang, window))} {e(_band_note(lang, uncertainty))}</p>",
            f"<p class='note'>{e(word('files', lang))}</p>",
            f"<p class='note'>{e(word('how_to_read', lang))}</p>",
            f"<h2>{e(word('scenarios', lang))}</h2>"]
    for name in names:
        s = by_name.get(name)
        if s is None:
            continue
        body.append(f"<section class='scenario'><h3>{e(scenario_title(s, lang))} <code>{e(s.name)}</code></h3>")
        for key in ("", "notice_"):
            text = about_text(s, key, lang)
            if text:
                body.append(f"<p>{e(text)}</p>")
        body += [f"<p class='warn'>{e(c)}</p>" for c in cautions(s.name, lang)]
        body.append(f"<p class='note'>{e(word('reforms', lang))}: {e(_reforms(s, lang))}</p></section>")
    for file, key, _alt in FIGURES:
        if (out / file).exists():
            caption = word(CAPTIONS[key], lang) if key in CAPTIONS else ""
            # heading and figure in one block that never breaks, so a heading is never alone at a page foot
            body.append(f"<section class='block'><h2>{e(word(key, lang))}</h2><figure><img src='{_image(out / file)}' "
                        f"alt='{e(word(key, lang))}'><figcaption>{e(caption)}</figcaption></figure></section>")
    def tables(columns: list[str], rows, difference: bool, cell) -> None:
        """One table per COLUMNS_PER_TABLE scenarios, so every scenario fits the printed page."""
        for start in range(0, max(len(columns), 1), COLUMNS_PER_TABLE):
            part = columns[start:start + COLUMNS_PER_TABLE]
            body.append(f"<table><thead><tr><th>{e(word('metric', lang))}</th><th>{e(word('unit', lang))}</th>"
                        + "".join(head(n) for n in part) + "</tr></thead><tbody>")
            for metric, cells in rows:
                body.append("<tr>" + metric_cells(metric, difference) + "".join(
                    cell(n, c) for n, c in zip(part, cells[start:start + COLUMNS_PER_TABLE], strict=True)) + "</tr>")
            body.append("</tbody></table>")

    rows, missing = _summary_rows(summary, names, lang, with_band=uncertainty != "seeds")
    body.append(f"<h2>{e(word('table', lang))}</h2>")
    tables(names, rows, False, lambda n, c: f"<td class='num{' ref' if n == reference else ''}'>{e(c)}</td>")
    if differences is not None:
        body.append(f"<h2>{e(word('differences', lang))}</h2>")
    if differences is not None and differences.empty:
        body.append(f"<p>{e(word('no_reference', lang, ref=reference))}</p>")
    elif differences is not None:
        compared = set(differences["scenario"].unique())
        others = [n for n in names if n in compared]
        drows, dmissing = _difference_rows(differences, others, lang)
        missing |= dmissing
        intro = word("differences_intro", lang, ref=_ref_title(by_name, reference, lang))
        body.append(f"<p>{e(intro)}</p>")
        tables(others, drows, True, lambda n, c: f"<td class='num{' strong' if c[1] else ''}'>{e(c[0])}</td>")
        rrows, (held, total) = _robust_rows(differences, others, lang, uncertainty)
        body.append(f"<h2>{e(word('robustness', lang))}</h2>"
                    f"<p>{e(_robust_intro(_ref_title(by_name, reference, lang), lang, uncertainty))}</p>"
                    f"<p>{e(word('robustness_count', lang, k=held, n=total))}</p>")
        tables(others, rrows, True, lambda n, c: f"<td class='num{' strong' if c[1] else ''}'>{e(c[0])}</td>")
    if missing:
        body.append(f"<p class='note'>{e(word('nan_note', lang))}</p>")
    page = ("<!DOCTYPE html>\n"
            f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{e(word('report_title', lang))}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_reports(out: Path, scenarios: list[Scenario], timeseries: pd.DataFrame, summary: pd.DataFrame, *,
                  steps: int, replications: int, master_seed: int, scale: float, lang: str = "en",
                  reference: str = "baseline", uncertainty: str = "seeds", step: int | None = None,
                  window: tuple[int, int] | None = None) -> dict[str, Path]:
    """Figures, differences.csv (if the study has the reference), report.md and report.html. The
    differences compare month ``step`` (the last by default) or each replication's average over
    ``window`` = (first, last) months; ``summary`` should be summarised the same way."""
    check_lang(lang)
    if uncertainty not in BAND_SOURCES:
        raise InputError("write_reports", "uncertainty", "one of " + ", ".join(BAND_SOURCES), uncertainty)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "timeseries.png": plot_timeseries(timeseries, out / "timeseries.png", scenarios=scenarios, lang=lang,
                                          reference=reference, uncertainty=uncertainty),
        "final_comparison.png": plot_final(summary, out / "final_comparison.png", scenarios=scenarios, lang=lang,
                                           reference=reference, uncertainty=uncertainty),
    }
    differences = paired_differences(timeseries, reference=reference, step=step, window=window)
    if not differences.empty:
        paths["differences.csv"] = out / "differences.csv"
        differences.to_csv(paths["differences.csv"], index=False, float_format="%.6g",
                           encoding=csv_encoding(differences))
        over_time = differences_over_time(timeseries, reference=reference,
                                          metrics=[m for m in KEY_METRICS if m in timeseries.columns])
        if over_time["step"].nunique() > 1:
            paths["differences_over_time.png"] = plot_differences(
                over_time, out / "differences_over_time.png", scenarios=scenarios, lang=lang, reference=reference)
    common = {"steps": steps, "replications": replications, "master_seed": master_seed, "scale": scale,
              "lang": lang, "differences": differences, "reference": reference, "uncertainty": uncertainty,
              "window": window}
    paths["report.md"] = write_report(out, scenarios, summary, **common)
    paths["report.html"] = write_html_report(out, scenarios, summary, **common)
    return paths
