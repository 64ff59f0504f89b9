"""Decoded values and the DL/T 645 data identifiers (数据标识) MeterDesk reads.

Formats come from DL/T 645-2007 Appendix A (data identifiers and formats, e.g. 00010000
"XXXXXX.XX kWh", 02010100 "XXX.X V", 02020100 "XXX.XXX A" signed) and DL/T 645-1997 §8
(9010 "XXXXXX.XX kWh", B611 "XXX V", B621 "XX.XX A"). The 1997↔2007 pairs are the ones
data concentrators map between (9010 ↔ 00010000, B611 ↔ 02010100, C011 ↔ 04000102).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from devices.bcd import (
    bcd_to_int,
    decode_decimal,
    encode_decimal,
    int_to_bcd,
    is_no_data,
)
from devices.errors import FrameError

# int is a status word (a bit string, shown in hex); datetime a max-demand time.
Reading = Decimal | date | time | datetime | int | None


class Edition(StrEnum):
    """A DL/T 645 edition; the value is the protocol name the CLI and the transport use."""

    V2007 = "dlt645-2007"
    V1997 = "dlt645-1997"


@dataclass(frozen=True)
class Value:
    """One decoded reading: a Decimal in the standard's decimals, a date, a time, or None.

    None means the meter sent the all-FF "no data" filler.
    """

    name: str
    value: Reading
    unit: str = ""

    def text(self) -> str | None:
        """The value as a string for JSON and screens (Decimal keeps its decimals)."""
        if self.value is None:
            return None
        if isinstance(self.value, Decimal):
            return str(self.value)
        if isinstance(self.value, int):
            return f"{self.value:04X}"
        if isinstance(self.value, datetime):
            return self.value.isoformat(sep=" ")
        return self.value.isoformat()


@dataclass(frozen=True)
class DataItem:
    """How one identifier's data field is laid out (one element; blocks repeat it)."""

    di: int
    edition: Edition
    name: str
    unit: str = ""
    decimals: int = 0
    length: int = 4
    signed: bool = False
    kind: str = "number"  # number | block | date | time | word
    parts: tuple[str, ...] = ()

    @property
    def di_text(self) -> str:
        return f"{self.di:08X}" if self.edition is Edition.V2007 else f"{self.di:04X}"

    def decode(self, data: bytes, *, offset: int = 0) -> tuple[Value, ...]:
        """The values in `data` (offset 0x33 already removed); FrameError if malformed."""
        if self.kind == "block":
            if not data or len(data) % self.length:
                raise FrameError(
                    f"数据标识 {self.di_text} 的数据长度 {len(data)} 不是 {self.length} 的整数倍",
                    offset=offset,
                )
            return tuple(
                Value(
                    self._part_name(i),
                    self._number(
                        data[i * self.length : (i + 1) * self.length], offset + i * self.length
                    ),
                    self.unit,
                )
                for i in range(len(data) // self.length)
            )
        if len(data) != self.length:
            raise FrameError(
                f"数据标识 {self.di_text} 的数据应为 {self.length} 字节，实为 {len(data)} 字节",
                offset=offset,
            )
        if self.kind == "date":
            return (Value(self.name, _date(data, offset, self.di_text)),)
        if self.kind == "time":
            return (Value(self.name, _time(data, offset, self.di_text)),)
        if self.kind == "word":
            word = None if is_no_data(data) else int.from_bytes(data, "little")
            return (Value(self.name, word),)
        return (Value(self.name, self._number(data, offset), self.unit),)

    def encode(self, values: Sequence[Reading]) -> bytes:
        """The data field for `values` (one, or several for a block); ValueError if wrong."""
        if self.kind != "block" and len(values) != 1:
            raise ValueError(f"数据标识 {self.di_text} 只有一个值")
        if self.kind == "block" and not values:
            raise ValueError(f"数据标识 {self.di_text} 至少要有一个值")
        out = bytearray()
        for value in values:
            if self.kind == "date":
                out += _encode_date(value)
            elif self.kind == "time":
                out += _encode_time(value)
            elif self.kind == "word":
                out += _encode_word(value, self.length)
            else:
                if value is not None and not isinstance(value, Decimal | int):
                    raise ValueError(f"数据标识 {self.di_text} 的值应为数字")
                number = Decimal(value) if isinstance(value, int) else value
                out += encode_decimal(number, self.length, self.decimals, signed=self.signed)
        return bytes(out)

    def _number(self, data: bytes, offset: int) -> Decimal | None:
        return decode_decimal(
            data, self.decimals, signed=self.signed, offset=offset, what=f"数据标识 {self.di_text} "
        )

    def _part_name(self, index: int) -> str:
        if index < len(self.parts):
            return self.parts[index]
        return f"{self.name}[{index}]"


def _date(data: bytes, offset: int, di: str) -> date | None:
    # YYMMDDWW, low byte first: WW DD MM YY (DL/T 645-2007 A.4 04000101; 1997 C010).
    if is_no_data(data):
        return None
    _week, day, month, year = (
        bcd_to_int(data[i : i + 1], offset=offset + i, what=f"数据标识 {di} ") for i in range(4)
    )
    try:
        return date(2000 + year, month, day)
    except ValueError:
        raise FrameError(
            f"数据标识 {di} 的日期无效：{year:02d}-{month:02d}-{day:02d}", offset=offset
        ) from None


def _time(data: bytes, offset: int, di: str) -> time | None:
    # hhmmss, low byte first: ss mm hh (DL/T 645-2007 A.4 04000102; 1997 C011).
    if is_no_data(data):
        return None
    second, minute, hour = (
        bcd_to_int(data[i : i + 1], offset=offset + i, what=f"数据标识 {di} ") for i in range(3)
    )
    try:
        return time(hour, minute, second)
    except ValueError:
        raise FrameError(
            f"数据标识 {di} 的时间无效：{hour:02d}:{minute:02d}:{second:02d}", offset=offset
        ) from None


def _encode_word(value: Reading, length: int) -> bytes:
    # A status word is a bit string, sent low byte first like every field (2007 A.4).
    if value is None:
        return b"\xff" * length
    if not isinstance(value, int) or not 0 <= value < 256**length:
        raise ValueError(f"状态字应为 0–{256**length - 1} 的整数")
    return value.to_bytes(length, "little")


def _encode_date(value: Reading) -> bytes:
    if value is None:
        return b"\xff" * 4
    if not isinstance(value, date):
        raise ValueError("日期数据项的值应为 date")
    # The week byte counts 0 = Sunday … 6 = Saturday (DL/T 645-2007 A.4 note on WW).
    week = value.isoweekday() % 7
    return bytes(
        int_to_bcd(part, 1)[0] for part in (week, value.day, value.month, value.year % 100)
    )


def _encode_time(value: Reading) -> bytes:
    if value is None:
        return b"\xff" * 3
    if not isinstance(value, time):
        raise ValueError("时间数据项的值应为 time")
    return bytes(int_to_bcd(part, 1)[0] for part in (value.second, value.minute, value.hour))


_TARIFFS = ("费率1（尖）", "费率2（峰）", "费率3（平）", "费率4（谷）")
_BLOCK_PARTS = ("正向有功总电能", *(f"正向有功{t}电能" for t in _TARIFFS))


def _items() -> list[DataItem]:
    v7, v97 = Edition.V2007, Edition.V1997
    items = [
        DataItem(0x00000000, v7, "组合有功总电能", "kWh", 2, 4, signed=True),
        DataItem(0x00010000, v7, "正向有功总电能", "kWh", 2, 4),
        DataItem(0x00020000, v7, "反向有功总电能", "kWh", 2, 4),
        DataItem(
            0x0001FF00, v7, "正向有功电能数据块", "kWh", 2, 4, kind="block", parts=_BLOCK_PARTS
        ),
        DataItem(0x02010100, v7, "A 相电压", "V", 1, 2),
        DataItem(0x02020100, v7, "A 相电流", "A", 3, 3, signed=True),
        DataItem(0x02030000, v7, "瞬时总有功功率", "kW", 4, 3, signed=True),
        DataItem(0x04000101, v7, "日期", length=4, kind="date"),
        DataItem(0x04000102, v7, "时间", length=3, kind="time"),
        *(
            DataItem(0x04000500 | n, v7, f"电表运行状态字{n}", length=2, kind="word")
            for n in range(1, 8)
        ),
        DataItem(0x9010, v97, "正向有功总电能", "kWh", 2, 4),
        DataItem(0x9020, v97, "反向有功总电能", "kWh", 2, 4),
        DataItem(0x901F, v97, "正向有功电能数据块", "kWh", 2, 4, kind="block", parts=_BLOCK_PARTS),
        DataItem(0xB611, v97, "A 相电压", "V", 0, 2),
        DataItem(0xB621, v97, "A 相电流", "A", 2, 2),
        DataItem(0xB630, v97, "瞬时有功功率", "kW", 4, 3),
        DataItem(0xC010, v97, "日期", length=4, kind="date"),
        DataItem(0xC011, v97, "时间", length=3, kind="time"),
    ]
    for n, tariff in enumerate(_TARIFFS, start=1):
        items.append(DataItem(0x00010000 | n << 8, v7, f"正向有功{tariff}电能", "kWh", 2, 4))
        items.append(DataItem(0x9010 + n, v97, f"正向有功{tariff}电能", "kWh", 2, 4))
    return items


DATA_ITEMS: dict[tuple[Edition, int], DataItem] = {(i.edition, i.di): i for i in _items()}


def data_item(edition: Edition, di: int, *, offset: int | None = None) -> DataItem:
    """The layout of `di` in `edition`; FrameError for an identifier not in the table."""
    try:
        return DATA_ITEMS[(edition, di)]
    except KeyError:
        width = 8 if edition is Edition.V2007 else 4
        raise FrameError(f"未知数据标识 {di:0{width}X}（{edition.value}）", offset=offset) from None


def parse_di(text: str, edition: Edition) -> int:
    """A DI typed by a person ("00010000", "0001 0000", "9010") as an int; ValueError if bad."""
    width = 8 if edition is Edition.V2007 else 4
    clean = text.replace(" ", "").replace("-", "").replace(".", "")
    if len(clean) != width or any(c not in "0123456789abcdefABCDEF" for c in clean):
        raise ValueError(f"数据标识 {text!r} 应为 {width} 位十六进制（{edition.value}）")
    return int(clean, 16)
