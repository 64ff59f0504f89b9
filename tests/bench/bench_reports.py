"""Reports benchmark: the demo at full size, billed for a few months, part of it paid.

    python -m tests.bench.bench_reports [--accounts 50000] [--periods 3]

Runs on a fresh database (MD_TEST_DATABASE_URL's server, else an embedded PostgreSQL),
dropped at the end. Prints seconds per report and per export. Budgets (issue 8): arrears
and collection over 50,000 accounts ≤ 2 s each; a 100,000-row Excel export ≤ 10 s (the
meter inventory of 50,000 accounts has about that many rows). The usage and meters exports
are also written by XlsxWriter's constant_memory mode ("→ xlsx XW"), for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from unittest.mock import patch

from sqlalchemy import text
from sqlalchemy.orm import Session

from reports import tables
from reports.tables import TableReport, render_table_pdf, write_table_xlsx
from server.demo.data import generate_demo_data
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import Period, now
from server.services.reports import (
    arrears_report,
    collection_report,
    loss_report,
    meters_report,
    unread_report,
    usage_report,
)
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction, timed, vacuum
from tests.bench.xlsxwriter_sheet import XlsxWriterSheet

BUDGETS = {"arrears": 2.0, "collection": 2.0, "meters → xlsx": 10.0}

# A share of the bills of each billed month paid in full, oldest months most: payments and
# allocations written set-based, as the counter would have left them.
_PAY = """
with paid as (
    select b.id as bill_id, b.account_id, b.total, a.campus_id
    from bill b join account a on a.id = b.account_id
    where b.period = :period and b.total > 0 and b.billing_mode = 'postpaid'
      and b.id % 10 < :tenths
), payments as (
    insert into payment (account_id, amount, channel, reference, bank, branch_id)
    select p.account_id, p.total, 'cash', '', '', br.id
    from paid p join branch br on br.campus_id = p.campus_id
    returning id, account_id, amount
)
insert into allocation (payment_id, bill_id, amount)
select py.id, p.bill_id, py.amount
from payments py join paid p on p.account_id = py.account_id and p.total = py.amount
"""
# ... and each of those bills marked paid, as balances.set_status would (md_bill_status checks
# it against the allocations): a statement of its own, which sees what _PAY wrote.
_PAID = """
update bill set status = 'paid'
where period = :period and status <> 'paid' and id in (select bill_id from allocation)
"""


def pay_share(session: Session, period: Period, tenths: int) -> None:
    """Pay `tenths` tenths of the postpaid bills of `period` in full, cash at the counter."""
    params = {"period": str(period), "tenths": tenths}
    session.execute(text(_PAY), params)
    session.execute(text(_PAID), params)


def prepare(url: str, accounts: int, periods: int) -> list[tuple[str, float, str]]:
    rows = []
    end = Period.of(now()).shift(-1)
    summary, seconds = timed(
        lambda: in_transaction(
            url,
            lambda s: generate_demo_data(
                s,
                ACTOR,
                accounts=accounts,
                seed=1,
                now=now(),
                months=13,
                end_period=end,
                master_meters=True,
                in_use=False,
            ),
        )
    )
    rows.append(("demo data", seconds, f"{summary.accounts} accounts, {summary.meters} meters"))
    for back in range(periods - 1, -1, -1):
        period = end.shift(-back)
        result, seconds = timed(
            lambda p=period: in_transaction(url, lambda s: run_billing(s, ACTOR, p))
        )
        rows.append((f"billing {period}", seconds, f"{result.created} bills"))
        tenths = 2 + 5 * back // max(1, periods - 1)  # oldest month mostly paid
        in_transaction(url, lambda s, p=period, t=tenths: pay_share(s, p, t))
    vacuum(url)
    return rows


def measure(url: str, periods: int, folder: Path) -> list[tuple[str, float, str]]:
    end = Period.of(now()).shift(-1)
    first = end.shift(1 - periods)
    rows: list[tuple[str, float, str]] = []

    def report(name: str, build: Callable[[Session], TableReport]) -> None:
        built, seconds = timed(lambda: in_transaction(url, build))
        assert isinstance(built.rows, tuple)
        totals = built.totals.values if built.totals else ()
        shown = " ".join(str(v) for v in totals if v not in (None, ""))[:70]
        rows.append((name, seconds, f"{len(built.rows)} rows; {shown}"))

    def export(
        name: str, build: Callable[[Session], TableReport], suffix: str, writer: str = ""
    ) -> None:
        target = folder / f"{name}{writer}.{suffix}"

        def write(session: Session) -> int:
            built = build(session)
            if suffix == "pdf":
                target.write_bytes(render_table_pdf(built))
                return len(built.rows) if isinstance(built.rows, tuple) else 0
            return write_table_xlsx(built, str(target))

        # The same export written by XlsxWriter, to compare (see tests/bench/xlsxwriter_sheet).
        swap = patch.object(tables, "SheetWriter", XlsxWriterSheet) if writer else nullcontext()
        with swap:
            count, seconds = timed(lambda: in_transaction(url, write))
        size = target.stat().st_size // 1024
        rows.append((f"{name} → {suffix}{writer}", seconds, f"{count} rows, {size} KB"))

    report("arrears", lambda s: arrears_report(s, ACTOR))
    report("collection", lambda s: collection_report(s, ACTOR, first, end))
    report("usage by account", lambda s: usage_report(s, ACTOR, first, end))
    report("usage by building", lambda s: usage_report(s, ACTOR, first, end, by="building"))
    report("loss", lambda s: loss_report(s, ACTOR, end.shift(-11), end))
    report("unread", lambda s: unread_report(s, ACTOR, end))
    export("arrears", lambda s: arrears_report(s, ACTOR, stream=True), "xlsx")
    export("usage", lambda s: usage_report(s, ACTOR, first, end, stream=True), "xlsx")
    export("meters", lambda s: meters_report(s, ACTOR, stream=True), "xlsx")
    export("usage", lambda s: usage_report(s, ACTOR, first, end, stream=True), "xlsx", " XW")
    export("meters", lambda s: meters_report(s, ACTOR, stream=True), "xlsx", " XW")
    export("collection", lambda s: collection_report(s, ACTOR, first, end), "pdf")
    export("loss", lambda s: loss_report(s, ACTOR, end.shift(-11), end), "pdf")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--periods", type=int, default=3, help="months billed (default 3)")
    args = parser.parse_args(argv)
    with bench_database() as (url, where), tempfile.TemporaryDirectory() as folder:
        print(f"PostgreSQL: {where}; {os.cpu_count()} CPUs", flush=True)
        rows = prepare(url, args.accounts, args.periods)
        rows += measure(url, args.periods, Path(folder))
    failed = False
    for name, seconds, note in rows:
        budget = BUDGETS.get(name)
        over = budget is not None and seconds > budget
        failed |= over
        mark = (
            "" if budget is None else (f"  OVER {budget:.0f} s" if over else f"  ≤ {budget:.0f} s")
        )
        print(f"{name:<22} {seconds:7.2f} s  {note}{mark}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
