"""Refunds (退款): `refund ACCOUNT_NO …` pays credit back; `refund pdf` prints a 退款单."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from server.cli.core import Context, clerk_actor, cli, dump, pass_context, run
from server.services.collection.refunds import REFUND_CHANNEL_LABELS, refund_balance, refund_pdf
from server.services.core.approval import cli_approval
from server.services.core.money import money_of


class _RefundGroup(click.Group):
    """A group whose first argument, when it names no subcommand, is the account to refund:
    `refund A001 --amount …` is `refund issue A001 --amount …`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["issue", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_RefundGroup)
def refund() -> None:
    """Refunds (退款) of an account's credit, and their 退款单 PDF.

    `meterdesk refund ACCOUNT_NO --amount X …` is `meterdesk refund issue ACCOUNT_NO …`.
    """


@refund.command("issue")
@click.argument("account_no")
@click.option("--amount", required=True, help="退款金额（元），不超过账户余额")
@click.option("--channel", required=True, help="cash | transfer（或 现金 / 转账）")
@click.option("--reference", default="", help="转账退款的银行流水号")
@click.option("--bank", default="", help="收款人开户银行（转账）")
@click.option("--clerk", required=True, help="经办（付款）的收费员登录名；现金从其钱箱付出")
@click.option("--by", "by", required=True, help="批准退款的管理人员登录名")
@click.option("--approved-by", help="审批人登录名（另一名管理人员，记入退款单）")
@click.option("--reason", default="", help="退款原因")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path), help="同时写出退款单 PDF"
)
@pass_context
def refund_issue(ctx: Context, account_no: str, amount: str, channel: str, reference: str,
                 bank: str, clerk: str, by: str, approved_by: str | None, reason: str,
                 as_json: bool, pdf: Path | None) -> None:  # fmt: skip
    """Pay an account's credit back to the holder (退款), numbered TK…."""

    def action() -> Any:
        value = money_of(amount, "退款金额")
        with ctx.session() as session:
            approver = clerk_actor(session, approved_by) if approved_by else None
            result = refund_balance(
                session, clerk_actor(session, by), account_no, value, channel,
                clerk=clerk_actor(session, clerk), reference=reference, bank=bank,
                reason=reason, **cli_approval(approver),
            )  # fmt: skip
            content = refund_pdf(session, result.refund_no)[2] if pdf else b""
            return result, content

    result, content = run(action)
    if pdf is not None:
        pdf.write_bytes(content)
    if as_json:
        dump(result.as_json())
        return
    click.echo(
        f"退款单 {result.refund_no}：户号 {result.account_no} 退款 {result.amount} 元"
        f"（{REFUND_CHANNEL_LABELS[result.channel]}），账户余额 {result.balance_after}"
    )
    if pdf is not None:
        click.echo(f"已写入 {pdf}")


@refund.command("pdf")
@click.argument("refund_no")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def refund_pdf_cmd(ctx: Context, refund_no: str, output: Path) -> None:
    """Write the refund form (退款单) as an A5 PDF."""

    def action() -> Any:
        with ctx.session() as session:
            return refund_pdf(session, refund_no)

    _, _, content = run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}（{len(content) // 1024} KB）")
