"""The failover test: counters paying and providers' callbacks arriving in parallel on a
primary with a synchronous standby; the primary crashes (immediate shutdown), a second goes
by with no server taking writes (the time it takes to notice), the standby is promoted, and
the clients carry on through their multi-host URL, retrying what failed on the connection.

Every other counter payment is cash, which has no reference to catch a repeat: it carries a
request key made once per payment, and its retries send the same key, so a payment whose
commit happened but whose answer was lost in the crash is found, not taken again.

Afterwards on the new primary: every payment a counter saw committed is there, none twice,
the receipt numbers of each branch run 1…n without a gap (a transaction cut off by the crash
took its number with it: numbering is in the transaction), every callback paid its order
exactly once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from server.companion.pay import PayRuntime
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.db.models import Account, Payment, PaymentOrder, Receipt
from server.db.reach import unreachable_reason
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.audit import Actor
from server.services.core.errors import DomainError
from server.services.online_pay import callbacks, orders
from tests import factories as f
from tests.ha.cluster import running_cluster
from tests.payfakes import (
    Keys,
    PayStandIn,
    load_config,
    wechat_notify,
    wechat_transaction,
    write_config,
)

pytest_plugins = ["tests.online_pay_fixtures"]

CLERK = Actor(label="收费员 HA")
RESIDENT = Actor(label="wechat o-ha")
# (client number, branch): two counters at each branch share its receipt counter.
COUNTERS = ((1, "D"), (2, "D"), (3, "E"), (4, "E"))
PAYMENTS = 12  # per counter
CALLBACK_THREADS, CALLBACKS = 2, 6  # orders paid per thread
TOPUP = D("20.00")
STANDSTILL = 1.0  # seconds with no server taking writes
DEADLINE = 60.0


def amount(client: int, number: int) -> D:
    return D(f"{10 + number}.{client:02d}")


def counter_request(client: int, branch: str, number: int) -> tuple[str, PaymentRequest]:
    """(label, request): odd numbers cash under a key made from the label, even ones a
    transfer whose bank serial is the label."""
    label = f"HA{client}-{number:02d}"
    money = amount(client, number)
    if number % 2:
        key = uuid.uuid5(uuid.NAMESPACE_URL, label)
        return label, PaymentRequest(f"A00{client}", money, "cash", branch, request_key=key)
    return label, PaymentRequest(f"A00{client}", money, "transfer", branch, label, "工商银行")


@dataclass
class Tally:
    # reference → receipt number, for each payment whose commit the counter saw
    seen: dict[str, str] = field(default_factory=dict)
    # references a retry found registered already (committed, its answer lost in the crash)
    found: list[str] = field(default_factory=list)
    retries: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Hold:
    """One payment kept uncommitted until the crash: its receipt number is taken inside the
    transaction the crash cuts off, so that number must go to the next payment instead."""

    reference: str
    reached: threading.Event = field(default_factory=threading.Event)
    crashed: threading.Event = field(default_factory=threading.Event)
    receipt_no: str = ""


def counter(
    url: str, client: int, branch: str, tally: Tally, committed: list[int], hold: Hold
) -> None:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    sessions = make_sessionmaker(engine)
    deadline = time.monotonic() + DEADLINE
    try:
        for number in range(PAYMENTS):
            # Made once, so every retry of this payment sends the same key.
            reference, request = counter_request(client, branch, number)
            while True:
                try:
                    with unit_of_work(sessions) as session:
                        result = take_payment(session, CLERK, request)
                        if reference == hold.reference and not hold.reached.is_set():
                            hold.receipt_no = result.receipt_no
                            hold.reached.set()
                            hold.crashed.wait(DEADLINE)
                    tally.seen[reference] = result.receipt_no
                    break
                except DomainError as exc:
                    if "已登记" not in str(exc):
                        raise
                    tally.found.append(reference)
                    break
                except DBAPIError as exc:
                    if unreachable_reason(exc) is None or time.monotonic() > deadline:
                        raise
                    tally.retries += 1
                    time.sleep(0.1)
            committed.append(client)
            time.sleep(0.05)
    except Exception as exc:  # reported by the test rather than lost with the thread
        tally.problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def provider_sending(
    url: str, provider: object, notifies: list[tuple[dict[str, str], bytes]], tally: Tally,
    settled: list[int],
) -> None:  # fmt: skip
    """What WeChat does: send each notify until it is answered with success."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    sessions = make_sessionmaker(engine)
    deadline = time.monotonic() + DEADLINE
    try:
        for headers, body in notifies:
            while True:
                answer, _ = callbacks.handle_notify(sessions, provider, headers, body, "127.0.0.1")  # type: ignore[arg-type]
                if answer.status in (200, 204):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"notify refused until the deadline: {answer}")
                tally.retries += 1
                time.sleep(0.1)
            settled.append(1)
            time.sleep(0.1)
    except Exception as exc:
        tally.problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def test_no_payment_is_lost_doubled_or_misnumbered_across_a_failover(
    tmp_path: Path, pay_keys: Keys, pay_standin: PayStandIn
) -> None:
    started = time.monotonic()
    write_config(tmp_path, pay_keys, pay_standin.url)
    config = load_config(tmp_path)
    provider = PayRuntime.of(config).providers["wechat"]
    with running_cluster() as cluster:
        url = cluster.create_database("meterdesk")
        setup = make_engine(url)
        order_nos: list[str] = []
        with unit_of_work(make_sessionmaker(setup)) as session:
            f.branches(session)
            for client, _ in COUNTERS:
                f.account(session, f"A00{client}")
            for number in range(1, CALLBACK_THREADS * CALLBACKS + 1):
                f.account(session, f"P{number:03d}", billing_mode="prepaid")
                order = orders.create_order(
                    session, RESIDENT, f"P{number:03d}", "wechat", config.order_expiry,
                    topup=TOPUP,
                )  # fmt: skip
                order_nos.append(order.order_no)
        notifies = [
            wechat_notify(pay_keys, wechat_transaction(order_no, 2000)) for order_no in order_nos
        ]

        tallies = {client: Tally() for client, _ in COUNTERS}
        senders = [Tally() for _ in range(CALLBACK_THREADS)]
        committed: list[int] = []
        hold = Hold("HA1-05")  # cash: its retry carries its key
        settled: list[int] = []
        threads = [
            threading.Thread(
                target=counter, args=(url, client, branch, tallies[client], committed, hold)
            )
            for client, branch in COUNTERS
        ] + [
            threading.Thread(
                target=provider_sending,
                args=(
                    url,
                    provider,
                    notifies[n * CALLBACKS : (n + 1) * CALLBACKS],
                    senders[n],
                    settled,
                ),
            )
            for n in range(CALLBACK_THREADS)
        ]
        for thread in threads:
            thread.start()
        # The crash comes while every counter and provider is in the middle of its work.
        while not hold.reached.is_set() or len(committed) < 8 or len(settled) < 2:
            assert time.monotonic() - started < DEADLINE, "no progress before the crash"
            time.sleep(0.01)
        cluster.primary.stop("immediate")
        hold.crashed.set()
        before_crash = len(committed)
        time.sleep(STANDSTILL)
        cluster.standbys[0].promote()
        for thread in threads:
            thread.join(timeout=DEADLINE)
            assert not thread.is_alive()

        for tally in [*tallies.values(), *senders]:
            assert tally.problems == []
            assert tally.retries >= 1  # each one met the standstill and carried on
        assert before_crash < len(committed) == len(COUNTERS) * PAYMENTS
        assert len(settled) == CALLBACK_THREADS * CALLBACKS

        after = make_engine(cluster.multi_host_url("meterdesk"))
        with unit_of_work(make_sessionmaker(after)) as session:
            labels = {
                request.request_key: label
                for c, b in COUNTERS
                for label, request in (counter_request(c, b, n) for n in range(PAYMENTS))
                if request.request_key
            }
            rows = [
                (reference or labels[key], money, receipt)
                for reference, key, money, receipt in session.execute(
                    select(
                        Payment.reference, Payment.request_key, Payment.amount, Receipt.receipt_no
                    )
                    .join(Receipt, Receipt.payment_id == Payment.id)
                    .where(Payment.channel.in_(("transfer", "cash")))
                )
            ]
            # Every counter payment once: seen committed, or found committed on the retry.
            by_reference = Counter(reference for reference, _, _ in rows)
            assert set(by_reference.values()) == {1}
            expected = {f"HA{c}-{n:02d}" for c, _ in COUNTERS for n in range(PAYMENTS)}
            assert set(by_reference) == expected
            stored = {reference: receipt for reference, _, receipt in rows}
            # The cut-off transaction's number was not burnt: a payment after the crash has it;
            # the held payment itself was committed by its retry on the new primary.
            assert hold.receipt_no in stored.values()
            assert hold.reference in tallies[1].seen
            for tally in tallies.values():
                assert {r: stored[r] for r in tally.seen} == tally.seen
                assert len(tally.seen) + len(tally.found) == PAYMENTS
            # 4 counters × Σ(10…21) = 4 × 186, plus cents .01 … .04 on 12 payments each.
            assert sum(a for _, a, _ in rows) == D("744") + 12 * D("0.10") == D("745.20")
            for branch in ("D", "E"):
                numbers = sorted(int(r[-6:]) for _, _, r in rows if r.startswith(branch))
                assert numbers == list(range(1, 2 * PAYMENTS + 1))  # 24 at each branch

            paid = session.execute(
                select(PaymentOrder.order_no, PaymentOrder.status, PaymentOrder.payment_id)
            ).all()
            assert sorted(o for o, _, _ in paid) == sorted(order_nos)
            assert {status for _, status, _ in paid} == {"paid"}
            assert len({payment for _, _, payment in paid}) == len(order_nos)
            online = session.execute(
                select(func.count(), func.sum(Payment.amount)).where(Payment.channel == "online")
            ).one()
            assert online == (12, D("240.00"))  # 12 notifies × 20.00, each once
            balances = session.scalars(
                select(Account.balance).where(Account.account_no.like("P%"))
            ).all()
            assert balances == [TOPUP] * 12
        after.dispose()
        setup.dispose()
    assert time.monotonic() - started < 90
