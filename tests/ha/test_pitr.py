"""Point-in-time recovery on a real server archiving its WAL with installer's script: payments,
a moment read from the database's clock, more payments; `meterdesk restore --to-time` that
moment brings back exactly the first ones, in a new data folder, on its own port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.ops.doctor import database_checks
from server.ops.pitr import base_backups, business
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.calendar import local_minute
from tests import factories as f
from tests.ha.cluster import BIN, Cluster, free_port, running_cluster, wait_until

SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "meterdesk-archive-wal.sh"


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder the server's system user may write (the archive, the restored data)."""
    folder = Path(tempfile.mkdtemp(prefix="md_pitr_"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def pay(url: str, *amounts: str) -> None:
    engine = create_engine(url)
    try:
        for amount in amounts:
            # One committed transaction per payment, as at the counter.
            with unit_of_work(make_sessionmaker(engine)) as session:
                take_payment(session, f.ACTOR, PaymentRequest("A001", D(amount), "cash", "D"))
    finally:
        engine.dispose()


def archive_line(url: str) -> str:
    [line] = [c.line() for c in database_checks(url, embedded=False) if "WAL 归档" in c.text]
    return line


def archived_minute(cluster: Cluster) -> str:
    moment = cluster.primary.query("select last_archived_time from pg_stat_archiver")[0][0]
    return local_minute(moment)


def archived_through_now(cluster: Cluster) -> None:
    """Close the current WAL segment and wait until the archive has it."""
    segment = cluster.primary.query("select pg_walfile_name(pg_switch_wal())")[0][0]
    wait_until(
        lambda: cluster.primary.query(
            "select last_archived_wal >= %s from pg_stat_archiver", (segment,)
        )[0][0],
        f"{segment} archived",
    )


def test_restore_to_a_moment_brings_back_exactly_the_payments_before_it(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not in `workdir`, removed at the end: the commands' log file stays open in this
    # process, as with every CLI test's MD_HOME.
    monkeypatch.setenv("MD_HOME", str(tmp_path / "home"))
    archive, base_folder = workdir / "wal", workdir / "base"
    archive.mkdir()
    user = "pgserver" if os.geteuid() == 0 else None
    if user:
        shutil.chown(workdir, user, user)
        shutil.chown(archive, user, user)
    settings = {
        "archive_mode": "on",
        "archive_command": f"'sh {SCRIPT} %p %f {archive}'",
        "archive_timeout": "60s",
    }
    with running_cluster(standbys=0, settings=settings) as cluster:
        url = cluster.primary.url("md")
        cluster.create_database("md")
        engine = create_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            f.branches(session)
            a = f.account(session)
            f.bill(session, a, "2026-10", "500.00")
        runner = CliRunner()
        env = {"DATABASE_URL": url}
        done = runner.invoke(cli, ["backup", "--base", "--dir", str(base_folder)], env=env)
        assert done.exit_code == 0, done.output
        assert "基础备份" in done.output
        before_base = engine.connect().execute(text("select now() - interval '1 hour'")).scalar()

        pay(url, "12.30", "45.00", "7.05")  # 64.35
        # The moment: the database's clock after those commits, to the next whole second
        # (what an operator types), and the next payments only once that second has passed.
        with engine.connect() as conn:
            clock = conn.execute(text("select clock_timestamp()")).scalar_one()
        moment = clock.replace(microsecond=0) + timedelta(seconds=1)
        wait_until(
            lambda: (
                engine.connect()
                .execute(text("select clock_timestamp() > :m"), {"m": moment})
                .scalar()
            ),
            "the moment to pass",
        )
        pay(url, "100.00", "0.99")
        with engine.connect() as conn:
            assert conn.execute(text("select count(*), sum(amount) from payment")).one() == (
                5,
                D("165.34"),
            )
        engine.dispose()
        archived_through_now(cluster)

        data = workdir / "restored"
        port = free_port()
        args = ["restore", "--to-time", business(moment), "--base-dir", str(base_folder)]
        args += ["--wal-archive", str(archive), "--data", str(data), "--port", str(port)]
        if user:
            args += ["--os-user", user]
        try:
            done = runner.invoke(cli, args, env=env)
            assert done.exit_code == 0, done.output
            assert f"已恢复到 {business(moment)}（北京时间）" in done.output
            assert f"127.0.0.1:{port}" in done.output
            assert "恢复停在" in done.output
            restored = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/md")
            with restored.connect() as conn:
                assert conn.execute(text("select count(*), sum(amount) from payment")).one() == (
                    3,
                    D("64.35"),
                )
                # Promoted: it takes writes, on a timeline of its own.
                assert conn.execute(text("select pg_is_in_recovery()")).scalar() is False
            restored.dispose()
            # The live server carries on untouched.
            live = create_engine(url)
            with live.connect() as conn:
                assert conn.execute(text("select count(*) from payment")).scalar() == 5
            live.dispose()
        finally:
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    [str(BIN / "pg_ctl"), "-D", str(data), "stop", "-m", "fast", "-w"],
                    user=user, check=False, capture_output=True,
                )  # fmt: skip

        # Refusals, each saying why: a non-empty folder, a time before the base backup,
        # a time after the archive's last commit.
        done = runner.invoke(cli, args, env=env)
        assert done.exit_code == 2
        assert "不是空文件夹" in done.output
        fresh = ["--data", str(workdir / "other")]
        early = [*args[:2], business(before_base), *args[3:]]
        early[early.index("--data") : early.index("--data") + 2] = fresh
        done = runner.invoke(cli, early, env=env)
        assert done.exit_code == 2
        assert "早于最早的基础备份" in done.output
        late = [*args[:2], business(moment + timedelta(hours=1)), *args[3:]]
        late[late.index("--data") : late.index("--data") + 2] = fresh
        done = runner.invoke(cli, late, env=env)
        assert done.exit_code == 2
        assert "在归档结束之后" in done.output
        assert not (workdir / "other").exists()

        # The installer's rehearsal on the same backups: last night's dump into a scratch
        # database, then the server as it was at the moment into a scratch folder.
        done = runner.invoke(cli, ["backup", "--dir", str(workdir)], env=env)
        assert done.exit_code == 0, done.output
        rehearsal = subprocess.run(
            ["sh", str(SCRIPT.with_name("restore-rehearsal.sh"))],
            env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PGHOST": "127.0.0.1",
                 "PGPORT": str(cluster.primary.port), "PGUSER": "postgres", "DB": "md",
                 "BACKUPS": str(workdir), "AT": business(moment), "PORT": str(free_port()),
                 "METERDESK": str(Path(sys.executable).with_name("meterdesk")),
                 **({"OS_USER": user} if user else {})},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert rehearsal.returncode == 0, rehearsal.stdout + rehearsal.stderr
        lines = rehearsal.stdout.splitlines()
        assert any(line.startswith("dump: 5 payments, 165.34 yuan") for line in lines)
        assert any(
            line.startswith(f"at {business(moment)}: 3 payments, 64.35 yuan") for line in lines
        )
        assert not list(Path("/var/tmp").glob("md-rehearsal-*"))

        # The nightly run's retention: one daily base backup kept (tonight's), the first
        # deleted, and the archived WAL before the kept one's start with it.
        prune = ["backup", "--base", "--dir", str(base_folder), "--prune", "--keep-daily", "1"]
        prune += ["--keep-monthly", "0", "--wal-archive", str(archive)]
        done = runner.invoke(cli, prune, env=env)
        assert done.exit_code == 0, done.output
        assert "按保留策略删除 1 份旧基础备份" in done.output
        [kept] = base_backups(base_folder)
        segments = sorted(p.name for p in archive.iterdir() if len(p.name) == 24)
        assert segments[0] == kept.start_wal
        done = runner.invoke(cli, [*early[:2], business(moment), *early[3:]], env=env)
        assert "早于最早的基础备份" in done.output

        # doctor on the primary: archiving fine, then failing (an archive_command that fails),
        # then fine again once the segment is archived.
        primary = cluster.primary
        assert archive_line(url).startswith("✓ WAL 归档已开启，最近归档 ")
        primary.execute("alter system set archive_command = 'false'")
        primary.execute("select pg_reload_conf()")
        primary.execute("create table archive_probe (x int)")
        segment = primary.query("select pg_walfile_name(pg_switch_wal())")[0][0]
        wait_until(lambda: archive_line(url).startswith("✗"), "the archive to fail")
        assert archive_line(url).startswith(f"✗ WAL 归档失败：{segment} 于 ")
        primary.execute("alter system reset archive_command")
        primary.execute("select pg_reload_conf()")
        wait_until(lambda: archive_line(url).startswith("✓"), "the archive to recover")
        assert (
            archive_line(url)
            == f"✓ WAL 归档已开启，最近归档 {segment}（{archived_minute(cluster)}）"
        )
