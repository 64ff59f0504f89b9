"""The counter receipt (收据) as a PDF, from a frozen snapshot of what was issued.

The receipt shows what was true when it was issued (holder, address, periods, amounts),
copied into `ReceiptData` by the caller, so a reprint years later prints the same document
with only the 重打 mark added. Two sizes are drawn:

- ``"a5"``: A5 portrait (148 × 210 mm) for office laser printers;
- ``"form"``: the 241 × 93 mm continuous form (241 mm wide with the tractor strips, one
  receipt per 93 mm fold) for dot-matrix counter printers. 13 mm is kept clear on each side
  for the tractor-hole strips, and the content is laid out as a landscape strip.

Pages are drawn with the canvas directly rather than with platypus flowables: the layout is
fixed, every field has a known place, and a receipt renders in a few milliseconds.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm

from reports.amounts import rmb_capitals
from reports.clock import moment_text
from reports.drawing import Pen, pdf_canvas
from reports.fonts import cjk_font
from reports.pdfpages import GREY

ReceiptSize = Literal["a5", "form"]

FORM_SIZE = (241 * mm, 93 * mm)
PAGE_SIZES: dict[str, tuple[float, float]] = {"a5": A5, "form": FORM_SIZE}

_RED = colors.Color(0.78, 0.08, 0.08)
_HEADER_FILL = colors.Color(0.92, 0.92, 0.92)
# The colour's own alpha, because setFillColor resets the alpha to that of the colour.
_WATERMARK = colors.Color(0.85, 0.1, 0.1, alpha=0.22)


@dataclass(frozen=True)
class ReceiptLine:
    """One thing paid for: a bill period (2026-10) and its item (电费), or a prepayment
    (no period)."""

    period: str
    description: str
    amount: Decimal

    def as_json(self) -> dict[str, str]:
        """The line as a receipt row stores it (JSONB): the amount as its exact text."""
        return {"period": self.period, "description": self.description, "amount": str(self.amount)}

    @classmethod
    def from_json(cls, stored: Mapping[str, str]) -> ReceiptLine:
        return cls(stored["period"], stored["description"], Decimal(stored["amount"]))


@dataclass(frozen=True)
class ReceiptData:
    """Everything a receipt shows, as it was when the receipt was issued, plus the marks
    added later (作废, 重打); the service reads it from a receipt row
    (server.services.collection.receipts.receipt_view).

    `channel` is the Chinese label (现金, 支票, 网银转账, 在线支付); `reference` the cheque
    number or bank serial, empty for cash, and `bank` the cheque's bank (printed before the
    number). `tendered`/`change` are for cash only. `issued_at` is printed as given, so pass
    business time (Asia/Shanghai). `branch_code` is not printed.
    """

    receipt_no: str
    branch_name: str
    account_no: str
    holder_name: str
    address: str
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    channel: str
    reference: str
    clerk: str
    issued_at: datetime
    bank: str = ""
    branch_code: str = ""
    voided: bool = False
    void_reason: str = ""
    reprint_count: int = 0
    tendered: Decimal | None = None
    change: Decimal | None = None
    organisation: str = "水电保障中心"


def render_receipt(
    data: ReceiptData,
    size: ReceiptSize = "a5",
    *,
    font_candidates: Sequence[str | Path] | None = None,
) -> tuple[str, str, bytes]:
    """The receipt as ``(filename, "application/pdf", pdf_bytes)``.

    `font_candidates` overrides where the CJK font is looked for (see `reports.fonts`).
    Raises ValueError for an unknown size, or when the lines do not add up to the total:
    a receipt whose figures disagree must never be handed to a customer.
    """
    if size not in PAGE_SIZES:
        raise ValueError(f"未知的收据尺寸：{size}（可选 a5、form）")
    if not data.receipt_no.strip():
        raise ValueError("收据号为空")
    if data.lines and sum((line.amount for line in data.lines), Decimal(0)) != data.total:
        raise ValueError(f"收据 {data.receipt_no} 明细合计与总额 {data.total} 不符")

    font = cjk_font(font_candidates).name
    buffer = io.BytesIO()
    page = PAGE_SIZES[size]
    # Invariant (see pdf_canvas): a reprint differs only by its 重打 mark.
    canvas = pdf_canvas(buffer, page, font)
    canvas.setTitle(f"收据 {data.receipt_no}")
    canvas.setAuthor(data.organisation)
    canvas.setSubject(f"户号 {data.account_no}")
    pen = Pen(canvas, font)
    if size == "a5":
        _draw_a5(pen, data, page)
    else:
        _draw_form(pen, data, page)
    if data.voided:
        _draw_void(pen, data, page)
    canvas.showPage()
    canvas.save()
    return _filename(data.receipt_no), "application/pdf", buffer.getvalue()


def format_yuan(amount: Decimal) -> str:
    """¥1,004.50; a reversal is -¥5.00 (sign before the currency sign)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _filename(receipt_no: str) -> str:
    # Receipt numbers are letters and digits; anything else must not reach a file system.
    safe = re.sub(r"[^0-9A-Za-z_-]", "_", receipt_no)
    return f"收据-{safe}.pdf"


def _visible_lines(lines: Sequence[ReceiptLine], capacity: int) -> list[ReceiptLine]:
    """The lines that fit; past the space, the last bills are summed into one line.

    A line without a period (预存: what was credited to the balance) is always shown on its
    own, after the bills: the customer must read what went to the balance, and a summary's
    periods span bills only.
    """
    if len(lines) <= capacity:
        return list(lines)
    credits = [line for line in lines if not line.period]
    bills = [line for line in lines if line.period]
    room = max(capacity - 1 - len(credits), 0)
    shown, rest = bills[:room], bills[room:]
    if not rest:
        return [*shown, *credits]
    first, last = min(line.period for line in rest), max(line.period for line in rest)
    periods = first if first == last else f"{first}～{last}"
    total = sum((line.amount for line in rest), Decimal(0))
    return [*shown, ReceiptLine(periods, f"其余 {len(rest)} 项合计", total), *credits]


def _reprint_text(data: ReceiptData) -> str:
    return f"重打（第 {data.reprint_count} 次）"


def _payment_fields(data: ReceiptData) -> list[tuple[str, str, bool]]:
    """(label, value, whole): the reference and the cash figures print whole."""
    fields = [("付款方式", data.channel, False)]
    # A cheque number means nothing without its bank.
    reference = f"{data.bank} {data.reference}" if data.bank else data.reference
    if reference:
        fields.append(("参考号", reference, True))
    if data.tendered is not None:
        fields.append(("实收", format_yuan(data.tendered), True))
    if data.change is not None:
        fields.append(("找零", format_yuan(data.change), True))
    return fields


def _issued_text(data: ReceiptData) -> str:
    return moment_text(data.issued_at)


def _draw_table(
    pen: Pen,
    data: ReceiptData,
    left: float,
    right: float,
    top: float,
    row_height: float,
    rows: int,
    min_rows: int,
    size: float,
    period_width: float,
    amount_width: float,
) -> float:
    """Items table with the two total rows; returns the y of its bottom edge."""
    canvas = pen.canvas
    lines = _visible_lines(data.lines, rows)
    # Blank rows up to a minimum keep the familiar look of a receipt book's fixed grid.
    body_rows = max(len(lines), min(min_rows, rows), 1)
    pad = 4
    text_dy = (row_height - size) / 2 + size * 0.18
    period_x = left + period_width
    amount_x = right - amount_width

    canvas.setFillColor(_HEADER_FILL)
    canvas.rect(left, top - row_height, right - left, row_height, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    y = top - row_height + text_dy
    pen.text(left + pad, y, "账期", size)
    pen.text(period_x + pad, y, "项目", size)
    pen.text(right - pad, y, "金额（元）", size, align="right")

    for index in range(body_rows):
        y = top - (index + 2) * row_height + text_dy
        if index < len(lines):
            line = lines[index]
            pen.text(left + pad, y, line.period, size, max_width=period_width - 2 * pad,
                     whole=True)  # fmt: skip
            pen.text(
                period_x + pad, y, line.description, size, max_width=amount_x - period_x - 2 * pad
            )
            pen.text(right - pad, y, f"{line.amount:,.2f}", size, align="right",
                     max_width=amount_width - 2 * pad, whole=True)  # fmt: skip

    totals_top = top - (body_rows + 1) * row_height
    y = totals_top - row_height + text_dy
    pen.text(left + pad, y, "合计（大写）", size)
    pen.text(
        period_x + pad,
        y,
        f"人民币{rmb_capitals(data.total)}",
        size + 0.5,
        max_width=amount_x - period_x - 2 * pad,
        whole=True,
    )
    pen.text(right - pad, y, format_yuan(data.total), size + 0.5, align="right",
             max_width=amount_width - 2 * pad, whole=True)  # fmt: skip
    bottom = totals_top - row_height

    canvas.setLineWidth(0.6)
    canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
    canvas.setLineWidth(0.3)
    for index in range(1, body_rows + 2):
        line_y = top - index * row_height
        canvas.line(left, line_y, right, line_y)
    canvas.line(period_x, top, period_x, totals_top)
    canvas.line(amount_x, top, amount_x, bottom)
    return bottom


def _draw_a5(pen: Pen, data: ReceiptData, page: tuple[float, float]) -> None:
    width, height = page
    left, right = 14 * mm, width - 14 * mm
    content = right - left

    y = height - 16 * mm
    pen.text(width / 2, y, data.organisation, 13, align="centre", max_width=content * 0.6)
    y -= 12 * mm
    pen.ruled_title(width / 2, y, "收　据", 24)
    if data.reprint_count > 0:
        pen.text(right, y + 6, _reprint_text(data), 10, align="right", colour=_RED)

    y -= 16 * mm
    pen.barcode(right, y - 2, data.receipt_no, 11 * mm, content * 0.45)
    info_width = content * 0.52
    pen.field(left, y + 22, "收据号", data.receipt_no, 10, info_width, whole=True)
    pen.field(left, y + 8, "收款时间", _issued_text(data), 10, info_width, whole=True)
    pen.field(left, y - 6, "收款网点", data.branch_name, 10, info_width)

    y -= 22
    pen.field(left, y, "户号", data.account_no, 10, content, whole=True)
    y -= 15
    pen.field(left, y, "户名", data.holder_name, 10, content)
    y -= 15
    y = pen.wrapped_field(left, y, "地址", data.address, 10, content, leading=13)

    footer_top = 40 * mm  # payment, clerk and note lines below the table
    row_height = 17.0
    rows = int((y - 10 - footer_top) / row_height) - 2
    bottom = _draw_table(pen, data, left, right, y - 10, row_height, rows, 8, 9.5, 26 * mm, 30 * mm)

    y = pen.field_lines(left, right, bottom - 16, _payment_fields(data), 10, 15)
    y = min(y - 22, 26 * mm)
    pen.field(left, y, "收款人", data.clerk, 10, content / 2)
    pen.field(left + content / 2, y, "收款单位（盖章）", "", 10, content / 2)
    pen.text(left, 12 * mm, "本收据为缴费凭证，请妥善保管；涂改无效。", 8, colour=GREY)


def _draw_form(pen: Pen, data: ReceiptData, page: tuple[float, float]) -> None:
    width, height = page
    # The outer 13 mm on each side are the tractor strips of the continuous form.
    left, right = 15 * mm, width - 15 * mm
    content = right - left

    top = height - 8 * mm
    pen.text(left, top - 4, data.organisation, 11, max_width=content * 0.3)
    pen.text(width / 2, top - 12, "收　据", 20, align="centre")
    if data.reprint_count > 0:
        pen.text(width / 2 + 42, top - 10, _reprint_text(data), 9, colour=_RED)
    pen.barcode(right, top - 26, data.receipt_no, 9 * mm, content * 0.3)

    y = top - 31
    third = content * 0.7 / 2
    pen.field(left, y, "收据号", data.receipt_no, 9, third, whole=True)
    pen.field(left + third, y, "收款时间", _issued_text(data), 9, third, whole=True)
    y -= 13
    pen.field(left, y, "户号", data.account_no, 9, third, whole=True)
    pen.field(left + third, y, "收款网点", data.branch_name, 9, third)
    y -= 13
    pen.field(left, y, "户名", data.holder_name, 9, third)
    pen.field(left + third, y, "地址", data.address, 9, content - third)

    footer_top = 17 * mm
    row_height = 13.0
    table_top = y - 7
    rows = int((table_top - footer_top) / row_height) - 2
    bottom = _draw_table(
        pen, data, left, right, table_top, row_height, rows, 4, 8.5, 30 * mm, 34 * mm
    )

    y = bottom - 13
    x = left
    clerk_x = right - 150
    for label, value, whole in _payment_fields(data):
        # Up to the clerk's name: a long cheque reference is set smaller, never cut.
        pen.field(x, y, label, value, 9, clerk_x - 14 - x, whole=whole)
        x += pen.width(f"{label}：{value}", 9) + 14
    pen.field(clerk_x, y, "收款人", data.clerk, 9, 150)
    pen.text(left, 6 * mm, "本收据为缴费凭证，请妥善保管；涂改无效。", 7, colour=GREY)
    pen.text(right, 6 * mm, "收款单位（盖章）", 7, colour=GREY, align="right")


def _draw_void(pen: Pen, data: ReceiptData, page: tuple[float, float]) -> None:
    """A large diagonal 作废 across the page, see-through so every figure stays readable."""
    width, height = page
    canvas = pen.canvas
    canvas.saveState()
    canvas.translate(width / 2, height / 2)
    # Along the diagonal of a portrait page, flatter across the wide form strip.
    angle = 35 if height > width else 12
    canvas.rotate(angle)
    size = min(width, height) * (0.42 if height > width else 0.5)
    pen.text(0, -size * 0.35, "作废", size, align="centre", colour=_WATERMARK)
    canvas.restoreState()
    reason = f"作废原因：{data.void_reason}" if data.void_reason else "作废"
    reason_y = height * 0.30 if height > width else 3 * mm
    pen.text(width / 2, reason_y, reason, 10, align="centre", colour=_RED, max_width=width * 0.7)
