"""Reminders (催缴) and low-balance alerts at the desk: `reminders policy|run|pause|resume|list`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from server.cli.core import (
    Context,
    clerk_actor,
    cli,
    cli_actor,
    dump,
    local_time,
    pass_context,
    run,
)
from server.services.core.calendar import now
from server.services.core.money import money_of
from server.services.residents import reminders as service


@cli.group()
def reminders() -> None:
    """Reminders (催缴) to overdue accounts and low-balance alerts (余额不足提醒)."""


@reminders.command("policy")
@click.argument("customer_class")
@click.option("--steps", required=True, help="逾期后第几天催缴，逗号分隔，如 3,10,20")
@click.option("--low-balance", help="预付费户余额低于此金额时提醒一次；不填则不提醒")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="生效日期；默认今天")
@click.option("--off", is_flag=True, help="自生效日期起不催缴")
@click.option("--by", "login", help="操作人登录名（管理人员）")
@pass_context
def reminders_policy(ctx: Context, customer_class: str, steps: str, low_balance: str | None,
                     start: datetime | None, off: bool, login: str | None) -> None:  # fmt: skip
    """Set a customer class's reminder policy from a date (居民 / 集体宿舍 / 单位)."""

    def action() -> service.Policy:
        fields: dict[str, Any] = {
            "steps": service.parse_steps(steps),
            "low_balance": None if low_balance is None else money_of(low_balance, "余额提醒金额"),
            "effective_from": now().date() if start is None else start.date(),
            "enabled": not off,
        }
        with ctx.session() as session:
            actor = clerk_actor(session, login) if login else cli_actor()
            return service.set_policy(session, actor, customer_class, **fields)

    policy = run(action)
    since = f"{customer_class} 自 {policy.effective_from.isoformat()} 起"
    if not policy.enabled:
        click.echo(f"{since}不催缴")
        return
    low = "不提醒余额" if policy.low_balance is None else f"余额低于 {policy.low_balance} 元提醒"
    days = "、".join(str(step) for step in policy.steps)
    click.echo(f"{since}逾期第 {days} 天催缴；{low}")


@reminders.command("run")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def reminders_run(ctx: Context, as_json: bool) -> None:
    """Queue the reminders and alerts due now (nothing at night or on non-working days)."""
    with ctx.session() as session:
        result = service.send_due_reminders(session, now())
    if as_json:
        dump(result.as_dict())
    elif result.quiet:
        click.echo("非工作日或不在 08:00–21:00 之间：不发送")
    else:
        click.echo(
            f"催缴 {result.overdue} 户，余额提醒 {result.low_balance} 户；"
            f"模板消息 {result.wechat}，短信 {result.sms}，"
            f"无法送达 {result.unreachable}，已暂停 {result.paused}"
        )


def _pause(ctx: Context, account_no: str, reason: str, login: str, paused: bool) -> None:
    def action() -> None:
        with ctx.session() as session:
            service.pause(session, clerk_actor(session, login), account_no, reason, paused=paused)

    run(action)
    click.echo(f"户号 {account_no} 的催缴已{'暂停' if paused else '恢复'}：{reason}")


@reminders.command("pause")
@click.argument("account_no")
@click.option("--reason", required=True)
@click.option("--by", "login", required=True, help="操作人登录名")
@pass_context
def reminders_pause(ctx: Context, account_no: str, reason: str, login: str) -> None:
    """Pause an account's reminders, saying why."""
    _pause(ctx, account_no, reason, login, True)


@reminders.command("resume")
@click.argument("account_no")
@click.option("--reason", required=True)
@click.option("--by", "login", required=True, help="操作人登录名")
@pass_context
def reminders_resume(ctx: Context, account_no: str, reason: str, login: str) -> None:
    """Resume a paused account's reminders, saying why."""
    _pause(ctx, account_no, reason, login, False)


@reminders.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def reminders_list(ctx: Context, as_json: bool) -> None:
    """What was sent to whom, newest first."""
    with ctx.session() as session:
        rows = service.sent_reminders(session)
    if as_json:
        dump(
            [
                {
                    "account_no": r.account_no,
                    "kind": r.kind,
                    "step": r.step,
                    "amount": str(r.amount),
                    "channel": r.channel,
                    "recipients": r.recipients,
                    "at": local_time(r.created_at),
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        click.echo(
            f"{local_time(r.created_at)}  {r.account_no} {r.holder_name}  {r.kind_label}"
            f"{f' 第{r.step}天' if r.step else ''}  {r.amount}  {r.channel_label} {r.recipients}"
        )
