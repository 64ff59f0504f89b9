"""The WeChat companion service and the official account: `serve`, `wechat`."""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

import click

from server.cli.core import Context, cli, dump, pass_context
from server.companion import wechat_api
from server.companion import workers as companion_workers
from server.companion.settings import CompanionSettings, SettingsError
from server.companion.wechat import menu_definition
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.jobs.catalogue import start_runner
from server.services.core import calendar, service_status
from server.services.core.errors import DomainError
from server.services.online_pay.config import demo_refusal
from server.services.residents.sms import console_warning


@cli.command("serve")
@click.option("--host", help="监听地址（默认 companion.host）")
@click.option("--port", type=int, help="端口（默认 companion.port）")
@click.option("--workers", type=click.IntRange(1, 64), help="工作进程数（默认 companion.workers）")
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="反向代理地址：信任其 X-Forwarded-For / X-Forwarded-Proto",
)
@click.option(
    "--no-jobs",
    is_flag=True,
    help="不在本进程运行定时任务（另有 meterdesk worker 时；默认 jobs.in_serve）",
)
@pass_context
def serve(
    ctx: Context,
    host: str | None,
    port: int | None,
    workers: int | None,
    forwarded_allow_ips: str,
    no_jobs: bool,
) -> None:
    """Run the WeChat companion service (/wechat, /h5/, /staff/, /healthz) and, unless
    --no-jobs, the scheduled jobs."""
    try:
        companion = CompanionSettings.from_settings(ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    refusal = demo_refusal(ctx.settings)
    if refusal:
        raise click.ClickException(refusal)
    host, port = host or companion.host, port or companion.port
    # Before anything starts (jobs, the status row): a second serve on a port still held,
    # by a running one or by workers left behind, stops here with the reason.
    try:
        companion_workers.check_port_free(host, port)
    except companion_workers.PortInUse as exc:
        raise click.ClickException(str(exc)) from exc
    # Resolved once here (an embedded server is started by this process and outlives the
    # workers); every worker process then finds the same database in its environment.
    os.environ["DATABASE_URL"] = ctx.ready_url()
    # Residents register with an SMS code: say so here and on the desk's dashboard when
    # none can be sent, rather than refuse (the rest of the service still works).
    warning = console_warning(ctx.settings)
    if warning:
        click.echo(f"警告：{warning}", err=True)
    _leave_status(os.environ["DATABASE_URL"], warning)
    options: dict[str, Any] = {
        "app": "server.companion.app:app_from_environment",
        "factory": True,
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips,
        "access_log": False,
        "log_level": "info",
    }
    count = workers or companion.workers
    # The jobs run in this supervising process, once, not in each web worker; another
    # server's serve or worker runs a job only when this one does not hold it.
    stop_jobs = threading.Event()
    if not no_jobs and ctx.settings.flag("jobs", "in_serve"):
        try:
            start_runner(os.environ["DATABASE_URL"], ctx.settings, stop_jobs)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        companion_workers.serve(options, count)
    finally:
        stop_jobs.set()


def _leave_status(url: str, warning: str) -> None:
    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            service_status.record_start(
                session, "companion", socket.gethostname(), warning, calendar.now()
            )
    finally:
        engine.dispose()


@cli.group()
def wechat() -> None:
    """The official account itself (公众号): its custom menu."""


@wechat.command("menu")
@click.option("--dry-run", is_flag=True, help="只打印菜单 JSON，不提交")
@pass_context
def wechat_menu(ctx: Context, dry_run: bool) -> None:
    """Set the account's menu to the companion's pages (needs companion.base_url)."""
    try:
        companion = CompanionSettings.from_settings(ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if not companion.base_url.startswith("https://"):
        raise click.ClickException("请先设置 companion.base_url（公众号菜单只接受 https 地址）")
    menu = menu_definition(companion.base_url)
    if dry_run:
        dump(menu)
        return
    engine = make_engine(ctx.ready_url())
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            token = wechat_api.access_token(session, companion)
        wechat_api.create_menu(token, companion, menu)
    except wechat_api.WechatApiError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo("公众号菜单已更新")
