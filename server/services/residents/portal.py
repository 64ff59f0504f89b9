"""What a resident sees of a bound account: 12 months of usage and payments, open bills
(电子缴款通知单), its meters, and 自助抄表.

An account reaches these functions only as a BoundAccount, which bindings.bound_accounts
gives for the resident's approved bindings: a page cannot show another household's
figures by changing an id. (Field staff, who may see any account, build one from
accounts.search_accounts.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db.models.payments import CHANNEL_LABELS
from server.services.collection import allocation
from server.services.core.calendar import BUSINESS_TZ, Period, now
from server.services.core.errors import DomainError
from server.services.core.photos import store_photo
from server.services.metering import readings
from server.services.metering.readings import ReadingResult
from server.services.metering.usage_rules import KIND_UNITS
from server.services.residents.bindings import BoundAccount
from server.services.residents.wechat_users import Resident

MONTHS = 12
ZERO = Decimal("0")


@dataclass(frozen=True)
class MonthUsage:
    period: str
    electricity: Decimal
    water: Decimal
    billed: Decimal


@dataclass(frozen=True)
class PaymentRow:
    paid_at: datetime
    amount: Decimal
    channel: str
    receipt_no: str
    voided: bool


@dataclass(frozen=True)
class UsageOverview:
    account: BoundAccount
    months: tuple[MonthUsage, ...]
    payments: tuple[PaymentRow, ...]


def usage_overview(session: Session, account: BoundAccount, today: date) -> UsageOverview:
    """The 12 billing periods up to `today`'s, oldest first (empty months shown as 0), and
    the payments made since the first of them. `account` comes from bindings.bound_accounts
    or bound_account, which are the check that the resident may see it."""
    account_id = account.account_id
    last = Period.of(today)
    first = last.shift(-(MONTHS - 1))
    rows = session.execute(
        text(
            """
            select b.period, m.kind, sum(m.usage), null
            from bill b join bill_meter m on m.bill_id = b.id
            where b.account_id = :a and b.period between :p0 and :p1 and b.status <> 'void'
            group by b.period, m.kind
            union all
            select b.period, 'total', null, sum(b.total)
            from bill b
            where b.account_id = :a and b.period between :p0 and :p1 and b.status <> 'void'
            group by b.period
            """
        ),
        {"a": account_id, "p0": str(first), "p1": str(last)},
    ).all()
    figures: dict[tuple[str, str], Decimal] = {}
    for period, kind, usage, total in rows:
        figures[(period, kind)] = usage if total is None else total
    months = tuple(
        MonthUsage(
            str(p),
            figures.get((str(p), "electricity"), ZERO),
            figures.get((str(p), "water"), ZERO),
            figures.get((str(p), "total"), ZERO),
        )
        for p in (first.shift(i) for i in range(MONTHS))
    )
    paid = session.execute(
        text(
            """
            select p.created_at, p.amount, p.channel, coalesce(r.receipt_no, ''),
                   v.id is not null
            from payment p
            left join receipt r on r.payment_id = p.id
            left join receipt_void v on v.receipt_id = r.id
            where p.account_id = :a and p.created_at >= :since
            order by p.created_at desc, p.id desc
            """
        ),
        {"a": account_id, "since": first.start},
    ).all()
    return UsageOverview(
        account,
        months,
        tuple(PaymentRow(r[0], r[1], CHANNEL_LABELS[r[2]], r[3], r[4]) for r in paid),
    )


@dataclass(frozen=True)
class PaymentNotice:
    """电子缴款通知单: what the account owes today, bill by bill."""

    account: BoundAccount
    items: tuple[allocation.OpenItem, ...]
    owed: Decimal
    on: date


def payment_notice(session: Session, account: BoundAccount, on: date) -> PaymentNotice:
    """`account` as for usage_overview: only ever one of the resident's bound accounts."""
    items = allocation.open_items(session, account.account_id, on)
    return PaymentNotice(account, items, allocation.amount_owed(items), on)


@dataclass(frozen=True)
class MeterChoice:
    meter_no: str
    kind: str
    unit: str
    location: str
    account_no: str
    last_value: Decimal | None
    last_read_at: datetime | None


def bound_meters(session: Session, user_id: int) -> list[MeterChoice]:
    """The active meters of the resident's bound accounts, with their last accepted read."""
    rows = session.execute(
        text(
            """
            select m.meter_no, m.kind, m.location, a.account_no, last.value, last.read_at
            from binding b
            join account a on a.id = b.account_id
            join meter m on m.account_id = a.id and m.status = 'active'
            left join lateral (
                select r.value, r.read_at from reading r
                where r.meter_id = m.id and r.status = 'accepted'
                order by r.read_at desc, r.id desc limit 1
            ) last on true
            where b.wechat_user_id = :u and b.status = 'approved'
            order by a.account_no, m.kind, m.meter_no
            """
        ),
        {"u": user_id},
    ).all()
    return [MeterChoice(r[0], r[1], KIND_UNITS[r[1]], r[2], r[3], r[4], r[5]) for r in rows]


def self_read(
    session: Session, resident: Resident, meter_no: str, value: str, photo: bytes
) -> ReadingResult:
    """自助抄表: a reading of one of the resident's meters with a photo of the dial; it is
    judged at once (the answer tells the resident) and waits for review at the desk."""
    if meter_no not in {m.meter_no for m in bound_meters(session, resident.user_id)}:
        raise DomainError("该表计不属于您已绑定的户号")
    if not photo:
        raise DomainError("请上传表盘照片")
    stored = store_photo(session, photo, "表盘照片")
    return readings.record_reading(
        session,
        resident.actor,
        meter_no,
        value,
        now().astimezone(BUSINESS_TZ),
        "self",
        photo_id=stored.photo_id,
        note="微信自助抄表",
    )
