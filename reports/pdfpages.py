"""Pieces of our multi-page reportlab documents: page numbers 第 n 页 共 m 页, text that fits.

Shared by the settlement report, the report tables and the route sheet.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

GREY = colors.Color(0.35, 0.35, 0.35)
MARGIN = 15 * mm


class NumberedCanvas(Canvas):
    """Holds each page until the end, so every footer can say how many pages there are."""

    def __init__(
        self, *args: Any, font: str, footer: str, margin: float = MARGIN, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._font = font
        self._footer = footer
        self._margin = margin
        self._pages: list[dict[str, Any]] = []

    # reportlab's recipe for "page n of m" keeps each page's canvas state and starts the next
    # page through the private _startPage; types-reportlab declares neither it nor _pagesize.
    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width, _ = self._pagesize  # type: ignore[attr-defined]
            self.setFont(self._font, 8)
            self.setFillColor(GREY)
            self.drawString(self._margin, self._margin, self._footer)
            page = f"第 {number} 页 共 {total} 页"
            self.drawRightString(width - self._margin, self._margin, page)
            super().showPage()
        super().save()


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis to fit a column: a long holder name must not overrun."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def numbered_pdf(
    story: Callable[[float], list[Flowable]],
    *,
    pagesize: tuple[float, float],
    font: str,
    footer: str,
    title: str,
    author: str,
    subject: str | None = None,
    side_margin: float = MARGIN,
) -> bytes:
    """PDF bytes of `story(frame width)`, each page footed with `footer` and its number."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=side_margin,
        rightMargin=side_margin,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author=author,
        subject=subject,
        # No creation time or random file id: the same content gives the same bytes.
        invariant=1,
    )

    def canvasmaker(*args: Any, **kwargs: Any) -> Canvas:
        return NumberedCanvas(*args, font=font, footer=footer, margin=side_margin, **kwargs)

    doc.build(story(doc.width), canvasmaker=canvasmaker)
    return buffer.getvalue()
