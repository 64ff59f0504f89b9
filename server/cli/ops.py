"""Settings, schema, backups, the health check and the business calendar: `config`, `db`,
`backup`, `restore`, `doctor`, `workday`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from server.cli.core import EXIT_NOT_CURRENT, Context, clerk_actor, cli, pass_context, run
from server.db.engine import is_embedded, owner_url
from server.db.migrate import status as schema_status
from server.db.migrate import upgrade
from server.ops import backup as backups
from server.ops import doctor
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
@pass_context
def backup_cmd(
    ctx: Context,
    output: Path | None,
    folder: Path | None,
    prune: bool,
    keep_daily: int,
    keep_monthly: int,
) -> None:
    """Back up the database (pg_dump custom format) with a FILE.sha256 checksum beside it."""
    if output and folder:
        raise click.UsageError("-o 与 --dir 只能选一个")
    folder = folder or backups.backup_folder(ctx.settings.home)
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


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="目标数据库不是空的也恢复（先清空其 public 模式）")
@pass_context
def restore_cmd(ctx: Context, file: Path, force: bool) -> None:
    """Restore a backup into the configured database, which must be empty."""
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
