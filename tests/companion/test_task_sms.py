"""A task assigned to field staff who did not bind their WeChat goes to their mobile by SMS
(Alibaba's stand-in here); one who bound it is told by template message, or by SMS when the
official account's task template is not configured; one with neither is told nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from server.companion.outbox_sender import SendReport, send_due
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.residents import service_requests, wechat_users
from server.services.residents.service_requests import RequestSpec
from server.services.residents.sms import SmsSettings
from server.services.staff.org import add_staff_with_role
from server.services.staff.own_profile import ProfileChanges, bind_wechat, update_profile
from tests.companion.test_sms import KEY_ID, SECRET, TEMPLATES, StandIn, aliyun_handle

DESK = Actor("desk test")


@pytest.fixture
def sessions(fresh_database_url):
    engine = make_engine(fresh_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def aliyun() -> Iterator[StandIn]:
    server = StandIn(aliyun_handle)
    yield server
    server.stop()


def _reader(session, login: str, mobile: str = "", openid: str = "") -> None:
    staff = add_staff_with_role(
        session, DESK, login=login, name=login, password=f"{login}-pass-1", role="reader",
        branch_code=None,
    )  # fmt: skip
    me = Actor(login, staff.id)
    if mobile:
        update_profile(session, me, ProfileChanges(mobile, "", "", ""))
    if openid:
        bind_wechat(session, me, wechat_users.follower(session, openid).user_id)


def _assign(sessions, *logins: str) -> dict[str, int]:
    day = now().astimezone(BUSINESS_TZ).date() + timedelta(days=1)
    ids = {}
    with unit_of_work(sessions) as session:
        for login in logins:
            ids[login] = service_requests.raise_request(
                session, DESK,
                RequestSpec("visit", "抄表", "表在吊顶内", "东校区 3号楼 502", "13900000088",
                            f"{day.isoformat()} 上午 8:30–11:30"),
            )  # fmt: skip
            service_requests.assign_request(session, DESK, ids[login], login)
        session.execute(text("update outbox_message set next_attempt_at = now()"))
    return ids


def _when() -> str:
    day = now().astimezone(BUSINESS_TZ).date() + timedelta(days=1)
    return f"{day.month}月{day.day}日（周{'一二三四五六日'[day.weekday()]}）上午 8:30–11:30"


def _settings(companion_settings, aliyun: StandIn, task_template: str):
    sms = SmsSettings("aliyun", KEY_ID, SECRET, "水电保障中心", TEMPLATES, aliyun.url)
    templates = {**companion_settings.templates, "task": task_template}
    return replace(companion_settings, sms=sms, templates=templates)


def test_staff_without_wechat_are_told_by_sms(
    sessions, companion_settings, standin, aliyun
) -> None:
    with unit_of_work(sessions) as session:
        _reader(session, "sms1", mobile="13800000021")
        _reader(session, "wx1", mobile="13800000022", openid="o-wx1")
        _reader(session, "none1")
    ids = _assign(sessions, "sms1", "wx1", "none1")
    # The WeChat task template is configured: the bound worker gets the template message,
    # the unbound one an SMS, the one with neither nothing.
    settings = _settings(companion_settings, aliyun, "T-TASK")
    assert send_due(sessions, settings) == SendReport(sent=2)
    (wechat,) = standin.state.sent
    assert (wechat["touser"], wechat["template_id"]) == ("o-wx1", "T-TASK")
    assert "_sms" not in wechat["data"]
    (sms,) = aliyun.requests
    assert (sms["PhoneNumbers"], sms["TemplateCode"]) == ("13800000021", "SMS_0004")
    assert json.loads(sms["TemplateParam"]) == {
        "task": f"抄表（编号 {ids['sms1']}）",
        "time": _when(),
        "place": "东校区 3号楼 502",
    }
    with sessions() as session:
        rows = session.execute(
            text("select channel, phone, status from outbox_message order by id")
        ).all()
    assert rows == [("sms", "13800000021", "sent"), ("wechat", "13800000022", "sent")]


def test_without_the_wechat_template_a_bound_worker_is_told_by_sms(
    sessions, companion_settings, standin, aliyun
) -> None:
    with unit_of_work(sessions) as session:
        _reader(session, "wx2", mobile="13800000023", openid="o-wx2")
        _reader(session, "wx3", openid="o-wx3")  # bound, but no mobile to fall back on
    ids = _assign(sessions, "wx2", "wx3")
    report = send_due(sessions, _settings(companion_settings, aliyun, ""))
    assert report == SendReport(sent=1, failed=1)
    assert standin.state.sent == []
    (sms,) = aliyun.requests
    assert sms["PhoneNumbers"] == "13800000023"
    assert json.loads(sms["TemplateParam"])["task"] == f"抄表（编号 {ids['wx2']}）"
    with sessions() as session:
        rows = session.execute(
            text("select status, template_id, last_error from outbox_message order by id")
        ).all()
    assert rows == [
        ("sent", "sms:9006197469364984001^0", ""),
        ("failed", "", "未配置模板 wechat.template_task"),
    ]


def test_a_refused_task_sms_keeps_its_reason(sessions, companion_settings, standin, aliyun) -> None:
    with unit_of_work(sessions) as session:
        _reader(session, "sms3", mobile="13900000003")  # the stand-in's bad number
    _assign(sessions, "sms3")
    assert send_due(sessions, _settings(companion_settings, aliyun, "T-TASK")) == SendReport(
        failed=1
    )
    with sessions() as session:
        row = session.execute(text("select status, attempts, last_error from outbox_message")).one()
    assert row == ("failed", 1, "手机号码有误，请检查后重试（isv.MOBILE_NUMBER_ILLEGAL）")
