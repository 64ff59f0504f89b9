"""`meterdesk serve`'s server on loopback: gunicorn's arbiter with uvicorn workers, each
with its own SO_REUSEPORT socket (`server.companion.workers.run_gunicorn`, Linux), against
uvicorn's own worker processes (`uvicorn.run(workers=N)`, the path elsewhere); requests/s,
p50 and p95 on the health check and on a resident's usage page (用量查询), N workers,
keep-alive connections as a proxy holds them.

    python -m tests.bench.bench_serve [--workers 2] [--seconds 8] [--connections 8]
        [--accounts 400] [--rounds 2]

The rounds alternate the two servers on the same database, so a busy neighbour on the
shared cores weighs on both alike. (The home-made supervisor that gunicorn replaced was
measured by this file as of commit 9030819; its figures are in the README.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import requests

from tests.bench.bench_billing import bench_database
from tests.bench.bench_companion import _load, _sign_in, billed_year, serve_env
from tests.companion.support import free_port

SERVER = (
    "import json, sys, uvicorn\n"
    "from server.companion import workers\n"
    "options, count = json.loads(sys.argv[2]), int(sys.argv[3])\n"
    "if sys.argv[1] == 'gunicorn':\n"
    "    workers.run_gunicorn(options, count)\n"
    "else:\n"
    "    uvicorn.run(**options, workers=count)\n"
)
SUPERVISORS = {"gunicorn + uvicorn-worker": "gunicorn", "uvicorn --workers": "uvicorn"}


def _start(how: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    options = {
        "app": "server.companion.app:app_from_environment",
        "factory": True,
        "host": "127.0.0.1",
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": "127.0.0.1",
        "access_log": False,
        "log_level": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, how, json.dumps(options), str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).raise_for_status()
            return server
        except requests.RequestException:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"{how}: the server did not start") from None
            time.sleep(0.2)


def _figures(latencies: list[float], wall: float) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return len(ordered) / wall, p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=400)
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with bench_database() as (url, where):
        print(f"PostgreSQL: {where}; {args.accounts} demo accounts billed for 12 months")
        openids = billed_year(url, args.accounts, args.residents)
        env = serve_env(url)
        print(f"{args.workers} workers; {args.connections} keep-alive connections, "
              f"{args.seconds:.0f} s per figure, {args.rounds} rounds")  # fmt: skip
        for _ in range(args.rounds):
            for name, how in SUPERVISORS.items():
                port = free_port()
                server = _start(how, port, args.workers, env)
                try:
                    base = f"http://127.0.0.1:{port}"
                    cookies = [_sign_in(base, openid) for openid in openids]
                    pages = {
                        "/healthz": [b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"],
                        "/h5/usage": [
                            f"GET /h5/usage HTTP/1.1\r\nHost: bench\r\nCookie: md_session={c}"
                            "\r\n\r\n".encode()
                            for c in cookies
                        ],
                    }
                    for page, load in pages.items():
                        latencies, wall = asyncio.run(
                            _load(port, load, args.seconds, args.connections)
                        )
                        results.setdefault((name, page), []).append(_figures(latencies, wall))
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=30)
    for (name, page), rounds in results.items():
        shown = "; ".join(f"{rps:.0f} req/s p50 {p50:.1f} p95 {p95:.1f} ms"
                          for rps, p50, p95 in rounds)  # fmt: skip
        best = max(rps for rps, _, _ in rounds)
        print(f"{name:26} {page:10} best {best:4.0f} req/s — {shown}")


if __name__ == "__main__":
    main()
