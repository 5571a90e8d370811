"""Start the workshop app on this machine, with every front-end file served locally.

Solara fetches its front end through a CDN proxy whose cache solara-assets fills at install
time, so nothing is fetched while the app runs; telemetry is switched off.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any

from ..errors import InputError

LOCAL = "127.0.0.1"
DEFAULT_PORT = 8765


def environment(lang: str, overrides: str = "") -> dict[str, str]:
    """Environment for the Solara server: our page, local assets only, no telemetry."""
    return {
        "SOLARA_APP": "model.app.page",
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SHEQU_LANG": lang,
        "SHEQU_APP_OVERRIDES": overrides,
    }


def parse_district(text: str, source: str = "command line", field: str = "--district") -> dict[str, Any]:
    """``"n_streets=3,scale=0.02"`` -> validated base-parameter overrides (InputError if not)."""
    from ..scenario import validate_parameters

    overrides: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(source, field, "name=value pairs separated by commas", item)
        try:
            overrides[name.strip()] = float(value) if "." in value else int(value)
        except ValueError:
            raise InputError(source, f"{field} {name.strip()}", "a number", value) from None
    validate_parameters(overrides, source=source, prefix=f"{field} ")
    return overrides


def main(host: str = LOCAL, port: int = DEFAULT_PORT, lang: str = "zh", overrides: str = "") -> None:
    """Serve the app at http://host:port/ until interrupted; prints the address first."""
    os.environ.update(environment(lang, overrides))
    # plain http on this machine: Solara's note about cross-site cookies does not apply
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import uvicorn  # after the environment: solara reads its settings on import

    print(f"Shequ workshop app: http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")


def cli(argv: list[str] | None = None) -> None:
    """`python -m model.app.server [--host H] [--port P] [--lang zh|en]`."""
    parser = argparse.ArgumentParser(prog="shequ app", description="Start the workshop app in the browser.")
    parser.add_argument("--host", default=LOCAL, help=f"address to listen on (default {LOCAL}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="first language (switchable in the app)")
    parser.add_argument("--district", default="", help="size overrides, e.g. n_streets=3,communities_per_street=4")
    args = parser.parse_args(argv)
    try:
        parse_district(args.district)
    except InputError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    main(args.host, args.port, args.lang, args.district)


if __name__ == "__main__":
    cli()
