"""The demo centre: `demo-data`, and `demo` (seed if empty, then the desktop with the bench
simulator and the residents' phone pages)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import click
import requests

from server.cli.core import Context, cli, cli_actor, pass_context, progress, run
from server.db.engine import is_embedded
from server.demo.bench import demo_bench_meters, start_bench_simulator
from server.demo.control import (
    DEMO_CONTROL_PASSWORD,
    control_environment,
    demo_gateway_meters,
    start_demo_gateway,
)
from server.demo.data import generate_demo_data
from server.demo.messages import DemoMessages, demo_environment
from server.ops.pc_setup import DEMO_ACCOUNTS, has_accounts, seed_demo
from server.services.core.calendar import now
from server.services.online_pay.demo import resident_to_try


@cli.command("demo-data")
@click.option("--accounts", default=300, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int)
@pass_context
def demo_data(ctx: Context, accounts: int, seed: int) -> None:
    """Fill an empty database with a demo centre: campuses, accounts, meters, 14 months of
    readings, and its past year of bills, payments, tills, bindings and requests."""

    def action() -> Any:
        with ctx.session(as_owner=True) as session:
            return generate_demo_data(
                session, cli_actor(), accounts=accounts, seed=seed, now=now(), progress=progress,
                master_meters=True, prepaid_control=True,
            )  # fmt: skip

    summary = run(action)
    click.echo(summary.describe())


@dataclass
class DemoCompanion:
    """The demo's `meterdesk serve` and the stand-in its messages go to."""

    process: subprocess.Popen[bytes]
    messages: DemoMessages

    def stop(self) -> None:
        _stop(self.process)
        self.messages.stop()


def _start_demo_companion(ctx: Context, control: dict[str, str]) -> DemoCompanion | None:
    """The residents' phone pages for the demo: `meterdesk serve` on a free loopback port
    with the development sign-in and 演示支付 on, its jobs' template messages and SMS sent
    to the 演示消息 stand-in, its 费控 jobs' commands to the demo gateway (`control`: the
    settings of demo.control), started and waited for; the caller stops it. Only on the
    PC's own embedded database (`serve` refuses pay.demo elsewhere)."""
    if not is_embedded(ctx.settings):
        click.echo("连接的是中心数据库：不启动演示用的住户手机页面")
        return None
    with ctx.session() as session:
        resident = resident_to_try(session)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    messages = DemoMessages()
    env = (
        dict(os.environ)
        | demo_environment(messages.url, url)
        | control
        | {
            "MD_COMPANION_HOST": "127.0.0.1",
            "MD_COMPANION_PORT": str(port),
            "MD_COMPANION_WORKERS": "1",
            # A fresh key each run: the demo's sign-ins need not outlive it.
            "MD_COMPANION_SECRET_KEY": secrets.token_urlsafe(32),
            "MD_COMPANION_DEV_LOGIN": "true",
            "MD_PAY_DEMO": "true",
        }
    )
    folder = ctx.settings.home / "logs"
    folder.mkdir(exist_ok=True)
    with (folder / "demo-companion.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"], env=env, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.3)
    else:
        DemoCompanion(process, messages).stop()
        click.echo(f"住户手机页面未能启动，原因见 {folder / 'demo-companion.log'}")
        return None
    click.echo(f"住户手机页面：{url}/h5/（在浏览器中打开，可切换为手机视图）")
    click.echo(
        f"演示消息：{messages.url}/（公众号模板消息和短信，含注册验证码；不会发给真实的微信或短信平台）"
    )
    if resident is not None:
        click.echo(
            f"  在“开发调试登录”中填 openid {resident[0]}，即为已绑定户号 {resident[1]} 的住户"
        )
    else:
        click.echo("  在“开发调试登录”中填任意 openid，再绑定户号并在桌面程序中审核通过")
    click.echo("  在线缴费可选“演示支付”（不扣款）；付款后在桌面程序的换开收据中为其开具收据")
    return DemoCompanion(process, messages)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGINT, not SIGTERM: uvicorn re-raises the signal it stopped on, and only SIGINT ends
    # Python through its exit handlers, where the embedded server's handle is given back
    # (else the server outlives the demo). Windows has no SIGINT for a child.
    if os.name == "nt":
        process.terminate()
    else:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@cli.command("demo")
@click.option("--accounts", default=DEMO_ACCOUNTS, show_default=True, type=click.IntRange(1))
@click.option("--no-desktop", is_flag=True, help="Seed only; do not open the desktop.")
@pass_context
def demo(ctx: Context, accounts: int, no_desktop: bool) -> None:
    """Seed the database with demo data if it is empty, then open the desktop."""
    with ctx.session(as_owner=True) as session:
        if has_accounts(session):
            click.echo("数据库已有数据，不再生成演示数据")
        else:
            click.echo("数据库为空，正在生成演示数据……")
            summary = seed_demo(
                session, cli_actor(), now=now(), accounts=accounts, progress=progress
            )
            click.echo(summary.describe())
    if no_desktop:
        return

    with ctx.session() as session:
        bench = demo_bench_meters(session)
        prepaid, places = demo_gateway_meters(session)
    env = dict(os.environ)
    simulator = start_bench_simulator(bench) if bench else None
    if simulator is not None:
        # The desktop's 台架读表 offers this port first (devices.bench_port).
        env["MD_DEVICES_BENCH_PORT"] = simulator.url
        for meter in bench:
            click.echo(f"台架模拟表：{meter.meter_no}（地址 {meter.address}）在 {simulator.url}")
    # 费控: the desktop (switching, its 发送 button) and serve (the jobs, a payment's
    # switch-on) both reach the prepaid meters through the demo's building gateway.
    gateway = start_demo_gateway(prepaid) if prepaid else None
    control = control_environment(gateway.url, places) if gateway is not None else {}
    env |= control
    if gateway is not None:
        click.echo(
            f"费控模拟网关：{len(prepaid)} 块预付费表（{len(places)} 栋楼）在 {gateway.url}，"
            f"控制密码 {DEMO_CONTROL_PASSWORD}；在桌面程序的“费控”页预览策略、审批断开、发送"
        )
    companion = _start_demo_companion(ctx, control)
    try:
        # The desktop runs as its own process (the domain layer never imports Qt); it joins
        # the same embedded server, which stays up while either process uses it. The demo
        # has just seeded its database: the first-run wizard has nothing to ask.
        desktop = [sys.executable, "-m", "desktop.app", "--no-setup", "--login", "admin"]
        code = subprocess.call(desktop, env=env)
    finally:
        if simulator is not None:
            simulator.stop()
        # serve before its gateway: a command it is sending finishes on a live line rather
        # than waiting out its timeouts while serve is asked to stop.
        if companion is not None:
            companion.stop()
        if gateway is not None:
            gateway.stop()
    sys.exit(code)
