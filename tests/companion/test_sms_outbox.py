"""The outbox sending SMS rows through each gateway's stand-in (tests/companion/test_sms.py):
a refusal that passes by itself is retried with the backoff, a permanent one fails at once,
each with the Chinese reason and the gateway's code kept for the desk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import text

from server.companion.outbox_sender import SendReport, send_due
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.residents import outbox, sms
from server.services.residents.sms import SmsSettings
from tests.companion.test_sms import (
    KEY_ID,
    SDK_APP_ID,
    SECRET,
    TEMPLATES,
    StandIn,
    aliyun_handle,
    tencent_handle,
)

REMINDER = {"account": "A002", "amount": "80.50", "link": "/h5/pay?account=7"}


@pytest.fixture
def sessions(fresh_database_url):
    engine = make_engine(fresh_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(params=["aliyun", "tencent"])
def gateway(request) -> Iterator[tuple[str, StandIn]]:
    server = StandIn(aliyun_handle if request.param == "aliyun" else tencent_handle)
    yield request.param, server
    server.stop()


def _settings(companion_settings, provider: str, url: str):
    return replace(
        companion_settings,
        base_url="https://wx.example.edu.cn",
        sms=SmsSettings(provider, KEY_ID, SECRET, "水电保障中心", TEMPLATES, url, "", SDK_APP_ID),
    )


def _queue(sessions, *phones: str) -> None:
    with unit_of_work(sessions) as session:
        for phone in phones:
            outbox.enqueue_sms(session, "reminder", phone, REMINDER, dedupe_key=f"rm:{phone}")


def _rows(sessions) -> dict[str, tuple[str, int, str, int | None]]:
    """phone → (status, attempts, last_error, seconds until the next try while pending)."""
    with sessions() as session:
        rows = session.execute(
            text(
                "select phone, status, attempts, last_error,"
                " case when status = 'pending' then"
                "  ceil(extract(epoch from next_attempt_at - now()))::int end"
                " from outbox_message order by id"
            )
        ).all()
    return {phone: (status, attempts, error, wait) for phone, status, attempts, error, wait in rows}


# Per gateway: the stand-in's rate-limited number (retried), its bad one and its
# template-refused one (both failed at once), and a good one.
CASES = {
    "aliyun": {
        "13900000001": ("pending", 1, "发送过于频繁，请稍后再试（isv.BUSINESS_LIMIT_CONTROL）"),
        "13900000003": ("failed", 1, "手机号码有误，请检查后重试（isv.MOBILE_NUMBER_ILLEGAL）"),
        "13900000005": ("failed", 1, "今日发送已达上限，请明天再试（isv.DAY_LIMIT_CONTROL）"),
        "13900000008": ("pending", 1, "短信服务繁忙，请稍后再试（ServiceUnavailable）"),
    },
    "tencent": {
        "13900000004": (
            "pending",
            1,
            "发送过于频繁，请稍后再试（LimitExceeded.PhoneNumberThirtySecondLimit）",
        ),
        "13900000002": (
            "failed",
            1,
            "短信模板未审核或不可用，请联系服务中心（FailedOperation.TemplateIncorrectOrUnapproved）",
        ),
        "13900000005": (
            "failed",
            1,
            "该号码拒收短信（已退订或在免打扰名单中）（FailedOperation.PhoneNumberInBlacklist）",
        ),
        "13900000007": ("pending", 1, "短信服务繁忙，请稍后再试（InternalError.Timeout）"),
    },
}


def test_temporary_refusals_wait_permanent_ones_fail_at_once(
    sessions, companion_settings, gateway
) -> None:
    provider, stand_in = gateway
    cases = CASES[provider]
    _queue(sessions, "13800000000", *cases)
    report = send_due(sessions, _settings(companion_settings, provider, stand_in.url))
    assert report == SendReport(sent=1, retrying=2, failed=2)
    rows = _rows(sessions)
    assert rows.pop("13800000000")[:3] == ("sent", 1, "")
    # The first retry waits 30 s (outbox.retry_delay(1)); failed rows have no next try.
    assert rows == {
        phone: (status, attempts, error, 30 if status == "pending" else None)
        for phone, (status, attempts, error) in cases.items()
    }


def test_a_rate_limited_row_is_tried_six_times_then_failed(
    sessions, companion_settings, gateway
) -> None:
    provider, stand_in = gateway
    phone = {"aliyun": "13900000001", "tencent": "13900000004"}[provider]
    settings = _settings(companion_settings, provider, stand_in.url)
    _queue(sessions, phone)
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        with unit_of_work(sessions) as session:
            session.execute(text("update outbox_message set next_attempt_at = now()"))
        send_due(sessions, settings)
        waits.append(_rows(sessions)[phone][3])
    # 30 s, 1, 2, 4, 8 min between tries, then given up after the sixth.
    assert waits == [30, 60, 120, 240, 480, None]
    status, attempts, error, _ = _rows(sessions)[phone]
    assert (status, attempts) == ("failed", 6)
    assert error.startswith("发送过于频繁，请稍后再试（")
    assert len(stand_in.requests) == 6


def test_an_unreachable_gateway_is_retried(sessions, companion_settings) -> None:
    closed = StandIn(aliyun_handle)
    closed.stop()
    _queue(sessions, "13800000000")
    report = send_due(sessions, _settings(companion_settings, "aliyun", closed.url))
    assert report == SendReport(retrying=1)
    assert _rows(sessions)["13800000000"] == (
        "pending",
        1,
        "短信服务暂时无法连接，请稍后再试",
        30,
    )


def test_codes_not_listed() -> None:
    # Unknown codes are retried as a plain failure; Tencent's InternalError.* and
    # RequestLimitExceeded.* by their prefix; a 5xx of Alibaba's as a busy gateway.
    assert sms.refusal("tencent", "InternalError.SendAndRecvFail") == sms.BUSY
    assert sms.refusal("tencent", "RequestLimitExceeded.UinLimitExceeded") == sms.RATE_LIMITED
    assert sms.refusal("tencent", "FailedOperation.Something") == sms.FAILED
    assert sms.refusal("aliyun", "isv.SOMETHING_NEW") == sms.FAILED
    assert sms.refusal("aliyun", "isv.SOMETHING_NEW", http_status=502) == sms.BUSY
    assert sms.FAILED.retry and sms.BUSY.retry and not sms.DAY_LIMIT.retry
