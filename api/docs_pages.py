"""The API docs pages (Swagger UI at /docs, ReDoc at /redoc): FastAPI's pages, loading
exact versions of their scripts and stylesheet from the CDN, each checked by the browser
against its hash (subresource integrity). The pages' Content-Security-Policy
(``api.middleware``) allows exactly these files."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse


@dataclass(frozen=True)
class Asset:
    url: str
    integrity: str  # SHA-384 of the file as published in the npm package


_CDN = "https://cdn.jsdelivr.net/npm"
# A new version means new hashes: sha384 of the files in the npm package of that version.
SWAGGER_JS = Asset(
    f"{_CDN}/swagger-ui-dist@5.35.0/swagger-ui-bundle.js",
    "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9",
)
SWAGGER_CSS = Asset(
    f"{_CDN}/swagger-ui-dist@5.35.0/swagger-ui.css",
    "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
)
REDOC_JS = Asset(
    f"{_CDN}/redoc@2.5.4/bundles/redoc.standalone.js",
    "sha384-w447zOpYfw/1Tv/5AK9NfHTlQIqE3RVR6KY62jCyy9zNDgO64cMwGGP1Fj0zJVf5",
)
FAVICON = "https://fastapi.tiangolo.com/img/favicon.png"
SCRIPTS = (SWAGGER_JS, REDOC_JS)
STYLESHEETS = (SWAGGER_CSS,)


def with_integrity(page: HTMLResponse, *assets: Asset) -> HTMLResponse:
    """The page with each asset's tag carrying its hash, so that the browser refuses a file
    that is not the one pinned."""
    html = bytes(page.body).decode()
    for asset in assets:
        quoted = f'"{asset.url}"'
        if html.count(quoted) != 1:
            raise RuntimeError(f"the docs page does not load {asset.url} exactly once")
        html = html.replace(
            quoted, f'{quoted} integrity="{asset.integrity}" crossorigin="anonymous"'
        )
    return HTMLResponse(html)


def _under_root(request: Request, path: str) -> str:
    """The path as the browser reaches it behind a proxy that mounts the app under a prefix."""
    return str(request.scope.get("root_path", "")).rstrip("/") + path


def add_docs_pages(app: FastAPI, openapi_url: str) -> None:
    """/docs, /docs/oauth2-redirect and /redoc, as FastAPI would add them."""
    redirect_url = "/docs/oauth2-redirect"

    async def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=_under_root(request, openapi_url),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=SWAGGER_JS.url,
            swagger_css_url=SWAGGER_CSS.url,
            swagger_favicon_url=FAVICON,
            oauth2_redirect_url=_under_root(request, redirect_url),
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        return with_integrity(page, SWAGGER_JS, SWAGGER_CSS)

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=_under_root(request, openapi_url),
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS.url,
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,  # no third party beyond the CDN: system fonts
        )
        return with_integrity(page, REDOC_JS)

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route(redirect_url, swagger_ui_redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
