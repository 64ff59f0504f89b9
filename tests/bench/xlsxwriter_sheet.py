"""The report tables' sheet written by XlsxWriter (constant_memory mode) instead of our
`reports.xlsx_stream.SheetWriter`, same interface: bench_reports times both on the
100,000-row exports, the measurement behind keeping our writer (README, "Benchmarks").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from reports.clock import excel_time
from reports.xlsx_stream import _ILLEGAL, BOLD, PLAIN, RED, TITLE

_FONTS: dict[int, dict[str, Any]] = {
    PLAIN: {},
    BOLD: {"bold": True},
    TITLE: {"bold": True, "font_size": 12},
    RED: {"font_color": "#C81414"},
}
_HEADER = {"bg_color": "#DDE7F0", "pattern": 1, "align": "center"}
# What Excel refuses in a sheet name.
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


class XlsxWriterSheet:
    """`reports.xlsx_stream.SheetWriter` as XlsxWriter does it."""

    def __init__(
        self,
        target: str | IO[bytes],
        sheet_name: str,
        widths: Sequence[float],
        frozen_rows: int,
    ) -> None:
        self._book = xlsxwriter.Workbook(
            target, {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
        )
        name = _SHEET_NAME.sub("_", sheet_name)[:31].strip("'") or "Sheet1"
        self._sheet = self._book.add_worksheet(name)
        for index, width in enumerate(widths):
            self._sheet.set_column(index, index, width)
        if frozen_rows:
            self._sheet.freeze_panes(frozen_rows, 0)
        self._formats: list[Any] = [None]
        self._keys: dict[tuple[str | None, int, bool], int] = {(None, PLAIN, False): 0}
        self._row = -1
        self._closed = False

    def __enter__(self) -> XlsxWriterSheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def style(
        self, number_format: str | None = None, font: int = PLAIN, header: bool = False
    ) -> int:
        """The index of the cell style with this number format, font and (header) fill."""
        key = (number_format, font, header)
        index = self._keys.get(key)
        if index is None:
            properties = dict(_FONTS[font])
            if number_format is not None:
                properties["num_format"] = number_format
            if header:
                properties.update(_HEADER)
            index = self._keys[key] = len(self._formats)
            self._formats.append(self._book.add_format(properties))
        return index

    def append(self, values: Sequence[Any], styles: Sequence[int] | int = 0) -> None:
        self._row += 1
        row, sheet, formats = self._row, self._sheet, self._formats
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            cell_format = formats[styles if isinstance(styles, int) else styles[column]]
            if isinstance(value, str):
                # isprintable is False for every control character: most cells skip the regex.
                text = value if value.isprintable() else _ILLEGAL.sub("", value)
                sheet.write_string(row, column, text, cell_format)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value, cell_format)
            elif isinstance(value, Decimal | int | float):
                sheet.write_number(row, column, float(value), cell_format)
            elif isinstance(value, datetime):
                sheet.write_datetime(row, column, excel_time(value), cell_format)
            elif isinstance(value, date):
                sheet.write_datetime(row, column, value, cell_format)
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._book.close()
