"""Counters paying at once on overlapping accounts: receipt numbers unique and gap-free,
every cent accounted for."""

from __future__ import annotations

import threading
from decimal import Decimal as D

from sqlalchemy import create_engine, func, select, text

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, Allocation, Bill, Payment, Receipt
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from tests import factories as f
from tests.collection.racing import second_waits_for_first
from tests.collection.test_payments import YEAR

THREADS = 4
PAYMENTS_EACH = 10
ACCOUNTS = ("A000", "A001", "A002")


def amount_of(t: int, i: int) -> D:
    return D(f"{10 + t}.{i:02d}")


def test_concurrent_counters_number_receipts_gap_free_and_balance(fresh_database_url):
    engine = create_engine(fresh_database_url, pool_size=THREADS)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        f.tariff(session)
        for account_no in ACCOUNTS:
            a = f.account(session, account_no)
            f.bill(session, a, "2026-09", "40.00")
            f.bill(session, a, "2026-10", "25.00")
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def counter(t: int) -> None:
        actor = Actor(label=f"收费员 {t}")
        barrier.wait()
        try:
            for i in range(PAYMENTS_EACH):
                # Every thread cycles through all accounts, each from another start.
                request = PaymentRequest(ACCOUNTS[(t + i) % 3], amount_of(t, i), "cash", "D")
                with unit_of_work(factory) as session:
                    take_payment(session, actor, request)
        except BaseException as exc:  # reported in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=counter, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with unit_of_work(factory) as session:
        numbers = sorted(session.scalars(select(Receipt.receipt_no)))
        paid_in = session.scalar(select(func.sum(Payment.amount)))
        allocated = session.scalar(select(func.sum(Allocation.amount)))
        balances = session.scalar(select(func.sum(Account.balance)))
        statuses = set(session.scalars(select(Bill.status)))
        per_account = session.execute(
            text(
                "select a.account_no, a.balance,"
                " (select sum(amount) from payment p where p.account_id = a.id),"
                " (select sum(amount) from account_ledger l where l.account_id = a.id)"
                " from account a order by a.account_no"
            )
        ).all()
    engine.dispose()
    assert numbers == [f"D{YEAR}{n:06d}" for n in range(1, THREADS * PAYMENTS_EACH + 1)]
    # Σ amounts = 10 × (10 + 11 + 12 + 13) + 4 × (0.00 + 0.01 + … + 0.09) = 460 + 1.80
    assert paid_in == D("461.80")
    # each account took at least 13 payments of 10.00 or more, so all its 65.00 is paid
    assert allocated == D("195.00")
    assert statuses == {"paid"}
    assert balances == D("266.80")
    for account_no, balance, paid, ledger in per_account:
        assert balance == paid - D("65.00") == ledger, account_no


def test_a_bank_serial_raced_by_two_counters_registers_once(fresh_database_url):
    """Both counters insert before either commits; the unique index makes the second wait
    for the first and then refuses it naming the first's receipt."""
    engine = create_engine(fresh_database_url, pool_size=2)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        f.account(session, "A000")
        f.account(session, "A001")
    first = factory()
    result = take_payment(
        first, Actor(label="甲"), PaymentRequest("A000", D("10.00"), "transfer", "D", "BK9")
    )
    request = PaymentRequest("A001", D("10.00"), "transfer", "E", "BK9")
    refused = second_waits_for_first(
        factory,
        first,
        lambda session: take_payment(session, Actor(label="乙"), request).receipt_no,
        "the second counter should wait on the first's serial",
    )
    with unit_of_work(factory) as session:
        payments = session.scalar(select(func.count()).select_from(Payment))
        numbers = list(session.scalars(select(Receipt.receipt_no)))
    engine.dispose()
    assert isinstance(refused, DomainError)
    assert str(refused) == f"银行流水号 BK9 已登记，收据 {result.receipt_no}"
    assert (payments, numbers) == (1, [result.receipt_no])


def test_a_close_waits_for_the_payment_in_flight_and_counts_it(fresh_database_url):
    """The payment reads its till FOR SHARE, the close FOR UPDATE: a close that starts while
    a payment is uncommitted waits for it and counts its cash; none slips in after."""
    from server.services.collection.till import close_till, open_till
    from server.services.staff.org import add_staff_with_role
    from server.services.staff.sign_in import staff_identity

    engine = create_engine(fresh_database_url, pool_size=2)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        f.account(session, "A000")
        add_staff_with_role(session, f.ACTOR, login="wang", name="王芳",
                            password="Counter2026", role="clerk", branch_code="D")  # fmt: skip
        clerk = staff_identity(session, "wang").actor
        open_till(session, clerk, D("100.00"))
    paying = factory()
    take_payment(paying, clerk, PaymentRequest("A000", D("30.00"), "cash", "D"))
    over_short = second_waits_for_first(
        factory,
        paying,
        lambda session: close_till(session, clerk, D("130.00")).over_short,
        "the close should wait for the payment in flight",
    )
    engine.dispose()
    # expected = 100.00 + 30.00 = 130.00, counted 130.00
    assert over_short == D("0.00")
