"""The demo's 费控 (demo.control): on the demo data of `meterdesk demo` (300 accounts, its
seed) on a Monday morning, the policy preview lists who the rules say — three accounts warned
last night and past their grace, one run out an hour ago, the lab under 保电 — and the
demo's building gateway answers: a switch-off sent from the service opens the simulated
relay and the row says 断电; a payment at the counter closes it again; the lab's meters
hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from server.config import load_settings
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Account, AuditEvent, ControlCommand, CustomerClass
from server.demo.control import (
    DEMO_CONTROL_PASSWORD,
    control_environment,
    demo_gateway_meters,
    start_demo_gateway,
)
from server.demo.data import generate_demo_data
from server.ops.pc_setup import DEMO_ACCOUNTS, DEMO_SEED
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import current_till, open_till
from server.services.control import overview, sender
from server.services.control.policy import SKIP, SWITCH_OFF, WARN_CUTOFF, run_control_policy
from server.services.control.settings import ControlSettings
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.staff.sign_in import staff_identity
from tests import factories as f

# A Monday in office hours, Tuesday a working day: the switching window is open.
NOW = datetime(2026, 11, 16, 10, 30, tzinfo=BUSINESS_TZ)


def seed(session) -> None:
    generate_demo_data(session, f.ACTOR, accounts=DEMO_ACCOUNTS, seed=DEMO_SEED, now=NOW,
                       master_meters=True, prepaid_control=True)  # fmt: skip


def test_the_policy_preview_lists_who_the_demo_rules_say(session):
    seed(session)
    preview = run_control_policy(
        session, NOW, actor=Actor.system("演示"), settings=ControlSettings()
    )
    # 东校区's lowest resident drawn to 6.40 and two lowest dormitories to 3.20 and 1.50 the
    # evening before (Sunday 18:30 warned, 12 hours' grace: past by Monday 06:30); the next
    # resident drawn to 7.80 an hour ago (not warned yet: warned now, switchable 22:30); the
    # lab (a 第一教学楼 unit) at 30.00 under its 50.00 cut-off but under 保电. Nobody else of
    # the 148 prepaid accounts is under a warning threshold (the lowest has 101.10).
    rows = [(i.step, i.balance, i.threshold, i.building) for i in preview.items]
    assert sorted(rows) == sorted([
        (SWITCH_OFF, D("6.40"), D("10.00"), "家属区2栋"),
        (SWITCH_OFF, D("3.20"), D("5.00"), "学生公寓1号楼"),
        (SWITCH_OFF, D("1.50"), D("5.00"), "学生公寓1号楼"),
        (WARN_CUTOFF, D("7.80"), D("10.00"), "家属区1栋"),
        (SKIP, D("30.00"), D("50.00"), "第一教学楼"),
    ])  # fmt: skip
    assert preview.summary() == "断开 3 户，预警 1 户，等待 0 户，不处理 1 户"
    assert all("已于 2026-11-15 18:30 预警，宽限期已过" in i.why for i in preview.to_switch)
    [late] = preview.of_step(WARN_CUTOFF)
    assert late.why == "余额 7.80 元低于停电金额 10.00 元：预警，2026-11-16 22:30 后可断开"
    [lab] = preview.of_step(SKIP)
    assert lab.why.endswith("但处于保电：实验室：冰箱存放样品")
    thresholds = dict(
        session.execute(
            select(CustomerClass.code, CustomerClass.cutoff_below).where(
                CustomerClass.code.in_(("resident", "dormitory", "unit"))
            )
        ).all()
    )
    assert thresholds == {"resident": D("10.00"), "dormitory": D("5.00"), "unit": D("50.00")}
    # The lab's two electricity meters have their 保电 queued for the gateway.
    assert session.execute(
        select(ControlCommand.action, ControlCommand.status).where(
            ControlCommand.account_id
            == session.scalar(select(Account.id).where(Account.account_no == lab.account_no))
        )
    ).all() == [("hold", "queued"), ("hold", "queued")]
    # Each set through the services, in the audit trail.
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("control.%"))
    ).all()
    assert (actions.count("control.class_policy"), actions.count("control.protect")) == (3, 1)
    assert actions.count("control.warn") == 3


@pytest.fixture
def demo_db(fresh_database_url: str) -> Iterator:
    engine = make_engine(fresh_database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        seed(s)
    yield sessions
    engine.dispose()


def test_the_demo_gateway_switches_off_and_back_on(demo_db, md_env, monkeypatch):
    sessions = demo_db
    with unit_of_work(sessions) as s:
        meters, places = demo_gateway_meters(s)
        preview = run_control_policy(s, NOW, actor=Actor.system("演示"))
        target = preview.to_switch[0]
        manager = staff_identity(s, "manager_d").actor
        clerk = staff_identity(s, "clerk_d")
    # Every prepaid account's meter with a comm address, on 11 buildings of 3 campuses.
    assert len(places) == 11 and "东校区/第一教学楼" in places
    assert {m.meter_no for m in meters} >= set(target.meters)
    gateway = start_demo_gateway(meters, clock=lambda: NOW)
    try:
        # The settings as the demo hands them to serve and the desktop: the environment.
        for key, value in control_environment(gateway.url, places).items():
            monkeypatch.setenv(key, value)
        settings = ControlSettings.from_settings(load_settings())
        assert settings.password == DEMO_CONTROL_PASSWORD
        assert settings.port_for("东校区", "家属区2栋", "electricity") == gateway.url

        by_address = {m.address: m for m in gateway.meters}
        simulated = {m.meter_no: by_address[m.address] for m in meters}
        # The lab's 保电 goes out first: both its meters hold.
        report = sender.send_due(sessions, settings, NOW)
        assert (report.done, report.failed) == (2, 0)
        # The preview approved by a manager: the three accounts' meters switched off.
        with unit_of_work(sessions) as s:
            applied = run_control_policy(s, NOW, actor=clerk.actor, settings=settings,
                                         apply=True, approver=manager)  # fmt: skip
        switched = sum(len(i.meters) for i in preview.to_switch)
        assert applied.queued == switched
        report = sender.send_due(sessions, settings, NOW)
        assert (report.done, report.failed) == (switched, 0)
        assert all(
            not simulated[n].relay_closed if n.startswith("E") else not simulated[n].valve_open
            for i in preview.to_switch
            for n in i.meters
        )
        electricity = next(n for n in target.meters if n.startswith("E"))
        assert simulated[electricity].relay_closed is False
        with unit_of_work(sessions) as s:
            rows = {r.meter_no: r for r in overview.prepaid_meters(s, NOW)}
        assert (rows[electricity].state, rows[electricity].last_command) == ("off", "跳闸")
        assert rows[electricity].state_read_at == NOW
        lab = [r for r in rows.values() if r.protected]
        assert [(r.held, r.state_label) for r in lab] == [(True, "通电（表内保电）")] * 2
        assert all(simulated[r.meter_no].held for r in lab)

        # Paid at the counter: switched back on.
        monkeypatch.setattr(calendar, "now", lambda: NOW)
        with unit_of_work(sessions) as s:
            if current_till(s, clerk.staff_id) is None:
                open_till(s, clerk.actor, D("0.00"))
        with unit_of_work(sessions) as s:
            take_payment(s, clerk.actor,
                         PaymentRequest(target.account_no, D("100.00"), "cash", "D"))  # fmt: skip
            # Queued in the payment's transaction (stamped with its database time).
            restoring = s.scalars(
                select(ControlCommand.id).where(
                    ControlCommand.status == "queued", ControlCommand.source == "restore"
                )
            ).all()
        assert len(restoring) == len(target.meters)
        # As the dispatcher does on the payment's NOTIFY: those commands, at once.
        assert sender.send_due(sessions, settings, NOW, only=restoring).done == len(restoring)
        assert simulated[electricity].relay_closed is True
        with unit_of_work(sessions) as s:
            row = next(r for r in overview.prepaid_meters(s, NOW) if r.meter_no == electricity)
        assert (row.state, row.last_command, row.balance) == (
            "on", "合闸", target.balance + D("100.00"),
        )  # fmt: skip
    finally:
        gateway.stop()
