"""Counter benchmark: one payment's latency, eight counters at once, receipt PDF time.

    python -m tests.bench.bench_payments [--accounts 2000] [--payments 500]

Budget (issue 3): one payment (allocation + receipt number, no PDF) p95 ≤ 30 ms; a receipt
PDF ≤ 50 ms. Runs on demo data (accounts with billed months) in a fresh database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from decimal import Decimal

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account
from server.demo.data import generate_demo_data
from server.services.billing.billing_run import run_billing
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.receipts import receipt_pdf
from server.services.collection.till import open_till
from server.services.core.calendar import Period, now
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction, vacuum

COUNTERS = 8
P95_BUDGET_MS = 30.0
PDF_BUDGET_MS = 50.0


def _pay_many(
    url: str, login: str, accounts: list[str], count: int
) -> tuple[list[float], float, float]:
    """Payments one after another, each its own transaction: their times in ms, and the
    wall-clock start and end of the run (to measure counters side by side)."""
    engine = create_engine(url, pool_size=1)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        actor = staff_identity(session, login).actor
    times = []
    began = time.time()
    for i in range(count):
        request = PaymentRequest(accounts[i % len(accounts)], Decimal("12.34"), "cash", "D")
        start = time.perf_counter()
        with unit_of_work(factory) as session:
            take_payment(session, actor, request)
        times.append((time.perf_counter() - start) * 1000)
    ended = time.time()
    engine.dispose()
    return times, began, ended


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--payments", type=int, default=500)
    args = parser.parse_args()
    last = Period.of(now()).shift(-1)
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}; {args.accounts} demo accounts billed for {last}")
        in_transaction(
            url,
            lambda s: generate_demo_data(
                s,
                ACTOR,
                accounts=args.accounts,
                seed=1,
                now=now(),
                months=13,
                end_period=last,
                in_use=False,
            ),
        )
        in_transaction(url, lambda s: run_billing(s, ACTOR, last))

        def staff(session: Session) -> list[str]:
            for n in range(COUNTERS + 1):
                login = f"bench{n}"
                add_staff_with_role(
                    session, ACTOR, login=login, name=f"收费员{n}", password="Bench2026x",
                    role="clerk", branch_code="D",
                )  # fmt: skip
                open_till(session, staff_identity(session, login).actor)
            return list(session.scalars(select(Account.account_no).order_by(Account.id)))

        accounts = in_transaction(url, staff)
        vacuum(url)
        single, _, _ = _pay_many(url, "bench0", accounts, args.payments)
        each = args.payments // COUNTERS
        with multiprocessing.get_context("spawn").Pool(COUNTERS) as pool:
            runs = pool.starmap(
                _pay_many,
                [(url, f"bench{n + 1}", accounts[n::COUNTERS], each) for n in range(COUNTERS)],
            )
        # From the first payment of any counter to the last: process start-up left out.
        wall = max(end for _, _, end in runs) - min(began for _, began, _ in runs)
        together = [t for times, _, _ in runs for t in times]
        engine = create_engine(url)
        pdf_times = []
        with unit_of_work(make_sessionmaker(engine)) as session:
            year = now().year
            for n in range(1, 51):
                started = time.perf_counter()
                receipt_pdf(session, f"D{year}{n:06d}")
                pdf_times.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    p95 = percentile(single, 0.95)
    pdf = statistics.median(pdf_times[1:])
    print(f"\none payment ({len(single)} in a row): p50 {statistics.median(single):.1f} ms, "
          f"p95 {p95:.1f} ms — budget p95 ≤ {P95_BUDGET_MS:.0f} ms: "
          f"{'within' if p95 <= P95_BUDGET_MS else 'OVER'}")  # fmt: skip
    print(
        f"{COUNTERS} counters at once: {COUNTERS * each} payments in {wall:.2f} s = "
        f"{COUNTERS * each / wall:.0f} payments/s; p95 {percentile(together, 0.95):.1f} ms"
    )
    print(
        f"receipt PDF: median {pdf:.1f} ms, max {max(pdf_times[1:]):.1f} ms — budget "
        f"{PDF_BUDGET_MS:.0f} ms: {'within' if pdf <= PDF_BUDGET_MS else 'OVER'}"
    )


if __name__ == "__main__":
    main()
