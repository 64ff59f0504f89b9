"""Meter barcode labels (条码标签) as a PDF: one label a page for roll printers, or sheets.

Each label carries the meter number as Code128 (reportlab's own barcode, as the receipt
uses) with the number in text under it, the kind, and campus / building / room, so a meter
reader finds the meter and the counter scans it. Sizes are in millimetres:

- roll (`sheet=None`): the page is the label (default 50 × 30 mm), as thermal label
  printers driven through their Windows driver expect;
- ``"a4"``: A4 sheets of `columns` × `rows` labels of the given size (by default as many
  as fit inside 8 mm margins), for office printers and pre-cut label paper.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from reports.drawing import MIN_BAR_WIDTH, Pen
from reports.fonts import cjk_font

PDF = "application/pdf"
DEFAULT_SIZE_MM = (50.0, 30.0)
SHEET_MARGIN_MM = 8.0
# Wider than the receipt's bars: a label has room, and a scanner reads it at arm's length
# off a meter box. Wider than 0.5 mm only wastes room.
_MAX_BAR_WIDTH = 1.4


@dataclass(frozen=True)
class LabelData:
    """What one meter's label shows."""

    meter_no: str
    kind_label: str  # 电表 / 水表
    campus: str = ""
    building: str = ""
    room: str = ""
    title: str = ""  # the owner's line, e.g. 水电保障中心; empty: not printed


@dataclass(frozen=True)
class SheetLayout:
    """Where labels go: a roll (one a page) or a sheet of columns × rows."""

    width_mm: float = DEFAULT_SIZE_MM[0]
    height_mm: float = DEFAULT_SIZE_MM[1]
    sheet: str | None = None  # None: roll; "a4"
    columns: int | None = None
    rows: int | None = None

    def grid(self) -> tuple[int, int]:
        """Columns and rows per page (1 × 1 on a roll)."""
        if self.sheet is None:
            return 1, 1
        page_w, page_h = (d / mm for d in A4)
        fit_c = int((page_w - 2 * SHEET_MARGIN_MM) // self.width_mm)
        fit_r = int((page_h - 2 * SHEET_MARGIN_MM) // self.height_mm)
        columns, rows = self.columns or fit_c, self.rows or fit_r
        if columns < 1 or rows < 1 or columns > fit_c or rows > fit_r:
            raise ValueError(
                f"A4 纸上放不下 {columns} × {rows} 张 {self.width_mm:g} × {self.height_mm:g} mm"
                f" 的标签（最多 {fit_c} × {fit_r}）"
            )
        return columns, rows


def parse_size(text: str) -> tuple[float, float]:
    """'50x30' (mm) → (50.0, 30.0); also '50×30' and '50*30'."""
    for sep in ("x", "X", "×", "*"):
        if sep in text:
            w, _, h = text.partition(sep)
            try:
                width, height = float(w), float(h)
            except ValueError:
                break
            if 15 <= width <= 200 and 10 <= height <= 200:
                return width, height
            raise ValueError(f"标签尺寸 {text} 超出范围（宽 15–200 mm，高 10–200 mm）")
    raise ValueError(f"标签尺寸应写成 宽x高（毫米），如 50x30，收到 {text!r}")


def place_line(label: LabelData) -> str:
    return " ".join(p for p in (label.campus, label.building) if p)


def render_labels(
    labels: Sequence[LabelData], layout: SheetLayout = SheetLayout(), *, title: str = "表计标签"
) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)` of the labels laid out by `layout`."""
    if not labels:
        raise ValueError("没有要打印的标签")
    width, height = layout.width_mm * mm, layout.height_mm * mm
    columns, rows = layout.grid()
    page = (width, height) if layout.sheet is None else A4
    buffer = io.BytesIO()
    # invariant: the same labels give the same bytes (golden files, reprints).
    canvas = Canvas(buffer, pagesize=page, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    pen = Pen(canvas, cjk_font().name)
    per_page = columns * rows
    # The grid is centred on the sheet, so pre-cut paper with even margins lines up.
    left = (page[0] - columns * width) / 2
    top = page[1] - (page[1] - rows * height) / 2
    for index, label in enumerate(labels):
        if index and index % per_page == 0:
            canvas.showPage()
        slot = index % per_page
        x = left + (slot % columns) * width
        y = top - (slot // columns + 1) * height
        _draw_label(pen, label, x, y, width, height, outline=layout.sheet is not None)
    canvas.showPage()
    canvas.save()
    return f"{title}.pdf", PDF, buffer.getvalue()


def _draw_label(
    pen: Pen, label: LabelData, x: float, y: float, w: float, h: float, *, outline: bool
) -> None:
    canvas = pen.canvas
    if outline:
        # A hairline to cut along on plain paper; pre-cut labels hide it in the gap.
        canvas.setStrokeColor(colors.Color(0.8, 0.8, 0.8))
        canvas.setLineWidth(0.3)
        canvas.rect(x, y, w, h)
    pad = min(2 * mm, w * 0.05)
    inner = w - 2 * pad
    small = max(5.5, min(8.0, h / mm * 0.26))
    big = max(7.0, min(11.0, h / mm * 0.34))
    line_top = y + h - pad - small
    head = f"{label.title} {label.kind_label}".strip()
    pen.text(x + pad, line_top, head, small, max_width=inner * 0.45)
    pen.text(x + w - pad, line_top, place_line(label), small, align="right", max_width=inner * 0.55)
    room_y = y + pad + 0.5
    if label.room:
        pen.text(x + w / 2, room_y, label.room, small, align="centre", max_width=inner)
    number_y = room_y + (small + 1.5 if label.room else 0)
    pen.text(x + w / 2, number_y, label.meter_no, big, align="centre", max_width=inner)
    bar_bottom = number_y + big + 0.5
    bar_height = line_top - 1.5 - bar_bottom
    probe = Code128(label.meter_no, barWidth=1, barHeight=bar_height)
    bar_width = max(MIN_BAR_WIDTH, min(_MAX_BAR_WIDTH, inner / probe.width))
    code = Code128(label.meter_no, barWidth=bar_width, barHeight=bar_height)
    # Centred with its quiet zones, which must stay white for scanning.
    code.drawOn(canvas, x + (w - code.width) / 2, bar_bottom)
