"""Business time (Asia/Shanghai) and billing periods (账期, 'YYYY-MM')."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.clock import BUSINESS_TZ, business_time
from server.services.core.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


# The moment `now` answers while the demo replays past work through the services
# (server.demo.clock); None, as everywhere else, means the real clock.
SIMULATED_NOW: ContextVar[datetime | None] = ContextVar("simulated_now", default=None)


def now() -> datetime:
    return SIMULATED_NOW.get() or datetime.now(BUSINESS_TZ)


def transaction_time(session: Session) -> datetime:
    """The database's now(): when this transaction began, the moment the rows it writes with
    func.now() carry."""
    return session.execute(select(func.now())).scalar_one()


def business_datetime(day: date, at: time = time(0)) -> datetime:
    return datetime.combine(day, at, tzinfo=BUSINESS_TZ)


def local_minute(moment: datetime | None) -> str:
    """A stored moment as the desk and the command line show it: business time, to the
    minute; nothing for None."""
    return moment.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, what: str = "账期") -> Period:
        text = text.strip()
        match = _PERIOD.match(text)
        if not match:
            raise InvalidInput(f"{what}格式应为 YYYY-MM（如 2026-03），收到「{text}」")
        month = int(match.group(2))
        # Well formed but no such month: say so, rather than blame the format.
        if not 1 <= month <= 12:
            raise InvalidInput(f"月份无效：{text}（月份应为 01–12）")
        return cls(int(match.group(1)), month)

    @classmethod
    def of(cls, moment: date | datetime) -> Period:
        if isinstance(moment, datetime):
            moment = business_time(moment).date()
        return cls(moment.year, moment.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Period:
        index = self.year * 12 + self.month - 1 + months
        return Period(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def start(self) -> datetime:
        """The period's first instant in business time."""
        return business_datetime(self.first_day)

    @property
    def end(self) -> datetime:
        """The next period's first instant (exclusive bound)."""
        return self.shift(1).start
