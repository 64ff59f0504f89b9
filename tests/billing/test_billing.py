"""The monthly billing run, pinned with hand-computed bills."""

from decimal import Decimal as D

from sqlalchemy import select

from server.db.models import Account, AccountLedgerEntry, AuditEvent, Bill
from server.services.billing.billing_run import list_bills, run_billing
from server.services.core.calendar import Period
from server.services.metering import readings
from server.services.metering.readings import MeterSpec
from tests import factories as f

OCT = Period.parse("2026-10")
WATER = {"水费": [("0", "2.5"), ("10", "3.5")], "污水处理费": [("0", "0.95")]}


def bill_of(session, account_no="A001", period=OCT):
    [bill] = list_bills(session, period, account_no)
    return bill


def test_bill_uses_latest_reading_in_period_and_latest_before(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.read(session, "E1", "2026-08-28", "50")
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-10", "120")
    f.read(session, "E1", "2026-10-28", "150")
    f.read(session, "E1", "2026-11-02", "170")
    result = run_billing(session, f.ACTOR, OCT)
    assert (result.created, result.skipped) == (1, ())
    bill = bill_of(session)
    assert [(m.meter_no, m.prev, m.curr, m.usage) for m in bill.meters] == [
        ("E1", D("100"), D("150"), D("50"))
    ]
    assert [(x.kind, x.component, x.usage, x.amount) for x in bill.lines] == [
        ("electricity", "电费", D("50"), D("25.00"))
    ]
    assert bill.total == D("25.00") and bill.status == "open"
    assert bill.address == "东校区 1号楼 2单元 301"


def test_water_components_and_tiers(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water")
    f.tariff(session, kind="water", components=WATER)
    f.read(session, "W1", "2026-09-28", "100")
    f.read(session, "W1", "2026-10-28", "112")
    run_billing(session, f.ACTOR, OCT)
    bill = bill_of(session)
    # 水费 10 × 2.5 + 2 × 3.5 = 32.00; 污水处理费 12 × 0.95 = 11.40
    assert [(x.component, x.usage, x.amount) for x in bill.lines] == [
        ("水费", D("12"), D("32.00")),
        ("污水处理费", D("12"), D("11.40")),
    ]
    assert bill.total == D("43.40")


def test_tiers_apply_to_the_accounts_monthly_usage_of_a_kind(session):
    a = f.account(session, customer_class="单位")
    f.meter(session, "E1", a)
    f.meter(session, "E2", a, multiplier="30")
    f.tariff(session, customer_class="单位", components={"电费": [("0", "1"), ("100", "2")]})
    f.read(session, "E1", "2026-09-28", "0")
    f.read(session, "E1", "2026-10-28", "60")
    f.read(session, "E2", "2026-09-28", "10")
    f.read(session, "E2", "2026-10-28", "12")  # 2 × 30 = 60
    run_billing(session, f.ACTOR, OCT)
    bill = bill_of(session)
    # 120 units together: 100 × 1 + 20 × 2 = 140 (apart they would be 60 + 60 = 120)
    assert [(x.usage, x.amount) for x in bill.lines] == [(D("120"), D("140.00"))]
    assert {m.meter_no: m.usage for m in bill.meters} == {"E1": D("60"), "E2": D("60")}


def test_rollover_and_multiplier_in_a_bill(session):
    a = f.account(session)
    f.meter(session, "E1", a, digits=4, multiplier="2")
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.read(session, "E1", "2026-09-28", "9990")
    f.read(session, "E1", "2026-10-28", "15")
    run_billing(session, f.ACTOR, OCT)
    bill = bill_of(session)
    assert bill.meters[0].usage == D("50")  # (10000 − 9990 + 15) × 2
    assert bill.total == D("25.00")


def test_replacement_inside_the_period(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session, components={"电费": [("0", "0.5"), ("100", "0.8")]})
    f.read(session, "E1", "2026-09-28", "1000")
    readings.replace_meter(
        session,
        f.ACTOR,
        "E1",
        "1080",
        MeterSpec(meter_no="E2", kind="electricity", digits=6, multiplier=D(2)),
        "5",
        f.at("2026-10-15"),
    )
    f.read(session, "E2", "2026-10-28", "25")
    result = run_billing(session, f.ACTOR, OCT)
    assert result.skipped == ()
    bill = bill_of(session)
    assert [(m.meter_no, m.prev, m.curr, m.usage) for m in bill.meters] == [
        ("E1", D("1000"), D("1080"), D("80")),
        ("E2", D("5"), D("25"), D("40")),
    ]
    # (1080 − 1000) × 1 + (25 − 5) × 2 = 120: 100 × 0.5 + 20 × 0.8 = 66.00
    assert bill.lines[0].usage == D("120") and bill.total == D("66.00")
    # November: the old meter is gone, the new one goes on from 25.
    f.read(session, "E2", "2026-11-28", "30")
    run_billing(session, f.ACTOR, Period.parse("2026-11"))
    nov = bill_of(session, period=Period.parse("2026-11"))
    assert [(m.meter_no, m.prev, m.curr, m.usage) for m in nov.meters] == [
        ("E2", D("25"), D("30"), D("10"))
    ]


def test_unread_and_held_meters_are_skipped_and_listed(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.meter(session, "W1", a, kind="water")
    b = f.account(session, "A002")
    f.meter(session, "E2", b)
    f.meter(session, "E3", b)
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.tariff(session, kind="water", components=WATER)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "110")
    f.read(session, "W1", "2026-09-28", "5")  # no October reading
    f.read(session, "E2", "2026-09-28", "500")
    f.read(session, "E2", "2026-10-28", "400")  # lower: held
    f.read(session, "E3", "2026-10-28", "7")  # first ever reading: nothing to compare
    result = run_billing(session, f.ACTOR, OCT)
    assert result.created == 1
    assert [(s.meter_no, s.reason) for s in result.skipped] == [
        ("E2", "held"),
        ("E3", "no_previous"),
        ("W1", "unread"),
    ]
    bill = bill_of(session)
    assert [m.meter_no for m in bill.meters] == ["E1"] and bill.total == D("5.00")
    assert list_bills(session, OCT, "A002") == []


def test_second_run_creates_nothing(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.meter(session, "E9", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "110")
    f.read(session, "E9", "2026-09-28", "1")
    first = run_billing(session, f.ACTOR, OCT)
    second = run_billing(session, f.ACTOR, OCT)
    assert (first.created, second.created) == (1, 0)
    assert second.skipped == ()
    assert session.scalar(select(Bill.id).where(Bill.period == "2026-11")) is None
    assert len(session.scalars(select(Bill)).all()) == 1


def test_held_reading_reviewed_then_billed_by_a_later_run(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "500")
    low = f.read(session, "E1", "2026-10-28", "400")
    assert run_billing(session, f.ACTOR, OCT).created == 0
    readings.correct_reading(session, f.ACTOR, low.reading_id, "540", "误读")
    again = run_billing(session, f.ACTOR, OCT)
    assert (again.created, again.skipped) == (1, ())
    assert bill_of(session).total == D("20.00")  # 40 × 0.5


def test_prepaid_bills_draw_on_the_balance(session):
    a = f.account(session, billing_mode="预收费", balance="30")
    f.meter(session, "E1", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    run_billing(session, f.ACTOR, OCT)
    bill = bill_of(session)
    assert (bill.total, bill.status) == (D("25.00"), "paid")
    assert session.get(Account, a).balance == D("5.00")
    f.read(session, "E1", "2026-11-28", "200")
    run_billing(session, f.ACTOR, Period.parse("2026-11"))
    assert session.get(Account, a).balance == D("-20.00")  # may go negative
    ledger = session.scalars(
        select(AccountLedgerEntry)
        .where(AccountLedgerEntry.account_id == a)
        .order_by(AccountLedgerEntry.id)
    ).all()
    assert [(e.kind, e.amount, e.balance_after) for e in ledger] == [
        ("opening", D("30.00"), D("30.00")),
        ("bill", D("-25.00"), D("5.00")),
        ("bill", D("-25.00"), D("-20.00")),
    ]


def test_tariff_by_class_and_effective_date(session):
    r = f.account(session, "R1")
    u = f.account(session, "U1", customer_class="单位")
    f.meter(session, "E1", r)
    f.meter(session, "E2", u)
    f.tariff(session, effective_from="2020-01-01", components={"电费": [("0", "0.5")]})
    f.tariff(session, effective_from="2026-10-01", components={"电费": [("0", "0.6")]})
    f.tariff(session, customer_class="单位", components={"电费": [("0", "0.9")]})
    for meter_no in ("E1", "E2"):
        f.read(session, meter_no, "2026-08-28", "0")
        f.read(session, meter_no, "2026-09-28", "10")
        f.read(session, meter_no, "2026-10-28", "20")
    run_billing(session, f.ACTOR, Period.parse("2026-09"))
    run_billing(session, f.ACTOR, OCT)
    assert bill_of(session, "R1", Period.parse("2026-09")).total == D("5.00")
    assert bill_of(session, "R1").total == D("6.00")
    assert bill_of(session, "U1").total == D("9.00")


def test_missing_tariff_skips_the_meter(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water")
    f.read(session, "W1", "2026-09-28", "1")
    f.read(session, "W1", "2026-10-28", "2")
    result = run_billing(session, f.ACTOR, OCT)
    assert result.created == 0
    assert [(s.meter_no, s.reason, s.label) for s in result.skipped] == [
        ("W1", "no_tariff", "无适用价格")
    ]


def test_next_period_starts_where_the_last_bill_ended(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    run_billing(session, f.ACTOR, OCT)
    f.read(session, "E1", "2026-11-28", "190")
    run_billing(session, f.ACTOR, Period.parse("2026-11"))
    nov = bill_of(session, period=Period.parse("2026-11"))
    assert (nov.meters[0].prev, nov.meters[0].usage, nov.total) == (D("150"), D("40"), D("20.00"))


def test_the_run_is_audited_once(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    f.tariff(session)
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    run_billing(session, f.ACTOR, OCT)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "billing.run")).all()
    assert [(e.data["period"], e.data["created"]) for e in events] == [("2026-10", 1)]


def test_electricity_lines_come_before_water(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water")
    f.meter(session, "E1", a)
    f.tariff(session)
    f.tariff(session, kind="water", components=WATER)
    for meter_no in ("W1", "E1"):
        f.read(session, meter_no, "2026-09-28", "0")
        f.read(session, meter_no, "2026-10-28", "10")
    run_billing(session, f.ACTOR, OCT)
    assert [(x.kind, x.component) for x in bill_of(session).lines] == [
        ("electricity", "电费"),
        ("water", "水费"),
        ("water", "污水处理费"),
    ]
