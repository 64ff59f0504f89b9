"""Done when (issue 18, part 1): a simulated building on a TCP gateway — a prepaid account
runs out, is warned, is switched off on the next working morning (not Friday night, not the
weekend: Monday 09:00), pays at the counter and is back on within seconds (the relay read
back from the simulator), all in the audit; a protected account is never switched."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import AuditEvent, ControlCommand, ControlWarning, OutboxMessage
from server.services.billing.balances import move_balance
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.control import overview, policy, sender
from server.services.control.policy import SWITCH_OFF, WAIT, WARN_CUTOFF, run_control_policy
from server.services.control.protection import set_protection
from server.services.control.settings import ControlSettings
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.residents import wechat_users
from server.services.residents.control_warnings import notify_warning
from tests import factories as f
from tests.control.support import (
    FRIDAY_EVENING,
    PASSWORD,
    address,
    meter_time,
    prepaid_with_meter,
    resident_policy,
)
from tests.jobs.support import SteppedClock

JOB = Actor.system("定时任务")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BUSINESS_TZ)


@pytest.fixture
def building(fresh_database_url: str) -> Iterator[tuple]:
    clock = SteppedClock(FRIDAY_EVENING)
    meters = [
        SimulatedElectricityMeter(address(n), clock=lambda: meter_time(clock), password=PASSWORD)
        for n in (1, 2)
    ]
    engine = make_engine(fresh_database_url)
    with SimulatorServer(meters) as bus:
        settings = ControlSettings(
            ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0, retries=0
        )
        yield engine, settings, clock, meters
    engine.dispose()


def test_runs_out_warned_switched_off_monday_morning_paid_and_back_on(building, monkeypatch):
    engine, settings, clock, (meter_p, meter_lab) = building
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        f.branches(s)
        zhao, wang = f.staff(s, "zhao", "manager"), f.staff(s, "wang")
        resident_policy(s, zhao)
        p = prepaid_with_meter(s, "P001", 1, balance="50.00")
        lab = prepaid_with_meter(s, "P002", 2, balance="50.00", holder="化学实验室")
        f.bound_resident(s, "o-p001", p)
        wechat_users.set_subscribed(s, "o-p001", True)
        set_protection(s, zhao, protected=True, reason="实验室：冰箱存放样品",
                       now=FRIDAY_EVENING, account_no="P002")  # fmt: skip
        # Friday evening the month's bills draw 45.00 from each: 5.00 left, below 10.00.
        move_balance(s, p, D("-45.00"), "bill", None, "2026-11 电费")
        move_balance(s, lab, D("-45.00"), "bill", None, "2026-11 电费")

    def run(now: datetime, approver: Actor | None = None) -> policy.PolicyPreview:
        clock.moment = now
        with unit_of_work(sessions) as s:
            return run_control_policy(s, now, actor=JOB, settings=settings, apply=True,
                                      approver=approver, notify=notify_warning)  # fmt: skip

    # Friday 18:30, the job's run: P001 warned (switchable 12 hours later, Saturday 06:30),
    # the lab protected, nothing switched.
    friday = run(FRIDAY_EVENING)
    assert [(i.account_no, i.step) for i in friday.items] == [
        ("P001", WARN_CUTOFF),
        ("P002", "skip"),
    ]
    assert friday.items[0].switch_after == at(5, 6, 30)
    assert (
        friday.items[1].why == "余额 5.00 元低于停电金额 10.00 元，但处于保电：实验室：冰箱存放样品"
    )
    assert friday.warned == 1 and friday.queued == 0
    with unit_of_work(sessions) as s:
        message = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "low_balance"))
        assert message is not None and message.openid == "o-p001"
        assert message.payload["keyword2"] == "5.00 元"
        assert (
            message.payload["keyword3"]
            == "低于停电金额 10.00 元，2026-12-05 06:30 后将停电（停水）"
        )
        assert s.scalar(select(ControlWarning.channel)) == "wechat"

    # A manager approving at night, on Saturday, on Sunday or Monday 08:30 switches nothing.
    for moment, why in [
        (at(4, 22), "宽限至 2026-12-05 06:30"),
        (at(5, 10), "非工作日不停电"),
        (at(6, 10), "非工作日不停电"),
        (at(7, 8, 30), "不在停电时段 09:00–16:00（夜间不停电）"),
    ]:
        preview = run(moment, approver=zhao)
        assert [(i.account_no, i.step) for i in preview.items] == [("P001", WAIT), ("P002", "skip")]
        assert why in preview.items[0].why
        assert preview.queued == 0
    with unit_of_work(sessions) as s:
        # Only the lab's meter's own 保电 (3AH), queued with the mark.
        assert s.execute(select(ControlCommand.action, ControlCommand.account_id)).all() == [
            ("hold", lab)
        ]

    # Monday 09:00, approved: P001 switched off over the gateway, the relay read back open.
    monday = run(at(7, 9), approver=zhao)
    assert [(i.account_no, i.step) for i in monday.to_switch] == [("P001", SWITCH_OFF)]
    assert monday.queued == 1
    report = sender.send_due(sessions, settings, at(7, 9))
    assert (report.done, report.failed) == (2, 0), report
    assert meter_p.relay_closed is False and meter_lab.relay_closed is True
    assert (meter_p.held, meter_lab.held) == (False, True)
    with unit_of_work(sessions) as s:
        rows = {r.account_no: r for r in overview.prepaid_meters(s, at(7, 9))}
    assert (rows["P001"].state, rows["P001"].last_command, rows["P001"].last_status) == (
        "off", "跳闸", "已执行",
    )  # fmt: skip
    assert rows["P001"].state_read_at == at(7, 9)
    assert (rows["P002"].state, rows["P002"].held, rows["P002"].protected) == (
        "on", True, "实验室：冰箱存放样品",
    )  # fmt: skip
    assert rows["P002"].state_label == "通电（表内保电）"

    # 10:15 P001 pays 100.00 at the counter: 105.00 ≥ 10.00, the switch-on is queued in the
    # payment's transaction and sent right after its commit.
    clock.moment = at(7, 10, 15)
    monkeypatch.setattr(calendar, "now", lambda: at(7, 10, 15))
    stop = sender.start_dispatcher(engine, settings, clock)
    try:
        with unit_of_work(sessions) as s:
            open_till(s, wang, D("0.00"))
        started = time.monotonic()
        with unit_of_work(sessions) as s:
            result = take_payment(s, wang, PaymentRequest("P001", D("100.00"), "cash", "D"))
            assert result.balance == D("105.00")
            queued = s.scalars(
                select(ControlCommand.action).where(ControlCommand.status == "queued")
            ).all()
            assert queued == ["close"]  # in the payment's own transaction
        while meter_p.relay_closed is False and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert meter_p.relay_closed is True
        assert time.monotonic() - started < 5
    finally:
        stop()
    with unit_of_work(sessions) as s:
        row = next(r for r in overview.prepaid_meters(s, at(7, 10, 15)) if r.account_no == "P001")
        assert (row.state, row.last_command, row.last_status) == ("on", "合闸", "已执行")
        trail = [
            (e.action, e.actor)
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("control.%") | (AuditEvent.action == "payment.take"))
                .order_by(AuditEvent.id)
            )
        ]
        assert trail == [
            ("control.class_policy", zhao.label),
            ("control.protect", zhao.label),
            ("control.queue", zhao.label),
            ("control.warn", "费控策略"),
            ("control.policy", "定时任务"),
            *[("control.policy", "定时任务")] * 4,
            ("control.queue", "定时任务"),
            ("control.policy", "定时任务"),
            ("control.done", "费控发送"),
            ("control.done", "费控发送"),
            ("control.queue", wang.label),
            ("payment.take", wang.label),
            ("control.done", "费控发送"),
        ]
        commands = s.scalars(select(ControlCommand).order_by(ControlCommand.id)).all()
        assert [(c.action, c.source, c.approved_by, c.status, c.state_after) for c in commands] == [
            ("hold", "manual", "", "done", "on"),
            ("trip", "policy", zhao.label, "done", "off"),
            ("close", "restore", "", "done", "on"),
        ]
        # The lab's meter was sent its 保电 only, never a switch.
        assert [c.account_id for c in commands] == [lab, p, p]
        assert [m.action for m in meter_lab.controls] == ["hold"]
