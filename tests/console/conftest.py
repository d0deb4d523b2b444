"""The console in a real browser: Debian's chromium driven by Playwright, against a real
server (uvicorn in this process) on its own database holding the demo tenant. The
database is committed to (the browser's requests are real), so it is separate from the
rolled-back one the other tests use; tests that change data change what they made."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.attachments.store import Store
from fieldforce.db import make_engine, make_sessionmaker
from fieldforce.demo import DEMO_PASSWORD, DemoSummary, build_demo
from fieldforce.jobs import jobs_for, run_job
from fieldforce.migrate import upgrade
from fieldforce.settings import Settings, TileSource
from tests.conftest import TEST_SECRET
from tests.processes import serving_in_thread

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "console-screenshots"
TENANT = "demo-provincial-mobile"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class Console:
    """The running console: its base URL, the demo it shows, and a plain HTTP client for
    asking the API what the browser should show."""

    base: str
    demo: DemoSummary
    factory: sessionmaker[Session]
    timings: dict[str, float] = field(default_factory=dict)

    def token(self, login: str) -> str:
        r = httpx.post(
            f"{self.base}/api/v1/auth/token",
            data={"username": f"{TENANT}/{login}", "password": DEMO_PASSWORD},
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def api(self, login: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(login)}"}
        return httpx.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def console_engine(database_url: str) -> Iterator[Engine]:
    """A database of its own in the test cluster, built by the migrations."""
    url = make_url(database_url)
    name = "fieldforce_console"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    own = url.set(database=name).render_as_string(hide_password=False)
    upgrade(url=own)
    engine = make_engine(own, pool_size=6)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def tile_server() -> Iterator[str]:
    """A tile server on loopback answering every tile with the same small image, so that a
    configured base map loads without the internet."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (225, 232, 220)).save(buffer, format="PNG")
    tile = buffer.getvalue()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        headers = [(b"content-type", b"image/png"), (b"access-control-allow-origin", b"*")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": tile})

    with serving_in_thread(app) as base:
        yield base


def console_settings(tiles: list[TileSource]) -> Settings:
    return Settings(mode="test", secret_key=TEST_SECRET, console_tiles=tiles)


@pytest.fixture(scope="session")
def console(console_engine: Engine, tile_server: str) -> Iterator[Console]:
    factory = make_sessionmaker(console_engine)
    settings = console_settings(
        [TileSource(name="Plain", url=f"{tile_server}/{{z}}/{{x}}/{{y}}.png", crs="wgs84")]
    )
    assert run_job(factory, jobs_for(settings)[0])  # today's ping partitions
    started = time.perf_counter()
    demo = build_demo(factory, push=False, store=Store(settings.data_dir))
    timings = {"demo_build_s": time.perf_counter() - started}
    with serving_in_thread(create_app(settings, factory)) as base:
        yield Console(base, demo, factory, timings)


# Per module, not per session: Playwright's synchronous API keeps an event loop running in
# the test thread while it is open, and tests after the console's call asyncio.run().
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run scripts/setup --browser")
    browser = playwright.chromium.launch(
        executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
    )
    yield browser
    browser.close()


class BrowserErrors:
    """What the browser's console said at level error, and uncaught page errors."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.allowed: list[str] = []

    def allow(self, text: str) -> None:
        """A message containing ``text`` is expected (a refusal the test provokes)."""
        self.allowed.append(text)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(a in m for a in self.allowed)]

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text} at {message.location}")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"page error: {error}")


def open_page(
    browser: Browser,
    errors: BrowserErrors,
    viewport: ViewportSize = DESK,
    **options: Any,
) -> tuple[BrowserContext, Page]:
    options.setdefault("locale", "en-GB")
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", errors.console)
    page.on("pageerror", errors.page_error)
    return context, page


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def page(browser: Browser, browser_errors: BrowserErrors) -> Iterator[Page]:
    """A fresh browser tab (its own storage); the test fails if the page logged an error
    it did not expect."""
    context, page = open_page(browser, browser_errors)
    yield page
    context.close()
    assert browser_errors.unexpected() == []


def sign_in(
    page: Page, console: Console, login: str, password: str = DEMO_PASSWORD, at: str = ""
) -> None:
    """Signs in on the console's page, or on a link into it (``at``: "/notices?tab=tasks")."""
    page.goto(f"{console.base}/console" + (f"#{at}" if at else ""))
    page.fill("input[autocomplete=organization]", TENANT)
    page.fill("input[autocomplete=username]", login)
    page.fill("input[autocomplete=current-password]", password)
    page.click("button[type=submit]")


def screenshot(page: Page, name: str) -> Path:
    """Saves the page as build/console-screenshots/<name>.png and checks it is not blank
    (a page that failed to render is one colour, or nearly)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    png = page.screenshot(path=str(path), full_page=False)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20, f"{name}: the screenshot is nearly blank"
    return path


def wait_until(page: Page, script: str, arg: Any = None, timeout_s: float = 15) -> Any:
    """Polls ``script`` (a JS function of ``arg``) until it returns something truthy, and
    returns that. Playwright's wait_for_function compiles its predicate with eval inside
    the page, which the console's policy forbids; page.evaluate is not affected."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = page.evaluate(script, arg)
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never satisfied: {script}")
        page.wait_for_timeout(100)


@pytest.fixture
def shanghai_page(browser: Browser) -> Iterator[Page]:
    """A tab whose clock is the demo tenant's (its days are the tenant's)."""
    errors = BrowserErrors()
    context, page = open_page(browser, errors, timezone_id="Asia/Shanghai")
    yield page
    context.close()
    assert errors.unexpected() == []
