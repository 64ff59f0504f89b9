"""Fixtures shared by the online payment tests: keys made once per session, the provider
stand-in, the [pay] config written to a test MD_HOME, and the companion service running on
loopback with those providers against a fresh database holding account A001
(bills 2026-09 40.00 and 2026-10 25.00) and branches D and E. `demo_world` is the same
service with 演示支付 only (pay.demo on, no merchant), as `meterdesk demo` runs it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy.orm import Session, sessionmaker

from server.companion.pay import PayRuntime
from server.companion.settings import CompanionSettings
from server.config import load_settings
from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.online_pay import orders
from server.services.online_pay.config import PayConfig, pay_config
from server.services.online_pay.demo import DemoPay
from server.services.online_pay.orders import OrderView
from tests import factories as f
from tests.companion.support import LiveServer, start_live
from tests.payfakes import Keys, PayStandIn, load_config, write_config

RESIDENT = Actor(label="wechat o-test")
SECRET_KEY = "test-secret-key-0123456789abcdef"


def _live_with(config: PayConfig, database_url: str) -> LiveServer:
    """The service with `config`'s providers, over A001 (65.00 owed), A002 and branches."""
    live = start_live(CompanionSettings(secret_key=SECRET_KEY, dev_login=True), database_url)
    live.app.state.online_pay = PayRuntime.of(config)
    with unit_of_work(live.sessions) as session:
        f.branches(session)
        f.tariff(session)
        account = f.account(session, "A001")
        f.bill(session, account, "2026-09", "40.00")
        f.bill(session, account, "2026-10", "25.00")
        f.account(session, "A002", billing_mode="prepaid")
    return live


@dataclass
class LiveWorld:
    """The service on loopback with its [pay] config; orders go to `provider` unless told."""

    live: LiveServer
    config: PayConfig
    provider: ClassVar[str] = "wechat"

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.live.sessions

    def order(
        self, provider: str = "", account_no: str = "A001", expiry: timedelta | None = None,
        **kw,
    ) -> OrderView:  # fmt: skip
        with unit_of_work(self.sessions) as session:
            return orders.create_order(
                session, RESIDENT, account_no, provider or self.provider,
                expiry or self.config.order_expiry, **kw,
            )  # fmt: skip


@dataclass
class PayWorld(LiveWorld):
    runtime: PayRuntime
    standin: PayStandIn
    keys: Keys

    def txn_time(self, order_no: str) -> str:
        with unit_of_work(self.sessions) as session:
            return orders.ref_of_order_no(session, order_no).txn_time


@pytest.fixture(scope="session")
def pay_keys() -> Keys:
    return Keys()


@pytest.fixture
def pay_standin(pay_keys: Keys) -> Iterator[PayStandIn]:
    server = PayStandIn(pay_keys)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pay_world(
    tmp_path: Path, fresh_database_url: str, pay_keys: Keys, pay_standin: PayStandIn
) -> Iterator[PayWorld]:
    write_config(tmp_path, pay_keys, pay_standin.url)
    config = load_config(tmp_path)
    live = _live_with(config, fresh_database_url)
    try:
        yield PayWorld(live, config, live.app.state.online_pay, pay_standin, pay_keys)
    finally:
        live.stop()


@dataclass
class DemoWorld(LiveWorld):
    # The sandbox as the service holds it (its key is the one in MD_HOME).
    sandbox: DemoPay
    provider: ClassVar[str] = "demo"


@pytest.fixture
def demo_world(tmp_path: Path, fresh_database_url: str) -> Iterator[DemoWorld]:
    (tmp_path / "meterdesk.toml").write_text("[pay]\ndemo = true\n", encoding="utf-8")
    config = pay_config(load_settings(tmp_path))
    live = _live_with(config, fresh_database_url)
    try:
        yield DemoWorld(live, config, live.app.state.online_pay.providers["demo"])
    finally:
        live.stop()


@pytest.fixture
def unpaid_world(tmp_path: Path, fresh_database_url: str) -> Iterator[LiveWorld]:
    """The service with no way to pay online: no merchant configured, pay.demo off."""
    config = pay_config(load_settings(tmp_path))
    live = _live_with(config, fresh_database_url)
    try:
        yield LiveWorld(live, config)
    finally:
        live.stop()


@pytest.fixture
def md_env_for(tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """In-process `meterdesk` commands see the test's [pay] config (written to tmp_path by
    pay_world) and its database."""
    monkeypatch.setenv("MD_HOME", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    for name in list(os.environ):
        if name.startswith("MD_") and name not in ("MD_HOME", "MD_TEST_DATABASE_URL"):
            monkeypatch.delenv(name)
    return fresh_database_url
