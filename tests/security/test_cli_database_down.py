"""Issue 19, item 9: with the database down the CLI printed a 153-line traceback and exited
1. Every command now prints one line naming the database (host:port/database, never the
password) and why it could not be reached, and exits 2 — run here as an operator would, in
its own process, against a closed loopback port, a missing database and an unknown role."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from server.db import reach

METERDESK = str(Path(sys.executable).parent / "meterdesk")
PASSWORD = "s3cret-never-shown"
COMMANDS = [
    ["db", "status"],
    ["db", "upgrade"],
    ["binding", "list"],
    ["billing", "run", "--period", "2026-10"],
    ["remote", "pull"],
    ["backup"],
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def meterdesk(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MD_")}
    env |= {"MD_HOME": str(tmp_path / "md_home"), "DATABASE_URL": url}
    return subprocess.run(
        [METERDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_port_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    port = closed_port()
    url = f"postgresql+psycopg://meterdesk_app:{PASSWORD}@127.0.0.1:{port}/meterdesk"
    done = meterdesk(tmp_path, url, *args)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"错误：无法连接数据库 127.0.0.1:{port}/meterdesk："
        "连接被拒绝（服务器未运行，或地址、端口不对）\n"
    )
    assert PASSWORD not in done.stderr


def test_a_missing_database_and_an_unknown_role(tmp_path: Path, pg_admin_url: str) -> None:
    server = make_url(pg_admin_url)
    # The test server listens on a Unix socket folder (or a host) with the default port.
    host = server.host or str(server.query.get("host"))
    port = server.port or 5432
    missing = server.set(database="no_such_db").render_as_string(hide_password=False)
    done = meterdesk(tmp_path, missing, "db", "status")
    assert (done.returncode, done.stderr) == (
        2,
        f"错误：无法连接数据库 {host}:{port}/no_such_db：数据库不存在\n",
    )
    stranger = server.set(username="nobody_here", password=PASSWORD)
    done = meterdesk(tmp_path, stranger.render_as_string(hide_password=False), "binding", "list")
    assert (done.returncode, done.stderr) == (
        2,
        f"错误：无法连接数据库 {host}:{port}/{server.database}："
        "认证失败（用户名或密码不对，或 pg_hba.conf 不允许此用户、此地址）\n",
    )


def test_reasons_for_what_cannot_be_provoked_here() -> None:
    def failed(message: str) -> psycopg.OperationalError:
        return psycopg.OperationalError(message)

    timeout = 'connection failed: connection to server at "10.0.0.9", port 5432 failed: '
    assert reach.unreachable_reason(failed(timeout + "timeout expired")) == reach.TIMEOUT
    assert reach.unreachable_reason(
        failed('connection failed: FATAL:  password authentication failed for user "a"')
    ) == (reach.AUTH_FAILED)
    assert reach.unreachable_reason(
        failed("consuming input failed: server closed the connection unexpectedly")
    ) == (reach.DROPPED)
    # Ended by the server mid-command (SQLSTATE 57P01), and refused while it starts up.
    assert reach.unreachable_reason(psycopg.errors.AdminShutdown()) == reach.DROPPED
    assert reach.unreachable_reason(psycopg.errors.CannotConnectNow()) == reach.STARTING
    # A statement's own failure is not about reaching the server: left to propagate.
    assert reach.unreachable_reason(psycopg.errors.SerializationFailure()) is None
    assert reach.unreachable_reason(psycopg.errors.QueryCanceled()) is None
    assert reach.unreachable_reason(ValueError("x")) is None
    # An unknown libpq failure keeps its first line.
    assert reach.unreachable_reason(failed("connection failed: SSL error: bad\nmore")) == (
        "SSL error: bad"
    )
    assert reach.database_place("postgresql+psycopg://u:pw@db.campus:6432/md") == (
        "db.campus:6432/md"
    )
    assert reach.database_place("postgresql+psycopg://u@/md?host=/run/pg") == "/run/pg:5432/md"
