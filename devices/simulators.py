"""Virtual meters for tests, demos and a field engineer without a meter at hand.

A simulated meter is a pure function of its registers: `respond(request) -> reply | None`
(None where a real meter stays silent: garbage, another meter's address, a broadcast).
`SimulatorServer` puts one or several of them on a pyserial endpoint.

Why a local TCP server (`socket://127.0.0.1:PORT`) rather than a pseudo terminal: it runs
the same on Linux, macOS and Windows CI (a pty needs POSIX and termios, and parity
settings on a pty are silently meaningless), it goes through pyserial's real
`serial_for_url` path, and it is exactly how a data collector behind an RS485–Ethernet
converter in transparent mode (透明传输) is reached in the field. Several meters on one
server behave as one RS485 bus: every request reaches every meter, the addressed one
answers.

Run one from a shell:  python -m devices.simulators --protocol dlt645-2007 --port 4001
"""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from devices import cjt188, dlt645
from devices.errors import FrameError
from devices.framing import take_frame
from devices.registers import DATA_ITEMS, Edition, Reading

Clock = Callable[[], datetime]

# Error byte "no requested data": 2007 bit 1 (无请求数据); 1997 bit 1 (数据标识错).
NO_DATA_ERROR = 0x02
# A refused control command (DCH): bit 2 密码错/未授权, bit 0 其他错误 (保电 in force,
# the command's validity end already past, a sealed command this meter cannot open).
PASSWORD_ERROR = 0x04
OTHER_ERROR = 0x01


class SimulatedMeter(Protocol):
    family: str  # "dlt645" or "cjt188": how the bus frames bytes

    def respond(self, request: bytes) -> bytes | None: ...


def default_registers(edition: Edition = Edition.V2007) -> dict[int, Reading | Sequence[Reading]]:
    """A plausible household meter: 12345.67 kWh over four tariffs, 220.1 V, 5.123 A."""
    tariffs = [Decimal("1234.56"), Decimal("4567.89"), Decimal("3456.78"), Decimal("3086.44")]
    if edition is Edition.V2007:
        return {
            0x00000000: Decimal("12345.67"),
            0x00010000: Decimal("12345.67"),
            **{0x00010000 | n << 8: t for n, t in enumerate(tariffs, start=1)},
            0x0001FF00: [Decimal("12345.67"), *tariffs],
            0x02010100: Decimal("220.1"),
            0x02020100: Decimal("5.123"),
        }
    return {
        0x9010: Decimal("12345.67"),
        **{0x9010 + n: t for n, t in enumerate(tariffs, start=1)},
        0x901F: [Decimal("12345.67"), *tariffs],
        0xB611: Decimal("220"),
        0xB621: Decimal("5.12"),
    }


class SimulatedElectricityMeter:
    """A DL/T 645-2007 or -1997 meter holding registers.

    `fault` makes every read come back abnormal with that error byte; `silent` makes the
    meter never answer (a dead meter on the bus). Date and time registers follow `clock`,
    shifted by any broadcast time sync received.

    A 2007 meter also has a relay (closed at first) and answers the control command 1CH
    as a campus prepaid meter does: the password (level and digits) must be `password`,
    the operator `operator` unless that is None, and the validity end not yet past, else
    DCH; a trip is refused while 保电 is on; 保电 closes the relay; 合闸允许 leaves it open
    until the resident presses the button (`press_button`). 电表运行状态字3 (04000503)
    reports the relay, the last command, the alarm and 保电.
    """

    family = "dlt645"

    def __init__(
        self,
        address: str,
        edition: Edition = Edition.V2007,
        registers: Mapping[int, Reading | Sequence[Reading]] | None = None,
        *,
        clock: Clock = datetime.now,
        fault: int | None = None,
        silent: bool = False,
        password: str = "02123456",
        operator: str | None = None,
        relay_closed: bool = True,
        held: bool = False,
    ) -> None:
        self.address = address.upper().zfill(12)
        self.password = password.upper()
        self.operator = operator.upper().zfill(8) if operator is not None else None
        self.relay_closed = relay_closed
        self.held = held
        self.alarm = False
        self.commanded_open = not relay_closed
        self.close_allowed = False
        self.controls: list[dlt645.Request] = []  # every control command addressed here
        self.edition = edition
        self.registers = dict(default_registers(edition) if registers is None else registers)
        for di in self.registers:
            if (edition, di) not in DATA_ITEMS:
                raise ValueError(f"模拟表不支持数据标识 {di:X}")
        self.clock = clock
        self.offset = timedelta()
        self.fault = fault
        self.silent = silent

    def now(self) -> datetime:
        return self.clock() + self.offset

    def respond(self, request: bytes) -> bytes | None:
        try:
            frame = dlt645.decode_frame(request)
            if frame.is_reply:
                return None
            req = dlt645.request_of(frame)
        except FrameError:
            return None  # a real meter ignores what it cannot parse
        if req.kind == "time_sync" and req.address == dlt645.BROADCAST and req.when:
            self.offset = req.when - self.clock()
            return None
        if self.silent:
            return None
        if req.kind == "read_address" and self.edition is Edition.V2007:
            return dlt645.address_reply(self.address) if req.address == dlt645.WILDCARD else None
        if req.kind == "control" and self.edition is Edition.V2007:
            return self._control(req) if req.address == self.address else None
        if req.kind != "read" or req.edition is not self.edition or req.address != self.address:
            return None
        assert req.di is not None
        if self.fault is not None:
            return dlt645.abnormal_reply(self.address, self.fault, self.edition)
        value = self._register(req.di)
        if value is None:
            return dlt645.abnormal_reply(self.address, NO_DATA_ERROR, self.edition)
        values = list(value) if isinstance(value, list | tuple) else [value]
        return dlt645.data_reply(self.address, req.di, values, self.edition)

    def press_button(self) -> None:
        """The resident presses the meter's button: closes the relay after 合闸允许."""
        if self.close_allowed:
            self.relay_closed, self.close_allowed = True, False

    def _control(self, req: dlt645.Request) -> bytes:
        self.controls.append(req)
        if req.password != self.password or (
            self.operator is not None and req.operator != self.operator
        ):
            return dlt645.control_refused(self.address, PASSWORD_ERROR)
        if req.action is None or req.when is None or req.when < self.now():
            return dlt645.control_refused(self.address, OTHER_ERROR)
        action = dlt645.ControlAction
        if req.action is action.TRIP:
            if self.held:
                return dlt645.control_refused(self.address, OTHER_ERROR)
            self.relay_closed, self.commanded_open, self.close_allowed = False, True, False
        elif req.action is action.CLOSE_ALLOW:
            self.commanded_open, self.close_allowed = False, not self.relay_closed
        elif req.action in (action.CLOSE, action.HOLD):
            self.relay_closed, self.commanded_open, self.close_allowed = True, False, False
            self.held = self.held or req.action is action.HOLD
        elif req.action is action.HOLD_OFF:
            self.held = False
        else:
            self.alarm = req.action is action.ALARM
        return dlt645.control_accepted(self.address)

    def status_word(self) -> int:
        return dlt645.relay_status_word(
            closed=self.relay_closed,
            held=self.held,
            commanded_open=self.commanded_open,
            alarm=self.alarm,
        )

    def _register(self, di: int) -> Any:
        if di in self.registers:
            return self.registers[di]
        if di == dlt645.RELAY_STATUS_DI and self.edition is Edition.V2007:
            return self.status_word()
        if di in (0x04000101, 0xC010) and (self.edition, di) in DATA_ITEMS:
            return date(*self.now().timetuple()[:3])
        if di in (0x04000102, 0xC011) and (self.edition, di) in DATA_ITEMS:
            return self.now().time().replace(microsecond=0)
        return None


class SimulatedWaterMeter:
    """A CJ/T 188 water meter: cumulative and settlement-day flow, clock, status bytes.

    `di_order` is how this model sends 901F back ("little" = 1F 90, as most do).
    `fault` (2 status bytes) makes every read and write come back abnormal (C1H / C4H).
    The valve (open at first) follows 阀门控制 (A017, 55H open / 99H close) and shows in
    bits D1 D0 of the first status byte of every reply; `status` holds the other bits.
    """

    family = "cjt188"

    def __init__(
        self,
        address: str,
        *,
        meter_type: int = 0x10,
        flow: Decimal | None = Decimal("123.45"),
        settlement_flow: Decimal | None = Decimal("100.00"),
        status: bytes = b"\x00\x00",
        di_order: cjt188.DiOrder = "little",
        clock: Clock = datetime.now,
        fault: bytes | None = None,
        silent: bool = False,
        valve_open: bool = True,
    ) -> None:
        self.address = address.upper().zfill(14)
        self.valve_open = valve_open
        self.meter_type = meter_type
        self.flow = flow
        self.settlement_flow = settlement_flow
        self.status = status
        self.di_order = di_order
        self.clock = clock
        self.fault = fault
        self.silent = silent

    def respond(self, request: bytes) -> bytes | None:
        try:
            frame = cjt188.decode_frame(request)
            if frame.is_reply:
                return None
            req = cjt188.request_of(frame)
        except FrameError:
            return None
        if self.silent or req.meter_type not in (self.meter_type, cjt188.ANY_TYPE):
            return None
        ser = req.ser or 0
        if req.kind == "read_address" and req.address == cjt188.WILDCARD_ADDRESS:
            return cjt188.address_reply(
                self.address, self.meter_type, ser=ser, di_order=self.di_order
            )
        if req.kind not in ("read", "valve") or req.address != self.address:
            return None
        write = cjt188.WRITE_DATA
        if self.fault is not None:
            function = cjt188.READ_DATA if req.kind == "read" else write
            return cjt188.abnormal_reply(
                self.address, self.meter_type, ser=ser, status=self.fault, function=function
            )
        if req.kind == "valve":
            if req.open_valve is None:
                return cjt188.abnormal_reply(
                    self.address, self.meter_type, ser=ser, status=self.st(), function=write
                )
            self.valve_open = req.open_valve
            return cjt188.valve_reply(
                self.address, self.meter_type, ser=ser, status=self.st(), di_order=req.di_order
            )
        return cjt188.meter_data_reply(
            self.address,
            meter_type=self.meter_type,
            flow=self.flow,
            settlement_flow=self.settlement_flow,
            clock=self.clock().replace(microsecond=0),
            status=self.st(),
            ser=ser,
            di_order=self.di_order,
        )

    def st(self) -> bytes:
        """The status bytes now: `status` with the valve in D1 D0 (00 open, 01 closed)."""
        first = self.status[0] & ~0x03 | (0 if self.valve_open else 1)
        return bytes([first, self.status[1]])


class SimulatorServer:
    """Serves simulated meters as one bus on `socket://host:port` (see the module doc).

    `echo` hands every request back first, as many USB–RS485 and infrared adapters do;
    `reply_wakeup` puts FEH bytes before each reply, as some meters do.
    """

    def __init__(
        self,
        meters: Sequence[SimulatedMeter],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        echo: bool = False,
        reply_wakeup: int = 0,
    ) -> None:
        families = {m.family for m in meters}
        if len(families) != 1:
            raise ValueError("一条总线上的模拟表应使用同一协议族")
        self.meters = list(meters)
        self.codec: Any = cjt188 if families == {"cjt188"} else dlt645
        self.echo = echo
        self.reply_wakeup = reply_wakeup
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.requests: list[bytes] = []

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"socket://{host}:{port}"

    def start(self) -> SimulatorServer:
        thread = threading.Thread(target=self._accept, name="meter-simulator", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._listener.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        # Small frames both ways: without this, Nagle and delayed ACKs add ~40 ms a reply.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = bytearray()
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                for frame in self._frames(buffer):
                    self.requests.append(frame)
                    out = bytearray(frame if self.echo else b"")
                    for meter in self.meters:
                        reply = meter.respond(frame)
                        if reply:
                            out += bytes([0xFE] * self.reply_wakeup) + reply
                    if out:
                        conn.sendall(out)

    def _frames(self, buffer: bytearray) -> list[bytes]:
        frames: list[bytes] = []
        while True:
            frame, _, _ = take_frame(buffer, self.codec.frame_extent, self.codec.frame_at)
            if frame is None:
                return frames
            frames.append(frame)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve simulated meters on socket://HOST:PORT")
    parser.add_argument(
        "--protocol", choices=["dlt645-2007", "dlt645-1997", "cjt188"], default="dlt645-2007"
    )
    parser.add_argument("--address", action="append", help="meter address (repeat for a bus)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--echo", action="store_true", help="echo requests like a USB adapter")
    parser.add_argument(
        "--password", default="02123456", help="control password, level first (dlt645-2007)"
    )
    args = parser.parse_args(argv)
    addresses = args.address or ["000000000001" if args.protocol != "cjt188" else "00000000000001"]
    meters: list[SimulatedMeter] = [
        SimulatedWaterMeter(a)
        if args.protocol == "cjt188"
        else SimulatedElectricityMeter(a, Edition(args.protocol), password=args.password)
        for a in addresses
    ]
    server = SimulatorServer(meters, host=args.host, port=args.port, echo=args.echo).start()
    control = f"控制密码 {args.password}，" if args.protocol == "dlt645-2007" else ""
    print(
        f"{args.protocol} 模拟表 {', '.join(addresses)} 在 {server.url}（{control}Ctrl-C 结束）",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
