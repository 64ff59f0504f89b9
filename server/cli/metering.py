"""Meters and readings: `reading`, `handheld`, `remote`, `route-sheet`, `labels`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from devices.label_printers import PrinterSettings
from reports.labels import SheetLayout, parse_size
from server.cli.core import (
    Context,
    clerk_actor,
    cli,
    cli_actor,
    dump,
    echo_ingest_result,
    parse_moment,
    pass_context,
    row_by_row_file,
    run,
)
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import InvalidInput
from server.services.metering import labels as label_service
from server.services.metering.handheld_file_profiles import list_profiles
from server.services.metering.handheld_import import route_for_building
from server.services.metering.readings import (
    READING_STATUS_LABELS,
    correct_reading_of_day,
    reading_history,
    record_reading,
)
from server.services.metering.remote_readings import RemoteSettings, import_remote_file, pull_remote
from server.services.metering.route_sheets import route_sheet_pdf
from server.services.metering.usage_rules import describe_flags, quantity_text


@cli.group()
def reading() -> None:
    """Meter readings (抄表)."""


@reading.command("record")
@click.argument("meter_no")
@click.argument("value")
@click.option("--at", "read_at", help="抄表时间 YYYY-MM-DD[ HH:MM] (business time); default now")
@click.option(
    "--source",
    default="field",
    show_default=True,
    type=click.Choice(["field", "handheld", "remote", "import", "estimate", "self"]),
)
@click.option("--note", default="")
@pass_context
def reading_record(
    ctx: Context, meter_no: str, value: str, read_at: str | None, source: str, note: str
) -> None:
    """Record a reading; its anomaly flags are shown at once."""
    moment = parse_moment(read_at)

    def action() -> Any:
        with ctx.session() as session:
            return record_reading(session, cli_actor(), meter_no, value, moment, source, note=note)

    result = run(action)
    usage = "—" if result.usage is None else str(result.usage)
    status = READING_STATUS_LABELS[result.status]
    click.echo(f"{result.meter_no} 读数 {result.value}，用量 {usage}，{status}")
    if result.flags:
        click.echo(f"提醒：{result.message}")


@reading.command("history")
@click.argument("meter_no")
@click.option("--limit", default=24, show_default=True)
@pass_context
def reading_history_cmd(ctx: Context, meter_no: str, limit: int) -> None:
    """A meter's readings, newest first."""

    def action() -> Any:
        with ctx.session() as session:
            return reading_history(session, meter_no, limit)

    for row in run(action):
        when = row.read_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
        usage = "" if row.usage is None else str(row.usage)
        click.echo(
            f"{when}\t{row.value}\t{usage}\t{READING_STATUS_LABELS[row.status]}\t"
            f"{row.source}\t{describe_flags(row.flags)}"
        )


@reading.command("correct")
@click.argument("meter_no")
@click.argument("value")
@click.option("--at", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="要更正的读数的抄表日期 YYYY-MM-DD")  # fmt: skip
@click.option("--reason", required=True, help="更正原因")
@click.option("--by", "login", required=True, help="操作人登录名")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def reading_correct(ctx: Context, meter_no: str, value: str, day: datetime, reason: str,
                    login: str, as_json: bool) -> None:  # fmt: skip
    """Correct the meter's accepted reading of a day: the new figure supersedes it (kept,
    marked 已更正) and is judged like any reading. A billed period is then rebilled with
    `meterdesk bill rebill`."""

    def action() -> Any:
        with ctx.session() as session:
            actor = clerk_actor(session, login)
            return correct_reading_of_day(session, actor, meter_no, day.date(), value, reason)

    result = run(action)
    if as_json:
        dump(result.as_json())
        return
    usage = "—" if result.usage is None else quantity_text(result.usage)
    click.echo(
        f"{result.meter_no} {day.date().isoformat()} 读数更正为 {quantity_text(result.value)}，"
        f"用量 {usage}，{READING_STATUS_LABELS[result.status]}"
    )
    if result.flags:
        click.echo(f"提醒：{result.message}")


@cli.group()
def handheld() -> None:
    """Handheld terminals (掌上机): import profiles and the route to read."""


@handheld.command("profiles")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def handheld_profiles_cmd(ctx: Context, as_json: bool) -> None:
    """List the import profiles (built-in ones first)."""
    with ctx.session() as session:
        profiles = list_profiles(session)
    if as_json:
        dump(
            [
                {"id": p.id, "builtin": p.builtin, **{k: v for k, v in p.spec.__dict__.items()}}
                for p in profiles
            ]
        )
        return
    for p in profiles:
        s = p.spec
        columns = "/".join(c for c in (s.hardware_column, s.reading_column, s.time_column,
                                       s.status_column) if c)  # fmt: skip
        mark = "内置" if p.builtin else "自定义"
        click.echo(f"{p.id}\t{p.name}\t{s.file_format}\t{s.encoding}\t{columns}\t{mark}")


@handheld.command("route")
@click.option("--building", required=True, help="楼宇：楼名，或 校区/楼名")
@click.option("--profile", "-p", required=True, help="导入方案（决定路线文件的格式和列名）")
@click.option("--kind", type=click.Choice(["electricity", "water"]), help="只要电表或水表")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def handheld_route_cmd(
    ctx: Context, building: str, profile: str, kind: str | None, output: Path
) -> None:
    """Write the meters of a building to read, in the profile's format, for the terminal."""

    def action() -> Any:
        with ctx.session() as session:
            return route_for_building(session, building, profile, kind=kind)

    route = run(action)
    output.write_bytes(route.content)
    click.echo(f"已写入 {output}：{len(route.meters)} 块表")


@cli.group()
def remote() -> None:
    """Remote readings (远传): pull from the energy platform, or import its export."""


@remote.command("pull")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="只取该日以来的读数")
@click.option("--dry-run", is_flag=True, help="逐条判定，不写入。")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def remote_pull_cmd(ctx: Context, since: datetime | None, dry_run: bool, as_json: bool) -> None:
    """Pull readings from the platform set in [remote] (url, token, field mapping)."""

    def action() -> Any:
        settings = RemoteSettings.from_settings(ctx.settings)
        with ctx.session() as session:
            day = since.date() if since else None
            return pull_remote(session, cli_actor(), settings, since=day, dry_run=dry_run)

    echo_ingest_result(run(action), as_json, "条")


@remote.command("import")
@row_by_row_file
@pass_context
def remote_import_cmd(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the platform's CSV / Excel export (columns named as in [remote])."""

    def action() -> Any:
        settings = RemoteSettings.from_settings(ctx.settings)
        with ctx.session() as session:
            return import_remote_file(session, cli_actor(), file, settings, dry_run=dry_run)

    echo_ingest_result(run(action), as_json, "条")


@cli.command("route-sheet")
@click.option("--building", required=True, help="楼宇：楼名，或 校区/楼名")
@click.option("--kind", type=click.Choice(["electricity", "water"]), help="只要电表或水表")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def route_sheet_cmd(ctx: Context, building: str, kind: str | None, output: Path) -> None:
    """Print-ready reading sheets (抄表卡, A4 PDF) for a building's meters."""

    def action() -> Any:
        with ctx.session() as session:
            return route_sheet_pdf(session, building, kind=kind)

    _, _, content = run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}")


@cli.command("labels")
@click.option("--building", help="楼宇：楼名，或 校区/楼名")
@click.option("--meters", help="表号，逗号分隔：M1,M2")
@click.option("--size", default="50x30", show_default=True, help="标签尺寸 宽x高（毫米）")
@click.option("--sheet", type=click.Choice(["a4"]), help="A4 整张排版（默认：卷纸，一页一张）")
@click.option("--columns", type=click.IntRange(1), help="A4 每行张数（默认：放得下的最多）")
@click.option("--rows", type=click.IntRange(1), help="A4 每页行数（默认：放得下的最多）")
@click.option("--title", default="", help="标签抬头，如单位名称")
@click.option("--printer", type=click.Choice(["tspl", "zpl"]), help="直接生成标签打印机指令")
@click.option(
    "--to", "destination", help="打印机：socket://主机:9100、串口（COM3、/dev/ttyUSB0）或文件"
)
@click.option(
    "--dpi",
    default=203,
    show_default=True,
    type=click.IntRange(150, 600),
    help="打印机分辨率（203 dpi = 8 点/毫米）",
)
@click.option("--zpl-font", default="E:SIMSUN.TTF", show_default=True, help="ZPL 中文字体")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def labels_cmd(
    ctx: Context,
    building: str | None,
    meters: str | None,
    size: str,
    sheet: str | None,
    columns: int | None,
    rows: int | None,
    title: str,
    printer: str | None,
    destination: str | None,
    dpi: int,
    zpl_font: str,
    output: Path | None,
) -> None:
    """Meter barcode labels: a PDF (-o FILE.pdf) or a label printer (--printer --to)."""
    if printer and not destination and not output:
        raise click.UsageError("--printer 需要 --to（打印机地址或文件）")
    if not printer and not output:
        raise click.UsageError("请用 -o 指定 PDF 文件，或用 --printer 与 --to 直接打印")
    numbers = [n for n in (meters or "").split(",") if n.strip()]

    def action() -> Any:
        try:
            width, height = parse_size(size)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
        with ctx.session() as session:
            places = label_service.pick_meters(session, building=building, meter_nos=numbers)
        labels = label_service.label_data(places, title)
        if printer:
            settings = PrinterSettings(printer, width, height, dpi=dpi, zpl_font=zpl_font)
            target = destination or str(output)
            return len(labels), label_service.print_labels(labels, settings, target), target
        layout = SheetLayout(width, height, sheet, columns, rows)
        return len(labels), label_service.labels_pdf(labels, layout)[2], str(output)

    count, sent, target = run(action)
    if printer:
        click.echo(f"已发送 {count} 张标签到 {target}（{sent} 字节）")
        return
    assert output is not None
    output.write_bytes(sent)
    click.echo(f"已写入 {output}：{count} 张标签")
