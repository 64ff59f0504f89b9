"""Companion service under load on loopback: the usage page (用量查询) and the message
endpoint (/wechat), served by `meterdesk serve` with 2 worker processes.

    python -m tests.bench.bench_companion [--accounts 2000] [--residents 40]
        [--seconds 10] [--connections 8]

Budget (issue 6): ≥ 300 requests/s and p95 ≤ 50 ms for each, with 2 workers. Demo accounts
are billed for 12 months; each resident has two approved bindings and signs in through
the development login. The load comes from one asyncio process holding keep-alive
connections, so the client costs the shared cores as little as it can.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from server.demo.data import generate_demo_data
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import Period, now
from tests.bench.bench_billing import ACTOR, bench_database, in_transaction, vacuum
from tests.companion.support import TOKEN, free_port, wechat_signature

WORKERS = 2
RPS_BUDGET = 300
P95_BUDGET_MS = 50.0


def _residents(session: Session, count: int) -> list[str]:
    """`count` registered residents, each with two approved bindings; their openids."""
    accounts = session.scalars(
        text("select id from account order by id limit :n"), {"n": 2 * count}
    )
    ids = list(accounts)
    openids = []
    for n in range(count):
        openid = f"o-bench-{n:04d}"
        user = session.execute(
            text(
                "insert into wechat_user (openid, phone, phone_verified_at, subscribed)"
                " values (:o, :p, now(), true) returning id"
            ),
            {"o": openid, "p": f"1390000{n:04d}"},
        ).scalar_one()
        for account_id in ids[2 * n : 2 * n + 2]:
            session.execute(
                text(
                    "insert into binding (wechat_user_id, account_no, claim, account_id,"
                    " matched, status, due_at, reason)"
                    " select :u, account_no, holder_name, id, true, 'approved', now(), ''"
                    " from account where id = :a"
                ),
                {"u": user, "a": account_id},
            )
        openids.append(openid)
    return openids


def billed_year(url: str, accounts: int, residents: int) -> list[str]:
    """Demo accounts billed for the last 12 months, and the openids of `residents` bound
    residents; vacuumed, so the pages are measured on fresh statistics."""
    last = Period.of(now()).shift(-1)
    in_transaction(
        url,
        lambda s: generate_demo_data(
            s, ACTOR, accounts=accounts, seed=1, now=now(), months=13, end_period=last,
            in_use=False,
        ),
    )  # fmt: skip
    for period in (last.shift(-back) for back in range(11, -1, -1)):
        in_transaction(url, lambda s, period=period: run_billing(s, ACTOR, period))
    openids = in_transaction(url, lambda s: _residents(s, residents))
    vacuum(url)
    return openids


def serve_env(url: str) -> dict[str, str]:
    """The environment `meterdesk serve` is benchmarked in: the bench database, the
    development sign-in, quiet logs."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MD_HOME": os.environ.get("MD_HOME", "/tmp/md_bench_home"),
        "MD_COMPANION_SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "MD_COMPANION_DEV_LOGIN": "true",
        "MD_LOG_LEVEL": "WARNING",
    }


def _sign_in(base: str, openid: str) -> str:
    """The session cookie of a resident, through the development login."""
    client = requests.Session()
    page = client.get(f"{base}/h5/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(f"{base}/h5/dev-login", data={"openid": openid, "csrf_token": token}, timeout=10)
    return client.cookies["md_session"]


# A request as bytes, or made afresh for each send (a WeChat call is answered only once).
Request = bytes | Callable[[], bytes]


async def _connection(
    port: int, requests_: list[Request], until: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = 0
    while time.perf_counter() < until:
        request = requests_[index % len(requests_)]
        if callable(request):
            request = request()
        index += 1
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode(errors="replace")[:200])
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - started) * 1000)
    writer.close()


async def _load(
    port: int, requests_: list[Request], seconds: float, connections: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    # A short warm-up fills every worker's connection pool and template cache.
    warm = time.perf_counter() + 1
    await asyncio.gather(*(_connection(port, requests_, warm, []) for _ in range(connections)))
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(
        *(_connection(port, requests_[i:] + requests_[:i], until, latencies)
          for i in range(connections))
    )  # fmt: skip
    return latencies, time.perf_counter() - began


def _children_cpu(parent_pids: set[int]) -> float:
    """CPU seconds (user + system) used so far by the direct children of `parent_pids`
    (Linux /proc; 0 elsewhere): the server's workers, the database's backends."""
    total = 0
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in parent_pids:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _postmaster(folder: str) -> set[int]:
    """The pid of the PostgreSQL server whose data folder is under `folder`."""
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = entry.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if folder in command and "postgres" in command and " -D " in command:
            return {int(entry.parent.name)}
    return set()


def _report(name: str, latencies: list[float], wall: float) -> bool:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    rps = len(ordered) / wall
    ok = rps >= RPS_BUDGET and p95 <= P95_BUDGET_MS
    print(
        f"{name}: {len(ordered)} requests in {wall:.1f} s = {rps:.0f} req/s; "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms — budget ≥ {RPS_BUDGET} req/s, p95 ≤ "
        f"{P95_BUDGET_MS:.0f} ms: {'within' if ok else 'OVER'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--residents", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}; {args.accounts} demo accounts billed for 12 months")
        openids = billed_year(url, args.accounts, args.residents)
        port = free_port()
        env = {**serve_env(url), "MD_WECHAT_TOKEN": TOKEN}
        server = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port),
             "--workers", str(WORKERS)],
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
            cookies = [_sign_in(base, openid) for openid in openids]
            usage = [
                f"GET /h5/usage HTTP/1.1\r\nHost: bench\r\nCookie: md_session={c}\r\n\r\n".encode()
                for c in cookies
            ]
            body = (
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                f"<FromUserName><![CDATA[{openids[0]}]]></FromUserName>"
                "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                "<Content><![CDATA[查用量]]></Content><MsgId>1</MsgId></xml>"
            ).encode()
            nonces = itertools.count()

            def wechat_call() -> bytes:
                # Each call signed with a fresh nonce, as WeChat's: a repeated one is a replay.
                timestamp, nonce = str(int(time.time())), f"bench{next(nonces)}"
                query = urlencode(
                    {
                        "signature": wechat_signature(TOKEN, timestamp, nonce),
                        "timestamp": timestamp,
                        "nonce": nonce,
                        "openid": openids[0],
                    }
                )
                return (
                    f"POST /wechat?{query} HTTP/1.1\r\nHost: bench\r\n"
                    f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )

            message: list[Request] = [wechat_call]
            print(f"meterdesk serve --workers {WORKERS}; {args.connections} keep-alive "
                  f"connections, {args.seconds:.0f} s each")  # fmt: skip
            database = _postmaster(where.split("(")[-1].rstrip(")")) if "(" in where else set()
            ok = True
            for name, load in (
                ("usage page /h5/usage", usage),
                ("message endpoint /wechat", message),
            ):
                before = _children_cpu({server.pid}), _children_cpu(database)
                latencies, wall = asyncio.run(_load(port, load, args.seconds, args.connections))
                web = _children_cpu({server.pid}) - before[0]
                db = _children_cpu(database) - before[1]
                ok &= _report(name, latencies, wall)
                # What a request costs, whatever else shares the cores while it runs.
                count = len(latencies)
                print(f"    CPU per request: workers {web / count * 1000:.2f} ms, "
                      f"PostgreSQL {db / count * 1000:.2f} ms")  # fmt: skip
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
