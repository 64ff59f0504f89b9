"""CJ/T 188-2004 frames (户用计量仪表数据传输技术条件): water, heat and gas meters.

Frame (CJ/T 188-2004 §6.2):

    FE…FE  68  T  A0…A6  C  L  DATA(L bytes)  CS  16

* T is the meter type (10H cold water, 11H hot water, 12H drinking water, 13H reclaimed
  water, 20H/21H heat, 30H gas, 40H custom; AAH matches any type);
* the address is 7 bytes, low byte first (A5–A6 often the manufacturer code);
* C: D7 direction (1 = from the meter), D6 abnormal, D5 follow-up, D4–D0 the function
  (01H read data, 03H read address, 04H write data …);
* unlike DL/T 645 the data is sent as is — no +33H;
* CS is the byte sum modulo 256 from 68H to the last data byte; the frame ends in 16H
  and, as in DL/T 645, is delimited by L (16H occurs inside addresses and data).

The data identifier comes first in DATA, followed by a sequence byte SER. The 2004 text
writes DI0 DI1 = 90H 1FH, but real meters and the 2018 revision send 1FH 90H (cf. the
public captures "68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16"): a reader accepts
both, a sender uses the order the meter model wants (`di_order`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from devices import framing
from devices.bcd import (
    address_from_wire,
    address_to_wire,
    bcd_to_int,
    decode_decimal,
    encode_decimal,
    int_to_bcd,
    is_no_data,
)
from devices.errors import FrameError
from devices.framing import (
    ABNORMAL_BIT,
    DIRECTION_BIT,
    FUNCTION_MASK,
    START,
    ControlByte,
    close_frame,
    envelope_at,
    frames_in,
    only_frame,
)
from devices.registers import Value

HEADER_LEN = 11  # 68 T A0..A6 C L
WILDCARD_ADDRESS = "AAAAAAAAAAAAAA"
ANY_TYPE = 0xAA

READ_DATA = 0x01
READ_ADDRESS = 0x03
WRITE_DATA = 0x04

DI_METER_DATA = 0x901F  # 计量数据
DI_ADDRESS = 0x810A  # 读地址
DI_VALVE = 0xA017  # 阀门控制 (write data, C=04H)
KNOWN_DIS = (DI_METER_DATA, DI_ADDRESS, DI_VALVE)
# 阀门控制's one data byte (CJ/T 188-2004 写阀门控制): 55H open, 99H close.
VALVE_OPEN = 0x55
VALVE_CLOSE = 0x99
# ST byte 1, D1 D0 (CJ/T 188-2004 状态 ST): 00 open, 01 closed, 11 abnormal; 10 is not
# defined and is reported abnormal too. D2 is battery under-voltage; the rest, and the
# second byte, are the vendor's.
VALVE_STATES = {0: "open", 1: "closed", 2: "abnormal", 3: "abnormal"}
VALVE_LABELS = {"open": "开", "closed": "关", "abnormal": "异常", "unknown": "未知"}
# How a meter model sends a DI: big is 90 1F on the wire, little is 1F 90.
DiOrder = Literal["big", "little"]
DI_ORDERS: tuple[DiOrder, ...] = ("big", "little")

METER_TYPES: dict[int, str] = {
    0x10: "冷水水表",
    0x11: "生活热水水表",
    0x12: "直饮水水表",
    0x13: "中水水表",
    0x20: "热量表（计热量）",
    0x21: "热量表（计冷量）",
    0x30: "燃气表",
    0x40: "自定义仪表",
}

# Unit codes (CJ/T 188-2004 Table 计量单位代号).
UNITS: dict[int, str] = {
    0x01: "J",
    0x02: "Wh",
    0x05: "kWh",
    0x08: "MWh",
    0x0A: "MWh×100",
    0x0B: "kJ",
    0x0E: "MJ",
    0x11: "GJ",
    0x13: "GJ×100",
    0x14: "W",
    0x17: "kW",
    0x1A: "MW",
    0x29: "L",
    0x2C: "m³",
    0x32: "L/h",
    0x35: "m³/h",
}
UNIT_CODES = {name: code for code, name in UNITS.items()}

# The 901F reply of water and gas meters: DI(2) SER(1) current flow(4)+unit(1)
# settlement-day flow(4)+unit(1) real time(7) ST(2) — L = 16H (CJ/T 188-2004 Table 读计量数据).
WATER_DATA_LEN = 0x16


@dataclass(frozen=True)
class Frame(ControlByte):
    meter_type: int
    address: str  # 14 hex digits as printed (high first)
    control: int
    data: bytes = b""
    noise: bytes = b""  # line noise skipped before this frame


@dataclass(frozen=True)
class MeterData:
    """A 901F reply: cumulative flow, settlement-day flow, the meter's clock, status."""

    meter_type: int
    address: str
    ser: int
    flow: Decimal | None
    flow_unit: str
    settlement_flow: Decimal | None
    settlement_unit: str
    clock: datetime | None
    status: bytes
    di_order: DiOrder = "big"
    # Why `clock` is None when the meter sent something else than the FF "no data" fill:
    # real meters whose clock was never set send zeros, or garbage; the rest still counts.
    clock_note: str | None = None

    @property
    def valve(self) -> str:
        """ "open", "closed" or "abnormal" from ST (`valve_of`); "unknown" without ST."""
        return valve_of(self.status)

    @property
    def valve_text(self) -> str:
        return VALVE_LABELS[self.valve]

    @property
    def battery_low(self) -> bool | None:
        """ST byte 1 bit D2: battery under-voltage; None when the meter sent no ST."""
        return battery_low_of(self.status)

    @property
    def values(self) -> tuple[Value, ...]:
        return (
            Value("当前累积流量", self.flow, self.flow_unit),
            Value("结算日累积流量", self.settlement_flow, self.settlement_unit),
        )


def valve_of(status: bytes) -> str:
    """The valve state in status bytes ST; vendors add bits, the raw ST stays the record."""
    if not status or is_no_data(status):
        return "unknown"
    return VALVE_STATES[status[0] & 0x03]


def battery_low_of(status: bytes) -> bool | None:
    if not status or is_no_data(status):
        return None
    return bool(status[0] & 0x04)


@dataclass(frozen=True)
class ValveAccepted:
    """The normal reply to 阀门控制 (C=84H): DI, SER and the status bytes after the act."""

    meter_type: int
    address: str
    ser: int
    status: bytes
    di_order: DiOrder = "big"

    @property
    def valve(self) -> str:
        return valve_of(self.status)

    @property
    def battery_low(self) -> bool | None:
        return battery_low_of(self.status)


@dataclass(frozen=True)
class AddressReply:
    meter_type: int
    address: str
    ser: int


@dataclass(frozen=True)
class AbnormalReply:
    """An abnormal reply (C1H …): SER and the status bytes, kept raw."""

    meter_type: int
    address: str
    control: int
    ser: int | None
    status: bytes

    @property
    def message(self) -> str:
        status = self.status.hex(" ").upper() or "无"
        return f"表 {self.address} 异常应答（C={self.control:02X}H，状态 {status}）"


Reply = MeterData | AddressReply | AbnormalReply | ValveAccepted


@dataclass(frozen=True)
class Request:
    meter_type: int
    address: str
    control: int
    kind: str  # read | read_address | valve | other
    di: int | None
    ser: int | None
    di_order: DiOrder = "big"
    open_valve: bool | None = None  # valve: True 55H, False 99H, None another byte


# --- framing ------------------------------------------------------------------------


def encode_frame(frame: Frame, *, wakeup: int = 0) -> bytes:
    if len(frame.data) > 255:
        raise ValueError(f"数据域 {len(frame.data)} 字节，超过 255")
    body = bytearray([START, frame.meter_type, *address_to_wire(frame.address, 7), frame.control])
    body.append(len(frame.data))
    body += frame.data
    return close_frame(body, wakeup)


def plausible_type(byte: int) -> bool:
    # Types 10H–4FH and the wildcard AAH (CJ/T 188-2004 Table 仪表类型); a 68H followed by
    # anything else is line noise, not a start, for the stream reader.
    return 0x10 <= byte <= 0x4F or byte == ANY_TYPE


def frame_extent(buffer: bytes) -> tuple[int, int | None]:
    """(bytes to discard before a frame, its size from 68H or None while incomplete)."""
    return framing.frame_extent(buffer, HEADER_LEN, 10, _typed_start)


def _typed_start(buffer: bytes, pos: int) -> bool:
    return len(buffer) <= pos + 1 or plausible_type(buffer[pos + 1])


def _decode_at(raw: bytes, pos: int, noise: bytes) -> tuple[Frame, int]:
    pos, end = envelope_at(raw, pos, HEADER_LEN, 10)
    cs_at = end - 2
    frame = Frame(
        raw[pos + 1],
        address_from_wire(raw[pos + 2 : pos + 9]),
        raw[pos + 9],
        bytes(raw[pos + HEADER_LEN : cs_at]),
        noise,
    )
    return frame, end


def frame_at(raw: bytes) -> Frame:
    """The frame that starts at `raw[0]` (FEH allowed), no noise skipped: a stream
    reader's check that a candidate 68H really starts a frame."""
    return _decode_at(raw, 0, b"")[0]


def decode_frames(raw: bytes) -> list[Frame]:
    return frames_in(raw, _decode_at)


def decode_frame(raw: bytes) -> Frame:
    return only_frame(decode_frames(raw))


def di_to_wire(di: int, order: DiOrder = "big") -> bytes:
    if order not in DI_ORDERS:
        raise ValueError(f"数据标识字节序应为 big 或 little，收到 {order!r}")
    return di.to_bytes(2, order)


def di_from_wire(data: bytes, *, offset: int = HEADER_LEN) -> tuple[int, DiOrder]:
    """The DI and the order it came in; both `90 1F` and `1F 90` are accepted."""
    if len(data) < 2:
        raise FrameError("数据域不足 2 字节，缺少数据标识", offset=offset)
    big = int.from_bytes(data[:2], "big")
    if big in KNOWN_DIS:
        return big, "big"
    little = int.from_bytes(data[:2], "little")
    if little in KNOWN_DIS:
        return little, "little"
    raise FrameError(f"未知数据标识 {data[0]:02X} {data[1]:02X}（CJ/T 188）", offset=offset)


# --- requests -----------------------------------------------------------------------


def read_request(
    address: str, meter_type: int = 0x10, *, ser: int = 0, di_order: DiOrder = "big"
) -> bytes:
    """Read metering data: C=01H, L=03H, DI 901F in `di_order`, SER."""
    data = di_to_wire(DI_METER_DATA, di_order) + bytes([ser & 0xFF])
    return encode_frame(Frame(meter_type, address, READ_DATA, data))


def read_address_request(
    meter_type: int = ANY_TYPE, *, ser: int = 0, di_order: DiOrder = "big"
) -> bytes:
    """Read the address of the one meter on the line: C=03H to AA…AA, DI 810A, SER."""
    data = di_to_wire(DI_ADDRESS, di_order) + bytes([ser & 0xFF])
    return encode_frame(Frame(meter_type, WILDCARD_ADDRESS, READ_ADDRESS, data))


def parse_request(raw: bytes) -> Request:
    frame = decode_frame(raw)
    if frame.is_reply:
        raise FrameError(f"这是应答帧（C={frame.control:02X}H），不是请求")
    return request_of(frame)


def request_of(frame: Frame) -> Request:
    kind = {READ_DATA: "read", READ_ADDRESS: "read_address", WRITE_DATA: "valve"}.get(
        frame.function, "other"
    )
    if kind == "other" or len(frame.data) < 3:
        return Request(frame.meter_type, frame.address, frame.control, "other", None, None)
    di, order = di_from_wire(frame.data)
    if kind == "valve":
        if di != DI_VALVE or len(frame.data) != 4:
            return Request(frame.meter_type, frame.address, frame.control, "other", di, None)
        act = {VALVE_OPEN: True, VALVE_CLOSE: False}.get(frame.data[3])
        return Request(
            frame.meter_type, frame.address, frame.control, kind, di, frame.data[2], order, act
        )
    return Request(frame.meter_type, frame.address, frame.control, kind, di, frame.data[2], order)


def valve_request(
    address: str, meter_type: int, *, open: bool, serial: int = 0, di_order: DiOrder = "big"
) -> bytes:
    """开阀 / 关阀: write data C=04H, L=04H, DI A017, SER, 55H (open) or 99H (close).

    The 2004 text's order A0 17 is the default; `di_order="little"` sends 17 A0.
    """
    data = di_to_wire(DI_VALVE, di_order) + bytes(
        [serial & 0xFF, VALVE_OPEN if open else VALVE_CLOSE]
    )
    return encode_frame(Frame(meter_type, address, WRITE_DATA, data))


# --- replies ------------------------------------------------------------------------


def _unit_code(unit: str) -> int:
    try:
        return UNIT_CODES[unit]
    except KeyError:
        raise ValueError(f"未知计量单位 {unit!r}") from None


def _encode_clock(when: datetime | None) -> bytes:
    if when is None:
        return b"\xff" * 7
    century, year = divmod(when.year, 100)
    fields = (when.second, when.minute, when.hour, when.day, when.month, year, century)
    return bytes(int_to_bcd(f, 1)[0] for f in fields)


def meter_data_reply(
    address: str,
    *,
    meter_type: int = 0x10,
    flow: Decimal | None,
    settlement_flow: Decimal | None,
    clock: datetime | None,
    status: bytes = b"\x00\x00",
    unit: str = "m³",
    ser: int = 0,
    di_order: DiOrder = "big",
) -> bytes:
    """A 901F reply (C=81H) as a water or gas meter sends it; None fields go FF-filled."""
    if len(status) != 2:
        raise ValueError("状态 ST 应为 2 字节")
    code = _unit_code(unit)
    data = (
        di_to_wire(DI_METER_DATA, di_order)
        + bytes([ser & 0xFF])
        + encode_decimal(flow, 4, 2)
        + bytes([code if flow is not None else 0xFF])
        + encode_decimal(settlement_flow, 4, 2)
        + bytes([code if settlement_flow is not None else 0xFF])
        + _encode_clock(clock)
        + status
    )
    return encode_frame(Frame(meter_type, address, DIRECTION_BIT | READ_DATA, data))


def address_reply(
    address: str, meter_type: int = 0x10, *, ser: int = 0, di_order: DiOrder = "big"
) -> bytes:
    """The read-address reply: C=83H, L=03H, the address in the header."""
    data = di_to_wire(DI_ADDRESS, di_order) + bytes([ser & 0xFF])
    return encode_frame(Frame(meter_type, address, DIRECTION_BIT | READ_ADDRESS, data))


def abnormal_reply(
    address: str,
    meter_type: int = 0x10,
    *,
    ser: int = 0,
    status: bytes = b"\x00\x00",
    function: int = READ_DATA,
) -> bytes:
    """An abnormal reply (C=C1H to a read, C4H to a write; L=03H: SER and 2 status bytes)."""
    data = bytes([ser & 0xFF]) + status
    return encode_frame(Frame(meter_type, address, DIRECTION_BIT | ABNORMAL_BIT | function, data))


def valve_reply(
    address: str,
    meter_type: int = 0x10,
    *,
    ser: int = 0,
    status: bytes = b"\x00\x00",
    di_order: DiOrder = "big",
) -> bytes:
    """The normal reply to 阀门控制: C=84H, L=05H, DI A017, SER and ST after the act."""
    if len(status) != 2:
        raise ValueError("状态 ST 应为 2 字节")
    data = di_to_wire(DI_VALVE, di_order) + bytes([ser & 0xFF]) + status
    return encode_frame(Frame(meter_type, address, DIRECTION_BIT | WRITE_DATA, data))


def _unit(code: int, offset: int) -> str:
    if code == 0xFF:
        return ""
    try:
        return UNITS[code]
    except KeyError:
        raise FrameError(f"未知计量单位代号 {code:02X}H", offset=offset) from None


def _clock(data: bytes) -> tuple[datetime | None, str | None]:
    """The meter's clock (ss mm hh DD MM YY CC, low byte first, CJ/T 188-2004 "实时时间")
    and, when it is not a valid time, why it is reported absent instead."""
    if is_no_data(data):
        return None, None
    shown = data[::-1].hex(" ").upper()
    if not any(data):
        return None, f"表内时间全为 0（{shown}），表钟未设置，按无时间处理"
    try:
        ss, mm, hh, dd, mo, yy, cc = (bcd_to_int(data[i : i + 1]) for i in range(7))
        return datetime(cc * 100 + yy, mo, dd, hh, mm, ss), None
    except (FrameError, ValueError):
        return None, f"表内时间无效（{shown}），按无时间处理"


def reply_of(frame: Frame) -> Reply:
    if not frame.is_reply:
        raise FrameError(f"这是请求帧（C={frame.control:02X}H），不是应答")
    data = frame.data
    if frame.is_abnormal:
        if len(data) == 3:
            return AbnormalReply(frame.meter_type, frame.address, frame.control, data[0], data[1:])
        return AbnormalReply(frame.meter_type, frame.address, frame.control, None, data)
    di, order = di_from_wire(data)
    if len(data) < 3:
        raise FrameError("数据域缺少序号 SER", offset=HEADER_LEN + 2)
    ser = data[2]
    if frame.function == READ_ADDRESS and di == DI_ADDRESS:
        return AddressReply(frame.meter_type, frame.address, ser)
    if frame.function == WRITE_DATA and di == DI_VALVE:
        if len(data) != 5:
            raise FrameError(f"阀门控制应答数据应为 05H 字节，实为 {len(data):02X}H", offset=10)
        return ValveAccepted(frame.meter_type, frame.address, ser, bytes(data[3:5]), order)
    if frame.function == READ_DATA and di == DI_METER_DATA:
        if 0x20 <= frame.meter_type <= 0x29:
            raise FrameError(f"暂不支持热量表（类型 {frame.meter_type:02X}H）的计量数据", offset=1)
        if len(data) != WATER_DATA_LEN:
            raise FrameError(
                f"计量数据长度应为 {WATER_DATA_LEN:02X}H，实为 {len(data):02X}H", offset=10
            )
        base = HEADER_LEN
        clock, clock_note = _clock(data[13:20])
        return MeterData(
            meter_type=frame.meter_type,
            address=frame.address,
            ser=ser,
            flow=decode_decimal(data[3:7], 2, offset=base + 3, what="当前累积流量"),
            flow_unit=_unit(data[7], base + 7),
            settlement_flow=decode_decimal(data[8:12], 2, offset=base + 8, what="结算日累积流量"),
            settlement_unit=_unit(data[12], base + 12),
            clock=clock,
            status=bytes(data[20:22]),
            di_order=order,
            clock_note=clock_note,
        )
    raise FrameError(f"控制码 {frame.control:02X}H 与数据标识 {di:04X} 不匹配", offset=9)


def parse_reply(raw: bytes) -> Reply:
    """The meter's reply in `raw`, dropping echoed requests (direction bit clear)."""
    for frame in decode_frames(raw):
        if frame.is_reply:
            return reply_of(frame)
    raise FrameError("只有请求（回显），没有应答帧")


def parse_valve_reply(raw: bytes) -> ValveAccepted | AbnormalReply:
    """The meter's answer to 开阀 / 关阀; FrameError if it is not one."""
    reply = parse_reply(raw)
    if isinstance(reply, AbnormalReply) and reply.control & FUNCTION_MASK == WRITE_DATA:
        return reply
    if isinstance(reply, ValveAccepted):
        return reply
    raise FrameError("不是阀门控制的应答")
