"""Online payment benchmark: WeChat Pay notifies with duplicates, on loopback, against
`meterdesk serve --workers 2` configured with our own test keys.

    python -m tests.bench.bench_callbacks [--orders 1500] [--copies 5] [--connections 8]

Every order is notified `copies` times (WeChat retries; the copies of one order are sent
side by side on different connections), so one in `copies` callbacks applies a payment
and the rest are duplicates answered 204 that change nothing. Budget (issue 7):
≥ 200 callbacks/s and p95 ≤ 100 ms on 2 cores. At the end every order notified is paid
exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select

from server.config import load_settings
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Payment, PaymentOrder
from server.services.core.audit import Actor
from server.services.online_pay import orders
from server.services.online_pay.config import pay_config
from tests import factories as f
from tests.bench.bench_billing import bench_database, vacuum
from tests.bench.bench_companion import _children_cpu, _postmaster
from tests.bench.bench_payments import percentile
from tests.companion.support import free_port
from tests.payfakes import Keys, wechat_notify, wechat_transaction, write_config

WORKERS = 2
RATE_BUDGET = 200.0
P95_BUDGET_MS = 100.0


def _orders(url: str, count: int, home: Path) -> list[tuple[str, int]]:
    """`count` accounts, each with an open bill and an order for it: (order no, fen)."""
    config = pay_config(load_settings(home))
    engine = create_engine(url)
    factory = make_sessionmaker(engine)
    made = []
    with unit_of_work(factory) as session:
        f.branches(session)
        f.tariff(session)
        for n in range(count):
            account = f.account(session, f"B{n:05d}")
            f.bill(session, account, "2026-09", f"{10 + n % 90}.{n % 100:02d}")
    with unit_of_work(factory) as session:
        for n in range(count):
            view = orders.create_order(
                session, Actor(label="bench"), f"B{n:05d}", "wechat", config.order_expiry
            )
            made.append((view.order_no, int(view.amount * 100)))
    engine.dispose()
    return made


async def _connection(
    port: int, requests_: list[bytes], start: int, step: int, latencies: list[float],
    statuses: dict[int, int],
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for index in range(start, len(requests_), step):
        started = time.perf_counter()
        writer.write(requests_[index])
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        statuses[status] = statuses.get(status, 0) + 1
        found = re.search(rb"content-length: (\d+)", head, re.I)
        if found and int(found.group(1)):
            await reader.readexactly(int(found.group(1)))
        latencies.append((time.perf_counter() - started) * 1000)
    writer.close()


async def _load(
    port: int, requests_: list[bytes], connections: int
) -> tuple[list[float], float, dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    began = time.perf_counter()
    # Connection c sends requests c, c + n, c + 2n …: the copies of one order, adjacent in
    # the list, go out at the same moment on different connections.
    await asyncio.gather(
        *(_connection(port, requests_, c, connections, latencies, statuses)
          for c in range(connections))
    )  # fmt: skip
    return latencies, time.perf_counter() - began, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="md_bench_pay_"))
    keys = Keys()
    write_config(home, keys, "http://127.0.0.1:9")
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}; {args.orders} orders, each notified {args.copies} times")
        made = _orders(url, args.orders, home)
        vacuum(url)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MD_HOME": str(home),
            "MD_COMPANION_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "MD_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/healthz", timeout=2).raise_for_status()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            load: list[bytes] = []
            for order_no, fen in made:
                transaction = wechat_transaction(order_no, fen)
                for _ in range(args.copies):
                    headers, body = wechat_notify(keys, transaction)
                    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                    load.append(
                        f"POST /pay/wechat/notify HTTP/1.1\r\nHost: bench\r\n{head}"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
            # Warm-up: every worker loads the keys and fills its pool (a few orders spent).
            warm = args.copies * 20
            asyncio.run(_load(port, load[:warm], args.connections))
            database = _postmaster(where.split("(")[-1].rstrip(")")) if "(" in where else set()
            before = _children_cpu({server.pid}), _children_cpu(database), time.process_time()
            latencies, wall, statuses = asyncio.run(_load(port, load[warm:], args.connections))
            # What a callback costs, whatever else shares the cores while it runs.
            web = (_children_cpu({server.pid}) - before[0]) / len(latencies) * 1000
            db = (_children_cpu(database) - before[1]) / len(latencies) * 1000
            sender = (time.process_time() - before[2]) / len(latencies) * 1000
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        engine = create_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            payments = session.scalar(select(func.count()).select_from(Payment))
            paid = session.scalar(
                select(func.count()).select_from(PaymentOrder).where(PaymentOrder.status == "paid")
            )
            total = session.scalar(select(func.sum(Payment.amount))) or Decimal(0)
        engine.dispose()
    shutil.rmtree(home, ignore_errors=True)
    rate = len(latencies) / wall
    p95 = percentile(latencies, 0.95)
    expected = sum(Decimal(fen) / 100 for _, fen in made)
    print(
        f"callbacks: {len(latencies)} in {wall:.1f} s = {rate:.0f}/s; "
        f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(latencies):.1f} ms; answers {statuses}"
    )
    print(f"CPU per callback: workers {web:.2f} ms, PostgreSQL {db:.2f} ms, this load "
          f"generator {sender:.2f} ms; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"orders paid {paid} of {len(made)}, payments {payments}, amount {total} of {expected}")
    ok = (
        rate >= RATE_BUDGET
        and p95 <= P95_BUDGET_MS
        and payments == paid == len(made)
        and total == expected
        and set(statuses) == {204}
    )
    print(f"budget ≥ {RATE_BUDGET:.0f}/s, p95 ≤ {P95_BUDGET_MS:.0f} ms: {'OK' if ok else 'FAILED'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
