"""Issue 19, item 5: the attacks made with the application role's password (every counter PC
holds it), each refused by PostgreSQL with its SQLSTATE, beside the legal paths through
the services, which still work as that role. Migration 0020 is what refuses them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from server.db.engine import APP_ROLE, make_sessionmaker, unit_of_work
from server.ops import doctor
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.online_pay.orders import create_order, settle
from server.services.online_pay.providers import TradeState
from server.services.staff.own_profile import change_password
from server.services.staff.sign_in import authenticate, staff_identity
from server.services.staff.staff_admin import reset_password
from tests import factories as f
from tests.ops.test_backup import hold_money

INSUFFICIENT_PRIVILEGE = "42501"
CHECK_VIOLATION = "23514"


@dataclass
class World:
    owner: Engine  # the tables' owner (here the test server's superuser)
    app: Engine  # meterdesk_app, as the desktop and the companion service connect

    def refused(self, *statements: str) -> str:
        """Run `statements` in one transaction as the app role; the SQLSTATE refusing them."""
        with pytest.raises(DBAPIError) as refused, self.app.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
        return getattr(refused.value.orig, "sqlstate", "")

    def value(self, sql: str) -> object:
        with self.owner.connect() as conn:
            return conn.execute(text(sql)).scalar_one()


@pytest.fixture
def world(fresh_database_url: str) -> Iterator[World]:
    """hold_money's A001 (bills 2026-09 40.00 and 2026-10 25.00, both paid by clerk wang as
    the app role, 5.00 on the balance), an open bill 2026-11 of 30.00 and an administrator."""
    app_url = make_url(fresh_database_url).set(username=APP_ROLE)
    hold_money(fresh_database_url, clerk_url=app_url.render_as_string(hide_password=False))
    owner = create_engine(fresh_database_url)
    with unit_of_work(make_sessionmaker(owner)) as session:
        account_id = session.execute(text("select id from account")).scalar_one()
        f.bill(session, account_id, "2026-11", "30.00")
        f.staff(session, "root", role="admin")
    app = create_engine(app_url)
    yield World(owner, app)
    app.dispose()
    owner.dispose()


def test_the_app_role_is_no_superuser_and_owns_nothing(world):
    with world.app.connect() as conn:
        assert conn.execute(
            text("select rolsuper, rolcreaterole from pg_roles where rolname = current_user")
        ).one() == (False, False)
        assert (
            conn.execute(
                text(
                    "select count(*) from pg_class where relowner = (select oid from pg_roles"
                    " where rolname = current_user)"
                )
            ).scalar_one()
            == 0
        )


def test_a_bill_is_not_marked_paid_or_void_by_hand(world):
    assert world.refused("update bill set status = 'paid' where period = '2026-11'") == (
        CHECK_VIOLATION
    )
    # Void needs its credit note; the check runs at commit.
    assert world.refused("update bill set status = 'void' where period = '2026-11'") == (
        CHECK_VIOLATION
    )
    # A paid bill does not go back to open either (its 40.00 is allocated).
    assert world.refused("update bill set status = 'open' where period = '2026-09'") == (
        CHECK_VIOLATION
    )
    assert world.refused("update bill set total = 0 where period = '2026-11'") == (
        INSUFFICIENT_PRIVILEGE
    )
    # The legal path: the clerk takes the 30.00 and the bill is paid.
    with unit_of_work(make_sessionmaker(world.app)) as session:
        wang = staff_identity(session, "wang").actor
        take_payment(session, wang, PaymentRequest("A001", D("30.00"), "cash", "D"))
    assert world.value("select status from bill where period = '2026-11'") == "paid"


def _paid_order(world: World) -> str:
    """A WeChat order for the open 30.00, created and settled as the app role."""
    with unit_of_work(make_sessionmaker(world.app)) as session:
        order = create_order(session, f.ACTOR, "A001", "wechat", timedelta(hours=2))
        state = TradeState("wechat", "mch1", order.order_no, "WX0001", 3000, True, "SUCCESS")
        assert settle(session, state, "notify").outcome == "applied"
    return order.order_no


def test_a_paid_order_is_not_reset(world):
    order_no = _paid_order(world)
    assert world.value(f"select status from payment_order where order_no = '{order_no}'") == (
        "paid"
    )
    assert world.value("select status from bill where period = '2026-11'") == "paid"
    where = f"where order_no = '{order_no}'"
    for sql in (
        f"update payment_order set status = 'created', payment_id = null, trade_no = '' {where}",
        f"update payment_order set status = 'closed' {where}",
        f"update payment_order set trade_no = 'WX0002' {where}",
    ):
        assert world.refused(sql) == CHECK_VIOLATION, sql
    assert world.refused(f"delete from payment_order {where}") == INSUFFICIENT_PRIVILEGE


def test_a_made_up_payment_is_refused(world):
    account = "(select id from account where account_no = 'A001')"
    # Online money with no paid order or credited exception behind it: refused at commit.
    assert (
        world.refused(
            "insert into payment (account_id, amount, channel, reference, bank)"
            f" values ({account}, 999.00, 'online', 'FAKE1', '微信支付')"
        )
        == CHECK_VIOLATION
    )
    # Nor can an order or an exception be written already settled, to back one.
    cash = "(select min(id) from payment)"
    assert (
        world.refused(
            "insert into payment_order (order_no, account_id, amount, provider, bills, description,"
            " openid, txn_time, actor, expires_at, status, prepay_id, trade_no, paid_at,"
            f" payment_id, settled_by, query_count) values ('F1', {account}, 50.00, 'wechat', '[]',"
            f" 'x', '', '', 'x', now(), 'paid', '', 'FAKE1', now(), {cash}, 'notify', 0)"
        )
        == CHECK_VIOLATION
    )
    assert (
        world.refused(
            "insert into payment_exception (provider, kind, order_no, trade_no, amount, detail,"
            " status, resolution, refund_reference, resolved_actor, payment_id) values"
            f" ('wechat', 'unknown', 'F1', 'FAKE1', 50.00, '', 'credited', '', '', '', {cash})"
        )
        == CHECK_VIOLATION
    )
    # An order created honestly is not paid by a payment of another amount.
    with unit_of_work(make_sessionmaker(world.app)) as session:
        order_no = create_order(session, f.ACTOR, "A001", "wechat", timedelta(hours=2)).order_no
    assert (
        world.refused(
            "insert into payment (account_id, amount, channel, reference, bank)"
            f" values ({account}, 0.01, 'online', 'FAKE2', '微信支付')",
            "update payment_order set status = 'paid', trade_no = 'FAKE2', paid_at = now(),"
            " payment_id = (select id from payment where reference = 'FAKE2')"
            f" where order_no = '{order_no}'",
        )
        == CHECK_VIOLATION
    )
    assert world.value("select count(*) from payment where channel = 'online'") == 0
    # 50.00 + 15.00 + 5.00 from hold_money: nothing was added.
    assert world.value("select sum(amount) from payment") == D("70.00")


def test_the_administrator_password_is_not_overwritten(world):
    root = world.value("select id from staff where login = 'root'")
    wang = world.value("select id from staff where login = 'wang'")
    before = world.value("select password_hash from staff where login = 'root'")
    assert (
        world.refused(f"update staff set password_hash = 'known' where id = {root}")
        == INSUFFICIENT_PRIVILEGE
    )
    assert (
        world.refused(f"select md_change_password({root}, 'a guess', 'known')")
        == INSUFFICIENT_PRIVILEGE
    )
    # A clerk is no administrator: no reset in their name.
    assert (
        world.refused(f"select md_reset_password({root}, 'known', {wang})")
        == INSUFFICIENT_PRIVILEGE
    )
    assert world.value("select password_hash from staff where login = 'root'") == before
    # The legal paths, as the app role: wang changes his own password with the old one,
    # the administrator resets wang's.
    sessions = make_sessionmaker(world.app)
    with unit_of_work(sessions) as session:
        change_password(session, staff_identity(session, "wang").actor, "Counter2026", "Wang#2027x")
    with unit_of_work(sessions) as session:
        assert authenticate(session, "wang", "Wang#2027x").login == "wang"
    with unit_of_work(sessions) as session:
        reset_password(session, staff_identity(session, "root").actor, "wang", "Reset#2027y")
    with unit_of_work(sessions) as session:
        assert authenticate(session, "wang", "Reset#2027y").login == "wang"


@pytest.mark.parametrize(
    "sql",
    [
        "truncate payment",
        "truncate audit_event cascade",
        "drop trigger payment_append_only on payment",
        "alter table payment disable trigger all",
        "set session_replication_role = replica",
        "alter role meterdesk_app superuser",
        "select md_grant_app_role()",
        "create table mine (x int)",
        "delete from receipt",
        "update alembic_version set version_num = '0001'",
    ],
)
def test_append_only_is_not_undone(world, sql):
    assert world.refused(sql) == INSUFFICIENT_PRIVILEGE
    assert world.value("select count(*) from payment") == 3
    assert (
        world.value(
            "select count(*) from pg_trigger"
            " where tgname = 'payment_append_only' and tgenabled = 'O'"
        )
        == 1
    )


EMBEDDED = """
from sqlalchemy import create_engine, text
from server.config import load_settings
from server.db.engine import database_url
from server.db.migrate import prepare
url = database_url(load_settings())
prepare(url, embedded=True)
engine = create_engine(url)
with engine.connect() as conn:
    print(conn.execute(text("select current_user, rolsuper from pg_roles"
                            " where rolname = current_user")).one())
try:
    with engine.begin() as conn:
        conn.execute(text("set session_replication_role = replica"))
except Exception as exc:
    print(exc.orig.sqlstate)
engine.dispose()
"""


def test_the_embedded_server_runs_the_app_as_a_plain_role():
    # Not under pytest's tmp_path: pgserver runs PostgreSQL as its own user when root.
    home = Path(tempfile.mkdtemp(prefix="md_home_"))
    env = {"MD_HOME": str(home), "PATH": "/usr/bin:/bin", "HOME": str(home)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", EMBEDDED], env=env, capture_output=True, text=True, timeout=180
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["('meterdesk_app', False)", INSUFFICIENT_PRIVILEGE]


def test_doctor_marks_an_app_login_that_could_undo_append_only(fresh_database_url):
    app = make_url(fresh_database_url).set(username=APP_ROLE).render_as_string(False)
    superuser = make_url(fresh_database_url).username

    def role_line(url: str, *, embedded: bool) -> str:
        return doctor.database_checks(url, embedded=embedded)[3].line()

    assert role_line(app, embedded=True) == (
        "✓ 以 meterdesk_app 连接本机私有的嵌入式数据库（非超级用户，不拥有数据表）"
    )
    assert role_line(fresh_database_url, embedded=True) == (
        f"✗ 以 {superuser} 连接嵌入式数据库（超级用户） — 升级 MeterDesk：程序应以 meterdesk_app "
        "连接嵌入式数据库（启动时自动创建）"
    )
    assert role_line(app, embedded=False) == (
        "✓ 以 meterdesk_app 连接：可收款，不能修改或删除收款、收据"
    )
    assert role_line(fresh_database_url, embedded=False) == (
        f"✗ 以 {superuser} 连接（超级用户、可修改 payment、可删除 receipt、可直接改写工作人员密码）"
        " — 桌面程序和伴随服务应以 meterdesk_app 连接（见 installer/postgres_roles.sql）；"
        "meterdesk_owner 只用于 db upgrade"
    )
