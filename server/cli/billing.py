"""The billing run, bills, late fees and payment notices: `billing`, `bills`, `late-fee`,
`notices`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from reports.notice import render_notices
from server.cli.core import (
    Context,
    clerk_actor,
    cli,
    cli_actor,
    dump,
    parse_period,
    pass_context,
    run,
)
from server.services.billing.billing_run import list_bills, run_billing
from server.services.billing.estimates import estimate_by_default, estimate_limit
from server.services.billing.late_fees import rate_of, set_late_fee_policy
from server.services.billing.payment_notices import gather_notices
from server.services.collection.allocation import waive_late_fee
from server.services.core.calendar import now
from server.services.core.money import money_of
from server.services.metering.usage_rules import quantity_text


@cli.group()
def billing() -> None:
    """The monthly billing run (出账)."""


@billing.command("run")
@click.option("--period", required=True, help="账期 YYYY-MM")
@click.option(
    "--estimate/--no-estimate",
    default=None,
    help="估抄未抄表计（按近 12 个月月均用量出账）；默认按设置 billing.estimate",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def billing_run(ctx: Context, period: str, estimate: bool | None, as_json: bool) -> None:
    """Bill every account not yet billed for the period; a second run creates nothing."""
    target = parse_period(period)
    if estimate is None:
        estimate = estimate_by_default(ctx.settings)

    def action() -> Any:
        limit = estimate_limit(ctx.settings)
        with ctx.session() as session:
            return run_billing(
                session, cli_actor(), target, estimate=bool(estimate), estimate_limit=limit
            )

    result = run(action)
    if as_json:
        output = result.as_json()
        shown = ("created", "estimated", "skipped") if estimate else ("created", "skipped")
        dump({key: output[key] for key in shown})
        return
    if result.created:
        click.echo(f"{result.period} 出账完成：新建账单 {result.created} 张")
    else:
        click.echo(f"{result.period} 无新账单")
    if result.estimated:
        click.echo(f"估抄表计 {len(result.estimated)} 块：")
        for item in result.estimated:
            click.echo(
                f"  {item.meter_no}\t估用量 {quantity_text(item.usage)}"
                f"\t估读数 {quantity_text(item.value)}"
            )
    if result.already_billed:
        click.echo(f"本期此前已出账 {result.already_billed} 户，未重复出账")
    if result.skipped:
        click.echo(f"跳过表计 {len(result.skipped)} 块：")
        for item in result.skipped:
            click.echo(f"  {item.meter_no}\t{item.label}（{item.reason}）")


@cli.command("bills")
@click.option("--period", required=True, help="账期 YYYY-MM")
@click.option("--account", "account_no", help="户号")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def bills(ctx: Context, period: str, account_no: str | None, as_json: bool) -> None:
    """List the bills of a period."""
    target = parse_period(period)

    def action() -> Any:
        with ctx.session() as session:
            return list_bills(session, target, account_no)

    found = run(action)
    if as_json:
        dump([bill.as_json() for bill in found])
        return
    for bill in found:
        click.echo(
            f"{bill.account_no}\t{bill.holder_name}\t{bill.period}\t{bill.total}\t{bill.status}"
        )
    click.echo(f"共 {len(found)} 张")


@cli.group("late-fee")
def late_fee() -> None:
    """Late fees (滞纳金): the policy per customer class, waivers."""


@late_fee.command("policy")
@click.argument("customer_class")
@click.option("--rate", default="0", show_default=True, help="日费率，0.001 即每日千分之一")
@click.option("--grace", default=0, show_default=True, type=int, help="到期后宽限天数")
@click.option("--minimum", default="0", show_default=True, help="每张账单滞纳金最低金额")
@click.option("--cap", help="每张账单滞纳金封顶金额；不填则不封顶")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="生效日期；默认今天")
@click.option("--off", is_flag=True, help="自生效日期起不收滞纳金")
@click.option("--by", "login", help="操作人登录名（管理人员）")
@pass_context
def late_fee_policy(ctx: Context, customer_class: str, rate: str, grace: int, minimum: str,
                    cap: str | None, start: datetime | None, off: bool,
                    login: str | None) -> None:  # fmt: skip
    """Set a customer class's late-fee policy from a date (居民 / 集体宿舍 / 单位)."""

    def action() -> Any:
        fields: dict[str, Any] = {
            "enabled": not off,
            "grace_days": grace,
            "daily_rate": rate_of(rate),
            "minimum": money_of(minimum, "滞纳金最低金额", allow_zero=True),
            "cap": None if cap is None else money_of(cap, "滞纳金封顶金额"),
            "effective_from": now().date() if start is None else start.date(),
        }
        with ctx.session() as session:
            actor = clerk_actor(session, login) if login else cli_actor()
            return set_late_fee_policy(session, actor, customer_class, **fields)

    policy = run(action)
    since = f"{customer_class} 自 {policy.effective_from.isoformat()} 起"
    if not policy.enabled:
        click.echo(f"{since}不收滞纳金")
        return
    cap_text = "不封顶" if policy.cap is None else f"封顶 {policy.cap}"
    click.echo(
        f"{since}收滞纳金：日费率 {policy.daily_rate.normalize()}，宽限 {policy.grace_days} 天，"
        f"最低 {policy.minimum}，{cap_text}"
    )


@late_fee.command("waive")
@click.argument("account_no")
@click.argument("period")
@click.option("--reason", required=True)
@click.option("--by", "login", required=True, help="操作人登录名（管理人员）")
@pass_context
def late_fee_waive(ctx: Context, account_no: str, period: str, reason: str, login: str) -> None:
    """Waive a bill's open late fee, including what accrued up to today (减免)."""

    def action() -> Any:
        with ctx.session() as session:
            return waive_late_fee(session, clerk_actor(session, login), account_no, period, reason)

    waived = run(action)
    click.echo(f"户号 {account_no} {period} 已减免滞纳金 {waived}")


@cli.command("notices")
@click.option("--period", required=True, help="账期 YYYY-MM")
@click.option("--building", help="楼宇：楼名，或 校区/楼名（全楼一份 PDF，按房间排序）")
@click.option("--account", "account_no", help="户号（一户一份）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def notices_cmd(
    ctx: Context, period: str, building: str | None, account_no: str | None, output: Path
) -> None:
    """Write the payment notices (缴款通知单) of a building or an account as PDF."""
    if bool(building) == bool(account_no):
        raise click.UsageError("请给出 --building 或 --account 之一")
    target = parse_period(period)

    def action() -> Any:
        with ctx.session() as session:
            return gather_notices(
                session,
                target,
                building=building,
                account_no=account_no,
                base_url=ctx.settings.get("companion", "base_url"),
            )

    notices = run(action)
    _, _, content = render_notices(notices, account_no or building or "")
    output.write_bytes(content)
    click.echo(f"已写入 {output}：缴款通知单 {len(notices)} 份（{len(content) // 1024} KB）")
