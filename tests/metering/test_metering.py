"""Recording readings: flags at once, holds, reviews, corrections and meter replacement."""

from decimal import Decimal as D

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from server.db.models import AuditEvent, Meter, MeterReplacement, Reading
from server.services.core.errors import DomainError
from server.services.metering import readings
from server.services.metering.readings import MeterSpec
from tests import factories as f


def test_reading_usage_and_previous(session):
    a = f.account(session)
    f.meter(session, "E1", a, multiplier="30")
    first = f.read(session, "E1", "2026-09-28", "100")
    assert first.status == "accepted" and first.usage is None and first.previous is None
    second = f.read(session, "E1", "2026-10-28", "102.5")
    assert second.usage == D("75.0")  # 2.5 × 30
    assert second.previous == D("100")
    assert second.flags == ()


def test_lower_reading_is_held_at_once_and_not_used_as_previous(session):
    a = f.account(session)
    f.meter(session, "E1", a, digits=6)
    f.read(session, "E1", "2026-09-28", "500")
    low = f.read(session, "E1", "2026-10-28", "400")
    assert low.status == "held"
    assert low.flags == ("lower_than_previous",)
    assert low.message == "读数低于上次"
    assert low.usage is None
    # The next reading is judged against the last accepted one (500), not the held 400.
    nxt = f.read(session, "E1", "2026-11-28", "560")
    assert nxt.previous == D("500") and nxt.usage == D("60")


def test_rollover_is_accepted_with_the_wrapped_usage(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water", digits=4)
    f.read(session, "W1", "2026-09-28", "9990")
    wrapped = f.read(session, "W1", "2026-10-28", "15")
    assert wrapped.status == "accepted"
    assert wrapped.flags == ("rollover",)
    assert wrapped.usage == D("25")


def test_surge_against_monthly_history(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    # monthly usage Jun 10, Jul 12, Aug 14 → mean 12; Sep 37 is over 36 and over 10 units
    for day, value in [
        ("2026-05-28", "0"),
        ("2026-06-28", "10"),
        ("2026-07-28", "22"),
        ("2026-08-28", "36"),
    ]:
        f.read(session, "E1", day, value)
    calm = f.read(session, "E1", "2026-09-10", "72")  # 36 units, not over 36
    assert calm.flags == ()
    surge = f.read(session, "E1", "2026-10-28", "145")  # Oct: 73 > 3 × mean(10, 12, 14, 36)=54
    assert surge.flags == ("surge",)
    assert surge.status == "accepted"
    assert surge.message == "用量突增"


def test_no_surge_with_less_than_three_months(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.read(session, "E1", "2026-07-28", "0")
    f.read(session, "E1", "2026-08-28", "10")
    f.read(session, "E1", "2026-09-28", "20")
    big = f.read(session, "E1", "2026-10-28", "500")
    assert big.flags == ()


def test_self_readings_wait_for_review(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water")
    f.read(session, "W1", "2026-09-28", "10")
    own = f.read(session, "W1", "2026-10-28", "18", source="self")
    assert own.status == "held" and own.flags == () and own.usage == D("8")
    readings.review_reading(session, f.ACTOR, own.reading_id, "accepted")
    assert session.get(Reading, own.reading_id).status == "accepted"
    with pytest.raises(DomainError, match="不在待审核状态"):
        readings.review_reading(session, f.ACTOR, own.reading_id, "rejected", "x")


def test_reject_needs_a_reason(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water")
    own = f.read(session, "W1", "2026-10-28", "18", source="self")
    with pytest.raises(DomainError, match="须填写原因"):
        readings.review_reading(session, f.ACTOR, own.reading_id, "rejected", " ")


def test_correction_keeps_the_original(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.read(session, "E1", "2026-09-28", "500")
    low = f.read(session, "E1", "2026-10-28", "400")
    fixed = readings.correct_reading(session, f.ACTOR, low.reading_id, "540", "看错一位")
    assert fixed.status == "accepted" and fixed.usage == D("40")
    original = session.get(Reading, low.reading_id)
    assert original.status == "superseded" and original.review_note == "看错一位"
    assert session.get(Reading, fixed.reading_id).corrects_id == low.reading_id
    history = readings.reading_history(session, "E1")
    assert [(r.value, r.status) for r in history] == [
        (D("540"), "accepted"),
        (D("400"), "superseded"),
        (D("500"), "accepted"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "不是数字：「abc」"), ("-1", "不能为负"), ("1000000", "超出 6 位表的量程")],
)
def test_bad_readings_are_refused(session, value, message):
    a = f.account(session)
    f.meter(session, "E1", a, digits=6)
    with pytest.raises(DomainError, match=message):
        readings.record_reading(session, f.ACTOR, "E1", value, f.at("2026-10-01"), "field")
    assert session.scalar(select(Reading.id)) is None


def test_unknown_meter(session):
    with pytest.raises(DomainError, match="表号 NOPE 不存在"):
        readings.record_reading(session, f.ACTOR, "NOPE", "1", f.at("2026-10-01"), "field")


def test_replacement(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.read(session, "E1", "2026-09-28", "1000")
    result = readings.replace_meter(
        session,
        f.ACTOR,
        "E1",
        "1080",
        MeterSpec(meter_no="E2", kind="electricity", digits=6, multiplier=D(2)),
        "5",
        f.at("2026-10-15"),
    )
    assert result.old_usage == D("80")
    old = session.scalar(select(Meter).where(Meter.meter_no == "E1"))
    new = session.scalar(select(Meter).where(Meter.meter_no == "E2"))
    assert old.status == "replaced" and new.status == "active"
    assert new.account_id == a
    replacement = session.scalar(select(MeterReplacement))
    assert (replacement.old_final, replacement.new_initial) == (D("1080"), D("5"))
    initial = session.get(Reading, replacement.new_initial_reading_id)
    assert (initial.source, initial.value, initial.status) == ("initial", D("5"), "accepted")
    with pytest.raises(DomainError, match="E1 已换下，不能再换表"):
        readings.replace_meter(session, f.ACTOR, "E1", "1", "E2", "0", f.at("2026-10-16"))


def test_replacement_refuses_a_final_below_the_last_reading(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.read(session, "E1", "2026-09-28", "1000")
    with pytest.raises(DomainError, match="止码 900 低于上次读数 1000"):
        readings.replace_meter(
            session,
            f.ACTOR,
            "E1",
            "900",
            MeterSpec(meter_no="E2", kind="electricity", digits=6),
            "0",
            f.at("2026-10-15"),
        )


def test_every_reading_is_audited(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    r = f.read(session, "E1", "2026-09-28", "100")
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "reading.record", AuditEvent.entity_id == str(r.reading_id)
        )
    )
    assert event.actor == "test"
    assert event.data == {"meter_no": "E1", "value": "100.000", "status": "accepted", "flags": []}


def test_readings_are_append_only_in_the_database(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    r = f.read(session, "E1", "2026-09-28", "100")
    with (
        pytest.raises(DBAPIError, match="reading is append-only: only status"),
        session.begin_nested(),
    ):
        session.execute(text("update reading set value = 1 where id = :id"), {"id": r.reading_id})
    with pytest.raises(DBAPIError, match="rows are never deleted"), session.begin_nested():
        session.execute(text("delete from reading where id = :id"), {"id": r.reading_id})
    with pytest.raises(DBAPIError, match="audit_event is append-only"), session.begin_nested():
        session.execute(text("update audit_event set actor = 'x'"))


def test_more_than_three_decimals_is_refused(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    with pytest.raises(DomainError, match=r"最多 3 位小数：12\.3456"):
        readings.record_reading(session, f.ACTOR, "E1", "12.3456", f.at("2026-10-01"), "field")
