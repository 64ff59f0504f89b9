"""The receipt of an online payment (换开收据): the money came through a provider with no
counter, so the resident exchanges the payment for a receipt at any branch, once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from psycopg import errors as pg_errors
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.receipt import ReceiptLine
from server.db.models import (
    Account,
    AccountLedgerEntry,
    Allocation,
    Bill,
    BillLine,
    Branch,
    Payment,
    PaymentOrder,
    Receipt,
)
from server.db.models.accounts import POSTPAID
from server.db.models.payments import ONLINE
from server.services.billing import late_fees
from server.services.billing.balances import lock_account
from server.services.collection.allocation import bill_description, credit_label
from server.services.collection.receipts import new_receipt
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import Conflict, DomainError, NotFound
from server.services.core.money import ZERO
from server.services.core.numbering import RECEIPT, next_number


@dataclass(frozen=True)
class IssuedReceipt:
    receipt_no: str
    payment_id: int
    branch_code: str
    total: Decimal


def online_payment_lines(session: Session, payment_id: int) -> list[ReceiptLine]:
    """What an online payment paid, as receipt lines (as take_payment writes them): each
    bill's late fee then its principal, oldest period first, then the credit."""
    kinds = (
        select(func.array_agg(BillLine.kind.distinct()))
        .where(BillLine.bill_id == Bill.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Bill.period, kinds, Allocation.late_fee, func.sum(Allocation.amount))
        .join(Bill, Bill.id == Allocation.bill_id)
        .where(Allocation.payment_id == payment_id)
        .group_by(Bill.id, Bill.period, Allocation.late_fee)
        .having(func.sum(Allocation.amount) != 0)
        .order_by(Bill.period, Bill.id, Allocation.late_fee.desc())
    ).all()
    lines = [
        ReceiptLine(
            period, late_fees.LABEL if is_fee else bill_description(kind_list or ()), amount
        )
        for period, kind_list, is_fee, amount in rows
    ]
    credit, mode = session.execute(
        select(func.coalesce(func.sum(AccountLedgerEntry.amount), ZERO), Account.billing_mode)
        .join(Account, Account.id == AccountLedgerEntry.account_id)
        .where(AccountLedgerEntry.payment_id == payment_id, AccountLedgerEntry.kind == "payment")
        .group_by(Account.billing_mode)
    ).first() or (ZERO, POSTPAID)
    if credit > 0:
        lines.append(ReceiptLine("", credit_label(mode), credit))
    return lines


def issue_online_receipt(
    session: Session, actor: Actor, payment: int | str, branch_code: str
) -> IssuedReceipt:
    """Issue the receipt of an online payment at any branch, once (换开收据).

    `payment` is the payment id, our order number or the provider's trade number. The
    receipt is numbered by the issuing branch and dated now; a second request is refused
    with the number issued (print it again with reprint_receipt, marked 重打).
    """
    permissions.require(session, actor, "counter")
    found = session.execute(
        select(Branch, func.now()).where(Branch.code == branch_code.strip())
    ).first()
    if found is None:
        raise NotFound(f"网点 {branch_code} 不存在")
    branch, now = found
    row = _online_payment(session, payment)
    if row is None:
        raise NotFound(f"找不到在线支付 {payment}（可按订单号、支付流水号查找）")
    # The account lock serializes two counters issuing the same payment's receipt (the
    # unique receipt.payment_id is the backstop); account → counter, as take_payment.
    account_no = session.scalar(select(Account.account_no).where(Account.id == row.account_id))
    account, address, _ = lock_account(session, account_no or "")
    issued = session.execute(
        select(Receipt.receipt_no, Receipt.branch_name, Receipt.issued_at).where(
            Receipt.payment_id == row.id
        )
    ).first()
    if issued is not None:
        when = issued[2].astimezone(BUSINESS_TZ)
        raise DomainError(
            f"该笔在线支付已于 {when:%Y-%m-%d %H:%M} 在{issued[1]}开具收据 {issued[0]}，"
            "如需再次打印请使用重打"
        )
    receipt_no = next_number(
        session, RECEIPT, branch.id, branch.code, now.astimezone(BUSINESS_TZ).year
    )
    receipt = new_receipt(
        receipt_no,
        row.id,
        branch,
        account,
        address,
        online_payment_lines(session, row.id),
        total=row.amount,
        channel=ONLINE,
        reference=row.reference,
        bank=row.bank,
        clerk=actor.label,
        tendered=None,
        change=None,
        issued_at=now,
    )
    session.add(receipt)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if isinstance(exc.orig, pg_errors.UniqueViolation):
            raise Conflict("该笔在线支付的收据已由其他窗口开具，请使用重打") from None
        raise
    audit.record(
        session,
        actor,
        "receipt.issue_online",
        "receipt",
        receipt.id,
        {"receipt_no": receipt_no, "payment_id": row.id, "reference": row.reference},
    )
    return IssuedReceipt(receipt_no, row.id, branch.code, row.amount)


def _online_payment(session: Session, key: int | str) -> Payment | None:
    query = select(Payment).where(Payment.channel == ONLINE)
    if isinstance(key, int):
        return session.scalar(query.where(Payment.id == key))
    text_key = key.strip()
    by_order = select(PaymentOrder.payment_id).where(PaymentOrder.order_no == text_key)
    return session.scalar(
        query.where(or_(Payment.id.in_(by_order), Payment.reference == text_key)).limit(1)
    )
