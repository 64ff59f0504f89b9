"""Handheld-import benchmark: a day's DBF of 10,000 lines, imported twice.

    python -m tests.bench.bench_handheld [--lines 10000]

Loads `lines / 2` accounts with an electricity meter (hardware number) and a water meter
(none: matched by meter number) and three months of readings through the legacy import,
then writes a GBK DBF with one line per meter (1 % unread, 1 % lower than last month) and
times its import into the database and a second import of the same file (all duplicates).
Budget: the first import in at most 2 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from devices.handheld import dbf_bytes
from server.db.models import Meter, Reading
from server.db.models.metering import ACCEPTED
from server.services.metering.handheld_import import import_handheld
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction, vacuum
from tests.bench.bench_import import write_workbook

BUDGET_SECONDS = 2.0
PROFILE = "DBF 掌上机（BH/FLA/CBSJ/CBZT）"


def write_dbf(url: str, path: Path, seed: int) -> int:
    """One line per meter, after its last reading; return the number of lines."""

    def latest(session):
        last = (
            select(Reading.value)
            .where(Reading.meter_id == Meter.id, Reading.status == ACCEPTED)
            .order_by(Reading.read_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        return session.execute(select(Meter.meter_no, Meter.hardware_no, last)).all()

    rng = random.Random(seed)
    rows = []
    for n, (meter_no, hardware_no, value) in enumerate(in_transaction(url, latest)):
        minute = n % 600
        when = f"2026-11-20 {8 + minute // 60:02d}:{minute % 60:02d}:00"
        if n % 100 == 0:
            rows.append((hardware_no or meter_no, None, "", "0"))
            continue
        step = Decimal(rng.randint(-20, -1) if n % 100 == 1 else rng.randint(5, 300)) / 2
        rows.append((hardware_no or meter_no, value + step, when, "1"))
    path.write_bytes(dbf_bytes(["BH", "FLA", "CBSJ", "CBZT"], rows, numeric={"FLA"}))
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="md_handheld_"))
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}")
        workbook = folder / "legacy.xlsx"
        write_workbook(workbook, args.lines // 2, 3, args.seed)
        from server.services.legacy.workbook import import_legacy

        in_transaction(url, lambda session: import_legacy(session, ACTOR, workbook))
        vacuum(url)
        path = folder / "CB20261120.DBF"
        lines = write_dbf(url, path, args.seed)
        print(f"{lines} lines, {path.stat().st_size // 1024} KB DBF")
        timings = []
        for label in ("import", "import again"):
            start = time.perf_counter()
            result = in_transaction(
                url, lambda session: import_handheld(session, ACTOR, path, PROFILE)
            )
            seconds = time.perf_counter() - start
            timings.append(seconds)
            counts = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v)
            print(f"{label:<14}{seconds:>7.2f} s  {counts}")
    verdict = "within" if timings[0] <= BUDGET_SECONDS else "OVER"
    print(f"first import {timings[0]:.2f} s: {verdict} the {BUDGET_SECONDS:g} s budget")


if __name__ == "__main__":
    main()
