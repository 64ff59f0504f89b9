"""Tariffs as offices set them, through a billing run and a single account's bill: a
tariff change inside the month, a part-month final bill, annual tiers across a year."""

from datetime import date
from decimal import Decimal as D

from sqlalchemy import select

from server.db.models import BillLine
from server.services.billing.account_bills import draft_account_bill
from server.services.billing.billing_run import list_bills, run_billing
from server.services.billing.payment_notices import gather_notices
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, create_tariff
from server.services.core.calendar import Period
from tests import factories as f


def lines_of(session, bill_id):
    rows = session.scalars(
        select(BillLine).where(BillLine.bill_id == bill_id).order_by(BillLine.id)
    )
    return [(x.component, x.usage, x.amount, x.tariff_id, x.note) for x in rows]


def annual_tariff(session, tiers, since="2020-01-01"):
    return create_tariff(
        session,
        f.ACTOR,
        TariffSpec(
            kind="electricity",
            customer_class="居民",
            effective_from=date.fromisoformat(since),
            components=(ComponentSpec("电费", tuple(Tier(D(s), D(p)) for s, p in tiers)),),
            tier_basis="annual",
        ),
    ).id


def test_a_tariff_change_inside_the_month_prices_each_tariffs_days(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    old = f.tariff(session, components={"电费": [("0", "3.00")]})
    new = f.tariff(session, effective_from="2026-11-10", components={"电费": [("0", "3.60")]})
    f.read(session, "E1", "2026-10-28", "0")
    f.read(session, "E1", "2026-11-28", "100")
    run_billing(session, f.ACTOR, Period(2026, 11))
    [bill] = list_bills(session, Period(2026, 11))
    # November has 30 days: 9 on the old tariff, 21 on the new one.
    # 100 × 9/30 = 30.000 × 3.00 = 90.00; the rest 70.000 × 3.60 = 252.00
    assert lines_of(session, bill.bill_id) == [
        ("电费", D("30.000"), D("90.00"), old, "11-01 起"),
        ("电费", D("70.000"), D("252.00"), new, "11-10 起"),
    ]
    assert bill.total == D("342.00")
    # The bill read back and its notice say which days each line is.
    assert [line["note"] for line in bill.as_json()["lines"]] == ["11-01 起", "11-10 起"]
    [notice] = gather_notices(session, Period(2026, 11), account_no="A001")
    assert [(x.item, x.amount) for x in notice.lines] == [
        ("电费（11-01 起）", D("90.00")),
        ("电费（11-10 起）", D("252.00")),
    ]


def test_part_month_final_bill_scales_the_tiers(session):
    a = f.account(session)
    f.meter(session, "W1", a, kind="water")
    tariff = f.tariff(session, kind="water", components={"水费": [("0", "3"), ("20", "4")]})
    f.read(session, "W1", "2026-11-28", "100")
    f.read(session, "W1", "2026-12-15", "125")
    final = draft_account_bill(
        session, a, Period(2026, 12), covers=(date(2026, 12, 1), date(2026, 12, 15))
    )
    # 15 of December's 31 days: threshold 20 × 15/31 = 9.677419…
    # 9.677419 × 3 + (25 − 9.677419) × 4 = 100 − 9.677419 = 90.322581 → 90.32
    assert [(m.prev, m.curr, m.usage) for m in final.meters] == [(D("100"), D("125"), D("25"))]
    assert [(x.component, x.usage, x.amount, x.tariff_id, x.note) for x in final.lines] == [
        ("水费", D("25"), D("90.32"), tariff, "按日折算 15/31 天")
    ]
    assert final.total == D("90.32")


# Monthly usage across 2026 and where the year's total gets to: the 2,400 kWh threshold
# is crossed in September.
USAGE = [300, 250, 200, 150, 150, 300, 400, 500, 300, 200, 100, 50]
# January–August: all at 0.50 (300 × 0.5 = 150.00 …); September: ytd 2,250, 150 at 0.50 +
# 150 at 0.80 = 75 + 120 = 195.00; October–December at 0.80: 160.00, 80.00, 40.00.
AMOUNTS = ["150.00", "125.00", "100.00", "75.00", "75.00", "150.00", "200.00", "250.00",
           "195.00", "160.00", "80.00", "40.00"]  # fmt: skip


def test_annual_tiers_across_a_year(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    tariff = annual_tariff(session, [("0", "0.50"), ("2400", "0.80")])
    f.read(session, "E1", "2025-12-28", "0")
    reading = 0
    for month, usage in enumerate(USAGE, start=1):
        reading += usage
        f.read(session, "E1", f"2026-{month:02d}-28", str(reading))
        run_billing(session, f.ACTOR, Period(2026, month))
    totals = [list_bills(session, Period(2026, m))[0].total for m in range(1, 13)]
    assert totals == [D(x) for x in AMOUNTS]
    [september] = list_bills(session, Period(2026, 9))
    assert lines_of(session, september.bill_id) == [("电费", D("300"), D("195.00"), tariff, "")]
    # A new year starts again from the first tier: 100 × 0.50.
    f.read(session, "E1", "2027-01-28", str(reading + 100))
    run_billing(session, f.ACTOR, Period(2027, 1))
    assert list_bills(session, Period(2027, 1))[0].total == D("50.00")


def test_annual_tiers_of_a_rebill_count_only_earlier_months(session):
    a = f.account(session)
    f.meter(session, "E1", a)
    annual_tariff(session, [("0", "0.50"), ("2400", "0.80")])
    f.read(session, "E1", "2025-12-28", "0")
    f.read(session, "E1", "2026-01-28", "2300")
    run_billing(session, f.ACTOR, Period(2026, 1))
    f.read(session, "E1", "2026-02-28", "2600")
    run_billing(session, f.ACTOR, Period(2026, 2))
    [feb] = list_bills(session, Period(2026, 2))
    # February after January's 2,300: 100 × 0.50 + 200 × 0.80 = 210.00; drafted again (a
    # rebill) it is the same, its own usage not counted in the year to date.
    assert feb.total == D("210.00")
    again = draft_account_bill(session, a, Period(2026, 2), replacing=feb.bill_id)
    assert again.total == D("210.00")
