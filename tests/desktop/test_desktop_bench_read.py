"""台架读表 on the handheld page driven for real (pytest-qt, offscreen) against simulated meters
served over real TCP (devices.simulators.SimulatorServer, socket://127.0.0.1:PORT) and a
real PostgreSQL: values with their units, the broadcast read-address, a silent meter, an
abnormal reply, recording the total for the meter with that hardware number; the service's
refusals; and the demo's bench simulator serving the demo meters' addresses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
import serial
from click.testing import CliRunner
from PySide6.QtCore import QSettings
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import server.cli.demo as demo_cli
from desktop.app import ensure_application
from desktop.bench_read import ADDRESS_KEY, PORT_KEY, PROTOCOL_KEY, BenchReadPanel
from desktop.handheld_page import HandheldPage
from desktop.tasks import TaskRunner
from devices.registers import Edition
from devices.simulators import SimulatedElectricityMeter, SimulatedWaterMeter, SimulatorServer
from devices.transport import DEFAULT_SETTINGS, MeterLink
from server.cli import cli
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Meter, Reading
from server.demo.bench import demo_bench_meters, start_bench_simulator
from server.demo.data import generate_demo_data
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import DomainError, PermissionDenied
from server.services.metering.bench_readings import record_bench_reading
from server.services.metering.ingest import latest_accepted_before
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import StaffIdentity, staff_identity
from tests import factories as f
from tests.desktop_support import CLERK_LOGIN, PASSWORD, seed_staff

WAIT_MS = 10_000
MANAGER_LOGIN = "wangwu"
E1_ADDRESS = "000011112222"
W1_ADDRESS = "00000000012345"
CLOCK = datetime(2026, 1, 2, 3, 4, 5)
# Tariff 4 is left out: the meter answers "no requested data" for it.
E1_REGISTERS = {
    0x00010000: D("1234.5"),
    0x00010100: D("100.1"),
    0x00010200: D("200.2"),
    0x00010300: D("300.3"),
    0x02010100: D("220.1"),
    0x02020100: D("5.123"),
}


@dataclass(frozen=True)
class World:
    manager: StaffIdentity
    clerk: StaffIdentity


@pytest.fixture
def world(fresh_database_url: str) -> World:
    """E1 (hw 000011112222) last read 1000 and W1 (hw 12345, stored unpadded) last read 10,
    a month ago; E2 has no hardware number."""
    seed_staff(fresh_database_url)
    engine = create_engine(fresh_database_url)
    month_ago = (datetime.now(BUSINESS_TZ) - timedelta(days=30)).date().isoformat()
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            add_staff_with_role(
                session, f.ACTOR, login=MANAGER_LOGIN, name="王五", password=PASSWORD,
                role="manager", branch_code=None,
            )  # fmt: skip
            acc = f.account(session, "A001")
            for no, hw, kind in (("E1", E1_ADDRESS, "electricity"), ("W1", "12345", "water")):
                f.meter(session, no, acc, kind=kind)
                session.execute(
                    Meter.__table__.update().where(Meter.meter_no == no).values(hardware_no=hw)
                )
            f.meter(session, "E2", acc)
            f.read(session, "E1", month_ago, "1000")
            f.read(session, "W1", month_ago, "10")
            return World(
                staff_identity(session, MANAGER_LOGIN), staff_identity(session, CLERK_LOGIN)
            )
    finally:
        engine.dispose()


@pytest.fixture
def electricity() -> Iterator[SimulatorServer]:
    meter = SimulatedElectricityMeter(E1_ADDRESS, Edition.V2007, E1_REGISTERS, clock=lambda: CLOCK)
    with SimulatorServer([meter]) as server:
        yield server


@pytest.fixture
def water() -> Iterator[SimulatorServer]:
    meter = SimulatedWaterMeter(
        W1_ADDRESS, flow=D("12.34"), settlement_flow=D("10"), clock=lambda: CLOCK
    )
    with SimulatorServer([meter]) as server:
        yield server


@pytest.fixture
def page(
    qtbot, world: World, fresh_database_url: str, tmp_path: Path, electricity, monkeypatch
) -> Iterator[HandheldPage]:
    ensure_application("en")
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    # As `meterdesk demo` does: the simulated meters' port is the bench's default.
    monkeypatch.setenv("MD_DEVICES_BENCH_PORT", electricity.url)
    engine = make_engine(fresh_database_url)
    runner = TaskRunner(make_sessionmaker(engine))
    preferences = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    preferences.setValue(PORT_KEY, "COM9")  # remembered from an earlier session
    handheld = HandheldPage(world.manager, runner, preferences=preferences)
    qtbot.addWidget(handheld)
    handheld.resize(1280, 800)
    with qtbot.waitSignal(handheld.loaded, timeout=WAIT_MS):
        handheld.show()
    handheld.tabs.setCurrentWidget(handheld.bench)
    # A silent meter is given up after 0.3 s, not 1.5 s × 3 attempts.
    handheld.bench.patience = replace(DEFAULT_SETTINGS["dlt645-2007"], timeout=0.3, retries=0)
    yield handheld
    runner.shutdown()
    engine.dispose()


def rows(panel: BenchReadPanel) -> list[tuple[str, ...]]:
    table = panel.table
    return [tuple(table.text_at(r, c) for c in range(5)) for r in range(table.row_count())]


def use(panel: BenchReadPanel, port: str, protocol: str, address: str = "") -> None:
    panel.port_combo.setEditText(port)
    panel.protocol_combo.setCurrentIndex(panel.protocol_combo.findData(protocol))
    panel.address_edit.setText(address)


def readings_of(url: str, meter_no: str) -> list[tuple[D, str]]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            query = (
                select(Reading.value, Reading.source)
                .join(Meter, Meter.id == Reading.meter_id)
                .where(Meter.meter_no == meter_no)
                .order_by(Reading.read_at)
            )
            return [tuple(r) for r in session.execute(query)]
    finally:
        engine.dispose()


def test_bench_read_shows_values_with_units_and_records_the_total(
    qtbot, page: HandheldPage, electricity: SimulatorServer, fresh_database_url: str
):
    bench = page.bench
    # The environment's port (the demo's) beats the one this PC remembered.
    assert bench.port() == electricity.url
    assert not bench.read_button.isEnabled() and not bench.record_button.isEnabled()
    bench.address_edit.setText("11112222")  # zero-padded to the 12 digits of DL/T 645
    with qtbot.waitSignal(bench.bench_read, timeout=WAIT_MS) as got:
        bench.read_button.click()
    result = got.args[0]
    assert result.address == E1_ADDRESS and result.total == D("1234.50")
    assert result.failure == ""
    no_data = f"表 {E1_ADDRESS} 异常应答（错误字 02H）：无请求数据"
    assert rows(bench) == [
        ("00010000", "正向有功总电能", "1234.50", "kWh", ""),
        ("00010100", "正向有功费率1（尖）电能", "100.10", "kWh", ""),
        ("00010200", "正向有功费率2（峰）电能", "200.20", "kWh", ""),
        ("00010300", "正向有功费率3（平）电能", "300.30", "kWh", ""),
        ("00010400", "正向有功费率4（谷）电能", "—", "kWh", no_data),
        ("02010100", "A 相电压", "220.1", "V", ""),
        ("02020100", "A 相电流", "5.123", "A", ""),
        ("04000101", "日期", "2026-01-02", "", ""),
        ("04000102", "时间", "03:04:05", "", ""),
    ]
    assert "1234.50 kWh" in bench.status.text() and "2026-01-02 03:04:05" in bench.status.text()
    # Every request and reply is in the line log: 9 identifiers, TX and RX each.
    qtbot.waitUntil(lambda: bench.log_view.blockCount() >= 18, timeout=WAIT_MS)
    log = bench.log_view.toPlainText().splitlines()
    assert [line.split()[2] for line in log[:2]] == ["TX", "RX"]
    assert log[0].split()[3:7] == ["FE", "FE", "FE", "FE"]
    assert bench.preferences is not None
    assert bench.preferences.value(PORT_KEY) == electricity.url
    assert bench.preferences.value(PROTOCOL_KEY) == "dlt645-2007"
    assert bench.preferences.value(ADDRESS_KEY) == "11112222"

    assert bench.record_button.isEnabled()
    with qtbot.waitSignal(bench.bench_recorded, timeout=WAIT_MS) as recorded:
        bench.record_button.click()
    assert recorded.args[0].meter_no == "E1" and recorded.args[0].usage == D("234.500")
    assert "1,234.5" in bench.status.text() or "1234.5" in bench.status.text()
    assert readings_of(fresh_database_url, "E1") == [
        (D("1000"), "field"),
        (D("1234.5"), "handheld"),
    ]
    assert not bench.record_button.isEnabled()  # recorded once, not twice by a double click


def test_read_address_discovers_the_meter_on_the_line(
    qtbot, page: HandheldPage, electricity: SimulatorServer, water: SimulatorServer
):
    bench = page.bench
    use(bench, electricity.url, "dlt645-2007")
    assert bench.address_button.isEnabled() and not bench.read_button.isEnabled()
    with qtbot.waitSignal(bench.address_found, timeout=WAIT_MS) as found:
        bench.address_button.click()
    assert found.args[0] == E1_ADDRESS and bench.address_edit.text() == E1_ADDRESS
    assert bench.read_button.isEnabled()

    use(bench, water.url, "cjt188")
    with qtbot.waitSignal(bench.address_found, timeout=WAIT_MS) as found:
        bench.address_button.click()
    assert found.args[0] == W1_ADDRESS

    use(bench, water.url, "dlt645-1997")  # no read-address command in the 1997 edition
    assert not bench.address_button.isEnabled()


def test_a_water_meter_is_read_and_recorded_for_its_unpadded_hardware_number(
    qtbot, page: HandheldPage, water: SimulatorServer, fresh_database_url: str
):
    bench = page.bench
    use(bench, water.url, "cjt188", "12345")
    with qtbot.waitSignal(bench.bench_read, timeout=WAIT_MS) as got:
        bench.read_button.click()
    assert got.args[0].total == D("12.34") and got.args[0].unit == "m³"
    assert rows(bench) == [
        ("901F", "当前累积流量", "12.34", "m³", ""),
        ("901F", "结算日累积流量", "10.00", "m³", ""),
        ("901F", "表内时间", "2026-01-02 03:04:05", "", ""),
        ("901F", "阀门", "开", "", ""),
        ("901F", "电池欠压", "否", "", ""),
        ("901F", "状态字", "00 00", "", ""),
    ]
    with qtbot.waitSignal(bench.bench_recorded, timeout=WAIT_MS):
        bench.record_button.click()
    assert readings_of(fresh_database_url, "W1") == [(D("10"), "field"), (D("12.34"), "handheld")]


def test_a_silent_meter_gives_the_timeout_message(
    qtbot, page: HandheldPage, electricity: SimulatorServer
):
    bench = page.bench
    use(bench, electricity.url, "dlt645-2007", "999999999998")  # nobody answers there
    with qtbot.waitSignal(bench.bench_failed, timeout=WAIT_MS) as failed:
        bench.read_button.click()
    message = failed.args[0]
    assert message.startswith("No reply from the meter at 999999999998 on socket://")
    assert "0.3" in message and "Check the port, the protocol, the address" in message
    assert bench.status.text() == message and bench.table.row_count() == 0
    assert not bench.record_button.isEnabled()
    # The request went out and nothing came back: only TX lines in the log.
    qtbot.waitUntil(lambda: bench.log_view.blockCount() >= 1, timeout=WAIT_MS)
    assert {line.split()[2] for line in bench.log_view.toPlainText().splitlines()} == {"TX"}


def test_an_abnormal_meter_and_a_closed_port_are_clear_messages(qtbot, page: HandheldPage):
    bench = page.bench
    faulty = SimulatedElectricityMeter(E1_ADDRESS, Edition.V2007, E1_REGISTERS, fault=0x04)
    with SimulatorServer([faulty]) as server:
        use(bench, server.url, "dlt645-2007", E1_ADDRESS)
        with qtbot.waitSignal(bench.bench_failed, timeout=WAIT_MS) as failed:
            bench.read_button.click()
    assert failed.args[0].startswith(f"The meter at {E1_ADDRESS} answered abnormally: ")
    assert "密码错/未授权" in failed.args[0]
    assert bench.table.row_count() == 9 and not bench.record_button.isEnabled()

    with SimulatorServer([faulty]) as gone:
        url = gone.url  # a port nothing listens on any more
    use(bench, url, "dlt645-2007", E1_ADDRESS)
    with qtbot.waitSignal(bench.bench_failed, timeout=WAIT_MS) as failed:
        bench.read_button.click()
    assert failed.args[0].startswith(f"Cannot use the port {url}: ")


def test_the_address_is_checked_as_typed(page: HandheldPage):
    bench = page.bench
    use(bench, "COM3", "dlt645-2007", "12ab")
    assert bench.hint.text() == "Meter address: digits only" and not bench.read_button.isEnabled()
    bench.address_edit.setText("1234567890123")
    assert bench.hint.text() == "Meter address: at most 12 digits for DL/T 645-2007"
    bench.protocol_combo.setCurrentIndex(bench.protocol_combo.findData("cjt188"))
    assert bench.hint.text() == "" and bench.read_button.isEnabled()


def test_recording_refusals(world: World, fresh_database_url: str):
    engine = create_engine(fresh_database_url)
    manager = world.manager.actor
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            with pytest.raises(PermissionDenied, match="抄表"):
                record_bench_reading(session, world.clerk.actor, "cjt188", W1_ADDRESS,
                                     D("12"), "m³")  # fmt: skip
            with pytest.raises(DomainError, match="没有硬件号或表号为 000000000099"):
                record_bench_reading(session, manager, "dlt645-2007", "000000000099",
                                     D("1"), "kWh")  # fmt: skip
            with pytest.raises(DomainError, match="对应的表计 W1 是水表"):
                record_bench_reading(session, manager, "dlt645-2007", W1_ADDRESS,
                                     D("1"), "kWh")  # fmt: skip
            with pytest.raises(DomainError, match="单位为 L，应为 m³"):
                record_bench_reading(session, manager, "cjt188", W1_ADDRESS, D("1"), "L")
        assert readings_of(fresh_database_url, "W1") == [(D("10"), "field")]
    finally:
        engine.dispose()


def test_the_demo_bench_serves_the_demo_meters(session: Session):
    now = datetime.now(BUSINESS_TZ)
    end = Period.of(now).shift(-1)
    generate_demo_data(
        session, f.ACTOR, accounts=12, seed=3, now=now, months=2, end_period=end, in_use=False
    )
    meters = demo_bench_meters(session, now=now)
    assert [m.kind for m in meters] == ["electricity", "water"]
    for meter in meters:
        stored = session.scalar(select(Meter).where(Meter.meter_no == meter.meter_no))
        assert stored is not None and stored.hardware_no is not None
        assert meter.address == stored.hardware_no.zfill(12 if meter.kind == "electricity" else 14)
        latest = latest_accepted_before(session, stored.id, now)
        assert latest is not None
        assert meter.value == latest.value.quantize(D("0.01"), rounding="ROUND_DOWN")
    electric, water_meter = meters
    server = start_bench_simulator(meters)
    try:
        # One bus carries both: each protocol finds its own meter, reads its reading.
        with MeterLink(server.url, "dlt645-2007") as link:
            assert link.read_address() == electric.address
            total = link.read(electric.address, 0x00010000).values[0].value
            tariffs = link.read(electric.address, 0x0001FF00).values
        assert total == electric.value
        assert sum(v.value for v in tariffs[1:]) == electric.value
        with MeterLink(server.url, "cjt188") as link:
            assert link.read_address() == water_meter.address
            assert link.read(water_meter.address).flow == water_meter.value
    finally:
        server.stop()


def test_demo_opens_the_desktop_with_the_bench_simulator_running(md_env, monkeypatch):
    seen: dict[str, object] = {}

    def desktop(argv, env):
        # While the desktop runs, its bench port answers as the demo's electricity meter.
        seen["argv"], seen["port"] = argv, env["MD_DEVICES_BENCH_PORT"]
        with MeterLink(env["MD_DEVICES_BENCH_PORT"], "dlt645-2007") as link:
            seen["address"] = link.read_address()
        return 0

    monkeypatch.setattr(demo_cli.subprocess, "call", desktop)
    outcome = CliRunner().invoke(cli, ["demo", "--accounts", "12"])
    assert outcome.exit_code == 0, outcome.output
    port = str(seen["port"])
    assert port.startswith("socket://127.0.0.1:") and f"在 {port}" in outcome.output
    assert seen["argv"][2:] == ["desktop.app", "--no-setup", "--login", "admin"]  # type: ignore[index]
    engine = create_engine(md_env)
    try:
        with Session(engine) as session:
            meters = demo_bench_meters(session)
    finally:
        engine.dispose()
    assert seen["address"] == meters[0].address
    # The desktop has exited: the simulator is gone with it.
    with pytest.raises(serial.SerialException):
        MeterLink(port, "dlt645-2007")
