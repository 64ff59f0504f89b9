"""`meterdesk serve`: the production server with worker processes, as an operator runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from server.cli import cli
from server.companion import workers
from tests.companion.support import TOKEN, free_port, wechat_signature


def test_serve_refuses_without_a_secret_key(md_env):
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "companion.secret_key 未设置或过短" in result.output


def test_serve_runs_two_workers_against_the_database(md_env, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "MD_COMPANION_SECRET_KEY": "serve-test-secret-0123456789",
        "MD_WECHAT_TOKEN": TOKEN,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert (response.status_code, response.text) == (200, "ok")
        timestamp, nonce = str(int(time.time())), "n1"
        echo = requests.get(
            f"http://127.0.0.1:{port}/wechat",
            params={
                "signature": wechat_signature(TOKEN, timestamp, nonce),
                "timestamp": timestamp,
                "nonce": nonce,
                "echostr": "hello",
            },
            timeout=5,
        )
        assert echo.text == "hello"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    assert f"MeterDesk companion: 2 workers on http://127.0.0.1:{port}" in output
    # No SMS gateway and dev_login off: the operator and the desk are told.
    warning = "短信通道为 console（只写日志，不发送）：居民收不到验证码，无法注册"
    assert f"警告：{warning}" in output
    engine = create_engine(md_env)
    with engine.connect() as conn:
        left = conn.execute(text("select host, warning from service_status")).all()
    engine.dispose()
    assert left == [(socket.gethostname(), warning)]
    assert output.count("Started server process") == 2


def _tcp_sockets(port: int) -> list[tuple[str, int, int]]:
    """(state, remote port, inode) of the sockets on local `port` (Linux /proc/net/tcp;
    state 0A is listening, 01 established)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
        if int(local.split(":")[1], 16) == port:
            found.append((state, int(remote.split(":")[1], 16), inode))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not workers.spreads_connections(), reason="SO_REUSEPORT is Linux's")
def test_each_worker_listens_itself_and_a_burst_of_connections_is_spread(md_env):
    """A reverse proxy's keep-alive connections opened at once do not all land on one
    worker: each worker has its own listening socket and the kernel spreads them."""
    port = free_port()
    env = {**os.environ, "MD_COMPANION_SECRET_KEY": "serve-test-secret-0123456789"}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    clients: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while sum(state == "0A" for state, _, _ in _tcp_sockets(port)) < 2:
            assert process.poll() is None and time.monotonic() < deadline, "no 2 listeners"
            time.sleep(0.2)
        listening = {inode for state, _, inode in _tcp_sockets(port) if state == "0A"}
        # Two listening sockets, one in each worker, none shared (the other children are
        # the embedded PostgreSQL and multiprocessing's helper).
        holders = {pid: listening & _socket_inodes(pid) for pid in _children(process.pid)}
        holders = {pid: held for pid, held in holders.items() if held}
        assert len(listening) == 2
        assert sorted(len(held) for held in holders.values()) == [1, 1]
        first, second = holders
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        for client in clients:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        for client in clients:
            assert client.recv(1024).startswith(b"HTTP/1.1 200")
        served = {
            inode: client.getsockname()[1]
            for state, remote, inode in _tcp_sockets(port)
            for client in clients
            if state == "01" and remote == client.getsockname()[1]
        }
        assert len(served) == 16
        held = [len(set(served) & _socket_inodes(pid)) for pid in (first, second)]
        # Hashed over the two sockets: 16 on one worker has odds of 1 in 32,768.
        assert sum(held) == 16 and min(held) >= 1, held
    finally:
        for client in clients:
            client.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
