"""Errors a browser can meet on the resident's and staff pages answer as Chinese pages; the
callback and API routes keep the JSON their callers parse."""

from __future__ import annotations

import re

import requests

from tests.companion.test_h5_browser import sign_in_through_wechat


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
