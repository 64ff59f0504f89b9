"""Receipts (收据): what one shows, its reprints (重打) and its PDF.

A receipt is issued with its payment (server.services.collection.payments.take_payment) and copies
what it shows when issued; only the marks added later (作废, 重打) are read at print time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.receipt import ReceiptData, ReceiptLine, ReceiptSize, render_receipt
from server.db.models import Account, Branch, Receipt, ReceiptReprint, ReceiptVoid
from server.db.models.payments import CHANNEL_LABELS
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import NotFound


def new_receipt(
    receipt_no: str,
    payment_id: int,
    branch: Branch,
    account: Account,
    address: str,
    lines: Sequence[ReceiptLine],
    *,
    total: Decimal,
    channel: str,
    reference: str,
    bank: str,
    clerk: str,
    tendered: Decimal | None,
    change: Decimal | None,
    issued_at: datetime,
) -> Receipt:
    """A payment's receipt row, with its own copy of the branch and the account as they
    stand (a later rename does not change a receipt already given)."""
    return Receipt(
        receipt_no=receipt_no,
        payment_id=payment_id,
        branch_id=branch.id,
        branch_name=branch.name,
        account_id=account.id,
        account_no=account.account_no,
        holder_name=account.holder_name,
        address=address,
        lines=[line.as_json() for line in lines],
        total=total,
        channel=channel,
        reference=reference,
        bank=bank,
        clerk=clerk,
        tendered=tendered,
        change=change,
        issued_at=issued_at,
    )


def receipt_by_no(session: Session, receipt_no: str) -> Receipt:
    receipt = session.scalar(select(Receipt).where(Receipt.receipt_no == receipt_no.strip()))
    if receipt is None:
        raise NotFound(f"收据 {receipt_no} 不存在")
    return receipt


def reprint_receipt(session: Session, actor: Actor, receipt_no: str) -> int:
    """Record a reprint (the copy is marked 重打); returns how many reprints there are now."""
    receipt = receipt_by_no(session, receipt_no)
    session.add(ReceiptReprint(receipt_id=receipt.id, staff_id=actor.staff_id, actor=actor.label))
    session.flush()
    count = session.scalar(
        select(func.count())
        .select_from(ReceiptReprint)
        .where(ReceiptReprint.receipt_id == receipt.id)
    )
    audit.record(
        session,
        actor,
        "receipt.reprint",
        "receipt",
        receipt.id,
        {"receipt_no": receipt.receipt_no, "count": count},
    )
    return count or 0


def receipt_view(session: Session, receipt_no: str) -> ReceiptData:
    """The receipt as issued, with its 作废/重打 marks as of now."""
    receipt = receipt_by_no(session, receipt_no)
    branch_code = session.scalar(select(Branch.code).where(Branch.id == receipt.branch_id))
    reason = session.scalar(select(ReceiptVoid.reason).where(ReceiptVoid.receipt_id == receipt.id))
    reprints = session.scalar(
        select(func.count())
        .select_from(ReceiptReprint)
        .where(ReceiptReprint.receipt_id == receipt.id)
    )
    return ReceiptData(
        receipt_no=receipt.receipt_no,
        branch_code=branch_code or "",
        branch_name=receipt.branch_name,
        account_no=receipt.account_no,
        holder_name=receipt.holder_name,
        address=receipt.address,
        lines=tuple(ReceiptLine.from_json(line) for line in receipt.lines),
        total=receipt.total,
        channel=CHANNEL_LABELS.get(receipt.channel, receipt.channel),
        reference=receipt.reference,
        bank=receipt.bank,
        clerk=receipt.clerk,
        issued_at=receipt.issued_at.astimezone(BUSINESS_TZ),
        voided=reason is not None,
        void_reason=reason or "",
        reprint_count=reprints or 0,
        tendered=receipt.tendered,
        change=receipt.change,
    )


def receipt_pdf(
    session: Session, receipt_no: str, size: ReceiptSize = "a5"
) -> tuple[str, str, bytes]:
    """The receipt as `(filename, mimetype, bytes)`, with its 作废/重打 marks as of now."""
    return render_receipt(receipt_view(session, receipt_no), size)
