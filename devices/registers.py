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
    kind: str = "number"  # number | block | date | time | word | demand
    parts: tuple[str, ...] = ()  # a block's element names; a demand item with parts repeats

    @property
    def di_text(self) -> str:
        return f"{self.di:08X}" if self.edition is Edition.V2007 else f"{self.di:04X}"

    def decode(self, data: bytes, *, offset: int = 0) -> tuple[Value, ...]:
        """The values in `data` (offset 0x33 already removed); FrameError if malformed."""
        if self.kind == "demand":
            return self._demands(data, offset)
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
        """The data field for `values` (one, or several for a block); ValueError if wrong.

        A demand item takes (demand, its time) pairs: one pair, or one per block element.
        """
        if self.kind == "demand":
            return self._encode_demands(values)
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

    def _demands(self, data: bytes, offset: int) -> tuple[Value, ...]:
        # XX.XXXX (3 bytes) then YYMMDDhhmm sent mm hh DD MM YY (2007 A.2), per element.
        if not data or len(data) % 8 or (not self.parts and len(data) != 8):
            raise FrameError(
                f"数据标识 {self.di_text} 的数据长度 {len(data)} 不是 8 字节（需量 3 + 时间 5）"
                + ("的整数倍" if self.parts else ""),
                offset=offset,
            )
        values: list[Value] = []
        for i in range(len(data) // 8):
            chunk, at = data[i * 8 : i * 8 + 8], offset + i * 8
            name = self._part_name(i) if self.parts else self.name
            demand = decode_decimal(
                chunk[:3], 4, signed=self.signed, offset=at, what=f"数据标识 {self.di_text} "
            )
            values.append(Value(name, demand, self.unit))
            values.append(Value(f"{name}发生时间", _demand_time(chunk[3:], at + 3, self.di_text)))
        return tuple(values)

    def _encode_demands(self, values: Sequence[Reading]) -> bytes:
        if not values or len(values) % 2 or (not self.parts and len(values) != 2):
            raise ValueError(f"数据标识 {self.di_text} 的值应为（需量，发生时间）成对给出")
        out = bytearray()
        for demand, when in zip(values[::2], values[1::2], strict=True):
            if demand is not None and not isinstance(demand, Decimal):
                raise ValueError(f"数据标识 {self.di_text} 的需量应为 Decimal")
            if when is not None and not isinstance(when, datetime):
                raise ValueError(f"数据标识 {self.di_text} 的发生时间应为 datetime")
            out += encode_decimal(demand, 3, 4, signed=self.signed)
            out += _encode_demand_time(when)
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


def _demand_time(data: bytes, offset: int, di: str) -> datetime | None:
    # mm hh DD MM YY; all FF (no data) and all 00 (no demand recorded yet) are no time.
    if is_no_data(data) or not any(data):
        return None
    minute, hour, day, month, year = (
        bcd_to_int(data[i : i + 1], offset=offset + i, what=f"数据标识 {di} ") for i in range(5)
    )
    try:
        return datetime(2000 + year, month, day, hour, minute)
    except ValueError:
        when = f"{year:02d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"
        raise FrameError(f"数据标识 {di} 的需量发生时间无效：{when}", offset=offset) from None


def _encode_demand_time(when: datetime | None) -> bytes:
    if when is None:
        return b"\xff" * 5
    fields = (when.minute, when.hour, when.day, when.month, when.year % 100)
    return bytes(int_to_bcd(f, 1)[0] for f in fields)


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
_PHASES = ("A", "B", "C")

# DL/T 645-2007 Appendix A.1 energy: DI3=00, DI2 the quantity, DI1 00 total / 01…04 the
# tariffs / FF the block, DI0 00 now / 01…0C the last 12 settlement days (上 n 结算日).
# Combined quantities carry a sign (A.1 "组合" formats); all are XXXXXX.XX.
_ENERGY_2007 = (
    (0x00, "组合有功", "kWh", True),
    (0x01, "正向有功", "kWh", False),
    (0x02, "反向有功", "kWh", False),
    (0x03, "组合无功1", "kvarh", True),
    (0x04, "组合无功2", "kvarh", True),
    (0x05, "第一象限无功", "kvarh", False),
    (0x06, "第二象限无功", "kvarh", False),
    (0x07, "第三象限无功", "kvarh", False),
    (0x08, "第四象限无功", "kvarh", False),
)
# A.2 maximum demand and its time: DI3=01, DI2/DI1/DI0 as energy; XX.XXXX + YYMMDDhhmm.
_DEMAND_2007 = (
    (0x01, "正向有功", "kW", False),
    (0x02, "反向有功", "kW", False),
    (0x03, "组合无功1", "kvar", True),
    (0x04, "组合无功2", "kvar", True),
    (0x05, "第一象限无功", "kvar", False),
    (0x06, "第二象限无功", "kvar", False),
    (0x07, "第三象限无功", "kvar", False),
    (0x08, "第四象限无功", "kvar", False),
)
# DL/T 645-1997 §8 energy: 9 (now), 94 (last month), 98 (the month before) + the
# quantity nibble + 0 total / 1…4 tariffs / F block; all XXXXXX.XX.
_ENERGY_1997 = (
    (0x01, "正向有功", "kWh"),
    (0x02, "反向有功", "kWh"),
    (0x11, "正向无功", "kvarh"),
    (0x12, "反向无功", "kvarh"),
    (0x13, "一象限无功", "kvarh"),
    (0x14, "四象限无功", "kvarh"),
    (0x15, "二象限无功", "kvarh"),
    (0x16, "三象限无功", "kvarh"),
)
_MONTHS_1997 = ((0x90, ""), (0x94, "上月"), (0x98, "上上月"))


def _settled(n: int) -> str:
    return f"上{n}结算日" if n else ""


def _energy_items(
    v7: Edition, quantity: str, unit: str, signed: bool, di2: int, settlement: int
) -> list[DataItem]:
    pre = _settled(settlement)
    base = di2 << 16 | settlement
    parts = (f"{pre}{quantity}总电能", *(f"{pre}{quantity}{t}电能" for t in _TARIFFS))
    items = [DataItem(base | n << 8, v7, parts[n], unit, 2, 4, signed=signed) for n in range(5)]
    items.append(
        DataItem(
            base | 0xFF00, v7, f"{pre}{quantity}电能数据块", unit, 2, 4, signed, "block", parts
        )
    )
    return items


def _demand_items(
    v7: Edition, quantity: str, unit: str, signed: bool, di2: int, settlement: int
) -> list[DataItem]:
    pre = _settled(settlement)
    base = 0x01000000 | di2 << 16 | settlement
    parts = (f"{pre}{quantity}总最大需量", *(f"{pre}{quantity}{t}最大需量" for t in _TARIFFS))
    items = [DataItem(base | n << 8, v7, parts[n], unit, 4, 8, signed, "demand") for n in range(5)]
    items.append(
        DataItem(
            base | 0xFF00, v7, f"{pre}{quantity}最大需量数据块", unit, 4, 8, signed, "demand", parts
        )
    )
    return items


def _phase_items(
    edition: Edition,
    base: int,
    step: int,
    what: str,
    unit: str,
    decimals: int,
    length: int,
    *,
    signed: bool = False,
    total: str | None = None,
    block: int,
) -> list[DataItem]:
    """A per-phase group: the total (when there is one) at `base`, A/B/C after it, the block."""
    parts = ((total,) if total else ()) + tuple(f"{p} 相{what}" for p in _PHASES)
    first = base if total else base + step
    items = [
        DataItem(first + i * step, edition, name, unit, decimals, length, signed)
        for i, name in enumerate(parts)
    ]
    items.append(
        DataItem(block, edition, f"{what}数据块", unit, decimals, length, signed, "block", parts)
    )
    return items


def _items() -> list[DataItem]:
    v7, v97 = Edition.V2007, Edition.V1997
    items: list[DataItem] = []
    for settlement in range(13):
        for di2, quantity, unit, signed in _ENERGY_2007:
            items += _energy_items(v7, quantity, unit, signed, di2, settlement)
        for di2, quantity, unit, signed in _DEMAND_2007:
            items += _demand_items(v7, quantity, unit, signed, di2, settlement)
    # A.3 instantaneous values (DI3=02): DI2 the quantity, DI1 00 total / 01…03 phase / FF.
    items += _phase_items(v7, 0x02010000, 0x100, "电压", "V", 1, 2, block=0x0201FF00)
    items += _phase_items(v7, 0x02020000, 0x100, "电流", "A", 3, 3, signed=True, block=0x0202FF00)
    for di2, what, unit, total in (
        (0x03, "有功功率", "kW", "瞬时总有功功率"),
        (0x04, "无功功率", "kvar", "瞬时总无功功率"),
        (0x05, "视在功率", "kVA", "瞬时总视在功率"),
    ):
        base = 0x02000000 | di2 << 16
        items += _phase_items(
            v7, base, 0x100, what, unit, 4, 3, signed=True, total=total, block=base | 0xFF00
        )
    items += _phase_items(
        v7,
        0x02060000,
        0x100,
        "功率因数",
        "",
        3,
        2,
        signed=True,
        total="总功率因数",
        block=0x0206FF00,
    )
    items += [
        DataItem(0x02800001, v7, "零线电流", "A", 3, 3, signed=True),
        DataItem(0x02800002, v7, "电网频率", "Hz", 2, 2),
        # A.4 parameters: date and time, the status words (bit strings).
        DataItem(0x04000101, v7, "日期", length=4, kind="date"),
        DataItem(0x04000102, v7, "时间", length=3, kind="time"),
        *(
            DataItem(0x04000500 | n, v7, f"电表运行状态字{n}", length=2, kind="word")
            for n in range(1, 8)
        ),
    ]
    for month, pre in _MONTHS_1997:
        for code, quantity, unit in _ENERGY_1997:
            base = month << 8 | (code & 0x0F) << 4 | (code & 0xF0) << 4
            parts = (f"{pre}{quantity}总电能", *(f"{pre}{quantity}{t}电能" for t in _TARIFFS))
            items += [DataItem(base + n, v97, parts[n], unit, 2, 4) for n in range(5)]
            items.append(
                DataItem(
                    base | 0xF, v97, f"{pre}{quantity}电能数据块", unit, 2, 4, False, "block", parts
                )
            )
    # 1997 §8 B6xx instantaneous values: B61x voltage XXX, B62x current XX.XX, B63x active
    # power XX.XXXX, B64x reactive power XX.XX, B65x power factor X.XXX; x = 0 total, 1…3
    # phase A…C, F block.
    items += _phase_items(v97, 0xB610, 1, "电压", "V", 0, 2, block=0xB61F)
    items += _phase_items(v97, 0xB620, 1, "电流", "A", 2, 2, block=0xB62F)
    items += _phase_items(
        v97, 0xB630, 1, "有功功率", "kW", 4, 3, total="瞬时有功功率", block=0xB63F
    )
    items += _phase_items(
        v97, 0xB640, 1, "无功功率", "kvar", 2, 2, total="瞬时无功功率", block=0xB64F
    )
    items += _phase_items(v97, 0xB650, 1, "功率因数", "", 3, 2, total="总功率因数", block=0xB65F)
    # 1997 §8 C0xx parameters.
    items += [
        DataItem(0xC010, v97, "日期", length=4, kind="date"),
        DataItem(0xC011, v97, "时间", length=3, kind="time"),
        DataItem(0xC020, v97, "电表运行状态字", length=1, kind="word"),
        DataItem(0xC021, v97, "电网状态字", length=1, kind="word"),
        DataItem(0xC030, v97, "电表常数（有功）", "imp/kWh", 0, 3),
        DataItem(0xC031, v97, "电表常数（无功）", "imp/kvarh", 0, 3),
        DataItem(0xC032, v97, "表号", length=6),
        DataItem(0xC033, v97, "用户号", length=6),
        DataItem(0xC034, v97, "设备码", length=6),
    ]
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
