"""The lists of the daily settlement report's PDF (`reports.settlement`): every receipt of the
till, and the refunds (退款) paid out at it, as ruled tables that run over as many pages as
the day needs, with the ruled-table helper the report's other tables share.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from reports.clock import moment_text
from reports.pdfpages import fit_text as _fit

if TYPE_CHECKING:
    from reports.settlement import ReceiptRow, SettlementReport

VOID_MARK = "作废"
RED = colors.Color(0.78, 0.08, 0.08)
LIST_SIZE = 8.0  # the lists are denser: a busy day should stay within a few pages
_HEADER_FILL = colors.Color(0.92, 0.92, 0.92)


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def grid(
    data: list[list[Any]],
    widths: Sequence[float],
    font: str,
    size: float,
    *,
    right_columns: Sequence[int] = (),
    total_row: bool = False,
    extra: Sequence[tuple[Any, ...]] = (),
    repeat: int = 1,
) -> Table:
    """A ruled table with a grey header row, money columns right-aligned."""
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.black),
        ("BOX", (0, 0), (-1, -1), 0.7, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for column in right_columns:
        style.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
    if total_row:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black))
    style.extend(extra)
    return Table(data, colWidths=list(widths), repeatRows=repeat, style=TableStyle(style))


def _void_text(row: ReceiptRow) -> str:
    return f"{VOID_MARK}：{row.void_reason}" if row.void_reason else VOID_MARK


# Receipt list columns: width share, and whether right-aligned.
_LIST_COLUMNS = (
    ("收据号", 0.15, False),
    ("时间", 0.07, False),
    ("户号", 0.11, False),
    ("户名", 0.14, False),
    ("收款方式", 0.09, False),
    ("参考号", 0.17, False),
    ("金额（元）", 0.11, True),
    ("状态", 0.16, False),
)


def receipt_list(
    report: SettlementReport, font: str, width: float, styles: dict[str, ParagraphStyle]
) -> Table:
    widths = [width * share for _, share, _ in _LIST_COLUMNS]
    room = [w - 8 for w in widths]  # less the cell padding
    data: list[list[Any]] = [[title for title, _, _ in _LIST_COLUMNS]]
    extra: list[tuple[Any, ...]] = []
    for row in report.receipts:
        cells = [
            _fit(row.receipt_no, font, LIST_SIZE, room[0]),
            moment_text(row.issued_at, "%H:%M"),
            _fit(row.account_no, font, LIST_SIZE, room[2]),
            _fit(row.holder_name, font, LIST_SIZE, room[3]),
            _fit(row.channel, font, LIST_SIZE, room[4]),
            _fit(row.reference, font, LIST_SIZE, room[5]),
            yuan(row.amount),
        ]
        if row.voided:
            # A line through the text keeps the voided receipt readable, as on a paper
            # ledger: it is listed because its number was used, not because it counts.
            struck: list[Any] = [
                Paragraph(
                    f"<strike>{escape(text)}</strike>",
                    styles["struck_right" if index == 6 else "struck"],
                )
                for index, text in enumerate(cells)
            ]
            struck.append(_fit(_void_text(row), font, LIST_SIZE, room[7]))
            data.append(struck)
            line = len(data) - 1
            extra.append(("TEXTCOLOR", (7, line), (7, line), RED))
        else:
            data.append([*cells, ""])
    standing = sum(1 for row in report.receipts if not row.voided)
    data.append([f"合计 {standing} 笔", "", "", "", "", "", yuan(report.total_amount), "不含作废"])
    extra.append(("SPAN", (0, len(data) - 1), (2, len(data) - 1)))
    return grid(data, widths, font, LIST_SIZE, right_columns=(6,), total_row=True, extra=extra)


_REFUND_COLUMNS = (
    ("退款单号", 0.19),
    ("时间", 0.08),
    ("户号", 0.14),
    ("户名", 0.2),
    ("退款方式", 0.12),
    ("金额（元）", 0.27),
)


def refund_list(
    report: SettlementReport, font: str, width: float, styles: dict[str, ParagraphStyle]
) -> list[Any]:
    """The refunds of the day, their total, and the day's net cash (现金净收)."""
    widths = [width * share for _, share in _REFUND_COLUMNS]
    room = [w - 8 for w in widths]
    data: list[list[Any]] = [[title for title, _ in _REFUND_COLUMNS]]
    for row in report.refunds:
        data.append(
            [_fit(row.refund_no, font, LIST_SIZE, room[0]), moment_text(row.issued_at, "%H:%M"),
             _fit(row.account_no, font, LIST_SIZE, room[2]),
             _fit(row.holder_name, font, LIST_SIZE, room[3]), row.channel, yuan(row.amount)]
        )  # fmt: skip
    total = sum((row.amount for row in report.refunds), Decimal("0.00"))
    data.append([f"合计 {len(report.refunds)} 笔", "", "", "", "", yuan(total)])
    extra = [("SPAN", (0, len(data) - 1), (2, len(data) - 1))]
    net = (
        f"现金净收 = 现金实收 {yuan(report.cash_tendered)} − 找零 {yuan(report.change_given)}"
        f" − 作废现金 {yuan(report.cash_voided)} − 现金退款 {yuan(report.cash_refunded)}"
        f" = {yuan(report.net_cash)} 元"
    )
    return [
        grid(data, widths, font, LIST_SIZE, right_columns=(5,), total_row=True, extra=extra),
        Paragraph(escape(net), styles["text"]),
    ]
