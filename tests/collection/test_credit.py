"""Postpaid credit: an overpayment is drawn by later bills in the billing run, and a void
gives drawn credit back from the newest bills, with hand-computed figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Account, AccountLedgerEntry, Bill
from server.services.billing.billing_run import run_billing
from server.services.collection.allocation import open_items
from server.services.collection.payments import PaymentRequest, PaymentResult, take_payment
from server.services.collection.voids import void_receipt
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from tests import factories as f

CLERK = Actor(label="收费员 王芳")


def pay(session: Session, amount: str, account_no: str = "A001") -> PaymentResult:
    return take_payment(session, CLERK, PaymentRequest(account_no, D(amount), "cash", "D"))


def statuses(session: Session, account_id: int) -> dict[str, str]:
    rows = session.execute(
        select(Bill.period, Bill.status).where(Bill.account_id == account_id).order_by(Bill.period)
    )
    return dict(rows.all())


def balance(session: Session, account_id: int) -> D:
    return session.scalar(select(Account.balance).where(Account.id == account_id))


def ledger(session: Session, account_id: int) -> list[tuple[str, D, D, str | None]]:
    rows = session.execute(
        select(
            AccountLedgerEntry.kind,
            AccountLedgerEntry.amount,
            AccountLedgerEntry.balance_after,
            Bill.period,
        )
        .outerjoin(Bill, Bill.id == AccountLedgerEntry.bill_id)
        .where(AccountLedgerEntry.account_id == account_id, AccountLedgerEntry.kind != "opening")
        .order_by(AccountLedgerEntry.id)
    )
    return [tuple(row) for row in rows]


def owed(session: Session, account_id: int) -> list[tuple[str, D, D]]:
    """(period, paid, open) of the open items; no late-fee policy, so no fee."""
    items = open_items(session, account_id, date(2026, 11, 23))
    assert all(item.late_fee == 0 for item in items)
    return [(item.period, item.paid, item.open) for item in items]


def run(session: Session, period: str) -> None:
    run_billing(session, f.ACTOR, Period.parse(period))


@pytest.fixture
def world(session):
    """A001 (postpaid) owes 60.00 for 2026-08; its meter E1 at 0.50/kWh reads 100 on
    08-28, 150 on 09-28 (2026-09: 50 kWh = 25.00) and 210 on 10-28 (2026-10: 30.00)."""
    f.branches(session)
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session)
    f.bill(session, a, "2026-08", "60.00")
    f.read(session, "E1", "2026-08-28", "100")
    f.read(session, "E1", "2026-09-28", "150")
    f.read(session, "E1", "2026-10-28", "210")
    return session, a


def test_credit_is_drawn_by_later_bills_and_a_void_gives_it_back(world):
    session, a = world
    first = pay(session, "100.00")
    # 60.00 settles August; 100.00 − 60.00 = 40.00 is credit
    assert (first.allocations, first.credit, first.balance) == (
        (("2026-08", D("60.00")),), D("40.00"), D("40.00")
    )  # fmt: skip

    run(session, "2026-09")
    # September's 25.00 is paid from the credit: 40.00 − 25.00 = 15.00 left
    assert statuses(session, a)["2026-09"] == "paid"
    assert balance(session, a) == D("15.00")

    run(session, "2026-10")
    # October's 30.00 takes the 15.00 left: partial, 15.00 open, balance 0
    assert statuses(session, a)["2026-10"] == "partial"
    assert balance(session, a) == D("0.00")
    assert owed(session, a) == [("2026-10", D("15.00"), D("15.00"))]

    second = pay(session, "15.00")
    assert (second.allocations, second.credit) == ((("2026-10", D("15.00")),), D("0.00"))
    assert statuses(session, a) == {"2026-08": "paid", "2026-09": "paid", "2026-10": "paid"}

    undone = void_receipt(session, CLERK, first.receipt_no, "收错户号")
    # The 40.00 credit is gone, but later bills drew all of it: newest first, October
    # gives back 15.00 and September 25.00, so the balance ends at 0 + 15 + 25 − 40 = 0.
    assert undone.reopened == (("2026-08", D("60.00")),)
    assert undone.credit_reversed == D("40.00")
    assert undone.credit_returned == (("2026-10", D("15.00")), ("2026-09", D("25.00")))
    assert undone.balance == D("0.00")
    assert statuses(session, a) == {"2026-08": "open", "2026-09": "open", "2026-10": "partial"}
    # October still has the counter's 15.00 of its 30.00.
    assert owed(session, a) == [
        ("2026-08", D("0.00"), D("60.00")),
        ("2026-09", D("0.00"), D("25.00")),
        ("2026-10", D("15.00"), D("15.00")),
    ]
    assert ledger(session, a) == [
        ("payment", D("40.00"), D("40.00"), None),
        ("credit_used", D("-25.00"), D("15.00"), "2026-09"),
        ("credit_used", D("-15.00"), D("0.00"), "2026-10"),
        ("credit_returned", D("15.00"), D("15.00"), "2026-10"),
        ("credit_returned", D("25.00"), D("40.00"), "2026-09"),
        ("reversal", D("-40.00"), D("0.00"), None),
    ]

    again = pay(session, "100.00")
    assert again.allocations == (
        ("2026-08", D("60.00")),
        ("2026-09", D("25.00")),
        ("2026-10", D("15.00")),
    )
    assert again.credit == D("0.00")


def test_a_void_returns_only_what_the_balance_cannot_cover(world):
    session, a = world
    first = pay(session, "100.00")
    run(session, "2026-09")  # 40.00 − 25.00 = 15.00 left
    undone = void_receipt(session, CLERK, first.receipt_no, "退票")
    # 40.00 to take back, 15.00 still on the balance: September gives back 25.00
    assert undone.credit_returned == (("2026-09", D("25.00")),)
    assert undone.balance == D("0.00")
    assert statuses(session, a) == {"2026-08": "open", "2026-09": "open"}


def test_a_void_with_the_credit_still_there_touches_no_bill(world):
    session, _ = world
    first = pay(session, "100.00")
    undone = void_receipt(session, CLERK, first.receipt_no, "退票")
    assert (undone.credit_returned, undone.credit_reversed, undone.balance) == (
        (), D("40.00"), D("0.00")
    )  # fmt: skip


def test_no_credit_leaves_the_bill_open_and_prepaid_draws_as_before(world):
    session, a = world
    p = f.account(session, "P001", billing_mode="prepaid", balance="100.00")
    f.meter(session, "E2", p)
    f.read(session, "E2", "2026-08-28", "0")
    f.read(session, "E2", "2026-09-28", "50")
    run(session, "2026-09")
    # A001 has no credit: its 25.00 bill is open and its ledger untouched.
    assert statuses(session, a) == {"2026-08": "open", "2026-09": "open"}
    assert ledger(session, a) == []
    # P001: the whole 25.00 is drawn as before (kind 'bill'), 100.00 − 25.00 = 75.00.
    assert statuses(session, p) == {"2026-09": "paid"}
    assert ledger(session, p) == [("bill", D("-25.00"), D("75.00"), "2026-09")]
