"""Bill corrections and adjustments: `bill rebill|cancel`, `adjust`.

Each is a manager's act (`--by`). The second manager's approval above billing.approval_limit
is the desktop's step (the issue's rule); here `--approved-by` records one when given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.orm import Session

from server.cli.core import Context, clerk_actor, cli, dump, parse_period, pass_context, run
from server.services.billing.adjustments import adjust_account, signed_amount
from server.services.billing.corrections import cancel_bill, rebill_bill
from server.services.core.approval import cli_approval
from server.services.core.audit import Actor


def _correction_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--reason, --by, --approved-by and --json: what every correction asks."""
    command = click.option("--json", "as_json", is_flag=True)(command)
    command = click.option(
        "--approved-by", "approved_by", metavar="LOGIN",
        help="审批人登录名（另一名管理人员，记入单据）",
    )(command)  # fmt: skip
    command = click.option("--by", "login", required=True, metavar="LOGIN",
                           help="经办人登录名（管理人员）")(command)  # fmt: skip
    return click.option("--reason", required=True, help="原因")(command)


# A correction service called with the session, the acting manager and the approval keywords.
_Correction = Callable[[Session, Actor, dict[str, Any]], Any]


def _correct(
    ctx: Context, login: str, approved_by: str | None, as_json: bool, correction: _Correction
) -> Any:
    """Run a correction as `login`, approved by `approved_by` when given;
    its JSON is printed with --json (None returned), else its result is returned to say."""

    def action() -> Any:
        with ctx.session() as session:
            approver = clerk_actor(session, approved_by) if approved_by else None
            return correction(session, clerk_actor(session, login), cli_approval(approver))

    result = run(action)
    if as_json:
        dump(result.as_json())
        return None
    return result


@cli.group("bill")
def bill() -> None:
    """Correct an issued bill: rebill (更正账单) or cancel (作废账单), with a credit note."""


@bill.command("rebill")
@click.argument("account_no")
@click.option("--period", required=True, help="账期 YYYY-MM")
@_correction_options
@pass_context
def bill_rebill(ctx: Context, account_no: str, period: str, reason: str, login: str,
                approved_by: str | None, as_json: bool) -> None:  # fmt: skip
    """Rebill the account's bill of a period from the readings and tariffs now in force.

    The bill is cancelled by a numbered credit note (红字冲销 HZ…); what it was paid pays
    the replacement, any excess stays as credit, a shortfall is owed.
    """
    target = parse_period(period)
    result = _correct(
        ctx, login, approved_by, as_json,
        lambda s, actor, limits: rebill_bill(s, actor, account_no, target, reason, **limits),
    )  # fmt: skip
    if result is None:
        return
    click.echo(
        f"户号 {result.account_no} 账期 {result.period} 已更正：红字冲销 {result.credit_note_no} "
        f"冲销 {result.old_total}，新账单 {result.new_total}（差额 {result.difference}）"
    )
    click.echo(
        f"原账单已付 {result.paid_moved} 转入余额；新账单尚欠 {result.owed}，余额 {result.balance}"
    )


@bill.command("cancel")
@click.argument("account_no")
@click.option("--period", required=True, help="账期 YYYY-MM")
@_correction_options
@pass_context
def bill_cancel(ctx: Context, account_no: str, period: str, reason: str, login: str,
                approved_by: str | None, as_json: bool) -> None:  # fmt: skip
    """Cancel the account's bill of a period raised in error, by a credit note (红字冲销).

    What it was paid goes to the balance and pays the account's other open bills.
    """
    target = parse_period(period)
    result = _correct(
        ctx, login, approved_by, as_json,
        lambda s, actor, limits: cancel_bill(s, actor, account_no, target, reason, **limits),
    )  # fmt: skip
    if result is None:
        return
    click.echo(
        f"户号 {result.account_no} 账期 {result.period} 账单已作废：红字冲销 "
        f"{result.credit_note_no} 冲销 {result.total}"
    )
    click.echo(
        f"原账单已付 {result.paid_moved} 转入余额，抵扣其他账单 {result.drawn}，"
        f"余额 {result.balance}"
    )


@cli.command("adjust")
@click.argument("account_no")
@click.option("--amount", required=True, help="金额：正数借记（应收，如赔偿），负数贷记（减免）")
@_correction_options
@pass_context
def adjust(ctx: Context, account_no: str, amount: str, reason: str, login: str,
           approved_by: str | None, as_json: bool) -> None:  # fmt: skip
    """Adjust an account (调账): a numbered debit (+) or credit (−) with a reason."""

    value = run(lambda: signed_amount(amount))
    result = _correct(
        ctx, login, approved_by, as_json,
        lambda s, actor, limits: adjust_account(s, actor, account_no, value, reason, **limits),
    )  # fmt: skip
    if result is None:
        return
    if result.bill_id is None:
        click.echo(
            f"调账单 {result.note_no}：户号 {result.account_no} 贷记 {-result.amount}"
            f"（{result.reason}），抵扣账单 {result.drawn}，余额 {result.balance}"
        )
    else:
        click.echo(
            f"调账单 {result.note_no}：户号 {result.account_no} 借记 {result.amount}"
            f"（{result.reason}），账期 {result.period} 尚欠 {result.owed}，余额 {result.balance}"
        )
