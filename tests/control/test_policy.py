"""The 费控 policy's rules, one by one, in a rolled-back session: the switching window, the
warning once per top-up, protection of an account or a whole building, the class's
thresholds, bulk switching only with a manager's approval, and which switch-offs a payment
undoes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update

from server.db.models import AuditEvent, ControlCommand, ControlWarning
from server.services.billing.balances import move_balance
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.control import commands, policy
from server.services.control.policy import (
    SKIP,
    SWITCH_OFF,
    WAIT,
    WARN_CUTOFF,
    WARN_LOW,
    run_control_policy,
    set_class_policy,
    switching_window,
)
from server.services.control.protection import building_id_of, protections, set_protection
from server.services.control.restore import queue_restore, restore_due
from server.services.control.settings import ControlSettings, parse_ports
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import Conflict, InvalidInput, PermissionDenied
from tests import factories as f
from tests.control.support import prepaid_with_meter, resident_policy

SETTINGS = ControlSettings()
JOB = Actor.system("定时任务")


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), time(hour, minute), BUSINESS_TZ)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("2026-12-07", 9), (True, "")),  # Monday morning
        (at("2026-12-07", 15, 59), (True, "")),
        (at("2026-12-07", 16), (False, "不在停电时段 09:00–16:00（夜间不停电）")),
        (at("2026-12-08", 8, 59), (False, "不在停电时段 09:00–16:00（夜间不停电）")),
        (at("2026-12-04", 10), (False, "节假日（休息日）前一天不停电")),  # a Friday
        (at("2026-09-30", 10), (False, "节假日（休息日）前一天不停电")),  # before 国庆
        (at("2026-10-01", 10), (False, "非工作日不停电")),
        (at("2026-10-09", 10), (True, "")),  # a Friday before the swapped working Saturday
        (at("2026-12-05", 10), (False, "非工作日不停电")),
    ],
)
def test_the_switching_window(session, moment, expected):
    assert switching_window(session, moment, SETTINGS) == expected


def test_ports_settings_are_read_by_building_and_bus():
    settings = ControlSettings(
        ports=parse_ports("1号楼=socket://10.0.0.5:4001; 东校区/2号楼=COM3\n2号楼:water=COM4")
    )
    assert settings.port_for("东校区", "1号楼", "electricity") == "socket://10.0.0.5:4001"
    assert settings.port_for("东校区", "2号楼", "electricity") == "COM3"
    assert settings.port_for("东校区", "2号楼", "water") == "COM4"
    assert settings.port_for("西校区", "3号楼", "water") == ""
    with pytest.raises(InvalidInput, match="应写成 楼名=端口"):
        parse_ports("1号楼 socket://x")


@pytest.fixture
def desk(session):
    f.branches(session)
    zhao, li = f.staff(session, "zhao", "manager"), f.staff(session, "li", "reader")
    resident_policy(session, zhao)
    return session, zhao, li


def steps(preview: policy.PolicyPreview) -> list[tuple[str, str]]:
    return [(i.account_no, i.step) for i in preview.items]


def test_warned_once_per_top_up_and_low_balances_only_warned(desk):
    session, _, _ = desk
    a = prepaid_with_meter(session, "P001", 1, balance="25.00")  # below 30: a reminder only
    b = prepaid_with_meter(session, "P002", 2, balance="8.00")  # below 10: the cut-off warning
    prepaid_with_meter(session, "P003", 3, balance="30.00")  # at the warning line: nothing
    monday = at("2026-12-07", 10)
    first = run_control_policy(session, monday, actor=JOB, apply=True)
    assert steps(first) == [("P001", WARN_LOW), ("P002", WARN_CUTOFF)]
    assert first.items[1].switch_after == monday + timedelta(hours=12)
    # The next run has only P002 waiting for its grace to pass.
    second = run_control_policy(session, monday + timedelta(hours=1), actor=JOB, apply=True)
    assert steps(second) == [("P002", WAIT)]
    assert second.items[0].why == (
        "余额 8.00 元低于停电金额 10.00 元，已于 2026-12-07 10:00 预警，宽限至 2026-12-07 22:00"
    )
    # A top-up starts a new cycle: once it is spent again, P001 is reminded again.
    move_balance(session, a, D("50.00"), "payment", None, "预存")
    move_balance(session, a, D("-50.00"), "bill", None, "电费")
    third = run_control_policy(session, monday + timedelta(hours=2), actor=JOB, apply=True)
    assert steps(third) == [("P001", WARN_LOW), ("P002", WAIT)]
    kinds = session.execute(
        select(ControlWarning.account_id, ControlWarning.kind).order_by(ControlWarning.id)
    ).all()
    assert kinds == [(a, "low"), (b, "cutoff"), (a, "low")]


def test_a_protected_building_is_never_switched_and_marks_lapse(desk):
    session, zhao, li = desk
    prepaid_with_meter(session, "P001", 1, balance="5.00")
    set_class_policy(session, zhao, "resident", cutoff_below=D("10.00"), warn_below=None,
                     grace_hours=0)  # fmt: skip
    monday = at("2026-12-07", 10)
    set_protection(session, zhao, protected=True, reason="校医院所在楼", now=monday,
                   building="1号楼", until=at("2026-12-07", 12))  # fmt: skip
    preview = run_control_policy(session, monday, actor=JOB, apply=True, approver=zhao)
    assert steps(preview) == [("P001", SKIP)]
    assert preview.items[0].why.endswith("但处于保电：校医院所在楼")
    assert [p.target for p in protections(session, monday)] == ["楼宇 1号楼"]
    with pytest.raises(PermissionDenied, match="设置保电须由管理人员办理"):
        set_protection(session, li, protected=False, reason="x", now=monday, building="1号楼")
    # At 12:00 the mark has lapsed: warned now, switched off once approved.
    noon = at("2026-12-07", 12)
    assert protections(session, noon) == []
    assert steps(run_control_policy(session, noon, actor=JOB, apply=True)) == [
        ("P001", WARN_CUTOFF)
    ]
    approved = run_control_policy(session, noon, actor=JOB, apply=True, approver=zhao)
    assert steps(approved) == [("P001", SWITCH_OFF)] and approved.queued == 1
    with pytest.raises(Conflict, match="楼宇 1号楼 没有保电，无需解除"):
        set_protection(session, zhao, protected=False, reason="x", now=noon, building="1号楼")


def test_the_class_thresholds_are_a_managers_and_checked(desk):
    session, zhao, li = desk
    with pytest.raises(PermissionDenied):
        set_class_policy(session, li, "resident", cutoff_below=D("5"), warn_below=None,
                         grace_hours=1)  # fmt: skip
    with pytest.raises(InvalidInput, match="提醒金额 5 元应不低于停电金额 10 元"):
        set_class_policy(session, zhao, "resident", cutoff_below=D("10"), warn_below=D("5"),
                         grace_hours=1)  # fmt: skip
    [resident] = [c for c in policy.class_policies(session) if c.code == "resident"]
    assert (resident.cutoff_below, resident.warn_below, resident.grace_hours) == (
        D("10.00"), D("30.00"), 12,
    )  # fmt: skip
    audit = session.scalars(
        select(AuditEvent.data).where(AuditEvent.action == "control.class_policy")
    ).all()
    assert audit[-1]["before"] == {"cutoff_below": "None", "warn_below": "None", "grace_hours": 24}


def test_a_building_is_switched_only_with_a_managers_approval(desk):
    session, zhao, li = desk
    a = prepaid_with_meter(session, "P001", 1, balance="50.00")
    prepaid_with_meter(session, "P002", 2, balance="50.00")
    monday = at("2026-12-07", 10)
    set_protection(session, zhao, protected=True, reason="实验室", now=monday, account_no="P002")
    building_id = building_id_of(session, "1号楼")
    with pytest.raises(PermissionDenied, match="整栋楼通断须由管理人员审批"):
        commands.switch_building(session, li, building_id, "off", "线路检修", monday, None)
    with pytest.raises(PermissionDenied, match="不是管理人员"):
        commands.switch_building(session, li, building_id, "off", "线路检修", monday, li)
    ids = commands.switch_building(session, li, building_id, "off", "线路检修", monday, zhao)
    queued = session.scalars(select(ControlCommand).where(ControlCommand.id.in_(ids))).all()
    # The protected P002 is left on.
    assert [(c.account_id, c.action, c.approved_by) for c in queued] == [(a, "trip", zhao.label)]


def test_a_payment_undoes_the_policys_switch_off_not_a_persons(desk):
    session, zhao, li = desk
    p = prepaid_with_meter(session, "P001", 1, balance="5.00")
    q = prepaid_with_meter(session, "P002", 2, balance="5.00")
    monday = at("2026-12-07", 10)
    commands.queue_switch(session, JOB, p, "off", source="policy", reason="费控", now=monday,
                          approver=zhao)  # fmt: skip
    commands.switch_account(session, li, "P002", "off", "表计更换", monday)
    wang = f.staff(session, "wang")
    open_till(session, wang, D("0.00"))
    # 5.00 + 4.00 = 9.00, still below 10.00: nothing; + 1.00 more reaches 10.00: back on.
    take_payment(session, wang, PaymentRequest("P001", D("4.00"), "cash", "D"))
    assert queue_restore(session, wang, p, D("9.00"), monday) == []
    take_payment(session, wang, PaymentRequest("P001", D("1.00"), "cash", "D"))
    take_payment(session, wang, PaymentRequest("P002", D("100.00"), "cash", "D"))
    rows = session.execute(
        select(ControlCommand.account_id, ControlCommand.action, ControlCommand.source,
               ControlCommand.status).order_by(ControlCommand.id)
    ).all()  # fmt: skip
    assert rows == [
        (p, "trip", "policy", "cancelled"),  # superseded before it was sent
        (q, "trip", "manual", "queued"),
        (p, "close", "restore", "queued"),
    ]


def test_money_by_another_path_is_switched_back_on_by_the_sender_jobs_backstop(desk):
    session, zhao, li = desk
    p = prepaid_with_meter(session, "P001", 1, balance="5.00")
    q = prepaid_with_meter(session, "P002", 2, balance="50.00")
    monday = at("2026-12-07", 10)
    commands.queue_switch(session, JOB, p, "off", source="policy", reason="费控", now=monday,
                          approver=zhao)  # fmt: skip
    commands.switch_account(session, li, "P002", "off", "表计更换", monday)
    # A credit adjustment (调账) of 20.00: 25.00, not a payment, so take_payment saw nothing.
    move_balance(session, p, D("20.00"), "adjustment", None, "调账")
    assert (
        restore_due(session, JOB, monday)
        == session.scalars(select(ControlCommand.id).where(ControlCommand.action == "close")).all()
    )
    assert restore_due(session, JOB, monday) == []  # once
    rows = session.execute(
        select(ControlCommand.account_id, ControlCommand.action, ControlCommand.source)
        .where(ControlCommand.status == "queued")
        .order_by(ControlCommand.id)
    ).all()
    assert rows == [(q, "trip", "manual"), (p, "close", "restore")]
    # That switch-on fails (the meter refused): the backstop does not queue another every
    # round; the desk retries it.
    session.execute(
        update(ControlCommand).where(ControlCommand.action == "close").values(status="failed")
    )
    assert restore_due(session, JOB, monday) == []
