"""Voiding a receipt (冲正/作废): its allocations are reversed, its bills reopen, its credit
leaves the balance; nothing is deleted and the number is never reused.

Voiding a payment whose credit later bills have drawn gives that credit back from the newest
bills first (kind 'credit_returned'), so the amount is owed on those bills again and a
postpaid balance never goes negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Allocation,
    Bill,
    Payment,
    Receipt,
    ReceiptVoid,
)
from server.db.models.accounts import POSTPAID
from server.db.models.corrections import CreditNote
from server.db.models.payments import CHANNEL_LABELS
from server.services.billing.balances import move_balance, set_status
from server.services.collection import deposits, till
from server.services.collection.receipts import receipt_by_no
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.errors import Conflict, DomainError, InvalidInput
from server.services.core.money import ZERO

# Ledger kinds of a postpaid bill drawing credit from the balance and giving it back.
CREDIT_DRAW_KINDS = ("credit_used", "credit_returned")


@dataclass(frozen=True)
class VoidResult:
    receipt_no: str
    # (period, amount) given back to each bill, which is open or partial again
    reopened: tuple[tuple[str, Decimal], ...]
    credit_reversed: Decimal
    balance: Decimal
    # (period, amount) of credit given back from later bills that had drawn it, newest first
    credit_returned: tuple[tuple[str, Decimal], ...] = ()
    # (period, amount) of late fee paid by the receipt, owed again
    fees_reopened: tuple[tuple[str, Decimal], ...] = ()


def _return_credit(
    session: Session, receipt: Receipt, needed: Decimal, note: str
) -> list[tuple[str, Decimal]]:
    """Give `needed` of drawn credit back to the balance from the newest bills that drew it;
    those bills owe it again. Returns (period, amount) per bill."""
    drawn = -func.sum(AccountLedgerEntry.amount)
    rows = session.execute(
        select(Bill.id, Bill.period, drawn)
        .join(Bill, Bill.id == AccountLedgerEntry.bill_id)
        .where(
            AccountLedgerEntry.account_id == receipt.account_id,
            AccountLedgerEntry.kind.in_(CREDIT_DRAW_KINDS),
        )
        .group_by(Bill.id, Bill.period)
        .having(drawn > 0)
        .order_by(Bill.period.desc(), Bill.id.desc())
    ).all()
    returned = []
    for bill_id, period, amount in rows:
        if needed == 0:
            break
        back = min(needed, amount)
        move_balance(
            session, receipt.account_id, back, "credit_returned", receipt.payment_id, note, bill_id
        )
        returned.append((bill_id, period, back))
        needed -= back
    session.flush()
    set_status(session, [bill_id for bill_id, _, _ in returned])
    return [(period, back) for _, period, back in returned]


def _check_not_corrected(session: Session, receipt: Receipt) -> None:
    """Refuse a receipt that paid a bill since cancelled by a credit note: what it paid has
    gone to the balance with the credit note, so its money comes back by refund or
    adjustment, not by reopening a void bill."""
    notes = session.scalars(
        select(CreditNote.note_no)
        .join(Allocation, Allocation.bill_id == CreditNote.bill_id)
        .where(Allocation.payment_id == receipt.payment_id)
        .distinct()
        .order_by(CreditNote.note_no)
    ).all()
    if notes:
        raise Conflict(
            f"收据 {receipt.receipt_no}：该收据所缴账单已更正（红字冲销 {'、'.join(notes)}），"
            "请用调账或退款处理"
        )


@dataclass(frozen=True)
class VoidPreview:
    """The receipt as the void dialog shows it, before the clerk gives a reason."""

    receipt_no: str
    amount: Decimal
    account_no: str
    holder_name: str
    channel: str


def void_preview(session: Session, actor: Actor, receipt_no: str) -> VoidPreview:
    """The receipt to void, once `actor` may void it: a closed day, another clerk's receipt
    or one already void is refused here, before a reason is asked for in vain."""
    permissions.require(session, actor, "counter")
    receipt = receipt_by_no(session, receipt_no)
    if session.scalar(select(ReceiptVoid.id).where(ReceiptVoid.receipt_id == receipt.id)):
        raise Conflict(f"收据 {receipt.receipt_no} 已作废")
    _check_not_corrected(session, receipt)
    payment = session.get(Payment, receipt.payment_id)
    assert payment is not None  # receipt.payment_id is a foreign key
    till.check_void(session, actor, payment)
    return VoidPreview(
        receipt_no=receipt.receipt_no,
        amount=receipt.total,
        account_no=receipt.account_no,
        holder_name=receipt.holder_name,
        channel=CHANNEL_LABELS[receipt.channel],
    )


def void_receipt(session: Session, actor: Actor, receipt_no: str, reason: str) -> VoidResult:
    """Void a receipt: negative allocations reopen its bills, its credit leaves the balance.

    Nothing is deleted or edited but the bills' status; the number is never reused.
    A clerk voids only their own receipt while its till is open today; anything else (a
    closed day, another clerk's receipt, a bounced cheque 退票 later on) takes a manager.
    """
    permissions.require(session, actor, "counter")
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"作废收据 {receipt_no} 须填写原因")
    if len(reason) > 200:
        raise DomainError(f"作废原因过长（{len(reason)} 字，最多 200 字）")
    receipt = receipt_by_no(session, receipt_no)
    payment = session.get(Payment, receipt.payment_id)
    assert payment is not None  # receipt.payment_id is a foreign key
    till.check_void(session, actor, payment)
    # Same lock as payments, so a void and a payment on one account never interleave, and
    # two voids of one receipt serialize (the second sees the first's row below).
    session.execute(
        select(Account.id)
        .where(Account.id == receipt.account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if session.scalar(select(ReceiptVoid.id).where(ReceiptVoid.receipt_id == receipt.id)):
        raise Conflict(f"收据 {receipt.receipt_no} 已作废")
    _check_not_corrected(session, receipt)
    void = ReceiptVoid(
        receipt_id=receipt.id, reason=reason, staff_id=actor.staff_id, actor=actor.label
    )
    session.add(void)
    session.flush()

    net = session.execute(
        select(Allocation.bill_id, Bill.period, Allocation.late_fee, func.sum(Allocation.amount))
        .join(Bill, Bill.id == Allocation.bill_id)
        .where(Allocation.payment_id == receipt.payment_id)
        .group_by(Allocation.bill_id, Bill.period, Allocation.late_fee)
        .order_by(Bill.period, Allocation.bill_id, Allocation.late_fee.desc())
    ).all()
    given_back = [row for row in net if row[3] != 0]
    session.add_all(
        Allocation(
            payment_id=receipt.payment_id, bill_id=bill_id, amount=-amount, late_fee=is_fee,
            void_id=void.id,
        )
        for bill_id, _, is_fee, amount in given_back
    )  # fmt: skip
    session.flush()
    reopened = [(bill_id, period, amount) for bill_id, period, fee, amount in given_back if not fee]
    set_status(session, [bill_id for bill_id, _, _ in reopened])
    deposits.reverse_paid(
        session, receipt.account_id, receipt.payment_id,
        [(bill_id, amount) for bill_id, _, amount in reopened], receipt.receipt_no,
    )  # fmt: skip

    credit = session.execute(
        select(func.coalesce(func.sum(AccountLedgerEntry.amount), ZERO)).where(
            AccountLedgerEntry.payment_id == receipt.payment_id,
            AccountLedgerEntry.kind == "payment",
        )
    ).scalar_one()
    returned: list[tuple[str, Decimal]] = []
    if credit:
        mode, balance = session.execute(
            select(Account.billing_mode, Account.balance).where(Account.id == receipt.account_id)
        ).one()
        if mode == POSTPAID and credit > balance:
            returned = _return_credit(
                session, receipt, min(credit, credit - balance), f"作废收据 {receipt.receipt_no}"
            )
        balance = move_balance(
            session,
            receipt.account_id,
            -credit,
            "reversal",
            receipt.payment_id,
            f"作废收据 {receipt.receipt_no}",
        )
    else:
        balance = session.execute(
            select(Account.balance).where(Account.id == receipt.account_id)
        ).scalar_one()
    audit.record(
        session,
        actor,
        "receipt.void",
        "receipt",
        receipt.id,
        {
            "receipt_no": receipt.receipt_no,
            "reason": reason,
            "credit_reversed": str(credit),
            "credit_returned": [{"period": p, "amount": str(a)} for p, a in returned],
        },
    )
    session.flush()
    return VoidResult(
        receipt_no=receipt.receipt_no,
        reopened=tuple((period, amount) for _, period, amount in reopened),
        credit_reversed=credit,
        balance=balance,
        credit_returned=tuple(returned),
        fees_reopened=tuple((period, amount) for _, period, fee, amount in given_back if fee),
    )
