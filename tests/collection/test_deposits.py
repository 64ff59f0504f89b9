"""Deposits (押金) on real PostgreSQL: charged on its own bill at account opening when the
customer class asks for one, held apart from the balance when paid, given back by a void,
never drawn from credit, and released at move-out against the final bill, the rest
refundable. Figures are hand-computed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Bill,
    BillLine,
    CustomerClass,
    DepositLedgerEntry,
    Receipt,
)
from server.services.accounts.accounts import AccountSpec
from server.services.billing.balances import draw_credit, lock_account, move_balance
from server.services.billing.late_fees import set_late_fee_policy
from server.services.collection.allocation import open_items
from server.services.collection.deposits import charge_deposit, open_account, release_deposit
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.refunds import refund_balance
from server.services.collection.till import open_till, settlement
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.errors import Conflict, DomainError, InvalidInput
from tests import factories as f


@pytest.fixture
def desk(session, monkeypatch):
    """Business day 2026-12-07; class 居民 asks a 300.00 deposit; wang's till is open with no
    float; zhao is a manager."""
    moment = calendar.business_datetime(date(2026, 12, 7)) + timedelta(hours=9)
    monkeypatch.setattr(calendar, "now", lambda: moment)
    f.branches(session)
    session.execute(
        update(CustomerClass).where(CustomerClass.name == "居民").values(deposit=D("300.00"))
    )
    wang, zhao = f.staff(session, "wang"), f.staff(session, "zhao", "manager")
    open_till(session, wang, D("0.00"))
    return session, wang, zhao


def opened(session: Session, account_no: str = "A001", customer_class: str = "居民") -> Account:
    spec = AccountSpec(account_no=account_no, holder_name="张三", customer_class=customer_class,
                       campus="东校区", building="1号楼", unit="2", room="301")  # fmt: skip
    return open_account(session, f.ACTOR, spec)


def deposit_bill(session: Session, account_id: int) -> Bill:
    bill = session.scalar(select(Bill).where(Bill.account_id == account_id, Bill.kind == "deposit"))
    assert bill is not None
    session.refresh(bill)
    return bill


def held(session: Session, account_id: int) -> tuple[D, list[tuple[str, D, D]]]:
    deposit = session.scalar(select(Account.deposit).where(Account.id == account_id))
    rows = session.execute(
        select(DepositLedgerEntry.kind, DepositLedgerEntry.amount, DepositLedgerEntry.held_after)
        .where(DepositLedgerEntry.account_id == account_id)
        .order_by(DepositLedgerEntry.id)
    ).all()
    return deposit, [tuple(r) for r in rows]


def pay(session: Session, clerk, amount: str, account_no: str = "A001"):
    return take_payment(session, clerk, PaymentRequest(account_no, D(amount), "cash", "D"))


def test_opening_an_account_charges_its_class_deposit_on_its_own_bill(desk):
    session, _, _ = desk
    account = opened(session)
    bill = deposit_bill(session, account.id)
    assert (bill.period, bill.total, bill.status, bill.kind) == ("2026-12", D("300.00"), "open",
                                                                 "deposit")  # fmt: skip
    assert (bill.account_no, bill.holder_name, bill.address) == (
        "A001", "张三", "东校区 1号楼 2单元 301"
    )  # fmt: skip
    lines = session.execute(
        select(BillLine.kind, BillLine.component, BillLine.usage, BillLine.amount,
               BillLine.tariff_id).where(BillLine.bill_id == bill.id)
    ).all()  # fmt: skip
    assert lines == [("deposit", "押金", D("0"), D("300.00"), None)]
    with pytest.raises(Conflict) as refused:
        charge_deposit(session, f.ACTOR, account.id)
    assert str(refused.value) == "户号 A001 已于账期 2026-12 收取押金"
    # A class without a deposit charges none.
    other = opened(session, "B001", "单位")
    assert charge_deposit(session, f.ACTOR, other.id) is None
    assert session.scalar(select(Bill.id).where(Bill.account_id == other.id)) is None


def test_a_payment_on_the_deposit_bill_is_held_apart_and_a_void_gives_it_back(desk):
    session, wang, _ = desk
    account = opened(session)
    f.bill(session, account.id, "2026-11", "50.00")
    # 350.00 pays the 2026-11 bill (50.00) first, then the deposit (300.00).
    paid = pay(session, wang, "350.00")
    assert paid.allocations == (("2026-11", D("50.00")), ("2026-12", D("300.00")))
    assert (paid.credit, paid.balance) == (D("0.00"), D("0.00"))
    lines = session.scalar(select(Receipt.lines).where(Receipt.receipt_no == paid.receipt_no))
    assert lines == [
        {"period": "2026-11", "description": "电费", "amount": "50.00"},
        {"period": "2026-12", "description": "押金", "amount": "300.00"},
    ]
    assert deposit_bill(session, account.id).status == "paid"
    assert held(session, account.id) == (D("300.00"), [("paid", D("300.00"), D("300.00"))])

    void_receipt(session, wang, paid.receipt_no, "收错金额")
    assert deposit_bill(session, account.id).status == "open"
    assert held(session, account.id) == (
        D("0.00"), [("paid", D("300.00"), D("300.00")), ("reversed", D("-300.00"), D("0.00"))]
    )  # fmt: skip


def test_credit_never_pays_a_deposit(desk):
    session, wang, _ = desk
    account = opened(session)
    f.bill(session, account.id, "2026-11", "50.00")
    pay(session, wang, "50.00")  # the electricity bill; the deposit stays owed
    # Credit given to the balance (as a rebill's excess would) pays no deposit.
    locked, _, _ = lock_account(session, "A001")
    move_balance(session, locked.id, D("500.00"), "adjustment", None, "好意减免")
    assert draw_credit(session, locked) == D("0.00")
    assert deposit_bill(session, account.id).status == "open"
    assert held(session, account.id) == (D("0.00"), [])


def test_released_at_move_out_against_the_final_bill_the_rest_is_refunded(desk):
    session, wang, zhao = desk
    account = opened(session)
    pay(session, wang, "300.00")  # the deposit, held
    final = f.bill(session, account.id, "2026-12", "120.50")  # the final bill, owed
    locked, _, _ = lock_account(session, "A001")
    assert release_deposit(session, locked) == D("300.00")

    # 300.00 released to the balance pays the 120.50 owed: 179.50 stays refundable.
    assert held(session, account.id) == (
        D("0.00"), [("paid", D("300.00"), D("300.00")), ("released", D("-300.00"), D("0.00"))]
    )  # fmt: skip
    ledger = session.execute(
        select(AccountLedgerEntry.kind, AccountLedgerEntry.amount, AccountLedgerEntry.balance_after,
               AccountLedgerEntry.bill_id)
        .where(AccountLedgerEntry.account_id == account.id)
        .order_by(AccountLedgerEntry.id)
    ).all()  # fmt: skip
    assert ledger == [
        ("deposit_release", D("300.00"), D("300.00"), None),
        ("credit_used", D("-120.50"), D("179.50"), final),
    ]
    assert session.get(Bill, final).status == "paid"  # type: ignore[union-attr]
    assert release_deposit(session, locked) == D("0.00")  # nothing held any more

    with pytest.raises(InvalidInput) as refused:
        refund_balance(session, zhao, "A001", D("179.51"), "cash", clerk=wang)
    assert str(refused.value) == "退款金额 179.51 元超过可退余额 179.50 元（户号 A001）"
    done = refund_balance(session, zhao, "A001", D("179.50"), "cash", clerk=wang)
    assert done.balance_after == D("0.00")
    # The drawer: 300.00 deposit taken − 179.50 refunded = 120.50 (the final bill's money).
    assert settlement(session, done.till_id).expected_cash == D("120.50")  # type: ignore[arg-type]


def test_a_receipt_whose_deposit_was_released_cannot_be_voided(desk):
    session, wang, zhao = desk
    opened(session)
    paid = pay(session, wang, "300.00")
    locked, _, _ = lock_account(session, "A001")
    release_deposit(session, locked)
    with pytest.raises(DomainError) as refused:
        void_receipt(session, zhao, paid.receipt_no, "退票")
    assert str(refused.value) == (
        f"收据 {paid.receipt_no} 所缴押金 300.00 元已转入余额（现存押金 0.00 元），不能作废；"
        "请用调账或退款处理"
    )


def test_a_deposit_accrues_no_late_fee(desk, monkeypatch):
    session, _, _ = desk
    moved_in = calendar.business_datetime(date(2026, 10, 5)) + timedelta(hours=9)
    monkeypatch.setattr(calendar, "now", lambda: moved_in)
    account = opened(session)  # the deposit bill of 2026-10, due 2026-11-30
    f.bill(session, account.id, "2026-10", "50.00")
    set_late_fee_policy(session, f.ACTOR, "居民", enabled=True, grace_days=0,
                        daily_rate=D("0.001"), minimum=D("0"), cap=None,
                        effective_from=date(2020, 1, 1))  # fmt: skip
    # On 2026-12-10, ten days late: 50.00 × 0.001 × 10 = 0.50 on the electricity bill, none on
    # the deposit.
    items = open_items(session, account.id, date(2026, 12, 10))
    assert [(i.description, i.open, i.late_fee) for i in items] == [
        ("押金", D("300.00"), D("0.00")),
        ("电费", D("50.00"), D("0.50")),
    ]
