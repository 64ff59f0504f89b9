"""The clerk's till and day (日结): open with a float, hand cash over, close with cash counted.

A staff member takes money only through an open till of today's business date (Asia/Shanghai):
`till_for_payment` is what take_payment calls. A till left open from an earlier day blocks
new money until it is settled, and a settled day is never reopened (one till per clerk and
business day), so a closed day takes no more payments.

Expected cash (`till_figures`) = float + cash tendered − change given − cash of this till's
receipts voided − cash refunds (退款) paid out of it − hand-overs. The difference to the cash
counted is recorded with the note; it never refuses the close, because the drawer is what it
is and the close must still happen.

Locking: the till row is read FOR SHARE by payments and voids and FOR UPDATE by the close,
so a close waits for the payments in flight and none slips in after it has been counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from server.db.models import (
    CashHandover,
    Payment,
    Post,
    Staff,
    TillSession,
)
from server.services.collection.till_figures import SettlementView, till_figures
from server.services.core import audit, calendar, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, DomainError, PermissionDenied
from server.services.core.money import ZERO, money_of
from server.services.staff.sign_in import staff_label

# Who receives cash handed over during the day (交款): the branch's head cashier (收费组长,
# a post an administrator adds with the code "head_cashier") or one of its managers.
HEAD_CASHIER_POSTS = ("head_cashier", "manager")


@dataclass(frozen=True)
class HeadCashier:
    login: str
    name: str
    post: str


@dataclass(frozen=True)
class TillView:
    till_id: int
    staff_id: int
    branch_id: int
    business_date: date
    float_amount: Decimal
    opened_at: datetime
    closed_at: datetime | None


def business_date() -> date:
    return calendar.now().date()


def _view(till: TillSession) -> TillView:
    return TillView(
        till_id=till.id,
        staff_id=till.staff_id,
        branch_id=till.branch_id,
        business_date=till.business_date,
        float_amount=till.float_amount,
        opened_at=till.opened_at,
        closed_at=till.closed_at,
    )


def _staff_of(actor: Actor) -> int:
    if actor.staff_id is None:
        raise DomainError(f"{actor.label} 不是工作人员，不能开班或日结")
    return actor.staff_id


def _open_till(session: Session, staff_id: int, lock: str | None = None) -> TillSession | None:
    query = select(TillSession).where(
        TillSession.staff_id == staff_id, TillSession.closed_at.is_(None)
    )
    if lock == "share":
        query = query.with_for_update(read=True)
    elif lock == "update":
        query = query.with_for_update()
    return session.scalar(query.execution_options(populate_existing=True))


def current_till(session: Session, staff_id: int) -> TillView | None:
    """The staff member's open till, of whatever day, or None."""
    till = _open_till(session, staff_id)
    return None if till is None else _view(till)


def open_till(session: Session, actor: Actor, float_amount: Decimal | None = None) -> TillView:
    """Open today's till; the float defaults to the cash counted at the clerk's last close."""
    permissions.require(session, actor, "counter")
    staff_id = _staff_of(actor)
    today = business_date()
    # Lock the staff row so two clicks on 开班 serialize (the indexes are the backstop).
    session.execute(select(Staff.id).where(Staff.id == staff_id).with_for_update())
    left_open = _open_till(session, staff_id)
    if left_open is not None:
        if left_open.business_date < today:
            raise DomainError(f"请先结清 {left_open.business_date.isoformat()} 的日结")
        raise Conflict(f"今日（{left_open.business_date.isoformat()}）已开班，不能重复开班")
    if session.scalar(
        select(TillSession.id).where(
            TillSession.staff_id == staff_id, TillSession.business_date == today
        )
    ):
        raise Conflict(f"{today.isoformat()} 已日结，当日不能再开班收款")
    branch_id = actor.branch_id or session.scalar(
        select(Staff.branch_id).where(Staff.id == staff_id)
    )
    if branch_id is None:
        raise DomainError(f"{actor.label} 未指定所属分中心，不能开班")
    if float_amount is None:
        # What was left in the drawer at the last close is what the day starts with.
        last = session.scalar(
            select(TillSession.cash_counted)
            .where(TillSession.staff_id == staff_id, TillSession.closed_at.is_not(None))
            .order_by(TillSession.business_date.desc())
            .limit(1)
        )
        amount = last if last is not None else ZERO
    else:
        amount = money_of(float_amount, "备用金", allow_zero=True)
    till = TillSession(
        staff_id=staff_id,
        branch_id=branch_id,
        business_date=today,
        float_amount=amount,
        note="",
    )
    session.add(till)
    session.flush()
    session.refresh(till)
    audit.record(
        session,
        actor,
        "till.open",
        "till_session",
        till.id,
        {"business_date": today.isoformat(), "float": str(amount)},
    )
    return _view(till)


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > 200:
        raise DomainError(f"备注过长（{len(note)} 字，最多 200 字）")
    return note


def till_for_payment(session: Session, actor: Actor, what: str = "收款") -> int | None:
    """The till a payment (or a cash refund, `what` 退款) by `actor` goes through, locked
    FOR SHARE; None for non-staff actors.

    Refuses when the staff member has no open till today, has one left from an earlier
    day, or has already settled today.
    """
    if actor.staff_id is None:
        return None
    today = business_date()
    till = _open_till(session, actor.staff_id, lock="share")
    if till is None:
        if session.scalar(
            select(TillSession.id).where(
                TillSession.staff_id == actor.staff_id, TillSession.business_date == today
            )
        ):
            raise Conflict(f"{today.isoformat()} 已日结，当日不能再{what}")
        raise DomainError(f"请先开班（日结开始）再{what}")
    if till.business_date < today:
        raise DomainError(f"请先结清 {till.business_date.isoformat()} 的日结")
    return till.id


def till_if_open(session: Session, staff_id: int) -> TillView | None:
    """The staff member's till open today, locked FOR SHARE, or None: a transfer refund
    needs no drawer, but is listed on the day's report when made at an open till."""
    till = _open_till(session, staff_id, lock="share")
    if till is None or till.business_date != business_date():
        return None
    return _view(till)


def check_void(session: Session, actor: Actor, payment: Payment) -> None:
    """Who may void: the clerk who took it while its till is open today, else a manager.

    A system actor (no staff) is trusted as the caller's own decision: online refunds and
    scripts run as the system and are audited as such.
    """
    if actor.staff_id is None:
        return
    till = None
    if payment.till_session_id is not None:
        # FOR SHARE: a close waits for the void, and a void waits for a close in flight.
        till = session.scalar(
            select(TillSession)
            .where(TillSession.id == payment.till_session_id)
            .with_for_update(read=True)
            .execution_options(populate_existing=True)
        )
    own_open_day = (
        till is not None
        and payment.staff_id == actor.staff_id
        and till.closed_at is None
        and till.business_date == business_date()
    )
    if own_open_day:
        return
    if permissions.is_manager(session, actor.staff_id):
        return
    if payment.staff_id != actor.staff_id:
        raise PermissionDenied("只能作废本人收取的收据；其他收据请由管理人员作废")
    if till is not None and till.closed_at is not None:
        raise PermissionDenied(f"{till.business_date.isoformat()} 已日结，作废须由管理人员办理")
    raise PermissionDenied("只能作废当日、未日结的本人收据；其他情况请由管理人员作废")


def _head_cashiers_query(
    session: Session, staff_id: int, branch_id: int | None
) -> Select[int, str, str, str]:
    branch = branch_id or session.scalar(select(Staff.branch_id).where(Staff.id == staff_id))
    return (
        select(Staff.id, Staff.login, Staff.name, Post.name)
        .join(Post, Post.id == Staff.post_id)
        .where(
            Staff.branch_id == branch,
            Staff.active,
            Staff.id != staff_id,
            Post.code.in_(HEAD_CASHIER_POSTS),
        )
        .order_by(Post.code, Staff.login)
    )


def head_cashiers(session: Session, actor: Actor) -> tuple[HeadCashier, ...]:
    """Whom the actor may hand cash over to: their branch's active head cashiers first,
    then its managers (the actor left out)."""
    staff_id = _staff_of(actor)
    rows = session.execute(_head_cashiers_query(session, staff_id, actor.branch_id)).all()
    return tuple(HeadCashier(login, name, post) for _, login, name, post in rows)


def hand_over(
    session: Session, actor: Actor, amount: Decimal, to_login: str, note: str = ""
) -> int:
    """Record cash taken from the open till to a head cashier (交款); returns its id."""
    permissions.require(session, actor, "counter")
    staff_id = _staff_of(actor)
    value = money_of(amount, "交款金额")
    note = _note(note)
    till = _open_till(session, staff_id, lock="share")
    if till is None:
        raise DomainError("未开班，没有可交出的现金")
    if till.business_date < business_date():
        raise DomainError(f"请先结清 {till.business_date.isoformat()} 的日结")
    to_staff = session.scalar(select(Staff.id).where(Staff.login == to_login.strip(), Staff.active))
    if to_staff is None:
        raise DomainError(f"收款人 {to_login} 不存在或已停用")
    if to_staff == staff_id:
        raise DomainError("不能交款给自己")
    receivers = _head_cashiers_query(session, staff_id, actor.branch_id).subquery()
    if not session.scalar(select(receivers.c.id).where(receivers.c.id == to_staff)):
        raise DomainError(f"收款人 {to_login.strip()} 不是本分中心的收费组长或管理人员")
    handover = CashHandover(till_session_id=till.id, amount=value, to_staff_id=to_staff, note=note)
    session.add(handover)
    session.flush()
    audit.record(
        session,
        actor,
        "till.hand_over",
        "cash_handover",
        handover.id,
        {"till_session_id": till.id, "amount": str(value), "to": to_login.strip()},
    )
    return handover.id


def _clerk_label(session: Session, staff_id: int) -> str:
    login, name = session.execute(select(Staff.login, Staff.name).where(Staff.id == staff_id)).one()
    return staff_label(login, name)


def close_till(
    session: Session, actor: Actor, cash_counted: Decimal, note: str = ""
) -> SettlementView:
    """Settle the actor's open till (of any day): expected cash against cash counted."""
    permissions.require(session, actor, "counter")
    staff_id = _staff_of(actor)
    counted = money_of(cash_counted, "清点现金", allow_zero=True)
    note = _note(note)
    till = _open_till(session, staff_id, lock="update")
    if till is None:
        raise Conflict("没有未日结的班次（未开班或已日结）")
    now = calendar.transaction_time(session)
    figures = till_figures(session, till, _clerk_label(session, staff_id), None)
    over_short = counted - figures.expected_cash
    session.execute(
        update(TillSession)
        .where(TillSession.id == till.id)
        .values(
            closed_at=now,
            cash_counted=counted,
            expected_cash=figures.expected_cash,
            over_short=over_short,
            note=note,
        )
        .execution_options(synchronize_session="fetch")
    )
    session.refresh(till)
    audit.record(
        session,
        actor,
        "till.close",
        "till_session",
        till.id,
        {
            "business_date": till.business_date.isoformat(),
            "expected_cash": str(figures.expected_cash),
            "cash_counted": str(counted),
            "over_short": str(over_short),
        },
    )
    return till_figures(session, till, figures.clerk, now)


def settlement(session: Session, till_id: int) -> SettlementView:
    """A till's settlement as closed (or as it stands, while open), for reports."""
    till = session.get(TillSession, till_id)
    if till is None:
        raise DomainError(f"班次 {till_id} 不存在")
    return till_figures(session, till, _clerk_label(session, till.staff_id), till.closed_at)
