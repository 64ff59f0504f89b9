"""Handheld terminals (电表掌上机) docked on a PC: what they hand over and what they take.

Terminals share no export standard, so a `ColumnProfile` says which column of a vendor's
file holds the hardware number, the reading, the reading time and the status, and how the
file is encoded. Two drivers stand behind one `HandheldDriver` interface so a vendor SDK can
be added later as a third:

* `ExportFileDriver` reads the file a terminal (or its vendor's office tool) exports:
  DBF (dbfread; Visual FoxPro, GBK is usual), CSV/TXT, XLS (xlrd) or XLSX (openpyxl);
* `SerialHandheldDriver` talks to a terminal docked as a USB serial (CDC) port. Download
  protocols are vendor-private and none is public, so it only reads a meter on the bench
  through the terminal's infrared head (DL/T 645 / CJ/T 188 via `devices.transport`).

Lines come back raw (`RawLine`: the cells as the file holds them, with the line number a
person sees in the file); turning them into figures and times is the importer's job, so a
line that cannot be read is reported with its place and never stops the others.

The route (the meters a reader is to read) goes back to the terminal as a file in the
profile's format: DBF (dBase III, character and numeric fields, written here because
dbfread only reads), CSV/TXT or XLSX. XLS is not written: no maintained writer exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, cast

FILE_FORMATS = ("dbf", "csv", "txt", "xls", "xlsx")
# The four things an import needs from a line.
HARDWARE, READING, TIME, STATUS = "hardware", "reading", "time", "status"
FIELD_LABELS = {HARDWARE: "表号（硬件号）", READING: "读数", TIME: "抄表时间", STATUS: "状态"}


class HandheldError(ValueError):
    """A file or a link that cannot be used at all; the message (Chinese) says why."""


@dataclass(frozen=True)
class ColumnProfile:
    """How to read one kind of terminal export (see server.db.models.HandheldProfile)."""

    name: str
    file_format: str
    hardware_column: str
    reading_column: str
    time_column: str
    status_column: str | None = None
    encoding: str = "gbk"
    delimiter: str = ","
    header_row: int = 1
    time_format: str = ""
    status_ok: tuple[str, ...] = ("1",)
    status_unread: tuple[str, ...] = ("0",)
    status_failed: tuple[str, ...] = ("2",)
    meter_no_column: str | None = None
    location_column: str | None = None
    previous_column: str | None = None

    def columns(self) -> dict[str, str]:
        """Field → column name, for the fields this profile reads."""
        named = {
            HARDWARE: self.hardware_column,
            READING: self.reading_column,
            TIME: self.time_column,
            STATUS: self.status_column,
        }
        return {name: column for name, column in named.items() if column}


@dataclass(frozen=True)
class RawLine:
    """One data line: `line` is the file's line / Excel row / DBF record number.

    `cells` maps HARDWARE, READING, TIME, STATUS to what the file holds (str, int, float,
    Decimal, date, datetime or None); `error` says why the line could not be read at all.
    """

    line: int
    cells: dict[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class RouteEntry:
    """One meter of a route as the terminal shows it to the reader."""

    hardware_no: str
    meter_no: str
    location: str = ""
    previous: Decimal | None = None


class HandheldDriver(Protocol):
    """What the importer needs of a terminal, whatever its link."""

    def readings(self) -> list[RawLine]: ...

    def send_route(self, entries: Sequence[RouteEntry], destination: str | Path) -> None: ...


# --- reading export files -------------------------------------------------------------


def _key(name: str) -> str:
    # DBF field names are upper case, people type headers in any case and with spaces.
    return name.strip().lstrip("\ufeff").upper()


def _positions(header: Sequence[Any], profile: ColumnProfile, where: str) -> dict[str, int]:
    found = {_key(str(cell)): index for index, cell in reversed(list(enumerate(header))) if cell}
    wanted = profile.columns()
    missing = [
        f"{column}（{FIELD_LABELS[f]}）"
        for f, column in wanted.items()
        if _key(column) not in found
    ]
    if missing:
        present = "、".join(str(cell).strip() for cell in header if cell) or "无"
        raise HandheldError(
            f"{where}缺少列 {'、'.join(missing)}；文件中的列：{present}（方案「{profile.name}」）"
        )
    return {f: found[_key(column)] for f, column in wanted.items()}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _line(number: int, row: Sequence[Any], positions: dict[str, int]) -> RawLine | None:
    cells = {f: row[i] if i < len(row) else None for f, i in positions.items()}
    if all(_blank(v) for v in row):
        return None
    return RawLine(number, cells)


def read_export(path: str | Path, profile: ColumnProfile) -> list[RawLine]:
    """The data lines of an export file, read as `profile` says.

    Raises HandheldError when the file as a whole is unusable (unreadable, wrong format,
    a named column missing); a bad line is returned with its `error` instead.
    """
    path = Path(path)
    if profile.file_format not in FILE_FORMATS:
        raise HandheldError(f"未知文件格式 {profile.file_format!r}")
    try:
        reader = {
            "dbf": _read_dbf,
            "csv": _read_text,
            "txt": _read_text,
            "xls": _read_xls,
            "xlsx": _read_xlsx,
        }[profile.file_format]
        return reader(path, profile)
    except HandheldError:
        raise
    except LookupError as exc:  # an encoding name Python does not know
        raise HandheldError(f"方案「{profile.name}」的编码 {profile.encoding!r} 无效") from exc
    except Exception as exc:  # every library's own way of saying "not this format"
        raise HandheldError(
            f"无法按 {profile.file_format.upper()} 格式读取 {path.name}：{exc}"
        ) from exc


def _read_text(path: Path, profile: ColumnProfile) -> list[RawLine]:
    "".encode(profile.encoding)  # an unknown encoding fails here, for the whole file
    delimiter = profile.delimiter.replace("\\t", "\t") or ","
    # Decoded line by line: one line in the wrong encoding is that line's problem only.
    raw_lines = path.read_bytes().splitlines()
    header_at = profile.header_row
    if len(raw_lines) < header_at:
        raise HandheldError(f"{path.name} 不足 {header_at} 行，没有列名行")
    try:
        header_text = raw_lines[header_at - 1].decode(profile.encoding)
    except UnicodeDecodeError as exc:
        raise HandheldError(
            f"{path.name} 第 {header_at} 行（列名行）不是 {profile.encoding} 编码"
        ) from exc
    header = next(csv.reader([header_text], delimiter=delimiter), [])
    positions = _positions(header, profile, f"{path.name} 第 {header_at} 行：")
    lines: list[RawLine] = []
    for number, raw in enumerate(raw_lines[header_at:], start=header_at + 1):
        try:
            text = raw.decode(profile.encoding)
        except UnicodeDecodeError:
            lines.append(RawLine(number, {}, f"不是 {profile.encoding} 编码的文字"))
            continue
        row = next(csv.reader([text], delimiter=delimiter), [])
        line = _line(number, [cell.strip() for cell in row], positions)
        if line is not None:
            lines.append(line)
    return lines


def _read_xlsx(path: Path, profile: ColumnProfile) -> list[RawLine]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        # Read-only sheets yield an empty tuple for each missing row, so counting rows keeps
        # the Excel row number.
        for _ in range(profile.header_row - 1):
            next(rows, None)
        header = next(rows, None)
        if header is None:
            raise HandheldError(f"{path.name} 没有第 {profile.header_row} 行（列名行）")
        positions = _positions(header, profile, f"{path.name} 第 {profile.header_row} 行：")
        lines = []
        for number, row in enumerate(rows, start=profile.header_row + 1):
            line = _line(number, row, positions)
            if line is not None:
                lines.append(line)
        return lines
    finally:
        book.close()


def _read_xls(path: Path, profile: ColumnProfile) -> list[RawLine]:
    import xlrd

    book = xlrd.open_workbook(str(path))
    sheet = book.sheet_by_index(0)
    if sheet.nrows < profile.header_row:
        raise HandheldError(f"{path.name} 没有第 {profile.header_row} 行（列名行）")
    header = sheet.row_values(profile.header_row - 1)
    positions = _positions(header, profile, f"{path.name} 第 {profile.header_row} 行：")
    lines = []
    for index in range(profile.header_row, sheet.nrows):
        row: list[Any] = []
        for cell in sheet.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate_as_datetime(cast(float, cell.value), book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append(None)
            else:
                row.append(cell.value)
        line = _line(index + 1, row, positions)
        if line is not None:
            lines.append(line)
    return lines


def _read_dbf(path: Path, profile: ColumnProfile) -> list[RawLine]:
    from dbfread import DBF
    from dbfread.field_parser import FieldParser

    # raw=True: numbers are taken from their digits (no binary float on the way to Decimal)
    # and one field that does not parse spoils its record only, not the iteration.
    table = DBF(str(path), encoding=profile.encoding, raw=True, load=False)
    fields = {_key(f.name): f for f in table.fields}
    positions = _positions(list(fields), profile, f"{path.name}：")
    names = list(fields)
    parser = FieldParser(table)
    lines = []
    # The number counts live records: dbfread skips records marked deleted.
    for number, record in enumerate(table, start=1):
        values = list(record.values())
        cells: dict[str, Any] = {}
        error = None
        for name, index in positions.items():
            field = fields[names[index]]
            try:
                cells[name] = _dbf_value(field, values[index], parser, profile.encoding)
            except (ValueError, UnicodeDecodeError) as exc:
                error = f"字段 {field.name}（{FIELD_LABELS[name]}）无法读取：{exc}"
                break
        if error is None and all(_blank(v) for v in cells.values()):
            continue
        lines.append(RawLine(number, cells if error is None else {}, error))
    return lines


def _dbf_value(field: Any, data: bytes, parser: Any, encoding: str) -> Any:
    kind = field.type
    if kind == "C":
        return data.rstrip(b"\0 ").decode(encoding).strip() or None
    if kind in ("N", "F"):
        text = data.strip(b" \0*").decode("ascii")
        return text or None
    if kind == "D":
        text = data.strip(b" \0").decode("ascii")
        if not text.strip("0"):
            return None
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    return parser.parse(field, data)


# --- writing the route ---------------------------------------------------------------


def route_columns(profile: ColumnProfile) -> list[str]:
    """The columns of a route file, in order: what the terminal reads, then what it fills."""
    names = [
        profile.hardware_column,
        profile.meter_no_column,
        profile.location_column,
        profile.previous_column,
        profile.reading_column,
        profile.time_column,
        profile.status_column,
    ]
    return [name for name in names if name]


def _route_rows(profile: ColumnProfile, entries: Sequence[RouteEntry]) -> list[list[Any]]:
    unread = profile.status_unread[0] if profile.status_unread else ""
    rows = []
    for entry in entries:
        by_column: dict[str, Any] = {
            profile.hardware_column: entry.hardware_no,
            profile.reading_column: None,
            profile.time_column: None,
        }
        if profile.meter_no_column:
            by_column[profile.meter_no_column] = entry.meter_no
        if profile.location_column:
            by_column[profile.location_column] = entry.location
        if profile.previous_column:
            by_column[profile.previous_column] = entry.previous
        if profile.status_column:
            by_column[profile.status_column] = unread
        rows.append([by_column.get(name) for name in route_columns(profile)])
    return rows


def route_bytes(profile: ColumnProfile, entries: Sequence[RouteEntry]) -> bytes:
    """The route file's content in the profile's format (not XLS: nothing writes it)."""
    columns = route_columns(profile)
    rows = _route_rows(profile, entries)
    if profile.file_format in ("csv", "txt"):
        out = io.StringIO()
        writer = csv.writer(
            out, delimiter=profile.delimiter.replace("\\t", "\t") or ",", lineterminator="\r\n"
        )
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _text(v) for v in row])
        return _encode(out.getvalue(), profile.encoding, "路线文件")
    if profile.file_format == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("抄表路线")
        sheet.append(columns)
        for row in rows:
            # Empty text as no cell: openpyxl would write it as a filled (empty) text cell.
            sheet.append([None if value == "" else value for value in row])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    if profile.file_format == "dbf":
        numeric = {profile.reading_column, profile.previous_column}
        return dbf_bytes(columns, rows, profile.encoding, numeric=numeric)
    raise HandheldError("XLS 格式只能读取，不能写出路线；请改用 XLSX、CSV 或 DBF 方案")


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _encode(text: str, encoding: str, what: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise HandheldError(f"{what}中的「{bad}」无法用 {encoding} 编码写出") from exc


def dbf_bytes(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    encoding: str = "gbk",
    *,
    numeric: set[str | None] | frozenset[str] = frozenset(),
    decimals: int = 3,
) -> bytes:
    """A dBase III table: character fields, and numeric ones N(14, `decimals`).

    Names longer than 10 bytes are refused (the format's limit); widths fit the longest
    value in `encoding`. The language driver byte says GBK (0x7A) for GBK files.
    """
    kinds = ["N" if name in numeric else "C" for name in columns]
    encoded: list[list[bytes]] = []
    for row in rows:
        cells = []
        for kind, value in zip(kinds, row, strict=True):
            if value is None:
                cells.append(b"")
            elif kind == "N":
                cells.append(f"{Decimal(value):.{decimals}f}".encode("ascii"))
            else:
                cells.append(_encode(_text(value), encoding, "路线文件"))
        encoded.append(cells)
    widths = [
        14 if kind == "N" else max([1, *(len(r[i]) for r in encoded)])
        for i, kind in enumerate(kinds)
    ]
    if any(w > 254 for w in widths):
        raise HandheldError("DBF 字符字段最长 254 字节")
    header_len = 32 + 32 * len(columns) + 1
    record_len = 1 + sum(widths)
    today = dt.date.today()
    driver = 0x7A if encoding.lower().replace("-", "") in ("gbk", "cp936", "gb2312") else 0
    out = bytearray(
        struct.pack(
            "<BBBBIHH",
            0x03,
            today.year - 1900,
            today.month,
            today.day,
            len(rows),
            header_len,
            record_len,
        )
    )
    out += bytes(17) + bytes([driver]) + bytes(2)
    for name, kind, width in zip(columns, kinds, widths, strict=True):
        raw_name = name.encode("ascii", errors="strict") if name.isascii() else b""
        if not raw_name or len(raw_name) > 10:
            raise HandheldError(f"DBF 字段名 {name!r} 应为 1–10 个英文字母或数字")
        out += raw_name.ljust(11, b"\0") + kind.encode() + bytes(4)
        out += bytes([width, decimals if kind == "N" else 0]) + bytes(14)
    out += b"\r"
    for cells in encoded:
        out += b" "
        for kind, width, cell in zip(kinds, widths, cells, strict=True):
            out += cell.rjust(width) if kind == "N" else cell.ljust(width)
    out += b"\x1a"
    return bytes(out)


# --- drivers -------------------------------------------------------------------------


class ExportFileDriver:
    """A terminal that hands over its readings as an export file."""

    def __init__(self, path: str | Path, profile: ColumnProfile) -> None:
        self.path = Path(path)
        self.profile = profile

    def readings(self) -> list[RawLine]:
        return read_export(self.path, self.profile)

    def send_route(self, entries: Sequence[RouteEntry], destination: str | Path) -> None:
        Path(destination).write_bytes(route_bytes(self.profile, entries))


class SerialHandheldDriver:
    """A terminal docked as a USB serial (CDC) port.

    Vendors' download protocols are private, so `readings` and `send_route` say so rather
    than guess; `read_meter` reads a meter on the bench through the terminal's infrared
    head (or any adapter) with the same transport as a meter on a bus.
    """

    def __init__(self, url: str, protocol: str = "dlt645-2007", *, link: Any = None) -> None:
        self.url = url
        self.protocol = protocol
        self._link = link

    def _meter_link(self) -> Any:
        if self._link is None:
            from devices.transport import MeterLink

            self._link = MeterLink(self.url, self.protocol)
        return self._link

    def readings(self) -> list[RawLine]:
        raise HandheldError(
            f"掌上机 {self.url} 的串口下载协议属厂商私有，尚未接入；"
            "请在掌上机上导出文件后按方案导入"
        )

    def send_route(self, entries: Sequence[RouteEntry], destination: str | Path) -> None:
        raise HandheldError(
            f"掌上机 {self.url} 的串口下载协议属厂商私有，尚未接入；请导出路线文件后用厂商工具下发"
        )

    def read_meter(self, address: str, di: int | str | None = None) -> Any:
        """One reading from the meter at `address` (see MeterLink.read)."""
        return self._meter_link().read(address, di)

    def close(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None
