"""Billing accounts: `account`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from reports.statement import (
    Statement,
    render_statement_pdf,
    render_statement_xlsx,
    table_rows,
)
from server.cli.core import Context, clerk_actor, cli, dump, parse_day, pass_context, run
from server.services.accounts.accounts import search_accounts
from server.services.collection.move_in import MoveInSpec, move_in
from server.services.collection.statements import account_statement
from server.services.metering.readings import as_decimal
from server.services.residents.bindings import close_and_unbind


@cli.group()
def account() -> None:
    """Billing accounts (户号)."""


@account.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def account_search(ctx: Context, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Find accounts by number, scanned meter barcode, holder, building and room, mobile."""

    def action() -> Any:
        with ctx.session() as session:
            return search_accounts(session, " ".join(query), limit)

    hits = run(action)
    if as_json:
        dump(
            [
                {"account_no": h.account_no, "holder_name": h.holder_name, "address": h.address,
                 "class": h.customer_class, "billing_mode": h.billing_mode,
                 "balance": str(h.balance), "meter_no": h.meter_no}
                for h in hits
            ]
        )  # fmt: skip
        return
    for h in hits:
        click.echo(f"{h.account_no}\t{h.holder_name}\t{h.address}\t{h.customer_class}\t{h.balance}")
    click.echo(f"共 {len(hits)} 户")


def _final_readings(pairs: tuple[str, ...]) -> dict[str, Decimal]:
    readings: dict[str, Decimal] = {}
    for pair in pairs:
        meter_no, sep, value = pair.partition("=")
        if not sep or not meter_no.strip():
            raise click.BadParameter(f"读数应写作 表号=读数，收到「{pair}」")
        if meter_no.strip() in readings:
            raise click.BadParameter(f"表计 {meter_no.strip()} 的读数给了两次")
        readings[meter_no.strip()] = as_decimal(value, f"表计 {meter_no.strip()} 的读数")
    return readings


@account.command("move-out")
@click.argument("account_no")
@click.option("--at", "day", required=True, help="退房日期 YYYY-MM-DD（账单计至当日）")
@click.option("--reading", "pairs", multiple=True, required=True,
              help="退房读数 表号=读数，每块在用表计一个")  # fmt: skip
@click.option("--by", "login", required=True, help="操作人登录名")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def account_move_out(ctx: Context, account_no: str, day: str, pairs: tuple[str, ...], login: str,
                     as_json: bool) -> None:  # fmt: skip
    """退房结算: final readings, the final bill, the deposit set against what is owed."""
    from server.services.collection.move_out import move_out

    at = parse_day(day)

    def action() -> Any:
        readings = _final_readings(pairs)
        with ctx.session() as session:
            return move_out(session, clerk_actor(session, login), account_no, at, readings)

    result = run(action)
    if as_json:
        dump(result.as_json())
        return
    click.echo(
        f"户号 {result.account_no} 退房结算：终结账单 {result.period}"
        f"（{result.covers_from.isoformat()} 至 {result.covers_to.isoformat()}）"
    )
    for m in result.meters:
        click.echo(f"  {m.meter_no}\t{m.prev} → {m.curr}\t用量 {m.usage}")
    for x in result.lines:
        click.echo(f"  {x.component}\t{x.usage}\t{x.amount}\t{x.note}")
    click.echo(f"  合计 {result.total}")
    s = result.settlement
    click.echo(f"退还押金 {result.deposit_released}，余额 {s.balance}，欠费 {s.owed}")
    if s.to_pay:
        click.echo(f"应缴 {s.to_pay} 元（meterdesk pay {result.account_no} {s.to_pay} …）")
    if s.refundable:
        click.echo(f"可退 {s.refundable} 元（meterdesk refund …），结清后 meterdesk account close")


@account.command("close")
@click.argument("account_no")
@click.option("--by", "login", required=True, help="操作人登录名")
@click.option("--reason", default="退房销户", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def account_close(ctx: Context, account_no: str, login: str, reason: str, as_json: bool) -> None:
    """销户: refused while a bill is owed or a balance or deposit remains."""

    def action() -> Any:
        with ctx.session() as session:
            return close_and_unbind(session, clerk_actor(session, login), account_no, reason)

    view = run(action)
    if as_json:
        dump({"account_no": view.account_no, "active": view.active})
        return
    click.echo(f"户号 {view.account_no} 已销户")


@account.command("move-in")
@click.argument("account_no")
@click.option("--from", "from_account_no", required=True,
              help="接替的户号（已退房结算）：新户取其地址和在用表计")  # fmt: skip
@click.option("--holder", required=True, help="新户主")
@click.option("--mobile", default="", help="手机")
@click.option("--class", "customer_class", default="", help="用户类别（默认同原户）")
@click.option("--mode", "billing_mode", default="", help="预收费 / 后收费（默认同原户）")
@click.option("--by", "login", required=True, help="操作人登录名")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def account_move_in(ctx: Context, account_no: str, from_account_no: str, holder: str, mobile: str,
                    customer_class: str, billing_mode: str, login: str,
                    as_json: bool) -> None:  # fmt: skip
    """开户接替: a new account at a moved-out account's place takes its meters."""
    spec = MoveInSpec(account_no, from_account_no, holder, mobile, customer_class, billing_mode)

    def action() -> Any:
        with ctx.session() as session:
            return move_in(session, clerk_actor(session, login), spec)

    result = run(action)
    if as_json:
        dump(result.as_json())
        return
    click.echo(
        f"户号 {result.account_no} 已开户（{result.address}），接替户号 {result.from_account_no}："
    )
    for m in result.meters:
        click.echo(f"  {m.meter_no}\t起码 {m.start if m.start is not None else '—'}")


@account.command("statement")
@click.argument("account_no")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="起始日期 YYYY-MM-DD")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="截止日期 YYYY-MM-DD")
@click.option("--json", "as_json", is_flag=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件：.pdf 或 .xlsx")  # fmt: skip
@pass_context
def account_statement_cmd(
    ctx: Context,
    account_no: str,
    start: datetime | None,
    end: datetime | None,
    as_json: bool,
    output: Path | None,
) -> None:
    """The account statement (账户明细): every document in date order with the running balance."""
    suffix = output.suffix.lower() if output else ""
    if output is not None and suffix not in (".pdf", ".xlsx"):
        raise click.BadParameter(f"输出文件须为 .pdf 或 .xlsx，收到 {output.name}", param_hint="-o")
    if output is not None and as_json:
        raise click.BadParameter("--json 与 -o 只能选一个", param_hint="--json")

    def action() -> Statement:
        with ctx.session() as session:
            return account_statement(session, account_no, start and start.date(),
                                     end and end.date())  # fmt: skip

    statement = run(action)
    if output is not None:
        content = (render_statement_pdf(statement) if suffix == ".pdf"
                   else render_statement_xlsx(statement)[2])  # fmt: skip
        output.write_bytes(content)
        click.echo(f"已写入 {output}：户号 {statement.account_no}，{len(statement.lines)} 笔")
        return
    if as_json:
        dump(statement.as_json())
        return
    for row in table_rows(statement):
        click.echo("\t".join(row))
    click.echo(statement.position_text)
