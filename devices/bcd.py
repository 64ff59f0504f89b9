"""BCD helpers shared by DL/T 645 and CJ/T 188: low byte first, signed, all-FF = no data.

Both standards put multi-byte numbers on the wire low byte first, two BCD digits a byte
(DL/T 645-2007 §4.2 / DL/T 645-1997 §4.2; CJ/T 188-2004 §6.2.2 "低字节在前").
"""

from __future__ import annotations

from decimal import Decimal

from devices.errors import FrameError


def is_no_data(data: bytes) -> bool:
    """True for an all-FF field: meters fill what they do not support with FFH."""
    return len(data) > 0 and all(b == 0xFF for b in data)


def _check_digit(byte: int, index: int, offset: int, what: str) -> None:
    if byte >> 4 > 9 or byte & 0x0F > 9:
        raise FrameError(f"{what}含非 BCD 数字 {byte:02X}H", offset=offset + index)


def bcd_to_int(data: bytes, *, offset: int = 0, what: str = "数据") -> int:
    """The unsigned value of BCD bytes, low byte first; a non-BCD nibble raises FrameError.

    `offset` is where `data` starts in the frame, so the error names the bad byte's place.
    """
    value = 0
    for index in range(len(data) - 1, -1, -1):
        byte = data[index]
        _check_digit(byte, index, offset, what)
        value = value * 100 + (byte >> 4) * 10 + (byte & 0x0F)
    return value


def signed_bcd_to_int(data: bytes, *, offset: int = 0, what: str = "数据") -> int:
    """Like `bcd_to_int`, the top bit of the highest (last) byte being the sign.

    DL/T 645-2007 Appendix A: combined energy and instantaneous values carry their sign in
    the most significant bit of the most significant byte; the other 7 bits stay BCD.
    """
    if not data:
        return 0
    negative = bool(data[-1] & 0x80)
    magnitude = bcd_to_int(data[:-1] + bytes([data[-1] & 0x7F]), offset=offset, what=what)
    return -magnitude if negative else magnitude


def int_to_bcd(value: int, length: int) -> bytes:
    """`value` as `length` BCD bytes, low byte first; ValueError if it does not fit."""
    if value < 0 or value >= 100**length:
        raise ValueError(f"数值 {value} 超出 {length} 字节 BCD 的范围")
    out = bytearray()
    for _ in range(length):
        value, pair = divmod(value, 100)
        out.append((pair // 10) << 4 | pair % 10)
    return bytes(out)


def int_to_signed_bcd(value: int, length: int) -> bytes:
    """`value` as signed BCD (sign in the top bit of the last byte, DL/T 645-2007 App. A)."""
    magnitude = abs(value)
    if magnitude >= 8 * 10 ** (2 * length - 1):
        raise ValueError(f"数值 {value} 超出 {length} 字节带符号 BCD 的范围")
    out = bytearray(int_to_bcd(magnitude, length))
    if value < 0:
        out[-1] |= 0x80
    return bytes(out)


def decode_decimal(
    data: bytes, decimals: int, *, signed: bool = False, offset: int = 0, what: str = "数据"
) -> Decimal | None:
    """A fixed-point BCD field as a Decimal with the standard's decimals; None if all FF."""
    if is_no_data(data):
        return None
    raw = (
        signed_bcd_to_int(data, offset=offset, what=what)
        if signed
        else bcd_to_int(data, offset=offset, what=what)
    )
    return Decimal(raw).scaleb(-decimals)


def encode_decimal(
    value: Decimal | None, length: int, decimals: int, *, signed: bool = False
) -> bytes:
    """The inverse of `decode_decimal`; None gives the all-FF "no data" field.

    A value with more decimals than the field holds is refused, not rounded: a meter
    simulator or a test must say exactly what goes on the wire.
    """
    if value is None:
        return b"\xff" * length
    scaled = Decimal(value).scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"数值 {value} 的小数位多于 {decimals} 位")
    raw = int(scaled)
    return int_to_signed_bcd(raw, length) if signed else int_to_bcd(raw, length)


def address_to_wire(address: str, length: int) -> bytes:
    """A printed meter address (high digits first) as `length` bytes, low byte first.

    Short addresses are padded with leading zeros ("地址码长度不足 6 字节时，高位用 00 补足",
    DL/T 645-2007 §4.3.2). Hex digits are allowed because AAH is the wildcard and some
    CJ/T 188 vendors put hex in the manufacturer code.
    """
    text = address.replace(" ", "").upper()
    if not text or len(text) > 2 * length or any(c not in "0123456789ABCDEF" for c in text):
        raise ValueError(f"表地址 {address!r} 应为至多 {2 * length} 位数字")
    return bytes.fromhex(text.zfill(2 * length))[::-1]


def address_from_wire(data: bytes) -> str:
    """Wire address bytes (low first) as the printed address (high digits first)."""
    return data[::-1].hex().upper()
