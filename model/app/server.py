"""Start the workshop app on this machine, with every front-end file served locally.

Solara's page loads its front end from ``/_solara/cdn/...``, a CDN proxy whose cache
solara-assets fills at install time. Solara's own handler of that path deletes any cached folder
a request names and fetches (and caches) any path it lacks, so the app mounts its own handler
there instead: the installed cache, read-only, never deleted from, never fetched into. Nothing
leaves the machine while the app runs; telemetry is switched off.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import warnings
from pathlib import Path
from typing import Any

from ..errors import InputError

LOCAL = "127.0.0.1"
DEFAULT_PORT = 8765
CDN_PATH = "/_solara/cdn"       # where Solara's page loads its front end from


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
        if not sep or not name.strip():
            raise InputError(source, field, "name=value pairs separated by commas", item)
        try:
            overrides[name.strip()] = float(value) if "." in value else int(value)
        except ValueError:
            raise InputError(source, f"{field} {name.strip()}", "a number", value) from None
    validate_parameters(overrides, source=source, prefix=f"{field} ")
    return overrides


def read_only_cdn(app: Any, directory: Path | str) -> Any:
    """An ASGI app: requests under ``/_solara/cdn/`` get files from ``directory`` as they are
    (a folder, a missing or a foreign path: 404), everything else goes to ``app``."""
    from starlette.exceptions import HTTPException
    from starlette.responses import PlainTextResponse
    from starlette.staticfiles import StaticFiles

    files = StaticFiles(directory=str(directory), check_dir=False)

    async def serve(scope, receive, send):
        path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
        if path == CDN_PATH or path.startswith(CDN_PATH + "/"):
            if scope["type"] != "http":
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
            sub = path[len(CDN_PATH):] or "/"
            if sub.count("/") == 1 and len(sub) > 1:      # a bare package: Solara stores it as <name>/__main.js
                sub += "/__main.js"
            try:
                await files({**scope, "path": sub, "root_path": ""}, receive, send)
            except HTTPException as exc:        # not found, a folder, a method other than GET
                await PlainTextResponse(exc.detail, status_code=exc.status_code)(scope, receive, send)
            return
        await app(scope, receive, send)

    return serve


def build_app(cache: Path | str | None = None) -> Any:
    """Solara's app with its CDN route replaced by `read_only_cdn` over the installed cache."""
    import solara.server.settings
    from solara.server.starlette import app

    return read_only_cdn(app, cache or solara.server.settings.assets.proxy_cache_dir)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or a one-line InputError (an empty host, an address this
    machine does not have, a port in use) before anything is printed."""
    if not host.strip():
        raise InputError("command line", "--host", f"an address to listen on ({LOCAL} for this machine only, "
                         "0.0.0.0 for every network)", host)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise InputError("command line", "--host/--port", f"an address and port this machine can listen on "
                         f"({exc.strerror or exc})", f"{host}:{port}") from None
    return sock


def addresses(host: str, port: int) -> list[str]:
    """The URLs participants can open: the host itself, or each of this machine's addresses
    when listening on every interface; IPv6 in brackets."""
    def url(address: str) -> str:
        return f"http://[{address}]:{port}/" if ":" in address else f"http://{address}:{port}/"

    if host not in ("0.0.0.0", "::"):
        return [url(host)]
    import psutil
    found = [a.address.split("%")[0] for links in psutil.net_if_addrs().values() for a in links
             if a.family == (socket.AF_INET6 if host == "::" else socket.AF_INET)]
    return [url(a) for a in found if not ipaddress.ip_address(a).is_loopback] or [url(host)]


def is_loopback(host: str) -> bool:
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        return False


def main(host: str = LOCAL, port: int = DEFAULT_PORT, lang: str = "zh", overrides: str = "") -> None:
    """Serve the app at http://host:port/ until interrupted; prints the address once it listens."""
    sock = listen(host, port)
    os.environ.update(environment(lang, overrides))
    # plain http on this machine: Solara's note about cross-site cookies does not apply
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import uvicorn  # after the environment: solara reads its settings on import

    urls = addresses(host, port)
    print(f"Shequ workshop app: {'  '.join(urls)}  (Ctrl+C to stop)", flush=True)
    if not is_loopback(host):
        print(f"warning: --host {host}: anyone who can reach this machine on the network can open the app; "
              "it has no password", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(build_app(), log_level="warning"))
    server.run(sockets=[sock])


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
        main(args.host, args.port, args.lang, args.district)
    except InputError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    cli()
