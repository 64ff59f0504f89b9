"""Data exported by other systems: `import legacy`, `import handheld`, `import accounts`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from server.cli.core import (
    EXIT_REFUSED,
    Context,
    cli,
    cli_actor,
    dump,
    echo_ingest_result,
    pass_context,
    refuse,
    row_by_row_file,
    run,
)
from server.services.accounts.account_changes import import_account_changes
from server.services.core.errors import DomainError
from server.services.legacy.workbook import LegacyImportError, import_legacy
from server.services.metering.handheld_import import import_handheld, result_xlsx


@cli.group("import")
def import_group() -> None:
    """Import data exported by other systems."""


@import_group.command("legacy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def import_legacy_cmd(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the old billing system's workbook (户号, 表计, 价格, 读数, 换表)."""
    try:
        with ctx.session() as session:
            report = import_legacy(session, cli_actor(), file, dry_run=dry_run)
    except LegacyImportError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"导入失败：{len(exc.problems)} 处错误，未写入任何数据", err=True)
        sys.exit(EXIT_REFUSED)
    except DomainError as exc:
        refuse(exc)
    if as_json:
        dump(report.as_json())
        return
    for sheet, count in report.by_sheet().items():
        click.echo(f"{sheet}：新增 {count.added}，已存在 {count.present}")
    if dry_run:
        click.echo("试运行：检查通过，未写入任何数据")
    elif report.added == 0:
        click.echo("没有新数据：该工作簿此前已导入")
    else:
        click.echo(f"导入完成：新增 {report.added} 行")


@import_group.command("handheld")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--profile", "-p", required=True, help="导入方案名称或编号（meterdesk handheld profiles）"
)
@click.option("--dry-run", is_flag=True, help="逐行判定，不写入。")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="导入结果另存为 xlsx"
)
@pass_context
def import_handheld_cmd(
    ctx: Context, file: Path, profile: str, dry_run: bool, as_json: bool, output: Path | None
) -> None:
    """Import a handheld terminal's export file (DBF/CSV/TXT/XLS/XLSX) by a column profile."""

    def action() -> Any:
        with ctx.session() as session:
            return import_handheld(session, cli_actor(), file, profile, dry_run=dry_run)

    result = run(action)
    if output is not None:
        output.write_bytes(result_xlsx(result)[2])
    echo_ingest_result(result, as_json, "行")
    if output is not None and not as_json:
        click.echo(f"结果已写入 {output}")


@import_group.command("accounts")
@row_by_row_file
@pass_context
def import_accounts_cmd(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the billing system's account changes (新增 / 修改 / 销户 户号), row by row."""

    def action() -> Any:
        with ctx.session() as session:
            return import_account_changes(session, cli_actor(), file, dry_run=dry_run)

    result = run(action)
    if as_json:
        dump(result.as_json())
        return
    for row in result.rows:
        click.echo(f"第 {row.row} 行\t{row.kind}\t{row.account_no}\t{row.outcome_label}"
                   f"\t{row.message}")  # fmt: skip
    click.echo(result.summary())
