"""One line of a handheld terminal's export (or of the remote platform's records): its
cells read into a hardware number, a figure the ingest engine takes (`check_reading_value`)
and a reading time in business time — or the terminal's own 未抄 / 失败, or why the line
cannot be read. What becomes of the reading is `handheld_import`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from devices.handheld import HARDWARE, READING, STATUS, TIME, ColumnProfile, RawLine
from reports.workbook import CellError, cell_decimal, cell_text
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import InvalidInput
from server.services.metering.ingest import READ_TIME, check_reading_value

# Tried in order when a profile names no time format.
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y%m%d%H%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
# A terminal's clock may run ahead a little; a day ahead is a wrong clock or a wrong column.
FUTURE_TOLERANCE = timedelta(hours=1)


class BadLine(Exception):
    """A line that cannot be read; the message is the reason."""


def parse_time(value: Any, time_format: str = "") -> datetime:
    """A reading time in business time from a cell: datetime, date (taken at noon, as the
    legacy import does; midnight counts as a date) or text in `time_format` or one of the
    usual formats."""
    # Spreadsheets hand a date cell over as midnight: read it as the date it is.
    if isinstance(value, datetime) and value.time() != time(0):
        moment = value
    elif isinstance(value, date):
        value = value.date() if isinstance(value, datetime) else value
        moment = datetime.combine(value, READ_TIME)
    else:
        text = cell_text(value)
        if not text:
            raise BadLine("缺少抄表时间")
        moment = _parse_time_text(text, time_format)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BUSINESS_TZ)
    return moment.astimezone(BUSINESS_TZ)


def _parse_time_text(text: str, time_format: str) -> datetime:
    if time_format:
        try:
            return datetime.strptime(text, time_format)
        except ValueError:
            raise BadLine(f"抄表时间「{text}」不符合格式 {time_format}") from None
    if ":" in text:
        # The usual 2026-11-20 09:30:00 costs a tenth of a strptime this way.
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    for pattern in DATE_FORMATS:
        try:
            return datetime.combine(datetime.strptime(text, pattern).date(), READ_TIME)
        except ValueError:
            continue
    raise BadLine(f"抄表时间「{text}」无法识别（应如 2026-11-20 09:30:00）")


def _figure(value: Any) -> Decimal:
    """The reading cell as the ingest engine takes a figure (≥ 0, at most 3 decimals)."""
    try:
        figure = cell_decimal(value)
    except CellError:
        raise BadLine(f"读数「{cell_text(value)}」不是数字") from None
    if figure is None:
        raise BadLine("缺少读数")
    try:
        return check_reading_value(figure)
    except InvalidInput as exc:
        raise BadLine(str(exc)) from None


@dataclass(frozen=True)
class Skipped:
    """A line the terminal marks as not read: unread, or `failed` (it tried and could not)."""

    failed: bool
    message: str


@dataclass(frozen=True)
class LineCells:
    """A line read: the figure and when (the hardware number is the caller's to look up)."""

    value: Decimal
    read_at: datetime


def read_cells(raw: RawLine, profile: ColumnProfile, now: datetime) -> LineCells | Skipped:
    """The line's cells as `profile` maps them; raises BadLine saying why it cannot be read
    (a reading timed over FUTURE_TOLERANCE after `now` is a terminal's wrong clock)."""
    hardware_no = cell_text(raw.cells.get(HARDWARE))
    if not hardware_no:
        raise BadLine("缺少表号（硬件号）")
    status = cell_text(raw.cells.get(STATUS)) if profile.status_column else None
    if status is not None and status in profile.status_unread:
        return Skipped(False, "掌上机标记为未抄")
    if status is not None and status in profile.status_failed:
        return Skipped(True, "掌上机标记为抄表失败")
    if status is not None and status not in profile.status_ok:
        raise BadLine(
            f"状态「{status}」不是方案中的取值（正常：{'/'.join(profile.status_ok)}；"
            f"未抄：{'/'.join(profile.status_unread) or '无'}；"
            f"失败：{'/'.join(profile.status_failed) or '无'}）"
        )
    if status is None and not cell_text(raw.cells.get(READING)):
        return Skipped(False, "没有读数（未抄）")
    value = _figure(raw.cells.get(READING))
    read_at = parse_time(raw.cells.get(TIME), profile.time_format)
    if read_at > now + FUTURE_TOLERANCE:
        raise BadLine(f"抄表时间 {read_at:%Y-%m-%d %H:%M} 晚于现在，请检查掌上机时钟")
    return LineCells(value, read_at)
