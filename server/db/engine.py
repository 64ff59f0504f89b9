"""Finding the database: the configured central PostgreSQL, or an embedded private one.

The embedded server (pgserver) lives in `MD_HOME/pgdata`; pgserver counts the processes
using it, so the desktop, the CLI and the web service share one server and the last
process to exit stops it. The programs use it as `meterdesk_app`, like a central server's
counter PCs, not as its superuser: only migrations, backups and restores run as the owner
(`owner_url`), so the append-only triggers hold on a PC too (migration 0020).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from server.config import Settings, load_settings
from server.db.credentials import with_stored_password
from server.db.urls import parse_url

if TYPE_CHECKING:
    # Imported where a server starts: importing it warns (see start_embedded).
    from pgserver import PostgresServer

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "meterdesk"
APP_ROLE = "meterdesk_app"
# pgserver's superuser (its initdb -U), who owns the embedded database's tables.
EMBEDDED_OWNER = "postgres"
# Run where the login may create roles (the embedded server's superuser, migration 0020 on
# a test server); a central server's administrator runs installer/postgres_roles.sql.
CREATE_APP_ROLE = f"""
do $$
begin
    if not exists (select from pg_roles where rolname = '{APP_ROLE}')
       and (select rolsuper or rolcreaterole from pg_roles where rolname = current_user) then
        create role {APP_ROLE} login nosuperuser nocreatedb nocreaterole noreplication;
    end if;
exception when duplicate_object or unique_violation then
    null;  -- another process created it meanwhile
end $$
"""
_embedded_servers: dict[Path, PostgresServer] = {}


def normalise_url(url: str) -> str:
    """Accept libpq-style URLs (also naming several servers) and point SQLAlchemy at
    psycopg 3."""
    parsed = parse_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"MeterDesk needs PostgreSQL, not {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def start_embedded(pgdata: Path) -> str:
    """Start (or join) the embedded server in `pgdata`; return the URL of its postgres db."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (services, SSH sessions) and
        # falls back to /tmp, which is what pgserver needs anyway.
        warnings.simplefilter("ignore")
        import pgserver

    server = _embedded_servers.get(pgdata)
    if server is None:
        pgdata.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        _embedded_servers[pgdata] = server
    return normalise_url(server.get_uri())


def stop_embedded(pgdata: Path) -> None:
    """Stop the embedded server this process started in `pgdata`, before its folder goes
    (pgserver's own stop at exit keeps its bookkeeping in that folder)."""
    server = _embedded_servers.pop(pgdata, None)
    if server is not None:
        server.cleanup()


def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` on the server of `admin_url` if missing; return its URL."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("select 1 from pg_database where datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'create database "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _admin_run(admin_url: str, sql: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def database_url(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    if settings.database_url:
        return with_stored_password(normalise_url(settings.database_url))
    admin = start_embedded(settings.home / "pgdata")
    url = ensure_database(admin, EMBEDDED_DATABASE)
    _admin_run(admin, CREATE_APP_ROLE)
    return make_url(url).set(username=APP_ROLE).render_as_string(hide_password=False)


def owner_url(url: str, *, embedded: bool) -> str:
    """The login that migrates, backs up and restores `url`'s database: on a central
    server the one configured (the administrator runs those as meterdesk_owner), on the
    embedded one its superuser, where migration 0020 creates the application's role."""
    if not embedded:
        return url
    return make_url(url).set(username=EMBEDDED_OWNER).render_as_string(hide_password=False)


def is_embedded(settings: Settings) -> bool:
    return not settings.database_url


# A server whose network drops packets silently would otherwise keep a command waiting for
# the operating system's TCP timeout (minutes) before saying it cannot connect.
CONNECT_TIMEOUT_S = 10


def make_engine(url: str, **options: object) -> Engine:
    """An engine for `url`; `options` (pool sizes…) go to SQLAlchemy's create_engine. A
    connection attempt gives up after CONNECT_TIMEOUT_S unless the URL's connect_timeout,
    the caller's connect_args or PGCONNECT_TIMEOUT say otherwise."""
    connect_args = dict(cast("dict[str, object]", options.pop("connect_args", {})))
    if "connect_timeout" not in parse_url(url).query and "PGCONNECT_TIMEOUT" not in os.environ:
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return create_engine(
        url, **{"pool_pre_ping": True, "future": True, **options, "connect_args": connect_args}
    )


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat unused for `idle_seconds`: a
    busy pool pays no round trip, and after a failover that came and went in a quiet
    moment the first request still finds the promoted server (the pool replaces a
    connection whose ping fails) rather than failing on the old primary's dead socket."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            dbapi_connection.execute("select 1")
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One business transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
