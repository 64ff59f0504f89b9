"""SMS through Alibaba Cloud and Tencent Cloud, each against a local stand-in that checks the
request the way the gateway does (signature, parameters) and answers its success and error
shapes; the signatures are also computed here by hand from the documented algorithms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlparse

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.config import load_settings
from server.db.base import Base
from server.services.residents import sms
from server.services.residents.sms import (
    AliyunSender,
    SmsError,
    SmsSettings,
    TencentSender,
    aliyun_signature,
    console_warning,
    send_sms,
    tencent_authorization,
)

KEY_ID, SECRET = "testid", "testsecret"
MOMENT = datetime(2026, 12, 7, 6, 30, 15, tzinfo=UTC)  # 1796625015
TEMPLATES = {
    "code": "SMS_0001",
    "reminder": "SMS_0002",
    "low_balance": "SMS_0003",
    "task": "SMS_0004",
}


class StandIn:
    """A gateway on a loopback port: `answer(phone)` decides the reply to each phone."""

    def __init__(self, handle: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, data = handle(stand_in, self, body)
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _reply

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Alibaba Cloud ---------------------------------------------------------------------------

ALIYUN_ERRORS = {
    "13900000001": ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
    "13900000002": ("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)"),
    "13900000003": ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    "13900000004": ("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法(不存在或被拉黑)"),
    "13900000005": ("isv.DAY_LIMIT_CONTROL", "触发日发送限额"),
    "13900000006": ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"),
    "13900000007": ("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10"),
}
# Answered 503 with Alibaba's gateway error, and not answered within the sender's timeout.
ALIYUN_UNAVAILABLE, ALIYUN_SLOW = "13900000008", "13900000009"


def _pop_encode(text: str) -> str:
    # As the POP documentation puts it: URL-encode (UTF-8), then "+" → %20, "*" → %2A,
    # "%7E" → "~".
    return (
        quote_plus(text, encoding="utf-8")
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~")
    )


def aliyun_handle(stand_in: StandIn, request: BaseHTTPRequestHandler, body: bytes):
    url = urlparse(request.path)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    stand_in.requests.append(query)
    request_id = f"REQ-{len(stand_in.requests)}"
    given = query.pop("Signature", "")
    canonical = "&".join(f"{_pop_encode(k)}={_pop_encode(v)}" for k, v in sorted(query.items()))
    to_sign = "GET&%2F&" + _pop_encode(canonical)
    expected = base64.b64encode(
        hmac.new(f"{SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    if query.get("AccessKeyId") != KEY_ID:
        return 404, {
            "RequestId": request_id,
            "Code": "InvalidAccessKeyId.NotFound",
            "Message": "Specified access key is not found.",
        }
    if given != expected:
        return 400, {
            "RequestId": request_id,
            "Code": "SignatureDoesNotMatch",
            "Message": f"Specified signature is not matched with our calculation. "
            f"server string to sign is:{to_sign}",
        }
    fixed = {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
    }
    if any(query.get(k) != v for k, v in fixed.items()) or not query.get("SignatureNonce"):
        return 400, {"RequestId": request_id, "Code": "MissingParameter", "Message": "bad"}
    if query["TemplateCode"] not in TEMPLATES.values():
        return 200, {
            "RequestId": request_id,
            "Code": "isv.SMS_TEMPLATE_ILLEGAL",
            "Message": "模板不合法(不存在或被拉黑)",
        }
    json.loads(query["TemplateParam"])
    if query["PhoneNumbers"] == ALIYUN_UNAVAILABLE:
        return 503, {
            "RequestId": request_id,
            "Code": "ServiceUnavailable",
            "Message": "The request has failed due to a temporary failure of the server.",
        }
    if query["PhoneNumbers"] == ALIYUN_SLOW:
        time.sleep(1.5)
    if query["PhoneNumbers"] in ALIYUN_ERRORS:
        code, message = ALIYUN_ERRORS[query["PhoneNumbers"]]
        return 200, {"RequestId": request_id, "Code": code, "Message": message}
    return 200, {
        "Message": "OK",
        "RequestId": request_id,
        "Code": "OK",
        "BizId": f"9006197469364984{len(stand_in.requests):03d}^0",
    }


@pytest.fixture
def aliyun() -> Iterator[StandIn]:
    server = StandIn(aliyun_handle)
    yield server
    server.stop()


def aliyun_sender(url: str, secret: str = SECRET) -> AliyunSender:
    settings = SmsSettings("aliyun", KEY_ID, secret, "水电保障中心", TEMPLATES, url, timeout=0.5)
    return AliyunSender(settings, clock=lambda: MOMENT, nonce=lambda: "nonce-1")


def test_aliyun_signature_by_hand() -> None:
    # The documented steps written out: sorted parameters, percent-encoded, then
    # "GET&%2F&" + the encoded canonical query, HMAC-SHA1 with the secret and "&".
    params = {
        "AccessKeyId": "testid",
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": "13800000000",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_154950909",
        "TemplateParam": '{"code":"123456"}',
        "Timestamp": "2019-06-13T03:27:02Z",
        "Version": "2017-05-25",
    }
    string_to_sign = (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DSendSms%26Format%3DJSON"
        "%26PhoneNumbers%3D13800000000%26RegionId%3Dcn-hangzhou"
        "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD"
        "%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466"
        "%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_154950909"
        "%26TemplateParam%3D%257B%2522code%2522%253A%2522123456%2522%257D"
        "%26Timestamp%3D2019-06-13T03%253A27%253A02Z%26Version%3D2017-05-25"
    )
    expected = base64.b64encode(
        hmac.new(b"testsecret&", string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    assert aliyun_signature(params, "testsecret") == expected
    assert sms.aliyun_percent("a b*c~d/") == "a%20b%2Ac~d%2F"


def test_aliyun_sends_a_code_through_the_stand_in(aliyun: StandIn) -> None:
    biz_id = aliyun_sender(aliyun.url).send(
        "13800000000", "code", {"code": "042917", "minutes": "5"}
    )
    assert biz_id == "9006197469364984001^0"
    sent = aliyun.requests[0]
    assert sent["PhoneNumbers"] == "13800000000"
    assert sent["SignName"] == "水电保障中心"
    assert sent["TemplateCode"] == "SMS_0001"
    assert json.loads(sent["TemplateParam"]) == {"code": "042917", "minutes": "5"}
    assert sent["Timestamp"] == "2026-12-07T06:30:15Z"
    assert sent["SignatureNonce"] == "nonce-1"
    assert sent["RegionId"] == "cn-hangzhou"


@pytest.mark.parametrize(
    ("phone", "shown", "logged", "retry"),
    [
        ("13900000001", "发送过于频繁，请稍后再试", "isv.BUSINESS_LIMIT_CONTROL", True),
        (
            "13900000002",
            "短信模板未审核或不可用，请联系服务中心",
            "isv.SMS_TEMPLATE_ILLEGAL",
            False,
        ),
        ("13900000003", "手机号码有误，请检查后重试", "isv.MOBILE_NUMBER_ILLEGAL", False),
        (
            "13900000004",
            "短信签名未审核或不可用，请联系服务中心",
            "isv.SMS_SIGNATURE_ILLEGAL",
            False,
        ),
        ("13900000005", "今日发送已达上限，请明天再试", "isv.DAY_LIMIT_CONTROL", False),
        (
            "13900000006",
            "短信账户余额不足或已停用，请联系服务中心",
            "isv.AMOUNT_NOT_ENOUGH",
            False,
        ),
        # The day-level flow control shares the minute's code; its message tells it apart.
        ("13900000007", "今日发送已达上限，请明天再试", "isv.BUSINESS_LIMIT_CONTROL", False),
        ("13900000008", "短信服务繁忙，请稍后再试", "ServiceUnavailable", True),
    ],
)
def test_aliyun_refusals_in_chinese_and_logged(
    aliyun: StandIn,
    caplog: pytest.LogCaptureFixture,
    phone: str,
    shown: str,
    logged: str,
    retry: bool,
) -> None:
    with (
        caplog.at_level(logging.ERROR, "server.services.residents.sms"),
        pytest.raises(SmsError) as refused,
    ):
        aliyun_sender(aliyun.url).send(phone, "code", {"code": "1", "minutes": "5"})
    assert str(refused.value) == shown
    assert (refused.value.code, refused.value.retry) == (logged, retry)
    assert f"SMS via aliyun to {phone} refused: {logged}" in caplog.text
    assert "(request REQ-1)" in caplog.text


def test_aliyun_wrong_secret_is_refused_by_the_signature_check(
    aliyun: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.ERROR, "server.services.residents.sms"),
        pytest.raises(SmsError) as refused,
    ):
        aliyun_sender(aliyun.url, "wrong").send(
            "13800000000", "code", {"code": "1", "minutes": "5"}
        )
    assert str(refused.value) == "短信服务密钥或应用设置有误，请联系服务中心"
    assert (refused.value.code, refused.value.retry) == ("SignatureDoesNotMatch", False)
    assert "refused: SignatureDoesNotMatch" in caplog.text


def test_aliyun_unknown_key_and_an_unreachable_or_slow_gateway(aliyun: StandIn) -> None:
    params = {"code": "1", "minutes": "5"}
    settings = SmsSettings("aliyun", "nobody", SECRET, "水电保障中心", TEMPLATES, aliyun.url)
    with pytest.raises(SmsError) as refused:
        AliyunSender(settings).send("13800000000", "code", params)
    assert (str(refused.value), refused.value.code, refused.value.retry) == (
        "短信服务密钥或应用设置有误，请联系服务中心",
        "InvalidAccessKeyId.NotFound",
        False,
    )
    with pytest.raises(SmsError) as slow:
        aliyun_sender(aliyun.url).send(ALIYUN_SLOW, "code", params)
    closed = StandIn(aliyun_handle)
    closed.stop()
    with pytest.raises(SmsError) as unreachable:
        aliyun_sender(closed.url).send("13800000000", "code", params)
    for error in (slow.value, unreachable.value):
        assert (str(error), error.code, error.retry) == (
            "短信服务暂时无法连接，请稍后再试",
            "",
            True,
        )


# --- Tencent Cloud ---------------------------------------------------------------------------

TENCENT_STATUS_ERRORS = {
    "+8613900000001": (
        "LimitExceeded.PhoneNumberDailyLimit",
        "the number of sms messages sent from a single mobile number every day exceeds "
        "the upper limit",
    ),
    "+8613900000003": ("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"),
    "+8613900000004": (
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "the number of sms messages sent from a single mobile number within 30 seconds "
        "exceeds the upper limit",
    ),
    "+8613900000005": (
        "FailedOperation.PhoneNumberInBlacklist",
        "phone number in blacklist",
    ),
}
# Refused for the whole request, in Response.Error, rather than per number.
TENCENT_REQUEST_ERRORS = {
    "+8613900000006": (
        "RequestLimitExceeded",
        "The number of requests exceeds the frequency limit.",
    ),
    "+8613900000007": ("InternalError.Timeout", "request timeout"),
}
SDK_APP_ID = "1400000001"


def tencent_handle(stand_in: StandIn, request: BaseHTTPRequestHandler, body: bytes):
    headers = request.headers
    stand_in.requests.append({"headers": dict(headers.items()), "body": json.loads(body)})
    request_id = f"REQ-{len(stand_in.requests)}"
    timestamp = headers["X-TC-Timestamp"]
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    authorization = headers["Authorization"]
    algorithm, rest = authorization.split(" ", 1)
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    signed = parts["SignedHeaders"].split(";")
    # Names and values lower-cased and trimmed, as the TC3 documentation says.
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            parts["SignedHeaders"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(f"TC3{SECRET}".encode(), date), "sms"), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if (
        algorithm != "TC3-HMAC-SHA256"
        or parts["Credential"] != f"{KEY_ID}/{scope}"
        or parts["Signature"] != expected
        or "content-type" not in signed
        or "host" not in signed
    ):
        return 200, {
            "Response": {
                "Error": {
                    "Code": "AuthFailure.SignatureFailure",
                    "Message": "The provided credentials could not be validated.",
                },
                "RequestId": request_id,
            }
        }
    if (headers["X-TC-Action"], headers["X-TC-Version"]) != ("SendSms", "2021-01-11"):
        return 200, {
            "Response": {
                "Error": {"Code": "InvalidAction", "Message": "bad"},
                "RequestId": request_id,
            }
        }
    data = json.loads(body)
    if data["SmsSdkAppId"] != SDK_APP_ID:
        return 200, {
            "Response": {
                "Error": {
                    "Code": "FailedOperation.SmsSdkAppIdVerifyFail",
                    "Message": "SdkAppId verify fail",
                },
                "RequestId": request_id,
            }
        }
    if data["TemplateId"] not in TEMPLATES.values() or data["PhoneNumberSet"] == ["+8613900000002"]:
        return 200, {
            "Response": {
                "Error": {
                    "Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                    "Message": "template is not approved or request content does not match "
                    "the approved template content",
                },
                "RequestId": request_id,
            }
        }
    phone = data["PhoneNumberSet"][0]
    if phone in TENCENT_REQUEST_ERRORS:
        code, message = TENCENT_REQUEST_ERRORS[phone]
        return 200, {
            "Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
        }
    code, message = TENCENT_STATUS_ERRORS.get(phone, ("Ok", "send success"))
    return 200, {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": f"5000:1045710669157053657849499{len(stand_in.requests)}",
                    "PhoneNumber": phone,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            ],
            "RequestId": request_id,
        }
    }


@pytest.fixture
def tencent() -> Iterator[StandIn]:
    server = StandIn(tencent_handle)
    yield server
    server.stop()


def tencent_sender(url: str, secret: str = SECRET) -> TencentSender:
    settings = SmsSettings(
        "tencent", KEY_ID, secret, "水电保障中心", TEMPLATES, url, "", SDK_APP_ID
    )
    return TencentSender(settings, clock=lambda: MOMENT)


def test_tencent_signature_by_hand() -> None:
    payload = b'{"PhoneNumberSet":["+8613800000000"]}'
    canonical_request = (
        "POST\n/\n\n"
        "content-type:application/json; charset=utf-8\n"
        "host:sms.tencentcloudapi.com\n"
        "x-tc-action:sendsms\n\n"
        "content-type;host;x-tc-action\n" + hashlib.sha256(payload).hexdigest()
    )
    string_to_sign = (
        "TC3-HMAC-SHA256\n1796625015\n2026-12-07/sms/tc3_request\n"
        + hashlib.sha256(canonical_request.encode()).hexdigest()
    )
    secret_date = hmac.new(b"TC3testsecret", b"2026-12-07", hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, b"sms", hashlib.sha256).digest()
    secret_signing = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert MOMENT.timestamp() == 1796625015
    assert tencent_authorization(
        "testid", "testsecret", "sms.tencentcloudapi.com", payload, 1796625015
    ) == (
        "TC3-HMAC-SHA256 Credential=testid/2026-12-07/sms/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


def test_tencent_sends_a_reminder_through_the_stand_in(tencent: StandIn) -> None:
    serial = tencent_sender(tencent.url).send(
        "13800000000", "reminder", {"account": "A0001", "amount": "86.40", "link": "https://x/pay"}
    )
    assert serial == "5000:10457106691570536578494991"
    sent = tencent.requests[0]
    assert sent["body"] == {
        "PhoneNumberSet": ["+8613800000000"],
        "SmsSdkAppId": SDK_APP_ID,
        "SignName": "水电保障中心",
        "TemplateId": "SMS_0002",
        "TemplateParamSet": ["A0001", "86.40", "https://x/pay"],
    }
    assert sent["headers"]["X-TC-Timestamp"] == "1796625015"
    assert sent["headers"]["X-TC-Region"] == "ap-guangzhou"


@pytest.mark.parametrize(
    ("phone", "shown", "logged", "retry"),
    [
        (
            "13900000001",
            "今日发送已达上限，请明天再试",
            "LimitExceeded.PhoneNumberDailyLimit",
            False,
        ),
        (
            "13900000002",
            "短信模板未审核或不可用，请联系服务中心",
            "FailedOperation.TemplateIncorrectOrUnapproved",
            False,
        ),
        (
            "13900000003",
            "手机号码有误，请检查后重试",
            "InvalidParameterValue.IncorrectPhoneNumber",
            False,
        ),
        (
            "13900000004",
            "发送过于频繁，请稍后再试",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            True,
        ),
        (
            "13900000005",
            "该号码拒收短信（已退订或在免打扰名单中）",
            "FailedOperation.PhoneNumberInBlacklist",
            False,
        ),
        ("13900000006", "发送过于频繁，请稍后再试", "RequestLimitExceeded", True),
        ("13900000007", "短信服务繁忙，请稍后再试", "InternalError.Timeout", True),
    ],
)
def test_tencent_refusals_in_chinese_and_logged(
    tencent: StandIn,
    caplog: pytest.LogCaptureFixture,
    phone: str,
    shown: str,
    logged: str,
    retry: bool,
) -> None:
    with (
        caplog.at_level(logging.ERROR, "server.services.residents.sms"),
        pytest.raises(SmsError) as refused,
    ):
        tencent_sender(tencent.url).send(phone, "code", {"code": "1", "minutes": "5"})
    assert str(refused.value) == shown
    assert (refused.value.code, refused.value.retry) == (logged, retry)
    assert f"SMS via tencent to {phone} refused: {logged}" in caplog.text


def test_tencent_wrong_secret_fails_authentication(
    tencent: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.ERROR, "server.services.residents.sms"),
        pytest.raises(SmsError) as refused,
    ):
        tencent_sender(tencent.url, "wrong").send(
            "13800000000", "code", {"code": "1", "minutes": "5"}
        )
    assert str(refused.value) == "短信服务密钥或应用设置有误，请联系服务中心"
    assert refused.value.retry is False
    assert "refused: AuthFailure.SignatureFailure" in caplog.text


# --- from the settings -----------------------------------------------------------------------


def test_send_sms_from_settings_and_the_console_warning(
    tmp_path, monkeypatch: pytest.MonkeyPatch, aliyun: StandIn
) -> None:
    for name in ("MD_SMS_PROVIDER", "MD_COMPANION_DEV_LOGIN"):
        monkeypatch.delenv(name, raising=False)
    assert console_warning(load_settings(tmp_path)) == (
        "短信通道为 console（只写日志，不发送）：居民收不到验证码，无法注册"
    )
    monkeypatch.setenv("MD_COMPANION_DEV_LOGIN", "true")
    assert console_warning(load_settings(tmp_path)) == ""
    monkeypatch.delenv("MD_COMPANION_DEV_LOGIN")
    monkeypatch.setenv("MD_SMS_PROVIDER", "aliyun")
    assert console_warning(load_settings(tmp_path)) == (
        "短信通道 aliyun 缺少 sms.access_key_id、sms.access_key_secret、sms.template_code、"
        "sms.template_reminder、sms.template_low_balance、sms.template_task：居民收不到验证码，"
        "无法注册"
    )
    for key, value in {
        "ACCESS_KEY_ID": KEY_ID,
        "ACCESS_KEY_SECRET": SECRET,
        "ENDPOINT": aliyun.url,
        "TEMPLATE_CODE": "SMS_0001",
        "TEMPLATE_REMINDER": "SMS_0002",
        "TEMPLATE_LOW_BALANCE": "SMS_0003",
        "TEMPLATE_TASK": "SMS_0004",
    }.items():
        monkeypatch.setenv(f"MD_SMS_{key}", value)
    settings = load_settings(tmp_path)
    assert console_warning(settings) == ""
    assert settings.items["sms.access_key_secret"].display_value() == "****"
    biz_id = send_sms(
        settings, "13800000000", "low_balance", {"account": "A1", "balance": "3.20", "link": "l"}
    )
    assert biz_id == "9006197469364984001^0"
    assert json.loads(aliyun.requests[0]["TemplateParam"]) == {
        "account": "A1",
        "balance": "3.20",
        "link": "l",
    }


def test_the_service_status_migration_matches_the_model(session) -> None:
    context = MigrationContext.configure(session.connection())
    diff = [d for d in compare_metadata(context, Base.metadata) if "service_status" in repr(d)]
    assert diff == []
