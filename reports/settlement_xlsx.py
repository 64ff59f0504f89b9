"""The daily settlement report as an .xlsx to file: sheet 日结汇总 and sheet 收据明细, and
on a day with refunds sheet 退款明细.

Drawn from the same frozen `reports.settlement.SettlementReport` as the PDF.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports.amounts import rmb_capitals
from reports.clock import excel_time, moment_text
from reports.settlement import (
    OPEN_MARK,
    VOID_MARK,
    SettlementReport,
    cash_formula,
    over_short_text,
    reconciliation,
    stamp,
)
from reports.xlsx import BOLD, blank_free, header_cells, set_widths
from reports.xlsx import styled_cell as _cell


def write_settlement_xlsx(report: SettlementReport, target: str | Path | IO[bytes]) -> None:
    """Write the workbook to a path or a binary stream: sheet 日结汇总 (header, summary by
    channel, cash reconciliation, hand-overs) and sheet 收据明细 (every receipt, voided ones
    struck through and marked 作废, a totals row), and sheet 退款明细 when refunds were paid
    out (every refund, the total and the day's net cash)."""
    book = Workbook(write_only=True)
    _summary_sheet(book.create_sheet("日结汇总"), report)
    _receipts_sheet(book.create_sheet("收据明细"), report)
    if report.refunds:
        _refunds_sheet(book.create_sheet("退款明细"), report)
    book.save(target)


def render_settlement_xlsx(report: SettlementReport) -> bytes:
    out = io.BytesIO()
    write_settlement_xlsx(report, out)
    return out.getvalue()


def _summary_sheet(sheet: WriteOnlyWorksheet, report: SettlementReport) -> None:
    set_widths(sheet, (18, 26, 16, 30))
    title = (
        f"{report.title}　收费员 {report.clerk}　营业日期 {report.business_date.isoformat()}"
        f"（生成于 {moment_text(report.generated_at)}）"
    )
    sheet.append([_cell(sheet, title, font=Font(bold=True, size=12))])
    if not report.closed:
        sheet.append([_cell(sheet, f"【{OPEN_MARK}】数字为截至生成时", font=Font(color="C81414"))])
    sheet.append([])
    sheet.append(["分中心", f"{report.branch_code} {report.branch_name}"])
    sheet.append(["收费员", report.clerk])
    sheet.append(["营业日期", report.business_date.isoformat()])
    sheet.append(["开班时间", stamp(report.opened_at)])
    sheet.append(["日结时间", stamp(report.closed_at) if report.closed else OPEN_MARK])
    sheet.append([])

    sheet.append(header_cells(sheet, ("收款方式", "笔数", "金额（元）")))
    for line in report.channels:
        sheet.append([line.label, line.count, _cell(sheet, line.amount, money=True)])
    voided = report.voided
    if voided:
        amount = sum((row.amount for row in voided), Decimal(0))
        red = Font(color="C81414")
        sheet.append(
            [_cell(sheet, f"{VOID_MARK}（不计入合计）", font=red), _cell(sheet, len(voided)),
             _cell(sheet, amount, money=True, font=red)]
        )  # fmt: skip
    sheet.append(
        [_cell(sheet, "合计", font=BOLD), _cell(sheet, report.total_count, font=BOLD),
         _cell(sheet, report.total_amount, money=True, font=BOLD)]
    )  # fmt: skip
    sheet.append(["合计（大写）", f"人民币{rmb_capitals(report.total_amount)}"])
    sheet.append([])

    sheet.append(header_cells(sheet, ("现金核对", "金额（元）", "说明")))
    sheet.append([None, None, cash_formula(report)])
    for label, figure, remark in reconciliation(report):
        bold = BOLD if label == "应有现金" else None
        sheet.append(
            [_cell(sheet, label, font=bold), _cell(sheet, figure, money=True, font=bold),
             remark or None]
        )  # fmt: skip
    sheet.append(
        ["长短款", _cell(sheet, report.over_short, money=True),
         over_short_text(report.over_short) or None]
    )  # fmt: skip
    sheet.append(["备注", report.note or None])

    if report.handovers:
        sheet.append([])
        sheet.append(header_cells(sheet, ("交款时间", "交给", "金额（元）", "备注")))
        for item in report.handovers:
            moment = _cell(sheet, excel_time(item.at))
            moment.number_format = "yyyy-mm-dd hh:mm"
            sheet.append(
                [moment, item.to, _cell(sheet, item.amount, money=True), item.note or None]
            )
        sheet.append(
            [_cell(sheet, "交款合计", font=BOLD), None,
             _cell(sheet, report.handed_over, money=True, font=BOLD)]
        )  # fmt: skip


RECEIPT_HEADERS = (
    "收据号", "收款时间", "户号", "户名", "收款方式", "参考号", "金额（元）", "状态", "作废原因"
)  # fmt: skip
_RECEIPT_WIDTHS = (18, 18, 14, 16, 10, 20, 14, 8, 24)
_AMOUNT_INDEX = 6


def _receipts_sheet(sheet: WriteOnlyWorksheet, report: SettlementReport) -> None:
    sheet.freeze_panes = "A2"
    set_widths(sheet, _RECEIPT_WIDTHS)
    sheet.append(header_cells(sheet, RECEIPT_HEADERS))
    struck = Font(strike=True, color="808080")
    for row in report.receipts:
        font = struck if row.voided else None
        moment = _cell(sheet, excel_time(row.issued_at), font=font)
        moment.number_format = "yyyy-mm-dd hh:mm"
        values: list[Any] = [
            _cell(sheet, row.receipt_no, font=font),
            moment,
            _cell(sheet, row.account_no, font=font),
            _cell(sheet, row.holder_name, font=font),
            _cell(sheet, row.channel, font=font),
            _cell(sheet, row.reference or None, font=font),
            _cell(sheet, row.amount, money=True, font=font),
        ]
        if row.voided:
            red = Font(color="C81414")
            values += [_cell(sheet, VOID_MARK, font=red), _cell(sheet, row.void_reason, font=red)]
        else:
            values += ["正常", None]
        sheet.append(values)
    standing = sum(1 for row in report.receipts if not row.voided)
    sheet.append(
        [_cell(sheet, f"合计 {standing} 笔（不含作废）", font=BOLD), None, None, None, None,
         None, _cell(sheet, report.total_amount, money=True, font=BOLD)]
    )  # fmt: skip


REFUND_HEADERS = ("退款单号", "退款时间", "户号", "户名", "退款方式", "金额（元）")


def _refunds_sheet(sheet: WriteOnlyWorksheet, report: SettlementReport) -> None:
    sheet.freeze_panes = "A2"
    set_widths(sheet, (20, 18, 14, 16, 10, 14))
    sheet.append(header_cells(sheet, REFUND_HEADERS))
    for row in report.refunds:
        moment = _cell(sheet, excel_time(row.issued_at))
        moment.number_format = "yyyy-mm-dd hh:mm"
        sheet.append(
            blank_free([row.refund_no, moment, row.account_no, row.holder_name, row.channel,
                        _cell(sheet, row.amount, money=True)])
        )  # fmt: skip
    total = sum((row.amount for row in report.refunds), Decimal("0.00"))
    sheet.append(
        [_cell(sheet, f"合计 {len(report.refunds)} 笔", font=BOLD), None, None, None, None,
         _cell(sheet, total, money=True, font=BOLD)]
    )  # fmt: skip
    sheet.append(
        [_cell(sheet, "现金净收", font=BOLD), None, None, None, "现金实收 − 找零 − 作废 − 现金退款",
         _cell(sheet, report.net_cash, money=True, font=BOLD)]
    )  # fmt: skip
