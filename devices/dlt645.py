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
from devices.registers import DataItem, Edition, Reading, Value, data_item

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


@dataclass(frozen=True)
class Frame(ControlByte):
    """One DL/T 645 frame: the address as printed (high digits first), data without +33H."""

    address: str
    control: int
    data: bytes = b""


@dataclass(frozen=True)
class DataReply:
    """A normal reply to a read: the identifier and its decoded values."""

    edition: Edition
    address: str
    di: int
    values: tuple[Value, ...]
    follow_up: bool = False

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


Reply = DataReply | AbnormalReply | AddressReply


@dataclass(frozen=True)
class Request:
    """A request as a meter sees it (the simulators and `frame decode` use this)."""

    edition: Edition
    address: str
    control: int
    kind: str  # read | read_address | time_sync | other
    di: int | None = None
    when: datetime | None = None


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


def _decode_at(raw: bytes, pos: int) -> tuple[Frame, int]:
    """The frame starting at `pos` (FEH skipped) and the offset just past its 16H."""
    pos, end = envelope_at(raw, pos, HEADER_LEN, 9, second_start=7)
    cs_at = end - 2
    data = bytes((b - DATA_OFFSET) & 0xFF for b in raw[pos + HEADER_LEN : cs_at])
    return Frame(address_from_wire(raw[pos + 1 : pos + 7]), raw[pos + 8], data), end


def decode_frames(raw: bytes) -> list[Frame]:
    """Every frame in `raw` (an echoed request and its reply, say); FrameError if any is bad."""
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
    fields = (when.second, when.minute, when.hour, when.day, when.month, when.year % 100)
    return encode_frame(
        Frame(BROADCAST, BROADCAST_TIME, bytes(int_to_bcd(f, 1)[0] for f in fields))
    )


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
    return Request(Edition.V2007, frame.address, frame.control, "other")


def _when(data: bytes) -> datetime:
    ss, mm, hh, dd, mo, yy = (
        bcd_to_int(data[i : i + 1], offset=HEADER_LEN + i, what="校时数据") for i in range(6)
    )
    try:
        return datetime(2000 + yy, mo, dd, hh, mm, ss)
    except ValueError:
        raise FrameError(
            f"校时时间无效：{yy:02d}-{mo:02d}-{dd:02d} {hh:02d}:{mm:02d}:{ss:02d}"
        ) from None


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
        item: DataItem = data_item(edition, di, offset=HEADER_LEN)
        body = frame.data[width:]
        if fn in (READ_FOLLOW_UP_2007, READ_FOLLOW_UP_1997) and body:
            body = body[:-1]  # the follow-up frame's last byte is its sequence number SEQ
        values = item.decode(body, offset=HEADER_LEN + width)
        return DataReply(edition, frame.address, di, values, frame.follow_up)
    raise FrameError(f"不支持的应答控制码 {frame.control:02X}H", offset=8)


def parse_reply(raw: bytes, edition: Edition | None = None) -> Reply:
    """The meter's reply in `raw`, dropping echoed requests (direction bit clear) before it.

    USB–RS485 and infrared adapters often hand the request back before the reply.
    """
    for frame in decode_frames(raw):
        if frame.is_reply:
            return reply_of(frame, edition)
    raise FrameError("只有请求（回显），没有应答帧")
