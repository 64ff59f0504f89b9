"""What every command module shares: the root group, the context (settings, database, one
unit of work per command), the acting person, refusals and their exit codes, output helpers.

Every command is one unit of work: it commits when it succeeds and writes nothing when it
fails. A refusal (bad input, a business rule) prints a one-line reason and exits 2; so does a
database that cannot be reached (which one, host:port/database, and why); `db status` exits 1
when the schema needs an upgrade.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import click
import psycopg
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from server import __version__
from server.config import ConfigError, Settings, load_settings
from server.db.engine import (
    database_url,
    is_embedded,
    make_engine,
    make_sessionmaker,
    owner_url,
    unit_of_work,
)
from server.db.migrate import prepare
from server.db.reach import database_place, unreachable_reason
from server.logs import setup_logging
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period, local_minute, now
from server.services.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from server.services.staff.sign_in import staff_identity

EXIT_REFUSED = 2
EXIT_NOT_CURRENT = 1
# Like a refusal: nothing was written, and scripts already tell 2 from a crash's 1.
EXIT_UNREACHABLE = 2

# The one place a refusal's kind becomes an exit code. Every kind exits 2 ("refused, nothing
# written"), as before the kinds existed: scripts test for 2, and the printed reason says which.
EXIT_CODES: dict[type[DomainError], int] = {
    NotFound: EXIT_REFUSED,
    PermissionDenied: EXIT_REFUSED,
    Conflict: EXIT_REFUSED,
    InvalidInput: EXIT_REFUSED,
    DomainError: EXIT_REFUSED,
}


class RootCommand(NamedTuple):
    """Where a top-level command is registered, and its one-line summary for the root's help."""

    module: str
    summary: str

    def short_help(self, limit: int) -> str:
        """The summary cut to `limit` as click cuts a command's own help."""
        return click.Command(None, help=self.summary).get_short_help_str(limit)


# Which module registers each top-level command, and what `meterdesk --help` says of it. The
# root imports only the module a command line names, and its own --help none: the modules
# import their services, report renderers and the web stack at their top, and loading all of
# them would triple `meterdesk --help` (0.5 s → 1.5 s). tests/cli checks every summary
# against its command's own help.
COMMAND_MODULES: dict[str, RootCommand] = {
    "account": RootCommand("accounts", "Billing accounts (户号)."),
    "adjust": RootCommand(
        "corrections", "Adjust an account (调账): a numbered debit (+) or credit (−) with a reason."
    ),
    "backup": RootCommand(
        "ops",
        "Back up the database (pg_dump custom format) with a FILE.sha256 checksum beside it,"
        " or with --base the whole server for point-in-time recovery.",
    ),
    "bill": RootCommand(
        "corrections",
        "Correct an issued bill: rebill (更正账单) or cancel (作废账单), with a credit note.",
    ),
    "billing": RootCommand("billing", "The monthly billing run (出账)."),
    "bills": RootCommand("billing", "List the bills of a period."),
    "binding": RootCommand(
        "residents", "户号绑定审核: the desk's review queue of WeChat binding requests."
    ),
    "branch": RootCommand("staff", "Counter branches (校区分中心)."),
    "bulletin": RootCommand(
        "residents", "通知公告 for residents: 停水停电通知 (sent to buildings), 便民信息, 常见问题…"
    ),
    "class": RootCommand(
        "tariffs", "Customer classes (用户类别): 居民, 集体宿舍, 单位 and the ones the desk adds."
    ),
    "control": RootCommand(
        "control",
        "Prepaid control (费控): switching prepaid meters off and back on, 保电, the policy.",
    ),
    "config": RootCommand(
        "ops", "Settings (config file in MD_HOME, or MD_<SECTION>_<KEY> variables)."
    ),
    "db": RootCommand("ops", "Schema migrations."),
    "demo": RootCommand(
        "demo", "Seed the database with demo data if it is empty, then open the desktop."
    ),
    "demo-data": RootCommand(
        "demo",
        "Fill an empty database with a demo centre: campuses, accounts, meters, 14 months of "
        "readings, and its past year of bills, payments, tills, bindings and requests.",
    ),
    "doctor": RootCommand(
        "ops",
        "Check the database, schema, role, fonts, printers, serial ports, WeChat and SMS settings.",
    ),
    "export": RootCommand("collection", "Workbooks for other offices and systems."),
    "frame": RootCommand(
        "devices",
        "Meter frames (DL/T 645-2007/1997, CJ/T 188): decode a capture, build a request.",
    ),
    "handheld": RootCommand(
        "metering", "Handheld terminals (掌上机): import profiles and the route to read."
    ),
    "import": RootCommand("imports", "Import data exported by other systems."),
    "jobs": RootCommand(
        "jobs", "Each scheduled job: enabled, interval, last run and outcome, next run."
    ),
    "labels": RootCommand(
        "metering",
        "Meter barcode labels: a PDF (-o FILE.pdf) or a label printer (--printer --to).",
    ),
    "late-fee": RootCommand(
        "billing", "Late fees (滞纳金): the policy per customer class, waivers."
    ),
    "notices": RootCommand(
        "billing", "Write the payment notices (缴款通知单) of a building or an account as PDF."
    ),
    "outbox": RootCommand("residents", "Template messages to residents (模板消息发件箱)."),
    "pay": RootCommand(
        "collection",
        "Take a payment against the account's open bills (oldest first) and issue a receipt.",
    ),
    "pay-orders": RootCommand(
        "online_pay", "在线支付订单: the active query (for the scheduler) and the exceptions list."
    ),
    "reading": RootCommand("metering", "Meter readings (抄表)."),
    "receipt": RootCommand("collection", "Receipts (收据): print, void."),
    "reconcile": RootCommand(
        "online_pay", "对账: import a provider's daily statement and match it against our payments."
    ),
    "refund": RootCommand(
        "refunds", "Refunds (退款) of an account's credit, and their 退款单 PDF."
    ),
    "remote": RootCommand(
        "metering", "Remote readings (远传): pull from the energy platform, or import its export."
    ),
    "reminders": RootCommand(
        "reminders",
        "Reminders (催缴) to overdue accounts and low-balance alerts (余额不足提醒).",
    ),
    "report": RootCommand("reports", "Write a report as .xlsx or .pdf (by the file's suffix)."),
    "request": RootCommand(
        "residents", "服务诉求: the desk's queue of requests, their SLA, assignment and answers."
    ),
    "restore": RootCommand(
        "ops",
        "Restore a backup into the configured database, which must be empty; or with"
        " --to-time the whole server as it was at a moment, into a new data folder.",
    ),
    "route-sheet": RootCommand(
        "metering", "Print-ready reading sheets (抄表卡, A4 PDF) for a building's meters."
    ),
    "serve": RootCommand(
        "companion",
        "Run the WeChat companion service (/wechat, /h5/, /staff/, /healthz) and, unless"
        " --no-jobs, the scheduled jobs.",
    ),
    "staff": RootCommand("staff", "Staff members and their logins."),
    "tariff": RootCommand(
        "tariffs", "Tariffs (水价 / 电价) per kind and customer class, from their effective dates."
    ),
    "till": RootCommand("collection", "The clerk's till and day close (日结)."),
    "wechat": RootCommand("companion", "The official account itself (公众号): its custom menu."),
    "worker": RootCommand("jobs", "Run the scheduled jobs ([jobs] settings) until stopped."),
    "workday": RootCommand(
        "ops", "工作日调整: days the Chinese holiday calendar does not know or gets wrong here."
    ),
}


class DomainGroup(click.Group):
    """The root group: its commands come from the domain modules, imported when named."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMAND_MODULES.get(cmd_name)
        if entry is not None:
            import_module(f"server.cli.{entry.module}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def invoke(self, ctx: click.Context) -> Any:
        """Every command; a database that cannot be reached (down, refusing, wrong password,
        gone mid-command) ends it with one line rather than the driver's traceback."""
        context = ctx.ensure_object(Context)
        try:
            return super().invoke(ctx)
        except (sa_exc.OperationalError, psycopg.OperationalError) as exc:
            reason = unreachable_reason(exc)
            if reason is None:
                raise
            click.echo(f"错误：无法连接数据库 {context.place()}：{reason}", err=True)
            sys.exit(EXIT_UNREACHABLE)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMAND_MODULES)
        rows = [(name, COMMAND_MODULES[name].short_help(limit)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=DomainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="meterdesk")
def cli() -> None:
    """MeterDesk 水电计量收费系统 — operator commands."""


def cli_actor() -> Actor:
    """The operating-system user running a command that names no staff member."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return Actor.system(f"cli {user}")


def clerk_actor(session: Session, login: str) -> Actor:
    """The staff member a scripted command acts as (`--clerk`, `--by`)."""
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

    def place(self) -> str:
        """Which database the command was after, for a message (never the password)."""
        if self._url is not None:
            return database_place(self._url)
        if self._settings is not None and self._settings.database_url:
            return database_place(self._settings.database_url)
        return "嵌入式数据库"

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
    def session(self, *, as_owner: bool = False) -> Iterator[Session]:
        """A unit of work as the application role; `as_owner` for the demo's seeding, whose
        simulated clock is a schema of its own (CREATE, which the application role lacks
        on the embedded database too)."""
        url = self.ready_url()
        engine = make_engine(
            owner_url(url, embedded=is_embedded(self.settings)) if as_owner else url
        )
        try:
            with unit_of_work(make_sessionmaker(engine)) as session:
                yield session
        finally:
            engine.dispose()


pass_context = click.make_pass_decorator(Context, ensure=True)


def refuse(exc: DomainError) -> NoReturn:
    """Print a refusal's reason and exit with its kind's code."""
    click.echo(f"错误：{exc}", err=True)
    code = next(EXIT_CODES[kind] for kind in type(exc).__mro__ if kind in EXIT_CODES)
    sys.exit(code)


def run(action: Callable[[], Any]) -> Any:
    """The action's result; a refusal ends the command (see `refuse`)."""
    try:
        return action()
    except DomainError as exc:
        refuse(exc)


def dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def parse_day(text: str) -> date:
    """A day typed as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD，收到「{text}」") from exc


def parse_period(value: str) -> Period:
    try:
        return Period.parse(value)
    except DomainError as exc:
        raise click.BadParameter(str(exc)) from exc


def parse_moment(text: str | None) -> datetime:
    if not text:
        return now()
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(
            f"时间格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM，收到「{text}」"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BUSINESS_TZ)


def row_by_row_file(command: Callable[..., Any]) -> Callable[..., Any]:
    """FILE, --dry-run and --json: the arguments of a command importing a file row by row."""
    command = click.option("--json", "as_json", is_flag=True)(command)
    command = click.option("--dry-run", is_flag=True, help="逐行判定，不写入。")(command)
    file = click.Path(exists=True, dir_okay=False, path_type=Path)
    return click.argument("file", type=file)(command)


def echo_ingest_result(result: Any, as_json: bool, unit: str) -> None:
    """A handheld file's or the remote platform's readings: what was not taken, by `unit`
    (行 of a file, 条 of the platform's answer), then the counts."""
    if as_json:
        dump(result.as_json())
        return
    for line in result.lines:
        if line.outcome not in ("imported", "duplicate"):
            click.echo(
                f"第 {line.line} {unit}\t{line.outcome_label}\t{line.hardware_no}\t{line.message}"
            )
    click.echo(result.summary())


def progress(stage: str, done: int, total: int) -> None:
    click.echo(f"  {stage} {done}/{total}", err=True)


def local_time(moment: datetime | None) -> str:
    return local_minute(moment)
