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
from reports.pdfpages import FitColumn, fit_columns, header_text, widest_word, wrap_text
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


# Receipt list columns: title, whether whole (figures and numbers, never cut; the others are
# free text), whether right-aligned.
_LIST_COLUMNS = (
    ("收据号", True, False),
    ("时间", True, False),
    ("户号", True, False),
    ("户名", False, False),
    ("收款方式", False, False),
    ("参考号", False, False),
    ("金额（元）", True, True),
    ("状态", False, False),
)
_REFERENCE = 5
_CELL_PAD = 12  # a platypus cell's default padding, left and right


def _sized(
    columns: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[str]],
    font: str,
    width: float,
    floors: dict[int, float] | None = None,
) -> tuple[list[float], float]:
    texts = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    fit = [
        FitColumn(title, texts[i], whole, floor=(floors or {}).get(i, 0.0))
        for i, (title, whole) in enumerate(columns)
    ]
    fitted = fit_columns(fit, font, LIST_SIZE, width, padding=_CELL_PAD)
    if fitted is None:
        raise ValueError("日结报表的明细列在 A4 页面上放不下")
    return fitted


def receipt_list(
    report: SettlementReport, font: str, width: float, styles: dict[str, ParagraphStyle]
) -> Table:
    """Every receipt of the till; a cheque's reference (bank, then number) wraps after the
    bank's name rather than lose its number."""
    rows = [
        [
            row.receipt_no, moment_text(row.issued_at, "%H:%M"), row.account_no,
            row.holder_name, row.channel, row.reference, yuan(row.amount),
            _void_text(row) if row.voided else "",
        ]
        for row in report.receipts
    ]  # fmt: skip
    # The reference column is at least as wide as its longest word (a cheque number).
    floor = widest_word((r[_REFERENCE] for r in rows), font, LIST_SIZE) + _CELL_PAD
    totals = ["", "", "", "", "", "", yuan(report.total_amount), ""]
    widths, size = _sized(
        [(title, whole) for title, whole, _ in _LIST_COLUMNS], [*rows, totals], font, width,
        {_REFERENCE: floor},
    )  # fmt: skip
    room = [w - _CELL_PAD for w in widths]
    data: list[list[Any]] = [
        [header_text(t, font, size, r) for (t, _, _), r in zip(_LIST_COLUMNS, room, strict=True)]
    ]
    extra: list[tuple[Any, ...]] = []
    struck = ParagraphStyle("struck_fit", styles["struck"], fontSize=size, leading=size * 1.2)
    struck_right = ParagraphStyle("struck_right_fit", styles["struck_right"], fontSize=size,
                                  leading=size * 1.2)  # fmt: skip
    for row, texts in zip(report.receipts, rows, strict=True):
        cells = [
            text if whole else
            wrap_text(text, font, size, room[i]) if i == _REFERENCE else
            _fit(text, font, size, room[i])
            for i, (text, (_, whole, _)) in enumerate(zip(texts[:7], _LIST_COLUMNS, strict=False))
        ]  # fmt: skip
        if row.voided:
            # A line through the text keeps the voided receipt readable, as on a paper
            # ledger: it is listed because its number was used, not because it counts.
            line_cells: list[Any] = [
                Paragraph(
                    "<br/>".join(f"<strike>{escape(part)}</strike>" for part in text.split("\n")),
                    struck_right if index == 6 else struck,
                )
                for index, text in enumerate(cells)
            ]
            line_cells.append(wrap_text(texts[7], font, size, room[7], max_lines=2))
            data.append(line_cells)
            line = len(data) - 1
            extra.append(("TEXTCOLOR", (7, line), (7, line), RED))
        else:
            data.append([*cells, ""])
    standing = sum(1 for row in report.receipts if not row.voided)
    data.append([f"合计 {standing} 笔", "", "", "", "", "", yuan(report.total_amount), "不含作废"])
    extra.append(("SPAN", (0, len(data) - 1), (2, len(data) - 1)))
    return grid(data, widths, font, size, right_columns=(6,), total_row=True, extra=extra)


_REFUND_COLUMNS = (
    ("退款单号", True),
    ("时间", True),
    ("户号", True),
    ("户名", False),
    ("退款方式", False),
    ("金额（元）", True),
)


def refund_list(
    report: SettlementReport, font: str, width: float, styles: dict[str, ParagraphStyle]
) -> list[Any]:
    """The refunds of the day, their total, and the day's net cash (现金净收)."""
    rows = [
        [row.refund_no, moment_text(row.issued_at, "%H:%M"), row.account_no, row.holder_name,
         row.channel, yuan(row.amount)]
        for row in report.refunds
    ]  # fmt: skip
    total = sum((row.amount for row in report.refunds), Decimal("0.00"))
    widths, size = _sized(_REFUND_COLUMNS, [*rows, ["", "", "", "", "", yuan(total)]], font,
                          width)  # fmt: skip
    room = [w - _CELL_PAD for w in widths]
    data: list[list[Any]] = [
        [header_text(t, font, size, r) for (t, _), r in zip(_REFUND_COLUMNS, room, strict=True)]
    ]
    for texts in rows:
        data.append(
            [t if whole else _fit(t, font, size, r)
             for t, (_, whole), r in zip(texts, _REFUND_COLUMNS, room, strict=True)]
        )  # fmt: skip
    data.append([f"合计 {len(report.refunds)} 笔", "", "", "", "", yuan(total)])
    extra = [("SPAN", (0, len(data) - 1), (2, len(data) - 1))]
    net = (
        f"现金净收 = 现金实收 {yuan(report.cash_tendered)} − 找零 {yuan(report.change_given)}"
        f" − 作废现金 {yuan(report.cash_voided)} − 现金退款 {yuan(report.cash_refunded)}"
        f" = {yuan(report.net_cash)} 元"
    )
    return [
        grid(data, widths, font, size, right_columns=(5,), total_row=True, extra=extra),
        Paragraph(escape(net), styles["text"]),
    ]
