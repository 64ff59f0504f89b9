"""Payment notice benchmark: a period's notices for 1,000 accounts, building by building.

    python -m tests.bench.bench_notices [--accounts 1000] [--months 2]

Fills a fresh database with demo data (see bench_billing for where it runs), bills the last
month, then times what the desktop's "save all buildings" does: gather each building's
notices (a few queries) and render its PDF, one A5 page per account. Prints the seconds of
each step and the pages per second. The office prints a building while it waits, so the
budget is 1,000 notices in 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time

from reports.fonts import cjk_font
from reports.notice import render_notices
from server.demo.data import generate_demo_data
from server.services.billing.payment_notices import gather_notices, notice_buildings
from server.services.core.calendar import Period, now
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction, run_billing

BUDGET_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=2)
    args = parser.parse_args(argv)
    period = Period.of(now()).shift(-1)
    with bench_database() as (url, where):
        print(f"database: {where}")
        in_transaction(
            url,
            lambda s: generate_demo_data(
                s, ACTOR, accounts=args.accounts, seed=args.seed, now=now(), months=args.months,
                end_period=period, in_use=False,
            ),
        )  # fmt: skip
        result = in_transaction(url, lambda s: run_billing(s, ACTOR, period))
        print(f"{period}: {result.created} bills, {len(result.skipped)} meters skipped")
        cjk_font()  # found once per process; not what a building's notices cost

        def gather_all(session):  # type: ignore[no-untyped-def]
            return [
                (b, gather_notices(session, period, building_id=b.building_id))
                for b in notice_buildings(session, period)
            ]

        start = time.perf_counter()
        gathered = in_transaction(url, gather_all)
        gather_seconds = time.perf_counter() - start
        pages = sum(len(notices) for _, notices in gathered)
        start = time.perf_counter()
        size = 0
        for building, notices in gathered:
            size += len(render_notices(notices, building.label)[2])
        render_seconds = time.perf_counter() - start
    total = gather_seconds + render_seconds
    print(f"buildings: {len(gathered)}, notices: {pages}, PDF: {size // 1024} KB")
    print(f"gather: {gather_seconds:.2f} s   render: {render_seconds:.2f} s")
    print(f"total: {total:.2f} s, {pages / total:.0f} pages/s (budget {BUDGET_SECONDS:.0f} s)")
    return 0 if total <= BUDGET_SECONDS * max(1, pages / 1000) else 1


if __name__ == "__main__":
    sys.exit(main())
