"""What the synchronous standby costs a payment, and how long a failover keeps the counters
waiting: a primary and its standby on loopback (tests/ha/cluster.py), one counter paying
by transfer through the collection service on the multi-host URL.

    python -m tests.bench.bench_failover [--payments 300] [--rounds 3]

Per round: p50/p95 of a committed payment with the standby synchronous, then with
synchronous_standby_names emptied (asynchronous, the same two servers); then the primary
is killed (immediate) while the counter pays and the standby promoted at once: the
promotion (pg_ctl promote until it takes writes) and the counter's outage (from the kill to
its next committed payment, retrying every 20 ms). The test cluster runs with fsync off:
what the synchronous standby adds here is the round trip to it, not a disk's flush.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from decimal import Decimal

from sqlalchemy.exc import DBAPIError

from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.audit import Actor
from tests import factories as f
from tests.ha.cluster import Cluster, running_cluster

CLERK = Actor(label="bench")


class Counter:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url, pool_size=1, max_overflow=0)
        self.sessions = make_sessionmaker(self.engine)
        self.number = 0

    def pay(self) -> None:
        self.number += 1
        request = PaymentRequest(
            "A001", Decimal("10.00"), "transfer", "D", f"B{self.number:07d}", "工商银行"
        )
        with unit_of_work(self.sessions) as session:
            take_payment(session, CLERK, request)

    def timed(self, count: int) -> list[float]:
        spent = []
        for _ in range(count):
            started = time.perf_counter()
            self.pay()
            spent.append((time.perf_counter() - started) * 1000)
        return spent


def percentiles(ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20)[18]
    return f"p50 {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms"


def set_synchronous(cluster: Cluster, names: str) -> None:
    cluster.primary.execute(f"alter system set synchronous_standby_names = '{names}'")
    cluster.primary.execute("select pg_reload_conf()")
    time.sleep(0.5)


def one_round(payments: int) -> tuple[list[float], list[float], float, float]:
    with running_cluster() as cluster:
        url = cluster.create_database("bench")
        counter = Counter(url)
        with unit_of_work(counter.sessions) as session:
            f.branches(session)
            f.account(session, "A001")
        counter.timed(20)  # warm up
        synchronous = counter.timed(payments)
        set_synchronous(cluster, "")
        asynchronous = counter.timed(payments)
        set_synchronous(cluster, "FIRST 1 (standby1)")

        stop = threading.Event()
        committed: list[float] = []

        def keep_paying() -> None:
            while not stop.is_set():
                try:
                    counter.pay()
                    committed.append(time.perf_counter())
                except DBAPIError:
                    time.sleep(0.02)

        thread = threading.Thread(target=keep_paying)
        thread.start()
        time.sleep(0.5)
        killed = time.perf_counter()
        cluster.primary.stop("immediate")
        down = time.perf_counter()
        cluster.standbys[0].promote()
        promoted = time.perf_counter()
        while not committed or committed[-1] < promoted:
            time.sleep(0.01)
        stop.set()
        thread.join()
        back = next(moment for moment in committed if moment > down)
        counter.engine.dispose()
        return synchronous, asynchronous, promoted - killed, back - killed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for number in range(1, args.rounds + 1):
        synchronous, asynchronous, promotion, outage = one_round(args.payments)
        print(
            f"round {number}: payment with a synchronous standby {percentiles(synchronous)}; "
            f"asynchronous {percentiles(asynchronous)}; kill → promoted {promotion:.2f} s; "
            f"kill → the counter's next committed payment {outage:.2f} s"
        )


if __name__ == "__main__":
    main()
