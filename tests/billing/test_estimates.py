"""Estimated reads (估抄) and their true-up, pinned with hand-computed bills.

Water at 水费 2.5 up to 10 m³ then 3.5, plus 污水处理费 0.95. Every meter here was read at
100 on 2025-12-28, then 110, 122 and 136 at the end of January, February and March: 10, 12
and 14 m³, a mean of (10 + 12 + 14) / 3 = 12.00 m³.
"""

import json
from datetime import datetime
from decimal import Decimal as D

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, Bill, BillLine, BillMeter, Reading
from server.services.billing.billing_run import run_billing
from server.services.billing.bills import paid_on_bill
from server.services.billing.estimates import estimated_value
from server.services.billing.payment_notices import gather_notices
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.metering import ingest, readings
from tests import factories as f

WATER = {"水费": [("0", "2.5"), ("10", "3.5")], "污水处理费": [("0", "0.95")]}
HISTORY = (("2025-12-28", "100"), ("2026-01-28", "110"), ("2026-02-26", "122"),
           ("2026-03-28", "136"))  # fmt: skip


def month(text: str) -> Period:
    return Period.parse(text)


def water_meter(session, meter_no: str, account_no: str) -> None:
    f.meter(session, meter_no, f.account(session, account_no), kind="water")
    for day, value in HISTORY:
        f.read(session, meter_no, day, value)


def bill_of(session, account_no: str, period: str) -> Bill | None:
    return session.scalar(select(Bill).where(Bill.account_no == account_no, Bill.period == period))


def meters_of(session, bill: Bill) -> list[tuple]:
    return [
        (m.prev, m.curr, m.usage, m.estimated)
        for m in session.scalars(select(BillMeter).where(BillMeter.bill_id == bill.id))
    ]


def lines_of(session, bill: Bill) -> list[tuple]:
    return [
        (x.component, x.usage, x.amount, x.note)
        for x in session.scalars(
            select(BillLine).where(BillLine.bill_id == bill.id).order_by(BillLine.id)
        )
    ]


def estimate(session, period: str):
    return run_billing(session, f.ACTOR, month(period), estimate=True)


def test_estimates_twice_then_a_visit_then_the_true_up(session):
    f.tariff(session, kind="water", components=WATER)
    water_meter(session, "W1", "A001")
    march = estimate(session, "2026-03")  # read: billed as usual
    assert (march.created, march.estimated, march.skipped) == (1, (), ())

    april = estimate(session, "2026-04")
    assert april.skipped == ()
    assert [(e.meter_no, e.usage, e.value) for e in april.estimated] == [
        ("W1", D("12.00"), D("148"))
    ]
    written = session.scalar(select(Reading).where(Reading.source == "estimate"))
    assert (written.value, written.status, written.usage) == (D("148"), "accepted", None)
    assert written.read_at == datetime(2026, 4, 30, 23, 59, 59, tzinfo=BUSINESS_TZ)
    assert written.note == "2026-04 估抄：月均用量 12.00"
    bill = bill_of(session, "A001", "2026-04")
    # 水费 10 × 2.5 + 2 × 3.5 = 32.00; 污水处理费 12 × 0.95 = 11.40 → 43.40
    assert meters_of(session, bill) == [(D("136"), D("148"), D("12"), True)]
    assert lines_of(session, bill) == [
        ("水费", D("12"), D("32.00"), "估"),
        ("污水处理费", D("12"), D("11.40"), "估"),
    ]
    assert bill.total == D("43.40")
    [notice] = gather_notices(session, month("2026-04"), account_no="A001")
    assert [(m.meter_no, m.curr, m.estimated) for m in notice.meters] == [("W1", D("148"), True)]

    # Still unread: the history is the same (estimates are not usage), so 12.00 again.
    may = estimate(session, "2026-05")
    assert [(e.meter_no, e.usage, e.value) for e in may.estimated] == [("W1", D("12.00"), D("160"))]
    assert meters_of(session, bill_of(session, "A001", "2026-05")) == [
        (D("148"), D("160"), D("12"), True)
    ]

    # Two estimated bills running: the third month is left for a visit, and no bill made.
    june = estimate(session, "2026-06")
    assert june.estimated == () and june.created == 0
    assert [(s.meter_no, s.reason, s.label) for s in june.skipped] == [
        ("W1", "estimate_limit", "连续估抄，需上门抄表")
    ]
    assert bill_of(session, "A001", "2026-06") is None

    # The visit: 30 m³ since March's 136. Judged against 136, not the estimate of 160.
    visit = f.read(session, "W1", "2026-07-28", "166")
    assert (visit.previous, visit.usage, visit.flags) == (D("136"), D("30"), ())
    july = estimate(session, "2026-07")
    assert (july.created, july.estimated, july.skipped) == (1, (), ())
    bill = bill_of(session, "A001", "2026-07")
    # 30 used less 2 × 12 billed on estimates = 6: 水费 6 × 2.5 = 15.00, 污水处理费 6 × 0.95
    # = 5.70 → 20.70. March to July billed 14 + 12 + 12 + 6 = 44 = 166 − 122.
    assert meters_of(session, bill) == [(D("160"), D("166"), D("6"), False)]
    assert lines_of(session, bill) == [
        ("水费", D("6"), D("15.00"), ""),
        ("污水处理费", D("6"), D("5.70"), ""),
    ]
    assert bill.total == D("20.70")
    [notice] = gather_notices(session, month("2026-07"), account_no="A001")
    assert [(m.meter_no, m.curr, m.estimated) for m in notice.meters] == [("W1", D("166"), False)]

    # After an actual bill the meter may be estimated again, on the history with July's 30:
    # (10 + 12 + 14 + 30) / 4 = 16.50.
    august = estimate(session, "2026-08")
    assert [(e.meter_no, e.usage, e.value) for e in august.estimated] == [
        ("W1", D("16.50"), D("182.5"))
    ]


def test_a_true_up_below_the_estimates_is_a_credit(session):
    f.tariff(session, kind="water", components=WATER)
    water_meter(session, "W1", "A001")
    estimate(session, "2026-04")  # 136 → 148
    estimate(session, "2026-05")  # 148 → 160
    # Only 5 m³ since March: below the estimate of 160, yet no reading lower than the last.
    visit = f.read(session, "W1", "2026-06-28", "141")
    assert (visit.status, visit.previous, visit.usage, visit.flags) == (
        "accepted", D("136"), D("5"), ()
    )  # fmt: skip
    june = estimate(session, "2026-06")
    assert (june.created, june.estimated, june.skipped) == (1, (), ())
    bill = bill_of(session, "A001", "2026-06")
    # 5 − 24 = −19 m³ given back on the tiers from 0: 水费 −(10 × 2.5 + 9 × 3.5) = −56.50,
    # 污水处理费 −19 × 0.95 = −18.05 → −74.55. April to June: 12 + 12 − 19 = 5 = 141 − 136.
    assert meters_of(session, bill) == [(D("160"), D("141"), D("-19"), False)]
    assert lines_of(session, bill) == [
        ("水费", D("-19"), D("-56.50"), "估抄冲回"),
        ("污水处理费", D("-19"), D("-18.05"), "估抄冲回"),
    ]
    assert bill.total == D("-74.55")
    # The credit pays the estimated bills still owed, oldest first: April's 43.40 whole,
    # 31.15 of May's 43.40 (12.25 still owed); nothing is left on the balance.
    assert session.get(Account, bill.account_id).balance == D("0.00")
    april, may = bill_of(session, "A001", "2026-04"), bill_of(session, "A001", "2026-05")
    assert (april.total, april.status, may.total, may.status) == (
        D("43.40"), "paid", D("43.40"), "partial"
    )  # fmt: skip
    assert session.scalar(select(paid_on_bill()).where(Bill.id == may.id)) == D("31.15")


def test_who_is_estimated_and_who_is_not(session):
    f.tariff(session, kind="water", components=WATER)
    water_meter(session, "W1", "A001")
    # Two months of history only: 100 → 110 → 122.
    f.meter(session, "W2", f.account(session, "A002"), kind="water")
    for day, value in HISTORY[:3]:
        f.read(session, "W2", day, value)
    # Read in April: nothing to estimate.
    water_meter(session, "W3", "A003")
    f.read(session, "W3", "2026-04-28", "150")
    # Its April reading waits for review: held, not estimated.
    water_meter(session, "W4", "A004")
    f.read(session, "W4", "2026-04-28", "90")

    plain = run_billing(session, f.ACTOR, month("2026-04"))
    assert [(s.meter_no, s.reason) for s in plain.skipped] == [
        ("W1", "unread"), ("W2", "unread"), ("W4", "held")
    ]  # fmt: skip
    assert session.scalar(select(Reading).where(Reading.source == "estimate")) is None
    bills_before = plain.created

    # The run is repeatable: the accounts billed are not billed again, the rest estimated.
    estimated = estimate(session, "2026-04")
    assert [(e.meter_no, e.usage) for e in estimated.estimated] == [("W1", D("12.00"))]
    assert [(s.meter_no, s.reason, s.label) for s in estimated.skipped] == [
        ("W2", "no_history", "历史不足3个月"), ("W4", "held", "读数待审核")
    ]  # fmt: skip
    assert (bills_before, estimated.created) == (1, 1)


def test_an_unpriced_estimate_is_not_the_next_bills_previous(session):
    """No water tariff in April: W1's estimate (148) is written but billed on no bill, so it
    is neither listed as estimated nor where May's bill starts."""
    water_meter(session, "W1", "A001")
    april = estimate(session, "2026-04")
    assert (april.created, april.estimated) == (0, ())
    assert [(s.meter_no, s.reason) for s in april.skipped] == [("W1", "no_tariff")]
    f.tariff(session, kind="water", components=WATER)
    f.read(session, "W1", "2026-05-28", "150")
    estimate(session, "2026-05")
    bill = bill_of(session, "A001", "2026-05")
    # 150 − 136 = 14: 水费 10 × 2.5 + 4 × 3.5 = 39.00, 污水处理费 14 × 0.95 = 13.30 → 52.30
    assert meters_of(session, bill) == [(D("136"), D("150"), D("14"), False)]
    assert bill.total == D("52.30")


def test_the_estimate_limit_is_the_runs(session):
    f.tariff(session, kind="water", components=WATER)
    water_meter(session, "W1", "A001")
    run_billing(session, f.ACTOR, month("2026-04"), estimate=True, estimate_limit=1)
    may = run_billing(session, f.ACTOR, month("2026-05"), estimate=True, estimate_limit=1)
    assert [(s.meter_no, s.reason) for s in may.skipped] == [("W1", "estimate_limit")]


def test_ingest_judges_against_the_last_actual_reading(session):
    """Desk entry and a timeline import (handheld file, remote platform) alike: an estimate
    is neither what a new reading is compared with nor usage in the monthly history."""
    f.tariff(session, kind="water", components=WATER)
    water_meter(session, "W1", "A001")
    estimate(session, "2026-04")  # 136 → 148
    estimate(session, "2026-05")  # 148 → 160
    # A file of June readings: the May estimate is among the meter's recent readings, April's
    # before them; 141 follows March's 136, 5 m³, not 19 below 160.
    meter = ingest.meter_for(session, "W1", hardware=False)
    recent, before = ingest.existing_readings(session, {meter.id}, f.at("2026-05-01", 0))
    moment = f.at("2026-06-10")
    event = ingest.Event(meter, moment, D("141"), "handheld", "", "file", 1,
                         ingest.month_index(moment))  # fmt: skip
    ingest.judge_timeline(meter, recent[meter.id], before[meter.id], [event], ingest.Unexpected())
    assert (event.status, event.usage, event.flags, event.previous.value) == (
        "accepted", D("5"), (), D("136")
    )  # fmt: skip
    # At the desk: lower than the estimate of 160, not held as 读数低于上次.
    lower = readings.record_reading(session, f.ACTOR, "W1", D("141"), moment, "field")
    assert (lower.status, lower.previous, lower.usage, lower.flags) == (
        "accepted", D("136"), D("5"), ()
    )  # fmt: skip
    # The surge history is actual usage only: 10, 12, 14 (not the estimates' 12, 12).
    assert ingest.monthly_usage_history(session, meter.id, moment) == [D("10"), D("12"), D("14")]


def test_the_estimated_figure_wraps_and_divides_by_the_multiplier():
    # 99 995 + 12 on a 5-digit register: 100 007 wraps to 7.
    assert estimated_value(D("99995"), D("12.00"), 5, D(1)) == D("7")
    # 12.34 kWh on a ×40 meter: 0.3085 of the register, half-up to 0.309.
    assert estimated_value(D("100"), D("12.34"), 6, D(40)) == D("100.309")


def test_the_cli_estimates_when_told_or_by_the_setting(md_env, monkeypatch):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.tariff(session, kind="water", components=WATER)
        water_meter(session, "W1", "A001")
    engine.dispose()
    runner = CliRunner()

    def billing_run(*options: str) -> str:
        result = runner.invoke(cli, ["billing", "run", *options])
        assert result.exit_code == 0, result.output
        return result.output

    assert json.loads(billing_run("--period", "2026-04", "--estimate", "--json")) == {
        "created": 1,
        "estimated": [{"meter_no": "W1", "usage": "12", "reading": "148"}],
        "skipped": [],
    }
    # The setting makes estimating the default; --no-estimate still leaves W1 unread.
    monkeypatch.setenv("MD_BILLING_ESTIMATE", "true")
    monkeypatch.setenv("MD_BILLING_ESTIMATE_LIMIT", "1")
    assert json.loads(billing_run("--period", "2026-05", "--no-estimate", "--json")) == {
        "created": 0,
        "skipped": [{"meter_no": "W1", "reason": "unread"}],
    }
    # One estimated bill is the limit now: W1 waits for a visit.
    assert billing_run("--period", "2026-05") == (
        "2026-05 无新账单\n跳过表计 1 块：\n  W1\t连续估抄，需上门抄表（estimate_limit）\n"
    )
    monkeypatch.setenv("MD_BILLING_ESTIMATE_LIMIT", "2")
    assert billing_run("--period", "2026-05") == (
        "2026-05 出账完成：新建账单 1 张\n估抄表计 1 块：\n  W1\t估用量 12\t估读数 160\n"
    )
    monkeypatch.setenv("MD_BILLING_ESTIMATE_LIMIT", "two")
    refused = runner.invoke(cli, ["billing", "run", "--period", "2026-06"])
    assert refused.exit_code != 0
    assert "设置 billing.estimate_limit 应为不小于 0 的整数，收到「two」" in refused.output
