"""`meterdesk backup` / `restore` on real PostgreSQL: a round trip of held money data into
another empty database, the refusals (non-empty target, corrupted file, missing checksum),
the schema-version report, and the retention rule."""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from server.cli import cli
from server.db.engine import ensure_database, make_sessionmaker, unit_of_work
from server.db.migrate import alembic_config, head_revision, upgrade
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.collection.voids import void_receipt
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f
from tests.conftest import _admin_execute

# What a comparison of two databases looks at: counts, money sums and the numbers printed.
SNAPSHOT_QUERIES = {
    "bills": "select count(*), sum(total) from bill",
    "bill_lines": "select count(*), sum(amount) from bill_line",
    "payments": "select count(*), sum(amount) from payment",
    "allocations": "select count(*), sum(amount) from allocation",
    "ledger": "select count(*), sum(amount) from account_ledger",
    "receipt_nos": "select string_agg(receipt_no, ',' order by receipt_no) from receipt",
    "voids": "select count(*) from receipt_void",
    "tills": "select count(*) from till_session",
    "audit": "select count(*) from audit_event",
    "counters": "select string_agg(concat_ws(':', series, year, last_value), ',' "
    "order by series, year) from document_counter",
}


def hold_money(url: str, *, clerk_url: str | None = None) -> list[str]:
    """Bills 40.00 and 25.00 on A001, clerk wang paying 50.00 and 15.00 and 5.00 (the last
    voided) at branch D; committed. `clerk_url` runs the clerk's part on another
    connection (as the application role). Returns the receipt numbers."""
    engine = create_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        a = f.account(session)
        f.bill(session, a, "2026-09", "40.00")
        f.bill(session, a, "2026-10", "25.00")
        add_staff_with_role(
            session, f.ACTOR, login="wang", name="王", password="Counter2026",
            role="clerk", branch_code="D",
        )  # fmt: skip
    engine.dispose()
    engine = create_engine(clerk_url or url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        wang = staff_identity(session, "wang").actor
        open_till(session, wang, D("100.00"))
        numbers = [
            take_payment(session, wang, PaymentRequest("A001", D(amount), "cash", "D")).receipt_no
            for amount in ("50.00", "15.00", "5.00")
        ]
        void_receipt(session, wang, numbers[-1], "收错金额")
    engine.dispose()
    return numbers


def snapshot(url: str) -> dict[str, tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {k: tuple(conn.execute(text(q)).one()) for k, q in SNAPSHOT_QUERIES.items()}
    finally:
        engine.dispose()


def table_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("select count(*) from pg_tables where schemaname = 'public'")
            ).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def empty_database(pg_admin_url):
    """A new database with nothing in it, as an administrator creates one to restore into."""
    name = f"md_restore_{os.getpid()}"
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')
    yield ensure_database(pg_admin_url, name)
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')


def test_round_trip_into_an_empty_database(runner, md_env, empty_database, tmp_path, monkeypatch):
    numbers = hold_money(md_env)
    before = snapshot(md_env)
    # 3 payments: 50.00 + 15.00 + 5.00 = 70.00; the void is a new row, not a change.
    assert before["payments"] == (3, D("70.00"))
    assert before["bills"] == (2, D("65.00"))
    assert before["receipt_nos"] == (",".join(sorted(numbers)),)
    assert before["voids"] == (1,)

    dump = tmp_path / "b.dump"
    made = runner.invoke(cli, ["backup", "-o", str(dump)])
    assert made.exit_code == 0, made.output
    assert made.output.startswith(f"已备份到 {dump}（")
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    assert (tmp_path / "b.dump.sha256").read_text() == f"{digest}  b.dump\n"

    monkeypatch.setenv("DATABASE_URL", empty_database)
    restored = runner.invoke(cli, ["restore", str(dump)])
    assert restored.exit_code == 0, restored.output
    assert restored.output.splitlines()[-1] == f"数据库结构版本 {head_revision()}：最新"
    assert snapshot(empty_database) == before

    # The append-only guard came along with the rows.
    engine = create_engine(empty_database)
    with pytest.raises(DBAPIError, match="payment is append-only"), engine.begin() as conn:
        conn.execute(text("update payment set amount = 0"))
    engine.dispose()


def test_default_name_under_md_home_and_embedded_style_url(runner, md_env):
    made = runner.invoke(cli, ["backup"])
    assert made.exit_code == 0, made.output
    folder = Path(os.environ["MD_HOME"]) / "backups"
    dumps = sorted(p.name for p in folder.iterdir())
    assert len(dumps) == 2 and dumps[1] == dumps[0] + ".sha256"
    assert dumps[0].startswith("meterdesk-") and dumps[0].endswith(".dump")


def test_non_empty_target_is_refused_unless_forced(runner, md_env, tmp_path):
    hold_money(md_env)
    before = snapshot(md_env)
    dump = tmp_path / "b.dump"
    assert runner.invoke(cli, ["backup", "-o", str(dump)]).exit_code == 0
    tables = table_count(md_env)
    name = make_url(md_env).database

    refused = runner.invoke(cli, ["restore", str(dump)])
    assert refused.exit_code == 2
    assert refused.output == (
        f"错误：目标数据库 {name} 不是空的（已有 {tables} 张表）：请恢复到新建的空数据库，"
        "或确认要覆盖后加 --force\n"
    )
    forced = runner.invoke(cli, ["restore", str(dump), "--force"])
    assert forced.exit_code == 0, forced.output
    assert snapshot(md_env) == before


def test_corrupted_or_unchecked_file_is_refused_before_anything(
    runner, md_env, empty_database, tmp_path, monkeypatch
):
    dump = tmp_path / "b.dump"
    assert runner.invoke(cli, ["backup", "-o", str(dump)]).exit_code == 0
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    monkeypatch.setenv("DATABASE_URL", empty_database)

    corrupted = runner.invoke(cli, ["restore", str(dump)])
    assert corrupted.exit_code == 2
    assert corrupted.output == (
        "错误：备份文件 b.dump 校验失败：内容与 b.dump.sha256 不符（文件损坏或不完整），"
        "未做任何恢复\n"
    )
    (tmp_path / "b.dump.sha256").unlink()
    unchecked = runner.invoke(cli, ["restore", str(dump)])
    assert unchecked.exit_code == 2
    assert unchecked.output.startswith("错误：校验文件 b.dump.sha256 不存在")
    assert table_count(empty_database) == 0


def test_an_older_schema_is_restored_and_reported(
    runner, md_env, empty_database, pg_admin_url, tmp_path, monkeypatch
):
    from alembic.script import ScriptDirectory

    head = head_revision()
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    name = f"md_old_{os.getpid()}"
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')
    old = ensure_database(pg_admin_url, name)
    try:
        upgrade(old, str(previous))
        monkeypatch.setenv("DATABASE_URL", old)
        dump = tmp_path / "old.dump"
        assert runner.invoke(cli, ["backup", "-o", str(dump)]).exit_code == 0
    finally:
        _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')

    monkeypatch.setenv("DATABASE_URL", empty_database)
    result = runner.invoke(cli, ["restore", str(dump)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"数据库结构版本 {previous}，本程序需要 {head}：请运行 meterdesk db upgrade"
    )


def test_retention_keeps_newest_per_day_and_month():
    from server.ops.backup import retained

    names = [
        "meterdesk-20261123-020000.dump",  # newest day
        "meterdesk-20261123-010000.dump",  # same day, older: dropped
        "meterdesk-20261122-020000.dump",  # 2nd day
        "meterdesk-20261120-020000.dump",  # 3rd day (a day without backup is not counted)
        "meterdesk-20261119-020000.dump",  # 4th day: beyond 3 days, not a month's newest
        "meterdesk-20261031-020000.dump",  # newest of October
        "meterdesk-20261001-020000.dump",  # older in October: dropped
        "meterdesk-20260930-020000.dump",  # newest of September
        "meterdesk-20260815-020000.dump",  # August: beyond 3 months
        "notes.txt.dump",  # not ours: kept
    ]
    assert retained(names, keep_daily=3, keep_monthly=3) == {
        "meterdesk-20261123-020000.dump",
        "meterdesk-20261122-020000.dump",
        "meterdesk-20261120-020000.dump",
        "meterdesk-20261031-020000.dump",
        "meterdesk-20260930-020000.dump",
        "notes.txt.dump",
    }
    assert retained(names, keep_daily=0, keep_monthly=0) == {"notes.txt.dump"}


def test_prune_after_backup_removes_dumps_and_their_checksums(runner, md_env):
    folder = Path(os.environ["MD_HOME"]) / "backups"
    folder.mkdir(parents=True)
    for stamp in ("20200101-020000", "20200102-020000"):
        (folder / f"meterdesk-{stamp}.dump").write_bytes(b"x")
        (folder / f"meterdesk-{stamp}.dump.sha256").write_text("x")
    result = runner.invoke(cli, ["backup", "--prune", "--keep-daily", "1", "--keep-monthly", "2"])
    assert result.exit_code == 0, result.output
    # Today's backup is the 1 day and the newest of this month; January 2020's newest (the
    # 2nd) is the second month kept; the 1st goes with its checksum.
    assert "删除 1 份旧备份" in result.output
    assert "  已删除 meterdesk-20200101-020000.dump" in result.output
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 4 and "meterdesk-20200102-020000.dump.sha256" in left
