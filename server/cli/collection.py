"""Taking money: `pay`, `receipt`, `till`, `export`."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import click

from reports.payments_export import render_payments_xlsx
from reports.receipt import ReceiptSize
from server.cli.core import Context, clerk_actor, cli, dump, pass_context, run
from server.services.collection.payment_export import payment_rows
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.receipts import receipt_pdf, reprint_receipt
from server.services.collection.refunds import REFUND_CHANNEL_LABELS
from server.services.collection.settlement_report import (
    find_till,
    settlement_pdf,
    settlement_xlsx,
)
from server.services.collection.till import close_till, hand_over, open_till
from server.services.collection.voids import void_receipt
from server.services.core.calendar import now
from server.services.core.money import money_of


@cli.command("pay")
@click.argument("account_no")
@click.argument("amount")
@click.option(
    "--channel", required=True, help="cash | cheque | transfer（或 现金 / 支票 / 网银转账）"
)
@click.option("--ref", "reference", default="", help="支票号或银行流水号")
@click.option("--bank", default="", help="开户银行（支票）")
@click.option("--branch", "branch_code", required=True, help="收款分中心代码")
@click.option("--clerk", required=True, help="收费员登录名")
@click.option("--tendered", help="现金实收（找零据此计算）")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def pay(ctx: Context, account_no: str, amount: str, channel: str, reference: str, bank: str,
        branch_code: str, clerk: str, tendered: str | None, as_json: bool) -> None:  # fmt: skip
    """Take a payment against the account's open bills (oldest first) and issue a receipt."""

    def action() -> Any:
        request = PaymentRequest(
            account_no=account_no,
            amount=money_of(amount, "收款金额"),
            channel=channel,
            branch_code=branch_code,
            reference=reference,
            bank=bank,
            tendered=money_of(tendered, "实收金额") if tendered is not None else None,
        )
        with ctx.session() as session:
            return take_payment(session, clerk_actor(session, clerk), request)

    result = run(action)
    if as_json:
        dump(result.as_json())
        return
    click.echo(f"收据 {result.receipt_no}：")
    fees = dict(result.late_fees)
    for period, paid in result.allocations:
        if period in fees:
            click.echo(f"  {period}\t滞纳金\t{fees.pop(period)}")
        click.echo(f"  {period}\t{paid}")
    for period, fee in fees.items():
        click.echo(f"  {period}\t滞纳金\t{fee}")
    click.echo(f"存入余额 {result.credit}，找零 {result.change}，账户余额 {result.balance}")


@cli.group()
def receipt() -> None:
    """Receipts (收据): print, void."""


@receipt.command("pdf")
@click.argument("receipt_no")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--size", type=click.Choice(["a5", "form"]), default="a5", show_default=True)
@click.option(
    "--reprint", "by", metavar="LOGIN", help="记为重打（计数并在收据上标注），操作人登录名"
)
@pass_context
def receipt_pdf_cmd(
    ctx: Context, receipt_no: str, output: Path, size: ReceiptSize, by: str | None
) -> None:
    """Write the receipt as PDF (A5 or the 241 × 93 mm continuous form)."""

    def action() -> Any:
        with ctx.session() as session:
            if by:
                reprint_receipt(session, clerk_actor(session, by), receipt_no)
            return receipt_pdf(session, receipt_no, size)

    _, _, content = run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}（{len(content) // 1024} KB）")


@receipt.command("void")
@click.argument("receipt_no")
@click.option("--reason", required=True)
@click.option("--by", "login", required=True, help="操作人登录名")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def receipt_void(ctx: Context, receipt_no: str, reason: str, login: str, as_json: bool) -> None:
    """Void a receipt (冲正/作废): the bills reopen, the number is never reused."""

    def action() -> Any:
        with ctx.session() as session:
            return void_receipt(session, clerk_actor(session, login), receipt_no, reason)

    result = run(action)
    if as_json:
        dump(
            {
                "receipt_no": result.receipt_no,
                "reopened": [{"period": p, "amount": str(a)} for p, a in result.reopened],
                "credit_reversed": str(result.credit_reversed),
                "balance": str(result.balance),
            }
        )
        return
    click.echo(f"收据 {result.receipt_no} 已作废；账户余额 {result.balance}")


@cli.group()
def till() -> None:
    """The clerk's till and day close (日结)."""


@till.command("open")
@click.option("--clerk", required=True, help="收费员登录名")
@click.option("--float", "float_amount", help="备用金；默认为上次日结留在钱箱的现金")
@pass_context
def till_open(ctx: Context, clerk: str, float_amount: str | None) -> None:
    """Open the clerk's till for today."""

    def action() -> Any:
        amount = None if float_amount is None else money_of(float_amount, "备用金")
        with ctx.session() as session:
            return open_till(session, clerk_actor(session, clerk), amount)

    view = run(action)
    click.echo(f"{clerk} 已开班：{view.business_date}，备用金 {view.float_amount}")


@till.command("handover")
@click.option("--clerk", required=True)
@click.option("--to", "to_login", required=True, help="接收现金的出纳登录名")
@click.argument("amount")
@click.option("--note", default="")
@pass_context
def till_handover(ctx: Context, clerk: str, to_login: str, amount: str, note: str) -> None:
    """Hand cash from the open till over to a head cashier (交款)."""

    def action() -> Any:
        value = money_of(amount, "交款金额")
        with ctx.session() as session:
            return hand_over(session, clerk_actor(session, clerk), value, to_login, note)

    run(action)
    click.echo(f"已交款 {amount} 给 {to_login}")


@till.command("close")
@click.option("--clerk", required=True)
@click.option("--cash-counted", required=True, help="清点的现金")
@click.option("--note", default="", help="长短款说明")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def till_close(ctx: Context, clerk: str, cash_counted: str, note: str, as_json: bool) -> None:
    """Close the clerk's day: totals by channel, expected and counted cash, over/short."""

    def action() -> Any:
        counted = money_of(cash_counted, "清点现金", allow_zero=True)
        with ctx.session() as session:
            return close_till(session, clerk_actor(session, clerk), counted, note)

    view = run(action)
    data = {
        "business_date": view.business_date.isoformat(),
        "clerk": view.clerk,
        "float": str(view.float_amount),
        "totals": [
            {"channel": t.channel, "count": t.count, "amount": str(t.amount)} for t in view.totals
        ],
        "voided": [
            {"receipt_no": v.receipt_no, "channel": v.channel, "amount": str(v.amount),
             "reason": v.reason}
            for v in view.voided
        ],
        "cash_tendered": str(view.cash_tendered),
        "change_given": str(view.change_given),
        "cash_voided": str(view.cash_voided),
        "cash_refunded": str(view.cash_refunded),
        "refunds": [
            {"refund_no": r.refund_no, "account_no": r.account_no, "channel": r.channel,
             "amount": str(r.amount)}
            for r in view.refunds
        ],
        "handed_over": str(view.handed_over),
        "expected": str(view.expected_cash),
        "counted": str(view.cash_counted),
        "over_short": str(view.over_short),
    }  # fmt: skip
    if as_json:
        dump(data)
        return
    click.echo(f"{view.clerk} {view.business_date} 日结：")
    for t in view.totals:
        click.echo(f"  {t.label}\t{t.count} 笔\t{t.amount}")
    for v in view.voided:
        click.echo(f"  作废 {v.receipt_no}\t{v.amount}\t{v.reason}")
    for r in view.refunds:
        click.echo(
            f"  退款 {r.refund_no}\t{r.account_no}\t{REFUND_CHANNEL_LABELS[r.channel]}\t{r.amount}"
        )
    click.echo(f"应有现金 {view.expected_cash}，实点 {view.cash_counted}，长短款 {view.over_short}")


@till.command("report")
@click.option("--clerk", required=True, help="收费员登录名")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="营业日期；默认为该收费员最近一班"
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="输出文件：.pdf 或 .xlsx",
)  # fmt: skip
@pass_context
def till_report(ctx: Context, clerk: str, day: datetime | None, output: Path) -> None:
    """Write the clerk's settlement report (日结报表) as PDF or Excel, by the file's suffix."""
    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise click.BadParameter(f"输出文件须为 .pdf 或 .xlsx，收到 {output.name}", param_hint="-o")

    def action() -> Any:
        with ctx.session() as session:
            till_id = find_till(session, clerk, None if day is None else day.date())
            if suffix == ".pdf":
                return settlement_pdf(session, till_id)
            # Rendered in memory first, so a refusal leaves no half-written file behind.
            buffer = BytesIO()
            settlement_xlsx(session, till_id, buffer)
            return buffer.getvalue()

    content = run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}")


@cli.group()
def export() -> None:
    """Workbooks for other offices and systems."""


@export.command("payments")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def export_payments(ctx: Context, start: datetime, end: datetime, output: Path) -> None:
    """Receipt lines of a date range (户号, 缴费月份, 缴费金额, 渠道, 收据号, 时间, 网点)."""
    title = f"缴费明细 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"

    def action() -> Any:
        with ctx.session() as session:
            rows = payment_rows(session, start.date(), end.date())
            return render_payments_xlsx(rows, title, now())

    _, _, content = run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}")
