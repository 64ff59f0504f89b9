"""Alembic environment: runs against the connection or URL handed in by server.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from server.db import models  # noqa: F401  (registers the tables)
from server.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None, "server.db.migrate hands in a connection or a URL"
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
