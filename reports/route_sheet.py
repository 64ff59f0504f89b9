"""抄表卡: printable A4 reading sheets for readers without a handheld.

One row per meter: number, kind, where it is, the last reading and its date, the range
this month's reading is expected in, and a tall empty box to write the figure in (and a
narrow one for a remark). The reader sees at once when a figure falls outside the range
and looks again before leaving the meter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from reports.clock import moment_text
from reports.fonts import cjk_font
from reports.pdfpages import (
    GREY,
    MARGIN,
    FitColumn,
    fit_columns,
    header_text,
    numbered_pdf,
    wrap_text,
)

PDF = "application/pdf"
HEADERS = ("序号", "表号", "类型", "位置", "户号 / 户名", "上次读数", "上次日期",
           "本月预计范围", "本次读数", "备注")  # fmt: skip
_BODY = 8.5
_PAD = 3.0
# The box for the handwritten reading gets at least this, and what the data leaves.
_WRITE_IN = 24 * mm
_REMARK = 14 * mm
_ROW_HEIGHT = 11 * mm  # room for a handwritten figure


@dataclass(frozen=True)
class RouteSheetLine:
    """One meter as the sheet prints it; figures are already text (`—` when unknown)."""

    meter_no: str
    kind_label: str
    place: str
    account: str
    last_value: str
    last_date: date | None
    expected: str


@dataclass(frozen=True)
class RouteSheet:
    title: str  # 抄表卡 东校区/1号楼 2026-11
    rule: str  # how the expected range was worked out, printed under the title
    lines: tuple[RouteSheetLine, ...]
    generated_at: datetime


def render_route_sheet_pdf(sheet: RouteSheet, *, organisation: str = "水电保障中心") -> bytes:
    """The sheet as A4 PDF bytes, CJK font embedded (see `reports.fonts`): portrait, or
    landscape when the numbers and ranges do not fit across a portrait page."""
    font = cjk_font().name
    rows = _rows(sheet.lines)
    side_margin = MARGIN * 0.7
    pagesize = A4
    if _sized(rows, font, A4[0] - 2 * side_margin) is None:
        pagesize = landscape(A4)
    footer = (
        f"{organisation}　{sheet.title}　生成于 {moment_text(sheet.generated_at)}"
        "　抄表人：________　日期：________"
    )
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12)

    def story(width: float) -> list[Any]:
        return [
            Paragraph(escape(sheet.title), ParagraphStyle("t", base, fontSize=15, leading=20,
                                                          alignment=TA_CENTER)),
            Paragraph(escape(f"共 {len(sheet.lines)} 块表。{sheet.rule}"),
                      ParagraphStyle("r", base, textColor=GREY)),
            Spacer(1, 3 * mm),
            _table(rows, font, width),
        ]  # fmt: skip

    return numbered_pdf(
        story,
        pagesize=pagesize,
        font=font,
        footer=footer,
        title=sheet.title,
        author=organisation,
        side_margin=side_margin,
    )


def _rows(lines: Sequence[RouteSheetLine]) -> list[tuple[str, ...]]:
    return [
        (
            str(number),
            line.meter_no,
            line.kind_label,
            line.place,
            line.account,
            line.last_value,
            line.last_date.isoformat() if line.last_date else "—",
            line.expected,
        )
        for number, line in enumerate(lines, start=1)
    ]


def _sized(
    rows: Sequence[tuple[str, ...]], font: str, width: float
) -> tuple[list[float], float] | None:
    """Columns sized from the data (`fit_columns`): numbers, readings, dates and ranges
    whole; place and holder wrap over up to three lines of the tall row; the box to write
    the reading in takes what is left, at least `_WRITE_IN` wide."""
    texts = list(zip(*rows, strict=True)) if rows else [()] * 8
    codes = [account.split(" ", 1)[0] for account in texts[4]]
    code_width = max((stringWidth(c, font, _BODY) for c in codes), default=0.0)
    columns = [
        FitColumn(HEADERS[0], texts[0], whole=True),
        FitColumn(HEADERS[1], texts[1], whole=True),
        FitColumn(HEADERS[2], texts[2], whole=True),
        FitColumn(HEADERS[3], texts[3], whole=False),
        FitColumn(HEADERS[4], texts[4], whole=False, floor=code_width + 2 * _PAD),
        *(FitColumn(HEADERS[i], texts[i], whole=True) for i in (5, 6, 7)),
        FitColumn(HEADERS[8], (), whole=False, floor=_WRITE_IN, grow=True),
        FitColumn(HEADERS[9], (), whole=False, fixed=_REMARK),
    ]
    return fit_columns(columns, font, _BODY, width, padding=2 * _PAD)


def _table(rows: Sequence[tuple[str, ...]], font: str, width: float) -> Table:
    fitted = _sized(rows, font, width)
    if fitted is None:
        raise ValueError("抄表卡的列在 A4 横向页面上也放不下")
    widths, size = fitted
    room = [w - 2 * _PAD for w in widths]
    data: list[list[str]] = [
        [header_text(h, font, size, r) for h, r in zip(HEADERS, room, strict=True)]
    ]
    for row in rows:
        code, _, name = row[4].partition(" ")
        holder = code + ("\n" + wrap_text(name, font, size, room[4], max_lines=2) if name else "")
        data.append(
            [*row[:3], wrap_text(row[3], font, size, room[3], max_lines=3), holder, *row[5:],
             "", ""]
        )  # fmt: skip
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("LEADING", (0, 0), (-1, -1), size * 1.15),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.87, 0.91, 0.94)),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (5, 1), (5, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
    ]
    heights = [None] + [_ROW_HEIGHT] * len(rows)
    return Table(data, colWidths=widths, rowHeights=heights, repeatRows=1,
                 style=TableStyle(style))  # fmt: skip


def route_sheet_filename(building: str, month: str) -> str:
    return f"抄表卡-{building.replace('/', '-')}-{month}.pdf"
