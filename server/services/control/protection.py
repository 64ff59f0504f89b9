"""保电: accounts and buildings that are never switched off (labs, medical rooms, a
manager's hold), each mark with its reason, who set it and until when.

A mark is set and lifted by a manager, with a reason, audited; the rows are append-only and
the latest row of an account or a building says whether it holds. A mark with `until`
lapses by itself at that moment (`release_lapsed` then writes the lifting row).

Setting or lifting a mark, or its lapse, also queues the meters' own 保电 / 保电解除
(`commands.hold_accounts`), so a meter under a mark refuses a trip from anywhere else too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from server.db.models import Account, Building, Campus, ControlProtection
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import local_minute
from server.services.core.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class Protection:
    """A mark in force: on an account (account_no set) or a building (building set)."""

    target: str
    account_no: str
    building: str
    reason: str
    until: datetime | None
    set_by: str
    set_at: datetime

    @property
    def until_text(self) -> str:
        return local_minute(self.until) or "解除前一直有效"


def _latest() -> Select:
    """The latest mark of each account and each building."""
    return (
        select(ControlProtection)
        .order_by(
            ControlProtection.account_id,
            ControlProtection.building_id,
            ControlProtection.id.desc(),
        )
        .ext(distinct_on(ControlProtection.account_id, ControlProtection.building_id))
    )


def _in_force(now: datetime) -> Select:
    latest = _latest().subquery()
    return select(latest).where(
        latest.c.protected, or_(latest.c.until.is_(None), latest.c.until > now)
    )


def protected_accounts(session: Session, now: datetime) -> dict[int, str]:
    """Every account under a mark in force at `now` (its own or its building's), with the
    mark's reason."""
    marks = _in_force(now).subquery()
    rows = session.execute(
        select(Account.id, marks.c.reason, marks.c.account_id).join(
            marks,
            or_(
                marks.c.account_id == Account.id,
                and_(marks.c.building_id.is_not(None), marks.c.building_id == Account.building_id),
            ),
        )
    )
    found: dict[int, str] = {}
    for account_id, reason, own in rows:
        # An account's own mark names it better than its building's.
        if own is not None or account_id not in found:
            found[account_id] = reason
    return found


def protection_of(session: Session, account_id: int, now: datetime) -> str | None:
    """The reason an account is protected at `now`, or None."""
    return protected_accounts(session, now).get(account_id)


def building_id_of(session: Session, building: str) -> int:
    """A building by its name, or 校区/楼名 where names repeat across campuses."""
    campus, sep, name = building.strip().partition("/")
    query = select(Building.id).join(Campus, Campus.id == Building.campus_id)
    if sep:
        query = query.where(Building.name == name, Campus.name == campus)
    else:
        query = query.where(Building.name == building.strip())
    ids = session.scalars(query).all()
    if not ids:
        raise NotFound(f"楼宇 {building} 不存在")
    if len(ids) > 1:
        raise InvalidInput(f"多个校区都有楼宇 {building}：请写成 校区/楼名")
    return ids[0]


def _target(
    session: Session, account_no: str | None, building: str | None
) -> tuple[int | None, int | None, str]:
    if (account_no is None) == (building is None):
        raise InvalidInput("保电对象应为一个户号或一栋楼")
    if account_no is not None:
        account_id = session.scalar(select(Account.id).where(Account.account_no == account_no))
        if account_id is None:
            raise NotFound(f"户号 {account_no} 不存在")
        return account_id, None, f"户号 {account_no}"
    assert building is not None
    return None, building_id_of(session, building), f"楼宇 {building}"


def set_protection(
    session: Session,
    actor: Actor,
    *,
    protected: bool,
    reason: str,
    now: datetime,
    account_no: str | None = None,
    building: str | None = None,
    until: datetime | None = None,
) -> tuple[int, ...]:
    """Mark (or lift the mark of) an account or a building; a manager's decision. Returns
    the ids of the meters' 保电 / 保电解除 commands it queued."""
    permissions.require_manager(session, actor, "设置保电")
    if not reason.strip():
        raise InvalidInput("请填写保电（或解除）的原因")
    if until is not None and until <= now:
        raise InvalidInput(f"保电截止时间 {local_minute(until)} 已过")
    account_id, building_id, label = _target(session, account_no, building)
    latest = _latest().subquery()
    current = session.execute(
        select(latest.c.protected, latest.c.until).where(
            latest.c.account_id.is_not_distinct_from(account_id),
            latest.c.building_id.is_not_distinct_from(building_id),
        )
    ).first()
    holds = (
        current is not None and current.protected and (current.until is None or current.until > now)
    )
    if not protected and not holds:
        raise Conflict(f"{label} 没有保电，无需解除")
    session.add(
        ControlProtection(
            account_id=account_id,
            building_id=building_id,
            protected=protected,
            reason=reason.strip(),
            until=until if protected else None,
            staff_id=actor.staff_id,
            actor=actor.label,
            created_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "control.protect" if protected else "control.unprotect",
        "account" if account_id is not None else "building",
        account_id if account_id is not None else building_id,
        {"target": label, "reason": reason.strip(), "until": until.isoformat() if until else None},
    )
    return tuple(_hold_meters(session, actor, account_id, building_id, reason, now))


def _hold_meters(
    session: Session,
    actor: Actor,
    account_id: int | None,
    building_id: int | None,
    reason: str,
    now: datetime,
) -> list[int]:
    # Imported here: commands imports this module for the marks.
    from server.services.control.commands import hold_accounts

    accounts = (
        [account_id]
        if account_id is not None
        else list(session.scalars(select(Account.id).where(Account.building_id == building_id)))
    )
    return hold_accounts(session, actor, accounts, reason, now)


def release_lapsed(session: Session, now: datetime) -> int:
    """Lift the marks whose `until` has passed by `now` (a lifting row each, audited) and
    queue their meters' 保电解除; how many lapsed."""
    latest = _latest().subquery()
    lapsed = session.execute(
        select(latest.c.account_id, latest.c.building_id, latest.c.until).where(
            latest.c.protected, latest.c.until <= now
        )
    ).all()
    actor = Actor.system("保电到期")
    for account_id, building_id, until in lapsed:
        reason = f"保电已于 {local_minute(until)} 到期"
        session.add(
            ControlProtection(
                account_id=account_id,
                building_id=building_id,
                protected=False,
                reason=reason,
                until=None,
                staff_id=None,
                actor=actor.label,
                created_at=now,
            )
        )
        session.flush()
        audit.record(
            session,
            actor,
            "control.unprotect",
            "account" if account_id is not None else "building",
            account_id if account_id is not None else building_id,
            {"reason": reason},
        )
        _hold_meters(session, actor, account_id, building_id, reason, now)
    return len(lapsed)


def protections(session: Session, now: datetime) -> list[Protection]:
    """The marks in force at `now`, accounts first, for the desk."""
    marks = _in_force(now).subquery()
    rows = session.execute(
        select(
            marks.c.account_id,
            Account.account_no,
            Building.name,
            marks.c.reason,
            marks.c.until,
            marks.c.actor,
            marks.c.created_at,
        )
        .outerjoin(Account, Account.id == marks.c.account_id)
        .outerjoin(Building, Building.id == marks.c.building_id)
        .order_by(marks.c.account_id.is_(None), Account.account_no, Building.name)
    )
    return [
        Protection(
            target=f"户号 {no}" if account_id is not None else f"楼宇 {building}",
            account_no=no or "",
            building=building or "",
            reason=reason,
            until=until,
            set_by=actor,
            set_at=created,
        )
        for account_id, no, building, reason, until, actor, created in rows
    ]
