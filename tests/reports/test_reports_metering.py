"""Metering reports on a hand-built world: 用能查询 (same months last year beside), 未抄表计,
异常用量, 总分表平衡 (a master with three subs, one of them replaced, and a flagged loss) and
表计台账. Figures computed by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.tables import FLAGGED, SUBTOTAL, TOTAL
from server.db.models import Building, Meter
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import Period
from server.services.metering.readings import MeterSpec, register_meter, replace_meter
from server.services.reports import (
    anomalies_report,
    loss_report,
    meters_report,
    unread_report,
    usage_report,
)
from server.services.reports.loss import flagged_losses
from server.services.reports.trend import UsagePoint, usage_trend
from tests import factories as f

OCT = Period.parse("2026-10")
WATER = {"水费": [("0", "2.5")]}


def building_id(session: Session, name: str) -> int:
    return session.scalar(select(Building.id).where(Building.name == name))


def place(session: Session, no: str, kind: str, building: int, parent: str | None = None) -> None:
    """A meter of no account in a building, under master `parent`."""
    spec = MeterSpec(meter_no=no, kind=kind, digits=6, building_id=building, location="配电间")
    meter = register_meter(session, f.ACTOR, spec)
    if parent:
        meter.parent_id = session.scalar(select(Meter.id).where(Meter.meter_no == parent))
    session.flush()


@pytest.fixture
def world(session):
    build_world(session)
    return session


def build_world(session: Session) -> None:
    """1号楼: A001 (E1, W1), A002 (E2), A003 (E3: a held reading, unread in October).
    2号楼: master M1 with S1, S2, S3 (S3 replaced by S3N on 10-15); master MW with SW1, SW2.
    Bills of 2025-10, 2026-09 and 2026-10."""
    f.tariff(session)  # 电费 0.5
    f.tariff(session, kind="water", components=WATER)
    a1, a2, a3 = (f.account(session, no) for no in ("A001", "A002", "A003"))
    f.meter(session, "E1", a1)
    f.meter(session, "W1", a1, kind="water")
    f.meter(session, "E2", a2)
    f.meter(session, "E3", a3)
    for meter, day, value in (
        ("E1", "2025-09-28", "100"), ("E1", "2025-10-28", "150"),  # 50 kWh
        ("W1", "2025-09-28", "10"), ("W1", "2025-10-28", "22"),  # 12 m³
        ("E1", "2026-09-28", "1000"),
        ("E1", "2026-10-28", "1080"),  # 80 kWh
        ("W1", "2026-09-28", "40"), ("W1", "2026-10-28", "50"),  # 10 m³
        ("E2", "2026-09-28", "500"), ("E2", "2026-10-28", "530.5"),  # 30.5 kWh
        ("E3", "2026-09-28", "70"),
        ("E3", "2026-10-10", "60"),  # lower than 70: held for review (E3 stays unread)
    ):  # fmt: skip
        f.read(session, meter, day, value)
    # A bill runs from the last billed reading, so September is billed too: October's
    # bills then run from the 09-28 readings.
    for period in ("2025-10", "2026-09", "2026-10"):
        run_billing(session, f.ACTOR, Period.parse(period))

    session.add(Building(campus_id=session.scalar(select(Building.campus_id)), name="2号楼"))
    session.flush()
    b2 = building_id(session, "2号楼")
    place(session, "M1", "electricity", b2)
    for sub in ("S1", "S2", "S3"):
        place(session, sub, "electricity", b2, "M1")
    place(session, "MW", "water", b2)
    for sub in ("SW1", "SW2"):
        place(session, sub, "water", b2, "MW")
    for meter, day, value in (
        ("M1", "2026-09-28", "1000"), ("M1", "2026-10-28", "1400"),  # 400
        ("S1", "2026-09-28", "100"), ("S1", "2026-10-28", "200"),  # 100
        ("S2", "2026-09-28", "200"), ("S2", "2026-10-28", "300"),  # 100
        ("S3", "2026-09-28", "50"),
        ("MW", "2026-09-28", "0"), ("MW", "2026-10-28", "100"),  # 100
        ("SW1", "2026-09-28", "10"), ("SW1", "2026-10-28", "50"),  # 40
        ("SW2", "2026-09-28", "0"), ("SW2", "2026-10-28", "55"),  # 55
    ):  # fmt: skip
        f.read(session, meter, day, value)
    # S3 closes at 150 (100 used), S3N starts at 0 and reads 30: the line used 130.
    new = MeterSpec(meter_no="S3N", kind="electricity", digits=6)
    replace_meter(session, f.ACTOR, "S3", "150", new, "0", f.at("2026-10-15"))
    f.read(session, "S3N", "2026-10-28", "30")
    session.flush()


def rows(report):
    return [(row.values, row.style) for row in report.rows]


def test_usage_by_account_with_last_year(world):
    report = usage_report(world, f.ACTOR, OCT)
    assert [c.title for c in report.columns] == [
        "校区", "楼宇", "户号", "户名", "类型", "户数", "用量", "单位", "金额",
        "去年同期用量", "去年同期金额", "用量同比",
    ]  # fmt: skip
    z = D("0")
    assert rows(report) == [
        # E1 80 kWh × 0.5 = 40.00; a year ago 50 kWh, 25.00: (80 − 50) / 50 = +60 %
        (("东校区", "1号楼", "A001", "张三", "电", 1, D("80"), "kWh", D("40.00"),
          D("50"), D("25.00"), D("0.6000")), ""),
        # W1 10 m³ × 2.5 = 25.00; a year ago 12 m³, 30.00: (10 − 12) / 12 = −16.67 %
        (("东校区", "1号楼", "A001", "张三", "水", 1, D("10"), "m³", D("25.00"),
          D("12"), D("30.00"), D("-0.1667")), ""),
        # E2 30.5 kWh = 15.25 (15.250 rounds to the fen); no bill a year ago
        (("东校区", "1号楼", "A002", "张三", "电", 1, D("30.5"), "kWh", D("15.25"),
          z, z, None), ""),
        # 80 + 30.5 = 110.5 kWh, 55.25; (110.5 − 50) / 50 = +121 %
        (("电 小计", "", "", "", "电", 2, D("110.5"), "kWh", D("55.25"),
          D("50"), D("25.00"), D("1.2100")), SUBTOTAL),
        (("水 小计", "", "", "", "水", 1, D("10"), "m³", D("25.00"),
          D("12"), D("30.00"), D("-0.1667")), SUBTOTAL),
        # money only: 40.00 + 25.00 + 15.25 = 80.25; a year ago 55.00
        (("合计", "", "", "", "", 2, None, "", D("80.25"), None, D("55.00"), None), TOTAL),
    ]  # fmt: skip
    assert report.filters == "账期 2026-10，去年同期 2025-10 至 2025-10，按户"


def test_usage_by_building_campus_and_kind(world):
    by_kind = usage_report(world, f.ACTOR, OCT, by="kind")
    assert [(r.values[0], r.values[2], r.values[4], r.style) for r in by_kind.rows] == [
        ("电", D("110.5"), D("55.25"), ""),
        ("水", D("10"), D("25.00"), ""),
        ("合计", None, D("80.25"), TOTAL),
    ]
    by_building = usage_report(world, f.ACTOR, OCT, OCT, by="building", kind="water")
    assert [r.values[:5] for r in by_building.rows] == [
        ("东校区", "1号楼", "水", 1, D("10")),
        ("水 小计", "", "水", 1, D("10")),
        ("合计", "", "", 1, None),
    ]
    # Two months: September adds E1 150 → 1000 (850 kWh, from the 2025-10 bill's reading)
    # and W1 22 → 40 (18 m³); E2 had no earlier reading, so no September bill.
    by_campus = usage_report(world, f.ACTOR, Period.parse("2026-09"), OCT, by="campus")
    assert [r.values[:6] for r in by_campus.details] == [
        # 850 + 80 + 30.5 = 960.5 kWh = 425.00 + 40.00 + 15.25 = 480.25
        ("东校区", "电", 2, D("960.5"), "kWh", D("480.25")),
        # 18 + 10 = 28 m³ = 45.00 + 25.00 = 70.00
        ("东校区", "水", 1, D("28"), "m³", D("70.00")),
    ]


def test_loss_master_against_its_subs(world):
    report = loss_report(world, f.ACTOR, Period.parse("2026-09"), OCT)
    # September: only the first readings, no usage anywhere, so no rows.
    assert rows(report) == [
        # M1 400 − (100 + 100 + 130) = 70 kWh; 70 / 400 = 17.5 % > 5 %
        (("2026-10", "东校区", "2号楼", "M1", "电表", "配电间", 3, D("400"), D("330"),
          D("70"), "kWh", D("0.1750"), D("0.05"), "超限"), FLAGGED),
        # MW 100 − (40 + 55) = 5 m³; 5 % is within water's 8 %
        (("2026-10", "东校区", "2号楼", "MW", "水表", "配电间", 2, D("100"), D("95"),
          D("5"), "m³", D("0.0500"), D("0.08"), "正常"), ""),
        (("合计", "", "", "2 行", "", "", None, None, None, None, "", None, None,
          "超限 1 行"), TOTAL),
    ]  # fmt: skip
    assert report.filters == "账期 2026-09 至 2026-10，阈值 电 5%、水 8%"
    assert [r.values[3] for r in flagged_losses(report)] == ["M1"]
    # One threshold for both kinds: 4 % flags the water master too.
    strict = loss_report(world, f.ACTOR, OCT, threshold=D("0.04"))
    assert [(r.values[3], r.values[-1]) for r in strict.details] == [("M1", "超限"), ("MW", "超限")]
    lenient = loss_report(world, f.ACTOR, OCT, threshold=D("0.2"))
    assert [r.style for r in lenient.details] == ["", ""]


def test_unread_per_building(world):
    report = unread_report(world, f.ACTOR, OCT)
    assert rows(report) == [
        # E1, E2 read; E3 not: 2 / 3
        (("2026-10", "东校区", "1号楼", "电表", 3, 2, 1, D("0.6667"), ""), ""),
        (("2026-10", "东校区", "1号楼", "水表", 1, 1, 0, D("1.0000"), ""), ""),
        # M1, S1, S2, S3N (S3 was replaced: no longer due; S3N's initial is no visit, its
        # 10-28 reading is)
        (("2026-10", "东校区", "2号楼", "电表", 4, 4, 0, D("1.0000"), ""), ""),
        (("2026-10", "东校区", "2号楼", "水表", 3, 3, 0, D("1.0000"), ""), ""),
        # 11 due, 10 read: 90.91 %
        (("2026-10", "东校区", "小计", "", 11, 10, 1, D("0.9091"), ""), SUBTOTAL),
        (("合计", "", "", "", 11, 10, 1, D("0.9091"), ""), TOTAL),
    ]


def test_anomalies_of_a_period(world):
    report = anomalies_report(world, f.ACTOR, OCT)
    [held, total] = report.rows
    assert held.values[:6] == ("东校区", "1号楼", "E3", "电表", "A003", "张三")
    assert held.values[6].isoformat() == "2026-10-10T10:00:00+08:00"
    assert held.values[7:] == (D("70"), D("60"), None, "读数低于上次", "待审核", "现场", "")
    assert total.values[:3] == ("合计", "", "1 条") and total.style == TOTAL
    assert [r.style for r in anomalies_report(world, f.ACTOR, Period.parse("2026-09")).rows] == [
        TOTAL
    ]


def test_meters_inventory(world):
    report = meters_report(world, f.ACTOR)
    by_no = {r.values[0]: dict(zip([c.title for c in report.columns], r.values, strict=True))
             for r in report.details}  # fmt: skip
    assert len(by_no) == 12
    assert by_no["S1"]["上级表号"] == "M1" and by_no["S1"]["楼宇"] == "2号楼"
    assert by_no["S3"]["状态"] == "已换下" and by_no["S3"]["换表记录"] == "换为 S3N（2026-10-15）"
    assert by_no["S3N"]["换表记录"] == "替换 S3（2026-10-15）"
    assert by_no["S3N"]["最近读数"] == D("30")
    assert by_no["E1"]["最近读数"] == D("1080") and by_no["E1"]["户号"] == "A001"
    assert by_no["E3"]["最近读数"] == D("70")  # the held 60 is not accepted
    assert by_no["E1"]["最近抄表时间"].date() == date(2026, 10, 28)
    assert report.totals is not None
    assert report.totals.values[3] == "12 块（在用 11，已换下 1）"
    streamed = meters_report(world, f.ACTOR, stream=True)
    assert [r.values for r in streamed.rows] == [r.values for r in report.rows]


def test_usage_trend_for_the_dashboard(world):
    assert usage_trend(world, f.ACTOR, OCT, 13) == (
        UsagePoint("2025-10", "electricity", D("50"), D("25.00")),
        UsagePoint("2025-10", "water", D("12"), D("30.00")),
        # E1 150 → 1000 = 850 kWh, 425.00; W1 22 → 40 = 18 m³, 45.00
        UsagePoint("2026-09", "electricity", D("850"), D("425.00")),
        UsagePoint("2026-09", "water", D("18"), D("45.00")),
        # 80 + 30.5 kWh = 40.00 + 15.25; 10 m³ = 25.00
        UsagePoint("2026-10", "electricity", D("110.5"), D("55.25")),
        UsagePoint("2026-10", "water", D("10"), D("25.00")),
    )
    assert usage_trend(world, f.ACTOR, OCT, 12, campus="东校区")[0].period == "2026-09"
