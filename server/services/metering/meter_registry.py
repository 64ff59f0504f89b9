"""The meter registry (表计管理): list meters by campus, building, kind and status, register
one against an account or a building, and keep the map from hardware numbers (the comm
address a handheld or a remote platform reports) to billing meter numbers.

Replacing a meter is server.services.metering.readings.replace_meter; this module only reads and
edits the registry's descriptive fields, each edit audited with its before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from server.db.models import Account, Building, Campus, Meter
from server.db.models.metering import KINDS
from server.services.accounts.accounts import account_by_no
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, DomainError, InvalidInput, NotFound
from server.services.metering.meter_picker import KIND_LABELS, last_values, place_query
from server.services.metering.readings import (
    METER_STATUS_LABELS,
    MeterSpec,
    as_decimal,
    meter_by_no,
    register_meter,
)
from server.services.metering.review_desk import BuildingChoice, building_choices
from server.services.staff.org import campus_by_name

# The office looks at a screenful, not 50,000 rows; the count says how many matched.
DEFAULT_LIMIT = 500
_HARDWARE_MAX = 32
_LOCATION_MAX = 200


@dataclass(frozen=True)
class MeterFilter:
    """Blank means any. `text` matches a meter number, hardware number or account number
    by prefix."""

    campus: str = ""
    building: str = ""
    kind: str = ""
    status: str = ""
    text: str = ""
    account_no: str = ""


@dataclass(frozen=True)
class MeterRow:
    meter_no: str
    hardware_no: str
    kind: str
    digits: int
    multiplier: Decimal
    model: str
    status: str
    campus: str
    building: str
    room: str
    location: str
    account_no: str
    holder_name: str
    installed_on: date | None
    last_value: Decimal | None
    parent_no: str = ""  # 上级表号: the master meter (总表) this one is a sub-meter of

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return METER_STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class MeterList:
    rows: tuple[MeterRow, ...]
    total: int  # all that matched; `rows` holds at most the limit asked for


@dataclass(frozen=True)
class RegistryChoices:
    """What the filter boxes offer: campuses (with or without buildings), and buildings."""

    campuses: tuple[str, ...]
    buildings: tuple[BuildingChoice, ...]


_Parent = aliased(Meter)


def _registry_query() -> Select:
    parent_no = select(_Parent.meter_no).where(_Parent.id == Meter.parent_id).scalar_subquery()
    return place_query().add_columns(
        Meter.digits, Meter.multiplier, Meter.model, Meter.installed_on,
        func.coalesce(parent_no, "").label("parent_no"),
    )  # fmt: skip


def _filtered(filters: MeterFilter) -> Select:
    query = _registry_query()
    if filters.campus:
        query = query.where(Campus.name == filters.campus)
    if filters.building:
        query = query.where(Building.name == filters.building)
    if filters.kind:
        if filters.kind not in KINDS:
            raise InvalidInput(f"表计类型应为 {' / '.join(KINDS)}，收到「{filters.kind}」")
        query = query.where(Meter.kind == filters.kind)
    if filters.status:
        if filters.status not in METER_STATUS_LABELS:
            raise InvalidInput(f"表计状态应为 {' / '.join(METER_STATUS_LABELS)}")
        query = query.where(Meter.status == filters.status)
    if filters.account_no:
        query = query.where(Account.account_no == filters.account_no.strip())
    if filters.text.strip():
        prefix = filters.text.strip().replace("\\", "\\\\").replace("%", "\\%") + "%"
        query = query.where(
            or_(
                Meter.meter_no.like(prefix),
                Meter.hardware_no.like(prefix),
                Account.account_no.like(prefix),
            )
        )
    return query


def _row(r: Any, last: dict[int, Decimal]) -> MeterRow:
    unit, room = r.unit, r.room
    room_text = (f"{unit}单元{room}" if unit else room) if room else ""
    return MeterRow(
        meter_no=r.meter_no,
        hardware_no=r.hardware_no or "",
        kind=r.kind,
        digits=r.digits,
        multiplier=r.multiplier,
        model=r.model,
        status=r.status,
        campus=r.campus,
        building=r.building,
        room=room_text,
        location=r.location,
        account_no=r.account_no,
        holder_name=r.holder_name,
        installed_on=r.installed_on,
        last_value=last.get(r.id),
        parent_no=r.parent_no,
    )


def list_meters(
    session: Session, filters: MeterFilter = MeterFilter(), limit: int | None = DEFAULT_LIMIT
) -> MeterList:
    """Meters by campus, building, unit, room, kind and number, with their last accepted
    reading; at most `limit` of them (None: all, for an export) and how many matched."""
    query = _filtered(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by("campus", "building", "unit", "room", Meter.kind, Meter.meter_no)
    if limit is not None:
        ordered = ordered.limit(limit)
    rows = session.execute(ordered).all()
    last = last_values(session, [r.id for r in rows])
    return MeterList(tuple(_row(r, last) for r in rows), total)


def meter_row(session: Session, meter_no: str) -> MeterRow:
    """One meter as the registry shows it (the replacement wizard's first page)."""
    rows = session.execute(_registry_query().where(Meter.meter_no == meter_no.strip())).all()
    if not rows:
        raise NotFound(f"表号 {meter_no} 不存在")
    return _row(rows[0], last_values(session, [rows[0].id]))


def registry_choices(session: Session) -> RegistryChoices:
    campuses = session.scalars(select(Campus.name).order_by(Campus.name)).all()
    return RegistryChoices(tuple(campuses), building_choices(session))


def _check_hardware_free(session: Session, hardware_no: str, meter_id: int | None) -> None:
    if len(hardware_no) > _HARDWARE_MAX:
        raise DomainError(f"硬件号 {hardware_no} 超过 {_HARDWARE_MAX} 个字符")
    taken = session.scalar(select(Meter.meter_no).where(Meter.hardware_no == hardware_no))
    if taken is not None and (
        meter_id is None
        or taken != session.scalar(select(Meter.meter_no).where(Meter.id == meter_id))
    ):
        raise Conflict(f"硬件号 {hardware_no} 已对应表号 {taken}")


def set_hardware_no(session: Session, actor: Actor, meter_no: str, hardware_no: str) -> MeterRow:
    """Map a hardware number to the meter (blank clears it); one hardware number belongs to
    one meter, or a handheld's reading would land on the wrong account."""
    permissions.require(session, actor, "meters")
    meter = meter_by_no(session, meter_no, lock=True)
    wanted = hardware_no.strip() or None
    if wanted is not None:
        _check_hardware_free(session, wanted, meter.id)
    if wanted != meter.hardware_no:
        before = meter.hardware_no or ""
        meter.hardware_no = wanted
        session.flush()
        audit.record(
            session, actor, "meter.hardware_no", "meter", meter.id,
            {"meter_no": meter.meter_no, "before": {"hardware_no": before},
             "after": {"hardware_no": wanted or ""}},
        )  # fmt: skip
    return meter_row(session, meter.meter_no)


def set_location(session: Session, actor: Actor, meter_no: str, location: str) -> MeterRow:
    """Where the meter hangs (管道井 3 层, 配电房 B-2…), for the reader who looks for it."""
    permissions.require(session, actor, "meters")
    meter = meter_by_no(session, meter_no, lock=True)
    wanted = location.strip()
    if len(wanted) > _LOCATION_MAX:
        raise DomainError(f"表计 {meter.meter_no} 的位置最多 {_LOCATION_MAX} 个字")
    if wanted != meter.location:
        before = meter.location
        meter.location = wanted
        session.flush()
        audit.record(
            session, actor, "meter.location", "meter", meter.id,
            {"meter_no": meter.meter_no, "before": {"location": before},
             "after": {"location": wanted}},
        )  # fmt: skip
    return meter_row(session, meter.meter_no)


# A chain of master meters deeper than this is a data error, not a building.
_PARENT_DEPTH = 32


def set_parent(session: Session, actor: Actor, meter_no: str, parent_no: str) -> MeterRow:
    """Hang the meter under the master meter (总表) `parent_no` (blank: under none).

    The loss report compares a master's usage with its sub-meters' sum, so the parent must
    be of the same kind (water with water), and a cycle (A under B under A) is refused.
    """
    permissions.require(session, actor, "meters")
    meter = meter_by_no(session, meter_no, lock=True)
    wanted = parent_no.strip()
    parent = meter_by_no(session, wanted) if wanted else None
    if parent is not None:
        if parent.id == meter.id:
            raise DomainError(f"表计 {meter.meter_no} 不能做自己的上级表")
        if parent.kind != meter.kind:
            raise DomainError(
                f"上级表 {parent.meter_no} 是{KIND_LABELS[parent.kind]}，表计 {meter.meter_no} "
                f"是{KIND_LABELS[meter.kind]}：总分表须同类"
            )
        chain = [meter.meter_no, parent.meter_no]
        above = parent.parent_id
        while above is not None:
            row = session.execute(
                select(Meter.meter_no, Meter.parent_id).where(Meter.id == above)
            ).one()
            chain.append(row.meter_no)
            if above == meter.id:
                raise DomainError(f"上级表号 {parent.meter_no} 会形成循环：{' → '.join(chain)}")
            if len(chain) > _PARENT_DEPTH:
                raise DomainError(f"上级表 {parent.meter_no} 的上级链超过 {_PARENT_DEPTH} 层")
            above = row.parent_id
    new_id = parent.id if parent is not None else None
    if new_id != meter.parent_id:
        before = session.scalar(select(Meter.meter_no).where(Meter.id == meter.parent_id))
        meter.parent_id = new_id
        session.flush()
        audit.record(
            session, actor, "meter.parent", "meter", meter.id,
            {"meter_no": meter.meter_no, "before": {"parent_no": before or ""},
             "after": {"parent_no": parent.meter_no if parent else ""}},
        )  # fmt: skip
    return meter_row(session, meter.meter_no)


@dataclass(frozen=True)
class NewMeter:
    """A meter as the registration dialog gives it: an account number and/or a building
    by name rather than ids."""

    meter_no: str
    kind: str
    digits: int
    multiplier: str = "1"
    model: str = ""
    hardware_no: str = ""
    location: str = ""
    account_no: str = ""
    campus: str = ""
    building: str = ""
    installed_on: date | None = None


def register(session: Session, actor: Actor, form: NewMeter) -> MeterRow:
    """Register a meter on an account (it is billed there) or a building (a master or
    public meter), checking the hardware number is free first."""
    permissions.require(session, actor, "meters")
    meter_no = form.meter_no.strip()
    if len(meter_no) > 32:
        raise DomainError(f"表号 {meter_no} 超过 32 个字符")
    account_id = account_by_no(session, form.account_no).id if form.account_no.strip() else None
    building_id = None
    if form.building.strip():
        campus = campus_by_name(session, form.campus.strip())
        building_id = session.scalar(
            select(Building.id).where(
                Building.campus_id == campus.id, Building.name == form.building.strip()
            )
        )
        if building_id is None:
            raise NotFound(f"{campus.name} 没有楼宇 {form.building.strip()}")
    hardware_no = form.hardware_no.strip()
    if hardware_no:
        _check_hardware_free(session, hardware_no, None)
    if len(form.location.strip()) > _LOCATION_MAX:
        raise DomainError(f"表计 {meter_no} 的位置最多 {_LOCATION_MAX} 个字")
    register_meter(
        session,
        actor,
        MeterSpec(
            meter_no=meter_no,
            kind=form.kind,
            digits=form.digits,
            multiplier=as_decimal(form.multiplier, f"表计 {meter_no} 的倍率"),
            model=form.model.strip()[:60],
            hardware_no=hardware_no or None,
            location=form.location.strip(),
            account_id=account_id,
            building_id=building_id,
            installed_on=form.installed_on,
        ),
    )
    return meter_row(session, meter_no)


def active_kinds() -> tuple[tuple[str, str], ...]:
    """(kind, label) in the order bills list them, for the registry's kind box."""
    return tuple((kind, KIND_LABELS.get(kind, kind)) for kind in KINDS)
