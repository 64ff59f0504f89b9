"""Tabular reports (报表) as an office expects them: one generic table, two renderers.

A `TableReport` is what every report of `server.services.reports` returns: a title, the
filters it was run with, typed columns, rows and their totals. This module draws it as an
.xlsx workbook (title row with the filters and generation time, Chinese headers, frozen
header row, number formats, column widths, subtotal and totals rows; streamed by
`reports.xlsx_stream`, so 100,000 rows take little memory and a few seconds) and as an
A4 landscape PDF (CJK font, the header repeated on every page, 第 n 页 共 m 页; columns
sized from the data by `reports.pdfpages.fit_columns`, so figures, codes and dates print
whole, and split into groups of columns when even the smallest text does not fit).

Rows carry a style: detail rows, subtotal rows (bold, per building or campus…), the totals
row (bold, ruled) and flagged rows (red: a loss over its threshold). `rows` is a tuple for
a report built in memory, or a one-shot iterator for a streamed export; in that case the
totals row is the last row of the stream.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from reports import xlsx_stream as xs
from reports.clock import excel_time, moment_text
from reports.fonts import cjk_font
from reports.pdfpages import (
    GREY,
    FitColumn,
    fit_columns,
    header_text,
    is_code,
    numbered_pdf,
    widest_word,
    wrap_text,
)
from reports.xlsx import DATE_FORMAT, MOMENT_FORMAT, MONEY_FORMAT, XLSX, generated_text
from reports.xlsx_stream import SheetWriter

PDF = "application/pdf"

# Column kinds.
TEXT = "text"
MONEY = "money"  # yuan, 2 places
QUANTITY = "quantity"  # usage or a reading: up to 3 places, as many as the figure has
PERCENT = "percent"  # a ratio: 0.125 is 12.5 %
DATE = "date"
COUNT = "count"
KINDS = (TEXT, MONEY, QUANTITY, PERCENT, DATE, COUNT)

# Row styles.
DETAIL = ""
SUBTOTAL = "subtotal"
TOTAL = "total"
FLAGGED = "flagged"

PERCENT_FORMAT = "0.0%"
_QUANTITY_FORMATS = ("#,##0", "#,##0.0", "#,##0.00", "#,##0.000")
_DEFAULT_WIDTHS = {TEXT: 14, MONEY: 13, QUANTITY: 13, PERCENT: 9, DATE: 11, COUNT: 8}
_PDF_RED = colors.Color(0.78, 0.08, 0.08)
_HEADER_FILL = colors.Color(0.92, 0.92, 0.92)
_SUBTOTAL_FILL = colors.Color(0.96, 0.96, 0.96)
_BODY = 7.5
_PAD = 3.0
# Lines a free text cell (a name, a model, a 换表记录) may take before it is shortened.
_FREE_LINES = 3
# Rows per platypus Table: one Table of 50,000 rows splits page by page in quadratic time;
# chunks of this size, each with the header repeated, read as one continuous table.
_CHUNK = 400


@dataclass(frozen=True)
class Column:
    """A column: its Chinese header, its kind (one of KINDS) and width in characters."""

    title: str
    kind: str = TEXT
    width: float | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in (MONEY, QUANTITY, PERCENT, COUNT)


@dataclass(frozen=True)
class Row:
    """One row's values in column order (None: blank) and its style (DETAIL, SUBTOTAL…)."""

    values: tuple[Any, ...]
    style: str = DETAIL


@dataclass(frozen=True)
class TableReport:
    """A report ready to show, print or export.

    `name` is the report's code (arrears…), `filters` says what was asked ('账期 2026-09 至
    2026-10，东校区'), `notes` are lines printed under the title (how a figure is defined).
    """

    name: str
    title: str
    filters: str
    columns: tuple[Column, ...]
    rows: Sequence[Row] | Iterator[Row]
    generated_at: datetime
    notes: tuple[str, ...] = ()

    @property
    def totals(self) -> Row | None:
        """The totals row of a report built in memory (None for a streamed one)."""
        if isinstance(self.rows, Sequence) and self.rows and self.rows[-1].style == TOTAL:
            return self.rows[-1]
        return None

    @property
    def details(self) -> tuple[Row, ...]:
        """Detail and flagged rows of a report built in memory (no subtotals, no totals)."""
        assert isinstance(self.rows, Sequence), "a streamed report is read once"
        return tuple(r for r in self.rows if r.style in (DETAIL, FLAGGED))

    def column(self, title: str) -> int:
        """The index of the column headed `title`."""
        return [c.title for c in self.columns].index(title)

    def filename(self, suffix: str) -> str:
        stamp = moment_text(self.generated_at, "%Y%m%d_%H%M")
        return f"{self.title}_{stamp}.{suffix.lstrip('.')}"


@lru_cache(maxsize=4096)
def quantity_format(value: Decimal) -> str:
    """'#,##0.00' for 12.50 kWh: as many places as the figure has (at most 3), so a water
    meter's whole m³ show as 12 and an electricity meter's 0.01 kWh as 12.34."""
    return _QUANTITY_FORMATS[_places(value)]


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return min(3, max(0, -exponent)) if isinstance(exponent, int) else 3


# ---------------------------------------------------------------------------------------
# Excel


def write_table_xlsx(report: TableReport, target: str | IO[bytes]) -> int:
    """Write the report to a path or binary stream; returns the number of rows written
    (subtotal and totals rows included). Streams: rows are written as they come
    (`reports.xlsx_stream`, several times faster than openpyxl for 100,000 rows)."""
    # Title, filters, notes, then the header: freeze everything above the first data row.
    top = [generated_text(report.title, report.generated_at)]
    if report.filters:
        top.append(f"条件：{report.filters}")
    top += list(report.notes)
    widths = [c.width or _DEFAULT_WIDTHS[c.kind] for c in report.columns]
    count = 0
    with SheetWriter(target, report.title, widths, len(top) + 1) as sheet:
        sheet.append([top[0]], sheet.style(font=xs.TITLE))
        for line in top[1:]:
            sheet.append([line])
        sheet.append([c.title for c in report.columns], sheet.style(font=xs.BOLD, header=True))
        fonts = {SUBTOTAL: xs.BOLD, TOTAL: xs.BOLD, FLAGGED: xs.RED, DETAIL: xs.PLAIN}
        # 100,000 rows × 17 columns: each (format, font) pair is looked up once, not per cell.
        styles_of: dict[tuple[str | None, int], int] = {}
        for row in report.rows:
            font = fonts[row.style]
            values, styles = [], []
            for column, value in zip(report.columns, row.values, strict=True):
                value, number_format = _xlsx_value(column, value)
                values.append(value)
                style = styles_of.get((number_format, font))
                if style is None:
                    style = styles_of[(number_format, font)] = sheet.style(number_format, font)
                styles.append(style)
            sheet.append(values, styles)
            count += 1
    return count


def _xlsx_value(column: Column, value: Any) -> tuple[Any, str | None]:
    """The value as Excel takes it and its number format (None: General)."""
    if isinstance(value, Decimal):
        if column.kind == MONEY:
            return value, MONEY_FORMAT
        if column.kind == QUANTITY:
            return value, quantity_format(value)
        if column.kind == PERCENT:
            return value, PERCENT_FORMAT
    if isinstance(value, datetime):
        return excel_time(value), MOMENT_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    return value, None


def render_table_xlsx(report: TableReport) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)` of the workbook."""
    out = io.BytesIO()
    write_table_xlsx(report, out)
    return report.filename("xlsx"), XLSX, out.getvalue()


# ---------------------------------------------------------------------------------------
# PDF


def cell_text(column: Column, value: Any) -> str:
    """A value as printed: 1,234.50 / 12.5% / 2026-09-30; also what a preview shows."""
    if value is None:
        return ""
    if column.kind == MONEY and isinstance(value, Decimal):
        return f"{value:,.2f}"
    if column.kind == QUANTITY and isinstance(value, Decimal):
        return f"{value:,.{_places(value)}f}"
    if column.kind == PERCENT and isinstance(value, Decimal):
        return f"{value * 100:.1f}%"
    if isinstance(value, datetime):
        return moment_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_table_pdf(report: TableReport, *, organisation: str = "水电保障中心") -> bytes:
    """The report as A4 landscape PDF bytes, CJK font embedded (see `reports.fonts`)."""
    font = cjk_font().name
    footer = f"{organisation}　{report.title}　生成于 {moment_text(report.generated_at)}"

    def story(width: float) -> list[Any]:
        base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12)
        flow: list[Any] = [
            Paragraph(escape(report.title), ParagraphStyle("t", base, fontSize=15, leading=20,
                                                           alignment=TA_CENTER)),
            Paragraph(escape(f"{organisation}　条件：{report.filters or '全部'}"),
                      ParagraphStyle("s", base, alignment=TA_CENTER, textColor=GREY)),
        ]  # fmt: skip
        for note in report.notes:
            flow.append(Paragraph(escape(note), ParagraphStyle("n", base, textColor=GREY)))
        flow.append(Spacer(1, 3 * mm))
        flow.extend(_pdf_tables(report, font, width))
        return flow

    return numbered_pdf(
        story,
        pagesize=landscape(A4),
        font=font,
        footer=footer,
        title=report.title,
        author=organisation,
        subject=report.filters,
    )


def _pdf_tables(report: TableReport, font: str, width: float) -> Iterable[Any]:
    """The rows as tables whose columns are sized from the data; when the columns do not
    fit even in the smallest text, they are split into groups printed one after the other,
    each led by the first column (the row's key) so its rows can be matched."""
    rows = list(report.rows)
    texts = [[cell_text(c, r.values[i]) for r in rows] for i, c in enumerate(report.columns)]
    columns = []
    for column, column_texts in zip(report.columns, texts, strict=True):
        detail = [
            t for t, r in zip(column_texts, rows, strict=True) if r.style in (DETAIL, FLAGGED)
        ]
        if column.kind != TEXT or all(is_code(t) for t in detail):
            columns.append(FitColumn(column.title, detail, whole=True))
        else:
            # Free text wraps (`_FREE_LINES`), never inside a number such as the meter
            # number of a 换表记录, so its column is at least as wide as the widest one.
            floor = widest_word(detail, font, _BODY) + 2 * _PAD
            columns.append(FitColumn(column.title, detail, whole=False, floor=floor))
    for number, group in enumerate(_column_groups(columns, font, width)):
        if number:
            yield Spacer(1, 5 * mm)
        indices, (widths, size) = group
        yield from _pdf_group(report, rows, texts, indices, widths, size, font)


def _column_groups(
    columns: Sequence[FitColumn], font: str, width: float
) -> list[tuple[list[int], tuple[list[float], float]]]:
    whole = fit_columns(columns, font, _BODY, width, padding=_PAD * 2)
    if whole is not None:
        return [(list(range(len(columns))), whole)]
    groups: list[tuple[list[int], tuple[list[float], float]]] = []
    current: list[int] = [0]
    fitted = fit_columns([columns[0]], font, _BODY, width, padding=_PAD * 2)
    for index in range(1, len(columns)):
        trial = fit_columns([columns[i] for i in [*current, index]], font, _BODY, width,
                            padding=_PAD * 2)  # fmt: skip
        if trial is None and len(current) > 1:
            assert fitted is not None
            groups.append((current, fitted))
            current = [0, index]
            fitted = fit_columns([columns[0], columns[index]], font, _BODY, width,
                                 padding=_PAD * 2)  # fmt: skip
        else:
            current.append(index)
            fitted = trial
        if fitted is None:
            raise ValueError(f"列“{columns[index].header}”在 A4 横向页面上放不下")
    assert fitted is not None
    groups.append((current, fitted))
    return groups


def _pdf_group(
    report: TableReport,
    rows: Sequence[Row],
    texts: Sequence[Sequence[str]],
    indices: Sequence[int],
    widths: Sequence[float],
    size: float,
    font: str,
) -> Iterator[Table]:
    columns = [report.columns[i] for i in indices]
    room = [w - 2 * _PAD for w in widths]
    header = [header_text(c.title, font, size, r) for c, r in zip(columns, room, strict=True)]
    for start in range(0, max(len(rows), 1), _CHUNK):  # an empty report still shows its header
        chunk = range(start, min(start + _CHUNK, len(rows)))
        yield _pdf_table(columns, header, rows, texts, indices, chunk, widths, room, size, font)


def _pdf_table(
    columns: Sequence[Column],
    header: list[str],
    rows: Sequence[Row],
    texts: Sequence[Sequence[str]],
    indices: Sequence[int],
    chunk: range,
    widths: Sequence[float],
    room: Sequence[float],
    size: float,
    font: str,
) -> Table:
    data: list[list[Any]] = [header]
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("LEADING", (0, 0), (-1, -1), size * 1.2),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
    ]
    for index, column in enumerate(columns):
        if column.numeric:
            style.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    for number, at in enumerate(chunk, start=1):
        row = rows[at]
        cells = [texts[i][at] for i in indices]
        if row.style in (SUBTOTAL, TOTAL):
            data.append(_label_cells(columns, cells, room, size, font, number, style))
            style.append(("BACKGROUND", (0, number), (-1, number), _SUBTOTAL_FILL))
        else:
            data.append(
                [
                    t if is_code(t) or c.kind != TEXT else wrap_text(t, font, size, r, _FREE_LINES)
                    for c, t, r in zip(columns, cells, room, strict=True)
                ]
            )
        if row.style == TOTAL:
            style.append(("LINEABOVE", (0, number), (-1, number), 0.8, colors.black))
        if row.style == FLAGGED:
            style.append(("TEXTCOLOR", (0, number), (-1, number), _PDF_RED))
    return Table(data, colWidths=list(widths), repeatRows=1, style=TableStyle(style))


def _label_cells(
    columns: Sequence[Column],
    cells: list[str],
    room: Sequence[float],
    size: float,
    font: str,
    number: int,
    style: list[tuple[Any, ...]],
) -> list[str]:
    """A subtotal or totals row: its label (东校区 小计（12 户）) spans the empty text cells
    after it and wraps when still too wide, so it is read whole."""
    out = list(cells)
    index = 0
    while index < len(columns):
        end = index
        if columns[index].kind == TEXT and cells[index]:
            while end + 1 < len(columns) and columns[end + 1].kind == TEXT and not cells[end + 1]:
                end += 1
            span = sum(room[index : end + 1]) + 2 * _PAD * (end - index)
            out[index] = wrap_text(cells[index], font, size, span)
            if end > index:
                style.append(("SPAN", (index, number), (end, number)))
        index = end + 1
    return out
