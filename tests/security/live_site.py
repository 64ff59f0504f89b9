"""The companion service as an attacker meets it: served on a loopback port against the
test's fresh database, in safe mode (AES key set), the development sign-in on only where a
test needs a resident (helpers to act on it in tests.security.web_support)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from server.companion.settings import CompanionSettings
from tests.companion.support import AES_KEY, APP_ID, TOKEN, LiveServer, start_live

SETTINGS = CompanionSettings(
    secret_key="security-test-secret-0123456789abcdef",
    token=TOKEN,
    app_id=APP_ID,
    app_secret="test-app-secret",
    aes_key=AES_KEY,
    base_url="",
    dev_login=False,
)


@pytest.fixture
def site(fresh_database_url: str) -> Iterator[LiveServer]:
    server = start_live(SETTINGS, fresh_database_url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dev_site(fresh_database_url: str) -> Iterator[LiveServer]:
    """The same with the development sign-in, to have a resident without WeChat's OAuth."""
    server = start_live(replace(SETTINGS, dev_login=True), fresh_database_url)
    try:
        yield server
    finally:
        server.stop()
