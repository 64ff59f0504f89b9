"""Meter frames at the bench, no database: `frame decode`, `frame encode`."""

from __future__ import annotations

import json
import sys

import click

from devices.cjt188 import DI_ORDERS, DiOrder
from devices.decode import DETAIL_LABELS, describe, encode_request, parse_hex
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
@click.option("--di", help="数据标识；不给则为读地址请求")
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
    meter_type: str,
    di_order: DiOrder,
    wakeup: int,
) -> None:
    """Print a request frame as uppercase hex, space separated."""
    try:
        raw = encode_request(
            protocol, address, di, meter_type=int(meter_type, 16), di_order=di_order, wakeup=wakeup
        )
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(raw.hex(" ").upper())
