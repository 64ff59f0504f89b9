"""`meterdesk`: the operator's command line.

Every command is one unit of work: it commits when it succeeds and writes nothing when it
fails. A refusal (bad input, a business rule) prints a one-line reason and exits 2; `db status`
exits 1 when the schema needs an upgrade.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from server import __version__
from server.config import ConfigError, Settings, load_settings
from server.db.engine import database_url, is_embedded, make_engine, make_sessionmaker, unit_of_work
from server.db.migrate import prepare, upgrade
from server.db.migrate import status as schema_status
from server.logs import setup_logging
from server.ops.pc_setup import DEMO_ACCOUNTS, has_accounts, seed_demo
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period, now
from server.services.core.errors import DomainError
from server.services.metering.readings import READING_STATUS_LABELS

EXIT_REFUSED = 2
EXIT_NOT_CURRENT = 1


def _actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return Actor.system(f"cli {user}")


def _clerk_actor(session: Session, login: str) -> Actor:
    """The staff member a scripted command acts as (`--clerk`, `--by`)."""
    from server.services.staff.sign_in import staff_identity

    return staff_identity(session, login).actor


class Context:
    """Settings and the database, resolved lazily so `config show` needs no server."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._url: str | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
            setup_logging(self._settings, "meterdesk")
        return self._settings

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = database_url(self.settings)
        return self._url

    def ready_url(self) -> str:
        """The database URL, its schema current: migrated here if embedded, else refused."""
        state = prepare(self.url, embedded=is_embedded(self.settings))
        if state.ahead:
            raise click.ClickException(
                f"数据库结构版本 {state.current} 比本程序（{state.head}）新：请安装新版 MeterDesk"
            )
        if not state.up_to_date:
            raise click.ClickException(
                f"数据库结构版本为 {state.current or '空'}，本程序需要 {state.head}："
                "请先运行 meterdesk db upgrade"
            )
        return self.url

    @contextmanager
    def session(self) -> Iterator[Session]:
        engine = make_engine(self.ready_url())
        try:
            with unit_of_work(make_sessionmaker(engine)) as session:
                yield session
        finally:
            engine.dispose()


pass_context = click.make_pass_decorator(Context, ensure=True)


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except DomainError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="meterdesk")
def cli() -> None:
    """MeterDesk 水电计量收费系统 — operator commands."""


@cli.group()
def config() -> None:
    """Settings (config file in MD_HOME, or MD_<SECTION>_<KEY> variables)."""


@config.command("show")
@pass_context
def config_show(ctx: Context) -> None:
    """Print the effective settings, secrets masked, with where each comes from."""
    settings = ctx.settings
    click.echo(f"# MD_HOME = {settings.home}")
    click.echo(f"# config file = {settings.home / 'meterdesk.toml'}")
    current = None
    for item in settings.items.values():
        if item.section != current:
            current = item.section
            click.echo(f"[{current}]")
        click.echo(f"{item.key} = {item.display_value()!r}  # {item.source}")


@cli.group()
def db() -> None:
    """Schema migrations."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Migrate the database to the schema this version needs."""
    before = schema_status(ctx.url)
    upgrade(ctx.url)
    after = schema_status(ctx.url)
    if before.current == after.current:
        click.echo(f"数据库结构已是最新（{after.current}）")
    else:
        click.echo(f"数据库结构已升级：{before.current or '空'} → {after.current}")


@db.command("status")
@pass_context
def db_status(ctx: Context) -> None:
    """Show the schema version of the database and what is pending."""
    state = schema_status(ctx.url)
    where = "嵌入式数据库" if is_embedded(ctx.settings) else "中心数据库"
    click.echo(f"{where}：当前版本 {state.current or '空'}，程序需要 {state.head}")
    if state.up_to_date:
        click.echo("状态：最新")
    else:
        click.echo(f"状态：待升级 {', '.join(state.pending)}（运行 meterdesk db upgrade）")
        sys.exit(EXIT_NOT_CURRENT)


@cli.command("backup")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="备份文件；默认 MD_HOME/backups/meterdesk-年月日-时分秒.dump",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="备份文件夹（文件名自动加时间）；默认 MD_HOME/backups",
)
@click.option("--prune", is_flag=True, help="备份后按保留策略删除同一文件夹中的旧备份")
@click.option("--keep-daily", default=7, show_default=True, type=click.IntRange(0), help="保留天数")
@click.option(
    "--keep-monthly", default=12, show_default=True, type=click.IntRange(0), help="保留月数"
)
@pass_context
def backup_cmd(
    ctx: Context,
    output: Path | None,
    folder: Path | None,
    prune: bool,
    keep_daily: int,
    keep_monthly: int,
) -> None:
    """Back up the database (pg_dump custom format) with a FILE.sha256 checksum beside it."""
    from server.ops import backup as backups

    if output and folder:
        raise click.UsageError("-o 与 --dir 只能选一个")
    folder = folder or backups.backup_folder(ctx.settings.home)
    target = output or backups.default_backup_path(folder)
    result = _run(lambda: backups.create_backup(ctx.url, target))
    megabytes = result.size / 1024 / 1024
    click.echo(f"已备份到 {result.path}（{megabytes:.1f} MB，用时 {result.seconds:.1f} 秒）")
    click.echo(f"校验文件 {result.checksum_path}")
    if prune:
        removed = backups.prune(result.path.parent, keep_daily, keep_monthly)
        click.echo(
            f"保留最近 {keep_daily} 天每天一份、最近 {keep_monthly} 个月每月一份："
            f"删除 {len(removed)} 份旧备份"
        )
        for path in removed:
            click.echo(f"  已删除 {path.name}")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="目标数据库不是空的也恢复（先清空其 public 模式）")
@pass_context
def restore_cmd(ctx: Context, file: Path, force: bool) -> None:
    """Restore a backup into the configured database, which must be empty."""
    from server.ops import backup as backups

    result = _run(lambda: backups.restore_backup(ctx.url, file, force=force))
    click.echo(f"已从 {file.name} 恢复（用时 {result.seconds:.1f} 秒）")
    state = result.schema
    if state.up_to_date:
        click.echo(f"数据库结构版本 {state.current}：最新")
        return
    if state.ahead:
        click.echo(
            f"数据库结构版本 {state.current} 比本程序（{state.head}）新：请安装新版 MeterDesk"
        )
    else:
        click.echo(
            f"数据库结构版本 {state.current or '空'}，本程序需要 {state.head}："
            "请运行 meterdesk db upgrade"
        )
    sys.exit(EXIT_NOT_CURRENT)


@cli.command("doctor")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["database", "fonts", "printers", "serial", "wechat"]),
    help="不做的检查，可重复（如服务器上 --skip printers --skip serial）",
)
@pass_context
def doctor_cmd(ctx: Context, skip: tuple[str, ...]) -> None:
    """Check the database, schema, role, fonts, printers, serial ports and WeChat settings."""
    from server.ops import doctor

    try:
        url = ctx.url if "database" not in skip else ""
    except Exception as exc:  # the embedded server did not start, a malformed URL…
        click.echo(f"✗ 数据库无法使用：{exc} — 检查 database.url（或 DATABASE_URL）")
        sys.exit(1)
    checks = doctor.run_checks(ctx.settings, url, skip=skip)
    for check in checks:
        click.echo(check.line())
    if doctor.failed(checks):
        sys.exit(1)


def _period(value: str) -> Period:
    try:
        return Period.parse(value)
    except DomainError as exc:
        raise click.BadParameter(str(exc)) from exc


@cli.group()
def billing() -> None:
    """The monthly billing run (出账)."""


@billing.command("run")
@click.option("--period", required=True, help="账期 YYYY-MM")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def billing_run(ctx: Context, period: str, as_json: bool) -> None:
    """Bill every account not yet billed for the period; a second run creates nothing."""
    from server.services.billing.billing_run import run_billing

    target = _period(period)

    def action() -> Any:
        with ctx.session() as session:
            return run_billing(session, _actor(), target)

    result = _run(action)
    if as_json:
        _dump({"created": result.created, "skipped": result.as_json()["skipped"]})
        return
    if result.created:
        click.echo(f"{result.period} 出账完成：新建账单 {result.created} 张")
    else:
        click.echo(f"{result.period} 无新账单")
    if result.already_billed:
        click.echo(f"本期此前已出账 {result.already_billed} 户，未重复出账")
    if result.skipped:
        click.echo(f"跳过表计 {len(result.skipped)} 块：")
        for item in result.skipped:
            click.echo(f"  {item.meter_no}\t{item.label}（{item.reason}）")


@cli.group()
def branch() -> None:
    """Counter branches (校区分中心)."""


@branch.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--campus", required=True, help="校区名称（不存在则新建）")
@pass_context
def branch_add(ctx: Context, code: str, name: str, campus: str) -> None:
    """Add a counter branch; its CODE starts its receipt numbers."""
    from server.services.staff.org import add_branch

    def action() -> Any:
        with ctx.session() as session:
            made = add_branch(session, _actor(), code, name, campus)
            return made.code, made.name

    made_code, made_name = _run(action)
    click.echo(f"已添加分中心 {made_code} {made_name}（{campus}）")


@cli.group()
def staff() -> None:
    """Staff members and their logins."""


@staff.command("add")
@click.argument("login")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["clerk", "manager", "reader", "admin"]))
@click.option("--branch", "branch_code", help="分中心代码（收费员必填）")
@pass_context
def staff_add(ctx: Context, login: str, name: str, role: str, branch_code: str | None) -> None:
    """Add a staff member; the password is read from standard input."""
    from server.services.staff.org import add_staff_with_role

    if role == "clerk" and not branch_code:
        raise click.UsageError("收费员须指定 --branch")
    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    else:
        password = sys.stdin.readline().rstrip("\r\n")

    def action() -> Any:
        with ctx.session() as session:
            made = add_staff_with_role(
                session,
                _actor(),
                login=login,
                name=name,
                password=password,
                role=role,
                branch_code=branch_code,
            )
            return made.id

    _run(action)
    click.echo(f"已添加工作人员 {login} {name}（{role}）")


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
    from server.services.accounts.accounts import search_accounts

    def action() -> Any:
        with ctx.session() as session:
            return search_accounts(session, " ".join(query), limit)

    hits = _run(action)
    if as_json:
        _dump(
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
    from server.services.collection.payments import PaymentRequest, take_payment
    from server.services.core.money import money_of

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
            return take_payment(session, _clerk_actor(session, clerk), request)

    result = _run(action)
    if as_json:
        _dump(result.as_json())
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
def receipt_pdf_cmd(ctx: Context, receipt_no: str, output: Path, size: str, by: str | None) -> None:
    """Write the receipt as PDF (A5 or the 241 × 93 mm continuous form)."""
    from server.services.collection.receipts import receipt_pdf, reprint_receipt

    def action() -> Any:
        with ctx.session() as session:
            if by:
                reprint_receipt(session, _clerk_actor(session, by), receipt_no)
            return receipt_pdf(session, receipt_no, size)  # type: ignore[arg-type]

    _, _, content = _run(action)
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
    from server.services.collection.payments import void_receipt

    def action() -> Any:
        with ctx.session() as session:
            return void_receipt(session, _clerk_actor(session, login), receipt_no, reason)

    result = _run(action)
    if as_json:
        _dump(
            {
                "receipt_no": result.receipt_no,
                "reopened": [{"period": p, "amount": str(a)} for p, a in result.reopened],
                "credit_reversed": str(result.credit_reversed),
                "balance": str(result.balance),
            }
        )
        return
    click.echo(f"收据 {result.receipt_no} 已作废；账户余额 {result.balance}")


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
    from server.services.billing.late_fees import rate_of, set_late_fee_policy
    from server.services.core.money import money_of

    def action() -> Any:
        fields = {
            "enabled": not off,
            "grace_days": grace,
            "daily_rate": rate_of(rate),
            "minimum": money_of(minimum, "滞纳金最低金额", allow_zero=True),
            "cap": None if cap is None else money_of(cap, "滞纳金封顶金额"),
            "effective_from": now().date() if start is None else start.date(),
        }
        with ctx.session() as session:
            actor = _clerk_actor(session, login) if login else _actor()
            return set_late_fee_policy(session, actor, customer_class, **fields)

    policy = _run(action)
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
    from server.services.collection.payments import waive_late_fee

    def action() -> Any:
        with ctx.session() as session:
            return waive_late_fee(session, _clerk_actor(session, login), account_no, period, reason)

    waived = _run(action)
    click.echo(f"户号 {account_no} {period} 已减免滞纳金 {waived}")


@cli.group()
def till() -> None:
    """The clerk's till and day close (日结)."""


@till.command("open")
@click.option("--clerk", required=True, help="收费员登录名")
@click.option("--float", "float_amount", help="备用金；默认为上次日结留在钱箱的现金")
@pass_context
def till_open(ctx: Context, clerk: str, float_amount: str | None) -> None:
    """Open the clerk's till for today."""
    from server.services.collection.till import open_till
    from server.services.core.money import money_of

    def action() -> Any:
        amount = None if float_amount is None else money_of(float_amount, "备用金")
        with ctx.session() as session:
            return open_till(session, _clerk_actor(session, clerk), amount)

    view = _run(action)
    click.echo(f"{clerk} 已开班：{view.business_date}，备用金 {view.float_amount}")


@till.command("handover")
@click.option("--clerk", required=True)
@click.option("--to", "to_login", required=True, help="接收现金的出纳登录名")
@click.argument("amount")
@click.option("--note", default="")
@pass_context
def till_handover(ctx: Context, clerk: str, to_login: str, amount: str, note: str) -> None:
    """Hand cash from the open till over to a head cashier (交款)."""
    from server.services.collection.till import hand_over
    from server.services.core.money import money_of

    def action() -> Any:
        value = money_of(amount, "交款金额")
        with ctx.session() as session:
            return hand_over(session, _clerk_actor(session, clerk), value, to_login, note)

    _run(action)
    click.echo(f"已交款 {amount} 给 {to_login}")


@till.command("close")
@click.option("--clerk", required=True)
@click.option("--cash-counted", required=True, help="清点的现金")
@click.option("--note", default="", help="长短款说明")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def till_close(ctx: Context, clerk: str, cash_counted: str, note: str, as_json: bool) -> None:
    """Close the clerk's day: totals by channel, expected and counted cash, over/short."""
    from server.services.collection.till import close_till
    from server.services.core.money import money_of

    def action() -> Any:
        counted = money_of(cash_counted, "清点现金", allow_zero=True)
        with ctx.session() as session:
            return close_till(session, _clerk_actor(session, clerk), counted, note)

    view = _run(action)
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
        "handed_over": str(view.handed_over),
        "expected": str(view.expected_cash),
        "counted": str(view.cash_counted),
        "over_short": str(view.over_short),
    }  # fmt: skip
    if as_json:
        _dump(data)
        return
    click.echo(f"{view.clerk} {view.business_date} 日结：")
    for t in view.totals:
        click.echo(f"  {t.label}\t{t.count} 笔\t{t.amount}")
    for v in view.voided:
        click.echo(f"  作废 {v.receipt_no}\t{v.amount}\t{v.reason}")
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
    from io import BytesIO

    from server.services.collection.settlement_report import (
        find_till,
        settlement_pdf,
        settlement_xlsx,
    )

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

    content = _run(action)
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
    from reports.payments_export import render_payments_xlsx
    from server.services.collection.payment_export import payment_rows

    title = f"缴费明细 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"

    def action() -> Any:
        with ctx.session() as session:
            rows = payment_rows(session, start.date(), end.date())
            return render_payments_xlsx(rows, title, now())

    _, _, content = _run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}")


@cli.command("report")
@click.argument("name", metavar="NAME")
@click.option("--period", help="账期 YYYY-MM")
@click.option("--from", "start", help="开始：日期 YYYY-MM-DD（按账期的报表也可写 YYYY-MM）")
@click.option("--to", "end", help="结束：日期 YYYY-MM-DD 或账期 YYYY-MM；默认同 --from")
@click.option("--campus", help="校区名称或代码")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD（arrears、collection；默认今天）")
@click.option("--threshold", help="损耗率阈值，如 0.05 或 5%（loss；默认水 8%、电 5%）")
@click.option("--by", help="用能查询汇总方式：account / building / campus / kind")
@click.option("--kind", help="用能查询类型：electricity / water（电 / 水）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def report_cmd(
    ctx: Context,
    name: str,
    period: str | None,
    start: str | None,
    end: str | None,
    campus: str | None,
    as_of: str | None,
    threshold: str | None,
    by: str | None,
    kind: str | None,
    output: Path,
) -> None:
    """Write a report as .xlsx or .pdf (by the file's suffix).

    NAME: usage 用能查询, arrears 欠费清单, collection 应收实收, cash 收费日报/月报,
    unread 未抄表计, anomalies 异常用量, loss 总分表平衡, meters 表计台账.
    """
    from reports.tables import render_table_pdf, write_table_xlsx
    from server.services.reports import ReportRequest, build_report

    suffix = output.suffix.lower()
    request = ReportRequest(name, period, start, end, campus, as_of, threshold, by, kind)
    # Written next to the target and renamed at the end: a refusal or a failure half way
    # through a 100,000-row export leaves no half-written file behind.
    partial = output.with_name(f".{output.name}.part")

    def action() -> Any:
        if suffix not in (".pdf", ".xlsx"):
            raise DomainError(f"输出文件须为 .pdf 或 .xlsx，收到 {output.name}")
        with ctx.session() as session:
            report = build_report(session, _actor(), request, stream=suffix == ".xlsx")
            if suffix == ".xlsx":
                rows = write_table_xlsx(report, str(partial))
            else:
                partial.write_bytes(render_table_pdf(report))
                rows = len(report.rows) if isinstance(report.rows, tuple) else 0
        partial.replace(output)
        return report.title, rows

    try:
        title, rows = _run(action)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"已写入 {output}：{title}，{rows} 行")


@cli.group()
def reading() -> None:
    """Meter readings (抄表)."""


@reading.command("record")
@click.argument("meter_no")
@click.argument("value")
@click.option("--at", "read_at", help="抄表时间 YYYY-MM-DD[ HH:MM] (business time); default now")
@click.option(
    "--source",
    default="field",
    show_default=True,
    type=click.Choice(["field", "handheld", "remote", "import", "estimate", "self"]),
)
@click.option("--note", default="")
@pass_context
def reading_record(
    ctx: Context, meter_no: str, value: str, read_at: str | None, source: str, note: str
) -> None:
    """Record a reading; its anomaly flags are shown at once."""
    from server.services.metering.readings import record_reading

    moment = _moment(read_at)

    def action() -> Any:
        with ctx.session() as session:
            return record_reading(session, _actor(), meter_no, value, moment, source, note=note)

    result = _run(action)
    usage = "—" if result.usage is None else str(result.usage)
    status = READING_STATUS_LABELS[result.status]
    click.echo(f"{result.meter_no} 读数 {result.value}，用量 {usage}，{status}")
    if result.flags:
        click.echo(f"提醒：{result.message}")


@reading.command("history")
@click.argument("meter_no")
@click.option("--limit", default=24, show_default=True)
@pass_context
def reading_history_cmd(ctx: Context, meter_no: str, limit: int) -> None:
    """A meter's readings, newest first."""
    from server.services.metering.readings import reading_history
    from server.services.metering.usage_rules import describe_flags

    def action() -> Any:
        with ctx.session() as session:
            return reading_history(session, meter_no, limit)

    for row in _run(action):
        when = row.read_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
        usage = "" if row.usage is None else str(row.usage)
        click.echo(
            f"{when}\t{row.value}\t{usage}\t{READING_STATUS_LABELS[row.status]}\t"
            f"{row.source}\t{describe_flags(row.flags)}"
        )


def _moment(text: str | None) -> datetime:
    if not text:
        return now()
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(
            f"时间格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM，收到「{text}」"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BUSINESS_TZ)


@cli.command("bills")
@click.option("--period", required=True, help="账期 YYYY-MM")
@click.option("--account", "account_no", help="户号")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def bills(ctx: Context, period: str, account_no: str | None, as_json: bool) -> None:
    """List the bills of a period."""
    from server.services.billing.billing_run import list_bills

    target = _period(period)

    def action() -> Any:
        with ctx.session() as session:
            return list_bills(session, target, account_no)

    found = _run(action)
    if as_json:
        _dump([bill.as_json() for bill in found])
        return
    for bill in found:
        click.echo(
            f"{bill.account_no}\t{bill.holder_name}\t{bill.period}\t{bill.total}\t{bill.status}"
        )
    click.echo(f"共 {len(found)} 张")


@cli.group("import")
def import_group() -> None:
    """Import data exported by other systems."""


@import_group.command("legacy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def import_legacy_cmd(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the old billing system's workbook (户号, 表计, 价格, 读数, 换表)."""
    from server.services.legacy.workbook import LegacyImportError, import_legacy

    try:
        with ctx.session() as session:
            report = import_legacy(session, _actor(), file, dry_run=dry_run)
    except LegacyImportError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"导入失败：{len(exc.problems)} 处错误，未写入任何数据", err=True)
        sys.exit(EXIT_REFUSED)
    except DomainError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    if as_json:
        _dump(report.as_json())
        return
    for sheet, count in report.by_sheet().items():
        click.echo(f"{sheet}：新增 {count.added}，已存在 {count.present}")
    if dry_run:
        click.echo("试运行：检查通过，未写入任何数据")
    elif report.added == 0:
        click.echo("没有新数据：该工作簿此前已导入")
    else:
        click.echo(f"导入完成：新增 {report.added} 行")


@import_group.command("handheld")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--profile", "-p", required=True, help="导入方案名称或编号（meterdesk handheld profiles）"
)
@click.option("--dry-run", is_flag=True, help="逐行判定，不写入。")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="导入结果另存为 xlsx"
)
@pass_context
def import_handheld_cmd(
    ctx: Context, file: Path, profile: str, dry_run: bool, as_json: bool, output: Path | None
) -> None:
    """Import a handheld terminal's export file (DBF/CSV/TXT/XLS/XLSX) by a column profile."""
    from server.services.metering.handheld_import import import_handheld, result_xlsx

    def action() -> Any:
        with ctx.session() as session:
            return import_handheld(session, _actor(), file, profile, dry_run=dry_run)

    result = _run(action)
    if output is not None:
        output.write_bytes(result_xlsx(result)[2])
    if as_json:
        _dump(result.as_json())
        return
    for line in result.lines:
        if line.outcome not in ("imported", "duplicate"):
            click.echo(
                f"第 {line.line} 行\t{line.outcome_label}\t{line.hardware_no}\t{line.message}"
            )
    click.echo(result.summary())
    if output is not None:
        click.echo(f"结果已写入 {output}")


@import_group.command("accounts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="逐行判定，不写入。")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def import_accounts_cmd(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the billing system's account changes (新增 / 修改 / 销户 户号), row by row."""
    from server.services.accounts.account_changes import import_account_changes

    def action() -> Any:
        with ctx.session() as session:
            return import_account_changes(session, _actor(), file, dry_run=dry_run)

    result = _run(action)
    if as_json:
        _dump(result.as_json())
        return
    for row in result.rows:
        click.echo(f"第 {row.row} 行\t{row.kind}\t{row.account_no}\t{row.outcome_label}"
                   f"\t{row.message}")  # fmt: skip
    click.echo(result.summary())


@cli.command("demo-data")
@click.option("--accounts", default=300, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int)
@pass_context
def demo_data(ctx: Context, accounts: int, seed: int) -> None:
    """Fill an empty database with a demo centre: campuses, accounts, meters, 14 months of
    readings, and its past year of bills, payments, tills, bindings and requests."""
    from server.demo.data import generate_demo_data
    from server.services.core.calendar import now

    def action() -> Any:
        with ctx.session() as session:
            return generate_demo_data(
                session, _actor(), accounts=accounts, seed=seed, now=now(), progress=_progress,
                master_meters=True,
            )  # fmt: skip

    summary = _run(action)
    click.echo(summary.describe())


def _progress(stage: str, done: int, total: int) -> None:
    click.echo(f"  {stage} {done}/{total}", err=True)


def _start_demo_companion(ctx: Context) -> subprocess.Popen[bytes] | None:
    """The residents' phone pages for the demo: `meterdesk serve` on a free loopback port
    with the development sign-in and 演示支付 on, started and waited for; the caller stops
    it. Only on the PC's own embedded database (`serve` refuses pay.demo elsewhere)."""
    import secrets
    import socket
    import time

    import requests

    from server.services.online_pay.demo import resident_to_try

    if not is_embedded(ctx.settings):
        click.echo("连接的是中心数据库：不启动演示用的住户手机页面")
        return None
    with ctx.session() as session:
        resident = resident_to_try(session)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ) | {
        "MD_COMPANION_HOST": "127.0.0.1",
        "MD_COMPANION_PORT": str(port),
        "MD_COMPANION_WORKERS": "1",
        "MD_COMPANION_BASE_URL": "",
        # A fresh key each run: the demo's sign-ins need not outlive it.
        "MD_COMPANION_SECRET_KEY": secrets.token_urlsafe(32),
        "MD_COMPANION_DEV_LOGIN": "true",
        "MD_PAY_DEMO": "true",
    }
    folder = ctx.settings.home / "logs"
    folder.mkdir(exist_ok=True)
    with (folder / "demo-companion.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"], env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.3)
    else:
        _stop(process)
        click.echo(f"住户手机页面未能启动，原因见 {folder / 'demo-companion.log'}")
        return None
    click.echo(f"住户手机页面：{url}/h5/（在浏览器中打开，可切换为手机视图）")
    if resident is not None:
        click.echo(
            f"  在“开发调试登录”中填 openid {resident[0]}，即为已绑定户号 {resident[1]} 的住户"
        )
    else:
        click.echo("  在“开发调试登录”中填任意 openid，再绑定户号并在桌面程序中审核通过")
    click.echo("  在线缴费可选“演示支付”（不扣款）；付款后在桌面程序的换开收据中为其开具收据")
    return process


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
    from server.services.core.calendar import now

    with ctx.session() as session:
        if has_accounts(session):
            click.echo("数据库已有数据，不再生成演示数据")
        else:
            click.echo("数据库为空，正在生成演示数据……")
            summary = seed_demo(session, _actor(), now=now(), accounts=accounts, progress=_progress)
            click.echo(summary.describe())
    if no_desktop:
        return
    from server.demo.bench import demo_bench_meters, start_bench_simulator

    with ctx.session() as session:
        bench = demo_bench_meters(session)
    env = dict(os.environ)
    simulator = start_bench_simulator(bench) if bench else None
    if simulator is not None:
        # The desktop's 台架读表 offers this port first (devices.bench_port).
        env["MD_DEVICES_BENCH_PORT"] = simulator.url
        for meter in bench:
            click.echo(f"台架模拟表：{meter.meter_no}（地址 {meter.address}）在 {simulator.url}")
    companion = _start_demo_companion(ctx)
    try:
        # The desktop runs as its own process (the domain layer never imports Qt); it joins
        # the same embedded server, which stays up while either process uses it. The demo
        # has just seeded its database: the first-run wizard has nothing to ask.
        desktop = [sys.executable, "-m", "desktop.app", "--no-setup", "--login", "admin"]
        code = subprocess.call(desktop, env=env)
    finally:
        if simulator is not None:
            simulator.stop()
        if companion is not None:
            _stop(companion)
    sys.exit(code)


@cli.group()
def frame() -> None:
    """Meter frames (DL/T 645-2007/1997, CJ/T 188): decode a capture, build a request."""


@frame.command("decode")
@click.argument("hex_text", nargs=-1, required=True)
@click.option(
    "--protocol",
    type=click.Choice(["dlt645-2007", "dlt645-1997", "cjt188"]),
    help="Force the protocol instead of detecting it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def frame_decode(hex_text: tuple[str, ...], protocol: str | None, as_json: bool) -> None:
    """Decode a captured frame (hex, spaces allowed); a bad frame exits 2 saying why."""
    from devices.decode import DETAIL_LABELS, describe, parse_hex
    from devices.errors import FrameError

    try:
        decoded = describe(parse_hex(" ".join(hex_text)), protocol)
    except FrameError as exc:
        if as_json:
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        else:
            click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    if as_json:
        _dump(decoded.as_json())
        return
    click.echo(f"协议 {decoded.protocol}  {decoded.kind}")
    di = f"  数据标识 {decoded.di}" if decoded.di else ""
    click.echo(f"地址 {decoded.address}  控制码 {decoded.control:02X}H{di}")
    for value in decoded.values:
        text = "无数据" if value.value is None else f"{value.text()} {value.unit}".rstrip()
        click.echo(f"{value.name} = {text}")
    for key, text in decoded.details:
        click.echo(f"{DETAIL_LABELS.get(key, key)}：{text or '—'}")
    if decoded.error:
        click.echo(f"异常：{decoded.error}")


@frame.command("encode")
@click.option(
    "--protocol", required=True, type=click.Choice(["dlt645-2007", "dlt645-1997", "cjt188"])
)
@click.option("--address", required=True, help="表地址（高位在前，如 000000000001）")
@click.option("--di", help="数据标识；不给则为读地址请求")
@click.option("--meter-type", default="10", show_default=True, help="CJ/T 188 仪表类型（十六进制）")
@click.option(
    "--di-order",
    type=click.Choice(["big", "little"]),
    default="big",
    show_default=True,
    help="CJ/T 188: big sends 90 1F, little sends 1F 90.",
)
@click.option("--wakeup", default=0, show_default=True, type=click.IntRange(0, 16))
def frame_encode(
    protocol: str, address: str, di: str | None, meter_type: str, di_order: str, wakeup: int
) -> None:
    """Print a request frame as uppercase hex, space separated."""
    from devices.decode import encode_request

    try:
        raw = encode_request(
            protocol, address, di, meter_type=int(meter_type, 16), di_order=di_order, wakeup=wakeup
        )
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(raw.hex(" ").upper())


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
@pass_context
def serve(
    ctx: Context, host: str | None, port: int | None, workers: int | None, forwarded_allow_ips: str
) -> None:
    """Run the WeChat companion service (/wechat, /h5/, /staff/, /healthz)."""
    import os

    import uvicorn

    from server.companion import workers as companion_workers
    from server.companion.settings import CompanionSettings, SettingsError
    from server.services.online_pay.config import demo_refusal

    try:
        companion = CompanionSettings.from_settings(ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    refusal = demo_refusal(ctx.settings)
    if refusal:
        raise click.ClickException(refusal)
    # Resolved once here (an embedded server is started by this process and outlives the
    # workers); every worker process then finds the same database in its environment.
    os.environ["DATABASE_URL"] = ctx.ready_url()
    options = {
        "app": "server.companion.app:app_from_environment",
        "factory": True,
        "host": host or companion.host,
        "port": port or companion.port,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips,
        "access_log": False,
        "log_level": "info",
    }
    count = workers or companion.workers
    if count > 1 and companion_workers.spreads_connections():
        companion_workers.run(options, count)
    else:
        uvicorn.run(**options, workers=count)


@cli.group()
def outbox() -> None:
    """Template messages to residents (模板消息发件箱)."""


@outbox.command("send")
@click.option("--loop", is_flag=True, help="持续运行，每隔 --interval 秒发送到期消息")
@click.option("--interval", default=5.0, show_default=True, type=float)
@pass_context
def outbox_send(ctx: Context, loop: bool, interval: float) -> None:
    """Send due messages through WeChat's API (retries with backoff, never twice)."""
    import time

    from server.companion.outbox_sender import send_due
    from server.companion.settings import CompanionSettings, SettingsError

    try:
        companion = CompanionSettings.from_settings(ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    from datetime import timedelta

    from server.services.residents.template_messages import queue_payment_notices

    engine = make_engine(ctx.ready_url())
    sessions = make_sessionmaker(engine)
    try:
        while True:
            # Payments are taken at the counters without knowing about WeChat: each cycle
            # queues 缴费成功 for the last day's payments (once each, by dedupe key).
            with unit_of_work(sessions) as session:
                queue_payment_notices(session, now() - timedelta(days=1))
            report = send_due(sessions, companion)
            if report != type(report)() or not loop:
                click.echo(
                    f"已发送 {report.sent}，待重试 {report.retrying}，失败 {report.failed}"
                    + (f"，中断待核对 {report.stale}" if report.stale else "")
                )
            if not loop:
                break
            time.sleep(interval)
    finally:
        engine.dispose()


@outbox.command("bills")
@click.option("--period", required=True, help="账期 YYYY-MM")
@pass_context
def outbox_bills(ctx: Context, period: str) -> None:
    """Queue 账单通知 for the period's bills (after the billing run; running it again adds
    nothing)."""
    from server.services.residents.template_messages import queue_bill_notices

    with ctx.session() as session:
        queued = queue_bill_notices(session, _period(period))
    click.echo(f"已加入发送队列 {queued} 条账单通知")


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def outbox_list(ctx: Context, status: str | None, as_json: bool) -> None:
    """Messages newest first; `--status failed` lists those a person must look at."""
    from server.services.residents import outbox as outbox_service

    with ctx.session() as session:
        rows = outbox_service.messages(session, status)
    if as_json:
        _dump(
            [
                {
                    "id": r.message_id,
                    "kind": r.kind,
                    "status": r.status,
                    "attempts": r.attempts,
                    "error": r.last_error,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        click.echo(f"{r.message_id}\t{r.kind}\t{r.status_label}\t{r.attempts}\t{r.last_error}")


@cli.group()
def handheld() -> None:
    """Handheld terminals (掌上机): import profiles and the route to read."""


@handheld.command("profiles")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def handheld_profiles_cmd(ctx: Context, as_json: bool) -> None:
    """List the import profiles (built-in ones first)."""
    from server.services.metering.handheld_file_profiles import list_profiles

    with ctx.session() as session:
        profiles = list_profiles(session)
    if as_json:
        _dump(
            [
                {"id": p.id, "builtin": p.builtin, **{k: v for k, v in p.spec.__dict__.items()}}
                for p in profiles
            ]
        )
        return
    for p in profiles:
        s = p.spec
        columns = "/".join(c for c in (s.hardware_column, s.reading_column, s.time_column,
                                       s.status_column) if c)  # fmt: skip
        mark = "内置" if p.builtin else "自定义"
        click.echo(f"{p.id}\t{p.name}\t{s.file_format}\t{s.encoding}\t{columns}\t{mark}")


@handheld.command("route")
@click.option("--building", required=True, help="楼宇：楼名，或 校区/楼名")
@click.option("--profile", "-p", required=True, help="导入方案（决定路线文件的格式和列名）")
@click.option("--kind", type=click.Choice(["electricity", "water"]), help="只要电表或水表")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def handheld_route_cmd(
    ctx: Context, building: str, profile: str, kind: str | None, output: Path
) -> None:
    """Write the meters of a building to read, in the profile's format, for the terminal."""
    from server.services.metering.handheld_import import route_for_building

    def action() -> Any:
        with ctx.session() as session:
            return route_for_building(session, building, profile, kind=kind)

    route = _run(action)
    output.write_bytes(route.content)
    click.echo(f"已写入 {output}：{len(route.meters)} 块表")


@cli.group()
def remote() -> None:
    """Remote readings (远传): pull from the energy platform, or import its export."""


def _remote_report(result: Any, as_json: bool) -> None:
    if as_json:
        _dump(result.as_json())
        return
    for line in result.lines:
        if line.outcome not in ("imported", "duplicate"):
            click.echo(
                f"第 {line.line} 条\t{line.outcome_label}\t{line.hardware_no}\t{line.message}"
            )
    click.echo(result.summary())


@remote.command("pull")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="只取该日以来的读数")
@click.option("--dry-run", is_flag=True, help="逐条判定，不写入。")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def remote_pull_cmd(ctx: Context, since: datetime | None, dry_run: bool, as_json: bool) -> None:
    """Pull readings from the platform set in [remote] (url, token, field mapping)."""
    from server.services.metering.remote_readings import RemoteSettings, pull_remote

    def action() -> Any:
        settings = RemoteSettings.from_settings(ctx.settings)
        with ctx.session() as session:
            day = since.date() if since else None
            return pull_remote(session, _actor(), settings, since=day, dry_run=dry_run)

    _remote_report(_run(action), as_json)


@remote.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="逐行判定，不写入。")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def remote_import_cmd(ctx: Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the platform's CSV / Excel export (columns named as in [remote])."""
    from server.services.metering.remote_readings import RemoteSettings, import_remote_file

    def action() -> Any:
        settings = RemoteSettings.from_settings(ctx.settings)
        with ctx.session() as session:
            return import_remote_file(session, _actor(), file, settings, dry_run=dry_run)

    _remote_report(_run(action), as_json)


@cli.command("route-sheet")
@click.option("--building", required=True, help="楼宇：楼名，或 校区/楼名")
@click.option("--kind", type=click.Choice(["electricity", "water"]), help="只要电表或水表")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def route_sheet_cmd(ctx: Context, building: str, kind: str | None, output: Path) -> None:
    """Print-ready reading sheets (抄表卡, A4 PDF) for a building's meters."""
    from server.services.metering.route_sheets import route_sheet_pdf

    def action() -> Any:
        with ctx.session() as session:
            return route_sheet_pdf(session, building, kind=kind)

    _, _, content = _run(action)
    output.write_bytes(content)
    click.echo(f"已写入 {output}")


@cli.command("labels")
@click.option("--building", help="楼宇：楼名，或 校区/楼名")
@click.option("--meters", help="表号，逗号分隔：M1,M2")
@click.option("--size", default="50x30", show_default=True, help="标签尺寸 宽x高（毫米）")
@click.option("--sheet", type=click.Choice(["a4"]), help="A4 整张排版（默认：卷纸，一页一张）")
@click.option("--columns", type=click.IntRange(1), help="A4 每行张数（默认：放得下的最多）")
@click.option("--rows", type=click.IntRange(1), help="A4 每页行数（默认：放得下的最多）")
@click.option("--title", default="", help="标签抬头，如单位名称")
@click.option("--printer", type=click.Choice(["tspl", "zpl"]), help="直接生成标签打印机指令")
@click.option(
    "--to", "destination", help="打印机：socket://主机:9100、串口（COM3、/dev/ttyUSB0）或文件"
)
@click.option(
    "--dpi",
    default=203,
    show_default=True,
    type=click.IntRange(150, 600),
    help="打印机分辨率（203 dpi = 8 点/毫米）",
)
@click.option("--zpl-font", default="E:SIMSUN.TTF", show_default=True, help="ZPL 中文字体")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def labels_cmd(
    ctx: Context,
    building: str | None,
    meters: str | None,
    size: str,
    sheet: str | None,
    columns: int | None,
    rows: int | None,
    title: str,
    printer: str | None,
    destination: str | None,
    dpi: int,
    zpl_font: str,
    output: Path | None,
) -> None:
    """Meter barcode labels: a PDF (-o FILE.pdf) or a label printer (--printer --to)."""
    from devices.label_printers import PrinterSettings
    from reports.labels import SheetLayout, parse_size
    from server.services.metering import labels as label_service

    if printer and not destination and not output:
        raise click.UsageError("--printer 需要 --to（打印机地址或文件）")
    if not printer and not output:
        raise click.UsageError("请用 -o 指定 PDF 文件，或用 --printer 与 --to 直接打印")
    numbers = [n for n in (meters or "").split(",") if n.strip()]

    def action() -> Any:
        try:
            width, height = parse_size(size)
        except ValueError as exc:
            raise DomainError(str(exc)) from exc
        with ctx.session() as session:
            places = label_service.pick_meters(session, building=building, meter_nos=numbers)
        labels = label_service.label_data(places, title)
        if printer:
            settings = PrinterSettings(printer, width, height, dpi=dpi, zpl_font=zpl_font)
            target = destination or str(output)
            return len(labels), label_service.print_labels(labels, settings, target), target
        layout = SheetLayout(width, height, sheet, columns, rows)
        return len(labels), label_service.labels_pdf(labels, layout)[2], str(output)

    count, sent, target = _run(action)
    if printer:
        click.echo(f"已发送 {count} 张标签到 {target}（{sent} 字节）")
        return
    assert output is not None
    output.write_bytes(sent)
    click.echo(f"已写入 {output}：{count} 张标签")


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
    from reports.notice import render_notices
    from server.services.billing.payment_notices import gather_notices

    if bool(building) == bool(account_no):
        raise click.UsageError("请给出 --building 或 --account 之一")
    target = _period(period)

    def action() -> Any:
        with ctx.session() as session:
            return gather_notices(session, target, building=building, account_no=account_no)

    notices = _run(action)
    _, _, content = render_notices(notices, account_no or building or "")
    output.write_bytes(content)
    click.echo(f"已写入 {output}：缴款通知单 {len(notices)} 份（{len(content) // 1024} KB）")


def _local_time(moment: datetime | None) -> str:
    return moment.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


@cli.group()
def wechat() -> None:
    """The official account itself (公众号): its custom menu."""


@wechat.command("menu")
@click.option("--dry-run", is_flag=True, help="只打印菜单 JSON，不提交")
@pass_context
def wechat_menu(ctx: Context, dry_run: bool) -> None:
    """Set the account's menu to the companion's pages (needs companion.base_url)."""
    from server.companion import wechat_api
    from server.companion.settings import CompanionSettings, SettingsError
    from server.companion.wechat import menu_definition

    try:
        companion = CompanionSettings.from_settings(ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if not companion.base_url.startswith("https://"):
        raise click.ClickException("请先设置 companion.base_url（公众号菜单只接受 https 地址）")
    menu = menu_definition(companion.base_url)
    if dry_run:
        _dump(menu)
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


@cli.group()
def binding() -> None:
    """户号绑定审核: the desk's review queue of WeChat binding requests."""


@binding.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def binding_list(ctx: Context, as_json: bool) -> None:
    """Pending requests, nearest deadline first; 户号 unknown or not matching are marked."""
    from server.services.residents.bindings import pending_bindings

    with ctx.session() as session:
        rows = pending_bindings(session)
    moment = now()
    if as_json:
        _dump(
            [
                {
                    "id": r.binding_id,
                    "account_no": r.account_no,
                    "claim": r.claim,
                    "found": r.found,
                    "matched": r.matched,
                    "holder_name": r.holder_name,
                    "phone": r.phone,
                    "due_at": r.due_at.isoformat(),
                    "overdue": r.overdue(moment),
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        check = "相符" if r.matched else ("不符" if r.found else "户号不存在")
        late = "  已超时" if r.overdue(moment) else ""
        click.echo(
            f"{r.binding_id}\t{r.account_no}\t{r.claim}（{check}）\t{r.phone}"
            f"\t截止 {_local_time(r.due_at)}{late}"
        )


@binding.command("approve")
@click.argument("binding_id", type=int)
@click.option("--by", "login", required=True, help="审核人登录名")
@click.option("--note", default="", help="核实说明（核对不一致的申请必填）")
@pass_context
def binding_approve(ctx: Context, binding_id: int, login: str, note: str) -> None:
    from server.services.residents.bindings import approve_binding

    def action() -> None:
        with ctx.session() as session:
            approve_binding(session, _clerk_actor(session, login), binding_id, note)

    _run(action)
    click.echo(f"已通过绑定申请 {binding_id}，已通知用户")


@binding.command("reject")
@click.argument("binding_id", type=int)
@click.option("--reason", required=True, help="驳回原因（会告知用户）")
@click.option("--by", "login", required=True, help="审核人登录名")
@pass_context
def binding_reject(ctx: Context, binding_id: int, reason: str, login: str) -> None:
    from server.services.residents.bindings import reject_binding

    def action() -> None:
        with ctx.session() as session:
            reject_binding(session, _clerk_actor(session, login), binding_id, reason)

    _run(action)
    click.echo(f"已驳回绑定申请 {binding_id}，已通知用户")


@cli.group("request")
def service_request() -> None:
    """服务诉求: the desk's queue of requests, their SLA, assignment and answers."""


@service_request.command("list")
@click.option("--all", "include_answered", is_flag=True, help="包括已答复的")
@pass_context
def request_list(ctx: Context, include_answered: bool) -> None:
    from server.services.residents.service_requests import request_queue

    with ctx.session() as session:
        rows = request_queue(session, include_answered=include_answered)
    marks = {"overdue": "已超时", "due_soon": "即将到期", "ok": "", "done": ""}
    moment = now()
    for r in rows:
        click.echo(
            f"{r.request_id}\t{r.kind_label}·{r.topic}\t{r.status_label}"
            f"\t截止 {_local_time(r.due_at)} {marks[r.sla(moment)]}\t{r.description[:40]}"
        )


@service_request.command("assign")
@click.argument("request_id", type=int)
@click.argument("staff_login")
@click.option("--by", "login", required=True)
@pass_context
def request_assign(ctx: Context, request_id: int, staff_login: str, login: str) -> None:
    from server.services.residents.service_requests import assign_request

    def action() -> None:
        with ctx.session() as session:
            assign_request(session, _clerk_actor(session, login), request_id, staff_login)

    _run(action)
    click.echo(f"诉求 {request_id} 已指派给 {staff_login}")


@service_request.command("answer")
@click.argument("request_id", type=int)
@click.argument("answer")
@click.option("--by", "login", required=True)
@pass_context
def request_answer(ctx: Context, request_id: int, answer: str, login: str) -> None:
    from server.services.residents.service_requests import answer_request

    def action() -> None:
        with ctx.session() as session:
            answer_request(session, _clerk_actor(session, login), request_id, answer)

    _run(action)
    click.echo(f"诉求 {request_id} 已答复")


@cli.group()
def bulletin() -> None:
    """通知公告 for residents: 停水停电通知 (sent to buildings), 便民信息, 常见问题…"""


@bulletin.command("publish")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["outage", "info", "faq", "contact", "tips"]),
    help="outage 停水停电 / info 便民信息 / faq 常见问题 / contact 联系我们 / tips 生活常识",
)
@click.option("--title", required=True)
@click.option("--body", required=True)
@click.option("--campus", help="楼栋所在校区（--building 时必填）")
@click.option("--building", "buildings", multiple=True, help="受影响的楼栋，可重复")
@click.option("--by", "login", required=True)
@pass_context
def bulletin_publish(
    ctx: Context,
    kind: str,
    title: str,
    body: str,
    campus: str | None,
    buildings: tuple[str, ...],
    login: str,
) -> None:
    """Publish; an outage notice is queued as a template message to the buildings' residents."""
    from server.db.models import Building
    from server.services.residents.bulletins import publish_notice
    from server.services.staff.org import campus_by_name

    def action() -> Any:
        with ctx.session() as session:
            ids: list[int] = []
            if buildings:
                if not campus:
                    raise DomainError("指定楼栋时须同时指定 --campus")
                campus_id = campus_by_name(session, campus).id
                for name in buildings:
                    found = session.scalar(
                        select(Building.id).where(
                            Building.campus_id == campus_id, Building.name == name
                        )
                    )
                    if found is None:
                        raise DomainError(f"{campus} 没有楼栋 {name}")
                    ids.append(found)
            return publish_notice(
                session, _clerk_actor(session, login), kind, title, body, building_ids=tuple(ids)
            )

    published = _run(action)
    click.echo(f"已发布通知 {published.notice_id}，待发送模板消息 {published.messages_queued} 条")


@cli.group()
def workday() -> None:
    """工作日调整: days the Chinese holiday calendar does not know or gets wrong here."""


@workday.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workday/--holiday", "is_workday", required=True)
@click.option("--note", default="")
@click.option("--by", "login", required=True)
@pass_context
def workday_set(ctx: Context, day: datetime, is_workday: bool, note: str, login: str) -> None:
    from server.services.core.workdays import set_override

    def action() -> None:
        with ctx.session() as session:
            set_override(session, _clerk_actor(session, login), day.date(), is_workday, note)

    _run(action)
    click.echo(f"{day.date()} 设为{'工作日' if is_workday else '休息日'}")


# --- online payment ----------------------------------------------------------------------


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
    from datetime import timedelta

    from server.services.online_pay import callbacks, providers_of
    from server.services.online_pay.config import pay_config

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

    report = _run(action)
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
    from server.services.online_pay import desk

    def action() -> tuple[desk.ExceptionRow, ...]:
        with ctx.session() as session:
            return desk.exceptions(session, open_only=not show_all)

    rows = _run(action)
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
    from server.services.online_pay import reconcile

    def action() -> reconcile.Reconciliation:
        with ctx.session() as session:
            actor = _clerk_actor(session, login) if login else _actor()
            statement_id = reconcile.import_statement(
                session, actor, provider, file.name, file.read_bytes()
            )
            return reconcile.reconcile(session, statement_id)

    result = _run(action)
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


def main() -> None:
    cli(prog_name="meterdesk")


if __name__ == "__main__":
    main()
