"""Drawing fixed-layout documents on a reportlab canvas: the receipt, the payment notice and
the meter labels all place each field at a known spot with `Pen`.

`Pen` holds the canvas and the one CJK font (see `reports.fonts`) and follows the layout rule
of `reports.pdfpages`: text shrinks to fit the box it is given, and only free text (names and
addresses have no length limit) is, as a last resort, cut with an ellipsis; a `whole` value (a
figure, a number, a date) shrinks further but is never cut. A field's label is fitted to what
its value leaves. Its Code128 barcode keeps bars wide enough to scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Literal

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.pdfpages import GREY, wrap_text

# Code128 bars narrower than about 0.2 mm are not read reliably by counter scanners; wider
# than 1 point only takes room from the fields beside the barcode.
MIN_BAR_WIDTH = 0.6
MAX_BAR_WIDTH = 1.0
# A figure is set this small before it would ever be cut.
WHOLE_MIN_SIZE = 4.5


def pdf_canvas(target: IO[bytes], pagesize: tuple[float, float], font: str) -> Canvas:
    """A canvas for a fixed-layout document: compressed, and `invariant` (no creation time
    or random file id: the same document gives the same bytes, for golden files and
    reprints). Its initial font is the CJK `font`, not reportlab's Helvetica, which the PDF
    would otherwise name without embedding or drawing in it (PDF/A checkers object)."""
    # types-reportlab declares initialFontName a float; reportlab takes the font's name.
    return Canvas(
        target,
        pagesize=pagesize,
        pageCompression=1,
        invariant=1,
        initialFontName=font,  # type: ignore[arg-type]
    )


class Pen:
    """The canvas with the one CJK font, and text that shrinks or is cut to fit its box."""

    def __init__(self, canvas: Canvas, font: str):
        self.canvas = canvas
        self.font = font

    def width(self, text: str, size: float) -> float:
        return stringWidth(text, self.font, size)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        max_width: float | None = None,
        align: Literal["left", "right", "centre"] = "left",
        colour: colors.Color = colors.black,
        min_size: float = 6.5,
        whole: bool = False,
    ) -> float:
        """Draws `text`; returns the size it was set in.

        Addresses and item names have no length limit; a long one is set smaller, and only
        when even the smallest legible size will not do is it cut with an ellipsis. A
        `whole` one (money, a number, a date) is set smaller still, and never cut.
        """
        if max_width is not None:
            floor = min(min_size, WHOLE_MIN_SIZE) if whole else min_size
            while size > floor and self.width(text, size) > max_width:
                size -= 0.5
            if not whole and self.width(text, size) > max_width:
                while text and self.width(text + "…", size) > max_width:
                    text = text[:-1]
                text += "…"
        canvas = self.canvas
        canvas.setFillColor(colour)
        canvas.setFont(self.font, size)
        if align == "right":
            canvas.drawRightString(x, y, text)
        elif align == "centre":
            canvas.drawCentredString(x, y, text)
        else:
            canvas.drawString(x, y, text)
        canvas.setFillColor(colors.black)
        return size

    def ruled_title(self, x: float, y: float, title: str, size: float) -> None:
        """A document's title centred on `x`, with the double rule under it that printed
        receipt books have."""
        self.text(x, y, title, size, align="centre")
        half = self.width(title, size) / 2 + 6
        self.canvas.setLineWidth(0.8)
        self.canvas.line(x - half, y - 5, x + half, y - 5)
        self.canvas.setLineWidth(0.4)
        self.canvas.line(x - half, y - 7.5, x + half, y - 7.5)

    def field(
        self,
        x: float,
        y: float,
        label: str,
        value: str,
        size: float,
        max_width: float,
        *,
        whole: bool = False,
    ) -> None:
        """A 'label：value' pair, the label grey so the eye finds the values.

        The pair stays within `max_width`. A `whole` value (money, a number, a date) is
        measured first and the label fitted to what is left, so a long label can never push
        the amount off the page; a free value takes what the label leaves.
        """
        label_text = f"{label}："
        room = max_width
        if whole:
            room = max(max_width - self.width(value, size), max_width / 3)
        label_size = self.text(x, y, label_text, size, colour=GREY, max_width=room)
        offset = min(self.width(label_text, label_size), room)
        self.text(x + offset, y, value, size, max_width=max_width - offset, whole=whole)

    def field_lines(
        self,
        left: float,
        right: float,
        y: float,
        fields: Sequence[tuple[str, str, bool]],
        size: float,
        leading: float,
    ) -> float:
        """(label, value, whole) fields side by side, a field that does not fit beside the
        last starting a line of its own (a cheque's bank and number print whole); returns
        the baseline of the last line."""
        x = left
        for label, value, whole in fields:
            needed = self.width(f"{label}：{value}", size)
            if x > left and x + needed > right:
                x, y = left, y - leading
            self.field(x, y, label, value, size, right - x, whole=whole)
            x += needed + 14
        return y

    def wrapped_field(
        self,
        x: float,
        y: float,
        label: str,
        value: str,
        size: float,
        max_width: float,
        leading: float,
        max_lines: int = 2,
    ) -> float:
        """Like `field`, but the value wraps onto up to `max_lines` lines under itself
        (`lines`), for addresses, which must be readable in full to find the door. Returns
        the baseline of the last line drawn."""
        label_text = f"{label}："
        self.text(x, y, label_text, size, colour=GREY)
        offset = self.width(label_text, size)
        room = max_width - offset
        return self.lines(x + offset, y, value, size, room, leading, max_lines)

    def lines(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        max_width: float,
        leading: float,
        max_lines: int = 2,
    ) -> float:
        """`text` over up to `max_lines` lines, broken by `reports.pdfpages.wrap_text`
        (between Chinese characters, never inside a number: 1702室 stays on one line); what
        does not fit on the last line is set smaller or cut by `text`. Returns the baseline
        of the last line drawn."""
        lines = wrap_text(text, self.font, size, max_width).split("\n")
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], "".join(lines[max_lines - 1 :])]
        for index, line in enumerate(lines):
            self.text(x, y - index * leading, line, size, max_width=max_width)
        return y - (len(lines) - 1) * leading

    def barcode(
        self, x_right: float, y: float, value: str, height: float, max_width: float
    ) -> None:
        """A Code128 of `value` ending at `x_right`, with the value printed under it."""
        probe = Code128(value, barWidth=1, barHeight=height)
        bar_width = max(MIN_BAR_WIDTH, min(MAX_BAR_WIDTH, max_width / probe.width))
        code = Code128(value, barWidth=bar_width, barHeight=height)
        # The symbol's width includes its quiet zones, which must stay white for scanning.
        code.drawOn(self.canvas, x_right - code.width, y)
        self.text(x_right - code.width / 2, y - 8, value, 7.5, align="centre")

    def qr(self, x: float, y: float, value: str, size: float) -> None:
        """A QR code of `value`, `size` points square (its white quiet zone included) with
        its lower left corner at (x, y)."""
        widget = QrCodeWidget(value)
        left, bottom, right, top = widget.getBounds()
        drawing = Drawing(
            size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
        )
        # Not the default Helvetica: the PDF would name a font it never draws in (an
        # attribute of reportlab's Drawing that types-reportlab does not declare).
        drawing.initialFontName = self.font  # type: ignore[attr-defined]
        drawing.add(widget)
        renderPDF.draw(drawing, self.canvas, x, y)
