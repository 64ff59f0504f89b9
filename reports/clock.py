"""Business time (Asia/Shanghai): every time a person reads — on screen, on a receipt, in
a workbook — is on this clock, whatever zone the machine (or the database session) is in.

It lives at the bottom layer so documents apply it themselves; `server.services.core.calendar`
takes BUSINESS_TZ from here and the desktop's tables use `business_time` too.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
MOMENT = "%Y-%m-%d %H:%M"


def business_time(moment: datetime) -> datetime:
    """`moment` on the business clock; a naive time is taken to be business time already
    (as typed by a clerk or read from a handheld), never the machine's local time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BUSINESS_TZ)
    return moment.astimezone(BUSINESS_TZ)


def moment_text(moment: datetime, form: str = MOMENT) -> str:
    """'2026-11-23 09:31' in business time."""
    return business_time(moment).strftime(form)


def excel_time(moment: datetime) -> datetime:
    """Excel has no time zones: the business wall-clock time, naive."""
    return business_time(moment).replace(tzinfo=None)
