"""The meter registry as an Excel workbook (表计台账), for offices that exchange it as .xlsx:
Chinese headers, the header row frozen, numbers as numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook

from reports.clock import moment_text
from reports.xlsx import (
    DATE_FORMAT,
    blank_free,
    export_sheet,
    header_cells,
    styled_cell,
    xlsx_file,
)

HEADERS = (
    "表号", "硬件号", "类型", "校区", "楼宇", "房间", "安装位置", "户号", "户主",
    "位数", "倍率", "状态", "最近读数", "安装日期",
)  # fmt: skip
WIDTHS = (14, 14, 6, 10, 12, 10, 18, 12, 10, 6, 8, 8, 12, 12)
SHEET = "表计台账"


@dataclass(frozen=True)
class RegistryLine:
    meter_no: str
    hardware_no: str
    kind: str
    campus: str
    building: str
    room: str
    location: str
    account_no: str
    holder_name: str
    digits: int
    multiplier: Decimal
    status: str
    last_value: Decimal | None
    installed_on: date | None


def registry_filename(generated_at: datetime) -> str:
    return f"表计台账_{moment_text(generated_at, '%Y%m%d_%H%M')}.xlsx"


def render_meter_registry_xlsx(
    lines: Iterable[RegistryLine], title: str, generated_at: datetime
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)`: a title row, the header frozen under it, one meter a
    row. Written streaming, so the whole registry of a university fits in little memory."""
    book = Workbook(write_only=True)
    sheet = export_sheet(book, SHEET, WIDTHS, title, generated_at)
    sheet.append(header_cells(sheet, HEADERS))
    for line in lines:
        last = styled_cell(sheet, line.last_value, number_format="0.000")
        installed = styled_cell(sheet, line.installed_on, number_format=DATE_FORMAT)
        sheet.append(
            blank_free([
                line.meter_no, line.hardware_no, line.kind, line.campus, line.building,
                line.room, line.location, line.account_no, line.holder_name, line.digits,
                line.multiplier, line.status, last, installed,
            ])
        )  # fmt: skip
    return xlsx_file(book, registry_filename(generated_at))
