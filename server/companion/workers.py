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
import os
import signal
import socket
import threading
import time
from typing import Any

import uvicorn

# uvicorn's logger, so the supervisor's lines come out with the workers' own.
log = logging.getLogger("uvicorn.error")

PR_SET_PDEATHSIG = 1  # linux/prctl.h

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


class PortInUse(Exception):
    """Another server (often an earlier `serve` or its orphaned workers) holds the port."""


def check_port_free(host: str, port: int) -> None:
    """Refuse a port that anything already listens on. The bind is made without
    SO_REUSEPORT, which the workers' sockets would otherwise share with it: a second
    `serve` beside a running one's workers fails here instead of listening alongside."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(
                f"端口 {host}:{port} 已被占用（{exc.strerror}）：另一个 meterdesk serve "
                "或其工作进程仍在运行？先停止它，或用 --port 换一个端口"
            ) from None


def die_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when `parent` dies, however it dies
    (SIGKILL, OOM): a worker never outlives its supervisor to keep serving on the port.
    Linux only (prctl); a parent that died before the call is caught by the pid check."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def _worker(options: dict[str, Any], parent: int) -> None:
    die_with_parent(parent)
    config = uvicorn.Config(**options)
    # uvicorn's server listens on the socket (with the configured backlog).
    uvicorn.Server(config).run(sockets=[_listening_socket(config.host, config.port)])


def run(options: dict[str, Any], workers: int) -> None:
    """Serve uvicorn `options` (Config keyword arguments) from `workers` processes until
    SIGINT or SIGTERM; PortInUse when the port is taken, SystemExit(1) when a worker
    cannot start."""
    uvicorn.Config(**options)  # checks the options and sets up uvicorn's logging here too
    check_port_free(options["host"], options["port"])
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for which in (signal.SIGINT, signal.SIGTERM):
        signal.signal(which, lambda *_: stop.set())

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = context.Process(
            target=_worker, args=(options, os.getpid()), name="meterdesk-worker"
        )
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


def run_gunicorn(options: dict[str, Any], workers: int) -> None:
    """Serve uvicorn `options` from gunicorn's arbiter with `workers` uvicorn workers
    (uvicorn-worker) until SIGINT or SIGTERM: the arbiter replaces a worker that dies and
    stops them all when it stops; each worker also dies with it when it is killed outright
    (die_with_parent). PortInUse when the port is taken."""
    from gunicorn.app.base import BaseApplication
    from uvicorn.importer import import_from_string

    uvicorn.Config(**options)  # checks the options and sets up uvicorn's logging here too
    host, port = options["host"], options["port"]
    check_port_free(host, port)

    def ready(_arbiter: object) -> None:
        log.info("MeterDesk companion: %d workers on http://%s:%s (gunicorn)", workers, host, port)

    def forked(arbiter: Any, _worker: object) -> None:
        die_with_parent(arbiter.pid)

    settings = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "uvicorn_worker.UvicornWorker",
        "forwarded_allow_ips": options["forwarded_allow_ips"],
        "keepalive": 5,  # uvicorn's own default, which the nginx sample's upstream expects
        "graceful_timeout": int(STOP_TIMEOUT),
        "loglevel": options["log_level"],
        "errorlog": "-",
        "accesslog": None,
        "proc_name": "meterdesk-serve",
        # gunicorn 27's control socket (~/.gunicorn/gunicorn.ctl) is one path for every
        # server of the user: the supervisor is stopped by its signals instead.
        "control_socket_disable": True,
        "when_ready": ready,
        "post_fork": forked,
    }

    class Companion(BaseApplication):
        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # In each worker after the fork: its own engine and pool.
            app = import_from_string(options["app"])
            return app() if options.get("factory") else app

    Companion().run()


def serve(options: dict[str, Any], workers: int) -> None:
    """`meterdesk serve`'s server: gunicorn's arbiter with uvicorn workers where processes
    fork (Linux, the production server), uvicorn's own worker processes elsewhere (a
    Windows PC running the demo). The caller has checked the port (check_port_free)."""
    if os.name == "posix":
        run_gunicorn(options, workers)
    else:
        uvicorn.run(**options, workers=workers)
