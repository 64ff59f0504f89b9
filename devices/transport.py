"""Talking to meters over pyserial: one link, per-protocol port settings, a bus poller.

A port is a pyserial URL (`serial_for_url`), so a meter on a local COM port or USB
adapter, and a data collector (数据采集器) or RS485 bus behind an Ethernet converter in
transparent mode (`socket://host:port`, `rfc2217://host:port`) are read the same way;
`loop://` serves quick experiments.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import serial

from devices import cjt188, dlt645
from devices.errors import FrameError
from devices.framing import take_frame
from devices.registers import Edition, Value, parse_di

PROTOCOLS = ("dlt645-2007", "dlt645-1997", "cjt188")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PortSettings:
    """Line settings and patience for one protocol.

    Defaults: DL/T 645-2007 §5.1 (11-bit characters: start, 8 data, even parity, stop;
    2400 bps the usual RS485 rate), DL/T 645-1997 §5.1 (1200 bps default), CJ/T 188 meters
    on RS485/M-Bus at 2400 8E1 as shipped by most vendors.
    """

    baudrate: int
    bytesize: int = 8
    parity: str = serial.PARITY_EVEN
    stopbits: float = serial.STOPBITS_ONE
    timeout: float = 1.5  # seconds to wait for a whole reply
    retries: int = 2  # further attempts after the first
    wakeup: int = 4  # FEH bytes before each request (DL/T 645-2007 §4.6: "4 个 FEH")


DEFAULT_SETTINGS: dict[str, PortSettings] = {
    "dlt645-2007": PortSettings(2400),
    "dlt645-1997": PortSettings(1200),
    "cjt188": PortSettings(2400),
}


class NoReply(TimeoutError):
    """No complete reply within the timeout, after every retry."""


class Sniffer:
    """Writes every byte sent and received as one hex line with a timestamp.

    Lines go to `logger` (DEBUG on "devices.sniffer" when neither is given) and/or to
    `file` (a path, appended, or an open text stream) — what a field engineer sends back.
    """

    def __init__(
        self,
        logger: logging.Logger | None = None,
        file: str | Path | TextIO | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.logger = (
            logger
            if logger is not None or file is not None
            else logging.getLogger("devices.sniffer")
        )
        self.file = file
        self.clock = clock

    def record(self, direction: str, data: bytes, note: str = "") -> None:
        stamp = self.clock().isoformat(sep=" ", timespec="milliseconds")
        line = f"{stamp} {direction} {data.hex(' ').upper()}"
        if note:
            line += f"  # {note}"
        if self.logger is not None:
            self.logger.debug(line)
        if isinstance(self.file, str | Path):
            with open(self.file, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        elif self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()


class MeterLink:
    """A serial link to one meter or a bus of meters speaking one protocol."""

    def __init__(
        self,
        url: str,
        protocol: str = "dlt645-2007",
        *,
        settings: PortSettings | None = None,
        sniffer: Sniffer | None = None,
        meter_type: int = 0x10,
        di_order: cjt188.DiOrder = "big",
        port: Any = None,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"未知协议 {protocol!r}，应为 {'、'.join(PROTOCOLS)}")
        self.protocol = protocol
        self.settings = settings or DEFAULT_SETTINGS[protocol]
        self.sniffer = sniffer
        self.meter_type = meter_type  # CJ/T 188 only
        self.di_order = di_order  # CJ/T 188 only: how this meter model wants 901F sent
        self._ser = itertools.count()
        self.attempts = 0  # how many sends the last `transact` took
        self.port = port or serial.serial_for_url(
            url,
            baudrate=self.settings.baudrate,
            bytesize=self.settings.bytesize,
            parity=self.settings.parity,
            stopbits=self.settings.stopbits,
            timeout=self.settings.timeout,
        )

    @property
    def _codec(self) -> Any:
        return cjt188 if self.protocol == "cjt188" else dlt645

    @property
    def edition(self) -> Edition:
        if self.protocol == "cjt188":
            raise ValueError("CJ/T 188 没有 DL/T 645 版本")
        return Edition(self.protocol)

    def close(self) -> None:
        self.port.close()

    def __enter__(self) -> MeterLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- bytes ------------------------------------------------------------------------

    def send(self, request: bytes) -> None:
        """Send a frame that gets no reply (broadcast time sync), with the wake-up bytes."""
        wire = bytes([0xFE] * self.settings.wakeup) + request
        self.port.reset_input_buffer()
        self.port.write(wire)
        self.port.flush()
        self._sniff("TX", wire)

    def transact(self, request: bytes) -> bytes:
        """Send `request` and return the reply frame's bytes; retries on timeout/bad frame.

        Echoed requests (direction bit clear) are dropped while waiting for the reply.
        Raises NoReply or FrameError once every attempt has failed.
        """
        attempts = 1 + self.settings.retries
        last: Exception | None = None
        for attempt in range(1, attempts + 1):
            self.attempts = attempt
            self.send(request)
            try:
                return self._read_reply()
            except (NoReply, FrameError) as exc:
                last = exc
                log.debug("attempt %d/%d failed: %s", attempt, attempts, exc)
        assert last is not None
        if isinstance(last, NoReply):
            raise NoReply(f"无应答：等待 {self.settings.timeout:g} 秒，共试 {attempts} 次")
        raise last

    def _read_reply(self) -> bytes:
        deadline = time.monotonic() + self.settings.timeout
        buffer = bytearray()
        received = bytearray()
        bad: FrameError | None = None  # a candidate frame that did not check, kept to report
        try:
            while True:
                # Wake-up bytes and line noise before a frame are dropped, also where the
                # noise holds a 68H (`take_frame`).
                raw, wanted, error = take_frame(
                    buffer, self._codec.frame_extent, self._codec.frame_at
                )
                bad = error or bad
                if raw is not None:
                    if self._codec.frame_at(raw).is_reply:
                        return raw
                    continue  # our own request echoed by the adapter
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if bad is not None:
                        raise bad
                    raise NoReply(f"无应答：等待 {self.settings.timeout:g} 秒")
                self.port.timeout = remaining
                chunk = self.port.read(max(wanted, self.port.in_waiting, 1))
                received += chunk
                buffer += chunk
        finally:
            if received:
                self._sniff("RX", bytes(received))

    def _sniff(self, direction: str, data: bytes) -> None:
        if self.sniffer is not None:
            self.sniffer.record(direction, data)

    # --- meter operations -----------------------------------------------------------

    def read(self, address: str, di: int | str | None = None) -> Any:
        """Read one identifier (DL/T 645) or the metering data (CJ/T 188, DI 901F).

        Returns the parsed reply: a DataReply/MeterData, or an AbnormalReply (a valid
        answer saying no). Raises NoReply or FrameError (also for another meter's reply).
        """
        reply: cjt188.Reply | dlt645.Reply
        code: int | None = None
        if self.protocol == "cjt188":
            if di not in (None, cjt188.DI_METER_DATA, "901F", "901f"):
                raise ValueError(f"CJ/T 188 只支持读计量数据 901F，收到 {di!r}")
            request = cjt188.read_request(
                address, self.meter_type, ser=next(self._ser) & 0xFF, di_order=self.di_order
            )
            reply = cjt188.parse_reply(self.transact(request))
        else:
            if di is None:
                raise ValueError("DL/T 645 读数据需要数据标识")
            code = parse_di(di, self.edition) if isinstance(di, str) else di
            reply = dlt645.parse_reply(
                self.transact(dlt645.read_request(address, code, self.edition)), self.edition
            )
        if reply.address.upper() != address.upper().zfill(len(reply.address)):
            raise FrameError(f"应答来自表 {reply.address}，不是所读的表 {address}")
        if isinstance(reply, dlt645.DataReply) and reply.di != code:
            # A bus answer to someone else's question (a late reply to an earlier retry).
            asked = dlt645.DataReply(reply.edition, address, code or 0, ()).di_text
            raise FrameError(f"应答的数据标识 {reply.di_text} 不是所读的 {asked}")
        return reply

    def read_address(self) -> str:
        """The address of the single meter on the line (wildcard read)."""
        reply: cjt188.Reply | dlt645.Reply
        if self.protocol == "cjt188":
            request = cjt188.read_address_request(
                ser=next(self._ser) & 0xFF, di_order=self.di_order
            )
            reply = cjt188.parse_reply(self.transact(request))
        elif self.protocol == "dlt645-2007":
            reply = dlt645.parse_reply(self.transact(dlt645.read_address_request()))
        else:
            raise ValueError("DL/T 645-1997 没有读通信地址命令")
        if isinstance(reply, dlt645.AbnormalReply | cjt188.AbnormalReply):
            raise FrameError(reply.message)
        if not isinstance(reply, dlt645.AddressReply | cjt188.AddressReply):
            raise FrameError("读地址得到的不是地址应答")
        return reply.address

    def sync_time(self, when: datetime) -> None:
        """Broadcast time sync to every DL/T 645 meter on the line (no reply comes)."""
        if self.protocol == "cjt188":
            raise ValueError("CJ/T 188 没有广播校时命令")
        self.send(dlt645.time_sync_request(when))


@dataclass(frozen=True)
class MeterResult:
    """What one meter on a polled bus gave: its values and replies, or why it failed."""

    address: str
    values: tuple[Value, ...] = ()
    replies: tuple[Any, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error(self) -> str | None:
        return "；".join(self.errors) or None


def poll_bus(
    link: MeterLink,
    addresses: Iterable[str],
    dis: Sequence[int | str] = (),
    *,
    on_result: Callable[[MeterResult], None] | None = None,
) -> list[MeterResult]:
    """Read `dis` from each meter in turn; one meter failing never stops the rest.

    A meter that does not answer or answers garbage is given up after its first failing
    identifier (its retries are spent; waiting again per DI would stall the bus). An
    abnormal reply is a live meter saying no: it is recorded and the next DI is tried.
    CJ/T 188 reads the metering data once per meter and ignores `dis`.
    """
    wanted: Sequence[int | str | None] = [None] if link.protocol == "cjt188" else list(dis)
    results = []
    for address in addresses:
        values: list[Value] = []
        replies: list[Any] = []
        errors: list[str] = []
        for di in wanted:
            where = _where(link, di)
            try:
                reply = link.read(address, di)
            except (NoReply, FrameError, ValueError, serial.SerialException, OSError) as exc:
                errors.append(f"{where}：{exc}")
                break
            replies.append(reply)
            if isinstance(reply, dlt645.AbnormalReply | cjt188.AbnormalReply):
                errors.append(f"{where}：{reply.message}")
                continue
            if isinstance(reply, dlt645.DataReply) and not reply.known:
                raw = reply.raw.hex(" ").upper() or "无"
                errors.append(f"{where}：数据标识不在表内，原始数据 {raw}")
                continue
            values.extend(reply.values)
        result = MeterResult(address, tuple(values), tuple(replies), tuple(errors))
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results


def _where(link: MeterLink, di: int | str | None) -> str:
    if di is None:
        return "计量数据"
    if isinstance(di, str):
        return f"数据标识 {di}"
    return f"数据标识 {di:0{8 if link.protocol == 'dlt645-2007' else 4}X}"
