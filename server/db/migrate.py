"""Schema migrations (Alembic), driven from code so no alembic.ini has to be found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Connection, Engine, create_engine, text

from server.db.engine import owner_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return heads[0]


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def ahead(self) -> bool:
        """The database was migrated by a newer MeterDesk than this one."""
        if self.up_to_date or self.current is None:
            return False
        try:
            self.pending  # noqa: B018 - an unknown revision is what "ahead" looks like
        except RevisionError:
            return True
        return False

    @property
    def pending(self) -> list[str]:
        script = ScriptDirectory.from_config(alembic_config())
        revisions = script.iterate_revisions(self.head, self.current or "base")
        return [rev.revision for rev in reversed(list(revisions))]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def status(url: str) -> SchemaStatus:
    engine = create_engine(url)
    try:
        return SchemaStatus(current_revision(engine), head_revision())
    finally:
        engine.dispose()


def prepare(url: str, *, embedded: bool) -> SchemaStatus:
    """The schema as a program finds it at start: an embedded database that is behind is
    migrated on the spot (a new user needs no setup); a central one is left to its
    administrator, and one that is ahead is never touched. The embedded database is read
    and migrated as its owner: the application's role exists once it is migrated."""
    url = owner_url(url, embedded=embedded)
    state = status(url)
    if embedded and not state.up_to_date and not state.ahead:
        upgrade(url)
        state = status(url)
    return state


def upgrade(url: str, revision: str = "head") -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            grant_app_role(conn)
    finally:
        engine.dispose()


def grant_app_role(conn: Connection) -> None:
    """Give meterdesk_app its privileges on the tables as they now are (migration 0020),
    after an upgrade created some or a restore recreated them all; nothing before that
    migration, or for a login that may not grant them."""
    granting = conn.scalar(text(
        "select to_regprocedure('md_grant_app_role()') is not null"
        " and has_function_privilege('md_grant_app_role()', 'execute')"
    ))  # fmt: skip
    if granting:
        conn.execute(text("select md_grant_app_role()"))
