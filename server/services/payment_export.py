"""Payments for the billing system and the offices: receipt lines of a date range."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.payments_export import PaymentExportRow
from server.db.models.payments import CHANNEL_LABELS, Receipt, ReceiptVoid
from server.services.calendar import BUSINESS_TZ, business_datetime
from server.services.errors import DomainError


def payment_rows(session: Session, start: date, end: date) -> Iterator[PaymentExportRow]:
    """Lines of the receipts issued from `start` to `end` (business dates, inclusive) that
    stand; voided receipts are left out, as the billing system must not book them."""
    if end < start:
        raise DomainError(f"结束日期 {end} 早于开始日期 {start}")
    voided = select(ReceiptVoid.receipt_id)
    query = (
        select(Receipt)
        .where(
            Receipt.issued_at >= business_datetime(start),
            Receipt.issued_at < business_datetime(end + timedelta(days=1)),
            Receipt.id.not_in(voided),
        )
        .order_by(Receipt.issued_at, Receipt.id)
        .execution_options(yield_per=2000)
    )
    for receipt in session.scalars(query):
        for line in receipt.lines:
            yield PaymentExportRow(
                account_no=receipt.account_no,
                holder_name=receipt.holder_name,
                period=line["period"],
                item=line["description"],
                amount=Decimal(line["amount"]),
                channel=CHANNEL_LABELS.get(receipt.channel, receipt.channel),
                receipt_no=receipt.receipt_no,
                paid_at=receipt.issued_at.astimezone(BUSINESS_TZ),
                branch=receipt.branch_name,
            )
