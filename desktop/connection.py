"""The database the desktop works on: whether its schema fits this program, and how to
name it to the person at the counter (embedded demo database vs the central server)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from server.db import migrate
from server.db.urls import DEFAULT_PORT, parse_url, url_hosts


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
    parsed = parse_url(url)
    hosts = url_hosts(parsed) or [f"localhost:{parsed.port or DEFAULT_PORT}"]
    # A primary and its standby (a multi-host URL) are shown both, comma-separated.
    host = ",".join(_shown(place) for place in hosts)
    return DatabaseInfo(embedded=embedded, host=host, name=parsed.database or "")


def _shown(place: str) -> str:
    host, _, port = place.rpartition(":")
    if host.startswith("/"):
        host = "localhost"  # a Unix socket folder means this machine
    return host if port == str(DEFAULT_PORT) else f"{host}:{port}"


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
