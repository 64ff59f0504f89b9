"""Two billing runs at once never bill an account twice."""

import threading

from sqlalchemy import create_engine, func, select

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Bill
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import Period
from tests import factories as f


def test_concurrent_runs_bill_each_account_once(fresh_database_url):
    engine = create_engine(fresh_database_url, pool_size=4)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        f.tariff(session)
        for n in range(20):
            a = f.account(session, f"A{n:03d}")
            f.meter(session, f"E{n:03d}", a)
            f.read(session, f"E{n:03d}", "2026-09-28", "100")
            f.read(session, f"E{n:03d}", "2026-10-28", str(110 + n))
    results: list[int] = []
    barrier = threading.Barrier(2)

    def bill() -> None:
        barrier.wait()
        with unit_of_work(factory) as session:
            results.append(run_billing(session, f.ACTOR, Period.parse("2026-10")).created)

    threads = [threading.Thread(target=bill) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with unit_of_work(factory) as session:
        count = session.scalar(select(func.count()).select_from(Bill))
        # Σ (10 + n) × 0.5 for n = 0..19 = (200 + 190) × 0.5 = 195.00
        total = session.scalar(select(func.sum(Bill.total)))
    engine.dispose()
    assert sorted(results) == [0, 20]
    assert count == 20
    assert str(total) == "195.00"
