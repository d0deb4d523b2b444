"""Signing in to the console, and what the page itself promises: its policy, its token
kept out of localStorage, its language."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import BrowserErrors, Console, screenshot, sign_in


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(
    page: Page, console: Console, browser_errors: BrowserErrors
) -> None:
    browser_errors.allow("status of 401 (Unauthorized)")
    sign_in(page, console, "hangzhou.manager", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    screenshot(page, "sign-in-refused")
    page.fill("input[autocomplete=current-password]", "demo-pass-2026")
    page.click("button[type=submit]")
    expect(page.locator(".topbar")).to_contain_text("Sign out")
    assert page.evaluate("Object.keys(localStorage).filter(k => /token/i.test(k))") == []
    assert page.evaluate("sessionStorage.getItem('fieldforce.token')")


def test_the_console_page_carries_a_strict_policy(console: Console) -> None:
    r = httpx.get(f"{console.base}/console")
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert 'autocomplete="username"' not in r.text  # the form is rendered by the script
    config = httpx.get(f"{console.base}/console/config.json").json()
    assert [t["crs"] for t in config["tiles"]] == ["wgs84"]
