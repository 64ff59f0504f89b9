"""`meterdesk serve`: the production server with worker processes, as an operator runs it."""

from __future__ import annotations

import contextlib
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


def test_each_worker_listens_itself_and_a_burst_of_connections_is_spread(md_env):
    """A reverse proxy's keep-alive connections opened at once do not all land on one
    worker: each worker has a listening socket of its own (gunicorn's reuse_port) and the
    kernel spreads new connections over them."""
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
        while len(_listening(port)) < 2:
            assert process.poll() is None and time.monotonic() < deadline, "no 2 listeners"
            time.sleep(0.2)
        listening = _listening(port)
        # Two listening sockets, one in each worker, none in the arbiter (serve's own
        # process) and none shared.
        holders = {pid: listening & _socket_inodes(pid) for pid in _children(process.pid)}
        holders = {pid: held for pid, held in holders.items() if held}
        assert len(listening) == 2 and not listening & _socket_inodes(process.pid)
        assert sorted(len(held) for held in holders.values()) == [1, 1]
        first, second = holders
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
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
        assert len(served) == 32
        held = [len(set(served) & _socket_inodes(pid)) for pid in (first, second)]
        # Hashed over the two sockets: all 32 on one worker has odds of 1 in 2 billion.
        assert sum(held) == 32 and min(held) >= 1, held
    finally:
        for client in clients:
            client.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def _start_serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).raise_for_status()
            return process
        except requests.RequestException:
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def _listening(port: int) -> set[int]:
    return {inode for state, _, inode in _tcp_sockets(port) if state == "0A"}


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for init to reap it counts: it serves nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_workers_die_with_a_killed_supervisor_and_the_port_is_freed(md_env):
    """Issue 19, item 10: SIGKILL on the supervisor (no cleanup) takes its workers with it
    within seconds, so nothing keeps serving on the port and a new serve can take it."""
    port = free_port()
    env = {**os.environ, "MD_COMPANION_SECRET_KEY": "serve-test-secret-0123456789"}
    process = _start_serve(port, env)
    try:
        listening = _listening(port)
        workers_ = [pid for pid in _children(process.pid) if listening & _socket_inodes(pid)]
        assert len(workers_) == 2
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not all(_gone(pid) for pid in workers_) or _listening(port):
            assert time.monotonic() < deadline, "workers outlived their supervisor"
            time.sleep(0.1)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        workers.check_port_free("127.0.0.1", port)  # free again: no PortInUse
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_second_serve_on_a_held_port_refuses(md_env):
    port = free_port()
    env = {**os.environ, "MD_COMPANION_SECRET_KEY": "serve-test-secret-0123456789"}
    first = _start_serve(port, env)
    try:
        before = _listening(port)
        second = subprocess.run(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert (
            f"Error: 端口 127.0.0.1:{port} 已被占用（Address already in use）：另一个 meterdesk "
            "serve 或其工作进程仍在运行？先停止它，或用 --port 换一个端口"
        ) in second.stderr
        # The first one still serves, alone: its listening sockets and no others.
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).text == "ok"
        assert _listening(port) == before and len(before) == 2
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=30)
