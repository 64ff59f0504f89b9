"""The companion service as an attacker meets it: served on a loopback port against the
test's fresh database, in safe mode (AES key set), the development sign-in on only where a
test needs a resident (helpers to act on it in tests.security.web_support)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.companion.support import LiveServer, start_live
from tests.security.web_support import SETTINGS


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
