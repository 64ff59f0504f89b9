"""installer/postgres_roles.sql on a fresh database (run by psql, twice, around the owner's
migration) and what each role may then do; `meterdesk doctor` on a healthy setup (the
application role) and broken ones (the owner role, an unreachable server)."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from server.cli import cli
from server.db.engine import ensure_database, make_sessionmaker, unit_of_work
from server.db.migrate import head_revision, upgrade
from server.ops import doctor
from server.ops.backup import libpq_target, pg_program
from server.services.collection.till import close_till
from server.services.staff.sign_in import staff_identity
from tests.conftest import _admin_execute
from tests.ops.test_backup import hold_money

ROLES_SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "postgres_roles.sql"


def apply_roles(admin_url: str, database: str) -> str:
    psql = pg_program("psql", 0)
    uri, env = libpq_target(admin_url)
    done = subprocess.run(
        [str(psql), "-X", "-q", "-v", f"db={database}", "-f", str(ROLES_SCRIPT), "-d", uri],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


def sqlstate(exc: DBAPIError) -> str:
    return getattr(exc.orig, "sqlstate", "")


@pytest.fixture(scope="module")
def central(pg_admin_url):
    """A database set up as the README says: roles script, migration by the owner, roles
    script again; held money data (the clerk's part paid as meterdesk_app)."""
    name = f"md_central_{os.getpid()}"
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')
    admin_db = ensure_database(pg_admin_url, name)
    assert apply_roles(pg_admin_url, name) == f"MeterDesk roles ready on database {name}\n"
    upgrade(as_role(admin_db, "meterdesk_owner"))
    apply_roles(pg_admin_url, name)
    apply_roles(pg_admin_url, name)  # idempotent
    app = as_role(admin_db, "meterdesk_app")
    hold_money(as_role(admin_db, "meterdesk_owner"), clerk_url=app)
    yield admin_db
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')


def test_app_role_takes_payments_but_cannot_rewrite_them(central):
    app = create_engine(as_role(central, "meterdesk_app"))
    with app.connect() as conn:
        # The payments of hold_money went in as this role: 50.00 + 15.00 + 5.00.
        assert conn.execute(text("select sum(amount) from payment")).scalar_one() == D("70.00")
    for sql in (
        "update payment set amount = 1",
        "delete from receipt",
        "update bill set total = 0",  # only bill.status may change
        "delete from account",
        "update alembic_version set version_num = 'x'",
        "create table mine (x int)",
    ):
        with pytest.raises(DBAPIError) as refused, app.begin() as conn:
            conn.execute(text(sql))
        assert sqlstate(refused.value) == "42501", sql  # insufficient_privilege
    with app.begin() as conn:
        # The columns the services change are granted: a bill's status, an account's data.
        conn.execute(text("update bill set status = status"))
        conn.execute(text("update account set holder_name = holder_name"))
    # Closing the day updates till_session's close columns, as meterdesk_app.
    with unit_of_work(make_sessionmaker(app)) as session:
        wang = staff_identity(session, "wang").actor
        day = close_till(session, wang, D("165.00"))
    # 100.00 float + 50.00 + 15.00 cash (the voided 5.00 is not in the till) = 165.00
    assert day.over_short == D("0.00")
    app.dispose()


def test_report_role_reads_only(central):
    report = create_engine(as_role(central, "meterdesk_report"))
    with report.connect() as conn:
        assert conn.execute(text("select count(*) from receipt")).scalar_one() == 3
    with pytest.raises(DBAPIError) as refused, report.begin() as conn:
        conn.execute(text("insert into campus (name) values ('x')"))
    assert sqlstate(refused.value) in ("42501", "25006")  # privilege / read-only transaction
    report.dispose()


@pytest.fixture
def doctor_env(md_env, monkeypatch, tmp_path):
    monkeypatch.setenv("MD_WECHAT_TOKEN", "tok")
    monkeypatch.setenv("MD_WECHAT_APP_ID", "wx123")
    monkeypatch.setenv("MD_WECHAT_APP_SECRET", "s3cret")
    monkeypatch.setenv("MD_SMS_PROVIDER", "tencent")
    for key in ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SDK_APP_ID", "TEMPLATE_CODE"):
        monkeypatch.setenv(f"MD_SMS_{key}", key.lower())
    for key in ("TEMPLATE_REMINDER", "TEMPLATE_LOW_BALANCE", "TEMPLATE_TASK"):
        monkeypatch.setenv(f"MD_SMS_{key}", key.lower())
    return monkeypatch


def run_doctor(url: str) -> tuple[int, list[str]]:
    from server.config import load_settings

    checks = doctor.run_checks(
        load_settings(), url, printers=lambda: ["Receipt-58"], ports=lambda: ["/dev/ttyUSB0"]
    )
    return int(doctor.failed(checks)), [check.line() for check in checks]


def test_doctor_healthy_as_the_app_role(central, doctor_env):
    status, lines = run_doctor(as_role(central, "meterdesk_app"))
    name = make_url(central).database
    assert status == 0, lines
    assert lines[0].startswith(f"✓ 中心数据库 {name} 可连接（PostgreSQL ")
    assert lines[1:4] == [
        "✓ 数据库连接在本机（Unix 套接字或回环地址），无需 TLS",
        f"✓ 数据库结构版本 {head_revision()}（最新）",
        "✓ 以 meterdesk_app 连接：可收款，不能修改或删除收款、收据",
    ]
    assert lines[4].startswith("✓ 中文字体 ")  # .ci/run installs fonts-wqy-microhei
    assert lines[5:] == [
        "✓ 打印机：Receipt-58",
        "✓ 串口：/dev/ttyUSB0",
        "✓ 微信设置齐全（app_id wx123）",
        "✓ 短信通道 tencent（签名「水电保障中心」）",
    ]


def test_doctor_flags_the_owner_role_and_missing_settings(central, doctor_env):
    doctor_env.delenv("MD_WECHAT_APP_SECRET")
    status, lines = run_doctor(as_role(central, "meterdesk_owner"))
    assert status == 1
    assert lines[3] == (
        "✗ 以 meterdesk_owner 连接（拥有数据表、可修改 payment、可删除 receipt、可直接改写工作人员"
        "密码） — 桌面程序和伴随服务应以 "
        "meterdesk_app 连接（见 installer/postgres_roles.sql）；meterdesk_owner 只用于 db upgrade"
    )
    assert lines[-2].startswith("✗ 微信设置缺少 wechat.app_secret — 在 ")
    assert lines[-2].endswith("的 [wechat] 中填写，或设置 MD_WECHAT_APP_SECRET")


def test_doctor_command_on_an_unreachable_database(doctor_env):
    # Nothing listens on port 1 of this machine.
    doctor_env.setenv("DATABASE_URL", "postgresql://meterdesk_app@127.0.0.1:1/meterdesk")
    result = CliRunner().invoke(cli, ["doctor", "--skip", "printers", "--skip", "serial"])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("✗ 数据库无法连接：connection failed: ")
    assert first.endswith(
        " — 检查 database.url（或 DATABASE_URL）、服务器是否运行、pg_hba.conf 与防火墙"
    )
    assert result.output.splitlines()[1:] == [
        result.output.splitlines()[1],  # the font line, whatever this machine has
        "✓ 微信设置齐全（app_id wx123）",
        "✓ 短信通道 tencent（签名「水电保障中心」）",
    ]


def test_sms_console_outside_development_is_marked(doctor_env):
    from server.config import load_settings

    def sms_line() -> str:
        skip = ("database", "fonts", "printers", "serial", "wechat")
        [check] = doctor.run_checks(load_settings(), "", skip=skip)
        return check.line()

    home = load_settings().home
    fix = (
        f"在 {home / 'meterdesk.toml'} 的 [sms] 中设置 provider（aliyun 或 tencent）"
        "及其密钥、短信签名和模板 ID"
    )
    doctor_env.delenv("MD_SMS_TEMPLATE_REMINDER")
    assert sms_line() == (
        "✗ 短信通道 tencent 缺少 sms.template_reminder：居民收不到验证码，无法注册 — " + fix
    )
    doctor_env.setenv("MD_SMS_PROVIDER", "console")
    doctor_env.setenv("MD_COMPANION_DEV_LOGIN", "false")
    assert sms_line() == (
        "✗ 短信通道为 console（只写日志，不发送）：居民收不到验证码，无法注册 — " + fix
    )
    doctor_env.setenv("MD_COMPANION_DEV_LOGIN", "true")
    assert sms_line() == "✓ 短信通道 console：开发模式（companion.dev_login），验证码只写入日志"


def test_probes_that_cannot_tell_do_not_fail(doctor_env):
    from server.config import load_settings

    def windows() -> list[str]:
        raise doctor.NotChecked("Windows 上请在桌面程序的打印对话框中查看打印机")

    checks = doctor.run_checks(
        load_settings(),
        "",
        skip=("database", "fonts", "wechat", "sms"),
        printers=windows,
        ports=list,
    )
    assert [c.line() for c in checks] == [
        "– 打印机：未检查（Windows 上请在桌面程序的打印对话框中查看打印机）",
        "✗ 未发现串口 — 连接掌上机或 USB 转串口线并安装其驱动；服务器上可用 --skip serial",
    ]
    assert doctor.failed(checks)


def test_doctor_on_a_central_database_not_yet_migrated(pg_admin_url, doctor_env):
    name = f"md_unmigrated_{os.getpid()}"
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')
    url = ensure_database(pg_admin_url, name)
    try:
        status, lines = run_doctor(url)
    finally:
        _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')
    assert status == 1
    assert lines[2:4] == [
        f"✗ 数据库结构版本 空，本程序需要 {head_revision()} — 以 meterdesk_owner 运行 "
        "meterdesk db upgrade，再重新运行 installer/postgres_roles.sql",
        "✗ 以 postgres 连接，但没有 payment 表 — 先运行 meterdesk db upgrade",
    ]
