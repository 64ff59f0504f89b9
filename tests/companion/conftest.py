"""Fixtures of the companion service's tests: the app served in-process on a loopback port
against the test's fresh database, a stand-in for WeChat's servers, and a headless mobile
browser (Debian's chromium driven by playwright)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.companion.settings import CompanionSettings
from tests.companion.support import (
    AES_KEY,
    APP_ID,
    TOKEN,
    LiveServer,
    WechatStandIn,
    start_live,
)


@pytest.fixture
def standin() -> Iterator[WechatStandIn]:
    server = WechatStandIn()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def companion_settings(standin: WechatStandIn) -> CompanionSettings:
    return CompanionSettings(
        secret_key="test-secret-key-0123456789abcdef",
        token=TOKEN,
        app_id=APP_ID,
        app_secret="test-app-secret",
        aes_key=AES_KEY,
        api_url=standin.url,
        oauth_url=standin.url,
        templates={"bill": "T-BILL", "payment": "T-PAY", "outage": "T-OUT", "answer": "T-ANS"},
        base_url="",
        dev_login=False,
    )


@pytest.fixture
def live(fresh_database_url: str, companion_settings: CompanionSettings) -> Iterator[LiveServer]:
    server = start_live(companion_settings, fresh_database_url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 × 844, touch) in a fresh browser context (no cookies)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
