"""The payments export for the billing system (缴费明细): one row per receipt line, .xlsx.

Written with openpyxl's write-only mode, so a year of payments streams instead of building
the whole sheet in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook

from reports.clock import excel_time
from reports.xlsx import (
    BOLD,
    MOMENT_FORMAT,
    blank_free,
    export_sheet,
    header_cells,
    styled_cell,
    xlsx_file,
)

HEADERS = ("户号", "户名", "缴费月份", "项目", "缴费金额", "渠道", "收据号", "时间", "网点")
WIDTHS = (12, 12, 10, 14, 12, 10, 18, 18, 16)
AMOUNT_COLUMN = 4
YUAN_FORMAT = '#,##0.00"元"'


@dataclass(frozen=True)
class PaymentExportRow:
    account_no: str
    holder_name: str
    period: str  # 'YYYY-MM', '' for money kept as credit, or '退款' for a refund paid out
    item: str
    amount: Decimal
    channel: str
    receipt_no: str
    paid_at: datetime  # business time, naive or aware
    branch: str


def render_payments_xlsx(
    rows: Iterable[PaymentExportRow], title: str, generated_at: datetime
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)`: title row, frozen header, 元 format, a totals row."""
    book = Workbook(write_only=True)
    sheet = export_sheet(book, "缴费明细", WIDTHS, title, generated_at)
    sheet.append(header_cells(sheet, HEADERS))
    total = Decimal("0.00")
    count = 0
    for row in rows:
        amount = styled_cell(sheet, row.amount, number_format=YUAN_FORMAT)
        moment = styled_cell(sheet, excel_time(row.paid_at), number_format=MOMENT_FORMAT)
        sheet.append(blank_free(
            [row.account_no, row.holder_name, row.period or "预存", row.item, amount,
             row.channel, row.receipt_no, moment, row.branch]
        ))  # fmt: skip
        total += row.amount
        count += 1
    label = styled_cell(sheet, f"合计 {count} 笔", font=BOLD)
    summed = styled_cell(sheet, total, number_format=YUAN_FORMAT, font=BOLD)
    sheet.append([label, None, None, None, summed])
    return xlsx_file(book, f"{title}.xlsx")
