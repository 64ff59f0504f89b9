"""The account statement (账户明细 / 对账单): every document of an account in date order with
the running balance, as an A4 PDF to hand over the counter and an .xlsx to file.

Drawn from a frozen `Statement` the server fills (`server.services.collection.statements`),
so this module needs no database. The 摘要 column wraps onto a second line rather than
being cut; dates, document numbers and money are never cut: their columns are sized for
the widest figure the statement holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from reports.clock import moment_text
from reports.fonts import cjk_font
from reports.pdfpages import GREY, FitColumn, fit_columns, header_text, numbered_pdf
from reports.xlsx import (
    BOLD,
    DATE_FORMAT,
    MONEY_FORMAT,
    blank_free,
    export_sheet,
    header_cells,
    styled_cell,
    xlsx_file,
)

TITLE = "账户明细"
COLUMNS = ("日期", "单据", "摘要", "应收(借)", "实收(贷)", "余额")
# Least column widths in characters; figures widen theirs (Excel shows ### for a number
# wider than its column).
XLSX_WIDTHS = (12, 20, 44, 13, 13, 13)
OPENING = "期初余额"
# The closing row also sums the lines between: 本期 debits and credits.
CLOSING = "本期合计 / 期末余额"

_BODY = 8.0
_HEADER_FILL = colors.Color(0.92, 0.92, 0.92)
_TOTAL_FILL = colors.Color(0.96, 0.96, 0.96)
_PAD = 3.0


@dataclass(frozen=True)
class StatementLine:
    """One document: `debit` raises what the holder owes, `credit` lowers it; an
    information line (deposit held) has neither. `balance` is the running balance after
    it (credit positive)."""

    day: date
    document: str
    summary: str
    debit: Decimal | None
    credit: Decimal | None
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """What a statement shows. `start`/`end` are the dates asked (None: from the first
    document / up to today). `opening` is the running balance before `start`, `closing`
    after the last line. The position figures are the account's now: its balance, the
    deposit held, and what it owes (principal of open bills, charged late fees unpaid)."""

    account_no: str
    holder_name: str
    address: str
    billing_mode: str
    start: date | None
    end: date | None
    opening: Decimal
    lines: tuple[StatementLine, ...]
    closing: Decimal
    balance: Decimal
    deposit: Decimal
    open_principal: Decimal
    open_late_fee: Decimal
    generated_at: datetime

    @property
    def debits(self) -> Decimal:
        return sum((line.debit for line in self.lines if line.debit), Decimal("0.00"))

    @property
    def credits(self) -> Decimal:
        return sum((line.credit for line in self.lines if line.credit), Decimal("0.00"))

    @property
    def span_text(self) -> str:
        start = self.start.isoformat() if self.start else "开户"
        end = self.end.isoformat() if self.end else moment_text(self.generated_at, "%Y-%m-%d")
        return f"{start} 至 {end}"

    @property
    def position_text(self) -> str:
        """The account's standing now, as the statement's foot says it."""
        return (
            f"当前账户余额 {self.balance:,.2f} 元，未缴本金 {self.open_principal:,.2f} 元，"
            f"未缴滞纳金 {self.open_late_fee:,.2f} 元，押金 {self.deposit:,.2f} 元（另行保管）"
        )

    def as_json(self) -> dict[str, Any]:
        """Money as strings (exact), dates ISO, an empty column null."""

        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "account_no": self.account_no,
            "holder_name": self.holder_name,
            "address": self.address,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "opening": str(self.opening),
            "lines": [
                {
                    "date": line.day.isoformat(),
                    "document": line.document,
                    "summary": line.summary,
                    "debit": money(line.debit),
                    "credit": money(line.credit),
                    "balance": str(line.balance),
                }
                for line in self.lines
            ],
            "debits": str(self.debits),
            "credits": str(self.credits),
            "closing": str(self.closing),
            "balance": str(self.balance),
            "deposit": str(self.deposit),
            "open_principal": str(self.open_principal),
            "open_late_fee": str(self.open_late_fee),
        }

    def filename(self, suffix: str) -> str:
        stamp = moment_text(self.generated_at, "%Y%m%d")
        return f"{TITLE}_{self.account_no}_{stamp}.{suffix.lstrip('.')}"


def money_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def table_rows(statement: Statement) -> list[tuple[str, str, str, str, str, str]]:
    """The rows as printed, opening and closing lines included: what a preview shows."""
    first = statement.start.isoformat() if statement.start else ""
    rows = [(first, "", OPENING, "", "", money_text(statement.opening))]
    rows += [
        (line.day.isoformat(), line.document, line.summary, money_text(line.debit),
         money_text(line.credit), money_text(line.balance))
        for line in statement.lines
    ]  # fmt: skip
    rows.append(
        ("", "", CLOSING, money_text(statement.debits), money_text(statement.credits),
         money_text(statement.closing))
    )  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------
# PDF


def render_statement_pdf(statement: Statement, *, organisation: str = "水电保障中心") -> bytes:
    """The statement as A4 portrait PDF bytes, CJK font embedded (see `reports.fonts`)."""
    font = cjk_font().name
    footer = f"{organisation}　{TITLE} {statement.account_no}　生成于 " + moment_text(
        statement.generated_at
    )

    def story(width: float) -> list[Any]:
        base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12)
        centred = ParagraphStyle("c", base, alignment=TA_CENTER, textColor=GREY)
        return [
            Paragraph(TITLE, ParagraphStyle("t", base, fontSize=15, leading=20,
                                            alignment=TA_CENTER)),
            Paragraph(escape(f"{organisation}　{statement.span_text}"), centred),
            Spacer(1, 2 * mm),
            Paragraph(escape(f"户号 {statement.account_no}　户名 {statement.holder_name}　"
                             f"地址 {statement.address}"), base),
            Paragraph(escape("余额 = 实收(贷) − 应收(借) 的累计，正数为预存/结余，"
                             "负数为欠费；押金另行保管，不计入余额。"),
                      ParagraphStyle("n", base, textColor=GREY)),
            Spacer(1, 2 * mm),
            _pdf_table(statement, font, width),
            Spacer(1, 2 * mm),
            Paragraph(escape(statement.position_text), base),
        ]  # fmt: skip

    return numbered_pdf(
        story,
        pagesize=A4,
        font=font,
        footer=footer,
        title=f"{TITLE} {statement.account_no}",
        author=organisation,
        subject=statement.span_text,
    )


def _pdf_widths(
    rows: Sequence[tuple[str, ...]], font: str, width: float
) -> tuple[list[float], float]:
    """Every column but 摘要 as wide as its widest text (`fit_columns`: figures are never
    cut); 摘要 takes what is left and wraps."""
    texts = list(zip(*rows, strict=True))
    columns = [
        FitColumn(title, texts[i], whole=i != 2, grow=i == 2, floor=width * 0.2 if i == 2 else 0)
        for i, title in enumerate(COLUMNS)
    ]
    fitted = fit_columns(columns, font, _BODY, width, padding=2 * _PAD + 1)
    if fitted is None:
        raise ValueError("对账单的列在 A4 页面上放不下")
    return fitted


def _pdf_table(statement: Statement, font: str, width: float) -> Table:
    rows = table_rows(statement)
    widths, size = _pdf_widths(rows, font, width)
    wrap = ParagraphStyle("w", fontName=font, fontSize=size, leading=size * 1.25)
    data: list[list[Any]] = [
        [header_text(t, font, size, w - 2 * _PAD - 1) for t, w in zip(COLUMNS, widths, strict=True)]
    ]
    for row in rows:
        data.append([row[0], row[1], Paragraph(escape(row[2]), wrap), *row[3:]])
    last = len(data) - 1
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("LEADING", (0, 0), (-1, -1), size * 1.25),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("BACKGROUND", (0, 1), (-1, 1), _TOTAL_FILL),
        ("BACKGROUND", (0, last), (-1, last), _TOTAL_FILL),
        ("LINEABOVE", (0, last), (-1, last), 0.8, colors.black),
    ]
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style))


# ---------------------------------------------------------------------------------------
# Excel


def _xlsx_widths(statement: Statement) -> list[int]:
    """Each column but 摘要 as wide as its widest text (a Chinese character two wide)."""
    rows = table_rows(statement)
    widths = list(XLSX_WIDTHS)
    for index in (0, 1, 3, 4, 5):
        text_width = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in row[index]) for row in rows)
        widths[index] = max(widths[index], text_width + 2)
    return widths


def render_statement_xlsx(statement: Statement) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)`: title and account rows, frozen header, dates and money
    as numbers, the opening row first and the closing row last."""
    book = Workbook(write_only=True)
    title = f"{TITLE} {statement.account_no} {statement.holder_name}"
    sheet = export_sheet(
        book, TITLE, _xlsx_widths(statement), title, statement.generated_at, freeze="A5"
    )
    sheet.append([f"地址 {statement.address}　期间 {statement.span_text}"])
    sheet.append([statement.position_text])
    sheet.append(header_cells(sheet, COLUMNS))

    def money(value: Decimal | None, *, bold: bool = False) -> Any:
        if value is None:
            return None
        return styled_cell(sheet, value, number_format=MONEY_FORMAT, font=BOLD if bold else None)

    def day(value: date | None) -> Any:
        return None if value is None else styled_cell(sheet, value, number_format=DATE_FORMAT)

    sheet.append([day(statement.start), None, OPENING, None, None, money(statement.opening)])
    for line in statement.lines:
        sheet.append(
            blank_free([day(line.day), line.document, line.summary, money(line.debit),
                        money(line.credit), money(line.balance)])
        )  # fmt: skip
    sheet.append(
        [None, None, styled_cell(sheet, CLOSING, font=BOLD), money(statement.debits, bold=True),
         money(statement.credits, bold=True), money(statement.closing, bold=True)]
    )  # fmt: skip
    return xlsx_file(book, statement.filename("xlsx"))
