"""The result of a handheld import as a workbook: one row per line of the terminal's file,
so the reader's supervisor can go through the lines that need a person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import PatternFill

from reports.clock import excel_time
from reports.xlsx import BOLD, blank_free, export_sheet, styled_cell, xlsx_file

HEADERS = ("行号", "结果", "硬件号", "表号", "读数", "抄表时间", "说明")
WIDTHS = (8, 10, 16, 14, 12, 18, 48)
# Lines that need a person stand out; imported ones stay plain.
_FILLS = {
    outcome: PatternFill("solid", fgColor=colour)
    for outcome, colour in (
        ("异常", "FFF2CC"),
        ("冲突", "F8CBAD"),
        ("未知表计", "F8CBAD"),
        ("无法识别", "F8CBAD"),
        ("抄表失败", "FCE4D6"),
    )
}


@dataclass(frozen=True)
class ImportLineRow:
    line: int
    outcome: str  # its label: 已导入, 异常, 重复…
    hardware_no: str
    meter_no: str
    value: Decimal | None
    read_at: datetime | None  # business time
    message: str


def render_import_result_xlsx(
    rows: Iterable[ImportLineRow], title: str, generated_at: datetime
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)`: a title row, a frozen header, one row per line."""
    book = Workbook(write_only=True)
    sheet = export_sheet(book, "导入结果", WIDTHS, title, generated_at)
    sheet.append([styled_cell(sheet, text, font=BOLD) for text in HEADERS])
    for row in rows:
        read_at = excel_time(row.read_at) if row.read_at else None
        moment = styled_cell(sheet, read_at, number_format="yyyy-mm-dd hh:mm:ss")
        outcome = styled_cell(sheet, row.outcome, fill=_FILLS.get(row.outcome))
        sheet.append(
            blank_free(
                [row.line, outcome, row.hardware_no, row.meter_no, row.value, moment, row.message]
            )
        )
    return xlsx_file(book, f"{title}.xlsx")
