"""BLE water meters (LoRa/NB meters with a Bluetooth maintenance port), through bleak.

Such meters expose a serial-over-BLE service — most often the Nordic UART Service (NUS):
the PC writes request bytes to its RX characteristic and the meter notifies its reply on
TX, cut into chunks of the link's MTU (20 bytes with the default ATT MTU of 23). The bytes
are CJ/T 188 frames, so a read is: scan, connect, subscribe to TX, write the 901F read
frame (devices.cjt188.read_request), gather notified chunks until `cjt188.frame_extent`
says a whole frame is there, parse it.

Every wait has a deadline and ends in `BleError` with a Chinese message — a meter out of
range, a link dropped mid-reply, bytes that are no CJ/T 188 frame — never in a hang.

The bleak classes are parameters (`scanner`, `client`) so tests put a fake in at exactly
that boundary; the real path is the same code with bleak's BleakScanner and BleakClient.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from devices import cjt188, framing
from devices.errors import FrameError

T = TypeVar("T")

NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"  # the PC writes here
NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # the meter notifies here
# Past this many bytes with no frame start in them the meter is speaking something else.
GARBAGE_LIMIT = 256


class BleError(Exception):
    """A BLE read that failed; the message (Chinese) says what and with which meter."""


class BleTimeout(BleError):
    pass


class BleDisconnected(BleError):
    pass


@dataclass(frozen=True)
class BleSettings:
    """Which characteristics carry the serial link, and how long to wait for what."""

    service_uuid: str = NUS_SERVICE
    write_uuid: str = NUS_RX
    notify_uuid: str = NUS_TX
    scan_timeout: float = 5.0
    connect_timeout: float = 10.0
    reply_timeout: float = 5.0
    meter_type: int = 0x10  # cold water
    di_order: cjt188.DiOrder = "big"  # how this meter model wants 901F sent (see devices.cjt188)
    wakeup: int = 2  # FEH bytes before the request
    chunk_size: int = 20  # bytes per write: the default ATT MTU less its 3-byte header
    write_response: bool = False  # NUS RX is write-without-response


@dataclass(frozen=True)
class BleDevice:
    """A device seen in a scan; `handle` is what the client connects to (bleak's BLEDevice)."""

    address: str
    name: str
    rssi: int | None
    handle: Any = None


def _bleak_scanner() -> Any:
    from bleak import BleakScanner

    return BleakScanner


def _bleak_client() -> Any:
    from bleak import BleakClient

    return BleakClient


def _bleak_errors() -> tuple[type[BaseException], ...]:
    try:
        from bleak.exc import BleakError
    except ImportError:  # pragma: no cover - bleak is a dependency
        return (OSError,)
    return (BleakError, OSError)


async def scan(
    name_prefix: str | None = None,
    service_uuid: str | None = None,
    *,
    timeout: float = 5.0,
    scanner: Any = None,
) -> list[BleDevice]:
    """Devices advertising a name starting with `name_prefix` and/or `service_uuid`,
    strongest signal first."""
    scanner = scanner or _bleak_scanner()
    try:
        found = await asyncio.wait_for(
            scanner.discover(timeout=timeout, return_adv=True), timeout + 5
        )
    except TimeoutError as exc:
        raise BleTimeout(f"蓝牙扫描 {timeout:g} 秒未结束") from exc
    except _bleak_errors() as exc:
        raise BleError(f"蓝牙扫描失败（蓝牙是否打开？）：{exc}") from exc
    wanted_service = service_uuid.lower() if service_uuid else None
    devices = []
    for device, adv in found.values():
        name = getattr(adv, "local_name", None) or getattr(device, "name", None) or ""
        if name_prefix and not name.startswith(name_prefix):
            continue
        services = [u.lower() for u in getattr(adv, "service_uuids", None) or ()]
        if wanted_service and wanted_service not in services:
            continue
        devices.append(BleDevice(device.address, name, getattr(adv, "rssi", None), device))
    return sorted(devices, key=lambda d: -(d.rssi if d.rssi is not None else -999))


class _Collector:
    """Notified chunks until one whole reply frame; echoes and leading noise dropped."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.received = 0
        self.frame: bytes | None = None
        self.error: BleError | None = None
        self.done = asyncio.Event()

    def feed(self, _sender: Any, data: bytearray) -> None:
        if self.done.is_set():
            return
        self.received += len(data)
        self.buffer += data
        try:
            while True:
                skip, end = cjt188.frame_extent(bytes(self.buffer))
                del self.buffer[:skip]
                if end is None or len(self.buffer) < end:
                    if not self.buffer and self.received > GARBAGE_LIMIT:
                        raise BleError(f"收到 {self.received} 字节，没有 CJ/T 188 帧")
                    return
                raw = bytes(self.buffer[:end])
                del self.buffer[:end]
                if cjt188.decode_frame(raw).is_reply:
                    self.frame = raw
                    self.done.set()
                    return
        except FrameError as exc:
            self.error = BleError(f"应答无法解析：{exc}")
            self.done.set()
        except BleError as exc:
            self.error = exc
            self.done.set()


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def read_water_meter(
    device: Any,
    meter_address: str,
    settings: BleSettings | None = None,
    *,
    client: Any = None,
) -> cjt188.MeterData:
    """Read the metering data (901F) of the meter at `meter_address` over BLE.

    `device` is an address or a scanned device's `handle`. Raises BleError (BleTimeout,
    BleDisconnected) with the reason; an abnormal reply is an error too (it says why).
    """
    settings = settings or BleSettings()
    client_class = client or _bleak_client()
    where = getattr(device, "address", device)
    dropped = asyncio.Event()
    link = client_class(
        device, disconnected_callback=lambda _c: dropped.set(), timeout=settings.connect_timeout
    )
    try:
        await asyncio.wait_for(link.connect(), settings.connect_timeout)
    except TimeoutError as exc:
        raise BleTimeout(f"连接蓝牙水表 {where} 超时（{settings.connect_timeout:g} 秒）") from exc
    except _bleak_errors() as exc:
        raise BleError(f"无法连接蓝牙水表 {where}：{exc}") from exc
    collector = _Collector()
    try:
        try:
            await link.start_notify(settings.notify_uuid, collector.feed)
            request = bytes([framing.WAKEUP] * settings.wakeup) + cjt188.read_request(
                meter_address, settings.meter_type, di_order=settings.di_order
            )
            for chunk in _chunks(request, settings.chunk_size):
                await link.write_gatt_char(
                    settings.write_uuid, chunk, response=settings.write_response
                )
        except _bleak_errors() as exc:
            if dropped.is_set():
                raise BleDisconnected(f"蓝牙水表 {where} 已断开") from exc
            raise BleError(f"蓝牙水表 {where} 通信失败：{exc}") from exc
        await _wait(collector, dropped, settings.reply_timeout, where)
    finally:
        await _close(link, settings)
    assert collector.frame is not None
    try:
        reply = cjt188.parse_reply(collector.frame)
    except FrameError as exc:
        raise BleError(f"蓝牙水表 {where} 的应答无法解析：{exc}") from exc
    if isinstance(reply, cjt188.AbnormalReply):
        raise BleError(f"水表 {reply.address} 异常应答：{reply.message}")
    if not isinstance(reply, cjt188.MeterData):
        raise BleError(f"蓝牙水表 {where} 的应答不是计量数据")
    if reply.address.upper() != meter_address.upper().zfill(14):
        raise BleError(f"应答来自水表 {reply.address}，不是所读的 {meter_address}")
    return reply


async def _wait(collector: _Collector, dropped: asyncio.Event, timeout: float, where: str) -> None:
    done = asyncio.ensure_future(collector.done.wait())
    lost = asyncio.ensure_future(dropped.wait())
    try:
        await asyncio.wait({done, lost}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        done.cancel()
        lost.cancel()
    if collector.error is not None:
        raise collector.error
    if collector.frame is not None:
        return
    got = f"，已收到 {collector.received} 字节" if collector.received else ""
    if dropped.is_set():
        raise BleDisconnected(f"蓝牙水表 {where} 在应答途中断开{got}")
    raise BleTimeout(f"蓝牙水表 {where} {timeout:g} 秒内没有完整应答{got}")


async def _close(link: Any, settings: BleSettings) -> None:
    # Best effort and bounded: a link that is already gone must not turn into a hang here.
    for step in (lambda: link.stop_notify(settings.notify_uuid), link.disconnect):
        with contextlib.suppress(TimeoutError, *_bleak_errors()):
            await asyncio.wait_for(step(), 2.0)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end on an event loop of its own.

    When the calling thread already runs a loop (a host application's, or a test tool's),
    asyncio.run refuses; the coroutine then gets a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def read_water_meter_sync(
    device: Any, meter_address: str, settings: BleSettings | None = None, **kwargs: Any
) -> cjt188.MeterData:
    """`read_water_meter` for a worker thread or the CLI (runs its own event loop)."""
    return _run(read_water_meter(device, meter_address, settings, **kwargs))


def scan_sync(
    name_prefix: str | None = None, service_uuid: str | None = None, **kwargs: Any
) -> Sequence[BleDevice]:
    return _run(scan(name_prefix, service_uuid, **kwargs))
