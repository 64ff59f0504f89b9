"""Setting up a PC (首次运行): which database it works on and which branch it belongs to.

The connection is tried before anything is saved: reachable, TLS as asked, a schema this
program understands, and the branches to choose from. Saving writes the server and login
to the config file and the password to the keyring (server.db.credentials).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.config import save_settings
from server.db import migrate
from server.db.credentials import store_password
from server.db.models import Account, Branch
from server.db.reach import database_place, unreachable_reason
from server.services.core.audit import Actor

if TYPE_CHECKING:
    from server.demo.data import DemoSummary, Progress

SSL_MODES = ("disable", "prefer", "require", "verify-full")
CONNECT_TIMEOUT_S = 5
# The demo (meterdesk demo, and a PC set up for demo and training): the same data everywhere.
DEMO_ACCOUNTS = 300
DEMO_SEED = 1


@dataclass(frozen=True)
class ConnectionSpec:
    host: str
    port: int
    database: str
    user: str
    password: str
    sslmode: str = "require"

    def url(self, *, with_password: bool = False) -> str:
        """The URL as stored (no password) or as used to connect."""
        query: dict[str, str | tuple[str, ...]] = {"sslmode": self.sslmode}
        host: str | None = self.host.strip()
        if host and "," in host:
            # A primary and its standby ("pg_a,pg_b:5433"): each host in the query, and
            # libpq keeps the one that takes writes, so the PC follows a failover.
            query["host"] = tuple(
                part if ":" in part else f"{part}:{self.port}"
                for part in (piece.strip() for piece in host.split(","))
                if part
            )
            query["target_session_attrs"], host = "read-write", None
        elif host and host.startswith("/"):
            # A Unix-socket folder (a PostgreSQL on this very PC) goes in the query.
            query["host"], host = host, None
        url = URL.create(
            "postgresql+psycopg",
            username=self.user.strip() or None,
            password=self.password if with_password and self.password else None,
            host=host,
            port=self.port if host else None,
            database=self.database.strip(),
            query=query,
        )
        return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class BranchChoice:
    code: str
    name: str


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    server_version: str = ""
    tls: bool = False
    schema: str = ""
    head: str = ""
    branches: tuple[BranchChoice, ...] = ()


def check_connection(spec: ConnectionSpec) -> ConnectionCheck:
    """Try the connection as the desktop will use it; `message` says what is wrong."""
    if spec.sslmode not in SSL_MODES:
        return ConnectionCheck(
            False, f"加密方式应为 {' / '.join(SSL_MODES)}，收到「{spec.sslmode}」"
        )
    if not spec.host.strip() or not spec.database.strip() or not spec.user.strip():
        return ConnectionCheck(False, "请填写服务器地址、数据库名和用户名")
    url = spec.url(with_password=True)
    engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("show server_version")).scalar())
            tls = bool(
                conn.execute(
                    text("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
                ).scalar()
            )
            state = migrate.SchemaStatus(migrate.current_revision(engine), migrate.head_revision())
            branches: tuple[BranchChoice, ...] = ()
            if state.up_to_date:
                branches = tuple(
                    BranchChoice(code, name)
                    for code, name in conn.execute(
                        select(Branch.code, Branch.name).order_by(Branch.code)
                    )
                )
    except SQLAlchemyError as exc:
        reason = unreachable_reason(exc) or str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return ConnectionCheck(False, f"无法连接 {database_place(url)}：{reason}")
    finally:
        engine.dispose()
    if state.ahead:
        message = f"数据库结构版本 {state.current} 比本程序新（{state.head}），请安装新版 MeterDesk"
        return ConnectionCheck(False, message, version, tls, state.current or "", state.head)
    if not state.up_to_date:
        message = (
            f"数据库结构版本为 {state.current or '（空）'}，本程序需要 {state.head}："
            "请管理员运行 meterdesk db upgrade"
        )
        return ConnectionCheck(False, message, version, tls, state.current or "", state.head)
    message = (
        f"连接成功：PostgreSQL {version}，{'已加密' if tls else '未加密'}，结构版本 {state.head}"
    )
    return ConnectionCheck(True, message, version, tls, state.current or "", state.head, branches)


def save_connection(spec: ConnectionSpec, branch_code: str, home: Path | None = None) -> Path:
    """Remember the central database (password to the keyring) and this PC's branch."""
    if spec.password:
        store_password(spec.url(), spec.password)
    return save_settings(
        {"database": {"url": spec.url()}, "branch": {"code": branch_code.strip()}}, home
    )


def use_embedded(home: Path | None = None) -> Path:
    """This PC works on its own embedded database (demo, or a branch without a network)."""
    return save_settings({"database": {"url": ""}}, home)


def has_accounts(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Account)))


def seed_demo(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    accounts: int = DEMO_ACCOUNTS,
    progress: Progress | None = None,
) -> DemoSummary:
    """The demo's data (演示和培训) in a database with no accounts yet, its present `now`.
    The caller commits."""
    # Here, not at the top: the setup wizard and every CLI command import this module.
    from server.demo.data import generate_demo_data

    return generate_demo_data(
        session, actor, accounts=accounts, seed=DEMO_SEED, now=now, progress=progress,
        master_meters=True, prepaid_control=True,
    )  # fmt: skip
