"""Meter frames at the bench, no database: `frame decode`, `frame encode`."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from devices.cjt188 import DI_ORDERS, DiOrder
from devices.decode import (
    COMMANDS,
    DETAIL_LABELS,
    describe,
    encode_command,
    encode_request,
    parse_hex,
)
from devices.errors import FrameError
from server.cli.core import EXIT_REFUSED, cli, dump


@cli.group()
def frame() -> None:
    """Meter frames (DL/T 645-2007/1997, CJ/T 188): decode a capture, build a request."""


@frame.command("decode")
@click.argument("hex_text", nargs=-1, required=True)
@click.option(
    "--protocol",
    type=click.Choice(["dlt645-2007", "dlt645-1997", "cjt188"]),
    help="Force the protocol instead of detecting it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def frame_decode(hex_text: tuple[str, ...], protocol: str | None, as_json: bool) -> None:
    """Decode a captured frame (hex, spaces allowed); a bad frame exits 2 saying why."""
    try:
        decoded = describe(parse_hex(" ".join(hex_text)), protocol)
    except FrameError as exc:
        if as_json:
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        else:
            click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    if as_json:
        dump(decoded.as_json())
        return
    click.echo(f"协议 {decoded.protocol}  {decoded.kind}")
    di = f"  数据标识 {decoded.di}" if decoded.di else ""
    click.echo(f"地址 {decoded.address}  控制码 {decoded.control:02X}H{di}")
    for value in decoded.values:
        text = "无数据" if value.value is None else f"{value.text()} {value.unit}".rstrip()
        click.echo(f"{value.name} = {text}")
    for key, text in decoded.details:
        click.echo(f"{DETAIL_LABELS.get(key, key)}：{text or '—'}")
    if decoded.error:
        click.echo(f"异常：{decoded.error}")


@frame.command("encode")
@click.option(
    "--protocol", required=True, type=click.Choice(["dlt645-2007", "dlt645-1997", "cjt188"])
)
@click.option("--address", required=True, help="表地址（高位在前，如 000000000001）")
@click.option("--di", help="数据标识；不给（也没有 --command）则为读地址请求")
@click.option(
    "--command",
    "command",
    type=click.Choice(COMMANDS),
    help="Switching command: DL/T 645-2007 control (trip … hold-off) or CJ/T 188 valve.",
)
@click.option("--password", default="", help="控制密码：权限 2 位 + 密码 6 位（如 02123456）")
@click.option("--operator", default="", help="操作者代码（至多 8 位十六进制）")
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d %H:%M:%S"]),
    help='控制命令有效截止时间 "YYYY-MM-DD HH:MM:SS"（表在此后拒绝执行）',
)
@click.option("--meter-type", default="10", show_default=True, help="CJ/T 188 仪表类型（十六进制）")
@click.option(
    "--di-order",
    type=click.Choice(DI_ORDERS),
    default="big",
    show_default=True,
    help="CJ/T 188: big sends 90 1F, little sends 1F 90.",
)
@click.option("--wakeup", default=0, show_default=True, type=click.IntRange(0, 16))
def frame_encode(
    protocol: str,
    address: str,
    di: str | None,
    command: str | None,
    password: str,
    operator: str,
    until: datetime | None,
    meter_type: str,
    di_order: DiOrder,
    wakeup: int,
) -> None:
    """Print a request frame (read, or a switching command) as uppercase hex."""
    try:
        if command is not None and di is not None:
            raise ValueError("--di 与 --command 只能给一个")
        if command is not None:
            raw = encode_command(
                protocol,
                address,
                command,
                password=password,
                operator=operator,
                until=until,
                meter_type=int(meter_type, 16),
                di_order=di_order,
                wakeup=wakeup,
            )
        else:
            raw = encode_request(
                protocol,
                address,
                di,
                meter_type=int(meter_type, 16),
                di_order=di_order,
                wakeup=wakeup,
            )
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(raw.hex(" ").upper())
