"""What a server process found wrong with its settings when it started (migration 0013):
the desk's PCs do not have the server's settings, so `meterdesk serve` leaves its warning
here for the dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


class ServiceStatus(Base):
    __tablename__ = "service_status"

    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    host: Mapped[str] = mapped_column(String(120), default="")
    # "" when the service found nothing wrong.
    warning: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
