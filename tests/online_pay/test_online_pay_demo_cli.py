"""演示支付 from the command line (issue 14): `meterdesk demo` serves the residents' pages with
the development sign-in and 演示支付 while its desktop runs, and `meterdesk serve` refuses
pay.demo against a central database."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import click
import pytest
import requests
from click.testing import CliRunner

import server.cli.demo as demo_cli
from server.cli import cli
from server.config import load_settings
from server.db.engine import (
    database_url,
    make_engine,
    make_sessionmaker,
    start_embedded,
    stop_embedded,
    unit_of_work,
)
from server.services.online_pay.desk import online_payments
from tests.companion.support import csrf_of

PHONE_PAGES = re.compile(r"住户手机页面：(http://127\.0\.0\.1:\d+)/h5/")
MESSAGES = re.compile(r"演示消息：(http://127\.0\.0\.1:\d+/)（")
HINT = re.compile(r"“开发调试登录”中填 openid (\S+)，即为已绑定户号 (\d+) 的住户")


def test_serve_refuses_demo_pay_against_a_central_database(
    md_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MD_COMPANION_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("MD_PAY_DEMO", "true")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "pay.demo（演示支付）只用于本机嵌入式数据库上的演示" in result.output


@pytest.fixture
def new_pc() -> Iterator[Path]:
    """MD_HOME of a PC never set up. Outside pytest's temporary folder: run as root, the
    embedded server runs as a user of its own, and any pytest session that starts meanwhile
    makes that folder private to root again."""
    folder = Path(tempfile.mkdtemp(prefix="md-demo-"))
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        yield folder / "md_home"
    finally:
        # The command logged to a file in the folder: stop that before the folder goes.
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_meterdesk_demo_serves_the_phone_pages_with_demo_pay(
    new_pc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo on a PC never set up (its own embedded database): while the desktop runs, the
    residents' pages answer; the resident it names signs in and pays a top-up with 演示支付;
    when the desktop exits, the pages stop."""
    home = new_pc
    for name in list(os.environ):
        if name.startswith("MD_") and name != "MD_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("MD_HOME", str(home))
    printed: list[str] = []
    echo = click.echo

    def recorded(message: object = None, *args: object, **kwargs: object) -> None:
        printed.append(str(message))
        echo(message, *args, **kwargs)  # type: ignore[arg-type]

    seen: dict[str, str] = {}

    def desktop(argv: list[str], env: dict[str, str]) -> int:
        """The newcomer, while the desktop is open, follows what the demo printed."""
        [url] = [m.group(1) for line in printed if (m := PHONE_PAGES.search(line))]
        [(openid, account_no)] = [m.groups() for line in printed if (m := HINT.search(line))]
        seen.update(url=url, account_no=account_no)
        # Where the demo's template messages and SMS go instead of WeChat and a gateway.
        [messages] = [m.group(1) for line in printed if (m := MESSAGES.search(line))]
        assert "<title>演示消息</title>" in requests.get(messages, timeout=10).text
        seen["messages"] = messages
        phone = requests.Session()
        login = phone.get(f"{url}/h5/login", timeout=10).text
        phone.post(
            f"{url}/h5/dev-login", data={"openid": openid, "csrf_token": csrf_of(login)}, timeout=10
        )
        page = phone.get(f"{url}/h5/pay", timeout=10).text
        assert f"户号 {account_no}" in page and "演示支付仅用于演示：不会扣款" in page, page
        account_id = re.search(r'name="account" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
        # A top-up (预存) of 50 yuan, which every account may make.
        cashier = phone.post(
            f"{url}/h5/pay",
            data={"account": account_id, "provider": "demo", "topup": "50",
                  "csrf_token": csrf_of(page)},
            timeout=10,
        )  # fmt: skip
        seen["order_no"] = re.search(r'name="order" value="(MD\w+)"', cashier.text).group(1)  # type: ignore[union-attr]
        result = phone.post(
            f"{url}/h5/pay/demo/confirm",
            data={"order": seen["order_no"], "csrf_token": csrf_of(cashier.text)},
            timeout=30,
        )
        seen["status"] = re.search(r'<p id="status">(\w+)</p>', result.text).group(1)  # type: ignore[union-attr]
        return 0

    monkeypatch.setattr(click, "echo", recorded)
    monkeypatch.setattr(demo_cli.subprocess, "call", desktop)
    try:
        outcome = CliRunner().invoke(cli, ["demo", "--accounts", "12"])
        log = home / "logs" / "demo-companion.log"
        assert outcome.exit_code == 0, outcome.output + (log.read_text() if log.exists() else "")
        assert seen["status"] == "已支付"
        # The payment is on the demo database's books, awaiting its receipt at the counter.
        engine = make_engine(database_url(load_settings(home)))
        with unit_of_work(make_sessionmaker(engine)) as session:
            [row] = online_payments(session, seen["order_no"], awaiting_receipt=True)
        engine.dispose()
    finally:
        start_embedded(home / "pgdata")
        stop_embedded(home / "pgdata")
    assert (row.account_no, row.amount, row.provider_label) == (
        seen["account_no"], D("50.00"), "演示支付",
    )  # fmt: skip
    assert "  在线缴费可选“演示支付”（不扣款）；付款后在桌面程序的换开收据中为其开具收据" in printed
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{seen['url']}/healthz", timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(seen["messages"], timeout=5)
    # Nothing was set up for later: pay.demo lived only in the companion's environment.
    assert not (home / "meterdesk.toml").exists()
