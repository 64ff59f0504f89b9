"""BLE water meters against a fake standing in for bleak's BleakScanner and BleakClient.

The fake has bleak's method names and async signatures; behind it a SimulatedWaterMeter
answers the CJ/T 188 bytes written to the Nordic UART RX characteristic, and its reply
comes back as notifications on TX in chunks of 20 bytes, as over a default-MTU link.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import pytest
from sqlalchemy import select

from devices import ble, cjt188
from devices.ble import NUS_RX, NUS_SERVICE, NUS_TX, BleSettings
from devices.simulators import SimulatedWaterMeter
from server.db.models import Meter, Reading
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.metering.ble_readings import record_ble_reading
from tests.factories import ACTOR, account, meter

ADDRESS = "00000012345678"
CLOCK = datetime(2026, 11, 20, 9, 30, 15)
FAST = BleSettings(reply_timeout=0.3, connect_timeout=0.5)


@dataclass
class Device:
    address: str
    name: str | None


@dataclass
class Adv:
    local_name: str | None
    service_uuids: list[str]
    rssi: int


class FakeScanner:
    devices: ClassVar[dict] = {}

    @classmethod
    async def discover(cls, timeout: float = 5.0, *, return_adv: bool = False, **kwargs):
        assert return_adv
        await asyncio.sleep(0)
        return cls.devices


class FakeClient:
    """bleak.BleakClient's surface; `mode` says how the far end behaves."""

    mode = "ok"
    meter = SimulatedWaterMeter(ADDRESS, clock=lambda: CLOCK, flow=Decimal("321.07"))
    written: ClassVar[list[tuple[str, bytes, bool | None]]] = []
    notified: ClassVar[list[bytes]] = []

    def __init__(
        self,
        address_or_ble_device,
        disconnected_callback=None,
        services=None,
        *,
        timeout: float = 30,
        **kwargs,
    ):
        self.address = getattr(address_or_ble_device, "address", address_or_ble_device)
        self.disconnected_callback = disconnected_callback
        self.timeout = timeout
        self.is_connected = False
        self.callback = None
        self.request = bytearray()

    async def connect(self, **kwargs) -> bool:
        if self.mode == "unreachable":
            await asyncio.sleep(10)
        self.is_connected = True
        return True

    async def disconnect(self) -> bool:
        self.is_connected = False
        return True

    async def start_notify(self, char_specifier, callback, **kwargs) -> None:
        assert char_specifier == NUS_TX
        self.callback = callback

    async def stop_notify(self, char_specifier) -> None:
        if not self.is_connected:
            from bleak.exc import BleakError

            raise BleakError("Not connected")

    async def write_gatt_char(self, char_specifier, data, response=None) -> None:
        assert char_specifier == NUS_RX and len(data) <= 20
        FakeClient.written.append((char_specifier, bytes(data), response))
        self.request += data
        skip, end = cjt188.frame_extent(bytes(self.request))
        if end is not None and len(self.request) - skip >= end:
            frame = bytes(self.request[skip : skip + end])
            asyncio.get_running_loop().create_task(self._reply(frame))

    async def _reply(self, request: bytes) -> None:
        if self.mode == "silent":
            return
        reply = self.meter.respond(request)
        assert reply is not None
        if self.mode == "garbage":
            reply = bytes(range(0x20, 0x60)) * 5
        elif self.mode == "bad checksum":
            reply = reply[:-2] + bytes([(reply[-2] + 1) & 0xFF]) + reply[-1:]
        elif self.mode == "echo":
            reply = request + reply
        chunks = [reply[i : i + 20] for i in range(0, len(reply), 20)]
        for index, chunk in enumerate(chunks):
            await asyncio.sleep(0.001)
            if self.mode == "disconnect" and index == 1:
                self.is_connected = False
                self.disconnected_callback(self)
                return
            FakeClient.notified.append(chunk)
            self.callback(None, bytearray(chunk))


@pytest.fixture(autouse=True)
def fresh_fake():
    FakeClient.mode = "ok"
    FakeClient.written = []
    FakeClient.notified = []
    yield


def read(mode: str = "ok", settings: BleSettings = FAST, address: str = ADDRESS):
    FakeClient.mode = mode
    return ble.read_water_meter_sync("C8:47:8C:00:00:01", address, settings, client=FakeClient)


def test_scan_by_name_prefix_or_service():
    FakeScanner.devices = {
        "A": (Device("A", None), Adv("WM-0001", [NUS_SERVICE], -70)),
        "B": (Device("B", "WM-0002"), Adv(None, [], -50)),
        "C": (Device("C", "Phone"), Adv("Phone", ["0000180f-0000-1000-8000-00805f9b34fb"], -40)),
    }
    found = ble.scan_sync("WM-", scanner=FakeScanner)
    assert [(d.address, d.name, d.rssi) for d in found] == [
        ("B", "WM-0002", -50),
        ("A", "WM-0001", -70),
    ]
    by_service = ble.scan_sync(service_uuid=NUS_SERVICE.upper(), scanner=FakeScanner)
    assert [d.address for d in by_service] == ["A"]


def test_a_read_goes_out_in_20_byte_writes_and_comes_back_in_20_byte_chunks():
    data = read()
    assert (data.address, data.flow, data.flow_unit) == (ADDRESS, Decimal("321.07"), "m³")
    assert (data.settlement_flow, data.clock) == (Decimal("100.00"), CLOCK)
    # FE FE + the 16-byte read frame = 18 bytes: one write, without response (NUS RX).
    assert [(len(d), r) for _, d, r in FakeClient.written] == [(18, False)]
    assert FakeClient.written[0][1] == b"\xfe\xfe" + cjt188.read_request(ADDRESS)
    # The 901F reply is 11 + 22 + 2 = 35 bytes: notified as 20 + 15.
    assert [len(c) for c in FakeClient.notified] == [20, 15]


def test_small_chunk_size_splits_the_request():
    read(settings=BleSettings(chunk_size=8, reply_timeout=0.3))
    assert [len(d) for _, d, _ in FakeClient.written] == [8, 8, 2]


def test_an_echoed_request_is_dropped():
    assert read("echo").flow == Decimal("321.07")


def test_silence_is_a_timeout_not_a_hang():
    with pytest.raises(ble.BleTimeout, match=r"0.3 秒内没有完整应答"):
        read("silent")


def test_an_unreachable_meter_times_out_connecting():
    with pytest.raises(ble.BleTimeout, match=r"连接蓝牙水表 C8:47:8C:00:00:01 超时（0.5 秒）"):
        read("unreachable")


def test_a_disconnect_mid_reply_says_so():
    with pytest.raises(ble.BleDisconnected, match="在应答途中断开，已收到 20 字节"):
        read("disconnect")


def test_garbage_is_an_error_at_once():
    with pytest.raises(ble.BleError, match="没有 CJ/T 188 帧"):
        read("garbage", settings=BleSettings(reply_timeout=5))


def test_a_corrupt_reply_is_an_error():
    with pytest.raises(ble.BleError, match=r"应答无法解析：.*校验"):
        read("bad checksum")


def test_another_meters_reply_is_refused():
    FakeClient.meter = SimulatedWaterMeter("00000099999999", flow=Decimal("1"))
    try:
        with pytest.raises(ble.BleTimeout):  # the meter at another address stays silent
            read("ok")
    finally:
        FakeClient.meter = SimulatedWaterMeter(ADDRESS, clock=lambda: CLOCK, flow=Decimal("321.07"))


def test_the_reading_is_recorded_with_source_ble(session):
    acc = account(session, "A001")
    meter(session, "W1", acc, kind="water", digits=5)
    meter(session, "E1", acc)
    session.execute(
        Meter.__table__.update().where(Meter.meter_no == "W1").values(hardware_no="12345678")
    )
    data = read()
    moment = datetime(2026, 11, 20, 9, 31, tzinfo=BUSINESS_TZ)
    result = record_ble_reading(session, ACTOR, "W1", data, read_at=moment)
    assert (result.value, result.status, result.flags) == (Decimal("321.070"), "accepted", ())
    row = session.scalar(select(Reading).where(Reading.id == result.reading_id))
    assert (row.source, row.read_at) == ("ble", moment)
    assert row.note == "蓝牙读取；状态 00 00；表内时钟 2026-11-20 09:30:15"
    with pytest.raises(DomainError, match="不是水表"):
        record_ble_reading(session, ACTOR, "E1", data)
    other = cjt188.parse_reply(
        SimulatedWaterMeter("00000000000001").respond(cjt188.read_request("00000000000001"))
    )
    with pytest.raises(DomainError, match="读到的是水表 00000000000001，不是 W1"):
        record_ble_reading(session, ACTOR, "W1", other)
