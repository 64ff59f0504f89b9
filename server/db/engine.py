"""Finding the database: the configured central PostgreSQL, or an embedded private one.

The embedded server (pgserver) lives in `MD_HOME/pgdata`; pgserver counts the processes
using it, so the desktop, the CLI and the web service share one server and the last
process to exit stops it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from server.config import Settings, load_settings
from server.db.credentials import with_stored_password

if TYPE_CHECKING:
    # Imported where a server starts: importing it warns (see start_embedded).
    from pgserver import PostgresServer

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "meterdesk"
_embedded_servers: dict[Path, PostgresServer] = {}


def normalise_url(url: str) -> str:
    """Accept libpq-style URLs and point SQLAlchemy at psycopg 3."""
    parsed = make_url(url)
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


def database_url(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    if settings.database_url:
        return with_stored_password(normalise_url(settings.database_url))
    admin = start_embedded(settings.home / "pgdata")
    return ensure_database(admin, EMBEDDED_DATABASE)


def is_embedded(settings: Settings) -> bool:
    return not settings.database_url


def make_engine(url: str, **options: object) -> Engine:
    """An engine for `url`; `options` (pool sizes…) go to SQLAlchemy's create_engine."""
    return create_engine(url, **{"pool_pre_ping": True, "future": True, **options})


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
