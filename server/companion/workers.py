"""`meterdesk serve`'s worker processes, each listening on a socket of its own.

uvicorn's own `--workers` share one listening socket, and whichever worker's event loop
wakes first accepts a whole burst of new connections. The reverse proxy's keep-alive
connections (nginx `keepalive`) then stay on that one worker, whose GIL serves them all
while the other workers idle (bench_callbacks, 8 connections, 2 workers: 160–205
callbacks/s when one worker held all 8, 280–310/s when they were split). Here, where the
platform has SO_REUSEPORT (Linux), every worker binds the port itself and the kernel
spreads new connections over the workers; a worker that dies is replaced. Elsewhere
uvicorn's shared socket is used.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from typing import Any

import uvicorn

# uvicorn's logger, so the supervisor's lines come out with the workers' own.
log = logging.getLogger("uvicorn.error")

# A worker that exits this soon after it was started failed to start (the app or the
# database is misconfigured): starting it again would only repeat the failure.
STARTUP_GRACE = 10.0
STOP_TIMEOUT = 20.0


def spreads_connections() -> bool:
    """Whether each worker can have its own socket (the kernel balancing between them)."""
    return hasattr(socket, "SO_REUSEPORT")


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(options: dict[str, Any]) -> None:
    config = uvicorn.Config(**options)
    # uvicorn's server listens on the socket (with the configured backlog).
    uvicorn.Server(config).run(sockets=[_listening_socket(config.host, config.port)])


def run(options: dict[str, Any], workers: int) -> None:
    """Serve uvicorn `options` (Config keyword arguments) from `workers` processes until
    SIGINT or SIGTERM; SystemExit(1) when the port is taken or a worker cannot start."""
    uvicorn.Config(**options)  # checks the options and sets up uvicorn's logging here too
    # Bound once here first, so a port in use is one clear error rather than every
    # worker failing on its own.
    try:
        _listening_socket(options["host"], options["port"]).close()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", options["host"], options["port"], exc)
        raise SystemExit(1) from None
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for which in (signal.SIGINT, signal.SIGTERM):
        signal.signal(which, lambda *_: stop.set())

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = context.Process(target=_worker, args=(options,), name="meterdesk-worker")
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(workers)]
    log.info(
        "MeterDesk companion: %d workers on http://%s:%s, a socket each (SO_REUSEPORT)",
        workers, options["host"], options["port"],
    )  # fmt: skip
    failed = False
    while not stop.wait(0.5):
        for index, (process, started) in enumerate(running):
            if process.is_alive():
                continue
            if time.monotonic() - started < STARTUP_GRACE:
                log.error("worker %s failed to start (%s)", process.pid, process.exitcode)
                failed = True
                stop.set()
                break
            log.warning("worker %s exited (%s); starting another", process.pid, process.exitcode)
            running[index] = start()
    for process, _ in running:
        process.terminate()
    for process, _ in running:
        process.join(STOP_TIMEOUT)
        if process.is_alive():
            process.kill()
    if failed:
        raise SystemExit(1)
