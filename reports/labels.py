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
from reportlab.pdfbase import pdfmetrics

from reports.drawing import MIN_BAR_WIDTH, Pen, pdf_canvas
from reports.fonts import cjk_font
from reports.pdfpages import wrap_text

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
    font = cjk_font().name
    canvas = pdf_canvas(buffer, page, font)
    canvas.setTitle(title)
    pen = Pen(canvas, font)
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


# The smallest type on a label: 5 pt is about 1.8 mm, still read at arm's length.
_MIN_SIZE = 5.0
# A Code128 lower than this is hard to scan at an angle (a small label gets a third of it).
_MIN_BAR_MM = 6.0


def _line_box(pen: Pen, size: float) -> tuple[float, float]:
    """(below, above) the baseline: the font's descent and ascent at `size`."""
    ascent, descent = pdfmetrics.getAscentDescent(pen.font, size)
    return -descent, ascent


def _sizes(start: float) -> list[float]:
    sizes = [start]
    while sizes[-1] - 0.5 >= _MIN_SIZE:
        sizes.append(sizes[-1] - 0.5)
    return sizes


def _top_lines(
    pen: Pen, label: LabelData, small: float, inner: float
) -> list[tuple[float, list[tuple[str, str]]]]:
    """The head and place lines to try, best first, as (size, [(left, right) per line]):
    head and place on one line a little smaller; the place on one or two lines of its own
    under the head; one line in the smallest type; then the same without the owner's
    title; last the place shortened (free text)."""
    place = place_line(label)
    heads = [f"{label.title} {label.kind_label}"] if label.title else []
    heads.append(label.kind_label)
    tries: list[tuple[float, list[tuple[str, str]]]] = []
    # Smaller than this, two lines read better than one.
    floor = small - 1.5
    for head in heads:
        one_line = [
            s for s in _sizes(small)
            if pen.width(head, s) + (s if place else 0) + pen.width(place, s) <= inner
        ]  # fmt: skip
        if one_line and one_line[0] >= floor:
            tries.append((one_line[0], [(head, place)]))
        for size in _sizes(small):
            lines = wrap_text(place, pen.font, size, inner).split("\n") if place else []
            if pen.width(head, size) <= inner and len(lines) <= 2:
                tries.append((size, [(head, "")] + [("", line) for line in lines]))
                break
        if one_line and one_line[0] < floor:
            tries.append((one_line[0], [(head, place)]))
    lines = wrap_text(place, pen.font, _MIN_SIZE, inner, max_lines=2).split("\n")
    tries.append((_MIN_SIZE, [(label.kind_label, "")] + [("", line) for line in lines]))
    return tries


def _draw_label(
    pen: Pen, label: LabelData, x: float, y: float, w: float, h: float, *, outline: bool
) -> None:
    canvas = pen.canvas
    if outline:
        # A hairline to cut along on plain paper; pre-cut labels hide it in the gap.
        canvas.setStrokeColor(colors.Color(0.8, 0.8, 0.8))
        canvas.setLineWidth(0.3)
        canvas.rect(x, y, w, h)
    pad = min(2 * mm, w * 0.05, h * 0.06)
    inner = w - 2 * pad
    small = max(_MIN_SIZE, min(8.0, h / mm * 0.26))
    big = max(7.0, min(11.0, h / mm * 0.34))
    gap = 1.0  # points between lines

    # The meter number is never cut: it shrinks to fit the width.
    number_size = next((s for s in _sizes(big) if pen.width(label.meter_no, s) <= inner), None)
    if number_size is None:
        raise ValueError(f"表号 {label.meter_no} 太长，{w / mm:g} mm 宽的标签放不下")
    room_size = next((s for s in _sizes(small) if pen.width(label.room, s) <= inner), _MIN_SIZE)
    rooms = wrap_text(label.room, pen.font, room_size, inner, max_lines=2).split("\n")
    # From the bottom edge up: the room's lines, then the number.
    under: list[tuple[float, str, float]] = []  # drawn after the top lines, in reading order
    bottom = y + pad
    for line in reversed(rooms if label.room else []):
        below, above = _line_box(pen, room_size)
        under.insert(0, (bottom + below, line, room_size))
        bottom += below + above + gap
    below, above = _line_box(pen, number_size)
    under.insert(0, (bottom + below, label.meter_no, number_size))
    bar_bottom = bottom + below + above + 1.5

    def bar_top(size: float, lines: list[tuple[str, str]]) -> float:
        below, above = _line_box(pen, size)
        return y + h - pad - len(lines) * (below + above) - (len(lines) - 1) * gap - 1.5

    min_bar = min(_MIN_BAR_MM * mm, h / 3)
    tries = _top_lines(pen, label, small, inner)
    size, lines = next((t for t in tries if bar_top(*t) - bar_bottom >= min_bar), tries[-1])
    below, above = _line_box(pen, size)
    baseline = y + h - pad - above
    for left, right in lines:
        if left:
            pen.text(x + pad, baseline, left, size)
        if right:
            pen.text(x + w - pad, baseline, right, size, align="right")
        baseline -= below + above + gap
    for baseline, text, text_size in under:
        pen.text(x + w / 2, baseline, text, text_size, align="centre")
    bar_height = bar_top(size, lines) - bar_bottom
    probe = Code128(label.meter_no, barWidth=1, barHeight=bar_height)
    bar_width = max(MIN_BAR_WIDTH, min(_MAX_BAR_WIDTH, inner / probe.width))
    code = Code128(label.meter_no, barWidth=bar_width, barHeight=bar_height)
    # Centred with its quiet zones, which must stay white for scanning.
    code.drawOn(canvas, x + (w - code.width) / 2, bar_bottom)
