"""Registration on the phone with Alibaba Cloud SMS (its stand-in): the gateway's refusal is
shown to the resident in Chinese and nothing is kept, the code it sends registers the phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from server.services.residents.sms import AliyunSender, SmsSettings
from tests.companion.support import LiveServer, start_live
from tests.companion.test_h5_browser import sign_in_through_wechat
from tests.companion.test_sms import KEY_ID, SECRET, TEMPLATES, StandIn, aliyun_handle


@pytest.fixture
def aliyun() -> Iterator[StandIn]:
    server = StandIn(aliyun_handle)
    yield server
    server.stop()


@pytest.fixture
def live_aliyun(fresh_database_url, companion_settings, aliyun) -> Iterator[LiveServer]:
    sms = SmsSettings("aliyun", KEY_ID, SECRET, "水电保障中心", TEMPLATES, aliyun.url)
    server = start_live(companion_settings, fresh_database_url, AliyunSender(sms))
    yield server
    server.stop()


def test_registration_by_an_aliyun_sms(phone, live_aliyun, standin, aliyun):
    live = live_aliyun
    sign_in_through_wechat(phone, live, standin, "o-lisi")
    phone.goto(f"{live.url}/h5/register")

    # The gateway's minute limit (isv.BUSINESS_LIMIT_CONTROL): said in Chinese, and this
    # service's own limits are not used up by a message that never went out.
    phone.fill("#phone", "13900000001")
    phone.click("#send-code")
    assert phone.locator("[role=alert]").inner_text() == "发送过于频繁，请稍后再试"
    phone.click("#send-code")  # again at once: the gateway answers, not the 1-minute limit
    assert phone.locator("[role=alert]").inner_text() == "发送过于频繁，请稍后再试"
    assert [r["PhoneNumbers"] for r in aliyun.requests] == ["13900000001", "13900000001"]
    phone.fill("#phone", "13900000003")
    phone.click("#send-code")
    assert phone.locator("[role=alert]").inner_text() == "手机号码有误，请检查后重试"

    phone.fill("#phone", "13800000031")
    phone.click("#send-code")
    assert "验证码已发送" in phone.locator("[role=status]").inner_text()
    sent = aliyun.requests[-1]
    assert (sent["PhoneNumbers"], sent["TemplateCode"]) == ("13800000031", "SMS_0001")
    code = json.loads(sent["TemplateParam"])["code"]
    assert re.fullmatch(r"\d{6}", code)
    assert json.loads(sent["TemplateParam"])["minutes"] == "5"
    phone.fill("#code", code)
    phone.click("#register")
    phone.wait_for_url(re.compile(r".*/h5/bindings"))
    assert "注册成功" in phone.content()
