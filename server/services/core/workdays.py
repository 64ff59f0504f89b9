"""Working days and the SLA clocks of bindings and service requests.

Working days follow the Chinese holiday calendar (`chinesecalendar`, which knows the
years it was released for: holidays and the weekend days swapped to working days); the
`workday_override` table says what a day is where the package is wrong or silent (a later
year, a campus closure). Past what both know, Monday to Friday are working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import WorkdayOverride
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, business_datetime

OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(17, 30)
OFFICE_DAY = timedelta(hours=9, minutes=30)
# 服务诉求 raised on a working day in office hours are answered within this much office time.
REQUEST_ANSWER_TIME = timedelta(hours=2)
# The longest run of non-working days looked through (the Spring Festival is 8–9 days).
_HORIZON_DAYS = 40


@dataclass(frozen=True)
class WorkCalendar:
    """Working days over a span, with the overrides of that span loaded once."""

    overrides: dict[date, bool]

    @classmethod
    def load(cls, session: Session, start: date, days: int = _HORIZON_DAYS) -> WorkCalendar:
        rows = session.execute(
            select(WorkdayOverride.day, WorkdayOverride.workday).where(
                WorkdayOverride.day >= start, WorkdayOverride.day <= start + timedelta(days)
            )
        )
        return cls({day: workday for day, workday in rows})

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def in_office_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(BUSINESS_TZ)
        return self.is_workday(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES

    def next_close(self, moment: datetime) -> datetime:
        """The end of the first working day whose office closes after `moment`."""
        day = moment.astimezone(BUSINESS_TZ).date()
        for offset in range(_HORIZON_DAYS):
            candidate = day + timedelta(offset)
            close = business_datetime(candidate, OFFICE_CLOSES)
            if self.is_workday(candidate) and close > moment:
                return close
        raise ValueError(f"{_HORIZON_DAYS} 天内没有工作日：请检查工作日调整表")

    def add_office_time(self, moment: datetime, amount: timedelta) -> datetime:
        """`moment` plus `amount` of office time; time outside office hours does not count."""
        remaining = amount
        cursor = moment.astimezone(BUSINESS_TZ)
        for _ in range(_HORIZON_DAYS):
            day = cursor.date()
            opens = business_datetime(day, OFFICE_OPENS)
            closes = business_datetime(day, OFFICE_CLOSES)
            if self.is_workday(day) and cursor < closes:
                start = max(cursor, opens)
                if start + remaining <= closes:
                    return start + remaining
                remaining -= closes - start
            cursor = business_datetime(day + timedelta(1), OFFICE_OPENS)
        raise ValueError(f"{_HORIZON_DAYS} 天内没有工作日：请检查工作日调整表")


def calendar_from(session: Session, moment: datetime) -> WorkCalendar:
    return WorkCalendar.load(session, moment.astimezone(BUSINESS_TZ).date() - timedelta(1))


def request_due(session: Session, raised: datetime) -> datetime:
    """服务诉求: within 2 hours of office time when raised on a working day in office hours,
    else by the end of the next working day."""
    work = calendar_from(session, raised)
    if work.in_office_hours(raised):
        return work.add_office_time(raised, REQUEST_ANSWER_TIME)
    return work.next_close(raised)


def binding_due(session: Session, raised: datetime) -> datetime:
    """户号绑定 is reviewed within one working day (a full day of office time)."""
    return calendar_from(session, raised).add_office_time(raised, OFFICE_DAY)


def set_override(session: Session, actor: Actor, day: date, workday: bool, note: str) -> None:
    """Say what `day` is (a working day or not), replacing what was said before."""
    permissions.require(session, actor, "service")
    row = session.get(WorkdayOverride, day, with_for_update=True)
    if row is None:
        session.add(WorkdayOverride(day=day, workday=workday, note=note, staff_id=actor.staff_id))
    else:
        row.workday, row.note, row.staff_id = workday, note, actor.staff_id
    session.flush()
    audit.record(
        session,
        actor,
        "workday.override",
        "workday_override",
        day.isoformat(),
        {"workday": workday, "note": note},
    )
