"""The embedded PostgreSQL in MD_HOME: shared by several processes, stopped by the last."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOLDER = """
import sys, time
from server.config import load_settings
from server.db.engine import database_url
print(database_url(load_settings()), flush=True)
sys.stdin.readline()
"""


def _postmaster_pid(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    return int(pidfile.read_text().splitlines()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_processes_share_one_server_and_the_last_one_stops_it():
    home = Path(tempfile.mkdtemp(prefix="md_home_"))
    env = {**os.environ, "MD_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    env.pop("MD_DATABASE_URL", None)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = holder.stdout.readline().strip()
        assert url.startswith("postgresql+psycopg://") and "/meterdesk?host=" in url
        pid = _postmaster_pid(home / "pgdata")
        assert pid is not None and _alive(pid)
        # A second process (the CLI) joins the same server rather than starting another.
        status = subprocess.run(
            [sys.executable, "-m", "server.cli", "db", "status"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "嵌入式数据库：当前版本 空" in status.stdout
        assert status.returncode == 1  # not migrated yet: says so and fails
        assert _postmaster_pid(home / "pgdata") == pid and _alive(pid)
    finally:
        holder.communicate("\n", timeout=60)
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid)
