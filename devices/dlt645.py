"""DL/T 645-2007 and DL/T 645-1997 frames: build and parse.

Frame (both editions, DL/T 645-2007 §4.1 / 1997 §4.1):

    FE…FE  68  A0…A5  68  C  L  DATA(L bytes, each +33H)  CS  16

* any number of FEH wake-up bytes may precede a frame (2007 §4.6: "在主站发送帧信息之前，
  先发送 4 个字节 FEH"; receivers must not count on exactly four);
* the address is 6 BCD bytes, low byte first; AAH is the wildcard, 99…99 the broadcast;
* C: D7 direction (1 = from the meter), D6 abnormal reply, D5 follow-up frame, D4–D0 the
  function (2007 §4.4; 1997 uses the same bit layout with other function codes);
* every data byte is sent plus 33H (§4.5) — so a data byte of 16H can appear, as can an
  address byte of 16H: the frame is delimited by L, never by the first 16H;
* CS is the byte sum modulo 256 from the first 68H up to the last data byte (§4.7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from devices import framing
from devices.bcd import address_from_wire, address_to_wire, bcd_to_int, int_to_bcd
from devices.errors import FrameError
from devices.framing import (
    ABNORMAL_BIT,
    DIRECTION_BIT,
    FOLLOW_UP_BIT,
    FUNCTION_MASK,
    START,
    ControlByte,
    close_frame,
    envelope_at,
    frames_in,
    only_frame,
)
from devices.registers import DATA_ITEMS, DataItem, Edition, Reading, Value, data_item

DATA_OFFSET = 0x33
HEADER_LEN = 10  # 68 A0..A5 68 C L
BROADCAST = "999999999999"
WILDCARD = "AAAAAAAAAAAA"

# Function codes (C D4–D0). 2007 Table 4; 1997 §6.
BROADCAST_TIME = 0x08  # both editions
READ_2007 = 0x11
READ_FOLLOW_UP_2007 = 0x12
READ_ADDRESS_2007 = 0x13
READ_1997 = 0x01
READ_FOLLOW_UP_1997 = 0x02
CONTROL_2007 = 0x1C  # 跳合闸、报警、保电 (2007 §7.11; replies 9CH / DCH)

_READ = {Edition.V2007: READ_2007, Edition.V1997: READ_1997}
_DI_LEN = {Edition.V2007: 4, Edition.V1997: 2}

# The abnormal reply's error byte is a bit field, not a code (2007 Table 5 "错误信息字 ERR";
# 1997 §6.1.2 "错误信息字"). Bit 7 is reserved in both.
ERROR_BITS: dict[Edition, tuple[str, ...]] = {
    Edition.V2007: (
        "其他错误",
        "无请求数据",
        "密码错/未授权",
        "通信速率不能更改",
        "年时区数超",
        "日时段数超",
        "费率数超",
        "保留位",
    ),
    Edition.V1997: (
        "非法数据",
        "数据标识错",
        "密码错",
        "保留位",
        "年时区数超",
        "日时段数超",
        "费率数超",
        "保留位",
    ),
}
# The control command's abnormal reply DCH carries the same error word ERR (2007 §7.11
# refers to Table 5); for a control command the bits that matter are bit 0 (refused
# for another reason: 保电 in force, the validity end passed, relay fault) and bit 2
# (wrong password or level; ESAM meters also report a failed authentication here).
CONTROL_ERROR_BITS: tuple[str, ...] = ERROR_BITS[Edition.V2007]


@dataclass(frozen=True)
class Frame(ControlByte):
    """One DL/T 645 frame: the address as printed (high digits first), data without +33H."""

    address: str
    control: int
    data: bytes = b""
    noise: bytes = b""  # line noise skipped before this frame (never sent by us)


@dataclass(frozen=True)
class DataReply:
    """A normal reply to a read: the identifier and its decoded values.

    An identifier outside our table (`known` False) still decodes: no values, and `raw`
    holds its data (33H removed) for whoever knows the vendor's layout.
    """

    edition: Edition
    address: str
    di: int
    values: tuple[Value, ...]
    follow_up: bool = False
    raw: bytes = b""
    known: bool = True

    @property
    def di_text(self) -> str:
        return f"{self.di:08X}" if self.edition is Edition.V2007 else f"{self.di:04X}"


@dataclass(frozen=True)
class AbnormalReply:
    """An abnormal reply (2007 D1H, 1997 C1H) and its error byte decoded bit by bit."""

    edition: Edition
    address: str
    control: int
    code: int

    @property
    def reasons(self) -> tuple[str, ...]:
        names = ERROR_BITS[self.edition]
        found = tuple(names[bit] for bit in range(8) if self.code >> bit & 1)
        return found or ("未说明原因",)

    @property
    def message(self) -> str:
        return f"表 {self.address} 异常应答（错误字 {self.code:02X}H）：{'、'.join(self.reasons)}"


@dataclass(frozen=True)
class AddressReply:
    """The reply to a read-address request (2007 93H): the meter's own address."""

    edition: Edition
    address: str


class ControlAction(StrEnum):
    """The control command's N1 (2007 §7.11 远程控制): its code on the wire is `code`."""

    TRIP = "trip"  # 1AH 跳闸
    CLOSE_ALLOW = "close-allow"  # 1BH 合闸允许: the resident closes it with the meter's button
    CLOSE = "close"  # 1CH 直接合闸
    ALARM = "alarm"  # 2AH 报警
    ALARM_OFF = "alarm-off"  # 2BH 报警解除
    HOLD = "hold"  # 3AH 保电: trips are refused until 保电解除
    HOLD_OFF = "hold-off"  # 3BH 保电解除

    @property
    def code(self) -> int:
        return _ACTION_CODES[self]

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_CODES = {
    ControlAction.TRIP: 0x1A,
    ControlAction.CLOSE_ALLOW: 0x1B,
    ControlAction.CLOSE: 0x1C,
    ControlAction.ALARM: 0x2A,
    ControlAction.ALARM_OFF: 0x2B,
    ControlAction.HOLD: 0x3A,
    ControlAction.HOLD_OFF: 0x3B,
}
_ACTION_LABELS = {
    ControlAction.TRIP: "跳闸",
    ControlAction.CLOSE_ALLOW: "合闸允许",
    ControlAction.CLOSE: "直接合闸",
    ControlAction.ALARM: "报警",
    ControlAction.ALARM_OFF: "报警解除",
    ControlAction.HOLD: "保电",
    ControlAction.HOLD_OFF: "保电解除",
}
ACTION_OF_CODE = {code: action for action, code in _ACTION_CODES.items()}


@dataclass(frozen=True)
class ControlAccepted:
    """The normal reply to a control command (9CH, no data): the meter took it."""

    address: str
    edition: Edition = Edition.V2007


@dataclass(frozen=True)
class ControlRefused:
    """The abnormal reply to a control command (DCH) and its error byte, bit by bit."""

    address: str
    code: int
    edition: Edition = Edition.V2007

    @property
    def errors(self) -> tuple[str, ...]:
        found = tuple(CONTROL_ERROR_BITS[bit] for bit in range(8) if self.code >> bit & 1)
        return found or ("未说明原因",)

    @property
    def message(self) -> str:
        return (
            f"表 {self.address} 拒绝控制命令（错误字 {self.code:02X}H）：{'、'.join(self.errors)}"
        )


Reply = DataReply | AbnormalReply | AddressReply | ControlAccepted | ControlRefused


@dataclass(frozen=True)
class Request:
    """A request as a meter sees it (the simulators and `frame decode` use this)."""

    edition: Edition
    address: str
    control: int
    kind: str  # read | read_address | time_sync | control | other
    di: int | None = None
    when: datetime | None = None  # the sync time, or a control command's validity end
    action: ControlAction | None = None  # control: None if sealed by a vendor module
    password: str | None = None  # control: level first, as printed ("02123456")
    operator: str | None = None  # control: as printed (high digits first)


# --- framing ------------------------------------------------------------------------


def encode_frame(frame: Frame, *, wakeup: int = 0) -> bytes:
    """The wire bytes of `frame`, optionally preceded by `wakeup` FEH bytes."""
    if len(frame.data) > 255:
        raise ValueError(f"数据域 {len(frame.data)} 字节，超过 255")
    body = bytearray([START, *address_to_wire(frame.address, 6), START, frame.control])
    body.append(len(frame.data))
    body += bytes((b + DATA_OFFSET) & 0xFF for b in frame.data)
    return close_frame(body, wakeup)


def frame_extent(buffer: bytes) -> tuple[int, int | None]:
    """For a receive buffer: (bytes to discard before a frame, the frame's size or None).

    The size (counted from the frame's 68H) is known once the header with L is in; it is
    `None` while more bytes are needed. A 68H is taken as a start only if the second 68H
    sits 7 bytes later, so line noise before a reply does not make the reader wait for a
    bogus length.
    """
    return framing.frame_extent(buffer, HEADER_LEN, 9, _second_start)


def _second_start(buffer: bytes, pos: int) -> bool:
    return len(buffer) <= pos + 7 or buffer[pos + 7] == START


def _decode_at(raw: bytes, pos: int, noise: bytes) -> tuple[Frame, int]:
    """The frame starting at `pos` (FEH skipped) and the offset just past its 16H."""
    pos, end = envelope_at(raw, pos, HEADER_LEN, 9, second_start=7)
    cs_at = end - 2
    data = bytes((b - DATA_OFFSET) & 0xFF for b in raw[pos + HEADER_LEN : cs_at])
    address = address_from_wire(raw[pos + 1 : pos + 7])
    return Frame(address, raw[pos + 8], data, noise), end


def frame_at(raw: bytes) -> Frame:
    """The frame that starts at `raw[0]` (FEH allowed), no noise skipped: a stream
    reader's check that a candidate 68H really starts a frame."""
    return _decode_at(raw, 0, b"")[0]


def decode_frames(raw: bytes) -> list[Frame]:
    """Every frame in `raw` (an echoed request and its reply, say), line noise skipped."""
    return frames_in(raw, _decode_at)


def decode_frame(raw: bytes) -> Frame:
    """Exactly one frame (wake-up bytes allowed before it); FrameError otherwise."""
    return only_frame(decode_frames(raw))


# --- requests -----------------------------------------------------------------------


def read_request(address: str, di: int, edition: Edition = Edition.V2007) -> bytes:
    """Read data by identifier: 2007 C=11H with a 4-byte DI, 1997 C=01H with 2 bytes."""
    return encode_frame(Frame(address, _READ[edition], di.to_bytes(_DI_LEN[edition], "little")))


def read_address_request() -> bytes:
    """Read the address of the one meter on the line (2007 C=13H to AA…AA, §6.6)."""
    return encode_frame(Frame(WILDCARD, READ_ADDRESS_2007))


def time_sync_request(when: datetime) -> bytes:
    """Broadcast time sync (C=08H to 99…99, no reply): ss mm hh DD MM YY (2007 §6.9).

    The 1997 edition uses the same frame (1997 §6.5), so there is no edition to choose.
    """
    return encode_frame(Frame(BROADCAST, BROADCAST_TIME, _time_fields(when)))


def parse_request(raw: bytes) -> Request:
    """A request frame as the meter reads it; FrameError if it is not a request."""
    frame = decode_frame(raw)
    if frame.is_reply:
        raise FrameError(f"这是应答帧（C={frame.control:02X}H），不是请求")
    return request_of(frame)


def request_of(frame: Frame) -> Request:
    fn = frame.function
    if fn in (READ_2007, READ_FOLLOW_UP_2007) and len(frame.data) >= 4:
        di = int.from_bytes(frame.data[:4], "little")
        return Request(Edition.V2007, frame.address, frame.control, "read", di)
    if fn in (READ_1997, READ_FOLLOW_UP_1997) and len(frame.data) >= 2:
        di = int.from_bytes(frame.data[:2], "little")
        return Request(Edition.V1997, frame.address, frame.control, "read", di)
    if fn == READ_ADDRESS_2007:
        return Request(Edition.V2007, frame.address, frame.control, "read_address")
    if fn == BROADCAST_TIME and len(frame.data) == 6:
        return Request(
            Edition.V2007, frame.address, frame.control, "time_sync", when=_when(frame.data)
        )
    if fn == CONTROL_2007 and len(frame.data) >= 8:
        return _control_request_of(frame)
    return Request(Edition.V2007, frame.address, frame.control, "other")


def _when(data: bytes, *, at: int = HEADER_LEN, what: str = "校时时间") -> datetime:
    ss, mm, hh, dd, mo, yy = (
        bcd_to_int(data[i : i + 1], offset=at + i, what=what) for i in range(6)
    )
    try:
        return datetime(2000 + yy, mo, dd, hh, mm, ss)
    except ValueError:
        raise FrameError(
            f"{what}无效：{yy:02d}-{mo:02d}-{dd:02d} {hh:02d}:{mm:02d}:{ss:02d}", offset=at
        ) from None


def _time_fields(when: datetime) -> bytes:
    """ss mm hh DD MM YY, one BCD byte each (2007 §6.9 time sync, §7.11 validity end)."""
    fields = (when.second, when.minute, when.hour, when.day, when.month, when.year % 100)
    return bytes(int_to_bcd(f, 1)[0] for f in fields)


# --- replies ------------------------------------------------------------------------


def data_reply(
    address: str,
    di: int,
    values: Sequence[Reading],
    edition: Edition = Edition.V2007,
    *,
    follow_up: bool = False,
) -> bytes:
    """A normal reply carrying `values` for `di` (2007 91H/B1H, 1997 81H/A1H)."""
    item = data_item(edition, di)
    control = DIRECTION_BIT | _READ[edition] | (FOLLOW_UP_BIT if follow_up else 0)
    payload = di.to_bytes(_DI_LEN[edition], "little") + item.encode(values)
    return encode_frame(Frame(address, control, payload))


def abnormal_reply(address: str, code: int, edition: Edition = Edition.V2007) -> bytes:
    """An abnormal reply to a read (2007 D1H, 1997 C1H) with error byte `code`."""
    control = DIRECTION_BIT | ABNORMAL_BIT | _READ[edition]
    return encode_frame(Frame(address, control, bytes([code])))


def address_reply(address: str) -> bytes:
    """The reply to a read-address request (2007 93H, L=06, the address in the data)."""
    return encode_frame(
        Frame(address, DIRECTION_BIT | READ_ADDRESS_2007, address_to_wire(address, 6))
    )


def edition_of(control: int) -> Edition:
    """The edition a control code belongs to (the function codes differ; 08H is shared)."""
    return (
        Edition.V1997
        if control & FUNCTION_MASK in (READ_1997, READ_FOLLOW_UP_1997)
        else Edition.V2007
    )


def reply_of(frame: Frame, edition: Edition | None = None) -> Reply:
    """Interpret a reply frame; FrameError for an unknown DI or a malformed data field."""
    if not frame.is_reply:
        raise FrameError(f"这是请求帧（C={frame.control:02X}H），不是应答")
    edition = edition or edition_of(frame.control)
    fn = frame.function
    if fn == CONTROL_2007:
        return control_reply_of(frame)
    if frame.is_abnormal:
        if len(frame.data) != 1:
            raise FrameError(
                f"异常应答的数据应为 1 字节错误字，实为 {len(frame.data)} 字节", offset=9
            )
        return AbnormalReply(edition, frame.address, frame.control, frame.data[0])
    if fn == READ_ADDRESS_2007:
        if len(frame.data) != 6:
            raise FrameError(f"读地址应答的数据应为 6 字节，实为 {len(frame.data)} 字节", offset=9)
        return AddressReply(Edition.V2007, address_from_wire(frame.data))
    if fn in (_READ[edition], READ_FOLLOW_UP_2007, READ_FOLLOW_UP_1997):
        width = _DI_LEN[edition]
        if len(frame.data) < width:
            raise FrameError(f"应答数据不足 {width} 字节，缺少数据标识", offset=HEADER_LEN)
        di = int.from_bytes(frame.data[:width], "little")
        body = frame.data[width:]
        if fn in (READ_FOLLOW_UP_2007, READ_FOLLOW_UP_1997) and body:
            body = body[:-1]  # the follow-up frame's last byte is its sequence number SEQ
        item: DataItem | None = DATA_ITEMS.get((edition, di))
        if item is None:
            return DataReply(edition, frame.address, di, (), frame.follow_up, body, known=False)
        values = item.decode(body, offset=HEADER_LEN + width)
        return DataReply(edition, frame.address, di, values, frame.follow_up, body)
    raise FrameError(f"不支持的应答控制码 {frame.control:02X}H", offset=8)


def parse_reply(raw: bytes, edition: Edition | None = None) -> Reply:
    """The meter's reply in `raw`, dropping echoed requests (direction bit clear) before it.

    USB–RS485 and infrared adapters often hand the request back before the reply.
    """
    for frame in decode_frames(raw):
        if frame.is_reply:
            return reply_of(frame, edition)
    raise FrameError("只有请求（回显），没有应答帧")


# --- remote control (费控) -------------------------------------------------------------
#
# Request (2007 §7.11, C=1CH, L=10H): PA P0 P1 P2 | C0 C1 C2 C3 | N1 N2 N3…N8, each +33H.
# * PA is the password's level, P0…P2 the password, low byte first like every field: the
#   sheet's "02123456" (level 02, password 123456) goes out as 02 56 34 12;
# * C0…C3 the operator code, low byte first ("12345678" → 78 56 34 12);
# * N1 the action (1AH…3BH), N2 reserved (00H), N3…N8 the command's validity end
#   ss mm hh DD MM YY: a meter refuses a command that arrives after it.
# The normal reply is 9CH with no data; the abnormal reply DCH carries the error word.
#
# National-grid smart meters take N1…N8 only enciphered by their ESAM (level 98H, data
# plus MAC from the vendor's security module); campus meters take the plain password.
# `ControlAuth` is where a vendor's module plugs in; `PlainPassword` is the default.

RELAY_STATUS_DI = 0x04000503  # 电表运行状态字3 (操作类)
_RELAY_OPEN_BIT = 1 << 4  # 继电器状态: 0 通, 1 断
_RELAY_ORDER_BIT = 1 << 6  # 继电器命令状态: 0 通, 1 断
_PRE_TRIP_ALARM_BIT = 1 << 7  # 预跳闸报警状态
_HOLD_BIT = 1 << 12  # 保电状态 (2007 备案文件 addition to 状态字3)


class ControlAuth(Protocol):
    """Turns a control command into its data field (before +33H) for the wire.

    `command` is N1…N8 in the clear. A vendor's ESAM module implements this to return
    its level byte, operator code and the enciphered command with its MAC, exactly as its
    documentation prescribes; MeterDesk never computes ciphertext itself.
    """

    def seal(self, address: str, password: str, operator: str, command: bytes) -> bytes: ...


class PlainPassword:
    """The plain form campus meters take: PA P0 P1 P2, C0…C3, then N1…N8 as is."""

    def seal(self, address: str, password: str, operator: str, command: bytes) -> bytes:
        return password_to_wire(password) + operator_to_wire(operator) + command


def password_to_wire(password: str) -> bytes:
    """ "02123456" (level first, then the password as printed) → PA P0 P1 P2 = 02 56 34 12."""
    text = password.replace(" ", "")
    if len(text) != 8 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"密码 {password!r} 应为 8 位十六进制：权限 2 位 + 密码 6 位")
    raw = bytes.fromhex(text)
    return raw[:1] + raw[1:][::-1]


def password_from_wire(data: bytes) -> str:
    return (data[:1] + data[1:4][::-1]).hex().upper()


def operator_to_wire(operator: str) -> bytes:
    """The operator code as printed (8 hex digits, shorter padded) → C0…C3, low first."""
    text = (operator or "0").replace(" ", "")
    if len(text) > 8 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"操作者代码 {operator!r} 应为至多 8 位十六进制")
    return bytes.fromhex(text.zfill(8))[::-1]


def control_request(
    address: str,
    action: ControlAction,
    *,
    password: str,
    operator: str,
    until: datetime,
    auth: ControlAuth | None = None,
) -> bytes:
    """A control command (C=1CH) to `address`; ValueError for a bad password or operator."""
    command = bytes([ControlAction(action).code, 0x00]) + _time_fields(until)
    data = (auth or PlainPassword()).seal(address, password, operator, command)
    return encode_frame(Frame(address, CONTROL_2007, data))


def _control_request_of(frame: Frame) -> Request:
    data = frame.data
    plain = len(data) == 16
    return Request(
        Edition.V2007,
        frame.address,
        frame.control,
        "control",
        password=password_from_wire(data[:4]),
        operator=data[4:8][::-1].hex().upper(),
        action=ACTION_OF_CODE.get(data[8]) if plain else None,
        when=_when(data[10:16], at=HEADER_LEN + 10, what="命令有效截止时间") if plain else None,
    )


def control_accepted(address: str) -> bytes:
    """The meter's normal reply to a control command: 9CH, L=00."""
    return encode_frame(Frame(address, DIRECTION_BIT | CONTROL_2007))


def control_refused(address: str, code: int) -> bytes:
    """The meter's abnormal reply to a control command: DCH, L=01, the error word."""
    return encode_frame(Frame(address, DIRECTION_BIT | ABNORMAL_BIT | CONTROL_2007, bytes([code])))


def control_reply_of(frame: Frame) -> ControlAccepted | ControlRefused:
    if not frame.is_reply or frame.function != CONTROL_2007:
        raise FrameError(f"不是控制命令的应答（C={frame.control:02X}H）", offset=8)
    if frame.is_abnormal:
        if len(frame.data) != 1:
            raise FrameError(
                f"控制命令异常应答的数据应为 1 字节错误字，实为 {len(frame.data)} 字节", offset=9
            )
        return ControlRefused(frame.address, frame.data[0])
    if frame.data:
        raise FrameError(f"控制命令正常应答不应有数据，实有 {len(frame.data)} 字节", offset=9)
    return ControlAccepted(frame.address)


def parse_control_reply(raw: bytes) -> ControlAccepted | ControlRefused:
    """The meter's answer to a control command (an echoed request before it is skipped)."""
    for frame in decode_frames(raw):
        if frame.is_reply:
            return control_reply_of(frame)
    raise FrameError("只有请求（回显），没有应答帧")


@dataclass(frozen=True)
class RelayState:
    """The relay as 电表运行状态字3 (04000503) reports it."""

    word: int
    closed: bool  # bit 4 继电器状态: 0 通 (closed, power on), 1 断
    held: bool  # bit 12 保电状态
    commanded_open: bool  # bit 6 继电器命令状态: the last command was to open
    pre_trip_alarm: bool  # bit 7 预跳闸报警状态

    @property
    def state(self) -> str:
        """ "on" or "off", the words the switching queue stores."""
        return "on" if self.closed else "off"


def relay_status_word(*, closed: bool, held: bool, commanded_open: bool, alarm: bool) -> int:
    """The 状态字3 a meter in this state reports (the simulator's side of `relay_state`)."""
    return (
        (0 if closed else _RELAY_OPEN_BIT)
        | (_RELAY_ORDER_BIT if commanded_open else 0)
        | (_PRE_TRIP_ALARM_BIT if alarm else 0)
        | (_HOLD_BIT if held else 0)
    )


def relay_state(reply: DataReply | int) -> RelayState:
    """The relay state in a 04000503 reply (or its word); FrameError for another reply."""
    if isinstance(reply, DataReply):
        if reply.di != RELAY_STATUS_DI or not reply.values:
            raise FrameError(f"应答的数据标识 {reply.di_text} 不是电表运行状态字3（04000503）")
        word = reply.values[0].value
        if not isinstance(word, int):
            raise FrameError("电表运行状态字3 无数据")
    else:
        word = reply
    return RelayState(
        word,
        closed=not word & _RELAY_OPEN_BIT,
        held=bool(word & _HOLD_BIT),
        commanded_open=bool(word & _RELAY_ORDER_BIT),
        pre_trip_alarm=bool(word & _PRE_TRIP_ALARM_BIT),
    )
