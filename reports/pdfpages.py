"""Pieces of our reportlab documents: page numbers 第 n 页 共 m 页, and the one layout rule
every PDF follows (receipts, notices, the day report, route sheets, report tables).

The rule: a figure a person needs — money, a meter, hardware, account, receipt or cheque
number, a date or a time — is never cut. Columns are sized from the widest value measured in
the font (`fit_columns`); when they do not fit, the text is set smaller down to a readable
`MIN_SIZE`, and the caller then turns the page or splits the columns. Only free text (a long
name, an address) may be shortened (`fit_text`), and a column of it keeps room for its
meaningful start (`FREE_MIN_CHARS` characters).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

GREY = colors.Color(0.35, 0.35, 0.35)
MARGIN = 15 * mm
# The smallest table text that still reads on a laser print at arm's length.
MIN_SIZE = 6.0
# Free text shortened to fit keeps at least this many characters: enough of a name or an
# address (its campus and building) to know whose it is.
FREE_MIN_CHARS = 6
# Widths are sums of glyph widths: a column sized to its text may measure a hair narrower.
_SLACK = 0.01


class NumberedCanvas(Canvas):
    """Holds each page until the end, so every footer can say how many pages there are."""

    def __init__(
        self, *args: Any, font: str, footer: str, margin: float = MARGIN, **kwargs: Any
    ) -> None:
        # The initial font is named on every page: the CJK font, so that the PDF names no
        # Helvetica that nothing is drawn in (PDF/A checkers reject a font not embedded).
        super().__init__(*args, **{**kwargs, "initialFontName": font})
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
    """Free `text` (a name, an address) cut with an ellipsis to fit a column; never use it
    on a figure (see `fit_columns`)."""
    if stringWidth(text, font, size) <= width + _SLACK:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def is_code(text: str) -> bool:
    """Whether `text` reads as a figure or a code (E000123, 2026-11, 1,234.50, 09:31), which
    must print whole, rather than free Chinese text."""
    return text.isascii()


def text_width(text: str, font: str, size: float) -> float:
    """The width of the widest line of `text`."""
    return max(stringWidth(line, font, size) for line in text.split("\n"))


def words(text: str) -> list[str]:
    """The unbreakable pieces of `text`: runs of Latin letters, digits and signs (a number,
    a date, a code: E000123, 2019-06-01), single spaces, and single Chinese characters,
    between any two of which Chinese may break."""
    return _WORDS.findall(text)


_WORDS = re.compile(r"[!-~]+|\s|.")


def wrap_text(text: str, font: str, size: float, room: float, max_lines: int | None = None) -> str:
    """`text` broken into lines no wider than `room` ("\n" between them), never inside a
    number or code (see `words`): a line over `room` holds one word wider than the room.
    Past `max_lines`, the rest joins the last line, shortened by `fit_text`: free text only."""
    lines: list[str] = []
    current = ""
    for word in words(text):
        if current.strip() and stringWidth(current + word, font, size) > room + _SLACK:
            lines.append(current.strip())
            current = ""
        current += word
    lines.append(current.strip())
    if max_lines is not None and len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], fit_text(rest, font, size, room)]
    return "\n".join(lines)


def widest_word(texts: Iterable[str], font: str, size: float) -> float:
    """The width of the widest unbreakable word (`words`) in `texts`: a column that wraps
    is at least this wide, so no number in it is broken."""
    return max(
        (stringWidth(word, font, size) for text in texts for word in words(text)), default=0.0
    )


def header_text(title: str, font: str, size: float, room: float) -> str:
    """A column header over two lines when it is wider than its column, broken where the
    wider line is narrowest (a figure's column need not be as wide as its header)."""
    if stringWidth(title, font, size) <= room or len(title) < 4:
        return title
    best = min(
        range(1, len(title)),
        key=lambda i: max(stringWidth(title[:i], font, size), stringWidth(title[i:], font, size)),
    )
    return f"{title[:best]}\n{title[best:]}"


@dataclass(frozen=True)
class FitColumn:
    """A column to size: its header, every text it shows, and how it may be sized.

    `whole` columns (figures, codes, dates) are as wide as their widest text; free ones get
    what is left, at least `FREE_MIN_CHARS` characters or `floor` points; `fixed` is an exact
    width (a box to write in), and `grow` columns take the room nobody needs.
    """

    header: str
    texts: Sequence[str]
    whole: bool
    floor: float = 0.0
    fixed: float | None = None
    grow: bool = False


def fit_columns(
    columns: Sequence[FitColumn],
    font: str,
    size: float,
    width: float,
    *,
    padding: float = 6.0,
    min_size: float = MIN_SIZE,
) -> tuple[list[float], float] | None:
    """Column widths summing to `width` and the text size (from `size` down to `min_size`)
    at which every whole column shows its widest text; None when even `min_size` does not
    do: turn the page or split the columns."""
    # A text's width is proportional to its size: each column's widest text is measured
    # once (at 1 pt, each distinct text once: a report may have 50,000 rows).
    widest = [max((text_width(t, font, 1.0) for t in set(c.texts) if t), default=0.0)
              for c in columns]  # fmt: skip
    steps = round((size - min_size) / 0.5)
    for step in range(steps + 1):
        current = size - step * 0.5
        widths = _column_widths(columns, widest, font, current, width, padding)
        if widths is not None:
            return widths, current
    return None


def _column_widths(
    columns: Sequence[FitColumn],
    widest: Sequence[float],
    font: str,
    size: float,
    width: float,
    padding: float,
) -> list[float] | None:
    natural: list[float] = []
    least: list[float] = []
    for column, unit in zip(columns, widest, strict=True):
        if column.fixed is not None:
            natural.append(column.fixed)
            least.append(column.fixed)
            continue
        # A header may take two lines, so it asks for about half its width.
        words = text_width(header_text(column.header, font, size, 0), font, size)
        need = max(words, unit * size) + padding
        natural.append(need)
        if column.whole:
            least.append(need)
        else:
            keep = min(need, stringWidth("中" * FREE_MIN_CHARS, font, size) + padding)
            least.append(max(keep, words + padding, column.floor))
    spare = width - sum(least)
    if spare < -0.01:
        return None
    widths = list(least)
    # Free columns grow towards their natural width, an equal share each, the least wanting
    # first: a short 水表 or 在用 gets its whole width before a long name takes the rest.
    lacking = sorted((n - w, i) for i, (n, w) in enumerate(zip(natural, widths, strict=True)))
    lacking = [(lack, i) for lack, i in lacking if lack > 0]
    for position, (lack, index) in enumerate(lacking):
        grant = min(lack, spare / (len(lacking) - position))
        widths[index] += grant
        spare -= grant
    if spare > 0:
        growing = [i for i, c in enumerate(columns) if c.grow] or [
            i for i, c in enumerate(columns) if c.fixed is None
        ]
        if growing:
            total = sum(widths[i] for i in growing)
            for i in growing:
                widths[i] += spare * widths[i] / total
    return widths


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
