"""Acting on the served companion as a browser would: CSRF tokens, a registered resident,
a signed-in staff member."""

from __future__ import annotations

import re

import requests
from sqlalchemy import text

from server.companion.settings import CompanionSettings
from server.db.engine import unit_of_work
from tests import factories
from tests.companion.support import AES_KEY, APP_ID, TOKEN, LiveServer

# The account in safe mode (AES key set), the development sign-in off.
SETTINGS = CompanionSettings(
    secret_key="security-test-secret-0123456789abcdef",
    token=TOKEN,
    app_id=APP_ID,
    app_secret="test-app-secret",
    aes_key=AES_KEY,
    base_url="",
    dev_login=False,
)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def registered_resident(site: LiveServer, openid: str) -> tuple[requests.Session, int]:
    """A resident signed in (development sign-in) whose phone is verified: (browser, user id)."""
    browser = requests.Session()
    page = browser.get(f"{site.url}/h5/login", timeout=10).text
    browser.post(
        f"{site.url}/h5/dev-login", data={"openid": openid, "csrf_token": csrf_of(page)},
        timeout=10,
    )  # fmt: skip
    with unit_of_work(site.sessions) as session:
        user_id = session.scalar(
            text(
                "update wechat_user set phone = '13800138000', phone_verified_at = now()"
                " where openid = :o returning id"
            ),
            {"o": openid},
        )
    assert isinstance(user_id, int)
    return browser, user_id


def staff_browser(site: LiveServer, login: str, password: str = "Counter2026") -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{site.url}/staff/login", timeout=10).text
    answer = browser.post(
        f"{site.url}/staff/login",
        data={"login": login, "password": password, "csrf_token": csrf_of(page)},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.url.endswith("/staff/"), answer.text[:300]
    return browser


def add_staff(site: LiveServer, login: str, role: str = "reader") -> None:
    with unit_of_work(site.sessions) as session:
        factories.branches(session)
        factories.staff(session, login, role)
