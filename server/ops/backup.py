"""Backups of the MeterDesk database and their restore.

A backup is a `pg_dump` custom-format archive (compressed, restorable table by table) with
a `FILE.sha256` beside it in `sha256sum` format, so a copy can be checked by hand with
`sha256sum -c` as well as by `meterdesk restore`. The same code serves the embedded and a
central database: both are reached through a libpq URL.

The PostgreSQL client programs come from pgserver's bundled installation (the embedded
server's own version) or else from PATH; pg_dump refuses a server newer than itself, so
the first one at least as new as the server is taken.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from server.db.migrate import SchemaStatus, grant_app_role
from server.db.migrate import status as schema_status
from server.db.reach import database_place, unreachable_reason
from server.db.urls import libpq_uri, parse_url
from server.services.core.calendar import now
from server.services.core.errors import DomainError

BACKUP_PREFIX = "meterdesk-"
BACKUP_SUFFIX = ".dump"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
_BACKUP_NAME = re.compile(r"^meterdesk-(\d{8}-\d{6})\.dump$")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class BackupError(DomainError):
    """A backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    checksum_path: Path
    size: int
    sha256: str
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    schema: SchemaStatus
    seconds: float


def backup_folder(home: Path) -> Path:
    return home / "backups"


def default_backup_path(folder: Path, moment: datetime | None = None) -> Path:
    """folder/meterdesk-YYYYmmdd-HHMMSS.dump in business time; retention reads the time
    back from the name, not from the file's mtime, which a copy would change."""
    stamp = (moment or now()).strftime(STAMP_FORMAT)
    return folder / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


# --- the PostgreSQL client programs -------------------------------------------------------


def _bundled_bin() -> Path | None:
    try:
        import pgserver
    except ImportError:
        return None
    folder = Path(pgserver.__file__).resolve().parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def _candidates(program: str) -> list[Path]:
    found: list[Path] = []
    bundled = _bundled_bin()
    if bundled is not None:
        for name in (program, f"{program}.exe"):
            if (bundled / name).exists():
                found.append(bundled / name)
                break
    on_path = shutil.which(program)
    if on_path and Path(on_path) not in found:
        found.append(Path(on_path))
    return found


def _major_version(program: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = _VERSION.search(out)
    return int(match.group(1)) if match else None


def pg_program(program: str, server_major: int) -> Path:
    """pg_dump or pg_restore, at least as new as the server (older ones refuse it)."""
    candidates = _candidates(program)
    for candidate in candidates:
        major = _major_version(candidate)
        if major is not None and major >= server_major:
            return candidate
    if candidates:
        tried = "，".join(f"{c}（{_major_version(c) or '?'}）" for c in candidates)
        raise BackupError(
            f"找到的 {program} 版本低于数据库服务器（PostgreSQL {server_major}）：{tried}；"
            f"请安装 PostgreSQL {server_major} 或更新版本的客户端程序并加入 PATH"
        )
    raise BackupError(f"找不到 {program}：请安装 PostgreSQL 客户端程序（postgresql-client）")


# --- connecting ------------------------------------------------------------------------------


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for the command line, and the environment carrying its password: a
    password on the command line would show in every `ps` listing on the server."""
    parsed = parse_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return libpq_uri(parsed), env


def server_major(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            number = int(conn.execute(text("show server_version_num")).scalar_one())
    except Exception as exc:
        reason = unreachable_reason(exc) or _first_line(exc)
        raise BackupError(f"无法连接数据库 {database_place(url)}：{reason}") from exc
    finally:
        engine.dispose()
    return number // 10000


def user_tables(url: str) -> int:
    """How many tables the database holds outside PostgreSQL's own schemas."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "select count(*) from pg_tables where schemaname not in "
                        "('pg_catalog', 'information_schema')"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _run_tool(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what}失败：{detail[-1] if detail else f'退出码 {done.returncode}'}")


# --- backup --------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(url: str, output: Path) -> BackupResult:
    """Dump the database of `url` to `output` and write `output.sha256`."""
    started = time.monotonic()
    output.parent.mkdir(parents=True, exist_ok=True)
    pg_dump = pg_program("pg_dump", server_major(url))
    uri, env = libpq_target(url)
    # Written under a temporary name and renamed when complete, so an interrupted dump
    # never lies in the folder looking like a backup (nor gets kept by the retention).
    partial = output.with_name(output.name + ".partial")
    try:
        _run_tool(
            [str(pg_dump), "--format=custom", "--file", str(partial), "--dbname", uri],
            env,
            "pg_dump 备份",
        )
        digest = file_sha256(partial)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    sums = checksum_path(output)
    # Two spaces and the bare name: the format `sha256sum -c` reads in the backup's folder.
    sums.write_text(f"{digest}  {output.name}\n", encoding="utf-8")
    return BackupResult(output, sums, output.stat().st_size, digest, time.monotonic() - started)


# --- restore -------------------------------------------------------------------------------


def verify_checksum(path: Path) -> str:
    """The file's sha256 if it matches its `.sha256` file; else BackupError."""
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    sums = checksum_path(path)
    if not sums.is_file():
        raise BackupError(
            f"校验文件 {sums.name} 不存在：请把它与备份文件放在同一文件夹"
            f"（或在确认备份完好后用 sha256sum {path.name} > {sums.name} 生成）"
        )
    fields = sums.read_text(encoding="utf-8").split()
    expected = fields[0].lower() if fields else ""
    actual = file_sha256(path)
    if actual != expected:
        raise BackupError(
            f"备份文件 {path.name} 校验失败：内容与 {sums.name} 不符（文件损坏或不完整），"
            "未做任何恢复"
        )
    return actual


def restore_backup(url: str, path: Path, *, force: bool = False) -> RestoreResult:
    """Restore `path` into the database of `url`, which must be empty unless `force`.

    Owners and grants in the archive are not restored: the archive may come from the
    embedded database (owner postgres) or another server whose roles do not exist here;
    the tables belong to the restoring role, which grants the application role again
    (installer/postgres_roles.sql does the same for the reporting role).
    """
    started = time.monotonic()
    verify_checksum(path)
    pg_restore = pg_program("pg_restore", server_major(url))
    tables = user_tables(url)
    if tables and not force:
        database = parse_url(url).database
        raise BackupError(
            f"目标数据库 {database} 不是空的（已有 {tables} 张表）：请恢复到新建的空数据库，"
            "或确认要覆盖后加 --force"
        )
    if tables:
        _empty_public_schema(url)
    uri, env = libpq_target(url)
    _run_tool(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failed restore leaves the database as empty as it was.
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            uri,
            str(path),
        ],
        env,
        "pg_restore 恢复",
    )
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            grant_app_role(conn)
    finally:
        engine.dispose()
    return RestoreResult(path, schema_status(url), time.monotonic() - started)


def _empty_public_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("drop schema public cascade"))
            conn.execute(text("create schema public"))
    except Exception as exc:
        raise BackupError(f"无法清空目标数据库：{_first_line(exc)}") from exc
    finally:
        engine.dispose()


# --- retention -----------------------------------------------------------------------------


def backup_time(name: str) -> datetime | None:
    match = _BACKUP_NAME.match(name)
    return datetime.strptime(match.group(1), STAMP_FORMAT) if match else None


def _day(moment: datetime) -> object:
    return moment.date()


def _month(moment: datetime) -> object:
    return (moment.year, moment.month)


def retained(names: Iterable[str], keep_daily: int, keep_monthly: int) -> set[str]:
    """The backups a retention of `keep_daily` days and `keep_monthly` months keeps: the
    newest backup of each of the newest `keep_daily` days that have one, and the newest of
    each of the newest `keep_monthly` months that have one. Names not of the form
    meterdesk-YYYYmmdd-HHMMSS.dump are not ours to judge and are kept."""
    dated = sorted(
        ((moment, name) for name in names if (moment := backup_time(name)) is not None),
        reverse=True,
    )
    keep = {name for name in names if backup_time(name) is None}
    for key, count in ((_day, keep_daily), (_month, keep_monthly)):
        seen: set[object] = set()
        for moment, name in dated:
            period = key(moment)
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.add(period)
            keep.add(name)
    return keep


def prune(folder: Path, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the backups (and their checksum files) the retention does not keep."""
    names = [p.name for p in folder.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}")]
    keep = retained(names, keep_daily, keep_monthly)
    removed = []
    for name in sorted(set(names) - keep):
        path = folder / name
        path.unlink()
        checksum_path(path).unlink(missing_ok=True)
        removed.append(path)
    return removed
