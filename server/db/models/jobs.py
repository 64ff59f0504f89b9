"""The scheduled jobs' runs (migration 0014): one row per job and due time, so a due time
runs once however many workers see it, and the desk sees each job's last outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base

JOB_RUNNING = "running"
JOB_OK = "ok"
JOB_FAILED = "failed"


class JobRun(Base):
    __tablename__ = "job_run"
    __table_args__ = (
        UniqueConstraint("job", "due_at"),
        CheckConstraint("outcome in ('running', 'ok', 'failed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Written by the runner from its own settings, so a desk PC (whose config has no [jobs])
    # shows the server's schedule.
    next_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(10), default=JOB_RUNNING)
    message: Mapped[str] = mapped_column(Text, default="")
    host: Mapped[str] = mapped_column(String(120), default="")
