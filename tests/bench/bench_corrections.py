"""Corrections benchmark: what a manager waits for at the desk.

    python -m tests.bench.bench_corrections [--accounts 2000] [--count 200]

On demo accounts with a year billed (13 months): opening a rebill's side-by-side preview
(`rebill_preview`, read-only: the issued bill and its replacement priced from the readings
in force), cancelling a bill with its numbered credit note (`cancel_bill`, each committed),
and an account's statement of the year with its PDF. No budget was set by the issue; a
dialog that opens within a tenth of a second is what the desk should get.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

from sqlalchemy import create_engine, select

from reports.statement import render_statement_pdf
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Bill
from server.demo.data import generate_demo_data
from server.services.billing.billing_run import run_billing
from server.services.billing.corrections import cancel_bill, rebill_preview
from server.services.collection.statements import account_statement
from server.services.core.calendar import Period, now
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction, vacuum
from tests.bench.bench_payments import percentile


def _figures(name: str, times: list[float]) -> str:
    return (
        f"{name} ({len(times)}): p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    last = Period.of(now()).shift(-1)
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}; {args.accounts} demo accounts billed for 12 months to {last}")
        in_transaction(
            url,
            lambda s: generate_demo_data(
                s, ACTOR, accounts=args.accounts, seed=1, now=now(), months=13,
                end_period=last, in_use=False,
            ),
        )  # fmt: skip
        for period in [last.shift(-back) for back in range(11, -1, -1)]:
            in_transaction(url, partial(run_billing, actor=ACTOR, period=period))
        in_transaction(
            url,
            lambda s: add_staff_with_role(
                s, ACTOR, login="bench_manager", name="经理", password="Bench2026x",
                role="manager", branch_code=None,
            ),
        )  # fmt: skip
        vacuum(url)
        engine = create_engine(url)
        factory = make_sessionmaker(engine)
        with unit_of_work(factory) as session:
            manager = staff_identity(session, "bench_manager").actor
            accounts = list(
                session.scalars(
                    select(Bill.account_no)
                    .where(Bill.period == str(last), Bill.kind == "regular")
                    .order_by(Bill.account_no)
                    .limit(args.count)
                )
            )
        previews, cancels, statements, pdfs = [], [], [], []
        for account_no in accounts:
            with unit_of_work(factory) as session:
                started = time.perf_counter()
                rebill_preview(session, account_no, last)
                previews.append((time.perf_counter() - started) * 1000)
        for account_no in accounts[: args.count // 4]:
            with unit_of_work(factory) as session:
                started = time.perf_counter()
                statement = account_statement(session, account_no)
                statements.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            render_statement_pdf(statement)
            pdfs.append((time.perf_counter() - started) * 1000)
        for account_no in accounts:
            started = time.perf_counter()
            with unit_of_work(factory) as session:
                cancel_bill(session, manager, account_no, last, "基准测试",
                            approval_limit=None, approver=None)  # fmt: skip
            cancels.append((time.perf_counter() - started) * 1000)
        lines = len(statement.lines)
        engine.dispose()
    print(_figures("rebill preview (the side-by-side dialog's query)", previews))
    print(_figures("cancel with credit note, committed", cancels))
    print(_figures(f"account statement of the year ({lines} lines for the last)", statements))
    print(_figures("statement PDF", pdfs))


if __name__ == "__main__":
    main()
