"""Payments for the billing system and the offices: receipt lines of a date range, the
lines of the online payments of those days, and the refunds paid out (退款) as negative
rows on the same sheet, so its total is the money the center kept: the billing system books
a refund against the day it was paid, like a payment. Credit notes and adjustments move no
money and are not exported (a payment moved by a credit note stays on its receipt)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reports.payments_export import PaymentExportRow
from reports.receipt import ReceiptLine
from server.db.models import Account
from server.db.models.corrections import Refund
from server.db.models.payments import CHANNEL_LABELS, ONLINE, Payment, Receipt, ReceiptVoid
from server.services.collection.online_receipts import online_payment_lines
from server.services.core.calendar import BUSINESS_TZ, business_datetime
from server.services.core.errors import DomainError

# What the 缴费月份 column says of a refund's row.
REFUND_PERIOD = "退款"


def payment_rows(session: Session, start: date, end: date) -> Iterator[PaymentExportRow]:
    """Lines of the payments of `start` to `end` (business dates, inclusive) that stand, and
    the refunds paid (negative, period '退款', numbered TK…), oldest first; voided receipts
    are left out, as the billing system must not book them.

    Counter payments are dated by their receipt; an online payment by when it was paid,
    whether or not its receipt has been issued yet (it may be issued on a later day, at
    any branch), so it is booked once, on the day the money came.
    """
    if end < start:
        raise DomainError(f"结束日期 {end} 早于开始日期 {start}")
    return heapq.merge(
        _counter_rows(session, start, end),
        _online_rows(session, start, end),
        _refund_rows(session, start, end),
        key=lambda row: row.paid_at,
    )


def _counter_rows(session: Session, start: date, end: date) -> Iterator[PaymentExportRow]:
    voided = select(ReceiptVoid.receipt_id)
    query = (
        select(Receipt)
        .where(
            Receipt.issued_at >= business_datetime(start),
            Receipt.issued_at < business_datetime(end + timedelta(days=1)),
            Receipt.channel != ONLINE,
            Receipt.id.not_in(voided),
        )
        .order_by(Receipt.issued_at, Receipt.id)
        .execution_options(yield_per=2000)
    )
    for receipt in session.scalars(query):
        for line in map(ReceiptLine.from_json, receipt.lines):
            yield PaymentExportRow(
                account_no=receipt.account_no,
                holder_name=receipt.holder_name,
                period=line.period,
                item=line.description,
                amount=line.amount,
                channel=CHANNEL_LABELS.get(receipt.channel, receipt.channel),
                receipt_no=receipt.receipt_no,
                paid_at=receipt.issued_at.astimezone(BUSINESS_TZ),
                branch=receipt.branch_name,
            )


def _online_rows(session: Session, start: date, end: date) -> Iterator[PaymentExportRow]:
    voided = select(ReceiptVoid.receipt_id)
    rows = session.execute(
        select(
            Payment.id,
            Payment.created_at,
            Payment.bank,
            Account.account_no,
            Account.holder_name,
            Receipt.receipt_no,
        )
        .join(Account, Account.id == Payment.account_id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(
            Payment.channel == ONLINE,
            Payment.created_at >= business_datetime(start),
            Payment.created_at < business_datetime(end + timedelta(days=1)),
            or_(Receipt.id.is_(None), Receipt.id.not_in(voided)),
        )
        .order_by(Payment.created_at, Payment.id)
    ).all()
    for payment_id, paid_at, provider, account_no, holder, receipt_no in rows:
        for line in online_payment_lines(session, payment_id):
            yield PaymentExportRow(
                account_no=account_no,
                holder_name=holder,
                period=line.period,
                item=line.description,
                amount=line.amount,
                channel=CHANNEL_LABELS[ONLINE],
                receipt_no=receipt_no or "",
                paid_at=paid_at.astimezone(BUSINESS_TZ),
                branch=provider,
            )


def _refund_rows(session: Session, start: date, end: date) -> Iterator[PaymentExportRow]:
    query = (
        select(Refund)
        .where(
            Refund.created_at >= business_datetime(start),
            Refund.created_at < business_datetime(end + timedelta(days=1)),
        )
        .order_by(Refund.created_at, Refund.id)
    )
    for refund in session.scalars(query):
        channel = CHANNEL_LABELS.get(refund.channel, refund.channel)
        yield PaymentExportRow(
            account_no=refund.account_no,
            holder_name=refund.holder_name,
            period=REFUND_PERIOD,
            item=f"退款（{channel}）",
            amount=-refund.amount,
            channel=channel,
            receipt_no=refund.refund_no,
            paid_at=refund.created_at.astimezone(BUSINESS_TZ),
            branch=refund.branch_name,
        )
