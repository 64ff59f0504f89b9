"""The readings desk (抄表) of the office: the entry sheet of a building, the review queue of
held and self-service readings, and the unread meters of a period (未抄表计清单).

Reading only; the writes are readings.record_reading / review_reading / correct_reading,
which apply the anomaly rules and the permission check themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from reports.unread_meters import UnreadLine
from server.db.models import Account, Building, Campus, Meter, Reading
from server.db.models.metering import ACCEPTED, HELD, METER_ACTIVE
from server.services.core.calendar import Period
from server.services.core.calendar import now as business_now
from server.services.core.photos import PhotoView, photo_view
from server.services.metering.ingest import latest_accepted_before, monthly_usage_history
from server.services.metering.meter_picker import (
    KIND_LABELS,
    MeterPlace,
    building_ids,
    load_places,
    meters_of_building,
    place_query,
)
from server.services.metering.usage_rules import Assessment, assess, describe_flags

# Not a visit to the meter: a new meter's first figure, or a figure made up for billing.
NOT_A_READ = ("initial", "estimate")
SOURCE_LABELS = {
    "self": "自助",
    "field": "现场",
    "handheld": "掌上机",
    "ble": "蓝牙",
    "remote": "远程",
    "import": "导入",
    "estimate": "估抄",
    "initial": "起码",
}


@dataclass(frozen=True)
class BuildingChoice:
    building_id: int
    campus: str
    building: str

    @property
    def key(self) -> str:
        """How meter_picker names a building unambiguously: '校区/楼名'."""
        return f"{self.campus}/{self.building}"


def building_choices(session: Session) -> tuple[BuildingChoice, ...]:
    """Every building by campus then name, for the campus → building pickers."""
    rows = session.execute(
        select(Building.id, Campus.name, Building.name)
        .join(Campus, Campus.id == Building.campus_id)
        .order_by(Campus.name, Building.name)
    )
    return tuple(BuildingChoice(i, c, b) for i, c, b in rows)


@dataclass(frozen=True)
class EntryRow:
    """A meter of the entry sheet, with what the rules need to judge a new figure at once."""

    meter_no: str
    kind: str
    room: str
    account_no: str
    holder_name: str
    digits: int
    multiplier: Decimal
    previous: Decimal | None
    previous_at: datetime | None
    history: tuple[Decimal, ...]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def assess(self, value: Decimal) -> Assessment:
        """The same judgement record_reading makes, before anything is saved."""
        return assess(self.previous, value, self.digits, self.multiplier, self.history)


def entry_sheet(
    session: Session, building: str, *, at: datetime | None = None
) -> tuple[EntryRow, ...]:
    """The active meters of a building ('校区/楼名') with their last accepted reading before
    `at` (now) and their monthly usage history, in the order a reader walks them."""
    moment = at or business_now()
    places = meters_of_building(session, building, with_last=False)
    meters = {
        m.id: m
        for m in session.scalars(select(Meter).where(Meter.id.in_([p.meter_id for p in places])))
    }
    rows = []
    for place in places:
        meter = meters[place.meter_id]
        previous = latest_accepted_before(session, meter.id, moment)
        rows.append(
            EntryRow(
                meter_no=place.meter_no,
                kind=place.kind,
                room=place.room_text,
                account_no=place.account_no,
                holder_name=place.holder_name,
                digits=meter.digits,
                multiplier=meter.multiplier,
                previous=previous.value if previous else None,
                previous_at=previous.read_at if previous else None,
                history=tuple(monthly_usage_history(session, meter.id, moment)),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class QueuedReading:
    """A held reading waiting for a person: a self-service one, or one the rules held."""

    reading_id: int
    meter_no: str
    kind: str
    place: str
    account_no: str
    holder_name: str
    value: Decimal
    previous: Decimal | None
    usage: Decimal | None
    read_at: datetime
    source: str
    flags: tuple[str, ...]
    note: str
    photo_id: int | None

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)

    @property
    def reason(self) -> str:
        return describe_flags(self.flags) or ("自助抄表待审核" if self.source == "self" else "")


def review_queue(session: Session, limit: int = 500) -> tuple[QueuedReading, ...]:
    """Held readings, oldest first (the first in is the first reviewed)."""
    previous = aliased(Reading)
    rows = session.execute(
        select(Reading, previous.value)
        .outerjoin(previous, previous.id == Reading.previous_id)
        .where(Reading.status == HELD)
        .order_by(Reading.read_at, Reading.id)
        .limit(limit)
    ).all()
    places = _places_by_id(session, [r.meter_id for r, _ in rows])
    return tuple(
        QueuedReading(
            reading_id=r.id,
            meter_no=places[r.meter_id].meter_no,
            kind=places[r.meter_id].kind,
            place=places[r.meter_id].place_text,
            account_no=places[r.meter_id].account_no,
            holder_name=places[r.meter_id].holder_name,
            value=r.value,
            previous=prev,
            usage=r.usage,
            read_at=r.read_at,
            source=r.source,
            flags=tuple(r.flags),
            note=r.note,
            photo_id=r.photo_id,
        )
        for r, prev in rows
    )


def _places_by_id(session: Session, meter_ids: Sequence[int]) -> dict[int, MeterPlace]:
    if not meter_ids:
        return {}
    places = load_places(session, place_query().where(Meter.id.in_(set(meter_ids))), False)
    return {p.meter_id: p for p in places}


def reading_photo(session: Session, photo_id: int) -> PhotoView:
    """The JPEG taken with a reading, to show beside its figure with when it was taken."""
    return photo_view(session, photo_id)


@dataclass(frozen=True)
class UnreadList:
    period: str
    scope: str  # '全部' or the campus / building asked for
    generated_at: datetime
    meters: tuple[UnreadLine, ...]  # `kind` is the label (电表 / 水表), as the list prints it
    active: int  # meters in scope that should have been read


def unread_meters(
    session: Session,
    period: str,
    campus: str | None = None,
    building: str | None = None,
) -> UnreadList:
    """未抄表计清单: active meters in scope with no accepted reading dated in the period.

    A new meter's initial figure and an estimate are not visits, so they do not count as
    read; a meter installed after the period is not expected to have been read in it.
    """
    month = Period.parse(period)
    building_id = func.coalesce(Meter.building_id, Account.building_id)
    read = exists().where(
        Reading.meter_id == Meter.id,
        Reading.status == ACCEPTED,
        Reading.source.not_in(NOT_A_READ),
        Reading.read_at >= month.start,
        Reading.read_at < month.end,
    )
    in_scope = place_query().where(
        Meter.status == METER_ACTIVE,
        (Meter.installed_on.is_(None)) | (Meter.installed_on < month.shift(1).first_day),
    )
    if building:
        in_scope = in_scope.where(building_id.in_(building_ids(session, building)))
    if campus:
        in_scope = in_scope.where(Campus.name == campus.strip())
    active = session.scalar(select(func.count()).select_from(in_scope.subquery())) or 0
    query = in_scope.where(~read).order_by(
        Campus.name, Building.name, Account.unit, Account.room, Meter.meter_no
    )
    meters = tuple(
        UnreadLine(
            p.meter_no,
            KIND_LABELS.get(p.kind, p.kind),
            p.campus,
            p.building,
            p.room_text,
            p.account_no,
            p.holder_name,
            p.last_value,
        )
        for p in load_places(session, query, True)
    )
    scope = " ".join(part for part in (campus or "", building or "") if part) or "全部"
    return UnreadList(str(month), scope, business_now(), meters, active)
