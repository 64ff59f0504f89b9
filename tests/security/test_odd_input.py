"""No input reaches a 500 (issue 19, item 8), against the service on loopback: NUL bytes in
search and form fields, an exception no route expected (answered cleanly, the keep-alive
connection kept), and the database gone (pages 503, /health 503, the providers' callbacks
answered in their failure form so they retry)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import requests

from server.services.residents import bulletins
from tests.companion.support import LiveServer, start_live
from tests.payfakes import wechat_notify, wechat_transaction
from tests.security.web_support import SETTINGS, add_staff, csrf_of, staff_browser

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.security.live_site", "tests.online_pay_fixtures"]
# Nothing listens on port 1: every connection is refused at once.
NO_DATABASE = "postgresql+psycopg://md@127.0.0.1:1/nowhere"
BAD_INPUT = "提交的内容含有无法处理的字符或数值"


def test_nul_bytes_in_fields_are_a_bad_request(site: LiveServer) -> None:
    add_staff(site, "reader1")
    browser = staff_browser(site, "reader1")
    for path in ("/staff/usage?q=A0%0001", "/staff/meters?meter_no=%00"):
        answer = browser.get(site.url + path, timeout=10)
        assert answer.status_code == 400 and BAD_INPUT in answer.text, (path, answer.text[:300])
    page = browser.get(f"{site.url}/staff/meters", timeout=10).text
    located = browser.post(
        f"{site.url}/staff/meters/location",
        data={"meter_no": "M1", "location": "3 栋\x00地下室", "csrf_token": csrf_of(page)},
        timeout=10,
    )
    assert located.status_code in (400, 404) and "系统出错" not in located.text
    fresh = requests.Session()
    login = fresh.get(f"{site.url}/staff/login", timeout=10).text
    answer = fresh.post(
        f"{site.url}/staff/login",
        data={"login": "ad\x00min", "password": "x", "csrf_token": csrf_of(login)},
        timeout=30,
    )
    assert answer.status_code == 400 and BAD_INPUT in answer.text
    # The session still works after each refusal.
    assert browser.get(f"{site.url}/staff/", timeout=10).status_code == 200


def test_an_unexpected_error_is_a_clean_page_and_keeps_the_connection(
    site: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(bulletins, "notices", broken)  # the server runs in this process
    where = urlsplit(site.url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        connection.request("GET", "/h5/notices")
        answer = connection.getresponse()
        page = answer.read().decode()
        assert answer.status == 500
        assert "系统出现意外错误，已记录，请稍后再试" in page and "RuntimeError" not in page
        assert answer.getheader("connection") != "close"
        connection.request("GET", "/health")  # the same connection, still open
        again = connection.getresponse()
        assert (again.status, again.read()) == (200, b"ok")
    finally:
        connection.close()


@pytest.fixture
def no_database() -> Iterator[LiveServer]:
    server = start_live(replace(SETTINGS, dev_login=True), NO_DATABASE)
    try:
        yield server
    finally:
        server.stop()


def test_with_the_database_gone_nothing_is_a_500(no_database: LiveServer) -> None:
    url = no_database.url
    assert requests.get(f"{url}/health", timeout=10).status_code == 503
    assert requests.get(f"{url}/healthz", timeout=10).status_code == 503
    page = requests.get(f"{url}/h5/notices", timeout=10)
    assert page.status_code == 503 and "系统暂时无法连接数据库" in page.text
    assert page.headers["Retry-After"] == "5"  # the proxy and browsers come back then
    login = requests.Session()
    form = login.get(f"{url}/staff/login", timeout=10).text
    answer = login.post(
        f"{url}/staff/login",
        data={"login": "clerk1", "password": "x", "csrf_token": csrf_of(form)},
        timeout=10,
    )
    assert answer.status_code == 503 and "系统暂时无法连接数据库" in answer.text


def test_callbacks_during_an_outage_get_the_providers_failure_form(pay_world: PayWorld) -> None:
    order = pay_world.order()
    outage = start_live(replace(SETTINGS, dev_login=True), NO_DATABASE)
    try:
        outage.app.state.online_pay = pay_world.runtime  # the same merchant, no database
        headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
        signed = requests.post(
            f"{outage.url}/pay/wechat/notify", data=body, headers=headers, timeout=10
        )
        assert (signed.status_code, signed.headers["Retry-After"]) == (503, "5")
        assert signed.json() == {"code": "FAIL", "message": "服务暂时不可用，请稍后重发"}
        forged = requests.post(
            f"{outage.url}/pay/wechat/notify", data=b'{"x": 1}',
            headers={"Content-Type": "application/json"}, timeout=10,
        )  # fmt: skip
        assert forged.status_code == 400 and forged.json()["code"] == "FAIL"
    finally:
        outage.stop()
    # Once the database is back (the real service), WeChat's retry settles the order.
    headers, body = wechat_notify(pay_world.keys, wechat_transaction(order.order_no, 6500))
    retried = requests.post(
        f"{pay_world.live.url}/pay/wechat/notify", data=body, headers=headers, timeout=10
    )
    assert retried.status_code == 204
