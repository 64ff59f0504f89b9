"""Small pieces every .xlsx of ours is made of: styled cells, the header row, widths.

Shared by the documents written with openpyxl's write-only mode (settlement, payments
export, the report tables), so an office sees the same header fill, number formats and
title row in every workbook MeterDesk writes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports.clock import moment_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=12)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


def styled_cell(
    sheet: WriteOnlyWorksheet,
    value: Any,
    *,
    money: bool = False,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    center: bool = False,
) -> Cell:
    """A write-only cell with the given look (write-only sheets style cells, not columns);
    empty text is no value."""
    cell = WriteOnlyCell(sheet, None if value == "" else value)
    if money:
        cell.number_format = MONEY_FORMAT
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if center:
        cell.alignment = Alignment(horizontal="center")
    return cell


def blank_free(values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append` with empty text as no value: openpyxl writes "" as an empty
    text cell, which Excel's COUNTA, ISBLANK and Ctrl+arrow take for a filled one."""
    return [None if value == "" else value for value in values]


def header_cells(sheet: WriteOnlyWorksheet, titles: Sequence[str]) -> list[Cell]:
    """A header row: bold, centred, on the blue-grey fill."""
    return [styled_cell(sheet, t, font=BOLD, fill=HEADER_FILL, center=True) for t in titles]


def title_cell(sheet: WriteOnlyWorksheet, text: str) -> Cell:
    return styled_cell(sheet, text, font=TITLE_FONT)


def generated_text(title: str, generated_at: datetime) -> str:
    """'标题（生成于 2026-11-23 15:30）': the title row of an export."""
    return f"{title}（生成于 {moment_text(generated_at)}）"


def set_widths(sheet: WriteOnlyWorksheet, widths: Sequence[float]) -> None:
    """Column widths in characters; must be set before the first row is written."""
    # types-openpyxl leaves column_dimensions off WriteOnlyWorksheet; at run time the
    # write-only sheet gets it from Worksheet._setup.
    columns = sheet.column_dimensions  # type: ignore[attr-defined]
    for index, width in enumerate(widths, start=1):
        columns[get_column_letter(index)].width = width


def export_sheet(
    book: Workbook,
    name: str,
    widths: Sequence[float],
    title: str,
    generated_at: datetime,
    *,
    freeze: str | None = "A3",
) -> WriteOnlyWorksheet:
    """A new sheet of an export with its widths and the title row '标题（生成于 …）' written;
    `freeze` keeps the rows above it (the title and the header to come) in view."""
    sheet = book.create_sheet(name)
    if freeze is not None:
        sheet.freeze_panes = freeze
    set_widths(sheet, widths)
    sheet.append([title_cell(sheet, generated_text(title, generated_at))])
    return sheet


def xlsx_file(book: Workbook, filename: str) -> tuple[str, str, bytes]:
    """`(filename, mimetype, bytes)` of a finished workbook."""
    out = io.BytesIO()
    book.save(out)
    return filename, XLSX, out.getvalue()
