"""A one-page HTML handout of a session: settings, key figures and the change against the baseline.

Self-contained (the figure is embedded), so it opens on any laptop and prints to PDF from the browser.
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

from .figures import timeseries_figure
from .i18n import kind_label, metric_label, param_label, scenario_about, scenario_title, t
from .state import ALL, LEVER_PARAMS, Session

KEY_METRICS = ("participation_any", "requests_resolved_share", "admin_share", "offloaded_tasks_per_worker",
               "trust", "satisfaction", "worker_turnover", "cost_per_resolved")


def _figure_png(session: Session, lang: str) -> str:
    buffer = io.BytesIO()
    timeseries_figure(session, lang).savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render(session: Session, lang: str) -> str:
    """The handout as an HTML document in ``lang``."""
    e = html.escape
    title = scenario_title(session.preset, lang)
    about, notice = scenario_about(session.preset, lang)
    settings = []
    for kind, lever in session.levers.items():
        if not lever.on:
            continue
        params = "; ".join(f"{param_label(f'{kind}.{k}', lang)} = {lever.params[k]}" for k in LEVER_PARAMS[kind])
        settings.append(f"<li><b>{e(kind_label(kind, lang))}</b> — {e(t('start_month', lang))} "
                        f"{lever.start_month}{'; ' + e(params) if params else ''}</li>")
    if session.scope == ALL:
        scope = t("scope_all", lang)
    else:
        scope = ", ".join(t("community", lang, street=s + 1, n=c + 1) for s, c in sorted(session.scope))
    run, base = session.district(), session.district(baseline=True)
    rows = []
    for metric in KEY_METRICS:
        value = run[metric].iloc[-1] if not run.empty else float("nan")
        if base.empty:
            rows.append(f"<tr><td>{e(metric_label(metric, lang))}</td><td>{value:.3g}</td><td></td><td></td></tr>")
        else:
            b = base[metric].iloc[-1]
            rows.append(f"<tr><td>{e(metric_label(metric, lang))}</td><td>{value:.3g}</td><td>{b:.3g}</td>"
                        f"<td>{value - b:+.3g}</td></tr>")
    head = (f"<tr><th>{e(t('metric', lang))}</th><th>{e(t('this_run', lang))}</th>"
            f"<th>{e(t('baseline', lang))}</th><th>{e(t('change', lang))}</th></tr>")
    meta = t("handout_meta", lang, seed=session.seed, months=session.month, communities=len(session.places()))
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{e(t('handout_title', lang, title=title))}</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 11pt;
       max-width: 190mm; margin: auto; }}
h1 {{ font-size: 16pt; margin-bottom: 2pt; }} h2 {{ font-size: 12pt; margin: 8pt 0 2pt; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ccc; padding: 2pt 8pt; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }} img {{ width: 100%; }} p {{ margin: 2pt 0; }}
</style></head><body>
<h1>{e(t('handout_title', lang, title=title))}</h1>
<p>{e(meta)} · {date.today().isoformat()}</p>
<p>{e(about)}</p>
<h2>{e(t('settings', lang))}</h2>
<ul>{''.join(settings)}</ul>
<p>{e(t('scope', lang))}: {e(scope)}</p>
<h2>{e(t('key_figures', lang))}{'' if not base.empty else ' ' + e(t('no_baseline', lang))}</h2>
<table>{head}{''.join(rows)}</table>
<img alt="" src="data:image/png;base64,{_figure_png(session, lang)}">
<p>{e(notice)}</p>
</body></html>
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
