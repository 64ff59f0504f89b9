"""SLA clocks: office time on Chinese working days, across a weekend, the 2026 National Day
holiday (Oct 1–7, make-up working days Sun Sep 20 and Sat Oct 10) and a local override."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.workdays import binding_due, request_due, set_override


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BUSINESS_TZ)


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        # In office hours: two office hours later, the same day.
        ("2026-11-23 09:15", "2026-11-23 11:15"),
        # Friday 16:30: one hour on Friday, the second on Monday from 08:00.
        ("2026-11-20 16:30", "2026-11-23 09:00"),
        # Saturday: by the end of Monday.
        ("2026-11-21 10:00", "2026-11-23 17:30"),
        # A working day before opening, and after closing.
        ("2026-11-24 07:10", "2026-11-24 17:30"),
        ("2026-11-24 19:00", "2026-11-25 17:30"),
        # Wed Sep 30 17:00: half an hour, then the holiday; Thu Oct 8 08:00 + 1.5 h.
        ("2026-09-30 17:00", "2026-10-08 09:30"),
        # Inside the holiday: the end of its first working day after it.
        ("2026-10-03 11:00", "2026-10-08 17:30"),
        # Friday evening before the make-up Saturday Oct 10 and Saturday Sep 19 before the
        # make-up Sunday Sep 20.
        ("2026-10-09 18:00", "2026-10-10 17:30"),
        ("2026-09-19 10:00", "2026-09-20 17:30"),
    ],
)
def test_request_due(session, raised, due):
    assert request_due(session, at(raised)) == at(due)


def test_binding_is_due_one_working_day_later(session):
    # 9.5 office hours: Friday 16:00 → 1.5 h Friday + 8 h Monday = Monday 16:00.
    assert binding_due(session, at("2026-11-20 16:00")) == at("2026-11-23 16:00")
    assert binding_due(session, at("2026-11-24 10:00")) == at("2026-11-25 10:00")
    assert binding_due(session, at("2026-10-01 09:00")) == at("2026-10-08 17:30")


def test_overrides_decide_days_the_package_does_not_know(session):
    # chinesecalendar knows years up to 2026; 2027 falls back to Monday–Friday…
    assert request_due(session, at("2027-01-01 18:00")) == at("2027-01-04 17:30")
    # …until the centre enters its holidays.
    set_override(session, Actor("test"), date(2027, 1, 4), False, "元旦调休")
    assert request_due(session, at("2027-01-01 18:00")) == at("2027-01-05 17:30")
    # An override also wins over the package: a campus closure on a normal Tuesday.
    set_override(session, Actor("test"), date(2026, 11, 24), False, "校区停电检修")
    # Not a working day now, so: by the end of the next one.
    assert request_due(session, at("2026-11-24 09:00")) == at("2026-11-25 17:30")
    set_override(session, Actor("test"), date(2026, 11, 24), True, "检修取消")
    assert request_due(session, at("2026-11-24 09:00")) == at("2026-11-24 11:00")
