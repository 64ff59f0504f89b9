"""Exactly-once counter payments: a retry under the payment's request key (after a lost
acknowledgement) returns the payment already made and writes nothing, on real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import create_engine, func, select

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import AccountLedgerEntry, Allocation, AuditEvent, Payment, Receipt
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.audit import Actor
from server.services.core.errors import Conflict
from tests import factories as f
from tests.collection.racing import second_waits_for_first
from tests.collection.test_payments import CLERK, no, world  # noqa: F401  (A001 owes 65.00)

KEY = uuid.UUID("6f1c2a9e-0d43-4c8e-9b1a-2f7d5e3c8a10")


def rows(session) -> tuple[int, int, int, int, int]:
    """payments, receipts, allocations, ledger entries, audit events"""
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model))
        for model in (Payment, Receipt, Allocation, AccountLedgerEntry, AuditEvent)
    )


def cash(amount: str, account_no: str = "A001", key: uuid.UUID | None = KEY) -> PaymentRequest:
    return PaymentRequest(account_no, D(amount), "cash", "D", tendered=D("100.00"), request_key=key)


def test_the_same_key_twice_is_one_payment_with_one_receipt(world):  # noqa: F811
    session, _ = world
    first = take_payment(session, CLERK, cash("70.00"))
    # 70.00: September 40.00, October 25.00, 5.00 credit; change 100.00 − 70.00 = 30.00
    assert first.receipt_no == no("D", 1)
    assert first.allocations == (("2026-09", D("40.00")), ("2026-10", D("25.00")))
    assert (first.credit, first.change, first.balance) == (D("5.00"), D("30.00"), D("5.00"))
    written = rows(session)

    again = take_payment(session, CLERK, cash("70.00"))

    assert again == first
    assert rows(session) == written
    # No number was taken by the retry: the next payment gets receipt 2.
    assert take_payment(session, CLERK, cash("1.00", key=None)).receipt_no == no("D", 2)


def test_a_key_that_paid_something_else_is_a_conflict(world):  # noqa: F811
    session, _ = world
    f.account(session, "A002")
    take_payment(session, CLERK, cash("70.00"))
    written = rows(session)

    with pytest.raises(Conflict) as other_amount:
        take_payment(session, CLERK, cash("60.00"))
    with pytest.raises(Conflict) as other_account:
        take_payment(session, CLERK, cash("70.00", "A002"))

    receipt = no("D", 1)
    assert str(other_amount.value) == (
        f"这笔收款的请求号已用于户号 A001 的 70.00 元现金收款（收据 {receipt}），"
        "与本次户号 A001、60.00 元现金不符；请重新开始收款"
    )
    assert str(other_account.value) == (
        f"这笔收款的请求号已用于户号 A001 的 70.00 元现金收款（收据 {receipt}），"
        "与本次户号 A002、70.00 元现金不符；请重新开始收款"
    )
    assert rows(session) == written


def test_payments_without_a_key_are_each_taken(world):  # noqa: F811
    session, _ = world
    first = take_payment(session, CLERK, cash("10.00", key=None))
    second = take_payment(session, CLERK, cash("10.00", key=None))
    assert (first.receipt_no, second.receipt_no) == (no("D", 1), no("D", 2))


@pytest.fixture
def factory(fresh_database_url):
    engine = create_engine(fresh_database_url, pool_size=4)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.branches(session)
        f.bill(session, f.account(session, "A001"), "2026-09", "40.00")
        f.account(session, "A002")
    yield factory
    engine.dispose()


def counted(factory) -> tuple[int, list[str]]:
    with unit_of_work(factory) as session:
        return (
            session.scalar(select(func.count()).select_from(Payment)),
            list(session.scalars(select(Receipt.receipt_no))),
        )


def test_a_retry_racing_the_first_attempt_waits_and_returns_it(factory):
    """The first attempt has not committed when the retry arrives: the retry waits on the
    account's lock, then finds the payment under its key."""
    first = factory()
    result = take_payment(first, Actor(label="甲"), cash("40.00"))
    retried = second_waits_for_first(
        factory,
        first,
        lambda s: take_payment(s, Actor(label="甲"), cash("40.00")),
        "the retry must wait for the first attempt",
    )
    assert retried == result
    assert counted(factory) == (1, [no("D", 1)])


def test_the_key_racing_in_on_another_account_is_refused_by_the_index(factory):
    """Different accounts take no common lock: uq_payment_request_key makes the second
    insert wait for the first and then refuse, naming the first payment."""
    first = factory()
    take_payment(first, Actor(label="甲"), cash("40.00"))
    refused = second_waits_for_first(
        factory,
        first,
        lambda s: take_payment(s, Actor(label="乙"), cash("40.00", "A002")),
        "the second insert must wait on the key's index",
    )
    assert isinstance(refused, Conflict)
    assert "已用于户号 A001 的 40.00 元现金收款" in str(refused)
    assert counted(factory) == (1, [no("D", 1)])


def test_four_counters_sending_one_key_at_once_make_one_payment(factory):
    barrier = threading.Barrier(4)
    results: list[object] = []

    def attempt() -> None:
        barrier.wait()
        try:
            with unit_of_work(factory) as session:
                results.append(take_payment(session, Actor(label="甲"), cash("40.00")))
        except BaseException as exc:  # reported in the test's thread below
            results.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4
    assert all(r == results[0] for r in results), results
    assert results[0].receipt_no == no("D", 1)  # type: ignore[attr-defined]
    assert counted(factory) == (1, [no("D", 1)])
