"""The manager's dashboard (首页): the day's and the month's figures at a glance.

Small aggregate queries, each answering one tile; the lists behind the tiles are the
modules' own (reports, the review queue, the desk queues).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.tables import Column, Row
from server.db.models import (
    Bill,
    Binding,
    Branch,
    Reading,
    Receipt,
    ReceiptVoid,
    ServiceRequest,
)
from server.db.models.companion import BINDING_PENDING, REQUEST_OPEN
from server.db.models.corrections import Refund
from server.db.models.metering import HELD, KINDS
from server.db.models.payments import CHANNEL_LABELS
from server.db.replica import data_time
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.core import calendar, service_status
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.money import ZERO
from server.services.reports.common import check_access
from server.services.reports.loss import flagged_losses, loss_report
from server.services.reports.trend import collection_trend, usage_trend

TREND_MONTHS = 12
LARGEST_LOSSES = 5


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class MonthPoint:
    period: str
    billed: Decimal
    collected: Decimal
    usage: tuple[Decimal, ...]  # per kind, in KINDS order


@dataclass(frozen=True)
class Dashboard:
    moment: datetime
    period: str  # the latest billed period (what "this month" means to the office)
    today_by_channel: tuple[Figure, ...]
    today_by_branch: tuple[Figure, ...]
    # Refunds paid today (退款), their amount negative; empty when none.
    today_refunds: tuple[Figure, ...]
    month_billed: Decimal
    month_collected: Decimal
    arrears: Decimal
    arrears_accounts: int
    readings_held: int
    bindings_pending: int
    bindings_overdue: int
    requests_open: int
    requests_overdue: int
    losses: tuple[Row, ...]
    loss_columns: tuple[Column, ...]
    trend: tuple[MonthPoint, ...]
    # What a server left at start for the desk (residents cannot register…); empty when fine.
    warnings: tuple[str, ...] = ()

    @property
    def today_total(self) -> Decimal:
        return sum((f.amount for f in self.today_by_channel), ZERO)

    @property
    def recovery_rate(self) -> Decimal | None:
        return self.month_collected / self.month_billed if self.month_billed else None


def _today(session: Session, moment: datetime) -> tuple[tuple[Figure, ...], tuple[Figure, ...]]:
    """Standing receipts of today (business day), by channel and by branch."""
    start = calendar.business_datetime(moment.date())
    standing = (
        select(Receipt.channel, Branch.name, Receipt.total)
        .join(Branch, Branch.id == Receipt.branch_id)
        .outerjoin(ReceiptVoid, ReceiptVoid.receipt_id == Receipt.id)
        .where(Receipt.issued_at >= start, Receipt.issued_at < start + timedelta(days=1))
        .where(ReceiptVoid.id.is_(None))
        .subquery()
    )
    by_channel = session.execute(
        select(standing.c.channel, func.count(), func.sum(standing.c.total))
        .group_by(standing.c.channel)
        .order_by(standing.c.channel)
    ).all()
    by_branch = session.execute(
        select(standing.c.name, func.count(), func.sum(standing.c.total))
        .group_by(standing.c.name)
        .order_by(standing.c.name)
    ).all()
    return (
        tuple(Figure(CHANNEL_LABELS.get(c, c), n, a) for c, n, a in by_channel),
        tuple(Figure(b, n, a) for b, n, a in by_branch),
    )


def _refunds(session: Session, moment: datetime) -> tuple[Figure, ...]:
    start = calendar.business_datetime(moment.date())
    count, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(Refund.amount), ZERO)).where(
            Refund.created_at >= start, Refund.created_at < start + timedelta(days=1)
        )
    ).one()
    return (Figure("退款", count, -amount),) if count else ()


def _trend(session: Session, actor: Actor, last: Period) -> tuple[MonthPoint, ...]:
    """Every one of the 12 periods ending `last`, zero where nothing was billed."""
    periods = [str(last.shift(i + 1 - TREND_MONTHS)) for i in range(TREND_MONTHS)]
    money = {p.period: p for p in collection_trend(session, actor, last, TREND_MONTHS)}
    usage = {(p.period, p.kind): p.usage for p in usage_trend(session, actor, last, TREND_MONTHS)}
    return tuple(
        MonthPoint(
            period=p,
            billed=money[p].billed if p in money else ZERO,
            collected=money[p].collected if p in money else ZERO,
            usage=tuple(usage.get((p, k), Decimal(0)) for k in KINDS),
        )
        for p in periods
    )


def dashboard(session: Session, actor: Actor, now: datetime | None = None) -> Dashboard:
    """Every tile's figure as of `now` (default: the present, or on a replica the time its
    data is as of, which the page shows); needs the 报表 permission."""
    check_access(session, actor)
    moment = calendar.business_time(now or data_time(session) or calendar.now())
    latest = session.scalar(select(func.max(Bill.period)))
    period = Period.parse(latest) if latest else Period.of(moment).shift(-1)
    by_channel, by_branch = _today(session, moment)
    trend = _trend(session, actor, period)
    open_amount = Bill.total - paid_on_bill()
    arrears, arrears_accounts = session.execute(
        select(
            func.coalesce(func.sum(open_amount), ZERO), func.count(Bill.account_id.distinct())
        ).where(Bill.status.in_(OPEN_STATUSES))
    ).one()
    held = session.scalar(select(func.count()).where(Reading.status == HELD)) or 0
    bindings_pending, bindings_overdue = session.execute(
        select(func.count(), func.count().filter(Binding.due_at < moment)).where(
            Binding.status == BINDING_PENDING
        )
    ).one()
    requests_open, requests_overdue = session.execute(
        select(func.count(), func.count().filter(ServiceRequest.due_at < moment)).where(
            ServiceRequest.status == REQUEST_OPEN
        )
    ).one()
    losses = loss_report(session, actor, period)
    return Dashboard(
        moment=moment,
        period=str(period),
        today_by_channel=by_channel,
        today_by_branch=by_branch,
        today_refunds=_refunds(session, moment),
        month_billed=trend[-1].billed,
        month_collected=trend[-1].collected,
        arrears=arrears,
        arrears_accounts=arrears_accounts,
        readings_held=held,
        bindings_pending=bindings_pending,
        bindings_overdue=bindings_overdue,
        requests_open=requests_open,
        requests_overdue=requests_overdue,
        losses=flagged_losses(losses)[:LARGEST_LOSSES],
        loss_columns=losses.columns,
        trend=trend,
        warnings=service_status.warnings(session),
    )
