"""`meterdesk serve`'s worker processes: gunicorn's arbiter with uvicorn workers on Linux,
uvicorn's own worker processes elsewhere.

The arbiter (gunicorn, with uvicorn-worker's worker class) replaces a worker that dies,
stops them all on SIGTERM, and each worker asks the kernel for SIGTERM when the arbiter
dies however it dies (PR_SET_PDEATHSIG): killing the supervisor with SIGKILL leaves no
worker serving on the port. A second `serve` on a port still held refuses before it starts
(check_port_free).

Connections are spread over the workers by the kernel: with one shared listening socket,
whichever worker's event loop wakes first accepts a whole burst of new connections, and a
reverse proxy's keep-alive connections (nginx `keepalive`) then stay on that one worker
while the others idle (bench_callbacks, 8 connections, 2 workers: 160–205 callbacks/s when
one worker held all 8, 280–310/s when they were split). With `reuse_port` gunicorn (27)
has each worker bind the port with SO_REUSEPORT itself, and the kernel hashes new
connections over the workers' sockets.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from typing import Any

import uvicorn

# uvicorn's logger, so the supervisor's lines come out with the workers' own.
log = logging.getLogger("uvicorn.error")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_TIMEOUT = 20


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


def run_gunicorn(options: dict[str, Any], workers: int) -> None:
    """Serve uvicorn `options` (Config keyword arguments) from gunicorn's arbiter with
    `workers` uvicorn workers until SIGINT or SIGTERM."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter
    from uvicorn.importer import import_from_string

    uvicorn.Config(**options)  # checks the options and sets up uvicorn's logging here too
    host, port = options["host"], options["port"]

    def ready(_arbiter: object) -> None:
        log.info(
            "MeterDesk companion: %d workers on http://%s:%s (gunicorn, a socket each)",
            workers, host, port,
        )  # fmt: skip

    def forked(arbiter: Any, _worker: object) -> None:
        die_with_parent(arbiter.pid)

    settings = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "reuse_port": True,
        "workers": workers,
        "worker_class": "uvicorn_worker.UvicornWorker",
        # The app is built once here, before the fork: a worker's socket listens from its
        # first moment, so connections the kernel hashes to a new worker (at start, after
        # a restart) must not wait while it imports the app. Building it opens no database
        # connection; each worker's pool fills on its own.
        "preload_app": True,
        "forwarded_allow_ips": options["forwarded_allow_ips"],
        "keepalive": 5,  # uvicorn's own default, which the nginx sample's upstream expects
        "graceful_timeout": STOP_TIMEOUT,
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
            app = import_from_string(options["app"])
            return app() if options.get("factory") else app

    class Supervisor(Arbiter):
        def handle_int(self) -> None:
            # Gunicorn stops its workers with SIGQUIT on Ctrl+C, which uvicorn-worker's
            # workers (uvicorn 0.55) do not act on: they were killed after the graceful
            # timeout. SIGTERM they handle, finishing what they serve.
            self.handle_term()

    Supervisor(Companion()).run()


def serve(options: dict[str, Any], workers: int) -> None:
    """`meterdesk serve`'s server: gunicorn's arbiter with uvicorn workers where processes
    fork (Linux, the production server), uvicorn's own worker processes elsewhere (a
    Windows PC running the demo). The caller has checked the port (check_port_free)."""
    if os.name == "posix":
        run_gunicorn(options, workers)
    else:
        uvicorn.run(**options, workers=workers)
