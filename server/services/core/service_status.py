"""Warnings a server process leaves for the desk when it starts (`meterdesk serve`): the
desk's PCs do not have the server's settings, so the warning travels through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from server.db.models import ServiceStatus


def record_start(
    session: Session, service: str, host: str, warning: str, started_at: datetime
) -> None:
    """Replace `service`'s status: the latest start is what holds now ("" when all is well)."""
    values = {"service": service, "host": host, "warning": warning, "started_at": started_at}
    session.execute(
        insert(ServiceStatus)
        .values(values)
        .on_conflict_do_update(index_elements=["service"], set_=values)
    )


def warnings(session: Session) -> tuple[str, ...]:
    """The standing warnings, each naming the host that left it."""
    rows = session.execute(
        select(ServiceStatus.host, ServiceStatus.warning)
        .where(ServiceStatus.warning != "")
        .order_by(ServiceStatus.service)
    ).all()
    return tuple(f"{host}：{warning}" if host else warning for host, warning in rows)
