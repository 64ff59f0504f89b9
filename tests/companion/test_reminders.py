"""Reminders (催缴) and low-balance alerts with a passed clock: each step on its day (bills
of 2026-09 are due 2026-10-31, so steps 3/10/20 fall on 11-03, 11-10, 11-20), never at night
or on a holiday (the next working morning instead), one per step, pauses respected, one
low-balance alert per top-up, SMS for residents who never followed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.base import Base
from server.db.models import AuditEvent, OutboxMessage, Reminder
from server.services.billing.balances import move_balance
from server.services.core.errors import DomainError, InvalidInput
from server.services.residents import reminders, wechat_users
from server.services.residents.reminders import ReminderRun, send_due_reminders
from tests import factories
from tests.factories import ACTOR, at


def at_time(day: str, hour: int, minute: int = 0):
    return at(day, hour).replace(minute=minute)


def policy(session: Session, steps: str = "3,10,20", low: str | None = None) -> None:
    reminders.set_policy(
        session,
        ACTOR,
        "居民",
        steps=reminders.parse_steps(steps),
        low_balance=None if low is None else D(low),
        effective_from=date(2026, 1, 1),
    )


def follower_account(session: Session, account_no: str, total: str, period: str = "2026-09"):
    account_id = factories.account(session, account_no)
    factories.bill(session, account_id, period, total)
    factories.bound_resident(session, f"o-{account_no}", account_id)
    wechat_users.set_subscribed(session, f"o-{account_no}", True)
    return account_id


def sms_account(session: Session, account_no: str, total: str, mobile: str):
    account_id = factories.account(session, account_no, holder_name="李四")
    factories.bill(session, account_id, "2026-09", total)
    session.execute(
        text("update account set mobile = :m where id = :a"), {"m": mobile, "a": account_id}
    )
    return account_id


def steps_sent(session: Session, account_id: int) -> list[tuple[str, int, str]]:
    return [
        (r.cycle, r.step, r.channel)
        for r in session.scalars(
            select(Reminder).where(Reminder.account_id == account_id).order_by(Reminder.id)
        )
    ]


def outbox_rows(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_steps_go_out_on_their_days_once_each_by_template_or_sms(session):
    policy(session)
    a = follower_account(session, "A001", "120.00")
    b = sms_account(session, "A002", "80.50", "13800000002")

    # Day 2 after the due date: no step reached yet.
    assert send_due_reminders(session, at("2026-11-02", 10)) == ReminderRun()
    # Day 3, but before 08:00 and at 22:00: quiet, nothing looked at.
    assert send_due_reminders(session, at_time("2026-11-03", 7, 59)) == ReminderRun(quiet=True)
    assert send_due_reminders(session, at("2026-11-03", 22)) == ReminderRun(quiet=True)
    assert outbox_rows(session) == []

    assert send_due_reminders(session, at("2026-11-03", 8)) == ReminderRun(
        overdue=2, wechat=1, sms=1
    )
    wechat, sms = outbox_rows(session)
    assert (wechat.kind, wechat.channel, wechat.openid) == ("reminder", "wechat", "o-A001")
    assert wechat.url == f"/h5/pay?account={a}"
    assert wechat.payload == {
        "first": "您的水电费已逾期，请尽快缴纳",
        "keyword1": "A001 张三",
        "keyword2": "120.00 元",
        "keyword3": "应于 2026-10-31 前缴纳，已逾期 3 天",
        "remark": "点击进入缴费页面在线缴纳，也可到任一校区分中心缴费。",
    }
    assert (sms.kind, sms.channel, sms.phone, sms.wechat_user_id) == (
        "reminder",
        "sms",
        "13800000002",
        None,
    )
    assert sms.payload == {"account": "A002", "amount": "80.50", "link": f"/h5/pay?account={b}"}

    # The same day again, and the days up to the next step: nothing more.
    assert send_due_reminders(session, at("2026-11-03", 16)) == ReminderRun()
    assert send_due_reminders(session, at("2026-11-09", 10)) == ReminderRun()
    assert send_due_reminders(session, at("2026-11-10", 9)).overdue == 2
    # Day 20 is Friday 2026-11-20.
    assert send_due_reminders(session, at("2026-11-20", 20)).overdue == 2
    assert send_due_reminders(session, at("2026-11-23", 9)) == ReminderRun()

    assert steps_sent(session, a) == [
        ("2026-10-31", 3, "wechat"),
        ("2026-10-31", 10, "wechat"),
        ("2026-10-31", 20, "wechat"),
    ]
    assert steps_sent(session, b) == [
        ("2026-10-31", 3, "sms"),
        ("2026-10-31", 10, "sms"),
        ("2026-10-31", 20, "sms"),
    ]
    assert len(outbox_rows(session)) == 6
    assert [r.step for r in reminders.sent_reminders(session)] == [20, 20, 10, 10, 3, 3]


def test_a_step_on_a_holiday_goes_out_the_next_working_morning(session):
    policy(session, "1")
    # 2026-08 is due 2026-09-30; day 1 is 10-01, National Day (10-01 to 10-07 off).
    a = follower_account(session, "A001", "50.00", period="2026-08")

    for moment in (at("2026-10-01", 10), at("2026-10-07", 12)):
        assert send_due_reminders(session, moment) == ReminderRun(quiet=True)
    # 10-08 is a working day, but 07:30 is still night.
    assert send_due_reminders(session, at_time("2026-10-08", 7, 30)).quiet
    assert send_due_reminders(session, at_time("2026-10-08", 8, 30)).overdue == 1
    (message,) = outbox_rows(session)
    assert message.payload["keyword3"] == "应于 2026-09-30 前缴纳，已逾期 8 天"
    assert steps_sent(session, a) == [("2026-09-30", 1, "wechat")]


def test_steps_passed_over_send_only_the_latest(session):
    policy(session)
    a = follower_account(session, "A001", "120.00")
    # First run on day 12: steps 3 and 10 both reached, only step 10 goes.
    assert send_due_reminders(session, at("2026-11-12", 10)).overdue == 1
    assert send_due_reminders(session, at("2026-11-13", 10)).overdue == 0
    assert steps_sent(session, a) == [("2026-10-31", 10, "wechat")]


def test_a_paused_account_waits_until_resumed(session):
    factories.branches(session)
    manager = factories.staff(session, "mgr", role="manager")
    policy(session)
    a = follower_account(session, "A001", "120.00")

    with pytest.raises(InvalidInput, match="原因"):
        reminders.pause(session, manager, "A001", "  ")
    reminders.pause(session, manager, "A001", "已约定月底一并缴清")
    with pytest.raises(DomainError, match="已暂停"):
        reminders.pause(session, manager, "A001", "again")
    assert send_due_reminders(session, at("2026-11-03", 10)) == ReminderRun(paused=1)
    assert outbox_rows(session) == []
    (row,) = reminders.paused_accounts(session)
    assert (row.account_no, row.reason, row.by) == ("A001", "已约定月底一并缴清", manager.label)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reminder.pause"))
    assert event is not None and event.staff_id == manager.staff_id

    reminders.pause(session, manager, "A001", "未按约定缴纳", paused=False)
    assert reminders.paused_accounts(session) == []
    assert send_due_reminders(session, at("2026-11-04", 10)).overdue == 1
    assert steps_sent(session, a) == [("2026-10-31", 3, "wechat")]


def test_a_prepaid_account_below_its_threshold_is_alerted_once_per_top_up(session):
    policy(session, low="20.00")
    p = factories.account(session, "P001", billing_mode="prepaid", balance="15.00")
    factories.bound_resident(session, "o-P001", p)
    wechat_users.set_subscribed(session, "o-P001", True)
    factories.account(session, "P002", billing_mode="prepaid", balance="20.00")

    assert send_due_reminders(session, at("2026-11-03", 10)) == ReminderRun(low_balance=1, wechat=1)
    (alert,) = outbox_rows(session)
    assert alert.kind == "low_balance"
    assert alert.payload["keyword2"] == "15.00 元"
    assert alert.payload["keyword3"] == "低于提醒金额 20.00 元"
    assert send_due_reminders(session, at("2026-11-04", 10)) == ReminderRun()

    # Topped up to 115.00: above the threshold, nothing; drawn down to 15.00 by bills: a
    # new alert, since this top-up's cycle had none.
    topup = move_balance(session, p, D("100.00"), "payment", None, "预存")
    assert topup == D("115.00")
    assert send_due_reminders(session, at("2026-11-05", 10)) == ReminderRun()
    move_balance(session, p, D("-100.00"), "bill", None, "扣费")
    assert send_due_reminders(session, at("2026-11-06", 10)).low_balance == 1
    assert send_due_reminders(session, at("2026-11-09", 10)).low_balance == 0
    assert [step[0].split(":")[0] for step in steps_sent(session, p)] == ["topup", "topup"]
    assert len({step[0] for step in steps_sent(session, p)}) == 2


def test_an_account_nobody_can_be_told_of_is_recorded_as_unreachable(session):
    policy(session)
    a = factories.account(session, "A009")
    factories.bill(session, a, "2026-09", "30.00")
    assert send_due_reminders(session, at("2026-11-03", 10)) == ReminderRun(
        overdue=1, unreachable=1
    )
    assert outbox_rows(session) == []
    assert steps_sent(session, a) == [("2026-10-31", 3, "none")]


def test_steps_are_whole_days_of_at_least_one(session):
    assert reminders.parse_steps("20, 3,10") == (3, 10, 20)
    for bad in ("0,3", "a", ""):
        with pytest.raises(InvalidInput):
            reminders.parse_steps(bad)


def test_the_migration_matches_the_model(session):
    context = MigrationContext.configure(session.connection())
    diff = [
        d for d in compare_metadata(context, Base.metadata)
        if "reminder" in repr(d) or "'channel'" in repr(d) or "'phone'" in repr(d)
    ]  # fmt: skip
    assert diff == []
