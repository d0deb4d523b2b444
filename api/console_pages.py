"""The web console at ``/console``: one HTML page (its scripts and styles built from
``api/console`` by esbuild) with a Content-Security-Policy of its own, the built files,
and the map configuration the page reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from fieldforce.settings import Settings, tile_origin

BUILT = Path(__file__).resolve().parent / "console" / "dist"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fieldforce console</title>
<link rel="icon" href="/console/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/static/{style}">
<script type="module" src="/console/static/{script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The fieldforce console needs JavaScript.</noscript>
</body>
</html>
"""

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fieldforce console</title></head>
<body><p>The console has not been built: run <code>scripts/setup</code>
(it installs the console's npm packages and builds it).</p></body></html>
"""


@dataclass(frozen=True)
class Built:
    script: str
    style: str


def _built(directory: Path) -> Built | None:
    """The current build, as its manifest names it (read again when a build replaced it)."""
    try:
        return _read_manifest(directory / "manifest.json", (directory / "manifest.json").stat())
    except OSError:
        return None


@lru_cache(maxsize=4)
def _read_manifest(path: Path, stat: object) -> Built | None:
    try:
        manifest = json.loads(path.read_text())
        return Built(script=str(manifest["script"]), style=str(manifest["style"]))
    except (OSError, ValueError, KeyError):
        return None


def console_csp(settings: Settings) -> str:
    """Scripts and styles from this origin only, no inline script, no framing; images also
    from the configured tile servers (and data:/blob: URLs Leaflet makes)."""
    tiles = " ".join(sorted({tile_origin(t.url) for t in settings.console_tiles}))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob: {tiles}".rstrip()
        + "; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def add_console(app: FastAPI, settings: Settings) -> None:
    directory = settings.console_dir or BUILT
    router = APIRouter(include_in_schema=False)
    csp = console_csp(settings)

    @router.get("/console", response_class=HTMLResponse)
    @router.get("/console/", response_class=HTMLResponse)
    def console_page() -> Response:
        built = _built(directory)
        if built is None:
            return HTMLResponse(
                NOT_BUILT, status_code=503, headers={"Content-Security-Policy": csp}
            )
        page = PAGE.format(style=escape(built.style), script=escape(built.script))
        return HTMLResponse(
            page, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"}
        )

    @router.get("/console/config.json")
    def console_config() -> JSONResponse:
        tiles = [t.model_dump() for t in settings.console_tiles]
        return JSONResponse({"tiles": tiles}, headers={"Cache-Control": "no-cache"})

    app.include_router(router)
    # the bundle is compressed on the way (phones on mobile networks); only the console's
    # own files are, never an API answer (a token beside attacker-chosen text)
    files = GZipMiddleware(StaticFiles(directory=directory, check_dir=False), minimum_size=1024)
    app.mount("/console/static", files, name="console-static")
