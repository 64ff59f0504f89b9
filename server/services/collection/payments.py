"""Counter collection (收款): take a payment and issue its receipt; void (冲正/作废) it.

A payment goes to the account's open bills, oldest period first (a bill may be paid in
part); what is left becomes credit on the account balance through the ledger (a prepaid
account's top-up is the same thing: it has no open bills). Every payment gets a receipt
numbered gap-free per branch and year in the payment's own transaction.

Concurrency: the account row is locked (SELECT … FOR UPDATE) before its bills are read, so
payments and voids on one account serialize and a bill's open amount cannot be used twice.
The receipt counter is taken last, after the account lock, so the lock order is always
account → counter and two counters cannot deadlock.

The till (server.services.collection.till): a staff member takes money only through their
open till of today, and voids only their own receipt of an open same-day till unless they
hold a manager or admin post (`permissions.is_manager`).

What a bill has been paid (`paid_on_bill`) is its allocations plus the balance drawn for it:
a billing run draws a postpaid account's credit (ledger kind 'credit_used', with bill_id), a
prepaid bill its whole total (kind 'bill'). Voiding a payment whose credit later bills have
drawn gives that credit back from the newest bills first (kind 'credit_returned'), so the
amount is owed on those bills again and a postpaid balance never goes negative.

Late fees (server.services.billing.late_fees has the rule): `open_items` is what the account owes
on a day, each bill's principal and the fee a payment that day would owe; take_payment
charges a touched bill's fee and pays it before the bill's principal, each on its own
receipt line; `waive_late_fee` is a manager's waiver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg import errors as pg_errors
from sqlalchemy import Select, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Allocation,
    Bill,
    BillLine,
    Branch,
    Building,
    Campus,
    LateFee,
    Payment,
    PaymentOrder,
    Receipt,
    ReceiptVoid,
)
from server.db.models.accounts import POSTPAID, PREPAID
from server.db.models.late_fees import CHARGE, WAIVE
from server.db.models.metering import KINDS
from server.db.models.payments import CASH, CHANNEL_LABELS, CHANNELS, CHEQUE, ONLINE, TRANSFER
from server.services.accounts.accounts import address_of
from server.services.billing import late_fees
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.collection import till
from server.services.collection.receipts import receipt_by_no
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import DomainError, NotFound, PermissionDenied
from server.services.core.money import ZERO, money_of
from server.services.core.numbering import RECEIPT, next_number

_CHANNEL_NAMES = {
    **{code: code for code in CHANNELS},
    **{label: code for code, label in CHANNEL_LABELS.items()},
    "转账": TRANSFER,
    "银行转账": TRANSFER,
    "网上支付": ONLINE,
}
KIND_LABELS = {"electricity": "电费", "water": "水费"}
# Ledger kinds of a postpaid bill drawing credit from the balance and giving it back.
CREDIT_DRAW_KINDS = ("credit_used", "credit_returned")


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


@dataclass(frozen=True)
class OpenItem:
    """A bill the account still owes on, as the counter shows it on a day."""

    bill_id: int
    period: str
    description: str
    total: Decimal
    # Principal paid: allocations plus credit drawn.
    paid: Decimal
    open: Decimal
    due_date: date
    # What a payment on the day would owe as late fee: open charged fee + accrual now.
    late_fee: Decimal
    # Days past the due date while principal is open.
    late_days: int


def channel_of(text: str) -> str:
    channel = _CHANNEL_NAMES.get(text.strip())
    if channel is None:
        raise DomainError(f"收款方式应为 现金、支票、网银转账 或 在线支付，收到「{text}」")
    return channel


def _duplicate_message(channel: str, bank: str, reference: str, receipt_no: str | None) -> str:
    where = f"，收据 {receipt_no}" if receipt_no else ""
    if channel == CHEQUE:
        return f"支票号 {reference}（{bank}）已登记{where}"
    if channel == ONLINE:
        return f"支付流水号 {reference} 已登记{where}"
    return f"银行流水号 {reference}{f'（{bank}）' if bank else ' '}已登记{where}"


def _check_reference(channel: str, reference: str, bank: str) -> None:
    if channel == CHEQUE and not reference:
        raise DomainError("支票收款须填写支票号")
    if channel == CHEQUE and not bank:
        raise DomainError(f"支票 {reference} 须填写出票银行")
    if channel == TRANSFER and not reference:
        raise DomainError("网银转账须填写银行流水号")
    if channel == ONLINE and not reference:
        raise DomainError("在线支付须填写支付流水号")
    if len(reference) > 64 or len(bank) > 60:
        raise DomainError(f"票据号或银行名称过长：「{reference}」「{bank}」")


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


@dataclass
class _OpenBill:
    bill_id: int
    period: str
    total: Decimal
    paid: Decimal
    description: str
    # Charged and not yet paid.
    fee_open: Decimal
    # What a payment on the day charges before it pays.
    accrual: late_fees.Accrual

    @property
    def open(self) -> Decimal:
        return self.total - self.paid

    @property
    def fee_owed(self) -> Decimal:
        return self.fee_open + self.accrual.amount


def _open_bills_query() -> Select[Any]:
    kinds = (
        select(func.array_agg(BillLine.kind.distinct()))
        .where(BillLine.bill_id == Bill.id)
        .scalar_subquery()
    )
    fees = select(LateFee).where(LateFee.bill_id == Bill.id)
    fee_net = (
        select(func.coalesce(func.sum(LateFee.amount), ZERO))
        .where(LateFee.bill_id == Bill.id)
        .scalar_subquery()
    )
    fee_paid = (
        select(func.coalesce(func.sum(Allocation.amount), ZERO))
        .where(Allocation.bill_id == Bill.id, Allocation.late_fee.is_(True))
        .scalar_subquery()
    )
    accrued_to = select(func.max(LateFee.accrued_to)).where(LateFee.bill_id == Bill.id)
    charged = fees.where(LateFee.kind == CHARGE).exists()
    return (
        select(
            Bill.id,
            Bill.period,
            Bill.total,
            paid_on_bill(),
            kinds,
            fee_net,
            fee_paid,
            accrued_to.scalar_subquery(),
            charged,
        )
        .where(
            Bill.account_id == bindparam("account_id"),
            or_(Bill.status.in_(OPEN_STATUSES), fees.exists()),
        )
        .order_by(Bill.period, Bill.id)
    )


# Built once: its subqueries cost more to construct than to run (every payment runs it).
_OPEN_BILLS = _open_bills_query()


def _open_bills(
    session: Session, account_id: int, customer_class_id: int, on: date
) -> list[_OpenBill]:
    """The account's bills owing principal or late fee on day `on`, oldest period first."""
    rows = session.execute(_OPEN_BILLS, {"account_id": account_id}).all()
    policy = late_fees.policy_on(session, customer_class_id, on)
    found = []
    for bill_id, period, total, paid, kind_list, net, fee_paid_, last, was_charged in rows:
        accrual = late_fees.accrue(
            policy,
            period,
            total - paid,
            on,
            accrued_to=last,
            charged_before=was_charged,
            net_charged=net,
        )
        bill = _OpenBill(
            bill_id, period, total, paid, _description(kind_list or ()), net - fee_paid_, accrual
        )
        if bill.open > 0 or bill.fee_owed > 0:
            found.append(bill)
    return found


def _item(bill: _OpenBill, on: date) -> OpenItem:
    due = late_fees.due_date(bill.period)
    return OpenItem(
        bill_id=bill.bill_id,
        period=bill.period,
        description=bill.description,
        total=bill.total,
        paid=bill.paid,
        open=bill.open,
        due_date=due,
        late_fee=bill.fee_owed,
        late_days=(on - due).days if bill.open > 0 and on > due else 0,
    )


def open_items(session: Session, account_id: int, on: date) -> tuple[OpenItem, ...]:
    """What the account owes on day `on`, bill by bill, oldest period first."""
    class_id = session.scalar(select(Account.customer_class_id).where(Account.id == account_id))
    if class_id is None:
        raise NotFound(f"用户 {account_id} 不存在")
    return tuple(_item(bill, on) for bill in _open_bills(session, account_id, class_id, on))


def amount_owed(items: Iterable[OpenItem]) -> Decimal:
    """Principal and late fee of the items: what pays them all."""
    return sum((item.open + item.late_fee for item in items), ZERO)


def _charge(
    session: Session,
    actor: Actor,
    bill: _OpenBill,
    on: date,
    payment_id: int | None,
) -> None:
    """Write the fee the bill accrued up to `on` (nothing if none)."""
    if bill.accrual.amount > 0:
        session.add(
            LateFee(
                bill_id=bill.bill_id,
                kind=CHARGE,
                amount=bill.accrual.amount,
                accrued_to=on,
                days=bill.accrual.days,
                rate=bill.accrual.rate,
                basis=bill.open,
                payment_id=payment_id,
                staff_id=actor.staff_id,
                actor=actor.label,
            )
        )


def _description(kinds: Sequence[str]) -> str:
    """'电费、水费' from the kinds of a bill's lines (electricity first, as on bills)."""
    labels = [KIND_LABELS.get(k, k) for k in sorted(kinds, key=KINDS.index)]
    return "、".join(labels) or "水电费"


def _set_status(session: Session, bill_ids: list[int]) -> None:
    """Recompute each bill's status from what it has been paid (status is its one mutable
    column)."""
    for bill_id, total, status, settled in session.execute(
        select(Bill.id, Bill.total, Bill.status, paid_on_bill()).where(Bill.id.in_(bill_ids))
    ):
        wanted = "open" if settled <= 0 else "partial" if settled < total else "paid"
        if wanted != status:
            session.execute(
                update(Bill)
                .where(Bill.id == bill_id)
                .values(status=wanted)
                .execution_options(synchronize_session="fetch")
            )


def _move_balance(
    session: Session,
    account_id: int,
    amount: Decimal,
    kind: str,
    payment_id: int,
    note: str,
    bill_id: int | None = None,
) -> Decimal:
    """Add `amount` to the locked account's balance and write the ledger entry."""
    balance = session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(balance=Account.balance + amount)
        .returning(Account.balance)
        .execution_options(synchronize_session="fetch")
    ).scalar_one()
    session.add(
        AccountLedgerEntry(
            account_id=account_id,
            kind=kind,
            amount=amount,
            balance_after=balance,
            payment_id=payment_id,
            bill_id=bill_id,
            note=note,
        )
    )
    return balance


_LOCK_ACCOUNT = (
    select(Account, Campus.name, Building.name, func.now())
    .join(Campus, Campus.id == Account.campus_id)
    .outerjoin(Building, Building.id == Account.building_id)
    .where(Account.account_no == bindparam("account_no"))
    .with_for_update(of=Account)
    .execution_options(populate_existing=True)
)


def _lock_account(session: Session, account_no: str) -> tuple[Account, str, datetime]:
    """The account, locked and re-read, with its address as a document shows it and the
    transaction's clock."""
    row = session.execute(_LOCK_ACCOUNT, {"account_no": account_no.strip()}).first()
    if row is None:
        raise NotFound(f"户号 {account_no} 不存在")
    account, campus, building, now = row
    return account, address_of(campus, building or "", account.unit, account.room), now


# ON CONFLICT on uq_payment_reference: a reference registered before (or by a counter
# racing this one) inserts nothing, and the caller names the earlier receipt.
_INSERT_PAYMENT = (
    pg_insert(Payment.__table__)
    .on_conflict_do_nothing(
        index_elements=["channel", "bank", "reference"], index_where=text("reference <> ''")
    )
    .returning(Payment.__table__.c.id)
)
_INSERT_ALLOCATIONS = insert(Allocation.__table__)


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
    _check_reference(channel, reference, bank)
    tendered, change = _cash(channel, amount, request.tendered)
    branch: Branch | None = None
    if issue_receipt or request.branch_code.strip():
        branch = session.scalar(select(Branch).where(Branch.code == request.branch_code.strip()))
        if branch is None:
            raise NotFound(f"网点 {request.branch_code} 不存在")
    # Before the account lock, so the lock order stays till → account → counter.
    till_id = till.till_for_payment(session, actor)
    # The transaction's own clock, so the payment, its receipt and its number agree.
    account, address, now = _lock_account(session, request.account_no)
    payment_id = session.execute(
        _INSERT_PAYMENT,
        {
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
        },
    ).scalar()
    if payment_id is None:
        earlier = session.scalar(
            select(Receipt.receipt_no)
            .join(Payment, Payment.id == Receipt.payment_id)
            .where(Payment.channel == channel, Payment.bank == bank, Payment.reference == reference)
        )
        raise DomainError(_duplicate_message(channel, bank, reference, earlier))

    # The fee day is the business date the till rules use, so a clerk's day agrees.
    today = till.business_date()
    rest = amount
    # (bill, fee paid, principal paid), oldest first
    allocated: list[tuple[_OpenBill, Decimal, Decimal]] = []
    for bill in _open_bills(session, account.id, account.customer_class_id, today):
        if rest == 0:
            break
        _charge(session, actor, bill, today, payment_id)
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
        balance = _move_balance(session, account.id, rest, "payment", payment_id, f"{source} 预存")
    lines = [
        {"period": bill.period, "description": what, "amount": str(part)}
        for bill, fee, share in allocated
        for what, part in ((late_fees.LABEL, fee), (bill.description, share))
        if part > 0
    ]
    if rest > 0:
        what = _credit_label(account.billing_mode)
        lines.append({"period": "", "description": what, "amount": str(rest)})
    if receipt_no and branch is not None:
        session.add(
            Receipt(
                receipt_no=receipt_no,
                payment_id=payment_id,
                branch_id=branch.id,
                branch_name=branch.name,
                account_id=account.id,
                account_no=account.account_no,
                holder_name=account.holder_name,
                address=address,
                lines=lines,
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


def _credit_label(billing_mode: str) -> str:
    return "预存" if billing_mode == PREPAID else "余额（多缴）"


@dataclass(frozen=True)
class IssuedReceipt:
    receipt_no: str
    payment_id: int
    branch_code: str
    total: Decimal


def online_payment_lines(session: Session, payment_id: int) -> list[dict[str, str]]:
    """What an online payment paid, as receipt lines (the shape take_payment writes): each
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
        {
            "period": period,
            "description": late_fees.LABEL if is_fee else _description(kind_list or ()),
            "amount": str(amount),
        }
        for period, kind_list, is_fee, amount in rows
    ]
    credit, mode = session.execute(
        select(func.coalesce(func.sum(AccountLedgerEntry.amount), ZERO), Account.billing_mode)
        .join(Account, Account.id == AccountLedgerEntry.account_id)
        .where(AccountLedgerEntry.payment_id == payment_id, AccountLedgerEntry.kind == "payment")
        .group_by(Account.billing_mode)
    ).first() or (ZERO, POSTPAID)
    if credit > 0:
        lines.append({"period": "", "description": _credit_label(mode), "amount": str(credit)})
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
    account, address, _ = _lock_account(session, account_no or "")
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
    receipt = Receipt(
        receipt_no=receipt_no,
        payment_id=row.id,
        branch_id=branch.id,
        branch_name=branch.name,
        account_id=account.id,
        account_no=account.account_no,
        holder_name=account.holder_name,
        address=address,
        lines=online_payment_lines(session, row.id),
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
            raise DomainError("该笔在线支付的收据已由其他窗口开具，请使用重打") from None
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
        _move_balance(
            session, receipt.account_id, back, "credit_returned", receipt.payment_id, note, bill_id
        )
        returned.append((bill_id, period, back))
        needed -= back
    session.flush()
    _set_status(session, [bill_id for bill_id, _, _ in returned])
    return [(period, back) for _, period, back in returned]


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
        raise DomainError(f"收据 {receipt.receipt_no} 已作废")
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
        raise DomainError(f"作废收据 {receipt_no} 须填写原因")
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
        raise DomainError(f"收据 {receipt.receipt_no} 已作废")
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
    _set_status(session, [bill_id for bill_id, _, _ in reopened])

    credit = session.scalar(
        select(func.coalesce(func.sum(AccountLedgerEntry.amount), ZERO)).where(
            AccountLedgerEntry.payment_id == receipt.payment_id,
            AccountLedgerEntry.kind == "payment",
        )
    )
    returned: list[tuple[str, Decimal]] = []
    if credit:
        mode, balance = session.execute(
            select(Account.billing_mode, Account.balance).where(Account.id == receipt.account_id)
        ).one()
        if mode == POSTPAID and credit > balance:
            returned = _return_credit(
                session, receipt, min(credit, credit - balance), f"作废收据 {receipt.receipt_no}"
            )
        balance = _move_balance(
            session,
            receipt.account_id,
            -credit,
            "reversal",
            receipt.payment_id,
            f"作废收据 {receipt.receipt_no}",
        )
    else:
        balance = session.scalar(select(Account.balance).where(Account.id == receipt.account_id))
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


def waive_late_fee(
    session: Session, actor: Actor, account_no: str, period: str, reason: str
) -> Decimal:
    """A manager's waiver (减免) of a bill's open late fee, including what accrued up to
    today; accrual restarts from today. Returns the amount waived."""
    if actor.staff_id is None or not permissions.is_manager(session, actor.staff_id):
        raise PermissionDenied("减免滞纳金须由管理人员办理")
    reason = reason.strip()
    if not reason:
        raise DomainError(f"减免户号 {account_no} {period} 的滞纳金须填写原因")
    if len(reason) > 200:
        raise DomainError(f"减免原因过长（{len(reason)} 字，最多 200 字）")
    wanted = str(Period.parse(period))
    account, _, _ = _lock_account(session, account_no)
    today = till.business_date()
    bills = _open_bills(session, account.id, account.customer_class_id, today)
    bill = next((b for b in bills if b.period == wanted), None)
    if bill is None or bill.fee_owed == 0:
        raise DomainError(f"户号 {account.account_no} 账期 {wanted} 没有未缴的滞纳金")
    waived = bill.fee_owed
    _charge(session, actor, bill, today, None)
    row = LateFee(
        bill_id=bill.bill_id,
        kind=WAIVE,
        amount=-waived,
        accrued_to=today,
        days=bill.accrual.days,
        rate=bill.accrual.rate,
        basis=bill.open,
        reason=reason,
        staff_id=actor.staff_id,
        actor=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "late_fee.waive",
        "late_fee",
        row.id,
        {
            "account_no": account.account_no,
            "period": wanted,
            "amount": str(waived),
            "reason": reason,
        },
    )
    return waived
