"""Errors a browser can meet on the resident's and staff pages answer as Chinese pages; the
callback and API routes keep the JSON their callers parse."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import requests
from sqlalchemy import select

from server.db.engine import unit_of_work
from server.db.models import Account
from tests import factories as f
from tests.companion.support import csrf_of
from tests.companion.test_h5_browser import sign_in_through_wechat
from tests.online_pay.test_online_pay_h5 import OPENID, resident

if TYPE_CHECKING:
    from tests.online_pay_fixtures import PayWorld

pytest_plugins = ["tests.online_pay_fixtures"]


def test_an_unknown_page_is_a_chinese_404_with_a_way_home(live):
    for path, home in (("/h5/no-such-page", "/h5/"), ("/staff/nope/1", "/staff/")):
        response = requests.get(f"{live.url}{path}", timeout=5)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "404 页面不存在" in response.text
        assert f'<a class="button" href="{home}">返回首页</a>' in response.text
        assert "Not Found" not in response.text
        # Each under its own header: the residents' centre or the staff's 内部业务.
        assert ('<a href="/staff/">内部业务</a>' in response.text) == (home == "/staff/")


def test_a_bad_parameter_is_named_in_chinese(live):
    response = requests.get(f"{live.url}/h5/usage?account=abc", timeout=5)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert (
        '<div class="error" role="alert">链接参数有误：参数 account 应为数字，收到「abc」</div>'
        in (response.text)
    )
    assert "int_parsing" not in response.text and "Input should be" not in response.text
    response = requests.get(f"{live.url}/h5/notices/x9", timeout=5)
    assert response.status_code == 400
    assert "参数 notice_id 应为数字，收到「x9」" in response.text


def test_a_wrong_method_on_a_page_is_a_chinese_page_too(live):
    response = requests.get(f"{live.url}/h5/bindings/3/unbind", timeout=5)
    assert response.status_code == 405
    assert "405 请求无法处理" in response.text


def test_callbacks_and_other_routes_keep_json(live):
    for method, path, status, body in (
        ("get", "/pay/wechat/notify", 405, {"detail": "Method Not Allowed"}),
        ("get", "/api/nothing", 404, {"detail": "Not Found"}),
    ):
        response = getattr(requests, method)(f"{live.url}{path}", timeout=5)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert response.json() == body
    # The JS-SDK signature answers its script in JSON, as before.
    response = requests.get(f"{live.url}/staff/jssdk?url=x", timeout=5)
    assert response.status_code == 401 and response.json() == {"error": "请先登录"}


def test_the_browser_shows_the_404_page_and_goes_home(phone, live, standin):
    sign_in_through_wechat(phone, live, standin, "o-lost")
    phone.goto(f"{live.url}/h5/bils")
    assert phone.title() == "404 页面不存在 · 水电保障中心"
    assert phone.locator("#problem h2").inner_text() == "404 页面不存在"
    phone.get_by_role("link", name="返回首页").click()
    phone.wait_for_url(re.compile(rf"{live.url}/h5/$"))
    phone.goto(f"{live.url}/h5/bills?account=abc")
    assert phone.locator("[role=alert]").inner_text() == (
        "链接参数有误：参数 account 应为数字，收到「abc」"
    )


def test_what_a_service_does_not_find_is_a_404_page(live):
    response = requests.get(f"{live.url}/h5/notices/987654", timeout=5)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<div class="error" role="alert">通知 987654 不存在</div>' in response.text
    assert '<a class="button" href="/h5/">返回首页</a>' in response.text


def test_paying_an_account_that_owes_nothing_is_a_409_page(pay_world: PayWorld) -> None:
    browser, _ = resident(pay_world)
    # A002 is prepaid and has no bills: nothing to pay, so the order is refused as it stands.
    with unit_of_work(pay_world.sessions) as session:
        prepaid = session.scalar(select(Account.id).where(Account.account_no == "A002"))
        f.bound_resident(session, OPENID, prepaid)
    page = browser.get(f"{pay_world.live.url}/h5/pay?account={prepaid}", timeout=10).text
    refused = browser.post(
        f"{pay_world.live.url}/h5/pay",
        data={"account": prepaid, "provider": "wechat", "csrf_token": csrf_of(page)},
        timeout=10,
    )
    assert refused.status_code == 409
    assert '<div class="error" role="alert">户号 A002 当前没有待缴账单</div>' in refused.text
    assert pay_world.standin.state.created == []
