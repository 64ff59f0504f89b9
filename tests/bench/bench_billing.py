"""Billing benchmark: demo data at full size, one billing run, and COPY as the yardstick.

    python -m tests.bench.bench_billing [--accounts 50000] [--profile] [--keep NAME]

Runs against a fresh database on the server of MD_TEST_DATABASE_URL if set, else on an
embedded PostgreSQL in a temporary folder; the database is dropped (or the folder removed)
at the end. Past 50,000 accounts the demo's 50,000 are generated once and copied over in
SQL (`replicate`), so a million accounts load in minutes. With `--keep NAME` (needs
MD_TEST_DATABASE_URL) the generated data stays in database NAME and is reused by the next
run with the same NAME: the run is rolled back, so NAME stays as generated.

The run is timed in a process of its own, so its peak memory (RSS) is the run's. Then the
arrears and collection reports and the counter search run on the database as a manager finds
it the next day: billed, half of the postpaid bills paid, committed and vacuumed (with
`--keep`, in NAME_billed, a copy made once and kept). Every figure is printed with the load
average of the machine.
Budgets: the billing run of 50,000 accounts in 10 s, of 1,000,000 (2 million meters, 13
months of readings) in 60 s and 1 GB; the reports in 2 s, a search in 100 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from server.db.bulk import psycopg_connection
from server.db.engine import ensure_database, normalise_url, start_embedded, stop_embedded
from server.db.migrate import upgrade
from server.demo.data import generate_demo_data
from server.demo.load import foreign_keys_checked_after
from server.services.billing import billing_run
from server.services.billing.billing_run import run_billing
from server.services.core.audit import Actor
from server.services.core.calendar import Period, now
from server.services.reports import arrears_report, collection_report

BUDGET_SECONDS = 10.0  # the billing run of up to SCALE_UNIT accounts
MILLION_SECONDS, MILLION_RSS_MB = 60.0, 1024  # beyond (issue 21: a million accounts)
REPORT_BUDGET, SEARCH_BUDGET = 2.0, 0.1
SCALE_UNIT = 50_000  # accounts the demo generator writes; more are copies of them
# The tables a copy of the centre repeats (see `replicate`), besides its buildings.
REPLICATED = ("account", "account_ledger", "meter", "reading", "meter_replacement")
ACTOR = Actor.system("bench")
T = TypeVar("T")


@contextmanager
def bench_database() -> Iterator[tuple[str, str]]:
    """A fresh, migrated database for the block: (its URL, where it runs)."""
    with (
        database_server() as (admin, where),
        scratch_database(admin, f"md_bench_{os.getpid()}") as url,
    ):
        upgrade(url)
        yield url, where


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


Phase = tuple[str, float, float, float | None]  # name, wall, Python CPU, PostgreSQL CPU


@contextmanager
def billing_phases(session: Session, local_server: bool) -> Iterator[list[Phase]]:
    """Time the billing run's steps: wall clock, this process's CPU and, when the server
    runs here, the CPU of the session's PostgreSQL backend."""
    backend = None
    if local_server:
        try:
            import psutil  # type: ignore[import-untyped]  # installed with pgserver

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


def replicate(session: Session, copies: int) -> None:
    """Copy the centre in the database `copies` times over, in SQL: buildings, accounts,
    meters, readings, replacements and opening balances, each copy's ids, numbers and
    building names shifted, so a million accounts are the demo's 50,000 twenty times."""
    top = {
        table: session.scalar(text(f"select coalesce(max(id), 0) from {table}"))
        for table in (*REPLICATED, "building")
    }
    shifted = {  # column: how a copy `k` writes it
        "building": {"id": "building", "name": "name || '·' || (k + 1)"},
        "account": {
            "id": "account",
            "building_id": "building",
            "account_no": "account_no || lpad(k::text, 2, '0')",
        },
        "meter": {
            "id": "meter",
            "account_id": "account",
            "building_id": "building",
            "parent_id": "meter",
            "meter_no": "meter_no || '-' || k",
            "hardware_no": "lpad((hardware_no::bigint + k * 100000000)::text,"
            " length(hardware_no), '0')",
        },
        "reading": {
            "id": "reading",
            "meter_id": "meter",
            "previous_id": "reading",
            "corrects_id": "reading",
        },
        "meter_replacement": {
            "id": "meter_replacement",
            **dict.fromkeys(("old_meter_id", "new_meter_id"), "meter"),
            **dict.fromkeys(("old_final_reading_id", "new_initial_reading_id"), "reading"),
        },
        "account_ledger": {"id": "account_ledger", "account_id": "account"},
    }
    with foreign_keys_checked_after(session, REPLICATED):
        for table, columns in shifted.items():
            names = session.scalars(
                text(
                    "select column_name from information_schema.columns"
                    " where table_schema = current_schema() and table_name = :t"
                    " order by ordinal_position"
                ),
                {"t": table},
            ).all()
            values = [
                f"{c} + k * {top[columns[c]]}" if columns.get(c) in top else columns.get(c, c)
                for c in names
            ]
            # Readings go in month by month within each copy, as a centre records them, so
            # a month's readings lie together on disk as they would (the demo writes each
            # meter's year at once).
            order = " order by read_at, id" if table == "reading" else ""
            for k in range(1, copies + 1):
                session.execute(
                    text(
                        f"insert into {table} ({', '.join(names)})"
                        f" select {', '.join(values)} from {table}, (select {k} as k) as copy"
                        f" where id <= {top[table]}{order}"
                    )
                )
            session.execute(
                text(
                    f"select setval(pg_get_serial_sequence('{table}', 'id'), max(id)) from {table}"
                )
            )


def load_centre(url: str, args: argparse.Namespace) -> str:
    """Demo data of `args.accounts` accounts into `url`: what was loaded."""
    unit = min(args.accounts, SCALE_UNIT)

    def load(session: Session) -> str:
        generate_demo_data(
            session, ACTOR, accounts=unit, seed=args.seed, now=now(), months=args.months,
            end_period=args.period, in_use=False,
        )  # fmt: skip
        if args.accounts > unit:
            replicate(session, args.accounts // unit - 1)
        counts = [
            session.scalar(text(f"select count(*) from {table}"))
            for table in ("account", "meter", "reading")
        ]
        return f"{counts[0]} accounts, {counts[1]} meters, {counts[2]} readings"

    return in_transaction(url, load)


@contextmanager
def database_server() -> Iterator[tuple[str, str]]:
    """The admin URL of MD_TEST_DATABASE_URL's server, else of an embedded one in a
    temporary folder (removed at the end); and where it runs."""
    configured = os.environ.get("MD_TEST_DATABASE_URL")
    if configured:
        yield normalise_url(configured), "MD_TEST_DATABASE_URL"
        return
    folder = Path(tempfile.mkdtemp(prefix="md_bench_"))
    try:
        yield start_embedded(folder / "pgdata"), f"embedded ({folder})"
    finally:
        stop_embedded(folder / "pgdata")
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def scratch_database(admin: str, name: str, template: str | None = None) -> Iterator[str]:
    """Database `name` (a copy of `template`, if given) for the block, dropped after."""
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            copy_of = f' template "{template}" strategy file_copy' if template else ""
            conn.execute(text(f'create database "{name}"{copy_of}'))
        try:
            yield make_url(admin).set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.execute(text(f'drop database if exists "{name}" with (force)'))
    finally:
        engine.dispose()


Row = tuple[str, float, str]  # step, seconds, what


@dataclass(frozen=True)
class Measured:
    """What the measuring process saw."""

    rows: list[Row]
    run_seconds: float
    peak_rss_mb: float
    copy_seconds: float
    again_created: int
    phases: list[Phase]


# What the run writes, by table: the rows of its bills.
WRITTEN = {
    "bill": "select t.* from bill t where t.run_id = %(run)s",
    "bill_meter": "select t.* from bill_meter t join bill b on b.id = t.bill_id"
    " where b.run_id = %(run)s",
    "bill_line": "select t.* from bill_line t join bill b on b.id = t.bill_id"
    " where b.run_id = %(run)s",
    "account_ledger": "select t.* from account_ledger t join bill b on b.id = t.bill_id"
    " where b.run_id = %(run)s",
}


def copy_yardstick(session: Session, run_id: int) -> tuple[dict[str, int], float]:
    """COPY every row the run wrote into an unlogged table shaped like its own (indexes
    too): rows per table and the seconds the COPYs took."""
    raw = psycopg_connection(session)
    counts, seconds = {}, 0.0
    for table, query in WRITTEN.items():
        with raw.cursor() as cursor:
            data = bytearray()
            with cursor.copy(f"copy ({query}) to stdout", {"run": run_id}) as out:
                for block in out:
                    data += block
            counts[table] = cursor.rowcount
            cursor.execute(f"create unlogged table bench_{table} (like {table} including all)")
            start = time.perf_counter()
            with cursor.copy(f"copy bench_{table} from stdin") as into:
                into.write(bytes(data))
            seconds += time.perf_counter() - start
            cursor.execute(f"drop table bench_{table}")
    return counts, seconds


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def measure(url: str, args: argparse.Namespace, local_server: bool) -> Measured:
    """Bill, COPY, bill again, in one transaction rolled back at the end, so the database
    stays as generated and the next run finds it so. Run in a process of its own
    (`in_process`), so the peak RSS after the billing run is the run's."""
    period: Period = args.period
    rows: list[Row] = []
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            if args.profile:
                params = {"period": str(period), "start": period.start, "end": period.end}
                with psycopg_connection(session).cursor() as cursor:
                    cursor.execute(billing_run._TO_BILL, params)
                    ids = [row[0] for row in cursor.fetchmany(billing_run._BATCH)]
                    cursor.execute(
                        "explain analyze " + billing_run._CANDIDATES, {**params, "ids": ids}
                    )
                    print(
                        f"candidate query of {len(ids)} accounts, EXPLAIN ANALYZE: "
                        f"{cursor.fetchall()[-1][0]}"
                    )
            timing: AbstractContextManager[list[Phase]] = (
                billing_phases(session, local_server) if args.profile else nullcontext([])
            )
            with timing as phases:
                first, run_seconds = timed(lambda: run_billing(session, ACTOR, period))
                session.flush()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
            rows.append(
                (f"billing run {period}", run_seconds,
                 f"{first.created} bills, {len(first.skipped)} meters skipped; peak RSS "
                 f"{peak:.0f} MB; {load()}")
            )  # fmt: skip
            assert first.run_id is not None
            # The tables' statistics may still say they are empty (a run rolled back, then
            # vacuumed): the yardstick's joins would be planned for none of the run's rows.
            session.execute(text("analyze bill, bill_meter, bill_line, account_ledger"))
            written, copy_seconds = copy_yardstick(session, first.run_id)
            rows.append(
                ("COPY of every row written", copy_seconds,
                 ", ".join(f"{n} {t}" for t, n in written.items()) + f"; {load()}")
            )  # fmt: skip
            second, seconds = timed(lambda: run_billing(session, ACTOR, period))
            rows.append(
                ("billing run again", seconds,
                 f"{second.created} bills (already billed: {second.already_billed}); {load()}")
            )  # fmt: skip
            session.rollback()
    finally:
        engine.dispose()
    return Measured(rows, run_seconds, peak, copy_seconds, second.created, phases)


def in_process(url: str, args: argparse.Namespace) -> Measured:
    """`measure` in a fresh process, so its peak RSS is the billing run's alone."""
    local = not os.environ.get("MD_TEST_DATABASE_URL")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, url, args, local).result()


def bill_and_pay(url: str, period: Period) -> str:
    """Bill `period` and pay half of its postpaid bills (as bench_reports pays them),
    committed and vacuumed: the database a manager runs the reports on the next day. Returns
    `url`."""
    # Both benches build on this module's helpers.
    from tests.bench.bench_reports import pay_share

    def bill(session: Session) -> None:
        run_billing(session, ACTOR, period)
        # _PAY's CTEs carry no statistics: at a million bills a nested loop over them
        # would take hours.
        session.execute(text("set local enable_nestloop = off"))
        pay_share(session, period, 5)

    in_transaction(url, bill)
    vacuum(url)
    return url


def billed_copy(admin: str, source: str, period: Period) -> str:
    """The URL of `source`'s database copied, billed and half paid (`bill_and_pay`): built
    once, then kept beside it (NAME_billed) for the next run."""
    name = f"{make_url(source).database}_billed"
    billed_for = text("select exists (select from bill where period = :p)")
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("select 1 from pg_database where datname = :n"), {"n": name}):
                upgrade(url)
                if in_transaction(url, lambda s: s.scalar(billed_for, {"p": str(period)})):
                    return url
                conn.execute(text(f'drop database "{name}" with (force)'))
            conn.execute(
                text(f'create database "{name}" template "{make_url(source).database}"'
                     " strategy file_copy")
            )  # fmt: skip
    finally:
        engine.dispose()
    return bill_and_pay(url, period)


def time_reports(url: str, args: argparse.Namespace) -> list[Row]:
    """The arrears and collection reports (first and second run) and the counter search
    on a billed, half-paid database."""
    from tests.bench.bench_search import clerk_queries, time_searches

    rows: list[Row] = []
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            for name, build in (
                ("arrears report", lambda: arrears_report(session, ACTOR)),
                ("collection report", lambda: collection_report(session, ACTOR, args.period)),
            ):
                for attempt in ("cold", "warm"):
                    report, seconds = timed(build)
                    count = len(list(report.rows))
                    rows.append((f"{name} ({attempt})", seconds, f"{count} rows; {load()}"))
                    session.rollback()
            worst = time_searches(session, clerk_queries(session, args.accounts))
            rows.append(("counter search", worst / 1000, f"slowest median; {load()}"))
    finally:
        engine.dispose()
    return rows


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
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="keep the generated data in database NAME and reuse it (MD_TEST_DATABASE_URL)",
    )
    parser.add_argument("--no-reports", action="store_true", help="the billing run only")
    args = parser.parse_args(argv)
    if args.accounts > SCALE_UNIT and args.accounts % SCALE_UNIT:
        parser.error(f"past {SCALE_UNIT} accounts, --accounts must be a multiple of it")
    if args.keep and not os.environ.get("MD_TEST_DATABASE_URL"):
        parser.error("--keep needs MD_TEST_DATABASE_URL (a server that outlives the bench)")
    rows: list[tuple[str, float, str]] = []
    work = f"md_bench_{os.getpid()}"
    source = None

    def prepare(url: str) -> None:
        what, seconds = timed(lambda: load_centre(url, args))
        rows.append(("demo data", seconds, f"{what}; {load()}"))
        _, seconds = timed(lambda: vacuum(url))
        rows.append(("vacuum analyze", seconds, f"as autovacuum would have; {load()}"))

    with database_server() as (admin, where):
        print(f"PostgreSQL: {where}; {os.cpu_count()} CPUs; {load()}", flush=True)
        if args.keep:
            source = ensure_database(admin, args.keep)
            upgrade(source)
            kept = in_transaction(source, lambda s: s.scalar(text("select count(*) from account")))
            if not kept:
                prepare(source)
            elif kept != args.accounts:
                parser.error(f"database {args.keep} holds {kept} accounts, not {args.accounts}")
            else:
                rows.append(("demo data", 0.0, f"{kept} accounts kept in {args.keep}"))
        with nullcontext(source) if source else scratch_database(admin, work) as url:
            if not source:
                upgrade(url)
                prepare(url)
            measured = in_process(url, args)
            reports: list[Row] = []
            if not args.no_reports:
                # on the database as a manager finds it the next day: the run and the
                # payments committed, vacuumed; kept databases get a billed copy of their own
                billed, seconds = timed(
                    lambda: (
                        billed_copy(admin, source, args.period)
                        if source
                        else bill_and_pay(url, args.period)
                    )
                )
                reports.append(("billed, half paid", seconds, f"committed, vacuumed; {load()}"))
                reports += time_reports(billed, args)
    for name, wall, python, server in measured.phases:
        on_server = "?" if server is None else f"{server:.2f}"
        print(
            f"  {name:<10} {wall:6.2f} s  Python CPU {python:5.2f} s  PostgreSQL CPU {on_server} s"
        )
    rows.extend(measured.rows + reports)

    print()
    print(f"{'step':<28}{'seconds':>10}  what")
    print("-" * 100)
    for step, seconds, what in rows:
        print(f"{step:<28}{seconds:>10.2f}  {what}")
    print("-" * 100)
    ratio = measured.run_seconds / measured.copy_seconds if measured.copy_seconds else 0.0
    print(f"billing run / COPY of every row it writes: {ratio:.1f}×")
    budget = BUDGET_SECONDS if args.accounts <= SCALE_UNIT else MILLION_SECONDS
    within = measured.run_seconds <= budget and (
        args.accounts <= SCALE_UNIT or measured.peak_rss_mb <= MILLION_RSS_MB
    )
    reports_within = all(
        seconds <= (SEARCH_BUDGET if step == "counter search" else REPORT_BUDGET)
        for step, seconds, _ in rows
        if "report" in step or step == "counter search"
    )
    verdict = "within" if within and reports_within else "OVER"
    print(
        f"budgets: billing run ≤ {budget:.0f} s (≤ {MILLION_RSS_MB} MB past {SCALE_UNIT} "
        f"accounts), reports ≤ {REPORT_BUDGET:.0f} s, search ≤ {SEARCH_BUDGET * 1000:.0f} ms"
        f" — {verdict} budget"
    )
    return 0 if verdict == "within" and measured.again_created == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
