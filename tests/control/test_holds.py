"""保电 on the meter itself: a mark queues the meter's own 保电 (3AH), sent like any command
(retried while the line is silent, the hold read back from 状态字3); the held meter then
refuses a trip from anywhere (DCH); lifting the mark, or its lapse, sends 保电解除 (3BH).
All over a real socket to the simulator."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from devices.simulators import SimulatedElectricityMeter, SimulatorServer
from devices.switching import switch_meter
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Account, AuditEvent, ControlCommand, ControlProtection
from server.services.control import overview, sender
from server.services.control.protection import release_lapsed, set_protection
from server.services.control.settings import ControlSettings
from server.services.core.calendar import BUSINESS_TZ
from server.services.metering import readings
from server.services.metering.readings import MeterSpec
from tests import factories as f
from tests.control.support import PASSWORD, address, meter_time, prepaid_with_meter
from tests.jobs.support import SteppedClock

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=BUSINESS_TZ)


@pytest.fixture
def sessions(fresh_database_url: str) -> Iterator:
    engine = make_engine(fresh_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def queued(sessions) -> list[tuple[str, str, str]]:
    with unit_of_work(sessions) as s:
        return [
            (action, status, reason)
            for action, status, reason in s.execute(
                select(
                    ControlCommand.action, ControlCommand.status, ControlCommand.reason
                ).order_by(ControlCommand.id)
            )
        ]


def free_port_url() -> str:
    """A loopback port nobody listens on: a gateway that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"socket://127.0.0.1:{probe.getsockname()[1]}"


def test_a_mark_holds_the_meter_itself_until_lifted(sessions):
    clock = SteppedClock(MONDAY)
    meter = SimulatedElectricityMeter(address(1), clock=lambda: meter_time(clock),
                                      password=PASSWORD)  # fmt: skip
    with unit_of_work(sessions) as s:
        f.branches(s)
        zhao = f.staff(s, "zhao", "manager")
        prepaid_with_meter(s, "P001", 1, balance="50.00", holder="医务室")
        # A water meter on the account: CJ/T 188 has no 保电, its valve is left alone.
        readings.register_meter(
            s, f.ACTOR,
            MeterSpec(meter_no="W001", kind="water", digits=5, hardware_no="00000000000001",
                      account_id=account_of(s, "P001")),
        )  # fmt: skip
        # A postpaid account on the building: never switched, so never sent a 保电.
        f.account(s, "Q001")
        set_protection(s, zhao, protected=True, reason="医务室：冷藏药品", now=MONDAY,
                       account_no="P001")  # fmt: skip
    assert queued(sessions) == [("hold", "queued", "保电：医务室：冷藏药品")]

    # The gateway is down at first: the 保电 waits to be tried again, like any command.
    down = ControlSettings(ports={"1号楼": free_port_url()}, password=PASSWORD, timeout=0.3,
                           retries=0)  # fmt: skip
    report = sender.send_due(sessions, down, MONDAY)
    assert (report.done, report.retrying) == (0, 1)
    with SimulatorServer([meter]) as bus:
        up = ControlSettings(ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0, retries=0)
        later = MONDAY + sender.retry_delay(1)
        assert sender.send_due(sessions, up, later).done == 1
        assert meter.held is True
        # Another system trips it (a vendor's tool, its own password): the meter refuses, DCH.
        refused = switch_meter(bus.url, "dlt645-2007", address(1), "trip", password=PASSWORD,
                               until=meter_time(clock) + timedelta(minutes=5), timeout=1.0,
                               retries=0)  # fmt: skip
        assert (refused.ok, refused.state, refused.held) == (False, "on", True)
        assert refused.reply_hex.split(" ")[8:10] == ["DC", "01"]
        assert meter.relay_closed is True
        with unit_of_work(sessions) as s:
            row, water = overview.prepaid_meters(s, later)
            assert (row.meter_no, row.held, row.state_label) == ("E001", True, "通电（表内保电）")
            assert (water.meter_no, water.held, water.last_command) == ("W001", None, "")
            assert (row.last_command, row.last_status) == ("保电", "已执行")

        # Lifted: 保电解除 (3BH) goes out; the meter takes a trip again.
        with unit_of_work(sessions) as s:
            set_protection(s, zhao, protected=False, reason="药品已移走", now=later,
                           account_no="P001")  # fmt: skip
        assert queued(sessions)[-1] == ("hold-off", "queued", "保电解除：药品已移走")
        assert sender.send_due(sessions, up, later).done == 1
        assert meter.held is False
        tripped = switch_meter(bus.url, "dlt645-2007", address(1), "trip", password=PASSWORD,
                               until=meter_time(clock) + timedelta(minutes=5), timeout=1.0,
                               retries=0)  # fmt: skip
        assert (tripped.ok, tripped.state, tripped.held) == (True, "off", False)
    assert [c.action for c in meter.controls] == ["hold", "trip", "hold-off", "trip"]
    with unit_of_work(sessions) as s:
        row, _ = overview.prepaid_meters(s, later)
        assert (row.held, row.last_command) == (False, "保电解除")


def account_of(s, account_no: str) -> int:
    found = s.scalar(select(Account.id).where(Account.account_no == account_no))
    assert found is not None
    return found


def test_a_building_mark_and_its_lapse(sessions):
    clock = SteppedClock(MONDAY)
    meters = [SimulatedElectricityMeter(address(n), clock=lambda: meter_time(clock),
                                        password=PASSWORD) for n in (1, 2)]  # fmt: skip
    until = MONDAY + timedelta(hours=2)
    with unit_of_work(sessions) as s:
        f.branches(s)
        zhao = f.staff(s, "zhao", "manager")
        prepaid_with_meter(s, "P001", 1, balance="50.00")
        prepaid_with_meter(s, "P002", 2, balance="50.00")
        set_protection(s, zhao, protected=True, reason="高考考场", now=MONDAY,
                       building="1号楼", until=until)  # fmt: skip
        # P002's own mark, with no end: it outlasts the building's.
        set_protection(s, zhao, protected=True, reason="实验室", now=MONDAY, account_no="P002")
    # Both meters held for the building; P002's again for its own mark (the later 保电
    # supersedes the queued one).
    assert queued(sessions) == [
        ("hold", "queued", "保电：高考考场"),
        ("hold", "cancelled", "保电：高考考场"),
        ("hold", "queued", "保电：实验室"),
    ]
    with SimulatorServer(meters) as bus:
        settings = ControlSettings(ports={"1号楼": bus.url}, password=PASSWORD, timeout=1.0)
        assert sender.send_due(sessions, settings, MONDAY).done == 2
        assert [m.held for m in meters] == [True, True]
        # Before the end nothing lapses; at it, the building's mark is lifted by itself and
        # only P001 is released: P002 stays under its own mark.
        with unit_of_work(sessions) as s:
            assert release_lapsed(s, until - timedelta(minutes=1)) == 0
        with unit_of_work(sessions) as s:
            assert release_lapsed(s, until) == 1
        with unit_of_work(sessions) as s:
            assert release_lapsed(s, until) == 0  # lifted once
        assert queued(sessions)[3:] == [
            ("hold-off", "queued", "保电解除：保电已于 2026-12-07 12:00 到期"),
            ("hold", "queued", "保电：实验室"),
        ]
        assert sender.send_due(sessions, settings, until).done == 2
        assert [m.held for m in meters] == [False, True]
    with unit_of_work(sessions) as s:
        lifted = s.scalars(select(ControlProtection).order_by(ControlProtection.id.desc())).first()
        assert lifted is not None
        assert (lifted.protected, lifted.actor, lifted.building_id is not None) == (
            False, "保电到期", True,
        )  # fmt: skip
        assert (
            s.scalar(select(AuditEvent.actor).where(AuditEvent.action == "control.unprotect"))
            == "保电到期"
        )
