"""Settings, schema, backups, the health check and the business calendar: `config`, `db`,
`backup`, `restore`, `doctor`, `workday`."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import click

from server.cli.core import EXIT_NOT_CURRENT, Context, clerk_actor, cli, pass_context, run
from server.db.engine import is_embedded, owner_url
from server.db.migrate import status as schema_status
from server.db.migrate import upgrade
from server.db.reach import database_place
from server.ops import backup as backups
from server.ops import doctor, pitr
from server.services.core.workdays import set_override


@cli.group()
def config() -> None:
    """Settings (config file in MD_HOME, or MD_<SECTION>_<KEY> variables)."""


@config.command("show")
@pass_context
def config_show(ctx: Context) -> None:
    """Print the effective settings, secrets masked, with where each comes from."""
    settings = ctx.settings
    click.echo(f"# MD_HOME = {settings.home}")
    click.echo(f"# config file = {settings.home / 'meterdesk.toml'}")
    current = None
    for item in settings.items.values():
        if item.section != current:
            current = item.section
            click.echo(f"[{current}]")
        click.echo(f"{item.key} = {item.display_value()!r}  # {item.source}")


@cli.group()
def db() -> None:
    """Schema migrations."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Migrate the database to the schema this version needs."""
    before = schema_status(ctx.url)
    upgrade(owner_url(ctx.url, embedded=is_embedded(ctx.settings)))
    after = schema_status(ctx.url)
    if before.current == after.current:
        click.echo(f"数据库结构已是最新（{after.current}）")
    else:
        click.echo(f"数据库结构已升级：{before.current or '空'} → {after.current}")


@db.command("status")
@pass_context
def db_status(ctx: Context) -> None:
    """Show the schema version of the database and what is pending."""
    state = schema_status(ctx.url)
    where = "嵌入式数据库" if is_embedded(ctx.settings) else "中心数据库"
    click.echo(f"{where}：当前版本 {state.current or '空'}，程序需要 {state.head}")
    if state.up_to_date:
        click.echo("状态：最新")
    else:
        click.echo(f"状态：待升级 {', '.join(state.pending)}（运行 meterdesk db upgrade）")
        sys.exit(EXIT_NOT_CURRENT)


@cli.command("backup")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="备份文件；默认 MD_HOME/backups/meterdesk-年月日-时分秒.dump",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="备份文件夹（文件名自动加时间）；默认 MD_HOME/backups",
)
@click.option("--prune", is_flag=True, help="备份后按保留策略删除同一文件夹中的旧备份")
@click.option("--keep-daily", default=7, show_default=True, type=click.IntRange(0), help="保留天数")
@click.option(
    "--keep-monthly", default=12, show_default=True, type=click.IntRange(0), help="保留月数"
)
@click.option(
    "--base",
    is_flag=True,
    help="基础备份（pg_basebackup，整个服务器，配合 WAL 归档按时刻恢复），写入 --dir 下的"
    " meterdesk-base-年月日-时分秒 文件夹；登录需有 REPLICATION 权限",
)
@click.option(
    "--wal-archive",
    type=click.Path(file_okay=False, path_type=Path),
    help="与 --base --prune 同用：删除最早保留的基础备份之前的归档 WAL",
)
@pass_context
def backup_cmd(
    ctx: Context,
    output: Path | None,
    folder: Path | None,
    prune: bool,
    keep_daily: int,
    keep_monthly: int,
    base: bool,
    wal_archive: Path | None,
) -> None:
    """Back up the database (pg_dump custom format) with a FILE.sha256 checksum beside it,
    or with --base the whole server for point-in-time recovery."""
    if output and folder:
        raise click.UsageError("-o 与 --dir 只能选一个")
    folder = folder or backups.backup_folder(ctx.settings.home)
    if base:
        _base_backup(ctx, folder, prune, keep_daily, keep_monthly, wal_archive)
        return
    target = output or backups.default_backup_path(folder)
    result = run(
        lambda: backups.create_backup(
            owner_url(ctx.url, embedded=is_embedded(ctx.settings)), target
        )
    )
    megabytes = result.size / 1024 / 1024
    click.echo(f"已备份到 {result.path}（{megabytes:.1f} MB，用时 {result.seconds:.1f} 秒）")
    click.echo(f"校验文件 {result.checksum_path}")
    if prune:
        removed = backups.prune(result.path.parent, keep_daily, keep_monthly)
        click.echo(
            f"保留最近 {keep_daily} 天每天一份、最近 {keep_monthly} 个月每月一份："
            f"删除 {len(removed)} 份旧备份"
        )
        for path in removed:
            click.echo(f"  已删除 {path.name}")


def _base_backup(
    ctx: Context,
    folder: Path,
    prune: bool,
    keep_daily: int,
    keep_monthly: int,
    wal_archive: Path | None,
) -> None:
    owner = owner_url(ctx.url, embedded=is_embedded(ctx.settings))
    started = time.monotonic()
    result = run(lambda: pitr.take_base_backup(owner, folder))
    click.echo(
        f"基础备份已写入 {result.path}（用时 {time.monotonic() - started:.1f} 秒）；"
        f"可恢复到 {pitr.business(result.finished)} 之后的任一时刻（需 WAL 归档）"
    )
    if prune:
        removed = run(
            lambda: pitr.prune_base_backups(folder, wal_archive, keep_daily, keep_monthly)
        )
        click.echo(f"按保留策略删除 {len(removed)} 份旧基础备份")
        if wal_archive is not None:
            click.echo(f"已删除 {wal_archive} 中最早保留的基础备份之前的 WAL")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--force", is_flag=True, help="目标数据库不是空的也恢复（先清空其 public 模式）")
@click.option(
    "--to-time",
    "to_time",
    metavar="'YYYY-MM-DD HH:MM:SS'",
    help="按时刻恢复（北京时间，Asia/Shanghai）：基础备份 + 归档 WAL 恢复到新的数据文件夹，"
    "该时刻之后提交的事务都不包括",
)
@click.option(
    "--base-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="与 --to-time 同用：基础备份所在文件夹（meterdesk backup --base --dir 的文件夹）",
)
@click.option(
    "--wal-archive",
    type=click.Path(file_okay=False, path_type=Path),
    help="与 --to-time 同用：WAL 归档文件夹（archive_command 写入的）",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="与 --to-time 同用：新的数据文件夹（须不存在或为空；绝不覆盖正在使用的）",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=5433, show_default=True,
    help="与 --to-time 同用：恢复出的服务器监听的端口（仅 localhost）",
)  # fmt: skip
@click.option("--os-user", help="以 root 运行时：运行 PostgreSQL 的系统用户（如 postgres）")
@pass_context
def restore_cmd(
    ctx: Context,
    file: Path | None,
    force: bool,
    to_time: str | None,
    base_dir: Path | None,
    wal_archive: Path | None,
    data: Path | None,
    port: int,
    os_user: str | None,
) -> None:
    """Restore a backup into the configured database, which must be empty; or with
    --to-time the whole server as it was at a moment, into a new data folder."""
    if to_time is not None:
        if file is not None or base_dir is None or wal_archive is None or data is None:
            raise click.UsageError(
                "--to-time 需要 --base-dir、--wal-archive 和 --data，不带备份文件"
            )
        _restore_to_time(ctx, to_time, base_dir, wal_archive, data, port, os_user)
        return
    if file is None:
        raise click.UsageError("请给出备份文件，或用 --to-time 按时刻恢复")
    owner = owner_url(ctx.url, embedded=is_embedded(ctx.settings))
    result = run(lambda: backups.restore_backup(owner, file, force=force))
    click.echo(f"已从 {file.name} 恢复（用时 {result.seconds:.1f} 秒）")
    state = result.schema
    if state.up_to_date:
        click.echo(f"数据库结构版本 {state.current}：最新")
        return
    if state.ahead:
        click.echo(
            f"数据库结构版本 {state.current} 比本程序（{state.head}）新：请安装新版 MeterDesk"
        )
    else:
        click.echo(
            f"数据库结构版本 {state.current or '空'}，本程序需要 {state.head}："
            "请运行 meterdesk db upgrade"
        )
    sys.exit(EXIT_NOT_CURRENT)


def _restore_to_time(
    ctx: Context,
    to_time: str,
    base_dir: Path,
    wal_archive: Path,
    data: Path,
    port: int,
    os_user: str | None,
) -> None:
    target = run(lambda: pitr.parse_business_time(to_time))
    result = run(
        lambda: pitr.restore_to_time(
            target, base_dir, wal_archive, data, port=port, os_user=os_user
        )
    )
    click.echo(
        f"已恢复到 {pitr.business(target)}（北京时间），基础备份 {result.base.path.name}，"
        f"用时 {result.seconds:.1f} 秒"
    )
    if result.stopped_before:
        click.echo(f"恢复停在 {result.stopped_before}（北京时间）提交的事务之前")
    click.echo(f"恢复出的服务器：{data}，在 127.0.0.1:{port} 上运行（仅本机）")
    owner = owner_url(ctx.url, embedded=is_embedded(ctx.settings))
    check = pitr.restored_url(owner, port)
    click.echo(
        f"检查：连接 {database_place(check)}（以原来的登录），核对最后几笔收费、报表与"
        "meterdesk doctor；确认后停止原服务器，把新文件夹换到原位置"
        "（或把 database.url 指向它）再启动"
    )


@cli.command("doctor")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(doctor.CHECKS),
    help="不做的检查，可重复（如服务器上 --skip printers --skip serial）",
)
@pass_context
def doctor_cmd(ctx: Context, skip: tuple[str, ...]) -> None:
    """Check the database, schema, role, fonts, printers, serial ports, WeChat and SMS settings."""
    try:
        url = ctx.url if "database" not in skip else ""
    except Exception as exc:  # the embedded server did not start, a malformed URL…
        click.echo(f"✗ 数据库无法使用：{exc} — 检查 database.url（或 DATABASE_URL）")
        sys.exit(1)
    checks = doctor.run_checks(ctx.settings, url, skip=skip)
    for check in checks:
        click.echo(check.line())
    if doctor.failed(checks):
        sys.exit(1)


@cli.group()
def workday() -> None:
    """工作日调整: days the Chinese holiday calendar does not know or gets wrong here."""


@workday.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workday/--holiday", "is_workday", required=True)
@click.option("--note", default="")
@click.option("--by", "login", required=True)
@pass_context
def workday_set(ctx: Context, day: datetime, is_workday: bool, note: str, login: str) -> None:

    def action() -> None:
        with ctx.session() as session:
            set_override(session, clerk_actor(session, login), day.date(), is_workday, note)

    run(action)
    click.echo(f"{day.date()} 设为{'工作日' if is_workday else '休息日'}")
