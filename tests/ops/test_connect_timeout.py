"""Connecting gives up after CONNECT_TIMEOUT_S unless told otherwise: a server behind a
network that drops packets says 无法连接数据库 in seconds, not after the OS's minutes."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from server.db.engine import make_engine


@pytest.fixture(autouse=True)
def _no_stray_environment(monkeypatch):
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)


def timeout_of(url: str, **options: object) -> str | None:
    """The connect_timeout of a real connection to `url` (libpq's own word for it)."""
    engine = make_engine(url, **options)
    try:
        with engine.connect() as conn:
            parameters = conn.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
            return parameters.get("connect_timeout")
    finally:
        engine.dispose()


def test_ten_seconds_unless_the_url_or_the_caller_says(pg_admin_url):
    assert timeout_of(pg_admin_url) == "10"
    own = make_url(pg_admin_url).update_query_dict({"connect_timeout": "2"})
    assert timeout_of(own.render_as_string(hide_password=False)) == "2"
    # The read replica's 3 s (server.db.replica) is the caller's.
    assert timeout_of(pg_admin_url, connect_args={"connect_timeout": 3}) == "3"


def test_pgconnect_timeout_of_the_environment_is_kept(pg_admin_url, monkeypatch):
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "4")
    assert timeout_of(pg_admin_url) == "4"
