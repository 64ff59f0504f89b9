"""Handheld terminals (电表掌上机): column profiles of their export files, and the log of
imports.

Profiles live in the database so every counter and office PC reads a terminal's file the
same way; the import log is append-only (migration 0006) and says who imported which file.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamp

FILE_FORMATS = ("dbf", "csv", "txt", "xls", "xlsx")


class HandheldProfile(Base):
    """Which column of a terminal's export file holds what, and how to read the file."""

    __tablename__ = "handheld_profile"
    __table_args__ = (
        CheckConstraint("file_format in ('dbf', 'csv', 'txt', 'xls', 'xlsx')", name="file_format"),
        CheckConstraint("header_row >= 1", name="header_row"),
        CheckConstraint("btrim(name) <> ''", name="name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str] = mapped_column(String(20), default="gbk")
    # CSV/TXT only: the field separator ("\t" for tab-separated text).
    delimiter: Mapped[str] = mapped_column(String(4), default=",")
    # CSV/TXT/XLS/XLSX: the 1-based row holding the column names; data starts below it.
    header_row: Mapped[int] = mapped_column(Integer, default=1)
    hardware_column: Mapped[str] = mapped_column(String(40))
    reading_column: Mapped[str] = mapped_column(String(40))
    time_column: Mapped[str] = mapped_column(String(40))
    # None: the file has no status; every line with a reading counts as read.
    status_column: Mapped[str | None] = mapped_column(String(40))
    # A strptime format; "" tries the usual ones (see devices.handheld.parse_time).
    time_format: Mapped[str] = mapped_column(String(40), default="")
    status_ok: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    status_unread: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    status_failed: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    # Route export only: extra columns written for the reader's eyes (None: not written).
    meter_no_column: Mapped[str | None] = mapped_column(String(40))
    location_column: Mapped[str | None] = mapped_column(String(40))
    previous_column: Mapped[str | None] = mapped_column(String(40))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class HandheldImport(Base):
    """One committed import of one file, with its per-outcome line counts.

    `imported` counts every reading written, `anomalies` the flagged ones among them; the
    other counts are lines that wrote nothing.
    """

    __tablename__ = "handheld_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("handheld_profile.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    lines: Mapped[int] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    # Same meter and time as a reading already there, with another value: left for a person.
    conflicts: Mapped[int] = mapped_column(Integer)
    unknown: Mapped[int] = mapped_column(Integer)
    anomalies: Mapped[int] = mapped_column(Integer)
    unread: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    unparsable: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]
