"""The reconciliation report (对账结果) as .xlsx: a summary, then every line with its
status, the ones needing attention first."""

from __future__ import annotations

from collections.abc import Sequence
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

HEADERS = ("状态", "支付流水号", "商户订单号", "户号", "交易时间", "对账单金额", "系统金额", "说明")
WIDTHS = (14, 32, 26, 12, 18, 12, 12, 40)


@dataclass(frozen=True)
class ReconRow:
    status: str
    trade_no: str
    order_no: str
    account_no: str
    trade_time: datetime | None  # business time
    statement_amount: Decimal | None
    our_amount: Decimal | None
    note: str


def render_reconciliation_xlsx(
    title: str,
    summary: Sequence[tuple[str, str | Decimal | int]],
    rows: Sequence[ReconRow],
    generated_at: datetime,
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)`: title, the summary pairs, then the lines."""
    book = Workbook(write_only=True)
    sheet = export_sheet(book, "对账结果", WIDTHS, title, generated_at, freeze=None)
    for label, value in summary:
        cell = styled_cell(sheet, value, money=isinstance(value, Decimal))
        sheet.append([styled_cell(sheet, label, font=BOLD), cell])
    sheet.append([])
    sheet.append(header_cells(sheet, HEADERS))
    for row in rows:
        moment = None
        if row.trade_time is not None:
            moment = styled_cell(sheet, excel_time(row.trade_time), number_format=MOMENT_FORMAT)
        sheet.append(
            blank_free([
                row.status,
                row.trade_no,
                row.order_no,
                row.account_no,
                moment,
                styled_cell(sheet, row.statement_amount, money=True),
                styled_cell(sheet, row.our_amount, money=True),
                row.note,
            ])
        )  # fmt: skip
    return xlsx_file(book, f"{title}.xlsx")
