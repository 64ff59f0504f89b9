"""The legacy workbook's sheets: their columns, and each cell checked and converted.

Every problem is collected with its place (`sheet!row: message`, the Excel row number)
instead of stopping at the first, so a clerk can fix the whole workbook in one pass.
A row with any problem is left out of what the parsers return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from reports.workbook import (
    CellError,
    HeaderError,
    MissingSheet,
    Row,
    Workbook,
    cell_date,
    cell_decimal,
    cell_text,
)
from server.db.models.metering import ELECTRICITY, WATER
from server.services.accounts.accounts import BILLING_MODE_NAMES
from server.services.core.errors import InvalidInput
from server.services.metering.ingest import check_reading_value

ACCOUNTS = "户号"
METERS = "表计"
TARIFFS = "价格"
READINGS = "读数"
REPLACEMENTS = "换表"
SHEETS = (ACCOUNTS, METERS, TARIFFS, READINGS, REPLACEMENTS)
OPTIONAL_SHEETS = frozenset({REPLACEMENTS})

# (required columns, optional columns) per sheet; a required column must be in the header.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ACCOUNTS: (
        ("户号", "户名", "类别", "校区", "收费方式"),
        ("楼号", "单元", "门牌号", "手机", "余额"),
    ),
    METERS: (
        ("表号", "户号", "类型", "位数"),
        ("型号", "倍率", "硬件号", "安装日期", "位置", "上级表号"),
    ),
    TARIFFS: (("类型", "用户类别", "生效日期", "项目", "阶梯起点", "单价"), ()),
    READINGS: (("表号", "抄表日期", "读数"), ()),
    REPLACEMENTS: (("旧表号", "旧表止码", "新表号", "新表起码", "换表日期"), ()),
}

# The old system writes 水/电; some exports spell out 水表/电表.
KIND_NAMES = {
    "水": WATER,
    "电": ELECTRICITY,
    "水表": WATER,
    "电表": ELECTRICITY,
    WATER: WATER,
    ELECTRICITY: ELECTRICITY,
}

# Upper bounds of the NUMERIC columns the figures go to (exclusive).
_MONEY_LIMIT = Decimal(10) ** 12
_PRICE_LIMIT = Decimal(10) ** 8
_QUANTITY_LIMIT = Decimal(10) ** 13

T = TypeVar("T")


class Problems:
    """Problems in the order a person fixes them: by sheet, then row, then as found."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, str]] = []

    def add(self, sheet: str, row: int, message: str) -> None:
        order = (SHEETS.index(sheet), row, len(self._items))
        self._items.append((*order, f"{sheet}!{row}: {message}"))

    def __bool__(self) -> bool:
        return bool(self._items)

    def listed(self) -> list[str]:
        return [item[3] for item in sorted(self._items)]


def num(value: Decimal) -> str:
    """A figure as a person writes it: 120.000 → 120, 12.50 → 12.5."""
    return format(value.normalize(), "f")


class Cells:
    """One row's cells, each converted or reported to `problems` with the row's place."""

    def __init__(self, sheet: str, row: Row, problems: Problems):
        self.sheet = sheet
        self.row = row
        self.ok = True
        self._problems = problems

    def problem(self, message: str) -> None:
        self._problems.add(self.sheet, self.row.number, message)
        self.ok = False

    def text(self, column: str, *, required: bool = False, max_len: int = 120) -> str:
        value = cell_text(self.row.get(column))
        if required and not value:
            self.problem(f"{column} 不能为空")
        elif len(value) > max_len:
            self.problem(f"{column} {value} 超过 {max_len} 个字")
        return value

    def _cell(self, column: str, read: Callable[[Any], T | None], required: bool) -> T | None:
        raw = self.row.get(column)
        try:
            value = read(raw)
        except CellError as exc:
            self.problem(f"{column} {cell_text(raw)} {exc}")
            return None
        if value is None and required:
            self.problem(f"{column} 不能为空")
        return value

    def number(
        self,
        column: str,
        *,
        places: int,
        limit: Decimal,
        required: bool = True,
        may_be_negative: bool = False,
    ) -> Decimal | None:
        value = self._cell(column, cell_decimal, required)
        if value is None:
            return None
        if value < 0 and not may_be_negative:
            self.problem(f"{column} {num(value)} 不能为负")
        # The range first: the remainder of a huge figure overflows the decimal context.
        elif abs(value) >= limit:
            self.problem(f"{column} {num(value)} 超出范围")
        elif (value * 10**places) % 1:
            self.problem(f"{column} {num(value)} 最多 {places} 位小数")
        else:
            return value
        return None

    def reading(self, column: str) -> Decimal | None:
        """A meter's figure, refused as the ingest engine refuses any reading (the range of
        the meter's register is checked once the meter is known)."""
        value = self._cell(column, cell_decimal, required=True)
        if value is None:
            return None
        try:
            return check_reading_value(value, what=column)
        except InvalidInput as exc:
            self.problem(str(exc))
            return None

    def day(self, column: str, *, required: bool = True) -> date | None:
        return self._cell(column, cell_date, required)

    def choice(self, column: str, choices: dict[str, Any], expected: str) -> Any:
        value = self.text(column, required=True)
        if value and value not in choices:
            self.problem(f"{column} {value} 未知（应为 {expected}）")
            return None
        return choices.get(value)


# ---------------------------------------------------------------------------------------
# What the sheets say


@dataclass
class AccountIn:
    row: int
    account_no: str
    holder_name: str
    class_id: int
    campus: str
    building: str
    unit: str
    room: str
    mobile: str
    billing_mode: str
    balance: Decimal


@dataclass
class MeterIn:
    row: int
    meter_no: str
    account_no: str
    kind: str
    model: str
    digits: int
    multiplier: Decimal
    hardware_no: str
    installed_on: date | None
    location: str
    # 上级表号: a master meter (总表) in the database or defined in the same sheet.
    parent_no: str = ""


@dataclass
class TierIn:
    row: int
    kind: str
    class_id: int
    effective_from: date
    component: str
    start: Decimal
    unit_price: Decimal


@dataclass
class ReadingIn:
    row: int
    meter_no: str
    day: date
    value: Decimal


@dataclass
class ReplacementIn:
    row: int
    old_no: str
    old_final: Decimal
    new_no: str
    new_initial: Decimal
    day: date


def read_sheets(path: Path, problems: Problems) -> tuple[dict[str, list[Row]], set[str]]:
    """Every sheet's rows; a sheet that is missing or lacks columns is reported and `broken`."""
    rows: dict[str, list[Row]] = {}
    broken: set[str] = set()
    with Workbook(path) as book:
        for sheet in SHEETS:
            required, optional = COLUMNS[sheet]
            try:
                rows[sheet] = book.rows(sheet, required, optional)
            except MissingSheet:
                rows[sheet] = []
                if sheet not in OPTIONAL_SHEETS:
                    problems.add(sheet, 1, f"缺少工作表 {sheet}")
                    broken.add(sheet)
            except HeaderError as exc:
                rows[sheet] = []
                broken.add(sheet)
                for column in exc.missing:
                    problems.add(sheet, 1, f"缺少列 {column}")
                for column in exc.duplicated:
                    problems.add(sheet, 1, f"列 {column} 重复")
    return rows, broken


def _first_rows(sheet: str, column: str, rows: list[Row], problems: Problems) -> dict[str, int]:
    """Key → row of its first occurrence; each later occurrence is reported as a duplicate."""
    first: dict[str, int] = {}
    for row in rows:
        key = cell_text(row.get(column))
        if not key:
            continue
        if key in first:
            problems.add(sheet, row.number, f"{column} {key} 重复（第 {first[key]} 行已有）")
        else:
            first[key] = row.number
    return first


def _expected(names: list[str]) -> str:
    return f"{'、'.join(names[:-1])} 或 {names[-1]}" if len(names) > 1 else "".join(names)


def parse_accounts(
    rows: list[Row], classes: dict[str, int], class_names: list[str], problems: Problems
) -> dict[str, AccountIn]:
    first = _first_rows(ACCOUNTS, "户号", rows, problems)
    parsed: dict[str, AccountIn] = {}
    for row in rows:
        cells = Cells(ACCOUNTS, row, problems)
        account_no = cells.text("户号", required=True, max_len=32)
        holder_name = cells.text("户名", required=True)
        class_id = cells.choice("类别", classes, _expected(class_names))
        # A campus's name is also its code (org.ensure_campus), which holds 32 characters.
        campus = cells.text("校区", required=True, max_len=32)
        building = cells.text("楼号")
        unit = cells.text("单元", max_len=20)
        room = cells.text("门牌号", max_len=20)
        mobile = cells.text("手机", max_len=20)
        mode = cells.choice("收费方式", BILLING_MODE_NAMES, "预收费 或 后收费")
        # A prepaid account may open in arrears, so the balance may be negative.
        balance = cells.number(
            "余额", places=2, limit=_MONEY_LIMIT, required=False, may_be_negative=True
        )
        if cells.ok and first.get(account_no) == row.number:
            parsed[account_no] = AccountIn(
                row.number,
                account_no,
                holder_name,
                class_id,
                campus,
                building,
                unit,
                room,
                mobile,
                mode,
                balance if balance is not None else Decimal("0.00"),
            )
    return parsed


def _digits(cells: Cells) -> int | None:
    raw = cells.row.get("位数")
    try:
        value = cell_decimal(raw)
    except CellError:
        value = None
    if raw is None:
        cells.problem("位数 不能为空")
        return None
    if value is None or not 1 <= value <= 12 or value % 1:
        cells.problem(f"位数 {cell_text(raw)} 应为 1–12 的整数")
        return None
    return int(value)


def parse_meters(rows: list[Row], problems: Problems) -> dict[str, MeterIn]:
    first = _first_rows(METERS, "表号", rows, problems)
    first_hardware = _first_rows(METERS, "硬件号", rows, problems)
    parsed: dict[str, MeterIn] = {}
    for row in rows:
        cells = Cells(METERS, row, problems)
        meter_no = cells.text("表号", required=True, max_len=32)
        # A master meter (总表) belongs to no account, so 户号 may be empty.
        account_no = cells.text("户号", max_len=32)
        kind = cells.choice("类型", KIND_NAMES, "水 或 电")
        model = cells.text("型号", max_len=60)
        digits = _digits(cells)
        multiplier = cells.number("倍率", places=4, limit=_PRICE_LIMIT, required=False)
        if multiplier is not None and multiplier <= 0:
            cells.problem(f"倍率 {num(multiplier)} 应大于 0")
        hardware_no = cells.text("硬件号", max_len=32)
        installed_on = cells.day("安装日期", required=False)
        location = cells.text("位置", max_len=200)
        parent_no = cells.text("上级表号", max_len=32)
        if parent_no and parent_no == meter_no:
            cells.problem(f"上级表号 {parent_no} 不能是本表")
        if hardware_no and first_hardware.get(hardware_no) != row.number:
            cells.ok = False
        if cells.ok and first.get(meter_no) == row.number:
            assert digits is not None
            parsed[meter_no] = MeterIn(
                row.number,
                meter_no,
                account_no,
                kind,
                model,
                digits,
                multiplier if multiplier is not None else Decimal(1),
                hardware_no,
                installed_on,
                location,
                parent_no,
            )
    return parsed


def parse_tariffs(
    rows: list[Row], classes: dict[str, int], class_names: list[str], problems: Problems
) -> list[TierIn]:
    parsed = []
    for row in rows:
        cells = Cells(TARIFFS, row, problems)
        kind = cells.choice("类型", KIND_NAMES, "水 或 电")
        class_id = cells.choice("用户类别", classes, _expected(class_names))
        effective_from = cells.day("生效日期")
        component = cells.text("项目", required=True)
        start = cells.number("阶梯起点", places=3, limit=_QUANTITY_LIMIT)
        unit_price = cells.number("单价", places=4, limit=_PRICE_LIMIT)
        if cells.ok:
            assert effective_from and start is not None and unit_price is not None
            parsed.append(
                TierIn(row.number, kind, class_id, effective_from, component, start, unit_price)
            )
    return parsed


def parse_readings(rows: list[Row], problems: Problems) -> list[ReadingIn]:
    parsed = []
    for row in rows:
        cells = Cells(READINGS, row, problems)
        meter_no = cells.text("表号", required=True, max_len=32)
        day = cells.day("抄表日期")
        value = cells.reading("读数")
        if cells.ok:
            assert day is not None and value is not None
            parsed.append(ReadingIn(row.number, meter_no, day, value))
    return parsed


def parse_replacements(rows: list[Row], problems: Problems) -> list[ReplacementIn]:
    first_old = _first_rows(REPLACEMENTS, "旧表号", rows, problems)
    first_new = _first_rows(REPLACEMENTS, "新表号", rows, problems)
    parsed = []
    for row in rows:
        cells = Cells(REPLACEMENTS, row, problems)
        old_no = cells.text("旧表号", required=True, max_len=32)
        old_final = cells.reading("旧表止码")
        new_no = cells.text("新表号", required=True, max_len=32)
        new_initial = cells.reading("新表起码")
        day = cells.day("换表日期")
        if old_no and old_no == new_no:
            cells.problem(f"新表号 {new_no} 与旧表号相同")
        if first_old.get(old_no) != row.number or first_new.get(new_no) != row.number:
            cells.ok = False
        if cells.ok:
            assert old_final is not None and new_initial is not None and day is not None
            parsed.append(ReplacementIn(row.number, old_no, old_final, new_no, new_initial, day))
    return parsed
