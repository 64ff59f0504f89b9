"""Sending queued commands over a real socket: a wrong password fails with the meter's
refusal, a silent meter is retried with growing pauses and then failed, a building with no
port fails at once, a water meter's valve is closed and read back, a switch-off that became
wrong before it went out (protected since, paid since) is cancelled; a payment's switch-on,
at a counter or online, goes out when it commits and never when it rolls back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from devices.simulators import SimulatedElectricityMeter, SimulatedWaterMeter, SimulatorServer
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Account, ControlCommand, MeterSwitchState
from server.services.billing.balances import move_balance
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.control import commands, sender
from server.services.control.commands import switch_account
from server.services.control.protection import set_protection
from server.services.control.settings import ControlSettings
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering import readings
from server.services.metering.readings import MeterSpec
from server.services.online_pay import callbacks, orders
from server.services.online_pay.config import DemoPayConfig
from server.services.online_pay.demo import DemoPay
from tests import factories as f
from tests.control.support import PASSWORD, address, meter_time, prepaid_with_meter, resident_policy
from tests.jobs.support import SteppedClock

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=BUSINESS_TZ)


@pytest.fixture
def sessions(fresh_database_url: str) -> Iterator:
    engine = make_engine(fresh_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def setup(sessions, *accounts: tuple[str, int]) -> tuple[Actor, Actor]:
    with unit_of_work(sessions) as s:
        f.branches(s)
        zhao, reader = f.staff(s, "zhao", "manager"), f.staff(s, "li", "reader")
        resident_policy(s, zhao)
        for account_no, n in accounts:
            prepaid_with_meter(s, account_no, n, balance="50.00")
    return zhao, reader


def command(sessions, command_id: int) -> ControlCommand:
    with unit_of_work(sessions) as s:
        found = s.get(ControlCommand, command_id)
        assert found is not None
        return found


def test_a_wrong_password_fails_at_once_with_the_meters_refusal(sessions):
    clock = SteppedClock(MONDAY)
    meter = SimulatedElectricityMeter(
        address(1), clock=lambda: meter_time(clock), password=PASSWORD
    )
    _, reader = setup(sessions, ("P001", 1))
    with SimulatorServer([meter]) as bus:
        settings = ControlSettings(
            ports={"1号楼": bus.url}, password="02000000", timeout=1.0, retries=0
        )
        with unit_of_work(sessions) as s:
            [command_id] = switch_account(s, reader, "P001", "off", "表计故障排查", MONDAY)
        report = sender.send_due(sessions, settings, MONDAY)
    assert (report.done, report.retrying, report.failed) == (0, 0, 1)
    failed = command(sessions, command_id)
    assert failed.status == "failed" and failed.attempts == 1
    # DCH with error word 04H: bit 2, 密码错/未授权.
    assert failed.error == "表 000000000001 拒绝控制命令（错误字 04H）：密码错/未授权"
    assert failed.reply_hex.startswith("68 01 00 00 00 00 00 68 DC 01 37")
    assert failed.state_after == "on"
    assert meter.relay_closed is True
    with unit_of_work(sessions) as s:
        rows = commands.failed_commands(s)
    assert [(r.command_id, r.action_label, r.status_label, r.reason) for r in rows] == [
        (command_id, "跳闸", "失败", "表计故障排查")
    ]


def test_a_silent_meter_is_retried_with_growing_pauses_then_failed(sessions):
    clock = SteppedClock(MONDAY)
    meter = SimulatedElectricityMeter(address(1), clock=lambda: meter_time(clock), silent=True)
    _, reader = setup(sessions, ("P001", 1))
    with SimulatorServer([meter]) as bus:
        settings = ControlSettings(
            ports={"1号楼": bus.url}, password=PASSWORD, timeout=0.2, retries=0, max_attempts=3
        )
        with unit_of_work(sessions) as s:
            [command_id] = switch_account(s, reader, "P001", "off", "表计故障排查", MONDAY)
        first = sender.send_due(sessions, settings, MONDAY)
        # Not due again until 30 s later, then 60 s after the second try.
        early = sender.send_due(sessions, settings, MONDAY + timedelta(seconds=29))
        second = sender.send_due(sessions, settings, MONDAY + timedelta(seconds=30))
        assert command(sessions, command_id).next_try_at == MONDAY + timedelta(seconds=90)
        third = sender.send_due(sessions, settings, MONDAY + timedelta(seconds=90))
    assert (first.retrying, early, second.retrying, third.failed) == (
        1, sender.SendReport(), 1, 1,
    )  # fmt: skip
    failed = command(sessions, command_id)
    assert (failed.status, failed.attempts, failed.reply_hex) == ("failed", 3, "")
    assert failed.state_after == "unknown"


def test_a_building_with_no_port_fails_at_once(sessions):
    _, reader = setup(sessions, ("P001", 1))
    with unit_of_work(sessions) as s:
        [command_id] = switch_account(s, reader, "P001", "off", "表计故障排查", MONDAY)
    report = sender.send_due(sessions, ControlSettings(ports={"2号楼": "COM3"}), MONDAY)
    assert report.failed == 1
    assert command(sessions, command_id).error == "楼宇 1号楼 未配置通信端口（control.ports）"


def test_a_water_meter_valve_is_closed_and_read_back(sessions):
    valve = SimulatedWaterMeter("00000000000011")
    _, reader = setup(sessions)
    with unit_of_work(sessions) as s:
        account_id = f.account(s, "W001", billing_mode="prepaid", balance="50.00")
        readings.register_meter(s, f.ACTOR, MeterSpec(meter_no="W011", kind="water", digits=6,
                                hardware_no="00000000000011", account_id=account_id))  # fmt: skip
    with SimulatorServer([valve]) as bus:
        settings = ControlSettings(ports={"1号楼:water": bus.url}, timeout=1.0, retries=0)
        with unit_of_work(sessions) as s:
            [command_id] = switch_account(s, reader, "W001", "off", "漏水关阀", MONDAY)
        assert sender.send_due(sessions, settings, MONDAY).done == 1
    assert valve.valve_open is False
    done = command(sessions, command_id)
    assert (done.action, done.status, done.state_after) == ("valve-close", "done", "off")
    with unit_of_work(sessions) as s:
        state = s.get(MeterSwitchState, done.meter_id)
        assert state is not None and (state.state, state.read_at) == ("off", MONDAY)


def test_a_switch_off_that_became_wrong_is_cancelled_not_sent(sessions):
    clock = SteppedClock(MONDAY)
    meters = [SimulatedElectricityMeter(address(n), clock=lambda: meter_time(clock),
                                        password=PASSWORD) for n in (1, 2)]  # fmt: skip
    zhao, reader = setup(sessions, ("P001", 1), ("P002", 2))
    with unit_of_work(sessions) as s:
        [protected] = switch_account(s, reader, "P001", "off", "表计故障排查", MONDAY)
        set_protection(s, zhao, protected=True, reason="医务室", now=MONDAY, account_no="P001")
    # A policy switch-off queued as an approved run would, then the account paid 20.00.
    with unit_of_work(sessions) as s:
        [policy_cmd] = commands.queue_switch(
            s, Actor.system("费控策略"), _account(s, "P002"), "off", source="policy",
            reason="费控", now=MONDAY, approver=zhao,
        )  # fmt: skip
        move_balance(s, _account(s, "P002"), D("20.00"), "payment", None, "预存")
    with SimulatorServer(meters) as bus:
        settings = ControlSettings(ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0)
        report = sender.send_due(sessions, settings, MONDAY)
    # Done: the mark's own 保电 to P001's meter, queued after the trip and sent.
    assert report.cancelled == 2 and report.done == 1
    assert command(sessions, protected).error == "未发送：已设保电：医务室"
    assert command(sessions, policy_cmd).error == "未发送：余额已为 70.00 元，不再断开"
    assert all(m.relay_closed for m in meters)
    assert [[c.action for c in m.controls] for m in meters] == [["hold"], []]
    assert [m.held for m in meters] == [True, False]


def _account(s, account_no: str) -> int:
    found = s.scalar(select(Account.id).where(Account.account_no == account_no))
    assert found is not None
    return found


def test_a_switch_on_goes_out_when_its_payment_commits_never_when_it_rolls_back(
    sessions, fresh_database_url
):
    """The dispatcher LISTENs in the server's process; the payment is taken on another
    connection pool (a counter PC) and announced by NOTIFY, which PostgreSQL delivers at
    commit only."""
    clock = SteppedClock(MONDAY)
    meter = SimulatedElectricityMeter(address(1), clock=lambda: meter_time(clock),
                                      password=PASSWORD, relay_closed=False)  # fmt: skip
    zhao, _ = setup(sessions, ("P001", 1))
    with unit_of_work(sessions) as s:
        wang = f.staff(s, "wang")
        open_till(s, wang, D("0.00"))
        account_id = _account(s, "P001")
        move_balance(s, account_id, D("-45.00"), "bill", None, "电费")
        commands.queue_switch(s, zhao, account_id, "off", source="policy", reason="费控",
                              now=MONDAY, approver=zhao)  # fmt: skip
    with SimulatorServer([meter]) as bus:
        settings = ControlSettings(ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0)
        assert sender.send_due(sessions, settings, MONDAY).done == 1
        server_engine = make_engine(fresh_database_url)
        stop = sender.start_dispatcher(server_engine, settings, clock)
        try:
            with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
                take_payment(s, wang, PaymentRequest("P001", D("100.00"), "cash", "D"))
                raise RuntimeError("the clerk's PC lost power before the commit")
            time.sleep(1)
            assert meter.relay_closed is False
            started = time.monotonic()
            with unit_of_work(sessions) as s:
                take_payment(s, wang, PaymentRequest("P001", D("100.00"), "cash", "D"))
            while not meter.relay_closed and time.monotonic() - started < 5:
                time.sleep(0.05)
            assert meter.relay_closed is True
        finally:
            stop()
            server_engine.dispose()
    with unit_of_work(sessions) as s:
        rows = s.execute(
            select(ControlCommand.action, ControlCommand.status).order_by(ControlCommand.id)
        ).all()
    assert rows == [("trip", "done"), ("close", "done")]


def test_an_online_top_up_switches_the_account_back_on_at_once(sessions, fresh_database_url):
    """The resident tops up 100.00 on the phone (演示支付's signed callback through the real
    order → callback → take_payment path): the switch-on is queued in the callback's
    transaction and the meter is back on within seconds."""
    clock = SteppedClock(MONDAY)
    meter = SimulatedElectricityMeter(address(1), clock=lambda: meter_time(clock),
                                      password=PASSWORD)  # fmt: skip
    zhao, _ = setup(sessions, ("P001", 1))
    sandbox = DemoPay(DemoPayConfig(key=b"demo-key-for-the-control-test-32"))
    with unit_of_work(sessions) as s:
        account_id = _account(s, "P001")
        move_balance(s, account_id, D("-45.00"), "bill", None, "电费")
        commands.queue_switch(s, zhao, account_id, "off", source="policy", reason="费控",
                              now=MONDAY, approver=zhao)  # fmt: skip
    with SimulatorServer([meter]) as bus:
        settings = ControlSettings(ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0)
        assert sender.send_due(sessions, settings, MONDAY).done == 1
        assert meter.relay_closed is False
        server_engine = make_engine(fresh_database_url)
        stop = sender.start_dispatcher(server_engine, settings, clock)
        try:
            with unit_of_work(sessions) as s:
                order = orders.create_order(s, Actor.system("住户"), "P001", "demo",
                                            timedelta(minutes=30), topup=D("100.00"))  # fmt: skip
                order_ref = orders.ref_of_order_no(s, order.order_no)
            started = time.monotonic()
            headers, body = sandbox.notify(order_ref)
            callbacks.handle_notify(sessions, sandbox, headers, body, "127.0.0.1")
            while not meter.relay_closed and time.monotonic() - started < 5:
                time.sleep(0.05)
            assert meter.relay_closed is True
        finally:
            stop()
            server_engine.dispose()
    with unit_of_work(sessions) as s:
        restored = s.execute(
            select(ControlCommand.action, ControlCommand.source, ControlCommand.status,
                   ControlCommand.reason).order_by(ControlCommand.id.desc()).limit(1)
        ).one()  # fmt: skip
    assert tuple(restored) == (
        "close", "restore", "done", "缴费后余额 105.00 元，不低于停电金额 10.00 元",
    )  # fmt: skip
