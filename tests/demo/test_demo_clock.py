"""The demo's simulated clock: both clocks the services read say the moment, inside only."""

from datetime import datetime, timedelta

from sqlalchemy import select, text

from server.db.models import AuditEvent
from server.demo.clock import simulated_clock
from server.services.core import audit, calendar
from server.services.core.calendar import BUSINESS_TZ
from tests import factories as f

MOMENT = datetime(2026, 3, 9, 14, 25, tzinfo=BUSINESS_TZ)


def test_both_clocks_say_the_moment_inside_and_the_truth_after(session):
    real = session.scalar(text("select now()"))
    with simulated_clock(session) as set_now:
        set_now(MOMENT)
        assert session.scalar(text("select now()")) == MOMENT
        assert calendar.now() == MOMENT and calendar.now().tzinfo == BUSINESS_TZ
        later = MOMENT + timedelta(hours=2)
        set_now(later)
        assert session.scalar(text("select now()")) == later == calendar.now()
        # A column default was bound to pg_catalog.now() with its table: the real time.
        audit.record(session, f.ACTOR, "test.clock", "nothing")
        session.flush()
        stamped = session.scalar(select(AuditEvent.at).where(AuditEvent.action == "test.clock"))
        assert stamped == real
    assert session.scalar(text("select now()")) == real
    assert abs(calendar.now() - datetime.now(BUSINESS_TZ)) < timedelta(seconds=5)
    assert (
        session.scalar(text("select count(*) from pg_namespace where nspname = 'md_demo_clock'"))
        == 0
    )
