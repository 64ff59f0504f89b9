"""The daily settlement report (收费日结报表): A4 PDF to print and sign (the .xlsx to file is
`reports.settlement_xlsx`).

The report is drawn from a frozen `SettlementReport` that the caller fills (the server, from a
till's figures), so this module needs no database. A till still open gives a report marked
未日结: its expected cash is what it stands at, and cash counted and over/short are blank.

The PDF is laid out with platypus, because the receipt list runs over as many pages as the
day needs and its header row must repeat on each; the page footer ("第 n 页 共 m 页") is drawn
by a canvas that keeps every page until the total is known. Voided receipts stay in the list,
struck through and marked 作废 with the reason, and are left out of every total. Refunds (退款)
paid out at the till are listed after the receipts (`reports.settlement_lists` draws both
lists); cash refunds come out of the expected cash.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports.amounts import rmb_capitals
from reports.clock import moment_text
from reports.fonts import cjk_font
from reports.pdfpages import GREY as _GREY
from reports.pdfpages import fit_text as _fit
from reports.pdfpages import numbered_pdf
from reports.settlement_lists import LIST_SIZE as _LIST
from reports.settlement_lists import RED as _RED
from reports.settlement_lists import VOID_MARK, grid, receipt_list, refund_list, yuan

PDF = "application/pdf"
OPEN_MARK = "未日结"

_BODY = 9.0  # point size of table text
_LIST_START = 30 * mm  # a list's title, header row and a few rows


@dataclass(frozen=True)
class HandoverLine:
    """Cash handed to a head cashier during the day (交款); `at` in business time."""

    at: datetime
    to: str
    amount: Decimal
    note: str


@dataclass(frozen=True)
class ChannelLine:
    """Receipts of one channel that stand (voided ones are left out)."""

    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class ReceiptRow:
    """One receipt of the till as listed; `channel` is the Chinese label, `issued_at` business
    time."""

    receipt_no: str
    issued_at: datetime
    account_no: str
    holder_name: str
    channel: str
    reference: str
    amount: Decimal
    voided: bool = False
    void_reason: str = ""


@dataclass(frozen=True)
class RefundRow:
    """A refund the clerk paid out at the till; `channel` is the Chinese label (现金, 转账),
    `issued_at` business time. Only cash refunds leave the drawer."""

    refund_no: str
    issued_at: datetime
    account_no: str
    holder_name: str
    channel: str
    amount: Decimal
    cash: bool


@dataclass(frozen=True)
class SettlementReport:
    """Everything the 日结 report shows. Times are business time (Asia/Shanghai).

    `closed_at` None means the till is still open (未日结): `cash_counted` and `over_short`
    are then None too. `expected_cash` = float + cash tendered − change − cash voided −
    cash refunded − handed over; `over_short` = counted − expected (negative is 短款).
    `channels`, `total_count` and `total_amount` count standing receipts only.
    """

    branch_code: str
    branch_name: str
    clerk: str
    business_date: date
    opened_at: datetime
    closed_at: datetime | None
    float_amount: Decimal
    cash_tendered: Decimal
    change_given: Decimal
    cash_voided: Decimal
    handed_over: Decimal
    handovers: tuple[HandoverLine, ...]
    expected_cash: Decimal
    cash_counted: Decimal | None
    over_short: Decimal | None
    note: str
    channels: tuple[ChannelLine, ...]
    total_count: int
    total_amount: Decimal
    receipts: tuple[ReceiptRow, ...]
    generated_at: datetime
    organisation: str = "水电保障中心"
    cash_refunded: Decimal = Decimal("0.00")
    refunds: tuple[RefundRow, ...] = ()

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def net_cash(self) -> Decimal:
        """The day's cash in less cash out to customers: what the drawer gained before the
        float and the hand-overs (现金净收)."""
        return self.cash_tendered - self.change_given - self.cash_voided - self.cash_refunded

    @property
    def voided(self) -> tuple[ReceiptRow, ...]:
        return tuple(row for row in self.receipts if row.voided)

    @property
    def title(self) -> str:
        return f"{self.branch_name} 收费日结报表"


def settlement_filename(report: SettlementReport, suffix: str) -> str:
    """`日结-D-2026-11-23-wang.pdf`: what a save dialog proposes."""
    clerk = report.clerk.split(" ", 1)[0]
    # Codes and logins are letters and digits; anything else must not reach a file system.
    safe = re.sub(r"[^0-9A-Za-z_-]", "_", f"{report.branch_code}-{report.business_date}-{clerk}")
    return f"日结-{safe}.{suffix.lstrip('.')}"


def over_short_text(value: Decimal | None) -> str:
    """长款 1.50 / 短款 1.50 / 无长短款; blank while the till is open."""
    if value is None:
        return ""
    if value > 0:
        return f"长款 {value:,.2f}"
    if value < 0:
        return f"短款 {-value:,.2f}"
    return "无长短款"


def stamp(value: datetime | None) -> str:
    """The moment as the report prints it; blank for none."""
    return "" if value is None else moment_text(value)


def reconciliation(report: SettlementReport) -> list[tuple[str, Decimal | None, str]]:
    """(label, amount, remark) of the cash reconciliation, in the order it is added up; the
    refund line only on a day with refunds."""
    refunds = [
        ("减：现金退款", report.cash_refunded, f"{sum(r.cash for r in report.refunds)} 笔退款单")
    ]
    return [
        ("备用金", report.float_amount, ""),
        ("加：现金实收", report.cash_tendered, "含找零前收到的现金"),
        ("减：找零", report.change_given, ""),
        ("减：作废现金", report.cash_voided, "当日作废的现金收据"),
        *(refunds if report.refunds else []),
        ("减：交款", report.handed_over, f"{len(report.handovers)} 次"),
        ("应有现金", report.expected_cash, "截至打印时" if not report.closed else ""),
        ("清点现金", report.cash_counted, OPEN_MARK if not report.closed else ""),
    ]


def cash_formula(report: SettlementReport) -> str:
    """The reconciliation as one line, for the reader who adds it up."""
    refunds = " − 现金退款" if report.refunds else ""
    return f"备用金 + 现金实收 − 找零 − 作废现金{refunds} − 交款 = 应有现金"


# ---------------------------------------------------------------------------------------
# PDF


def render_settlement_pdf(
    report: SettlementReport, *, font_candidates: Sequence[str | Path] | None = None
) -> bytes:
    """The report as A4 portrait PDF bytes, CJK font embedded (see `reports.fonts`)."""
    font = cjk_font(font_candidates).name
    footer = f"{report.branch_name}　{report.clerk}　{report.business_date.isoformat()} 日结"
    if not report.closed:
        footer += f"（{OPEN_MARK}）"
    return numbered_pdf(
        lambda width: _story(report, font, width),
        pagesize=A4,
        font=font,
        footer=footer,
        title=report.title,
        author=report.organisation,
        subject=f"{report.clerk} {report.business_date.isoformat()}",
    )


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=_BODY, leading=_BODY * 1.3)
    return {
        "title": ParagraphStyle("title", base, fontSize=17, leading=22, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", base, fontSize=10, alignment=TA_CENTER, textColor=_GREY),
        "open": ParagraphStyle("open", base, fontSize=11, alignment=TA_CENTER, textColor=_RED),
        "section": ParagraphStyle("section", base, fontSize=11, leading=16, spaceBefore=8),
        "text": base,
        "small": ParagraphStyle("small", base, fontSize=_BODY - 0.5, textColor=_GREY),
        "struck": ParagraphStyle("struck", base, fontSize=_LIST, leading=_LIST * 1.2),
        "struck_right": ParagraphStyle(
            "struck_right", base, fontSize=_LIST, leading=_LIST * 1.2, alignment=TA_RIGHT
        ),
        "left": ParagraphStyle("left", base, alignment=TA_LEFT),
    }


def _story(report: SettlementReport, font: str, width: float) -> list[Any]:
    styles = _styles(font)
    story: list[Any] = [
        Paragraph(escape(report.title), styles["title"]),
        Paragraph(escape(report.organisation), styles["sub"]),
    ]
    if not report.closed:
        story.append(Paragraph(f"【{OPEN_MARK}】以下为截至打印时的数字", styles["open"]))
    story.append(Spacer(1, 4 * mm))
    story.append(_header(report, font, width))
    story.append(Paragraph("一、收款汇总", styles["section"]))
    story.append(_summary(report, font, width))
    # The cash reconciliation is added up as one block: never split across a page.
    story.append(
        KeepTogether(
            [Paragraph("二、现金核对", styles["section"]), *_cash(report, font, width, styles)]
        )
    )
    # A list's title is never left at the foot of a page without the first rows under it.
    story.append(CondPageBreak(_LIST_START))
    story.append(Paragraph("三、收据明细", styles["section"]))
    story.append(receipt_list(report, font, width, styles))
    if report.refunds:
        story.append(CondPageBreak(_LIST_START))
        story.append(Paragraph("四、退款明细", styles["section"]))
        story.extend(refund_list(report, font, width, styles))
    # The signatures are one block, never split from each other across a page.
    story.append(KeepTogether([Spacer(1, 14 * mm), _signatures(font, width)]))
    return story


def _header(report: SettlementReport, font: str, width: float) -> Table:
    closed = stamp(report.closed_at) if report.closed else OPEN_MARK
    rows = [
        ["分中心", f"{report.branch_code} {report.branch_name}", "收费员", report.clerk],
        ["营业日期", report.business_date.isoformat(), "打印时间", stamp(report.generated_at)],
        ["开班时间", stamp(report.opened_at), "日结时间", closed],
    ]
    label = 20 * mm
    value = width / 2 - label
    data = [
        [cell if i % 2 == 0 else _fit(cell, font, _BODY, value - 8) for i, cell in enumerate(row)]
        for row in rows
    ]
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, _BODY),
        ("TEXTCOLOR", (0, 0), (0, -1), _GREY),
        ("TEXTCOLOR", (2, 0), (2, -1), _GREY),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.black),
    ]
    if not report.closed:
        style.append(("TEXTCOLOR", (3, 2), (3, 2), _RED))
    return Table(data, colWidths=[label, value, label, value], style=TableStyle(style))


def _summary(report: SettlementReport, font: str, width: float) -> Table:
    data: list[list[Any]] = [["收款方式", "笔数", "金额（元）"]]
    for line in report.channels:
        data.append([line.label, str(line.count), yuan(line.amount)])
    voided = report.voided
    extra: list[tuple[Any, ...]] = []
    if voided:
        amount = sum((row.amount for row in voided), Decimal(0))
        data.append([f"{VOID_MARK}（不计入合计）", str(len(voided)), yuan(amount)])
        extra.append(("TEXTCOLOR", (0, len(data) - 1), (-1, len(data) - 1), _RED))
    data.append(["合计", str(report.total_count), yuan(report.total_amount)])
    data.append(["合计（大写）", f"人民币{rmb_capitals(report.total_amount)}", ""])
    last = len(data) - 1
    extra += [
        ("SPAN", (1, last), (2, last)),
        ("ALIGN", (1, last), (2, last), "LEFT"),
        ("LINEABOVE", (0, last - 1), (-1, last - 1), 0.8, colors.black),
    ]
    return grid(
        data, [width * 0.4, width * 0.2, width * 0.4], font, _BODY, right_columns=(1, 2),
        extra=extra,
    )  # fmt: skip


def _cash(
    report: SettlementReport, font: str, width: float, styles: dict[str, ParagraphStyle]
) -> list[Any]:
    data: list[list[Any]] = [["项目", "金额（元）", "说明"]]
    for label, amount, remark in reconciliation(report):
        data.append([label, yuan(amount), remark])
    data.append(["长短款", over_short_text(report.over_short), "清点现金 − 应有现金"])
    data.append(["备注", _fit(report.note, font, _BODY, width * 0.75 - 8), ""])
    expected_row = 1 + [label for label, _, _ in reconciliation(report)].index("应有现金")
    extra: list[tuple[Any, ...]] = [
        ("LINEABOVE", (0, expected_row), (-1, expected_row), 0.8, colors.black),
        ("SPAN", (1, len(data) - 1), (2, len(data) - 1)),
        ("ALIGN", (1, len(data) - 1), (1, len(data) - 1), "LEFT"),
    ]
    if report.over_short is not None and report.over_short < 0:
        extra.append(("TEXTCOLOR", (1, len(data) - 2), (1, len(data) - 2), _RED))
    if not report.closed:
        extra.append(("TEXTCOLOR", (2, expected_row + 1), (2, expected_row + 1), _RED))
    flow: list[Any] = [
        Paragraph(cash_formula(report), styles["small"]),
        Spacer(1, 1.5 * mm),
        grid(
            data,
            [width * 0.25, width * 0.25, width * 0.5],
            font,
            _BODY,
            right_columns=(1,),
            extra=extra,
        ),
    ]
    if report.handovers:
        flow.append(Spacer(1, 2 * mm))
        flow.append(Paragraph("交款明细", styles["text"]))
        rows: list[list[Any]] = [["时间", "交给", "金额（元）", "备注"]]
        widths = [width * 0.2, width * 0.25, width * 0.18, width * 0.37]
        for item in report.handovers:
            rows.append(
                [moment_text(item.at, "%H:%M"), _fit(item.to, font, _BODY, widths[1] - 8),
                 yuan(item.amount), _fit(item.note, font, _BODY, widths[3] - 8)]
            )  # fmt: skip
        rows.append(["合计", "", yuan(report.handed_over), ""])
        flow.append(grid(rows, widths, font, _BODY, right_columns=(2,), total_row=True))
    return flow


def _signatures(font: str, width: float) -> Table:
    line = "_" * 18
    data = [["收费员签字：", line, "复核人签字：", line], ["日期：", line, "日期：", line]]
    label = 24 * mm
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, 10),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
    ]
    value = width / 2 - label
    return Table(data, colWidths=[label, value, label, value], style=TableStyle(style))
