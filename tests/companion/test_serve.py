"""`meterdesk serve`: the production server with worker processes, as an operator runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests
from click.testing import CliRunner

from server.cli import cli
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
    assert "Started parent process" in output or "Uvicorn running" in output
