"""An account's balance and its bills' settlement: the moves every money path shares.

The account row is locked first (`lock_account`), then balance moves are written through the
ledger (`move_balance`) and each touched bill's status recomputed from what it has been paid
(`set_status`). Credit on a postpaid account pays its open bills at once, oldest first
(`draw_credit`): a rebill's excess, a credit adjustment or a released deposit never waits
for the next billing run while bills are owed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from server.db.models import Account, AccountLedgerEntry, Bill, Building, Campus
from server.db.models.accounts import PREPAID
from server.db.models.billing import BILL_OPEN, BILL_PAID, BILL_PARTIAL, BILL_VOID, DEPOSIT
from server.services.accounts.accounts import address_of
from server.services.billing.bills import OPEN_STATUSES, paid_on_bill
from server.services.core.errors import NotFound
from server.services.core.money import ZERO


def set_status(session: Session, bill_ids: list[int]) -> None:
    """Recompute each bill's status from what it has been paid (status is its one mutable
    column); a void bill stays void."""
    for bill_id, total, status, settled in session.execute(
        select(Bill.id, Bill.total, Bill.status, paid_on_bill()).where(
            Bill.id.in_(bill_ids), Bill.status != BILL_VOID
        )
    ):
        wanted = BILL_OPEN if settled <= 0 else BILL_PARTIAL if settled < total else BILL_PAID
        if wanted != status:
            session.execute(
                update(Bill)
                .where(Bill.id == bill_id)
                .values(status=wanted)
                .execution_options(synchronize_session="fetch")
            )


def move_balance(
    session: Session,
    account_id: int,
    amount: Decimal,
    kind: str,
    payment_id: int | None,
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


def draw_credit(session: Session, account: Account) -> Decimal:
    """Pay a locked postpaid account's open bills from its positive balance, oldest period
    first (ledger kind 'credit_used', as a billing run draws it); returns what was drawn.

    Prepaid accounts keep their balance: their bills draw it whole when issued.
    """
    if account.billing_mode == PREPAID:
        return ZERO
    session.flush()
    balance = session.scalar(select(Account.balance).where(Account.id == account.id)) or ZERO
    drawn = ZERO
    if balance <= 0:
        return drawn
    rows = session.execute(
        select(Bill.id, Bill.period, Bill.total - paid_on_bill())
        # A deposit is paid in money, never from credit: what is held must be real cash.
        .where(Bill.account_id == account.id, Bill.status.in_(OPEN_STATUSES), Bill.kind != DEPOSIT)
        .order_by(Bill.period, Bill.id)
    ).all()
    touched = []
    for bill_id, period, open_amount in rows:
        take = min(balance - drawn, open_amount)
        if take <= 0:
            continue
        move_balance(session, account.id, -take, "credit_used", None, f"{period} 账单抵扣余额",
                     bill_id)  # fmt: skip
        drawn += take
        touched.append(bill_id)
        if drawn == balance:
            break
    session.flush()
    set_status(session, touched)
    return drawn


_LOCK_ACCOUNT = (
    select(Account, Campus.name, Building.name, func.now())
    .join(Campus, Campus.id == Account.campus_id)
    .outerjoin(Building, Building.id == Account.building_id)
    .where(Account.account_no == bindparam("account_no"))
    .with_for_update(of=Account)
    .execution_options(populate_existing=True)
)


def lock_account(session: Session, account_no: str) -> tuple[Account, str, datetime]:
    """The account, locked and re-read, with its address as a document shows it and the
    transaction's clock."""
    row = session.execute(_LOCK_ACCOUNT, {"account_no": account_no.strip()}).first()
    if row is None:
        raise NotFound(f"户号 {account_no} 不存在")
    account, campus, building, now = row
    return account, address_of(campus, building or "", account.unit, account.room), now
