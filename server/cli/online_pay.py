"""Online payment at the desk: `pay-orders`, `reconcile`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from server.cli.core import Context, clerk_actor, cli, cli_actor, pass_context, run
from server.db.engine import make_engine, make_sessionmaker
from server.services.core.calendar import now
from server.services.core.errors import DomainError
from server.services.online_pay import callbacks, desk, providers_of, reconcile
from server.services.online_pay.config import pay_config


@cli.group("pay-orders")
def pay_orders() -> None:
    """在线支付订单: the active query (for the scheduler) and the exceptions list."""


@pay_orders.command("query")
@click.option(
    "--after",
    type=click.IntRange(0),
    help="下单后多少分钟仍未收到通知即查询；默认 pay.query_after_minutes",
)
@pass_context
def pay_orders_query(ctx: Context, after: int | None) -> None:
    """Ask WeChat Pay / UnionPay about orders without a callback and settle the paid ones."""

    def action() -> callbacks.QueryReport:
        config = pay_config(ctx.settings)
        providers = providers_of(config)
        if not providers:
            raise DomainError("未配置在线支付（[pay] wechat_mch_id / unionpay_mer_id）")
        wait = config.query_after if after is None else timedelta(minutes=after)
        engine = make_engine(ctx.ready_url())
        try:
            return callbacks.query_waiting(make_sessionmaker(engine), providers, wait)
        finally:
            engine.dispose()

    report = run(action)
    for order_no, what in report.lines:
        click.echo(f"{order_no}  {what}")
    click.echo(
        f"查询 {report.asked} 笔：入账 {report.applied}，异常 {report.exceptions}，"
        f"关闭 {report.closed}，等待 {report.still_waiting}，查询失败 {report.unavailable}"
    )


@pay_orders.command("exceptions")
@click.option("--all", "show_all", is_flag=True, help="也列出已处理的")
@pass_context
def pay_orders_exceptions(ctx: Context, show_all: bool) -> None:
    """Online payments kept for a staff decision (credit or refund)."""

    def action() -> tuple[desk.ExceptionRow, ...]:
        with ctx.session() as session:
            return desk.exceptions(session, open_only=not show_all)

    rows = run(action)
    if not rows:
        click.echo("没有待处理的在线支付异常" if not show_all else "没有在线支付异常")
    for row in rows:
        click.echo(
            f"{row.exception_id}  {row.provider_label}  {row.kind_label}  {row.amount} 元  "
            f"{row.trade_no}  {row.account_no or '-'}  {row.status_label}  {row.detail}"
        )


@cli.command("reconcile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", type=click.Choice(["wechat", "unionpay"]), required=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="对账结果 .xlsx"
)
@click.option("--by", "login", help="操作人登录名（账务管理）")
@pass_context
def reconcile_cmd(
    ctx: Context, file: Path, provider: str, output: Path | None, login: str | None
) -> None:
    """对账: import a provider's daily statement and match it against our payments."""

    def action() -> reconcile.Reconciliation:
        with ctx.session() as session:
            actor = clerk_actor(session, login) if login else cli_actor()
            statement_id = reconcile.import_statement(
                session, actor, provider, file.name, file.read_bytes()
            )
            return reconcile.reconcile(session, statement_id)

    result = run(action)
    for line in result.lines:
        if line.status in ("missing_ours", "missing_statement", "mismatch"):
            click.echo(f"{reconcile.STATUS_LABELS[line.status]}  {line.trade_no}  {line.note}")
    counts = "，".join(
        f"{label} {len(result.of(status))}" for status, label in reconcile.STATUS_LABELS.items()
    )
    click.echo(f"{result.provider_label} {result.first_day}：{counts}，待查明 {result.unexplained}")
    if output is not None:
        _, _, content = reconcile.reconciliation_xlsx(result, now())
        output.write_bytes(content)
        click.echo(f"已写入 {output}")
