"""Meters and readings: register a meter, record a reading with its flags at once,
replace a meter, review held readings, and read a meter's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server.db.models import Meter, MeterReplacement, Reading
from server.db.models.metering import (
    ACCEPTED,
    HELD,
    KINDS,
    METER_ACTIVE,
    METER_REPLACED,
    READING_SOURCES,
    REJECTED,
    SUPERSEDED,
)
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, business_datetime
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.metering.ingest import check_reading_value, judge_reading, meter_for
from server.services.metering.usage_rules import describe_flags, quantity_text

METER_STATUS_LABELS = {METER_ACTIVE: "在用", METER_REPLACED: "已换下", "removed": "已拆除"}
READING_STATUS_LABELS = {
    ACCEPTED: "已采用",
    HELD: "待审核",
    REJECTED: "已驳回",
    SUPERSEDED: "已更正",
}

# Readings residents take themselves wait for a person at the desk whatever their figures.
REVIEWED_SOURCES = frozenset({"self"})


@dataclass(frozen=True)
class MeterSpec:
    meter_no: str
    kind: str
    digits: int
    multiplier: Decimal = Decimal(1)
    model: str = ""
    hardware_no: str | None = None
    location: str = ""
    account_id: int | None = None
    building_id: int | None = None
    installed_on: date | None = None


@dataclass(frozen=True)
class ReadingResult:
    reading_id: int
    meter_no: str
    value: Decimal
    read_at: datetime
    status: str
    flags: tuple[str, ...]
    usage: Decimal | None
    previous: Decimal | None

    @property
    def message(self) -> str:
        """What the reader is told at once."""
        return describe_flags(self.flags)

    def as_json(self) -> dict[str, Any]:
        def figure(value: Decimal | None) -> str | None:
            return None if value is None else quantity_text(value)

        return {
            "reading_id": self.reading_id,
            "meter_no": self.meter_no,
            "value": quantity_text(self.value),
            "read_at": self.read_at.astimezone(BUSINESS_TZ).isoformat(),
            "status": self.status,
            "flags": list(self.flags),
            "message": self.message,
            "usage": figure(self.usage),
            "previous": figure(self.previous),
        }


def as_decimal(value: object, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(f"{what} 不是数字：「{value}」") from exc
    if not number.is_finite():
        raise DomainError(f"{what} 不是数字：「{value}」")
    return number


def validate_spec(spec: MeterSpec) -> None:
    if not spec.meter_no.strip():
        raise InvalidInput("表号不能为空")
    if spec.kind not in KINDS:
        raise InvalidInput(f"表计类型应为水或电，收到「{spec.kind}」")
    if not 1 <= spec.digits <= 12:
        raise DomainError(f"表计 {spec.meter_no} 位数应在 1–12 之间，收到 {spec.digits}")
    if spec.multiplier <= 0:
        raise DomainError(f"表计 {spec.meter_no} 倍率必须大于 0，收到 {spec.multiplier}")


def register_meter(session: Session, actor: Actor, spec: MeterSpec) -> Meter:
    permissions.require(session, actor, "meters")
    validate_spec(spec)
    if session.scalar(select(Meter.id).where(Meter.meter_no == spec.meter_no)):
        raise Conflict(f"表号 {spec.meter_no} 已存在")
    meter = Meter(
        meter_no=spec.meter_no,
        kind=spec.kind,
        digits=spec.digits,
        multiplier=spec.multiplier,
        model=spec.model,
        hardware_no=spec.hardware_no or None,
        location=spec.location,
        account_id=spec.account_id,
        building_id=spec.building_id,
        installed_on=spec.installed_on,
        status=METER_ACTIVE,
    )
    session.add(meter)
    session.flush()
    audit.record(session, actor, "meter.register", "meter", meter.id, {"meter_no": spec.meter_no})
    return meter


def meter_by_no(session: Session, meter_no: str, *, lock: bool = False) -> Meter:
    query = select(Meter).where(Meter.meter_no == meter_no.strip())
    if lock:
        query = query.with_for_update()
    meter = session.scalar(query)
    if meter is None:
        raise NotFound(f"表号 {meter_no} 不存在")
    return meter


def _check_time(read_at: datetime) -> None:
    if read_at.tzinfo is None:
        raise DomainError("抄表时间必须带时区")


def record_reading(
    session: Session,
    actor: Actor,
    meter_no: str,
    value: Decimal | str,
    read_at: datetime,
    source: str,
    *,
    photo_id: int | None = None,
    note: str = "",
    corrects_id: int | None = None,
) -> ReadingResult:
    """Record a reading and flag it at once; a reading lower than the last one is held."""
    permissions.require(session, actor, "readings")
    if source not in READING_SOURCES:
        raise DomainError(f"未知的抄表来源「{source}」")
    _check_time(read_at)
    what = f"表计 {meter_no} 的读数"
    figure = check_reading_value(as_decimal(value, what), what=what)
    # Serialise readings of one meter so two entries never judge against the same previous.
    meter = meter_for(session, meter_no, hardware=False, lock=True)
    if meter is None or meter.id is None:
        raise NotFound(f"表号 {meter_no} 不存在")
    check_reading_value(figure, meter.digits, f"表计 {meter.meter_no} 的读数")
    judged = judge_reading(session, meter.id, meter.digits, meter.multiplier, figure, read_at)
    assessment, previous = judged.assessment, judged.previous
    status = HELD if assessment.held or source in REVIEWED_SOURCES else ACCEPTED
    reading = Reading(
        meter_id=meter.id,
        value=figure,
        read_at=read_at,
        source=source,
        status=status,
        flags=list(assessment.flags),
        usage=assessment.usage,
        previous_id=previous.id if previous else None,
        corrects_id=corrects_id,
        photo_id=photo_id,
        staff_id=actor.staff_id,
        note=note,
    )
    session.add(reading)
    session.flush()
    audit.record(
        session,
        actor,
        "reading.record",
        "reading",
        reading.id,
        {
            "meter_no": meter.meter_no,
            "value": str(figure),
            "status": status,
            "flags": list(assessment.flags),
        },
    )
    return ReadingResult(
        reading_id=reading.id,
        meter_no=meter.meter_no,
        value=figure,
        read_at=read_at,
        status=status,
        flags=assessment.flags,
        usage=assessment.usage,
        previous=previous.value if previous else None,
    )


def review_reading(
    session: Session, actor: Actor, reading_id: int, decision: str, note: str = ""
) -> None:
    """Accept or reject a held reading; a correction is `correct_reading` instead."""
    permissions.require(session, actor, "readings")
    reading = session.get(Reading, reading_id, with_for_update=True)
    if reading is None:
        raise NotFound(f"读数 {reading_id} 不存在")
    if reading.status != HELD:
        raise DomainError(
            f"读数 {reading_id} 不在待审核状态（当前：{READING_STATUS_LABELS[reading.status]}）"
        )
    if decision not in (ACCEPTED, REJECTED):
        raise InvalidInput(f"审核结果应为 accepted 或 rejected，收到「{decision}」")
    if decision == REJECTED and not note.strip():
        raise InvalidInput("驳回读数须填写原因")
    reading.status = decision
    reading.reviewed_by_id = actor.staff_id
    reading.reviewed_at = func.now()
    reading.review_note = note
    audit.record(session, actor, f"reading.{decision}", "reading", reading_id, {"note": note})


def correct_reading(
    session: Session, actor: Actor, reading_id: int, value: Decimal | str, reason: str
) -> ReadingResult:
    """Replace a held or accepted reading by a new one; the old row is kept, superseded."""
    permissions.require(session, actor, "readings")
    if not reason.strip():
        raise InvalidInput("更正读数须填写原因")
    original = session.get(Reading, reading_id, with_for_update=True)
    if original is None:
        raise NotFound(f"读数 {reading_id} 不存在")
    if original.status not in (HELD, ACCEPTED):
        raise DomainError(f"读数 {reading_id} {READING_STATUS_LABELS[original.status]}，不能更正")
    meter = session.get(Meter, original.meter_id)
    assert meter is not None
    original.status = SUPERSEDED
    original.reviewed_by_id = actor.staff_id
    original.reviewed_at = func.now()
    original.review_note = reason
    session.flush()
    return record_reading(
        session,
        actor,
        meter.meter_no,
        value,
        original.read_at,
        original.source,
        photo_id=original.photo_id,
        note=reason,
        corrects_id=original.id,
    )


def correct_reading_of_day(
    session: Session, actor: Actor, meter_no: str, day: date, value: Decimal | str, reason: str
) -> ReadingResult:
    """Supersede the one accepted reading of a meter dated `day` (business time), as a
    correction typed by meter and date (`meterdesk reading correct`) names it."""
    meter = meter_by_no(session, meter_no)
    start = business_datetime(day)
    found = session.scalars(
        select(Reading.id)
        .where(
            Reading.meter_id == meter.id,
            Reading.status == ACCEPTED,
            Reading.read_at >= start,
            Reading.read_at < start + timedelta(days=1),
        )
        .order_by(Reading.read_at, Reading.id)
    ).all()
    if not found:
        raise NotFound(f"表计 {meter.meter_no} 在 {day.isoformat()} 没有已采用的读数")
    if len(found) > 1:
        raise Conflict(
            f"表计 {meter.meter_no} 在 {day.isoformat()} 有 {len(found)} 个已采用的读数，"
            "请在抄表页选定要更正的一个"
        )
    return correct_reading(session, actor, found[0], value, reason)


@dataclass(frozen=True)
class ReplacementResult:
    replacement_id: int
    old_meter_no: str
    new_meter_no: str
    old_usage: Decimal | None


def replace_meter(
    session: Session,
    actor: Actor,
    old_meter_no: str,
    old_final: Decimal | str,
    new_meter: MeterSpec | str,
    new_initial: Decimal | str,
    replaced_at: datetime,
    note: str = "",
) -> ReplacementResult:
    """换表: the old meter's final reading closes it, the new meter starts at its initial.

    `new_meter` is either the spec of a meter to register or the number of one already
    registered and not yet read. The new meter takes over the old one's account and place.
    """
    permissions.require(session, actor, "meters")
    _check_time(replaced_at)
    old = meter_by_no(session, old_meter_no, lock=True)
    if old.status != METER_ACTIVE:
        raise DomainError(f"表计 {old.meter_no} {METER_STATUS_LABELS[old.status]}，不能再换表")
    final = as_decimal(old_final, f"旧表 {old.meter_no} 止码")
    initial = as_decimal(new_initial, "新表起码")
    if isinstance(new_meter, MeterSpec):
        spec = MeterSpec(
            **{
                **new_meter.__dict__,
                "account_id": new_meter.account_id or old.account_id,
                "building_id": new_meter.building_id or old.building_id,
                "location": new_meter.location or old.location,
                "installed_on": new_meter.installed_on
                or replaced_at.astimezone(BUSINESS_TZ).date(),
            }
        )
        new = register_meter(session, actor, spec)
    else:
        new = meter_by_no(session, new_meter, lock=True)
        if session.scalar(select(func.count()).where(Reading.meter_id == new.id)):
            raise Conflict(f"新表 {new.meter_no} 已有读数，不能作为换上的新表")
        if new.account_id is None:
            new.account_id = old.account_id
    if new.kind != old.kind:
        raise DomainError(f"新表 {new.meter_no} 与旧表 {old.meter_no} 类型不同")
    # As a field install's and the legacy workbook's 新表起码: a figure the new register shows.
    check_reading_value(initial, new.digits, "新表起码")
    # The new meter takes the old one's place among master and sub-meters (总分表) too.
    if new.parent_id is None:
        new.parent_id = old.parent_id
    session.execute(
        update(Meter)
        .where(Meter.parent_id == old.id, Meter.id != new.id)
        .values(parent_id=new.id)
        .execution_options(synchronize_session="fetch")
    )
    closing = record_reading(
        session, actor, old.meter_no, final, replaced_at, "field", note="换表止码"
    )
    if closing.status != ACCEPTED:
        raise DomainError(
            f"旧表 {old.meter_no} 止码 {final} 低于上次读数 {closing.previous}，请核对后再换表"
        )
    opening = Reading(
        meter_id=new.id,
        value=initial,
        read_at=replaced_at,
        source="initial",
        status=ACCEPTED,
        flags=[],
        staff_id=actor.staff_id,
        note="换表起码",
    )
    session.add(opening)
    old.status = METER_REPLACED
    session.flush()
    replacement = MeterReplacement(
        old_meter_id=old.id,
        new_meter_id=new.id,
        old_final=final,
        new_initial=initial,
        replaced_at=replaced_at,
        old_final_reading_id=closing.reading_id,
        new_initial_reading_id=opening.id,
        staff_id=actor.staff_id,
        note=note,
    )
    session.add(replacement)
    session.flush()
    audit.record(
        session,
        actor,
        "meter.replace",
        "meter_replacement",
        replacement.id,
        {
            "old": old.meter_no,
            "new": new.meter_no,
            "old_final": str(final),
            "new_initial": str(initial),
        },
    )
    return ReplacementResult(replacement.id, old.meter_no, new.meter_no, closing.usage)


@dataclass(frozen=True)
class ReadingRow:
    reading_id: int
    read_at: datetime
    value: Decimal
    usage: Decimal | None
    source: str
    status: str
    flags: tuple[str, ...]
    note: str


def reading_history(session: Session, meter_no: str, limit: int = 100) -> list[ReadingRow]:
    """A meter's readings, newest first, with every status (held, superseded…) shown."""
    meter = meter_by_no(session, meter_no)
    rows = session.scalars(
        select(Reading)
        .where(Reading.meter_id == meter.id)
        .order_by(Reading.read_at.desc(), Reading.id.desc())
        .limit(limit)
    )
    return [
        ReadingRow(r.id, r.read_at, r.value, r.usage, r.source, r.status, tuple(r.flags), r.note)
        for r in rows
    ]
