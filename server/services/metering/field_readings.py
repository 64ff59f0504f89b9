"""Field staff on their phones (内部业务): 现场抄录 and the reading log (抄表日志)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.core.calendar import BUSINESS_TZ, Period, business_datetime, now
from server.services.core.errors import DomainError
from server.services.core.photos import store_photo
from server.services.metering import readings
from server.services.metering.ingest import check_reading_value, judge_reading, meter_for
from server.services.metering.readings import ReadingResult
from server.services.metering.usage_rules import (
    KIND_UNITS,
    SURGE,
    describe_flags,
    mean_monthly_usage,
)
from server.services.staff.sign_in import StaffIdentity


@dataclass(frozen=True)
class SurgeToConfirm:
    """A field reading not saved yet: it would be flagged 用量突增, so the reader is asked
    to look at the dial again and confirm (a slip of a digit is the usual cause)."""

    meter_no: str
    value: Decimal
    usage: Decimal
    unit: str
    previous: Decimal
    monthly_mean: Decimal
    flags: tuple[str, ...]
    photo_id: int

    @property
    def message(self) -> str:
        return describe_flags(self.flags)


def _surge(
    session: Session, meter_no: str, value: str, read_at: datetime, photo_id: int
) -> SurgeToConfirm | None:
    """How record_reading would judge the figure, when that includes a surge."""
    meter = meter_for(session, meter_no, hardware=False)
    if meter is None or meter.id is None:
        return None  # record_reading says what is wrong with it
    what = f"表计 {meter.meter_no} 的读数"
    try:
        figure = check_reading_value(readings.as_decimal(value, what), meter.digits, what)
    except DomainError:
        return None
    judged = judge_reading(session, meter.id, meter.digits, meter.multiplier, figure, read_at)
    verdict, previous = judged.assessment, judged.previous
    if previous is None or SURGE not in verdict.flags or verdict.usage is None:
        return None
    mean = mean_monthly_usage(judged.history)
    assert mean is not None  # a surge is judged against at least 3 months
    return SurgeToConfirm(
        meter.meter_no,
        figure,
        verdict.usage,
        KIND_UNITS.get(meter.kind, ""),
        previous.value,
        mean,
        verdict.flags,
        photo_id,
    )


def field_reading(
    session: Session,
    staff: StaffIdentity,
    meter_no: str,
    value: str,
    photo: bytes,
    note: str = "",
    *,
    surge_confirmed: bool = False,
) -> ReadingResult | SurgeToConfirm:
    """现场抄录 with a photo of the dial; the anomaly rules answer at once. A reading that
    would be flagged 用量突增 is saved only once the reader has confirmed it: until then
    nothing but the photo is stored, and the answer says what was judged."""
    if not photo:
        raise DomainError("请拍摄表盘照片")
    if len(note) > 200:
        raise DomainError("备注最多 200 字")
    stored = store_photo(session, photo, "表盘照片")
    read_at = now().astimezone(BUSINESS_TZ)
    if not surge_confirmed:
        surge = _surge(session, meter_no, value, read_at, stored.photo_id)
        if surge is not None:
            return surge
    return readings.record_reading(
        session,
        staff.actor,
        meter_no,
        value,
        read_at,
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


@dataclass(frozen=True)
class RoundDay:
    day: date
    read: int
    flagged: int


def round_history(session: Session, staff_id: int, day: date) -> tuple[RoundDay, ...]:
    """The reader's round in `day`'s month: each day they read on, how many, how many flagged."""
    month = Period.of(day)
    rows = session.execute(
        text(
            """
            select (r.read_at at time zone :tz)::date, count(*),
                   count(*) filter (where cardinality(r.flags) > 0)
            from reading r
            where r.staff_id = :s and r.source = 'field' and r.read_at >= :m0 and r.read_at < :m1
            group by 1 order by 1
            """
        ),
        {"s": staff_id, "m0": month.start, "m1": month.end, "tz": str(BUSINESS_TZ)},
    ).all()
    return tuple(RoundDay(*row) for row in rows)
