"""A one-page HTML handout of a session, written to teach from: what was run (one run, which
seed), its settings in words, key figures with units beside the compared run, the charts, what
to notice, questions to discuss and room for notes.

Self-contained (the figure is embedded), so it opens on any laptop and prints on one A4 page
from the browser: the page is laid out in fixed millimetres, long texts are kept short and the
charts give way (down to 40 mm high) to whatever else needs the room.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from ..metrics import METRIC_BY_NAME
from ..report.i18n import format_value, metric_unit
from ..research.findings import cautions
from .figures import other_label, timeseries_figure
from .i18n import (
    kind_label,
    metric_label,
    param_label,
    param_value,
    scenario_about,
    scenario_questions,
    scenario_title,
    t,
)
from .state import ALL, LEVER_PARAMS, Session

# The figures a trainee reads first, in this order (names from model.metrics.METRICS).
KEY_METRICS = ("admin_share", "offloaded_tasks_per_worker", "requests_resolved_share", "participation_any",
               "trust", "satisfaction", "worker_turnover", "cost_per_resolved")
assert all(name in METRIC_BY_NAME for name in KEY_METRICS)
MAX_TEXT = 320        # characters of "what it represents" / "what to notice" printed (one page)


def _figure_png(session: Session, lang: str) -> str:
    buffer = io.BytesIO()
    timeseries_figure(session, lang, size=(10, 4.6), dpi=110).savefig(buffer, format="png",
                                                                         metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(text: str, lang: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    cut = text[:MAX_TEXT]
    end = max(cut.rfind(mark) for mark in ("。", ". ", "；", "; "))
    return cut[:end + 1] if end > MAX_TEXT // 2 else cut.rstrip() + "…"


def render(session: Session, lang: str) -> str:
    """The handout as an HTML document in ``lang``."""
    e = html.escape
    title = scenario_title(session.preset, lang)
    about, notice = (_short(text, lang) for text in scenario_about(session.preset, lang))
    settings = []
    for kind, lever in session.levers.items():
        if not lever.on:
            continue
        params = "; ".join(f"{param_label(f'{kind}.{k}', lang)}: {param_value(f'{kind}.{k}', lever.params[k], lang)}"
                           for k in LEVER_PARAMS[kind])
        settings.append(f"<li><b>{e(kind_label(kind, lang))}</b> — {e(t('start_month', lang))} "
                        f"{lever.start_month}{'; ' + e(params) if params else ''}</li>")
    if session.scope == ALL:
        scope = t("scope_all", lang)
    else:
        scope = ", ".join(t("community", lang, street=s + 1, n=c + 1) for s, c in sorted(session.scope))
    run, base = session.district(), session.district(baseline=True)
    other = other_label(session, lang)
    rows = []
    for metric in KEY_METRICS:
        value = run[metric].iloc[-1] if not run.empty else float("nan")
        cells = [metric_label(metric, lang), metric_unit(metric, lang), format_value(metric, value)]
        if not base.empty:
            b = base[metric].iloc[-1]
            change = format_value(metric, value - b, signed=True)
            if metric_unit(metric, lang) == "%":      # a difference of percentages is in percentage points
                change += t("points", lang)
            cells += [format_value(metric, b), change]
        rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    heads = [t("metric", lang), t("unit", lang), t("this_run", lang)]
    if not base.empty:
        heads += [other, t("change", lang)]
    head = "<tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>"
    starts = [lv.start_month for lv in session.levers.values() if lv.on]
    early = (f'<p class="warn">{e(t("too_early", lang, month=min(starts), months=session.month))}</p>'
             if starts and session.month <= min(starts) else "")
    meta = t("handout_meta", lang, seed=session.seed, months=session.month, communities=len(session.places()))
    questions = "".join(f"<li>{e(q)}</li>" for q in scenario_questions(session.preset, lang))
    # a conclusion the notice states that does not hold across the calibration's posterior (docs/findings.md)
    caution = "".join(f'<p class="warn">{e(c)}</p>' for c in cautions(session.preset.name, lang))
    figures_at = t("at_month", lang, month=max(session.month - 1, 0))
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{e(t('handout_title', lang, title=title))}</title>
<style>
@page {{ size: A4; margin: 10mm 12mm; }}
html, body {{ margin: 0; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 9.5pt;
       line-height: 1.3; width: 186mm; margin: auto; }}
.sheet {{ height: 274mm; overflow: hidden; display: flex; flex-direction: column; }}
.sheet > * {{ flex-shrink: 0; }}
h1 {{ font-size: 14pt; margin: 0 0 2pt; }} h2 {{ font-size: 10.5pt; margin: 5pt 0 1pt; }}
p {{ margin: 1pt 0; }} ul, ol {{ margin: 1pt 0; padding-left: 16pt; }} li {{ margin: 0; }}
.meta {{ color: #444; }} .warn {{ color: #b00; font-weight: bold; }}
.settings {{ column-count: 2; column-gap: 6mm; font-size: 8pt; line-height: 1.2; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }}
td, th {{ border-bottom: 1px solid #ccc; padding: 1pt 4pt; text-align: right; }}
td:first-child, th:first-child, td:nth-child(2), th:nth-child(2) {{ text-align: left; }}
td:not(:first-child) {{ white-space: nowrap; }} th {{ vertical-align: bottom; }}
.sheet > img {{ width: 100%; height: 72mm; min-height: 40mm; flex-shrink: 1; object-fit: contain; }}
.sheet > .notes {{ flex: 1 0 12mm; border: 1px solid #999; margin-top: 3pt; padding: 2pt 4pt; color: #666; }}
</style></head><body><div class="sheet">
<h1>{e(t('handout_title', lang, title=title))}</h1>
<p class="meta">{e(t('one_run', lang, seed=session.seed))} {e(meta)} · {date.today().isoformat()}</p>
{early}
<p>{e(about)}</p>
<h2>{e(t('settings', lang))}</h2>
<ul class="settings">{''.join(settings) or '<li>—</li>'}</ul>
<p>{e(t('scope', lang))}: {e(scope)}</p>
<h2>{e(t('key_figures', lang))} ({e(figures_at)}){'' if not base.empty else ' ' + e(t('no_baseline', lang))}</h2>
<table>{head}{''.join(rows)}</table>
<img alt="" src="data:image/png;base64,{_figure_png(session, lang)}">
{'' if notice.startswith(t('notice', lang)) else f"<h2>{e(t('notice', lang))}</h2>"}
<p>{e(notice)}</p>
{caution}
<h2>{e(t('questions', lang))}</h2>
<ol>{questions}</ol>
<div class="notes">{e(t('notes', lang))}</div>
</div></body></html>
"""


def settings_key(session: Session) -> str:
    """A short hash of everything a handout shows besides the month and language: the levers
    (reforms, parameters, pilot scope), the district overrides, the seed and the comparison."""
    settings = {"scenario": session.scenario.as_dict(), "overrides": session.overrides, "seed": session.seed,
                "compare": session.compare}
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:10]


def save(session: Session, lang: str, folder: Path | str = "results/handouts") -> Path:
    """Write the handout and return its path, named by scenario, seed, month, language and the
    settings' hash, so participants with other levers never share a file; written aside and
    renamed, so a reader never sees half of one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"{session.preset.name}-seed{session.seed}-month{session.month}-{settings_key(session)}"
                     f"-{lang}.html")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(render(session, lang))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
