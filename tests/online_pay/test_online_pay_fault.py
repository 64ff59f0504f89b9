"""The fault test of issue 7: the service process is killed between receiving a notify
and answering it; after a restart the provider's retry settles it, once.

`meterdesk serve` runs as a real process. The test holds the order's row lock, so the
server has read and verified the notify and is inside its transaction when it is killed
(SIGKILL: no cleanup, no answer)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Payment, PaymentNotification, PaymentOrder
from server.services.core.audit import Actor
from server.services.online_pay import orders
from tests import factories as f
from tests.companion.support import free_port
from tests.payfakes import Keys, wechat_notify, wechat_transaction, write_config

pytest_plugins = ["tests.online_pay_fixtures"]


def _serve(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MD_HOME": str(home),
        "MD_COMPANION_SECRET_KEY": "fault-test-secret-key-0123456789",
        "MD_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).raise_for_status()
            return server
        except requests.RequestException:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("meterdesk serve did not start") from None
            time.sleep(0.2)


def test_killed_before_answering_then_the_retry_settles_once(
    tmp_path: Path, fresh_database_url: str, pay_keys: Keys, pay_standin
) -> None:
    write_config(tmp_path, pay_keys, pay_standin.url)
    engine = create_engine(fresh_database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        f.branches(session)
        f.tariff(session)
        f.bill(session, f.account(session, "A001"), "2026-09", "40.00")
        order = orders.create_order(
            session, Actor(label="wechat o-fault"), "A001", "wechat", timedelta(minutes=30)
        )
    transaction = wechat_transaction(order.order_no, 4000)
    port = free_port()
    notify_url = f"http://127.0.0.1:{port}/pay/wechat/notify"
    server = _serve(tmp_path, fresh_database_url, port)
    answers: list[object] = []
    try:
        with engine.connect() as blocker:
            blocker.execute(
                text("select id from payment_order where order_no = :o for update"),
                {"o": order.order_no},
            )

            def send() -> None:
                headers, body = wechat_notify(pay_keys, transaction)
                try:
                    answers.append(
                        requests.post(notify_url, data=body, headers=headers, timeout=30)
                    )
                except requests.RequestException as exc:
                    answers.append(exc)

            sender = threading.Thread(target=send)
            sender.start()
            # Wait until the server's transaction is queued behind our lock.
            deadline = time.monotonic() + 20
            while True:
                waiting = blocker.execute(
                    text(
                        "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                        " and datname = current_database()"
                    )
                ).scalar()
                if waiting:
                    break
                assert time.monotonic() < deadline, "the notify never reached the order lock"
                time.sleep(0.05)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            blocker.rollback()
        sender.join(timeout=30)
        assert len(answers) == 1 and isinstance(answers[0], requests.RequestException)
        with unit_of_work(sessions) as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 0
            status = session.scalar(select(PaymentOrder.status))
        assert status == "created"
        # WeChat retries (signed afresh) once the service is back.
        server = _serve(tmp_path, fresh_database_url, port)
        for _ in range(2):
            headers, body = wechat_notify(pay_keys, transaction)
            assert (
                requests.post(notify_url, data=body, headers=headers, timeout=30).status_code == 204
            )
        with unit_of_work(sessions) as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 1
            outcomes = session.scalars(select(PaymentNotification.outcome)).all()
        assert sorted(outcomes) == ["applied", "duplicate"]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        engine.dispose()
