"""Schema migrations (Alembic), driven from code so no alembic.ini has to be found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Engine, create_engine

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
    administrator, and one that is ahead is never touched."""
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
    finally:
        engine.dispose()
