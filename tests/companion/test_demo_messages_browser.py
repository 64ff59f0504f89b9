"""The demo's messages (server.demo.messages): the companion configured as `meterdesk demo`
configures its `serve` sends its SMS and its jobs' template messages to the 演示消息
stand-in, which answers like WeChat and Alibaba Cloud SMS accepting them. So the outbox
marks them sent (never 未配置模板 failures), and the demo user reads them on the 演示消息
page in the browser: the registration code, the 账单通知 whose link pays the bill with
演示支付, the SMS 催缴 of an account whose holder never followed, and the SMS telling a
field reader of an assigned fault.

A001 (张三, bound to o-demo) has its 2026-10 bill of 88.60 from a run at 08:30; A002 (李四,
mobile 13800000002, never followed) owes 80.50 for 2026-09, due 2026-10-31, so with steps
3 and 10 its first reminder is due on Tuesday 2026-11-03.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from server.companion.pay import PayRuntime
from server.companion.settings import CompanionSettings
from server.config import Settings, load_settings
from server.db.engine import make_engine, unit_of_work
from server.db.models import BillingRun
from server.demo.messages import DemoMessage, DemoMessages, demo_environment
from server.jobs.catalogue import JOBS
from server.jobs.schedule import Runner
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay.config import pay_config
from server.services.residents import outbox, reminders, service_requests
from server.services.residents.service_requests import RequestSpec
from server.services.residents.sms import sender_for
from tests import factories
from tests.companion.support import LiveServer, start_live
from tests.companion.test_pay_everywhere_browser import _pay_with_the_sandbox, _sign_in
from tests.jobs.support import SteppedClock

TUESDAY = datetime(2026, 11, 3, 10, 0, tzinfo=BUSINESS_TZ)


def demo_settings(
    home: Path, monkeypatch: pytest.MonkeyPatch, messages: DemoMessages, companion_url: str
) -> Settings:
    """The settings `meterdesk demo` gives its `serve` (no meterdesk.toml of its own)."""
    environment = demo_environment(messages.url, companion_url) | {
        "MD_COMPANION_SECRET_KEY": "demo-secret-key-0123456789abcdef",
        "MD_COMPANION_DEV_LOGIN": "true",
        "MD_PAY_DEMO": "true",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return load_settings(home)


@pytest.fixture
def messages() -> Iterator[DemoMessages]:
    stand_in = DemoMessages(lambda: TUESDAY)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def live(fresh_database_url, messages, tmp_path, monkeypatch) -> Iterator[LiveServer]:
    settings = demo_settings(tmp_path, monkeypatch, messages, "")
    companion = CompanionSettings.from_settings(settings)
    # The SMS sender as `serve` makes it from the settings (start_live's default is the console).
    server = start_live(companion, fresh_database_url, sender_for(companion.sms))
    server.app.state.online_pay = PayRuntime.of(pay_config(settings))
    yield server
    server.stop()


def test_the_demo_shows_what_its_jobs_and_registration_sent(
    phone, live, messages, fresh_database_url, tmp_path, monkeypatch
):
    url = live.url
    with unit_of_work(live.sessions) as session:
        factories.branches(session)
        a001 = factories.account(session, "A001", holder_name="张三")
        a002 = factories.account(session, "A002", holder_name="李四")
        session.execute(
            text("update account set mobile = '13800000002' where id = :a"), {"a": a002}
        )
        factories.bound_resident(session, "o-demo", a001)
        factories.bill(session, a001, "2026-10", "88.60")
        factories.bill(session, a002, "2026-09", "80.50")
        session.add(
            BillingRun(
                period="2026-10",
                created=1,
                skipped=[],
                created_at=TUESDAY.replace(hour=8, minute=30),
            )
        )
        reminders.set_policy(
            session, factories.ACTOR, "居民", steps=(3, 10), low_balance=None,
            effective_from=date(2026, 1, 1),
        )  # fmt: skip
        # A reader with a mobile and no WeChat is told of an assigned fault by SMS.
        desk = factories.staff(session, "desk1", "manager")
        factories.staff(session, "reader8", "reader")
        session.execute(text("update staff set mobile = '13900000008' where login = 'reader8'"))
        fault = service_requests.raise_request(
            session, desk, RequestSpec("fault", "管道漏水", "楼道漏水", "北区 2号楼")
        )
        service_requests.assign_request(session, desk, fault, "reader8")

    # The jobs on the demo's own schedule (the defaults), on a test clock.
    settings = demo_settings(tmp_path, monkeypatch, messages, url)
    engine = make_engine(fresh_database_url)
    try:
        clock = SteppedClock(TUESDAY)
        runner = Runner(engine, settings, JOBS, clock, "demo-pc")
        first = {r.name: r.message for r in runner.tick()}
        assert first["outbox"] == "已发送 1，待重试 0，失败 0"  # the task, queued before
        assert first["bill_notices"] == "账期 2026-10：新加入 1 条账单通知"
        assert first["reminders"] == (
            "催缴 1 户，余额提醒 0 户；模板消息 0，短信 1，无法送达 0，已暂停 0"
        )
        clock.moment = TUESDAY.replace(second=30)  # the sender's next round (every 30 s)
        second = {r.name: r.message for r in runner.tick()}
        assert second["outbox"] == "已发送 2，待重试 0，失败 0"
    finally:
        engine.dispose()

    reminder, notice, task = messages.received()
    assert task == DemoMessage(
        TUESDAY, "sms", "13900000008", "任务分派",
        (f"【水电保障中心】您有新的任务：管道漏水（编号 {fault}），时间 尽快处理，地点 北区 2号楼，"
         "请在“我的任务”中查看。",),
        "",
    )  # fmt: skip
    assert notice == DemoMessage(
        TUESDAY, "wechat", "o-demo", "账单通知",
        ("您的2026 年 10 月水电费账单已出", "A001 张三", "88.60 元", "请于 2026-11-30 前缴纳",
         "点击在线缴费，也可到任一校区分中心缴费。"),
        f"{url}/h5/pay?account={a001}",
    )  # fmt: skip
    assert reminder == DemoMessage(
        TUESDAY, "sms", "13800000002", "欠费催缴",
        (f"【水电保障中心】您的户号 A002 尚有水电费 80.50 元未缴，请尽快缴纳："
         f"{url}/h5/pay?account={a002}",),
        f"{url}/h5/pay?account={a002}",
    )  # fmt: skip
    # The desk's 催缴与消息 lists both as sent.
    with unit_of_work(live.sessions) as session:
        rows = outbox.messages(session)
    assert [(r.kind_label, r.recipient, r.status_label, r.last_error) for r in rows] == [
        ("欠费催缴", "13800000002", "已发送", ""),
        ("账单通知", "o-demo", "已发送", ""),
        ("任务分派", "13900000008", "已发送", ""),
    ]

    # A new resident registers with the code the 演示消息 page shows.
    phone.goto(f"{url}/h5/login")
    _sign_in(phone, "o-newcomer")
    phone.goto(f"{url}/h5/register")
    phone.fill("#phone", "13800000031")
    phone.click("#send-code")
    assert "验证码已发送" in phone.locator("[role=status]").inner_text()
    phone.goto(f"{messages.url}/")
    assert phone.title() == "演示消息"
    cards = phone.locator("#messages .msg")
    assert cards.count() == 4
    assert (
        cards.nth(0).locator(".meta").inner_text()
        == "2026-11-03 10:00:00 · 短信 · 发给 13800000031"
    )
    assert cards.nth(0).locator("h2").inner_text() == "验证码"
    found = re.fullmatch(
        r"【水电保障中心】验证码 (\d{6})，5 分钟内有效。如非本人操作请忽略。",
        cards.nth(0).locator("p").nth(1).inner_text(),
    )
    assert found
    phone.goto(f"{url}/h5/register")
    phone.fill("#phone", "13800000031")
    phone.fill("#code", found.group(1))
    phone.click("#register")
    phone.wait_for_url(re.compile(r".*/h5/bindings"))
    assert "注册成功" in phone.content()

    # Signed in as A001's resident, the bill notice's link on the page pays the bill.
    phone.context.clear_cookies()
    phone.goto(f"{url}/h5/login")
    _sign_in(phone, "o-demo")
    phone.wait_for_url(f"{url}/h5/")
    phone.goto(f"{messages.url}/")
    notice_card = phone.locator("#messages .msg").nth(2)
    assert notice_card.locator("h2").inner_text() == "账单通知"
    notice_card.get_by_role("link", name="打开链接").click()
    phone.wait_for_url(f"{url}/h5/pay?account={a001}")
    assert phone.locator("#owed").inner_text() == "¥88.60"
    _pay_with_the_sandbox(phone, "#pay-demo")
