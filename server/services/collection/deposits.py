"""Deposits (押金): charged at move-in when the account's customer class asks for one, held
apart from the balance, given to the balance at move-out.

The deposit is owed through its own bill (kind 'deposit', one line 押金, no tariff), paid at
the counter like any bill but never drawn from a balance. Money a payment puts on that bill
is held (deposit_ledger 'paid', account.deposit up); voiding the receipt gives it back
('reversed'). At move-out `release_deposit` hands what is held to the balance (ledger
'deposit_release', deposit_ledger 'released'), where it pays what is still owed and the rest
is refundable (server.services.collection.refunds).

Account creation lives below billing (server.services.accounts), so a new account's deposit
is charged here: `open_account` is account creation at the counter's level, for the desk's
new-account form and move-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import Account, Bill, BillLine, CustomerClass, DepositLedgerEntry
from server.db.models.billing import BILL_OPEN, BILL_VOID, DEPOSIT
from server.services.accounts.accounts import AccountSpec, create_account
from server.services.billing.balances import draw_credit, lock_account, move_balance
from server.services.core import audit, calendar
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import Conflict, DomainError
from server.services.core.money import ZERO

DEPOSIT_LABEL = "押金"


def open_account(session: Session, actor: Actor, spec: AccountSpec) -> Account:
    """Create the account and charge its class's deposit, if any (开户)."""
    account = create_account(session, actor, spec)
    charge_deposit(session, actor, account.id)
    return account


def charge_deposit(session: Session, actor: Actor, account_id: int) -> int | None:
    """Issue the account's deposit bill for the current business period when its customer
    class asks for a deposit; returns the bill's id, None when the class has none."""
    account_no, amount = session.execute(
        select(Account.account_no, CustomerClass.deposit)
        .join(CustomerClass, CustomerClass.id == Account.customer_class_id)
        .where(Account.id == account_id)
    ).one()
    if amount <= 0:
        return None
    account, address, _ = lock_account(session, account_no)
    earlier = session.scalar(
        select(Bill.period).where(
            Bill.account_id == account.id, Bill.kind == DEPOSIT, Bill.status != BILL_VOID
        )
    )
    if earlier is not None:
        raise Conflict(f"户号 {account.account_no} 已于账期 {earlier} 收取押金")
    period = str(Period.of(calendar.now()))
    bill = Bill(
        account_id=account.id,
        period=period,
        account_no=account.account_no,
        holder_name=account.holder_name,
        address=address,
        billing_mode=account.billing_mode,
        total=amount,
        status=BILL_OPEN,
        kind=DEPOSIT,
    )
    session.add(bill)
    session.flush()
    session.add(
        BillLine(
            bill_id=bill.id, kind=DEPOSIT, component=DEPOSIT_LABEL, usage=ZERO, amount=amount,
            tariff_id=None,
        )
    )  # fmt: skip
    session.flush()
    audit.record(
        session,
        actor,
        "deposit.charge",
        "bill",
        bill.id,
        {"account_no": account.account_no, "period": period, "amount": str(amount)},
    )
    return bill.id


def _move_deposit(
    session: Session,
    account_id: int,
    amount: Decimal,
    kind: str,
    note: str,
    *,
    bill_id: int | None = None,
    payment_id: int | None = None,
) -> Decimal:
    """Add `amount` to the locked account's deposit held and write the deposit ledger."""
    held = session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(deposit=Account.deposit + amount)
        .returning(Account.deposit)
        .execution_options(synchronize_session="fetch")
    ).scalar_one()
    session.add(
        DepositLedgerEntry(
            account_id=account_id,
            kind=kind,
            amount=amount,
            held_after=held,
            bill_id=bill_id,
            payment_id=payment_id,
            note=note,
        )
    )
    return held


def _deposit_bills(session: Session, bill_ids: Iterable[int]) -> set[int]:
    ids = list(bill_ids)
    if not ids:
        return set()
    return set(session.scalars(select(Bill.id).where(Bill.id.in_(ids), Bill.kind == DEPOSIT)))


def hold_paid(
    session: Session, account_id: int, payment_id: int, paid: Iterable[tuple[int, Decimal]]
) -> Decimal:
    """After a payment's allocation on the locked account: what it put on deposit bills
    ((bill_id, principal) pairs) is held; returns the deposit held afterwards (unchanged
    when no deposit bill was paid)."""
    paid = list(paid)
    deposits = _deposit_bills(session, (bill_id for bill_id, _ in paid))
    held = ZERO
    for bill_id, amount in paid:
        if bill_id in deposits and amount > 0:
            held = _move_deposit(
                session, account_id, amount, "paid", "缴纳押金", bill_id=bill_id,
                payment_id=payment_id,
            )  # fmt: skip
    return held


def reverse_paid(
    session: Session,
    account_id: int,
    payment_id: int,
    given_back: Iterable[tuple[int, Decimal]],
    receipt_no: str,
) -> None:
    """A voided receipt's deposit payments ((bill_id, principal given back)) leave what is
    held; refused once the deposit has been released at move-out."""
    given_back = list(given_back)
    deposits = _deposit_bills(session, (bill_id for bill_id, _ in given_back))
    for bill_id, amount in given_back:
        if bill_id not in deposits or amount <= 0:
            continue
        held = session.scalar(select(Account.deposit).where(Account.id == account_id)) or ZERO
        if held < amount:
            raise DomainError(
                f"收据 {receipt_no} 所缴押金 {amount} 元已转入余额（现存押金 {held} 元），"
                "不能作废；请用调账或退款处理"
            )
        _move_deposit(
            session, account_id, -amount, "reversed", f"作废收据 {receipt_no}",
            bill_id=bill_id, payment_id=payment_id,
        )  # fmt: skip


def release_deposit(session: Session, account: Account) -> Decimal:
    """At move-out: give the locked account's deposit held to its balance, which then pays
    what is still owed (postpaid); what stays positive is refundable. Returns the amount
    released (0 when none was held)."""
    held = session.scalar(select(Account.deposit).where(Account.id == account.id)) or ZERO
    if held <= 0:
        return ZERO
    _move_deposit(session, account.id, -held, "released", "退房结算，押金转入余额")
    move_balance(session, account.id, held, "deposit_release", None, "押金转入余额")
    draw_credit(session, account)
    return held
