"""Point-in-time recovery: nightly base backups beside continuous WAL archiving.

The archive is filled by the server itself (`archive_command`, installer/meterdesk-archive-wal.sh)
rather than by `pg_receivewal`: PostgreSQL keeps every WAL segment until the command has
succeeded for it, so a stopped archive fills the primary's disk loudly (and `doctor` can
see it in pg_stat_archiver) instead of silently leaving a gap, and there is no extra
daemon to supervise. A committed payment is protected against a lost disk by the
synchronous standby; the archive is for going back in time (a wrong bulk correction, a
dropped table), where `archive_timeout = 60s` gives the minute the restore is asked for.

A base backup is `pg_basebackup` in tar format (base.tar.gz, pg_wal.tar.gz) in a folder
meterdesk-base-YYYYmmdd-HHMMSS (business time), with meterdesk-base.json recording, from
the database's clock, when it finished: no earlier moment can be restored from it.

`restore_to_time` never touches a live data folder: it unpacks the newest base backup
finished before the target into a NEW folder, replays the archive up to the target
(`recovery_target_time`, then `recovery_target_action = promote`) and leaves that server
running on its own port for checking before anyone switches to it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from server.ops.backup import BackupError, libpq_target, pg_program, retained, server_major
from server.services.core.calendar import BUSINESS_TZ, now

BASE_PREFIX = "meterdesk-base-"
META_FILE = "meterdesk-base.json"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A WAL segment's name: timeline, log and segment numbers, 8 hex digits each.
_SEGMENT = re.compile(r"^[0-9A-F]{24}$")
_COMMIT = re.compile(r"COMMIT (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC")
_START_WAL = re.compile(r"START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)")
_STOPPED = re.compile(r"recovery stopping before (?:commit|abort) of transaction \d+, time (.+)")
RECOVERY_TIMEOUT = 600.0


@dataclass(frozen=True)
class BaseBackup:
    path: Path
    finished: datetime
    start_wal: str


@dataclass(frozen=True)
class PitrResult:
    data: Path
    port: int
    base: BaseBackup
    target: datetime
    # The first commit left out, as PostgreSQL logged it ("" when it stopped at the end).
    stopped_before: str
    seconds: float


def business(moment: datetime) -> str:
    return moment.astimezone(BUSINESS_TZ).strftime(TIME_FORMAT)


def parse_business_time(value: str) -> datetime:
    """'YYYY-MM-DD HH:MM:SS' (or HH:MM) as business time, Asia/Shanghai."""
    for pattern in (TIME_FORMAT, "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=BUSINESS_TZ)
        except ValueError:
            continue
    raise BackupError(f"时刻「{value}」的格式应为 YYYY-MM-DD HH:MM:SS（北京时间）")


# --- base backups --------------------------------------------------------------------------


def _database_clock(url: str) -> datetime:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("select clock_timestamp()")).scalar_one()
    finally:
        engine.dispose()


def _start_wal(folder: Path) -> str:
    with tarfile.open(folder / "base.tar.gz") as tar:
        member = tar.extractfile("backup_label")
        label = member.read().decode() if member else ""
    match = _START_WAL.search(label)
    if not match:
        raise BackupError(f"{folder.name} 的 backup_label 中没有起始 WAL 文件")
    return match.group(1)


def take_base_backup(url: str, folder: Path, moment: datetime | None = None) -> BaseBackup:
    """pg_basebackup of `url`'s server into folder/meterdesk-base-STAMP (the login needs the
    REPLICATION attribute and a `replication` line in pg_hba.conf)."""
    pg_basebackup = pg_program("pg_basebackup", server_major(url))
    stamp = (moment or now()).astimezone(BUSINESS_TZ).strftime(STAMP_FORMAT)
    target = folder / f"{BASE_PREFIX}{stamp}"
    # Written under a temporary name and renamed when complete, as the dumps are.
    partial = folder / f"{BASE_PREFIX}{stamp}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    uri, env = libpq_target(url)
    done = subprocess.run(
        [str(pg_basebackup), "--pgdata", str(partial), "--format=tar", "--gzip",
         "--wal-method=stream", "--checkpoint=fast", "--no-password", "--dbname", uri],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        detail = done.stderr.strip().splitlines()
        raise BackupError(
            f"pg_basebackup 基础备份失败：{detail[-1] if detail else done.returncode}"
        )
    finished = _database_clock(url)
    backup = BaseBackup(target, finished, _start_wal(partial))
    (partial / META_FILE).write_text(
        json.dumps({"finished": finished.isoformat(), "start_wal": backup.start_wal}),
        encoding="utf-8",
    )
    partial.rename(target)
    return backup


def base_backups(folder: Path) -> list[BaseBackup]:
    """The complete base backups in `folder`, oldest first."""
    found = []
    for path in sorted(folder.glob(f"{BASE_PREFIX}*")):
        meta = path / META_FILE
        if path.is_dir() and meta.is_file():
            data = json.loads(meta.read_text(encoding="utf-8"))
            found.append(
                BaseBackup(path, datetime.fromisoformat(data["finished"]), data["start_wal"])
            )
    return sorted(found, key=lambda backup: backup.finished)


def _as_dump(backup: BaseBackup) -> str:
    return f"meterdesk-{backup.path.name.removeprefix(BASE_PREFIX)}.dump"


def prune_base_backups(
    folder: Path, archive: Path | None, keep_daily: int, keep_monthly: int
) -> list[Path]:
    """Delete the base backups the retention does not keep, then the archived WAL older
    than the oldest one kept (pg_archivecleanup): nothing before it can be restored."""
    backups = base_backups(folder)
    # The retention reads the time from a dump's name: name each base backup alike.
    as_dumps = {_as_dump(b): b for b in backups}
    keep = retained(list(as_dumps), keep_daily, keep_monthly)
    removed = []
    for name, backup in as_dumps.items():
        if name not in keep:
            shutil.rmtree(backup.path)
            removed.append(backup.path)
    kept = [b for b in backups if b.path not in removed]
    if archive is not None and kept:
        cleanup = pg_program("pg_archivecleanup", _major(kept[0]))
        done = subprocess.run(
            [str(cleanup), str(archive), kept[0].start_wal],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(f"pg_archivecleanup 清理归档失败：{done.stderr.strip()}")
    return removed


# --- the archive ---------------------------------------------------------------------------


def archive_end(archive: Path, major: int) -> datetime | None:
    """The newest commit in the archived WAL (None when it holds none): the latest moment a
    restore can reach, since recovery stops only at a commit after its target."""
    pg_waldump = pg_program("pg_waldump", major)
    segments = sorted(p.name for p in archive.iterdir() if _SEGMENT.match(p.name))
    # pg_waldump prints times in its own time zone: make that UTC to read them back.
    env = {**os.environ, "TZ": "UTC"}
    for name in reversed(segments):
        # It stops with an error at the segment's unwritten end; what it printed is good.
        out = subprocess.run(
            [str(pg_waldump), "--rmgr=Transaction", str(archive / name)],
            env=env, capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        stamps = _COMMIT.findall(out)
        if stamps:
            return max(datetime.fromisoformat(s).replace(tzinfo=UTC) for s in stamps)
    return None


# --- restore -------------------------------------------------------------------------------


def _major(base: BaseBackup) -> int:
    """The PostgreSQL major version of the backed-up server: the programs must match it."""
    with tarfile.open(base.path / "base.tar.gz") as tar:
        member = tar.extractfile("PG_VERSION")
        return int(member.read().decode().strip()) if member else 0


def _choose_base(folder: Path, target: datetime) -> BaseBackup:
    backups = base_backups(folder)
    if not backups:
        raise BackupError(f"{folder} 中没有基础备份（meterdesk-base-…）")
    usable = [b for b in backups if b.finished <= target]
    if not usable:
        raise BackupError(
            f"{business(target)} 早于最早的基础备份（{backups[0].path.name}，完成于 "
            f"{business(backups[0].finished)}）：无法恢复到更早的时刻"
        )
    return usable[-1]


def _log_problem(log: Path) -> str:
    """The server log's last FATAL or PANIC line (or its last line)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    bad = [line for line in lines if "FATAL" in line or "PANIC" in line]
    return (bad or lines or ["日志为空"])[-1]


def _unpack(base: BaseBackup, data: Path, os_user: str | None) -> None:
    data.mkdir(parents=True, exist_ok=True)
    with tarfile.open(base.path / "base.tar.gz") as tar:
        tar.extractall(data, filter="tar")
    with tarfile.open(base.path / "pg_wal.tar.gz") as tar:
        tar.extractall(data / "pg_wal", filter="tar")
    # The copy of the live server's own settings would otherwise make it a standby, or
    # archive its new timeline into the live archive.
    (data / "standby.signal").unlink(missing_ok=True)
    (data / "recovery.signal").touch()
    data.chmod(0o700)
    if os_user:
        for path in [data, *data.rglob("*")]:
            shutil.chown(path, os_user, os_user)


def restore_to_time(
    target: datetime,
    base_folder: Path,
    archive: Path,
    data: Path,
    *,
    port: int,
    os_user: str | None = None,
) -> PitrResult:
    """Restore the database server as it was at `target` into the new folder `data` and
    start it on `port` (localhost only), promoted: ready to be checked, not yet in use."""
    started = time.monotonic()
    if os.geteuid() == 0 and not os_user:
        raise BackupError(
            "PostgreSQL 不能以 root 运行：请以 postgres 用户运行，或加 --os-user postgres"
        )
    if data.exists() and any(data.iterdir()):
        raise BackupError(
            f"{data} 不是空文件夹：恢复只写入新的数据文件夹，绝不覆盖已有的（包括正在运行的）"
        )
    base = _choose_base(base_folder, target)
    major = _major(base)
    end = archive_end(archive, major)
    if end is None or target >= end:
        last = f"最后一笔提交在 {business(end)}" if end else "其中没有任何提交"
        raise BackupError(
            f"WAL 归档 {archive} {last}：{business(target)} 在归档结束之后，无法确定恢复到该时刻"
            "（当前 WAL 段最多 archive_timeout 后归档；可选更早的时刻，或稍后再试）"
        )
    _unpack(base, data, os_user)
    # An explicit offset: recovery_target_time would otherwise be read in the server's zone.
    stamp = target.astimezone(BUSINESS_TZ).strftime(TIME_FORMAT) + "+08"
    settings = {
        "restore_command": f'cp "{archive}/%f" "%p"',
        "recovery_target_time": stamp,
        "recovery_target_action": "promote",
        "port": str(port),
        "listen_addresses": "localhost",
        "archive_mode": "off",
        "synchronous_standby_names": "",
        "primary_conninfo": "",
    }
    with (data / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
        conf.write("# meterdesk restore --to-time\n")
        conf.writelines(
            f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n" for key, value in settings.items()
        )
    if os_user:
        shutil.chown(data / "postgresql.auto.conf", os_user, os_user)
    pg_ctl = pg_program("pg_ctl", major)
    log = data / "restore.log"
    done = subprocess.run(
        [str(pg_ctl), "-D", str(data), "-l", str(log), "start", "-w", "-t", "600"],
        user=os_user, capture_output=True, text=True, timeout=RECOVERY_TIMEOUT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"恢复的数据库未能启动：{_log_problem(log)}（见 {log}）")
    promoted = _wait_promoted(data, log, port)
    return PitrResult(data, port, base, target, promoted, time.monotonic() - started)


def _wait_promoted(data: Path, log: Path, port: int) -> str:
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while time.monotonic() < deadline:
        text_ = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "recovery ended before configured recovery target was reached" in text_:
            raise BackupError(f"归档在目标时刻之前就结束了，恢复未完成（见 {log}）")
        if "database system is ready to accept connections" in text_ and (
            "selected new timeline ID" in text_
        ):
            stopped = _STOPPED.search(text_)
            return business(datetime.fromisoformat(stopped.group(1).strip())) if stopped else ""
        if "FATAL" in text_ and not (data / "postmaster.pid").exists():
            raise BackupError(f"恢复的数据库未能启动：{_log_problem(log)}（见 {log}）")
        time.sleep(0.1)
    raise BackupError(f"恢复在 {RECOVERY_TIMEOUT:.0f} 秒内未完成（见 {log}）")


def restored_url(owner_url: str, port: int) -> str:
    """The owner's URL pointed at the restored server on localhost:`port`."""
    parsed = make_url(owner_url)
    query = {k: v for k, v in parsed.query.items() if k not in ("host", "port")}
    return parsed.set(host="127.0.0.1", port=port, query=query).render_as_string(
        hide_password=False
    )
