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
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from reports.clock import moment_text
from reports.fonts import cjk_font
from reports.pdfpages import GREY, MARGIN, fit_text, numbered_pdf

PDF = "application/pdf"
HEADERS = ("序号", "表号", "类型", "位置", "户号 / 户名", "上次读数", "上次日期",
           "本月预计范围", "本次读数", "备注")  # fmt: skip
# Shares of the page width; the write-in box gets the most room.
_SHARES = (4, 10, 5, 15, 14, 10, 12, 14, 16, 6)
_BODY = 8.5
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
    """The sheet as A4 portrait PDF bytes, CJK font embedded (see `reports.fonts`)."""
    font = cjk_font().name
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
            _table(sheet.lines, font, width),
        ]  # fmt: skip

    return numbered_pdf(
        story,
        pagesize=A4,
        font=font,
        footer=footer,
        title=sheet.title,
        author=organisation,
        side_margin=MARGIN * 0.7,
    )


def _table(lines: Sequence[RouteSheetLine], font: str, width: float) -> Table:
    widths = [width * s / sum(_SHARES) for s in _SHARES]
    room = [w - 6 for w in widths]
    data: list[list[str]] = [list(HEADERS)]
    for number, line in enumerate(lines, start=1):
        cells = (
            str(number),
            line.meter_no,
            line.kind_label,
            line.place,
            line.account,
            line.last_value,
            line.last_date.isoformat() if line.last_date else "—",
            line.expected,
            "",
            "",
        )
        data.append([fit_text(c, font, _BODY, r) for c, r in zip(cells, room, strict=True)])
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, _BODY),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.87, 0.91, 0.94)),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (5, 1), (5, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    heights = [None] + [_ROW_HEIGHT] * len(lines)
    return Table(data, colWidths=widths, rowHeights=heights, repeatRows=1,
                 style=TableStyle(style))  # fmt: skip


def route_sheet_filename(building: str, month: str) -> str:
    return f"抄表卡-{building.replace('/', '-')}-{month}.pdf"
