"""Counter collection (收款): take a payment and issue its receipt.

The payment is allocated to the account's open bills, oldest first, the rest credited to
its balance (server.services.collection.allocation); its receipt is numbered gap-free per
branch and year in the payment's own transaction. Voiding (冲正/作废) is in .voids, the
receipt of an online payment issued at a counter (换开收据) in .online_receipts.

Concurrency: the account row is locked (allocation.lock_account) before its bills are read.
The receipt counter is taken last, after the account lock, so the lock order is always
account → counter and two counters cannot deadlock.

The till (server.services.collection.till): a staff member takes money only through their
open till of today, and voids only their own receipt of an open same-day till unless they
hold a manager or admin post (`permissions.is_manager`).

Exactly once (`PaymentRequest.request_key`): a client makes a key when the clerk starts a
payment and sends it again on every retry of that payment. A retry after a lost
acknowledgement (the primary died between the commit and the answer, issue 21) finds the
payment made under its key and returns it as it was, writing nothing; a cash payment has
no reference that would catch it otherwise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.receipt import ReceiptLine
from server.db.base import table_of
from server.db.models import (
    Account,
    Allocation,
    AuditEvent,
    Bill,
    Branch,
    Payment,
    Receipt,
)
from server.db.models.payments import CASH, CHANNEL_LABELS, ONLINE
from server.services.billing import late_fees
from server.services.billing.balances import lock_account, move_balance
from server.services.collection import deposits, till
from server.services.collection.allocation import (
    OpenBill,
    charge_late_fee,
    credit_label,
    open_bills,
)
from server.services.collection.receipts import new_receipt
from server.services.collection.references import (
    channel_of,
    check_reference,
    duplicate_message,
    insert_once,
)
from server.services.control import restore
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import Conflict, DomainError, NotFound
from server.services.core.money import ZERO, money_of
from server.services.core.numbering import RECEIPT, next_number


@dataclass(frozen=True)
class PaymentRequest:
    account_no: str
    amount: Decimal
    channel: str
    branch_code: str
    # Cheque number or the bank's serial number (online: the gateway's trade number).
    reference: str = ""
    bank: str = ""
    # Cash only: what the payer handed over; None means exactly the amount.
    tendered: Decimal | None = None
    # The client's key for this one payment, the same on each retry of it (see above).
    request_key: uuid.UUID | None = None


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    receipt_no: str
    # (period, amount) of principal per bill paid, oldest first
    allocations: tuple[tuple[str, Decimal], ...]
    # What went to the account balance after the bills.
    credit: Decimal
    change: Decimal
    balance: Decimal
    # (period, amount) of late fee paid per bill, oldest first
    late_fees: tuple[tuple[str, Decimal], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "receipt_no": self.receipt_no,
            "payment_id": self.payment_id,
            "allocations": [{"period": p, "amount": str(a)} for p, a in self.allocations],
            "credit": str(self.credit),
            "change": str(self.change),
            "balance": str(self.balance),
            "late_fees": [{"period": p, "amount": str(a)} for p, a in self.late_fees],
        }


def _cash(
    channel: str, amount: Decimal, tendered: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """(tendered, change) as stored: cash only, tendered at least the amount."""
    if channel != CASH:
        if tendered is not None:
            raise DomainError(f"只有现金收款登记实收金额，{CHANNEL_LABELS[channel]}收到 {tendered}")
        return None, None
    if tendered is None:
        return amount, ZERO
    given = money_of(tendered, "实收金额")
    if given < amount:
        raise DomainError(f"实收金额 {given} 少于收款金额 {amount}")
    return given, given - amount


# Keys named after something already unique (an online order number), so any retry of
# that thing's payment finds the same key.
_NAMED_KEYS = uuid.UUID("0c5a1f7e-3b9d-4e2a-8f61-7d2b9c4e5a30")


def request_key_of(name: str) -> uuid.UUID:
    """The request key of the one payment of `name` (an online order number)."""
    return uuid.uuid5(_NAMED_KEYS, name)


# On uq_payment_reference: the earlier receipt is named when nothing is inserted.
_INSERT_PAYMENT = insert_once(Payment, "channel", "bank", "reference")
_INSERT_ALLOCATIONS = insert(table_of(Allocation))


def _taken_under_key(
    session: Session, request: PaymentRequest, account: Account, amount: Decimal, channel: str
) -> PaymentResult | None:
    """The payment already made under the request's key, as take_payment returned it; a
    Conflict if that key paid something else."""
    if request.request_key is None:
        return None
    payment = session.scalar(select(Payment).where(Payment.request_key == request.request_key))
    if payment is None:
        return None
    receipt_no = (
        session.scalar(select(Receipt.receipt_no).where(Receipt.payment_id == payment.id)) or ""
    )
    if (payment.account_id, payment.amount, payment.channel) != (account.id, amount, channel):
        paid_to = session.scalar(select(Account.account_no).where(Account.id == payment.account_id))
        where = f"（收据 {receipt_no}）" if receipt_no else ""
        raise Conflict(
            f"这笔收款的请求号已用于户号 {paid_to} 的 {payment.amount} 元"
            f"{CHANNEL_LABELS[payment.channel]}收款{where}，与本次户号 {account.account_no}、"
            f"{amount} 元{CHANNEL_LABELS[channel]}不符；请重新开始收款"
        )
    parts = session.execute(
        select(Bill.period, Allocation.amount, Allocation.late_fee)
        .join(Bill, Bill.id == Allocation.bill_id)
        .where(Allocation.payment_id == payment.id, Allocation.void_id.is_(None))
        .order_by(Allocation.id)
    ).all()
    taken = session.execute(
        select(AuditEvent.data).where(
            AuditEvent.action == "payment.take",
            AuditEvent.entity == "payment",
            AuditEvent.entity_id == str(payment.id),
        )
    ).scalar_one()
    credit = payment.amount - sum((a for _, a, _ in parts), ZERO)
    return PaymentResult(
        payment_id=payment.id,
        receipt_no=receipt_no,
        allocations=tuple((period, a) for period, a, fee in parts if not fee),
        credit=credit,
        change=payment.change or ZERO,
        balance=Decimal(taken["balance"]),
        late_fees=tuple((period, a) for period, a, fee in parts if fee),
    )


def take_payment(
    session: Session, actor: Actor, request: PaymentRequest, *, issue_receipt: bool = True
) -> PaymentResult:
    """Record a payment, allocate it to open bills oldest first (a bill's late fee before its
    principal), issue its receipt.

    `issue_receipt=False` is for online payments only: the money arrives at no counter, so
    the payment has no branch (an empty branch_code) and no receipt yet; the resident
    exchanges it for one at any branch later (`issue_online_receipt`), and the result's
    receipt_no is "".
    """
    permissions.require(session, actor, "counter")
    channel = channel_of(request.channel)
    if not issue_receipt and channel != ONLINE:
        raise DomainError("只有在线支付可以暂不开具收据")
    amount = money_of(request.amount, "收款金额")
    reference, bank = request.reference.strip(), request.bank.strip()
    check_reference(channel, reference, bank)
    tendered, change = _cash(channel, amount, request.tendered)
    branch: Branch | None = None
    if issue_receipt or request.branch_code.strip():
        branch = session.scalar(select(Branch).where(Branch.code == request.branch_code.strip()))
        if branch is None:
            raise NotFound(f"网点 {request.branch_code} 不存在")
    # Before the account lock, so the lock order stays till → account → counter.
    till_id = till.till_for_payment(session, actor)
    # The transaction's own clock, so the payment, its receipt and its number agree.
    account, address, now = lock_account(session, request.account_no)
    # A moved-out account still pays its final bill; only a closed one takes nothing.
    if not account.active:
        raise DomainError(f"户号 {account.account_no} 已销户，不能收款")
    # After the account lock: a retry on the same account waits for the first attempt's
    # transaction and then sees its commit.
    done = _taken_under_key(session, request, account, amount, channel)
    if done is not None:
        return done
    row = {
        "account_id": account.id,
        "amount": amount,
        "channel": channel,
        "reference": reference,
        "bank": bank,
        "branch_id": branch.id if branch is not None else None,
        "staff_id": actor.staff_id,
        "till_session_id": till_id,
        "tendered": tendered,
        "change": change,
        "created_at": now,
        "request_key": request.request_key,
    }
    if request.request_key is None:
        payment_id = session.execute(_INSERT_PAYMENT, row).scalar()
    else:
        try:
            with session.begin_nested():
                payment_id = session.execute(_INSERT_PAYMENT, row).scalar()
        except IntegrityError as error:
            # The same key racing in on another account: uq_payment_request_key kept the
            # first; this one names it.
            if "uq_payment_request_key" not in str(error.orig):
                raise
            done = _taken_under_key(session, request, account, amount, channel)
            if done is None:
                raise
            return done
    if payment_id is None:
        earlier = session.scalar(
            select(Receipt.receipt_no)
            .join(Payment, Payment.id == Receipt.payment_id)
            .where(Payment.channel == channel, Payment.bank == bank, Payment.reference == reference)
        )
        raise DomainError(duplicate_message(channel, bank, reference, earlier))

    # The fee day is the business date the till rules use, so a clerk's day agrees.
    today = till.business_date()
    rest = amount
    # (bill, fee paid, principal paid), oldest first
    allocated: list[tuple[OpenBill, Decimal, Decimal]] = []
    for bill in open_bills(session, account.id, account.customer_class_id, today):
        if rest == 0:
            break
        charge_late_fee(session, actor, bill, today, payment_id)
        fee = min(rest, bill.fee_owed)
        share = min(rest - fee, bill.open)
        allocated.append((bill, fee, share))
        rest -= fee + share
    parts = [
        {"payment_id": payment_id, "bill_id": bill.bill_id, "amount": part, "void_id": None,
         "late_fee": is_fee, "created_at": now}
        for bill, fee, share in allocated
        for part, is_fee in ((fee, True), (share, False))
        if part > 0
    ]  # fmt: skip
    if parts:
        session.execute(_INSERT_ALLOCATIONS, parts)
        # Money put on a deposit bill is held apart from the balance.
        deposits.hold_paid(
            session, account.id, payment_id, ((b.bill_id, s) for b, _, s in allocated)
        )
    # Only the last bill paid can be left partial; one statement per status.
    for status in ("paid", "partial"):
        ids = [
            b.bill_id
            for b, _, share in allocated
            if share > 0 and (share == b.open) == (status == "paid")
        ]
        if ids:
            # Evaluated in Python for bills loaded in the session (no RETURNING to read).
            session.execute(
                update(Bill)
                .where(Bill.id.in_(ids))
                .values(status=status)
                .execution_options(synchronize_session="evaluate")
            )

    receipt_no = ""
    if branch is not None and issue_receipt:
        receipt_no = next_number(
            session, RECEIPT, branch.id, branch.code, now.astimezone(BUSINESS_TZ).year
        )
    balance = account.balance
    if rest > 0:
        source = f"收据 {receipt_no}" if receipt_no else f"在线支付 {reference}"
        balance = move_balance(session, account.id, rest, "payment", payment_id, f"{source} 预存")
        # 费控: back on at once, queued in this transaction and sent right after its commit.
        restore.queue_restore(session, actor, account.id, balance, now)
    lines = [
        ReceiptLine(bill.period, what, part)
        for bill, fee, share in allocated
        for what, part in ((late_fees.LABEL, fee), (bill.description, share))
        if part > 0
    ]
    if rest > 0:
        lines.append(ReceiptLine("", credit_label(account.billing_mode), rest))
    if receipt_no and branch is not None:
        session.add(
            new_receipt(
                receipt_no,
                payment_id,
                branch,
                account,
                address,
                lines,
                total=amount,
                channel=channel,
                reference=reference,
                bank=bank,
                clerk=actor.label,
                tendered=tendered,
                change=change,
                issued_at=now,
            )
        )
    audit.record(
        session,
        actor,
        "payment.take",
        "payment",
        payment_id,
        {
            "receipt_no": receipt_no,
            "account_no": account.account_no,
            "amount": str(amount),
            "channel": channel,
            "reference": reference,
            "credit": str(rest),
            "late_fees": [{"period": b.period, "amount": str(f)} for b, f, _ in allocated if f],
            # What a retry under the request's key answers (_taken_under_key).
            "balance": str(balance),
        },
    )
    session.flush()
    return PaymentResult(
        payment_id=payment_id,
        receipt_no=receipt_no,
        allocations=tuple((bill.period, share) for bill, _, share in allocated if share > 0),
        credit=rest,
        change=change or ZERO,
        balance=balance,
        late_fees=tuple((bill.period, fee) for bill, fee, _ in allocated if fee > 0),
    )
