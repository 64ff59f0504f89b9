"""`meterdesk serve` and `meterdesk worker` as an operator starts them, two real processes
on one database: the jobs run, the day's due time once, SIGTERM stops the worker cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests
from sqlalchemy import create_engine, text

from tests.companion.support import free_port


def wait_for(what: str, check, processes, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        for process in processes:
            assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.2)
    return found


def test_serve_and_a_worker_run_the_jobs_side_by_side(md_env):
    env = {
        **os.environ,
        "MD_COMPANION_SECRET_KEY": "jobs-test-secret-0123456789",
        # One due time a day: whichever process comes first runs it, the other finds it run.
        "MD_JOBS_OUTBOX_EVERY": "1d",
        "MD_JOBS_PAY_QUERY_ENABLED": "false",
        "MD_JOBS_REMOTE_PULL_ENABLED": "false",
        "MD_JOBS_BILL_NOTICES_ENABLED": "false",
        "MD_JOBS_REMINDERS_ENABLED": "false",
        "MD_JOBS_CONTROL_SEND_ENABLED": "false",
        "MD_JOBS_CONTROL_POLICY_ENABLED": "false",
    }
    port = free_port()
    commands = (
        ["serve", "--port", str(port), "--workers", "1"],
        ["worker"],
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "server.cli", *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for command in commands
    ]
    engine = create_engine(md_env)

    def finished_runs():
        with engine.connect() as connection:
            return connection.execute(
                text("select job, outcome, message from job_run where finished_at is not null")
            ).all()

    try:
        wait_for(
            "serve answering",
            lambda: _healthy(port),
            processes,
        )
        runs = wait_for("the outbox job", finished_runs, processes)
        assert runs == [("outbox", "ok", "已发送 0，待重试 0，失败 0")]
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        outputs = [p.communicate(timeout=30)[0].decode() for p in processes]
        codes = [p.returncode for p in processes]
    # Whichever ticked second found the day's due time run (the lock and the unique row
    # themselves are tested in test_schedule with a test clock).
    assert finished_runs() == runs
    engine.dispose()
    assert "定时任务运行中：outbox" in outputs[1]
    assert codes[1] == 0, outputs[1]


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).text == "ok"
    except requests.ConnectionError:
        return False
