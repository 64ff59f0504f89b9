"""催缴与消息 at the desk, driven for real: the messages with a failed one's reason and its
resend, the reminders sent to whom, and an account's reminders paused with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, select, text

from desktop.app import ensure_application
from desktop.reminders_page import RemindersPage
from desktop.tasks import TaskRunner
from desktop.widgets import OVERDUE_TINT
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import OutboxMessage, ReminderPause
from server.services.residents import reminders, wechat_users
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.desktop_support import read_db, type_chinese

WAIT_MS = 10_000


@pytest.fixture
def desk(fresh_database_url: str):
    """A manager; A001 (a follower) and A002 (mobile only) reminded on day 3 of 2026-09's
    bills; A001's template message failed at WeChat."""
    engine = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        add_staff_with_role(
            session, f.ACTOR, login="zhao", name="赵经理", password="Manager-2026",
            role="manager", branch_code="D",
        )  # fmt: skip
        reminders.set_policy(
            session, f.ACTOR, "居民", steps=(3, 10), low_balance=None,
            effective_from=date(2026, 1, 1),
        )  # fmt: skip
        a = f.account(session, "A001", holder_name="张三")
        f.bill(session, a, "2026-09", "120.00")
        f.bound_resident(session, "o-zhang", a)
        wechat_users.set_subscribed(session, "o-zhang", True)
        b = f.account(session, "A002", holder_name="李四")
        f.bill(session, b, "2026-09", "80.00")
        session.execute(text("update account set mobile = '13800000002' where id = :b"), {"b": b})
        assert reminders.send_due_reminders(session, f.at("2026-11-03", 10)).overdue == 2
        session.execute(
            text(
                "update outbox_message set status = 'failed', attempts = 6,"
                " last_error = '43004 需要接收者关注' where channel = 'wechat'"
            )
        )
        manager = staff_identity(session, "zhao")
    engine.dispose()
    return manager


@pytest.fixture
def page(qtbot, desk, fresh_database_url: str) -> Iterator[RemindersPage]:
    ensure_application("zh_CN")
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    shown = RemindersPage(desk, runner)
    qtbot.addWidget(shown)
    qtbot.waitUntil(lambda: shown.desk is not None or bool(shown.message.text()), timeout=WAIT_MS)
    assert shown.message.text() == ""
    yield shown
    runner.shutdown()
    engine.dispose()


def test_a_failed_message_shows_its_reason_and_is_resent(qtbot, page, fresh_database_url):
    table = page.outbox_table
    assert page.tabs.tabText(0) == "消息 (1 条失败)"
    assert table.row_count() == 2
    by_to = {table.text_at(r, 3): r for r in range(2)}
    failed, sms = by_to["o-zhang"], by_to["13800000002"]
    assert [table.text_at(failed, c) for c in (1, 2, 4, 5, 6)] == [
        "欠费催缴", "模板消息", "发送失败", "6", "43004 需要接收者关注",
    ]  # fmt: skip
    assert table.text_at(failed, 7) == "您的水电费已逾期，请尽快缴纳 120.00 元"
    assert table.rows_model.tints[failed] == OVERDUE_TINT
    assert [table.text_at(sms, c) for c in (2, 4, 7)] == ["短信", "待发送", "A002 80.00"]

    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.failed_only, Qt.MouseButton.LeftButton)
    assert table.row_count() == 1
    table.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.resend_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == ""
    assert table.row_count() == 0
    assert read_db(
        fresh_database_url,
        select(OutboxMessage.status, OutboxMessage.attempts).where(
            OutboxMessage.channel == "wechat"
        ),
    ) == [("pending", 0)]


def test_reminders_sent_are_listed_with_whom_they_went_to(page):
    table = page.sent_table
    assert table.row_count() == 2
    rows = sorted([table.text_at(r, c) for c in range(1, 8)] for r in range(2))
    assert rows == [
        ["A001", "张三", "欠费催缴", "3", "120.00", "模板消息", "o-zhang"],
        ["A002", "李四", "欠费催缴", "3", "80.00", "短信", "13800000002"],
    ]


def test_an_account_is_paused_with_a_reason_and_resumed(qtbot, page, fresh_database_url, desk):
    qtbot.mouseClick(page.account_edit, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.account_edit, "A002")
    # No reason: refused in Chinese, nothing written.
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "暂停或恢复催缴须写明原因"
    assert read_db(fresh_database_url, select(ReminderPause.id)) == []

    page.reason_edit.setFocus()
    type_chinese(page.reason_edit, "已约定月底缴清")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == ""
    assert page.tabs.tabText(2) == "暂停催缴 (1)"
    assert [page.paused_table.text_at(0, c) for c in range(4)] == [
        "A002", "李四", "已约定月底缴清", desk.actor.label,
    ]  # fmt: skip
    assert read_db(
        fresh_database_url,
        select(ReminderPause.paused, ReminderPause.reason, ReminderPause.staff_id),
    ) == [(True, "已约定月底缴清", desk.staff_id)]

    type_chinese(page.reason_edit, "未按约定缴纳")
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    assert page.paused_table.row_count() == 0
    assert page.tabs.tabText(2) == "暂停催缴 (0)"
