"""The refund form (退款单) as an A5 PDF, from a frozen snapshot of what was paid out.

Like the receipt (`reports.receipt`), the form shows what was true when the refund was made
(holder, address, amount, who paid it out), copied by the caller into `RefundData`, so a
reprint prints the same document. It is a voucher the holder signs on taking the money: the
signature lines (经办人 / 复核 / 领款人签字, each with its date) are left to be signed by hand,
with the clerk's and the authorizing manager's names printed beside their lines.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm

from reports.amounts import rmb_capitals
from reports.clock import moment_text
from reports.drawing import Pen, pdf_canvas
from reports.fonts import cjk_font
from reports.pdfpages import GREY
from reports.receipt import format_yuan

_HEADER_FILL = colors.Color(0.92, 0.92, 0.92)


@dataclass(frozen=True)
class RefundData:
    """Everything a refund form shows. `channel` is the Chinese label (现金, 转账);
    `reference` the bank serial of a transfer and `bank` the payee's bank; `clerk` who paid
    it out (经办人), `authorized_by` the manager who decided it (复核), `approved_by` the
    second manager above the approval limit (empty when none was needed). `issued_at` is
    printed as given: pass business time (Asia/Shanghai)."""

    refund_no: str
    branch_name: str
    account_no: str
    holder_name: str
    address: str
    amount: Decimal
    channel: str
    clerk: str
    authorized_by: str
    issued_at: datetime
    reference: str = ""
    bank: str = ""
    reason: str = ""
    approved_by: str = ""
    organisation: str = "水电保障中心"


def render_refund(
    data: RefundData, *, font_candidates: Sequence[str | Path] | None = None
) -> tuple[str, str, bytes]:
    """The form as ``(filename, "application/pdf", pdf_bytes)``.

    Raises ValueError for a form without a number or with an amount that is not positive:
    such a voucher must never be signed.
    """
    if not data.refund_no.strip():
        raise ValueError("退款单号为空")
    if data.amount <= 0:
        raise ValueError(f"退款单 {data.refund_no} 的金额 {data.amount} 不是正数")
    font = cjk_font(font_candidates).name
    buffer = io.BytesIO()
    canvas = pdf_canvas(buffer, A5, font)
    canvas.setTitle(f"退款单 {data.refund_no}")
    canvas.setAuthor(data.organisation)
    canvas.setSubject(f"户号 {data.account_no}")
    _draw(Pen(canvas, font), data)
    canvas.showPage()
    canvas.save()
    safe = re.sub(r"[^0-9A-Za-z_-]", "_", data.refund_no)
    return f"退款单-{safe}.pdf", "application/pdf", buffer.getvalue()


def _payment_fields(data: RefundData) -> list[tuple[str, str, bool]]:
    """(label, value, whole): the serial number prints whole, names may be shortened."""
    fields = [("退款方式", data.channel, False)]
    if data.bank:
        fields.append(("收款银行", data.bank, False))
    if data.reference:
        fields.append(("转账流水号", data.reference, True))
    return fields


def _draw(pen: Pen, data: RefundData) -> None:
    width, height = A5
    left, right = 14 * mm, width - 14 * mm
    content = right - left

    y = height - 16 * mm
    pen.text(width / 2, y, data.organisation, 13, align="centre", max_width=content * 0.6)
    y -= 12 * mm
    pen.ruled_title(width / 2, y, "退 款 单", 24)

    y -= 16 * mm
    pen.barcode(right, y - 2, data.refund_no, 11 * mm, content * 0.45)
    info = content * 0.52
    pen.field(left, y + 22, "退款单号", data.refund_no, 10, info, whole=True)
    pen.field(left, y + 8, "退款时间", moment_text(data.issued_at), 10, info, whole=True)
    pen.field(left, y - 6, "退款网点", data.branch_name, 10, info)

    y -= 22
    pen.field(left, y, "户号", data.account_no, 10, content, whole=True)
    y -= 15
    pen.field(left, y, "户名", data.holder_name, 10, content)
    y -= 15
    y = pen.wrapped_field(left, y, "地址", data.address, 10, content, leading=13)

    y = _amount_table(pen, data, left, right, y - 10)

    y = pen.field_lines(left, right, y - 16, _payment_fields(data), 10, 15)
    if data.reason:
        y -= 15
        y = pen.wrapped_field(left, y, "退款原因", data.reason, 10, content, leading=13)
    if data.approved_by:
        y -= 15
        pen.field(left, y, "审批", data.approved_by, 10, content)

    _signatures(pen, data, left, content, min(y - 26, 44 * mm))
    pen.text(left, 12 * mm, "领款人签字后生效；本单一式两联，涂改无效。", 8, colour=GREY)


def _amount_table(pen: Pen, data: RefundData, left: float, right: float, top: float) -> float:
    """项目 / 金额 with the amount in capitals; returns the y of its bottom edge."""
    canvas = pen.canvas
    row, size, pad = 18.0, 10.0, 4
    amount_x = right - 34 * mm
    amount_width = right - amount_x - 2 * pad
    text_dy = (row - size) / 2 + size * 0.18
    canvas.setFillColor(_HEADER_FILL)
    canvas.rect(left, top - row, right - left, row, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    pen.text(left + pad, top - row + text_dy, "项目", size)
    pen.text(right - pad, top - row + text_dy, "金额（元）", size, align="right")
    y = top - 2 * row + text_dy
    pen.text(left + pad, y, "退还账户余额", size, max_width=amount_x - left - 2 * pad)
    pen.text(right - pad, y, f"{data.amount:,.2f}", size, align="right",
             max_width=amount_width, whole=True)  # fmt: skip
    y = top - 3 * row + text_dy
    capitals = f"合计（大写）人民币{rmb_capitals(data.amount)}"
    pen.text(left + pad, y, capitals, size, max_width=amount_x - left - 2 * pad, whole=True)
    pen.text(right - pad, y, format_yuan(data.amount), size + 0.5, align="right",
             max_width=amount_width, whole=True)  # fmt: skip
    bottom = top - 3 * row
    canvas.setLineWidth(0.6)
    canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
    canvas.setLineWidth(0.3)
    for index in (1, 2):
        canvas.line(left, top - index * row, right, top - index * row)
    canvas.line(amount_x, top, amount_x, bottom)
    return bottom


def _signatures(pen: Pen, data: RefundData, left: float, content: float, y: float) -> None:
    """Three signature lines, each with the name printed (if known) and a date line."""
    canvas = pen.canvas
    canvas.setLineWidth(0.4)
    column = content / 3
    for index, (label, name) in enumerate(
        (("经办人", data.clerk), ("复核", data.authorized_by), ("领款人签字", ""))
    ):
        x = left + index * column
        pen.text(x, y, f"{label}：", 10)
        line_from = x + pen.width(f"{label}：", 10)
        canvas.line(line_from, y - 2, x + column - 8, y - 2)
        if name:
            pen.text(x, y - 12, name, 7.5, colour=GREY, max_width=column - 8)
        pen.text(x, y - 30, "日期：", 10)
        canvas.line(x + pen.width("日期：", 10), y - 32, x + column - 8, y - 32)
