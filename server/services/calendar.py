"""Business time (Asia/Shanghai) and billing periods (账期, 'YYYY-MM')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from server.services.errors import DomainError

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def now() -> datetime:
    return datetime.now(BUSINESS_TZ)


def business_datetime(day: date, at: time = time(0)) -> datetime:
    return datetime.combine(day, at, tzinfo=BUSINESS_TZ)


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match:
            raise DomainError(f"账期格式应为 YYYY-MM，收到 {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: date | datetime) -> Period:
        if isinstance(moment, datetime):
            moment = moment.astimezone(BUSINESS_TZ).date()
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
