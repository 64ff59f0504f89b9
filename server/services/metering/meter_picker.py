"""Where meters are: picking meters by building or by number, with their campus, building
and room, for the handheld route and the barcode labels.

A meter's building is its own, or else its account's (most meters are registered against
an account and inherit where it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.db.models import Account, Building, Campus, Meter, Reading
from server.db.models.metering import ACCEPTED, METER_ACTIVE
from server.services.core.errors import DomainError, NotFound

KIND_LABELS = {"electricity": "电表", "water": "水表"}


@dataclass(frozen=True)
class MeterPlace:
    meter_id: int
    meter_no: str
    hardware_no: str | None
    kind: str
    status: str
    campus: str
    building: str
    unit: str
    room: str
    location: str
    account_no: str
    holder_name: str
    last_value: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def room_text(self) -> str:
        """'2单元301' / '301' / the meter's own location when it has no room."""
        if self.room:
            return f"{self.unit}单元{self.room}" if self.unit else self.room
        return self.location

    @property
    def place_text(self) -> str:
        return " ".join(part for part in (self.campus, self.building, self.room_text) if part)


def place_query() -> Select:
    """The columns of a `MeterPlace`; callers add their filter (building, numbers, ids)."""
    building_id = func.coalesce(Meter.building_id, Account.building_id)
    return (
        select(
            Meter.id,
            Meter.meter_no,
            Meter.hardware_no,
            Meter.kind,
            Meter.status,
            Meter.location,
            func.coalesce(Campus.name, "").label("campus"),
            func.coalesce(Building.name, "").label("building"),
            func.coalesce(Account.unit, "").label("unit"),
            func.coalesce(Account.room, "").label("room"),
            func.coalesce(Account.account_no, "").label("account_no"),
            func.coalesce(Account.holder_name, "").label("holder_name"),
        )
        .select_from(Meter)
        .outerjoin(Account, Account.id == Meter.account_id)
        .outerjoin(Building, Building.id == building_id)
        .outerjoin(Campus, Campus.id == func.coalesce(Building.campus_id, Account.campus_id))
    )


def load_places(session: Session, query: Select, with_last: bool) -> list[MeterPlace]:
    """The places a `place_query` finds, with each meter's last figure when asked."""
    rows = session.execute(query).all()
    last = last_values(session, [r.id for r in rows]) if with_last else {}
    return [
        MeterPlace(
            r.id,
            r.meter_no,
            r.hardware_no,
            r.kind,
            r.status,
            r.campus,
            r.building,
            r.unit,
            r.room,
            r.location,
            r.account_no,
            r.holder_name,
            last.get(r.id),
        )
        for r in rows
    ]


def last_values(session: Session, meter_ids: Sequence[int]) -> dict[int, Decimal]:
    """Meter id → its latest accepted figure (meters never read are left out)."""
    if not meter_ids:
        return {}
    latest = (
        select(Reading.value)
        .where(Reading.meter_id == Meter.id, Reading.status == ACCEPTED)
        .order_by(Reading.read_at.desc(), Reading.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(select(Meter.id, latest).where(Meter.id.in_(meter_ids)))
    return {meter_id: value for meter_id, value in rows if value is not None}


def building_ids(session: Session, building: str) -> list[int]:
    """The building named '楼名' or '校区/楼名'; a name on two campuses must say which."""
    text = building.strip()
    campus, _, name = text.rpartition("/")
    query = select(Building.id, Campus.name).join(Campus, Campus.id == Building.campus_id)
    query = query.where(Building.name == name.strip())
    if campus.strip():
        query = query.where(Campus.name == campus.strip())
    rows = session.execute(query).all()
    if not rows:
        raise NotFound(f"楼宇 {text} 不存在")
    if len(rows) > 1:
        campuses = "、".join(f"{c}/{name}" for _, c in rows)
        raise DomainError(f"多个校区都有 {name}，请写明校区：{campuses}")
    return [rows[0][0]]


def meters_of_building(
    session: Session,
    building: str,
    *,
    kind: str | None = None,
    active_only: bool = True,
    with_last: bool = True,
) -> list[MeterPlace]:
    """The meters of a building, by unit, room and meter number."""
    ids = building_ids(session, building)
    query = place_query().where(func.coalesce(Meter.building_id, Account.building_id).in_(ids))
    if kind:
        query = query.where(Meter.kind == kind)
    if active_only:
        query = query.where(Meter.status == METER_ACTIVE)
    query = query.order_by(Account.unit, Account.room, Meter.kind, Meter.meter_no)
    return load_places(session, query, with_last)


def meters_by_numbers(
    session: Session, numbers: Sequence[str], *, with_last: bool = False
) -> list[MeterPlace]:
    """The meters with these numbers (or hardware numbers), in the order given."""
    wanted = [n.strip() for n in numbers if n.strip()]
    if not wanted:
        raise DomainError("请至少给出一个表号")
    query = place_query().where((Meter.meter_no.in_(wanted)) | (Meter.hardware_no.in_(wanted)))
    places = load_places(session, query, with_last)
    by_key = {p.meter_no: p for p in places}
    by_key.update(
        {p.hardware_no: p for p in places if p.hardware_no and p.hardware_no not in by_key}
    )
    missing = [n for n in wanted if n not in by_key]
    if missing:
        raise NotFound(f"表号 {'、'.join(missing)} 不存在")
    return list({by_key[n].meter_id: by_key[n] for n in wanted}.values())
