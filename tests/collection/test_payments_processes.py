"""Eight counter processes paying at once on overlapping accounts (issue 3): every receipt
number unique and gap-free, and every cent accounted for."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal as D

from sqlalchemy import create_engine, func, select

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, Allocation, Payment, Receipt
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f

PROCESSES = 8
PAYMENTS_EACH = 10
ACCOUNTS = ("A000", "A001", "A002", "A003")


def amount_of(p: int, i: int) -> D:
    return D(f"{5 + p}.{i + 1:02d}")


def counter(url: str, p: int) -> int:
    """One counter PC: its own process, engine and clerk; a transaction per payment."""
    engine = create_engine(url, pool_size=1)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        actor = staff_identity(session, f"clerk{p}").actor
    for i in range(PAYMENTS_EACH):
        request = PaymentRequest(ACCOUNTS[(p + i) % len(ACCOUNTS)], amount_of(p, i), "cash", "D")
        with unit_of_work(factory) as session:
            take_payment(session, actor, request)
    engine.dispose()
    return PAYMENTS_EACH


def test_eight_processes_pay_at_once(fresh_database_url):
    engine = create_engine(fresh_database_url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        for account_no in ACCOUNTS:
            a = f.account(session, account_no)
            f.bill(session, a, "2026-09", "40.00")
            f.bill(session, a, "2026-10", "25.00")
        for p in range(PROCESSES):
            add_staff_with_role(session, f.ACTOR, login=f"clerk{p}", name=f"收费员{p}",
                                password="Counter2026", role="clerk", branch_code="D")  # fmt: skip
            open_till(session, staff_identity(session, f"clerk{p}").actor)
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        done = pool.starmap(counter, [(fresh_database_url, p) for p in range(PROCESSES)])
    assert done == [PAYMENTS_EACH] * PROCESSES
    with unit_of_work(factory) as session:
        numbers = sorted(session.scalars(select(Receipt.receipt_no)))
        paid = session.scalar(select(func.sum(Payment.amount)))
        allocated = session.scalar(select(func.sum(Allocation.amount)))
        balances = session.scalar(select(func.sum(Account.balance)))
    engine.dispose()
    count = PROCESSES * PAYMENTS_EACH
    year = numbers[0][1:5]
    assert numbers == [f"D{year}{n:06d}" for n in range(1, count + 1)]
    # Σ over p = 0..7, i = 0..9 of (5 + p) + (i + 1)/100 = 10 × 68 + 8 × 0.55 = 684.40
    assert paid == D("684.40")
    # 4 accounts × (40 + 25) = 260.00 of bills, all paid; the rest is credit
    assert allocated == D("260.00")
    assert balances == D("424.40")
