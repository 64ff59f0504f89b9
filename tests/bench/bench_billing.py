"""Billing benchmark: demo data at full size, one billing run, and COPY as the yardstick.

    python -m tests.bench.bench_billing [--accounts 50000] [--profile]

Runs against a fresh database on the server of MD_TEST_DATABASE_URL if set, else on an
embedded PostgreSQL in a temporary folder; the database is dropped (or the folder removed)
at the end. Budget: the billing run of 50,000 accounts / 100,000 meters / 13 months of
readings in at most 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from server.db.bulk import copy_rows, psycopg_connection
from server.db.engine import ensure_database, normalise_url, start_embedded, stop_embedded
from server.db.migrate import upgrade
from server.db.models import Bill
from server.demo.data import generate_demo_data
from server.services.billing import billing_run
from server.services.billing.billing_run import BillingRunResult, run_billing
from server.services.core.audit import Actor
from server.services.core.calendar import Period, now

BUDGET_SECONDS = 10.0
ACTOR = Actor.system("bench")
BILL_COLUMNS = (
    *("id", "account_id", "period", "account_no", "holder_name", "address", "billing_mode"),
    *("total", "status", "run_id"),
)
T = TypeVar("T")


@contextmanager
def bench_database() -> Iterator[tuple[str, str]]:
    """A fresh, migrated database: (its URL, where it runs)."""
    configured = os.environ.get("MD_TEST_DATABASE_URL")
    folder = None
    if configured:
        admin, where = normalise_url(configured), "MD_TEST_DATABASE_URL"
    else:
        folder = Path(tempfile.mkdtemp(prefix="md_bench_"))
        admin, where = start_embedded(folder / "pgdata"), f"embedded ({folder})"
    name = f"md_bench_{os.getpid()}"
    url = ensure_database(admin, name)
    try:
        upgrade(url)
        yield url, where
    finally:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
        engine.dispose()
        if folder is not None:
            stop_embedded(folder / "pgdata")
            shutil.rmtree(folder, ignore_errors=True)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def in_transaction(url: str, action: Callable[[Session], T]) -> T:
    """One committed unit of work, as the CLI runs it."""
    engine = create_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            result = action(session)
            session.commit()
            return result
    finally:
        engine.dispose()


def vacuum(url: str) -> None:
    """Vacuum and analyze the freshly loaded tables now, as autovacuum would have by the time
    of a real billing run; left to autovacuum, it would compete with the run for the cores."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("vacuum analyze"))
    finally:
        engine.dispose()


def copy_yardstick(url: str, period: Period) -> tuple[int, float]:
    """COPY as many rows as the run's bills, shaped like them, into an unlogged table."""

    def copy(session: Session) -> tuple[int, float]:
        rows = session.execute(
            select(*(getattr(Bill, c) for c in BILL_COLUMNS)).where(Bill.period == str(period))
        ).all()
        session.execute(text("create unlogged table bench_bill (like bill including all)"))
        _, seconds = timed(lambda: copy_rows(session, "bench_bill", BILL_COLUMNS, rows))
        session.execute(text("drop table bench_bill"))
        return len(rows), seconds

    return in_transaction(url, copy)


Phase = tuple[str, float, float, float | None]  # name, wall, Python CPU, PostgreSQL CPU


@contextmanager
def billing_phases(session: Session, local_server: bool) -> Iterator[list[Phase]]:
    """Time the billing run's steps: wall clock, this process's CPU and, when the server
    runs here, the CPU of the session's PostgreSQL backend."""
    backend = None
    if local_server:
        try:
            import psutil  # installed with pgserver

            backend = psutil.Process(session.scalar(text("select pg_backend_pid()")))
        except (ImportError, OSError):
            backend = None

    def server_cpu() -> float:
        if backend is None:
            return 0.0
        times = backend.cpu_times()
        return times.user + times.system

    phases: list[Phase] = []
    originals = {name: getattr(billing_run, name) for name in ("_gather", "price_drafts", "_write")}

    def timing(name: str, function: Callable[..., T]) -> Callable[..., T]:
        def timed_step(*args: object) -> T:
            wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            result = function(*args)
            phases.append(
                (
                    name,
                    time.perf_counter() - wall,
                    time.process_time() - cpu,
                    server_cpu() - server if backend else None,
                )
            )
            return result

        return timed_step

    for name, function in originals.items():
        setattr(billing_run, name, timing(name, function))
    try:
        yield phases
    finally:
        for name, function in originals.items():
            setattr(billing_run, name, function)


def explain_candidates(url: str, period: Period) -> str:
    """The execution time of the billing run's candidate query (it only reads)."""
    params = {"period": str(period), "start": period.start, "end": period.end}

    def explain(session: Session) -> str:
        with psycopg_connection(session).cursor() as cursor:
            cursor.execute("explain analyze " + billing_run._CANDIDATES, params)
            return cursor.fetchall()[-1][0].strip()

    return in_transaction(url, explain)


def profiled_run(
    url: str, period: Period, local_server: bool
) -> tuple[BillingRunResult, list[Phase]]:
    def run(session: Session) -> tuple[BillingRunResult, list[Phase]]:
        with billing_phases(session, local_server) as phases:
            result = run_billing(session, ACTOR, period)
        return result, phases

    return in_transaction(url, run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument(
        "--period",
        type=Period.parse,
        default=Period.of(now()).shift(-1),
        help="the last month of readings and the one billed (default: last month)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time the candidate query and the billing run's steps (Python vs PostgreSQL)",
    )
    args = parser.parse_args(argv)
    period: Period = args.period

    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}; {os.cpu_count()} CPUs", flush=True)
        summary, demo_seconds = timed(
            lambda: in_transaction(
                url,
                lambda s: generate_demo_data(
                    s,
                    ACTOR,
                    accounts=args.accounts,
                    seed=args.seed,
                    now=now(),
                    months=args.months,
                    end_period=period,
                    in_use=False,
                ),
            )
        )
        _, vacuum_seconds = timed(lambda: vacuum(url))
        if args.profile:
            print(f"candidate query, EXPLAIN ANALYZE: {explain_candidates(url, period)}")
            (first, phases), billing_seconds = timed(
                lambda: profiled_run(url, period, not os.environ.get("MD_TEST_DATABASE_URL"))
            )
            for name, wall, python, server in phases:
                on_server = "?" if server is None else f"{server:.2f}"
                print(
                    f"  {name:<10} {wall:6.2f} s  Python CPU {python:5.2f} s  "
                    f"PostgreSQL CPU {on_server} s"
                )
        else:
            first, billing_seconds = timed(
                lambda: in_transaction(url, lambda s: run_billing(s, ACTOR, period))
            )
        copied, copy_seconds = copy_yardstick(url, period)
        second, again_seconds = timed(
            lambda: in_transaction(url, lambda s: run_billing(s, ACTOR, period))
        )
        bills = in_transaction(url, lambda s: s.scalar(select(func.count()).select_from(Bill)))

    rows = [
        (
            "demo data",
            demo_seconds,
            f"{summary.accounts} accounts, {summary.meters} meters, {summary.readings} readings",
        ),
        ("vacuum analyze", vacuum_seconds, "as autovacuum would have before the next run"),
        (
            f"billing run {period}",
            billing_seconds,
            f"{first.created} bills, {len(first.skipped)} meters skipped",
        ),
        ("COPY of as many bill rows", copy_seconds, f"{copied} rows into an unlogged table"),
        (
            "billing run again",
            again_seconds,
            f"{second.created} bills (already billed: {second.already_billed})",
        ),
    ]
    print()
    print(f"{'step':<28}{'seconds':>10}  what")
    print("-" * 90)
    for step, seconds, what in rows:
        print(f"{step:<28}{seconds:>10.2f}  {what}")
    print("-" * 90)
    ratio = billing_seconds / copy_seconds if copy_seconds else float("inf")
    print(f"billing run / COPY: {ratio:.1f}×; bills in the database: {bills}")
    verdict = "within" if billing_seconds <= BUDGET_SECONDS else "OVER"
    print(f"budget: billing run ≤ {BUDGET_SECONDS:.0f} s — {verdict} budget")
    return 0 if billing_seconds <= BUDGET_SECONDS and second.created == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
