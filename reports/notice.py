"""The payment notice (水电费缴款通知单) as a PDF: one A5 page per account, from snapshots.

A building's notices are printed in one go and handed out door by door, so a document holds
many notices, one per page, in the order given (the caller sorts them by room). Each page
shows the account, the meters with their two readings, the bill's lines, the total in
figures and in Chinese capitals, the due date, what earlier periods still owe, how to pay,
the account number as a Code128 barcode that the counter's scanner reads, and, when the
companion service has an address, a QR code a phone scans to open the account's pay page.

Drawn with the canvas directly, as the receipt is (with the same `reports.drawing.Pen`): a page
takes about a millisecond, so a building of 300 accounts renders in well under a second.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm

from reports.amounts import rmb_capitals
from reports.drawing import Pen, pdf_canvas
from reports.fonts import cjk_font
from reports.pdfpages import GREY
from reports.receipt import format_yuan

NOTICE_TITLE = "水电费缴款通知单"
_HEADER_FILL = colors.Color(0.92, 0.92, 0.92)
_RED = colors.Color(0.78, 0.08, 0.08)

# Called after each page with (pages done, pages in all); raise to stop rendering.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class NoticeMeter:
    meter_no: str
    kind_label: str  # 电表 / 水表
    prev: Decimal
    curr: Decimal
    multiplier: Decimal
    usage: Decimal
    estimated: bool = False  # the current reading is an estimate (估抄)


@dataclass(frozen=True)
class NoticeLine:
    item: str  # 电费, 水费, 污水处理费
    usage: Decimal
    amount: Decimal


@dataclass(frozen=True)
class NoticeData:
    """One account's notice for one period, as the bill was issued.

    `arrears` is the principal still owed on earlier periods' bills (0: none);
    `pay_at` the counter branches where one may pay in person; `pay_url` the account's
    online pay page, printed as a QR code ("": none, the service has no address).
    """

    period: str
    account_no: str
    holder_name: str
    address: str
    meters: tuple[NoticeMeter, ...]
    lines: tuple[NoticeLine, ...]
    total: Decimal
    due_date: date
    arrears: Decimal = Decimal("0.00")
    arrears_periods: tuple[str, ...] = ()
    pay_at: tuple[str, ...] = ()
    organisation: str = "水电保障中心"
    pay_url: str = ""

    @property
    def amount_due(self) -> Decimal:
        return self.total + self.arrears


def notice_filename(period: str, scope: str) -> str:
    """缴款通知单-2026-10-东校区-1号楼.pdf; `scope` is a building or an account number."""
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "-", scope).strip("-") or "全部"
    return f"缴款通知单-{period}-{safe}.pdf"


def render_notices(
    notices: Sequence[NoticeData],
    scope: str,
    *,
    progress: Progress | None = None,
    font_candidates: Sequence[str | Path] | None = None,
) -> tuple[str, str, bytes]:
    """All `notices`, one per page, as ``(filename, "application/pdf", pdf_bytes)``.

    Raises ValueError when there is nothing to print or a notice's lines do not add up to
    its total: a notice asking for a wrong amount must never reach a door.
    """
    if not notices:
        raise ValueError("没有可打印的缴款通知单")
    for notice in notices:
        lines_total = sum((line.amount for line in notice.lines), Decimal(0))
        if notice.lines and lines_total != notice.total:
            raise ValueError(
                f"户号 {notice.account_no} 的 {notice.period} 通知单明细合计 {lines_total} "
                f"与应缴 {notice.total} 不符"
            )
    font = cjk_font(font_candidates).name
    buffer = io.BytesIO()
    canvas = pdf_canvas(buffer, A5, font)
    first = notices[0]
    canvas.setTitle(f"{NOTICE_TITLE} {first.period} {scope}")
    canvas.setAuthor(first.organisation)
    pen = Pen(canvas, font)
    # What a building's notices share (the due date, the branches, whether a QR code takes
    # the pay section's right side) goes into the form too.
    forms: dict[tuple[str, date, tuple[str, ...], bool], str] = {}
    for notice in notices:
        key = _frame_key(notice)
        if key not in forms:
            forms[key] = f"notice_frame_{len(forms)}"
            canvas.beginForm(forms[key])
            _draw_frame(pen, *key)
            canvas.endForm()
    for index, notice in enumerate(notices, 1):
        canvas.doForm(forms[_frame_key(notice)])
        _draw_notice(pen, notice)
        canvas.showPage()
        if progress is not None:
            progress(index, len(notices))
    canvas.save()
    return notice_filename(first.period, scope), "application/pdf", buffer.getvalue()


def _frame_key(notice: NoticeData) -> tuple[str, date, tuple[str, ...], bool]:
    return (notice.organisation, notice.due_date, notice.pay_at, bool(notice.pay_url))


def quantity(value: Decimal) -> str:
    """1300 or 112.5, not 1300.000 (readings are stored with three decimals)."""
    return format(value.normalize(), "f")


# A fixed form, like the printed notice books: every field and ruled table has its place,
# so what all pages share (title, captions, table rules and headers, footer) is drawn once
# as a PDF form and stamped on each page; a page then draws only its own values.
_W, _H = A5
_LEFT, _RIGHT = 12 * mm, _W - 12 * mm
_CONTENT = _RIGHT - _LEFT
_ROW = 15.0
_METER_ROWS, _LINE_ROWS = 6, 5
_Y_INFO = _H - 40 * mm
_Y_ADDRESS = _Y_INFO - 24
_METERS_TOP = _Y_ADDRESS - 13 - 22
_METERS_BOTTOM = _METERS_TOP - (_METER_ROWS + 1) * _ROW
_LINES_TOP = _METERS_BOTTOM - 22
_LINES_BOTTOM = _LINES_TOP - (_LINE_ROWS + 1) * _ROW
_Y_TOTAL = _LINES_BOTTOM - 16
_Y_DUE = _Y_TOTAL - 77
_Y_PAY = _Y_DUE - 18
_METER_WIDTHS = (_CONTENT * 0.30, _CONTENT * 0.12, _CONTENT * 0.18, _CONTENT * 0.18,
                 _CONTENT * 0.22)  # fmt: skip
_LINE_WIDTHS = (_CONTENT * 0.45, _CONTENT * 0.25, _CONTENT * 0.30)
_CELL_SIZE = 9.0
# The pay page's QR code: bottom right, beside the ways to pay, above the footer; 22 mm
# with its quiet zone scans from a phone held at reading distance.
_QR_SIZE = 22 * mm
_QR_Y = 13 * mm


def _grid_frame(
    pen: Pen, top: float, widths: Sequence[float], header: Sequence[str], rows: int
) -> None:
    """The ruled table with its header row filled in."""
    canvas = pen.canvas
    right = _LEFT + sum(widths)
    bottom = top - (rows + 1) * _ROW
    canvas.setFillColor(_HEADER_FILL)
    canvas.rect(_LEFT, top - _ROW, right - _LEFT, _ROW, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    _cells(pen, top, widths, [header])
    canvas.setLineWidth(0.6)
    canvas.rect(_LEFT, bottom, right - _LEFT, top - bottom, stroke=1, fill=0)
    canvas.setLineWidth(0.3)
    for index in range(1, rows + 1):
        canvas.line(_LEFT, top - index * _ROW, right, top - index * _ROW)
    x = _LEFT
    for width in widths[:-1]:
        x += width
        canvas.line(x, top, x, bottom)


def _cells(
    pen: Pen,
    top: float,
    widths: Sequence[float],
    rows: Sequence[Sequence[str]],
    *,
    first_whole: bool = False,
) -> None:
    """Rows of a table from its top edge: the first column left-aligned (a meter number is
    `first_whole`, an item's name free text), the others right-aligned figures, never cut."""
    text_dy = (_ROW - _CELL_SIZE) / 2 + _CELL_SIZE * 0.18
    pad = 3
    for row_index, row in enumerate(rows):
        y = top - (row_index + 1) * _ROW + text_dy
        x = _LEFT
        for column, (value, width) in enumerate(zip(row, widths, strict=True)):
            if not value:
                pass
            elif column == 0:
                pen.text(x + pad, y, value, _CELL_SIZE, max_width=width - 2 * pad,
                         whole=first_whole and value.isascii())  # fmt: skip
            else:
                pen.text(x + width - pad, y, value, _CELL_SIZE, align="right",
                         max_width=width - 2 * pad, whole=True)  # fmt: skip
            x += width


def _label(pen: Pen, x: float, y: float, label: str, size: float) -> float:
    """A grey 'label：' of a field; returns where its value starts."""
    text = f"{label}："
    pen.text(x, y, text, size, colour=GREY)
    return x + pen.width(text, size)


def _draw_frame(
    pen: Pen, organisation: str, due: date, pay_at: tuple[str, ...], with_qr: bool
) -> None:
    canvas = pen.canvas
    pen.text(_W / 2, _H - 14 * mm, organisation, 12, align="centre", max_width=_CONTENT * 0.6)
    y = _H - 24 * mm
    pen.text(_W / 2, y, NOTICE_TITLE, 19, align="centre")
    half = pen.width(NOTICE_TITLE, 19) / 2 + 6
    canvas.setLineWidth(0.8)
    canvas.line(_W / 2 - half, y - 5, _W / 2 + half, y - 5)
    canvas.setLineWidth(0.4)
    canvas.line(_W / 2 - half, y - 7.5, _W / 2 + half, y - 7.5)
    for label, dy in (("账期", 20), ("户号", 6), ("户名", -8)):
        _label(pen, _LEFT, _Y_INFO + dy, label, 10)
    _label(pen, _LEFT, _Y_ADDRESS, "地址", 10)
    pen.text(_LEFT, _METERS_TOP + 4, "抄表读数", 9.5, colour=GREY)
    _grid_frame(pen, _METERS_TOP, _METER_WIDTHS, ["表号", "类别", "上期读数", "本期读数", "用量"],
                _METER_ROWS)  # fmt: skip
    pen.text(_LEFT, _LINES_TOP + 4, "费用明细", 9.5, colour=GREY)
    _grid_frame(pen, _LINES_TOP, _LINE_WIDTHS, ["项目", "用量", "金额（元）"], _LINE_ROWS)
    _label(pen, _LEFT, _Y_TOTAL, "本期应缴", 11)
    _label(pen, _LEFT, _Y_TOTAL - 15, "大写", 10.5)
    pen.text(_LEFT, _Y_PAY, "缴费方式", 9.5, colour=GREY)
    # The ways to pay keep clear of the QR code on their right.
    ways = _CONTENT - _QR_SIZE - 4 if with_qr else _CONTENT
    if with_qr:
        online = "微信：扫描右侧二维码，或关注本中心公众号绑定户号后在线缴费。"
        pen.text(_RIGHT - _QR_SIZE / 2, _QR_Y + _QR_SIZE, "扫码缴费", 8, align="centre",
                 colour=GREY)  # fmt: skip
    else:
        online = "微信：关注本中心微信公众号，绑定户号后在线缴费。"
    pen.lines(_LEFT, _Y_PAY - 37, online, 9, ways, 12)
    pay_by = f"请于 {due.year} 年 {due.month} 月 {due.day} 日前缴清，逾期将按规定收取滞纳金。"
    pen.text(_LEFT, _Y_DUE, pay_by, 10, colour=_RED, max_width=_CONTENT)
    if pay_at:
        pen.wrapped_field(
            _LEFT, _Y_PAY - 13, "柜台", f"{'、'.join(pay_at)}（现金、支票、转账）", 9,
            ways, leading=12,
        )  # fmt: skip
    pen.text(_LEFT, 10 * mm, "持本通知单到柜台缴费可扫描条码；如已缴费，请忽略本通知。", 8,
             colour=GREY, max_width=_CONTENT)  # fmt: skip


def _meter_rows(meters: Sequence[NoticeMeter], capacity: int) -> list[list[str]]:
    """Each meter's figures; past the space, the rest as one line (a unit may have dozens)."""

    def row(m: NoticeMeter) -> list[str]:
        usage = quantity(m.usage)
        if m.multiplier != 1:
            usage = f"{usage}（×{quantity(m.multiplier)}）"
        curr = f"{quantity(m.curr)} 估" if m.estimated else quantity(m.curr)
        return [m.meter_no, m.kind_label, quantity(m.prev), curr, usage]

    if len(meters) <= capacity:
        return [row(m) for m in meters]
    shown = [row(m) for m in meters[: capacity - 1]]
    rest = meters[capacity - 1 :]
    usage = sum((m.usage for m in rest), Decimal(0))
    return [*shown, [f"其余 {len(rest)} 块表", "", "", "", quantity(usage)]]


def _line_rows(lines: Sequence[NoticeLine], capacity: int) -> list[list[str]]:
    rows = [[x.item, quantity(x.usage), f"{x.amount:,.2f}"] for x in lines]
    if len(rows) <= capacity:
        return rows
    rest = lines[capacity - 1 :]
    amount = sum((x.amount for x in rest), Decimal(0))
    return [*rows[: capacity - 1], [f"其余 {len(rest)} 项", "", f"{amount:,.2f}"]]


def _draw_notice(pen: Pen, data: NoticeData) -> None:
    pen.barcode(_RIGHT, _Y_INFO - 4, data.account_no, 10 * mm, _CONTENT * 0.42)
    if data.pay_url:
        pen.qr(_RIGHT - _QR_SIZE, _QR_Y, data.pay_url, _QR_SIZE)
    info = _CONTENT * 0.55
    x = _LEFT + pen.width("账期：", 10)
    # The holder's name is free text; the period and the account number print whole.
    fields = ((data.period, 20, True), (data.account_no, 6, True), (data.holder_name, -8, False))
    for value, dy, whole in fields:
        pen.text(x, _Y_INFO + dy, value, 10, max_width=info - (x - _LEFT), whole=whole)
    _address(pen, data.address)
    _cells(pen, _METERS_TOP - _ROW, _METER_WIDTHS, _meter_rows(data.meters, _METER_ROWS),
           first_whole=True)  # fmt: skip
    _cells(pen, _LINES_TOP - _ROW, _LINE_WIDTHS, _line_rows(data.lines, _LINE_ROWS))

    x = _LEFT + pen.width("本期应缴：", 11)
    pen.text(x, _Y_TOTAL, format_yuan(data.total), 11, max_width=_RIGHT - x, whole=True)
    x = _LEFT + pen.width("大写：", 10.5)
    pen.text(x, _Y_TOTAL - 15, f"人民币{rmb_capitals(data.total)}", 10.5,
             max_width=_CONTENT - (x - _LEFT), whole=True)  # fmt: skip
    if data.arrears > 0:
        y = _Y_TOTAL - 30
        arrears = format_yuan(data.arrears)
        label = arrears_label(
            data.arrears_periods, lambda text: pen.width(f"{text}：{arrears}", 10) <= _CONTENT
        )
        pen.field(_LEFT, y, label, arrears, 10, _CONTENT, whole=True)
        pen.field(_LEFT, y - 15, "合计应缴", format_yuan(data.amount_due), 11, _CONTENT,
                  whole=True)  # fmt: skip
        pen.field(_LEFT, y - 30, "大写", f"人民币{rmb_capitals(data.amount_due)}", 10.5, _CONTENT,
                  whole=True)  # fmt: skip


def arrears_label(periods: Sequence[str], fits: Callable[[str], bool]) -> str:
    """往期欠费（2026-08、2026-09） when the months fit on the line beside the amount, else
    summed up as 往期欠费（2026-01 至 2026-07，共 7 个月）: the amount must stay whole."""
    if not periods:
        return "往期欠费"
    listed = f"往期欠费（{'、'.join(periods)}）"
    if fits(listed):
        return listed
    ordered = sorted(periods)
    return f"往期欠费（{ordered[0]} 至 {ordered[-1]}，共 {len(ordered)} 个月）"


def _address(pen: Pen, address: str) -> None:
    """Up to two lines under the label; what does not fit is set smaller or cut."""
    x = _LEFT + pen.width("地址：", 10)
    pen.lines(x, _Y_ADDRESS, address, 10, _RIGHT - x, 13)
