"""Rate limits kept in PostgreSQL, so every copy of the web service counts the same.

Each attempt is a row in `rate_event` under a named bucket ("sms:phone:138…", "login:ip:…");
an advisory lock on the bucket serialises the count-and-insert, so two copies of the service
cannot both let the last allowed attempt through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.services.core.errors import DomainError


class RateLimited(DomainError):
    pass


@dataclass(frozen=True)
class Limit:
    bucket_prefix: str
    allowed: int
    window: timedelta
    message: str

    def bucket(self, key: str) -> str:
        return f"{self.bucket_prefix}:{key}"[:120]


def _window_label(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    return f"{minutes // 60} 小时" if minutes % 60 == 0 and minutes >= 60 else f"{minutes} 分钟"


def hit(session: Session, limit: Limit, key: str) -> None:
    """Count one attempt, or refuse it (RateLimited) when the bucket is full.

    Call it in a unit of work of its own, committed before the attempt is judged, so a
    failed attempt still counts.
    """
    bucket = limit.bucket(key)
    session.execute(text("select pg_advisory_xact_lock(hashtext(:b))"), {"b": bucket})
    params = {"b": bucket, "w": limit.window}
    # Old events of the bucket are no longer needed by anyone: drop them as we pass.
    session.execute(text("delete from rate_event where bucket = :b and at <= now() - :w"), params)
    used = session.scalar(
        text("select count(*) from rate_event where bucket = :b and at > now() - :w"), params
    )
    if used is not None and used >= limit.allowed:
        raise RateLimited(limit.message or f"操作过于频繁，请 {_window_label(limit.window)}后再试")
    session.execute(text("insert into rate_event (bucket) values (:b)"), {"b": bucket})


def sweep(session: Session, limit: Limit) -> None:
    """Drop the limit's events older than its window in every bucket: for limits whose
    buckets are seldom or never hit twice (one per signed call), which `hit` never revisits."""
    session.execute(
        text("delete from rate_event where bucket like :p and at <= now() - :w"),
        {
            "p": limit.bucket_prefix.replace("%", r"\%").replace("_", r"\_") + ":%",
            "w": limit.window,
        },
    )
