"""Test databases: real PostgreSQL, migrated once per session.

`MD_TEST_DATABASE_URL` names a server (and a role allowed to create databases); without it
an embedded server is started for the session. Service tests run inside a transaction that
is rolled back; tests of whole commands get a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from server.db.engine import ensure_database, normalise_url, start_embedded
from server.db.migrate import upgrade

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_clone_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    configured = os.environ.get("MD_TEST_DATABASE_URL")
    if configured:
        return normalise_url(configured)
    pgdata = Path(tempfile.mkdtemp(prefix="md_test_pg_"))
    return start_embedded(pgdata)


def _admin_execute(admin_url: str, sql: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def template_url(pg_admin_url: str) -> Iterator[str]:
    name = f"md_template_{os.getpid()}"
    _admin_execute(pg_admin_url, f'drop database if exists "{name}"')
    url = ensure_database(pg_admin_url, name)
    upgrade(url)
    yield url
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def engine(pg_admin_url: str, template_url: str) -> Iterator[Engine]:
    name = f"md_test_{os.getpid()}"
    template = make_url(template_url).database
    _admin_execute(pg_admin_url, f'drop database if exists "{name}"')
    _admin_execute(pg_admin_url, f'create database "{name}" template "{template}"')
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    eng = create_engine(url)
    yield eng
    eng.dispose()
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every commit is undone when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def fresh_database_url(pg_admin_url: str, template_url: str) -> Iterator[str]:
    """A migrated database of its own, for tests that commit (CLI, concurrency, desktop)."""
    name = f"md_clone_{os.getpid()}_{next(_clone_counter)}"
    template = make_url(template_url).database
    _admin_execute(pg_admin_url, f'create database "{name}" template "{template}"')
    yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    _admin_execute(pg_admin_url, f'drop database if exists "{name}" with (force)')


@pytest.fixture
def md_env(tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point MD_HOME and DATABASE_URL of in-process commands at a fresh database."""
    monkeypatch.setenv("MD_HOME", str(tmp_path / "md_home"))
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    for name in list(os.environ):
        if name.startswith("MD_") and name not in ("MD_HOME", "MD_TEST_DATABASE_URL"):
            monkeypatch.delenv(name)
    return fresh_database_url
