"""Every client follows a failover by itself through a multi-host URL: the URL is read
wherever a database URL is (messages, doctor, keyring, pg_dump), a desktop action failing
during the switch says so and succeeds when clicked again, the companion answers 503 with
Retry-After (a payment callback in the provider's failure form) until the promoted standby
takes writes, and then settles the provider's retry."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from desktop.app import ensure_application
from desktop.connection import describe_database
from desktop.tasks import TaskError, TaskRunner
from server.companion import app as companion_app
from server.companion.pay import PayRuntime
from server.companion.settings import CompanionSettings
from server.config import load_settings
from server.db import credentials
from server.db.engine import make_engine, make_sessionmaker, normalise_url, unit_of_work
from server.db.migrate import head_revision
from server.db.models import Account, JobRun, Payment
from server.db.reach import NO_PRIMARY, database_place, unreachable_reason
from server.jobs.schedule import Job, Runner
from server.ops.backup import libpq_target
from server.ops.pc_setup import ConnectionSpec, check_connection
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.online_pay import orders
from tests import factories as f
from tests.companion.support import LiveServer, start_live
from tests.desktop.test_desktop_tasks import LOST
from tests.ha.cluster import Cluster, running_cluster
from tests.payfakes import (
    Keys,
    PayStandIn,
    load_config,
    wechat_notify,
    wechat_transaction,
    write_config,
)

pytest_plugins = ["tests.online_pay_fixtures"]

URL = (
    "postgresql://clerk:s3cret@db-a.campus:5432,db-b.campus:5433/meterdesk"
    "?target_session_attrs=read-write&sslmode=verify-full"
)
NOTIFY = "/pay/wechat/notify"
WAIT_MS = 15_000
METERDESK = str(Path(sys.executable).parent / "meterdesk")
PASSWORD = "s3cret-never-shown"


def test_a_url_naming_two_servers_is_read_wherever_a_url_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    normal = normalise_url(URL)
    parsed = make_url(normal)
    assert parsed.drivername == "postgresql+psycopg"
    assert parsed.query["host"] == ("db-a.campus:5432", "db-b.campus:5433")
    connect = make_engine(normal).dialect.create_connect_args(parsed)[1]
    assert (connect["host"], connect["port"]) == ("db-a.campus,db-b.campus", "5432,5433")
    assert connect["target_session_attrs"] == "read-write"
    # Where the messages and doctor say the database is, never the password.
    for spelling in (URL, normal):
        assert database_place(spelling) == "db-a.campus:5432,db-b.campus:5433/meterdesk"
    assert describe_database(URL, embedded=False).host == "db-a.campus,db-b.campus:5433"
    # One keyring entry for the pair: the standby takes the same login.
    assert credentials.credential_name(URL) == "clerk@db-a.campus:5432,db-b.campus:5433/meterdesk"
    kept = {"clerk@db-a.campus:5432,db-b.campus:5433/meterdesk": "from-keyring"}
    monkeypatch.setattr(credentials.keyring, "get_password", lambda _, name: kept.get(name))
    bare = "postgresql+psycopg://clerk@db-a.campus:5432,db-b.campus:5433/meterdesk"
    assert make_url(credentials.with_stored_password(bare)).password == "from-keyring"
    # pg_dump and pg_restore get libpq's own spelling, the password only in the environment.
    uri, env = libpq_target(normal)
    assert uri == (
        "postgresql://clerk@db-a.campus:5432,db-b.campus:5433/meterdesk"
        "?sslmode=verify-full&target_session_attrs=read-write"
    )
    assert env["PGPASSWORD"] == "s3cret"


def topup_order(sessions: sessionmaker[Session], home: Path) -> str:
    """Prepaid account P001 and a WeChat order topping it up by 30.00 (its number)."""
    with unit_of_work(sessions) as session:
        f.account(session, "P001", billing_mode="prepaid")
        order = orders.create_order(
            session, Actor(label="wechat o-ha"), "P001", "wechat",
            load_config(home).order_expiry, topup=D("30.00"),
        )  # fmt: skip
    return order.order_no


def live_companion(url: str, home: Path) -> LiveServer:
    """The companion service on loopback, with the WeChat Pay merchant written to `home`."""
    live = start_live(CompanionSettings(secret_key="ha-secret-key-0123456789abcdef"), url)
    live.app.state.online_pay = PayRuntime.of(load_config(home))
    return live


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with running_cluster() as running:
        yield running


def test_desktop_and_companion_follow_the_promoted_standby(
    cluster: Cluster, tmp_path: Path, pay_keys: Keys, pay_standin: PayStandIn, qtbot
) -> None:
    ensure_application("zh_CN")
    write_config(tmp_path, pay_keys, pay_standin.url)
    url = cluster.create_database("meterdesk")
    primary, standby = cluster.primary, cluster.standbys[0]
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    order_no = topup_order(sessions, tmp_path)
    live = live_companion(url, tmp_path)
    runner = TaskRunner(sessions)
    ports: list[int] = []
    errors: list[TaskError] = []

    def server_port(session: Session) -> int:
        return int(session.scalar(text("select inet_server_port()")))

    def click() -> None:
        with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy,
                              timeout=WAIT_MS):  # fmt: skip
            runner.run(server_port, on_success=ports.append, on_failure=errors.append)

    try:
        click()
        assert (ports, errors) == ([primary.port], [])
        assert requests.get(live.url + "/healthz", timeout=10).status_code == 200

        primary.stop("immediate")
        click()
        assert ports == [primary.port] and [e.message for e in errors] == [LOST]
        health = requests.get(live.url + "/healthz", timeout=10)
        assert (health.status_code, health.headers["Retry-After"]) == (503, "5")
        headers, body = wechat_notify(pay_keys, wechat_transaction(order_no, 3000))
        answer = requests.post(live.url + NOTIFY, data=body, headers=headers, timeout=10)
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")
        assert answer.json()["code"] == "FAIL"  # WeChat's failure form: it sends again
        with pytest.raises(OperationalError) as lost, unit_of_work(sessions) as session:
            session.execute(text("select 1"))
        assert unreachable_reason(lost.value) == NO_PRIMARY

        standby.promote()
        click()  # the same action, clicked again
        assert ports == [primary.port, standby.port] and len(errors) == 1
        assert requests.get(live.url + "/healthz", timeout=10).status_code == 200
        retried = requests.post(live.url + NOTIFY, data=body, headers=headers, timeout=10)
        assert (retried.status_code, retried.content) == (204, b"")
        with unit_of_work(sessions) as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 1
            balance = session.scalar(select(Account.balance).where(Account.account_no == "P001"))
            assert balance == D("30.00")
    finally:
        runner.shutdown()
        live.stop()
        engine.dispose()


def meterdesk(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MD_")}
    env |= {"MD_HOME": str(home), "DATABASE_URL": url}
    return subprocess.run(
        [METERDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_cli_and_the_scheduled_jobs_follow_the_promoted_standby(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.create_database("meterdesk")
    primary, standby = cluster.primary, cluster.standbys[0]
    a, b = primary.port, standby.port
    # As an administrator writes it in meterdesk.toml: libpq's spelling, with a password.
    url = (
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:{a},127.0.0.1:{b}/meterdesk"
        "?target_session_attrs=read-write&connect_timeout=3"
    )
    head = head_revision()
    status = f"中心数据库：当前版本 {head}，程序需要 {head}\n状态：最新\n"
    engine = make_engine(normalise_url(url))
    runner = Runner(engine, load_settings(tmp_path), [Job("outbox", lambda _: "sent 0")],
                       lambda: datetime(2026, 12, 7, 9, tzinfo=BUSINESS_TZ))  # fmt: skip
    first, second = (datetime(2026, 12, 7, 9, m, tzinfo=BUSINESS_TZ) for m in (0, 5))
    try:
        done = meterdesk(tmp_path, url, "db", "status")
        assert (done.returncode, done.stdout, done.stderr) == (0, status, "")
        assert runner.run_if_due(runner.jobs[0], first).outcome == "ok"

        primary.stop("immediate")
        done = meterdesk(tmp_path, url, "db", "status")
        assert (done.returncode, done.stdout) == (2, "")
        assert (
            done.stderr
            == f"错误：无法连接数据库 127.0.0.1:{a},127.0.0.1:{b}/meterdesk：{NO_PRIMARY}\n"
        )
        assert PASSWORD not in done.stderr
        # The runner's loop logs this and tries again at the next due time.
        with pytest.raises(OperationalError) as lost:
            runner.run_if_due(runner.jobs[0], second)
        assert unreachable_reason(lost.value) == NO_PRIMARY

        standby.promote()
        done = meterdesk(tmp_path, url, "db", "status")
        assert (done.returncode, done.stdout, done.stderr) == (0, status, "")
        assert runner.run_if_due(runner.jobs[0], second).outcome == "ok"
        with unit_of_work(make_sessionmaker(engine)) as session:
            runs = session.execute(select(JobRun.due_at, JobRun.outcome, JobRun.message)).all()
            assert sorted(runs) == [(first, "ok", "sent 0"), (second, "ok", "sent 0")]
    finally:
        engine.dispose()


def test_the_setup_wizard_takes_both_servers_and_follows_the_failover(cluster: Cluster) -> None:
    cluster.create_database("meterdesk")
    primary, standby = cluster.primary, cluster.standbys[0]
    # As typed in the wizard's server field: the second server on another port.
    spec = ConnectionSpec(
        f"127.0.0.1, 127.0.0.1:{standby.port}", primary.port, "meterdesk", "postgres", "", "disable"
    )
    assert spec.url() == (
        f"postgresql+psycopg://postgres@/meterdesk?host=127.0.0.1%3A{primary.port}"
        f"&host=127.0.0.1%3A{standby.port}&sslmode=disable&target_session_attrs=read-write"
    )
    assert check_connection(spec).ok
    primary.stop("immediate")
    refused = check_connection(spec)
    assert (refused.ok, refused.message) == (
        False,
        f"无法连接 127.0.0.1:{primary.port},127.0.0.1:{standby.port}/meterdesk：{NO_PRIMARY}",
    )
    standby.promote()
    assert check_connection(spec).ok


def test_after_a_quiet_failover_the_first_callback_is_settled(
    cluster: Cluster,
    tmp_path: Path,
    pay_keys: Keys,
    pay_standin: PayStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No request came while the primary was down: the companion's pooled connections still
    point at it, and the idle ones are pinged and replaced before the next request."""
    monkeypatch.setattr(companion_app, "IDLE_PING_SECONDS", 0.2)
    write_config(tmp_path, pay_keys, pay_standin.url)
    url = cluster.create_database("meterdesk")
    order_no = topup_order(make_sessionmaker(make_engine(url, poolclass=NullPool)), tmp_path)
    live = live_companion(url, tmp_path)
    try:
        assert requests.get(live.url + "/healthz", timeout=10).status_code == 200
        cluster.fail_over()
        time.sleep(0.3)  # the pooled connection has been idle past the ping threshold
        headers, body = wechat_notify(pay_keys, wechat_transaction(order_no, 3000))
        answer = requests.post(live.url + NOTIFY, data=body, headers=headers, timeout=10)
        assert (answer.status_code, answer.content) == (204, b"")
        with unit_of_work(live.sessions) as session:
            balance = session.scalar(select(Account.balance).where(Account.account_no == "P001"))
            assert balance == D("30.00")
            assert session.scalar(text("select inet_server_port()")) == cluster.primary.port
    finally:
        live.stop()
