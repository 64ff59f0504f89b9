"""What DL/T 645 and CJ/T 188 frames share: the envelope and the control byte.

Both standards wrap a frame the same way (DL/T 645-2007 §4, CJ/T 188-2004 §6.2): any
number of FEH wake-up bytes, 68H, a header ending in C and L, L data bytes, CS (the byte
sum modulo 256 from 68H to the last data byte) and 16H. The frame is delimited by L, never
by the first 16H, which can occur inside addresses and data. C has the same layout in
both: D7 direction (1 = from the meter), D6 abnormal reply, D5 follow-up frame, D4–D0
the function. What lies between 68H and C (the address, the meter type, DL/T 645's
second 68H) and what the data means stay in devices.dlt645 and devices.cjt188.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from devices.errors import FrameError

START = 0x68
END = 0x16
WAKEUP = 0xFE

DIRECTION_BIT = 0x80
ABNORMAL_BIT = 0x40
FOLLOW_UP_BIT = 0x20
FUNCTION_MASK = 0x1F

F = TypeVar("F")


class ControlByte:
    """The flags of a frame's control byte C, for the frame dataclasses of both standards."""

    control: int

    @property
    def is_reply(self) -> bool:
        return bool(self.control & DIRECTION_BIT)

    @property
    def is_abnormal(self) -> bool:
        return bool(self.control & ABNORMAL_BIT)

    @property
    def follow_up(self) -> bool:
        return bool(self.control & FOLLOW_UP_BIT)

    @property
    def function(self) -> int:
        return self.control & FUNCTION_MASK


def close_frame(body: bytearray, wakeup: int) -> bytes:
    """`body` (68H up to the last data byte) with CS and 16H, after `wakeup` FEH bytes."""
    body.append(sum(body) & 0xFF)
    body.append(END)
    return bytes([WAKEUP] * wakeup) + bytes(body)


def frame_extent(
    buffer: bytes, header_len: int, length_at: int, starts: Callable[[bytes, int], bool]
) -> tuple[int, int | None]:
    """(bytes to discard before a frame, its size from 68H or None while incomplete).

    A 68H is taken as a start only where `starts(buffer, pos)` says so, so line noise
    before a reply does not make the reader wait for a bogus length; L is at
    `length_at` from the 68H.
    """
    pos = 0
    while pos < len(buffer):
        if buffer[pos] == START and starts(buffer, pos):
            break
        pos += 1
    if len(buffer) < pos + header_len:
        return pos, None
    return pos, header_len + buffer[pos + length_at] + 2


def envelope_at(
    raw: bytes, pos: int, header_len: int, length_at: int, second_start: int | None = None
) -> tuple[int, int]:
    """Check the frame at `pos` (FEH skipped): the 68H (and the second 68H at
    `second_start` from it, DL/T 645), the length, CS and 16H; (its 68H, past its 16H)."""
    while pos < len(raw) and raw[pos] == WAKEUP:
        pos += 1
    if pos >= len(raw):
        raise FrameError(
            "只有唤醒字节 FEH，没有帧" if raw else "帧为空", offset=pos if raw else None
        )
    if raw[pos] != START:
        raise FrameError(f"缺少帧起始符：应为 68H，实为 {raw[pos]:02X}H", offset=pos)
    if len(raw) < pos + header_len:
        raise FrameError(
            f"帧不完整：帧头需 {header_len} 字节，只有 {len(raw) - pos} 字节", offset=pos
        )
    if second_start is not None and raw[pos + second_start] != START:
        at = pos + second_start
        raise FrameError(f"缺少第二个帧起始符：应为 68H，实为 {raw[at]:02X}H", offset=at)
    length = raw[pos + length_at]
    end = pos + header_len + length + 2
    if len(raw) < end:
        raise FrameError(
            f"帧不完整：长度 L={length:02X}H 需 {end - pos} 字节，只有 {len(raw) - pos} 字节",
            offset=len(raw),
        )
    cs_at = end - 2
    expected = sum(raw[pos:cs_at]) & 0xFF
    if raw[cs_at] != expected:
        raise FrameError(f"校验和错误：应为 {expected:02X}H，实为 {raw[cs_at]:02X}H", offset=cs_at)
    if raw[end - 1] != END:
        raise FrameError(
            f"缺少帧结束符：按长度 L={length:02X}H 此处应为 16H，实为 {raw[end - 1]:02X}H",
            offset=end - 1,
        )
    return pos, end


DecodeAt = Callable[[bytes, int, bytes], tuple[F, int]]


def frames_in(raw: bytes, decode_at: DecodeAt[F]) -> list[F]:
    """Every frame in `raw` (an echoed request and its reply, say); FrameError if none is.

    `decode_at(raw, pos, noise)` decodes the frame at `pos` (wake-up bytes skipped),
    recording `noise`, the bytes skipped to reach it. A real serial line puts noise
    before the FEH preamble and between frames: where the bytes at hand do not make a
    frame, the first valid frame further on is taken and the bytes before it are noise.
    Bytes that hold no valid frame at all keep the error of the first place tried.
    """
    frames = [_next_frame(raw, 0, decode_at)]
    while True:
        pos = frames[-1][1]
        rest = pos
        while rest < len(raw) and raw[rest] == WAKEUP:
            rest += 1
        if rest >= len(raw):
            return [f for f, _ in frames]
        try:
            frames.append(_next_frame(raw, pos, decode_at))
        except FrameError:
            if raw[rest] != START:
                raise FrameError(f"帧后有多余字节 {raw[rest]:02X}H", offset=rest) from None
            raise


def _next_frame(raw: bytes, pos: int, decode_at: DecodeAt[F]) -> tuple[F, int]:
    try:
        return decode_at(raw, pos, b"")
    except FrameError as first:
        for start in range(pos + 1, len(raw)):
            if raw[start] != START:
                continue
            noise = bytes(raw[pos:start]).rstrip(bytes([WAKEUP]))
            try:
                return decode_at(raw, start, noise)
            except FrameError:
                continue
        raise first


def only_frame(frames: list[F]) -> F:
    """The one frame decoded; FrameError if there were more."""
    if len(frames) > 1:
        raise FrameError(f"应为一帧，实为 {len(frames)} 帧")
    return frames[0]


def take_frame(
    buffer: bytearray,
    extent: Callable[[bytes], tuple[int, int | None]],
    check: Callable[[bytes], object],
) -> tuple[bytes | None, int, FrameError | None]:
    """The first valid whole frame in a receive buffer, taken out with the noise before it.

    Returns (frame, 0, error) or (None, bytes still wanted, error); `error` is the last
    FrameError `check` raised on a candidate that turned out to be noise (the caller
    reports it if no valid frame ever comes). A candidate 68H whose frame does not check
    is skipped a byte at a time; one still waiting for the length its bogus L claims
    gives way to a whole valid frame already further on in the buffer.
    """
    error: FrameError | None = None

    def valid(raw: bytes) -> bool:
        nonlocal error
        try:
            check(raw)
        except FrameError as exc:
            error = exc
            return False
        return True

    while True:
        skip, end = extent(bytes(buffer))
        del buffer[:skip]
        if end is None:
            return None, 1, error
        if len(buffer) >= end:
            if valid(bytes(buffer[:end])):
                frame = bytes(buffer[:end])
                del buffer[:end]
                return frame, 0, error
            del buffer[:1]
            continue
        later = _whole_frame_after(buffer, extent, valid)
        if later is None:
            return None, end - len(buffer), error
        del buffer[:later]


def _whole_frame_after(
    buffer: bytearray,
    extent: Callable[[bytes], tuple[int, int | None]],
    valid: Callable[[bytes], bool],
) -> int | None:
    for start in range(1, len(buffer)):
        if buffer[start] != START:
            continue
        skip, end = extent(bytes(buffer[start:]))
        whole = skip == 0 and end is not None and start + end <= len(buffer)
        if whole and end is not None and valid(bytes(buffer[start : start + end])):
            return start
    return None
