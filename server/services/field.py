"""Field staff on their phones (内部业务): 现场抄录 and the reading log (抄表日志)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services import metering
from server.services.auth import StaffIdentity
from server.services.calendar import BUSINESS_TZ, Period, business_datetime, now
from server.services.errors import DomainError
from server.services.metering import ReadingResult
from server.services.photos import store_photo


def field_reading(
    session: Session, staff: StaffIdentity, meter_no: str, value: str, photo: bytes, note: str = ""
) -> ReadingResult:
    """现场抄录 with a photo of the dial; the anomaly rules answer at once."""
    if not photo:
        raise DomainError("请拍摄表盘照片")
    if len(note) > 200:
        raise DomainError("备注最多 200 字")
    stored = store_photo(session, photo, "表盘照片")
    return metering.record_reading(
        session,
        staff.actor,
        meter_no,
        value,
        now().astimezone(BUSINESS_TZ),
        "field",
        photo_id=stored.photo_id,
        note=note.strip(),
    )


@dataclass(frozen=True)
class LogEntry:
    meter_no: str
    location: str
    value: Decimal | None
    read_at: datetime | None
    status: str
    flags: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class ReadingLog:
    day: date
    read: tuple[LogEntry, ...]
    unread: tuple[LogEntry, ...]


def reading_log(session: Session, staff_id: int, day: date) -> ReadingLog:
    """What the reader read on `day`, and the meters of the buildings they worked in this
    month that have no reading yet this month (未抄表计清单)."""
    start, end = business_datetime(day), business_datetime(date.fromordinal(day.toordinal() + 1))
    read = session.execute(
        text(
            """
            select m.meter_no, m.location, r.value, r.read_at, r.status, r.flags, r.note
            from reading r join meter m on m.id = r.meter_id
            where r.staff_id = :s and r.source = 'field' and r.read_at >= :a and r.read_at < :b
            order by r.read_at
            """
        ),
        {"s": staff_id, "a": start, "b": end},
    ).all()
    month = Period.of(day)
    unread = session.execute(
        text(
            """
            select m.meter_no, m.location
            from meter m
            where m.status = 'active' and m.building_id in (
                select distinct mm.building_id from reading r join meter mm on mm.id = r.meter_id
                where r.staff_id = :s and r.read_at >= :m0 and r.read_at < :m1
            )
            and not exists (
                select 1 from reading r where r.meter_id = m.id
                and r.read_at >= :m0 and r.read_at < :m1 and r.status in ('accepted', 'held')
            )
            order by m.meter_no limit 500
            """
        ),
        {"s": staff_id, "m0": month.start, "m1": month.end},
    ).all()
    return ReadingLog(
        day,
        tuple(LogEntry(r[0], r[1], r[2], r[3], r[4], tuple(r[5]), r[6]) for r in read),
        tuple(LogEntry(r[0], r[1], None, None, "", (), "") for r in unread),
    )
