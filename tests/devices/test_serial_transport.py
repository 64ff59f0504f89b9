"""The serial transport through pyserial's real `serial_for_url` path.

Simulated meters are served on a local TCP port (`socket://127.0.0.1:PORT`), the way a
data collector behind an RS485–Ethernet converter in transparent mode is reached; `loop://`
covers a line where only our own echo comes back.
"""

import logging
import subprocess
import sys
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import serial

from devices import cjt188, dlt645
from devices.errors import FrameError
from devices.registers import Edition
from devices.simulators import SimulatedElectricityMeter, SimulatedWaterMeter, SimulatorServer
from devices.transport import (
    DEFAULT_SETTINGS,
    MeterLink,
    MeterResult,
    NoReply,
    PortSettings,
    Sniffer,
    poll_bus,
)

FAST = PortSettings(2400, timeout=0.3, retries=1)
NOW = datetime(2026, 11, 23, 9, 30, 0)


@contextmanager
def bus(
    meters, protocol="dlt645-2007", *, echo=False, reply_wakeup=0, settings=FAST, **link_options
) -> Iterator[tuple[SimulatorServer, MeterLink]]:
    with (
        SimulatorServer(meters, echo=echo, reply_wakeup=reply_wakeup) as server,
        MeterLink(server.url, protocol, settings=settings, **link_options) as link,
    ):
        yield server, link


def test_port_settings_per_protocol():
    assert DEFAULT_SETTINGS["dlt645-2007"].baudrate == 2400
    assert DEFAULT_SETTINGS["dlt645-1997"].baudrate == 1200
    assert DEFAULT_SETTINGS["cjt188"].baudrate == 2400
    for protocol in ("dlt645-2007", "dlt645-1997", "cjt188"):
        with MeterLink("loop://", protocol) as link:
            port = link.port
            assert (port.bytesize, port.parity, port.stopbits) == (8, "E", 1)
            assert port.baudrate == DEFAULT_SETTINGS[protocol].baudrate
    with pytest.raises(ValueError, match="未知协议"):
        MeterLink("loop://", "modbus")


def test_loop_gives_only_the_echo_which_is_dropped():
    # loop:// hands back exactly what was sent: a request, direction bit clear.
    link = MeterLink("loop://", settings=PortSettings(2400, timeout=0.2, retries=1))
    started = clock.monotonic()
    with pytest.raises(NoReply, match=r"无应答：等待 0\.2 秒，共试 2 次"):
        link.read("000000000001", "00010000")
    assert 0.35 < clock.monotonic() - started < 2


def test_bus_of_three_one_silent_one_abnormal(tmp_path):
    meters = [
        SimulatedElectricityMeter("000000000001", clock=lambda: NOW),
        SimulatedElectricityMeter("000000000002", silent=True),
        SimulatedElectricityMeter("000000000003", fault=0x04),
        SimulatedElectricityMeter("000000000004", clock=lambda: NOW),
    ]
    log_file = tmp_path / "sniff.log"
    seen: list[MeterResult] = []
    with bus(meters, echo=True, reply_wakeup=2, sniffer=Sniffer(file=log_file)) as (_, link):
        results = poll_bus(
            link,
            ["000000000001", "000000000002", "000000000003", "000000000004"],
            ["00010000", 0x02010100, "04000102"],
            on_result=seen.append,
        )
    assert seen == results
    first, silent, abnormal, last = results
    assert first.ok and first.error is None
    assert [(v.name, v.text(), v.unit) for v in first.values] == [
        ("正向有功总电能", "12345.67", "kWh"),
        ("A 相电压", "220.1", "V"),
        ("时间", "09:30:00", ""),
    ]
    # The silent meter is given up after its first identifier: one timeout, not three.
    assert silent.errors == ("数据标识 00010000：无应答：等待 0.3 秒，共试 2 次",)
    # The abnormal one answered every identifier, each time no.
    assert len(abnormal.errors) == 3 and len(abnormal.replies) == 3
    assert abnormal.errors[1] == (
        "数据标识 02010100：表 000000000003 异常应答（错误字 04H）：密码错/未授权"
    )
    assert last.ok and last.values == first.values
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(" TX FE FE FE FE 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16")
    # The RX line shows the echo, the wake-up bytes and the reply, as they came.
    assert " RX 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16 FE FE 68 01" in lines[1]


def test_1997_meter_and_time_sync():
    start = datetime(2026, 11, 23, 8, 0, 0)
    meter = SimulatedElectricityMeter("000000000009", Edition.V1997, clock=lambda: start)
    with SimulatorServer([meter]) as server, MeterLink(server.url, "dlt645-1997") as link:
        reply = link.read("9", 0x901F)
        assert [v.value for v in reply.values] == [
            Decimal("12345.67"),
            Decimal("1234.56"),
            Decimal("4567.89"),
            Decimal("3456.78"),
            Decimal("3086.44"),
        ]
        link.sync_time(datetime(2026, 11, 23, 12, 34, 56))
        # The broadcast gets no reply; the meter's clock moved by it.
        clock.sleep(0.2)
        assert meter.offset == timedelta(hours=4, minutes=34, seconds=56)
        assert link.read("9", "C011").values[0].text() == "12:34:56"
        abnormal = link.read("9", "B630")
        assert isinstance(abnormal, dlt645.AbnormalReply)
        assert abnormal.reasons == ("数据标识错",)


def test_read_address_of_the_one_meter_on_the_line():
    with bus([SimulatedElectricityMeter("123456789012")]) as (_, link):
        assert link.read_address() == "123456789012"


class Flaky:
    """Stays silent the first `misses` times, then answers like the meter it wraps."""

    family = "dlt645"

    def __init__(self, meter, misses: int) -> None:
        self.meter = meter
        self.misses = misses

    def respond(self, request: bytes) -> bytes | None:
        if self.misses:
            self.misses -= 1
            return None
        return self.meter.respond(request)


class Noisy:
    """Answers with line noise (including a stray 68H) before the reply."""

    family = "dlt645"

    def __init__(self, meter) -> None:
        self.meter = meter

    def respond(self, request: bytes) -> bytes | None:
        reply = self.meter.respond(request)
        return b"\x00\x68\x11\xff" + reply if reply else None


def test_retry_after_a_missed_reply_and_noise_before_a_reply(caplog):
    meter = SimulatedElectricityMeter("000000000001")
    with (
        bus([Flaky(Noisy(meter), misses=1)], sniffer=Sniffer()) as (_, link),
        caplog.at_level(logging.DEBUG, logger="devices.sniffer"),
    ):
        reply = link.read("000000000001", "00010000")
    assert reply.values[0].value == Decimal("12345.67")
    sniffed = [r.getMessage() for r in caplog.records if r.name == "devices.sniffer"]
    assert [line.split()[2] for line in sniffed] == ["TX", "TX", "RX"]
    assert " RX 00 68 11 FF 68 01" in sniffed[2]


class Impostor:
    """Answers every read with another meter's address."""

    family = "dlt645"

    def respond(self, request: bytes) -> bytes | None:
        return dlt645.data_reply("000000000099", 0x00010000, [Decimal("1")])


def test_a_reply_from_another_meter_is_an_error_not_a_reading():
    with bus([Impostor()]) as (_, link):
        with pytest.raises(FrameError, match="应答来自表 000000000099，不是所读的表 000000000001"):
            link.read("000000000001", "00010000")
        (result,) = poll_bus(link, ["000000000001"], ["00010000"])
        assert not result.ok and "应答来自表 000000000099" in result.error


class Garbler:
    """Answers with a reply whose checksum is wrong."""

    family = "dlt645"

    def respond(self, request: bytes) -> bytes | None:
        reply = bytearray(dlt645.data_reply("000000000001", 0x00010000, [Decimal("1")]))
        reply[-2] ^= 0xFF
        return bytes(reply)


def test_a_corrupt_reply_is_retried_then_reported():
    with bus([Garbler()]) as (server, link):
        with pytest.raises(FrameError, match="校验和错误"):
            link.read("000000000001", "00010000")
        assert len(server.requests) == 2  # the first try and one retry


def test_water_meter_bus():
    meters = [
        SimulatedWaterMeter("00000000000001", clock=lambda: NOW, di_order="little"),
        SimulatedWaterMeter("00000000000002", silent=True),
        SimulatedWaterMeter("00000000000003", fault=b"\x03\x00"),
    ]
    with bus(meters, "cjt188", echo=True, di_order="big") as (server, link):
        results = poll_bus(link, [m.address for m in meters], ["ignored"])
    ok, silent, abnormal = results
    assert [(v.text(), v.unit) for v in ok.values] == [("123.45", "m³"), ("100.00", "m³")]
    (data,) = ok.replies
    assert isinstance(data, cjt188.MeterData)
    assert (data.clock, data.di_order, data.valve) == (NOW, "little", "open")
    assert silent.error == "计量数据：无应答：等待 0.3 秒，共试 2 次"
    assert abnormal.error == "计量数据：表 00000000000003 异常应答（C=C1H，状态 03 00）"
    # The request went out as the link was told (90 1F), the meter answered 1F 90.
    assert server.requests[0][11:13] == b"\x90\x1f"


def test_water_meter_read_address():
    with bus([SimulatedWaterMeter("78330011223344")], "cjt188") as (_, link):
        assert link.read_address() == "78330011223344"


def test_a_dead_port_is_that_meters_error():
    link = MeterLink("loop://", settings=FAST)
    link.port.close()
    results = poll_bus(link, ["000000000001", "000000000002"], ["00010000"])
    assert [r.ok for r in results] == [False, False]
    with pytest.raises(serial.SerialException):
        link.port.write(b"x")


def test_simulator_runs_from_the_command_line():
    # What a field engineer or the desktop demo starts: python -m devices.simulators.
    command = [sys.executable, "-m", "devices.simulators", "--protocol", "cjt188"]
    process = subprocess.Popen(
        [*command, "--address", "00000000000007", "--echo"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        url = banner.split(" 在 ")[1].split("（")[0]
        assert url.startswith("socket://127.0.0.1:")
        with MeterLink(url, "cjt188", settings=FAST) as link:
            assert link.read("00000000000007").flow == Decimal("123.45")
    finally:
        process.terminate()
        process.wait(timeout=5)
