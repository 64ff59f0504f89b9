"""Prepaid control (费控) at the desk: `control status|policy|switch|protect|unprotect|
protections|commands|send|class`.

Switching off a home is serious: the policy run only previews unless `--apply`, and queues
switch-offs only with a manager's approval (`--approved-by`); a manual switch names its
operator (`--by`) and a reason. Commands go out with `send` or the control_send job; a
payment's switch-on goes right after it is taken (serve, worker) or at the job's next round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
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
from server.db.engine import make_engine, make_sessionmaker
from server.services.control import commands, overview, policy, protection, sender
from server.services.control.settings import ControlSettings
from server.services.core.calendar import BUSINESS_TZ, now
from server.services.core.money import money_of
from server.services.residents.control_warnings import notify_warning


@cli.group()
def control() -> None:
    """Prepaid control (费控): switching prepaid meters off and back on, 保电, the policy."""


def _settings(ctx: Context) -> ControlSettings:
    return run(lambda: ControlSettings.from_settings(ctx.settings))


def _command_json(row: commands.CommandRow) -> dict[str, object]:
    return {
        "id": row.command_id,
        "account_no": row.account_no,
        "meter_no": row.meter_no,
        "action": row.action,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "approved_by": row.approved_by,
        "status": row.status,
        "attempts": row.attempts,
        "error": row.error,
        "state_after": row.state_after,
        "created_at": local_time(row.created_at),
        "finished_at": local_time(row.finished_at),
        "request_hex": row.request_hex,
        "reply_hex": row.reply_hex,
    }


@control.command("status")
@click.option("--building", help="只看这栋楼（楼名或 校区/楼名）")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def control_status(ctx: Context, building: str | None, as_json: bool) -> None:
    """Each prepaid meter: balance, switch state as read back, last command, 保电."""
    with ctx.session() as session:
        rows = overview.prepaid_meters(
            session,
            now(),
            building_id=protection.building_id_of(session, building) if building else None,
        )
    if as_json:
        dump(
            [
                {
                    "account_no": r.account_no,
                    "meter_no": r.meter_no,
                    "balance": str(r.balance),
                    "cutoff_below": None if r.cutoff_below is None else str(r.cutoff_below),
                    "state": r.state,
                    "state_read_at": local_time(r.state_read_at),
                    "held": r.held,
                    "last_command": r.last_command,
                    "last_status": r.last_status,
                    "protected": r.protected,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        click.echo("没有可远程通断的预付费表计")
    for r in rows:
        read = f"（{local_time(r.state_read_at)} 回读）" if r.state_read_at else ""
        last = f"  上次指令 {r.last_command} {r.last_status}" if r.last_command else ""
        mark = f"  保电：{r.protected}" if r.protected else ""
        click.echo(
            f"{r.account_no} {r.holder_name}  {r.building}  {r.meter_no}  余额 {r.balance}"
            f"  {r.state_label}{read}{last}{mark}"
        )


@control.command("policy")
@click.option("--apply", is_flag=True, help="发出预警；有 --approved-by 时排队断开")
@click.option("--approved-by", "approved_by", metavar="LOGIN", help="审批断开的管理人员登录名")
@click.option("--building", help="只看这栋楼（楼名或 校区/楼名）")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def control_policy(
    ctx: Context, apply: bool, approved_by: str | None, building: str | None, as_json: bool
) -> None:
    """The policy run: who would be warned or switched off now and why (a preview unless
    --apply)."""
    settings = _settings(ctx)

    def action() -> policy.PolicyPreview:
        with ctx.session() as session:
            approver = clerk_actor(session, approved_by) if approved_by else None
            return policy.run_control_policy(
                session, now(), actor=cli_actor(), settings=settings, apply=apply,
                approver=approver, notify=notify_warning, building=building,
            )  # fmt: skip

    preview = run(action)
    if as_json:
        dump(
            {
                "window_open": preview.window_open,
                "window_note": preview.window_note,
                "applied": preview.applied,
                "warned": preview.warned,
                "queued": preview.queued,
                "items": [
                    {
                        "account_no": i.account_no,
                        "balance": str(i.balance),
                        "threshold": str(i.threshold),
                        "step": i.step,
                        "why": i.why,
                        "meters": list(i.meters),
                    }
                    for i in preview.items
                ],
            }
        )
        return
    for item in preview.items:
        click.echo(f"{item.account_no} {item.holder_name}  {item.step_label}  {item.why}")
    click.echo(preview.summary())
    if apply and preview.to_switch and not approved_by:
        click.echo("断开须由管理人员审批：加 --approved-by LOGIN 再运行")


@control.command("switch")
@click.argument("account_no")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.option("--reason", required=True, help="原因")
@click.option("--by", "login", required=True, metavar="LOGIN", help="操作人登录名")
@pass_context
def control_switch(ctx: Context, account_no: str, state: str, reason: str, login: str) -> None:
    """Queue switching an account's meters on or off (sent by `send` or the job)."""

    def action() -> list[int]:
        with ctx.session() as session:
            actor = clerk_actor(session, login)
            return commands.switch_account(session, actor, account_no, state, reason, now())

    ids = run(action)
    click.echo(f"已排队 {len(ids)} 条指令（{'、'.join(map(str, ids))}）：{reason}")


def _protect(
    ctx: Context,
    protected: bool,
    account_no: str | None,
    building: str | None,
    reason: str,
    login: str,
    until: datetime | None,
) -> None:
    def action() -> tuple[int, ...]:
        with ctx.session() as session:
            return protection.set_protection(
                session, clerk_actor(session, login), protected=protected, reason=reason,
                now=now(), account_no=account_no, building=building,
                until=until.replace(tzinfo=BUSINESS_TZ) if until else None,
            )  # fmt: skip

    ids = run(action)
    target = f"户号 {account_no}" if account_no else f"楼宇 {building}"
    queued = f"；已排队表计{'保电' if protected else '保电解除'}指令 {len(ids)} 条" if ids else ""
    click.echo(f"{target} {'已保电' if protected else '已解除保电'}：{reason}{queued}")


def _target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--account or --building, --reason and --by: what a 保电 mark asks."""
    command = click.option("--by", "login", required=True, metavar="LOGIN",
                           help="管理人员登录名")(command)  # fmt: skip
    command = click.option("--reason", required=True, help="原因")(command)
    command = click.option("--building", help="整栋楼（楼名或 校区/楼名）")(command)
    return click.option("--account", "account_no", help="户号")(command)


@control.command("protect")
@_target_options
@click.option("--until", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%d"]), help="截止时间")
@pass_context
def control_protect(ctx: Context, account_no: str | None, building: str | None, reason: str,
                    login: str, until: datetime | None) -> None:  # fmt: skip
    """Mark an account or a building 保电: never switched off (a manager's decision)."""
    _protect(ctx, True, account_no, building, reason, login, until)


@control.command("unprotect")
@_target_options
@pass_context
def control_unprotect(ctx: Context, account_no: str | None, building: str | None, reason: str,
                      login: str) -> None:  # fmt: skip
    """Lift an account's or a building's 保电."""
    _protect(ctx, False, account_no, building, reason, login, None)


@control.command("protections")
@pass_context
def control_protections(ctx: Context) -> None:
    """The 保电 marks in force."""
    with ctx.session() as session:
        marks = protection.protections(session, now())
    if not marks:
        click.echo("没有保电")
    for m in marks:
        click.echo(f"{m.target}  {m.reason}  {m.until_text}  {m.set_by} {local_time(m.set_at)}")


@control.command("commands")
@click.option("--pending", is_flag=True, help="只看待发送和发送中的")
@click.option("--failed", is_flag=True, help="只看失败的")
@click.option("--account", "account_no", help="户号")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def control_commands(
    ctx: Context, pending: bool, failed: bool, account_no: str | None, as_json: bool
) -> None:
    """Switch commands, newest first, with their outcome and the meter's reply."""
    statuses = (("queued", "sending") if pending else ()) + (("failed",) if failed else ())
    with ctx.session() as session:
        rows = commands.commands(session, statuses, account_no)
    if as_json:
        dump([_command_json(r) for r in rows])
        return
    for r in rows:
        who = r.requested_by + (f"，{r.approved_by} 审批" if r.approved_by else "")
        error = f"  {r.error}" if r.error else ""
        click.echo(
            f"#{r.command_id} {local_time(r.created_at)}  {r.account_no} {r.meter_no}"
            f"  {r.action_label}（{r.source_label}：{r.reason}，{who}）  {r.status_label}"
            f"{f' 第{r.attempts}次' if r.attempts else ''}{error}"
        )


@control.command("send")
@pass_context
def control_send(ctx: Context) -> None:
    """Send the commands due now over each building's port."""
    settings = _settings(ctx)
    engine = make_engine(ctx.ready_url())
    try:
        report = run(lambda: sender.send_due(make_sessionmaker(engine), settings, now()))
    finally:
        engine.dispose()
    click.echo(report.summary())


@control.command("read")
@click.option("--building", help="只读这栋楼（楼名或 校区/楼名）")
@pass_context
def control_read(ctx: Context, building: str | None) -> None:
    """Read each prepaid meter's relay or valve now and store it (回读状态)."""
    settings = _settings(ctx)

    def building_id() -> int | None:
        if building is None:
            return None
        with ctx.session() as session:
            return protection.building_id_of(session, building)

    found_id = run(building_id)
    engine = make_engine(ctx.ready_url())
    try:
        reads = sender.read_states(make_sessionmaker(engine), settings, now(), building_id=found_id)
    finally:
        engine.dispose()
    labels = commands.STATE_LABELS
    for r in reads:
        click.echo(f"{r.meter_no}  {labels[r.state]}  {r.port}")
    click.echo(f"回读 {len(reads)} 块表")


def _money_or_none(text: str | None, what: str) -> Decimal | None:
    return None if text is None or text.strip() == "" else money_of(text, what, allow_zero=True)


@control.command("class")
@click.argument("customer_class", required=False)
@click.option("--cutoff-below", help="余额低于此金额（元）预警并在宽限期后断开；空为不断开")
@click.option("--warn-below", help="余额低于此金额（元）提醒；空为不提醒")
@click.option("--grace-hours", type=int, default=24, show_default=True, help="预警后宽限小时数")
@click.option("--by", "login", metavar="LOGIN", help="管理人员登录名")
@pass_context
def control_class(ctx: Context, customer_class: str | None, cutoff_below: str | None,
                  warn_below: str | None, grace_hours: int, login: str | None) -> None:  # fmt: skip
    """Show the classes' thresholds, or set one class's (by its code)."""
    if customer_class is not None:
        if login is None:
            raise click.UsageError("设置费控策略须用 --by 指明管理人员")

        def action() -> None:
            with ctx.session() as session:
                policy.set_class_policy(
                    session, clerk_actor(session, login), customer_class,
                    cutoff_below=_money_or_none(cutoff_below, "停电金额"),
                    warn_below=_money_or_none(warn_below, "提醒金额"), grace_hours=grace_hours,
                )  # fmt: skip

        run(action)
    with ctx.session() as session:
        classes = policy.class_policies(session)
    for c in classes:
        cut = "不断开" if c.cutoff_below is None else f"低于 {c.cutoff_below} 元断开"
        warn = "" if c.warn_below is None else f"，低于 {c.warn_below} 元提醒"
        click.echo(f"{c.code} {c.name}：{cut}{warn}，宽限 {c.grace_hours} 小时")
