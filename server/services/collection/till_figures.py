"""The figures of a clerk's till (日结): receipts by channel, voids, cash refunds and
hand-overs, and the expected cash they add up to (`server.services.collection.till` has the
rules of the day; this module only counts).

Expected cash = float + cash tendered − change given − cash of this till's receipts voided −
cash refunds (退款) paid out of it − hand-overs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from server.db.models import CashHandover, Payment, Receipt, ReceiptVoid, Refund, TillSession
from server.db.models.payments import CASH, CHANNEL_LABELS, CHANNELS
from server.services.core.money import ZERO


@dataclass(frozen=True)
class ChannelTotal:
    """Receipts of one channel that stand (voided ones are listed apart)."""

    channel: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class VoidedReceipt:
    """Shown struck through on the settlement report."""

    receipt_no: str
    channel: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class TillRefund:
    """A refund (退款) the clerk paid out at this till; cash ones leave the drawer."""

    refund_no: str
    account_no: str
    channel: str
    amount: Decimal


@dataclass(frozen=True)
class SettlementView:
    till_id: int
    business_date: date
    clerk: str
    float_amount: Decimal
    cash_tendered: Decimal
    change_given: Decimal
    cash_voided: Decimal
    handed_over: Decimal
    expected_cash: Decimal
    cash_counted: Decimal | None
    over_short: Decimal | None
    note: str
    totals: tuple[ChannelTotal, ...]
    voided: tuple[VoidedReceipt, ...]
    closed_at: datetime | None
    cash_refunded: Decimal = ZERO
    refunds: tuple[TillRefund, ...] = ()


def till_figures(
    session: Session, till: TillSession, clerk: str, cutoff: datetime | None
) -> SettlementView:
    """The till's figures as of now; voids after `cutoff` (a later close) do not change a
    settled day, and the expected cash recorded at the close stands."""
    void_on = ReceiptVoid.receipt_id == Receipt.id
    if cutoff is not None:
        void_on = and_(void_on, ReceiptVoid.created_at <= cutoff)
    rows = session.execute(
        select(
            Payment.channel,
            Payment.amount,
            Payment.tendered,
            Payment.change,
            Receipt.receipt_no,
            ReceiptVoid.reason,
        )
        .join(Receipt, Receipt.payment_id == Payment.id)
        .outerjoin(ReceiptVoid, void_on)
        .where(Payment.till_session_id == till.id)
        .order_by(Payment.id)
    ).all()
    tendered = change = voided_cash = ZERO
    counts: dict[str, int] = {}
    sums: dict[str, Decimal] = {}
    voided: list[VoidedReceipt] = []
    for channel, amount, given, back, receipt_no, reason in rows:
        if channel == CASH:
            tendered += given if given is not None else amount
            change += back or ZERO
        if reason is not None:
            voided.append(VoidedReceipt(receipt_no, channel, amount, reason))
            if channel == CASH:
                voided_cash += amount
            continue
        counts[channel] = counts.get(channel, 0) + 1
        sums[channel] = sums.get(channel, ZERO) + amount
    handed = session.execute(
        select(func.coalesce(func.sum(CashHandover.amount), ZERO)).where(
            CashHandover.till_session_id == till.id
        )
    ).scalar_one()
    refunds = tuple(
        TillRefund(*row)
        for row in session.execute(
            select(Refund.refund_no, Refund.account_no, Refund.channel, Refund.amount)
            .where(Refund.till_session_id == till.id)
            .order_by(Refund.refund_no)
        )
    )
    refunded = sum((r.amount for r in refunds if r.channel == CASH), ZERO)
    expected = till.float_amount + tendered - change - voided_cash - refunded - handed
    return SettlementView(
        till_id=till.id,
        business_date=till.business_date,
        clerk=clerk,
        float_amount=till.float_amount,
        cash_tendered=tendered,
        change_given=change,
        cash_voided=voided_cash,
        handed_over=handed,
        expected_cash=till.expected_cash if till.expected_cash is not None else expected,
        cash_counted=till.cash_counted,
        over_short=till.over_short,
        note=till.note,
        totals=tuple(
            ChannelTotal(c, CHANNEL_LABELS[c], counts[c], sums[c]) for c in CHANNELS if c in counts
        ),
        voided=tuple(voided),
        closed_at=till.closed_at,
        cash_refunded=refunded,
        refunds=refunds,
    )
