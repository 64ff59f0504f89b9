"""The database the desktop works on: whether its schema fits this program, and how to
name it to the person at the counter (embedded demo database vs the central server)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from sqlalchemy.engine import make_url

from server.db import migrate

DEFAULT_PORT = 5432


@dataclass(frozen=True)
class DatabaseInfo:
    embedded: bool
    host: str
    name: str

    def label(self) -> str:
        if self.embedded:
            return QCoreApplication.translate("DatabaseInfo", "Embedded demo database")
        return QCoreApplication.translate("DatabaseInfo", "Central server {host}/{name}").format(
            host=self.host, name=self.name
        )


def describe_database(url: str, *, embedded: bool) -> DatabaseInfo:
    """Where `url` points, without its credentials."""
    parsed = make_url(url)
    host = parsed.host or str(parsed.query.get("host") or "")
    if not host or host.startswith("/"):
        host = "localhost"  # a Unix socket folder means this machine
    if parsed.port and parsed.port != DEFAULT_PORT:
        host = f"{host}:{parsed.port}"
    return DatabaseInfo(embedded=embedded, host=host, name=parsed.database or "")


def schema_problem(url: str, *, embedded: bool) -> str | None:
    """None when the schema fits this program (an embedded one is migrated first), else a
    message for the user."""
    state = migrate.prepare(url, embedded=embedded)
    if state.up_to_date:
        return None
    if state.ahead:
        return QCoreApplication.translate(
            "Startup",
            "The database schema ({current}) is newer than this program supports ({head}). "
            "Please install the current version of MeterDesk.",
        ).format(current=state.current, head=state.head)
    return QCoreApplication.translate(
        "Startup",
        "The database schema is at version {current}, this program needs {head}. "
        "Ask the administrator to run: meterdesk db upgrade",
    ).format(
        current=state.current or QCoreApplication.translate("Startup", "(empty)"),
        head=state.head,
    )
