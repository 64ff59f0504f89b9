"""Reading a workbook's sheets into plain values, for imports of data kept in Excel.

A sheet's first row is its header; columns are found by header name, so a sheet may order
its columns as it likes and carry extra ones. Rows come back as dicts keyed by header with
their Excel row number, so whoever checks them can say exactly where a problem is.
The cell converters turn what openpyxl hands back (text, int, float, datetime) into the
values an import wants (str, Decimal, date) without passing through binary floats.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

import openpyxl
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

# 2024-01-15, 2024/1/15, 2024.01.15, 2024年1月15日, 20240115, each optionally with a time.
_DATE_TEXT = re.compile(
    r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# Excel day numbers of 1955–2118, for date cells that lost their date format.
_EXCEL_SERIALS = range(20_000, 80_000)


class WorkbookError(Exception):
    """The workbook, a sheet or a header is not as expected; the message says which."""


class UnreadableWorkbook(WorkbookError):
    pass


class MissingSheet(WorkbookError):
    def __init__(self, sheet: str):
        super().__init__(f"缺少工作表 {sheet}")
        self.sheet = sheet


class HeaderError(WorkbookError):
    """Required columns absent from the header row, or a needed column named twice."""

    def __init__(self, sheet: str, missing: Sequence[str], duplicated: Sequence[str] = ()):
        parts = [f"缺少列 {name}" for name in missing]
        parts += [f"列 {name} 重复" for name in duplicated]
        super().__init__(f"工作表 {sheet}：{'；'.join(parts)}")
        self.sheet = sheet
        self.missing = tuple(missing)
        self.duplicated = tuple(duplicated)


class CellError(ValueError):
    """A cell's value is not of the expected kind; the message is the reason only."""


@dataclass(frozen=True)
class Row:
    """One non-blank row: `number` is the 1-based Excel row, `values` keyed by header."""

    number: int
    values: dict[str, Any]

    def __getitem__(self, column: str) -> Any:
        return self.values[column]

    def get(self, column: str) -> Any:
        return self.values.get(column)


def _clean(value: Any) -> Any:
    # Spreadsheets pad text with spaces people cannot see; an all-space cell is empty.
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class Workbook:
    """A workbook opened read-only with cached formula values; use it as a context manager."""

    def __init__(self, path: Path | str):
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise UnreadableWorkbook(f"无法读取工作簿 {Path(path).name}：{exc}") from exc

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        # Read-only workbooks keep the file open until closed (a lock on Windows).
        self._book.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def has_sheet(self, name: str) -> bool:
        return name in self._book.sheetnames

    def rows(self, sheet: str, required: Sequence[str], optional: Sequence[str] = ()) -> list[Row]:
        """The non-blank rows of `sheet`, with the required and optional columns only.

        Raises MissingSheet, or HeaderError naming every required column that is absent
        and every wanted column whose header appears twice. A row is blank, and skipped,
        when all the wanted columns are empty.
        """
        return list(self.iter_rows(sheet, required, optional))

    def iter_rows(
        self, sheet: str, required: Sequence[str], optional: Sequence[str] = ()
    ) -> Iterator[Row]:
        if sheet not in self._book.sheetnames:
            raise MissingSheet(sheet)
        rows = self._book[sheet].iter_rows(values_only=True)
        header = next(rows, ())
        positions: dict[str, int] = {}
        seen: set[str] = set()
        duplicated: list[str] = []
        for index, cell in enumerate(header):
            name = cell_text(cell)
            if name in seen and name in (*required, *optional) and name not in duplicated:
                duplicated.append(name)
            seen.add(name)
            positions.setdefault(name, index)
        missing = [name for name in required if name not in positions]
        if missing or duplicated:
            raise HeaderError(sheet, missing, duplicated)
        wanted = [(name, positions[name]) for name in (*required, *optional) if name in positions]
        # Read-only sheets yield an empty tuple for each row missing from the file, so the
        # running count stays the Excel row number.
        for number, cells in enumerate(rows, start=2):
            values = {
                name: _clean(cells[index]) if index < len(cells) else None for name, index in wanted
            }
            if any(value is not None for value in values.values()):
                yield Row(number, values)


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as YYYY-MM-DD, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(_float_decimal(value))
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _float_decimal(value: float) -> Decimal:
    # Excel stores numbers as doubles: 12.5 arrives as 12.5 and 3 as 3.0 or 3. repr() is the
    # shortest text that reads back as the same double, which is what the person typed.
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(repr(value))


def cell_decimal(value: Any) -> Decimal | None:
    """A number cell, or a number typed as text ('12.5'), as a Decimal; None when empty."""
    value = _clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("不是数字")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("不是数字")
        return _float_decimal(value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise CellError("不是数字") from exc
    else:
        raise CellError("不是数字")
    if not number.is_finite():
        raise CellError("不是数字")
    return number


def cell_date(value: Any) -> date | None:
    """An Excel date, a datetime (its day), or text 'YYYY-MM-DD' / 'YYYY/MM/DD'; None if empty."""
    value = _clean(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in _EXCEL_SERIALS:
            return from_excel(int(value)).date()
        value = cell_text(value)
    if isinstance(value, str):
        match = _DATE_TEXT.match(value.strip())
        if match:
            month, day = (match[2], match[3]) if match[2] else (match[4], match[5])
            try:
                return date(int(match[1]), int(month), int(day))
            except ValueError:
                pass
    raise CellError("不是有效日期（应为 YYYY-MM-DD）")
