"""Money reports on a hand-built world: 欠费清单 (aging boundaries, late fees apart, a
voided receipt, a prepaid account), 应收实收 and 收费日报 (voids, over/short, an open
till, an online payment). Every figure is computed by hand in the comments.

Bills are of periods in 2099, so the aging is counted against a fixed `as_of` whatever day
the tests run (everything written today is before the end of 2099).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from reports.tables import SUBTOTAL, TOTAL
from server.db.models import AccountLedgerEntry, LateFee
from server.services.accounts.accounts import AccountSpec, create_account
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import close_till, open_till
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError, PermissionDenied
from server.services.reports import arrears_report, cash_report, collection_report
from server.services.reports.trend import CollectionPoint, collection_trend
from server.services.staff.org import add_staff_with_role, ensure_campus
from server.services.staff.sign_in import staff_identity
from tests import factories as f

AS_OF = date(2099, 12, 31)


def account(session: Session, no: str, building: str, *, campus: str = "东校区", **kw: str) -> int:
    ensure_campus(session, campus)
    spec = AccountSpec(
        account_no=no, holder_name=f"户{no}", customer_class=kw.get("customer_class", "居民"),
        campus=campus, building=building, unit="1", room="101",
        billing_mode=kw.get("billing_mode", "postpaid"),
        opening_balance=D(kw.get("balance", "0")),
    )  # fmt: skip
    return create_account(session, f.ACTOR, spec).id


def pay(session: Session, actor: Actor, no: str, amount: str, channel: str = "cash", **kw):
    return take_payment(session, actor, PaymentRequest(no, D(amount), channel, "D", **kw))


@pytest.fixture
def world(session):
    """东校区 1号楼 A001 (four bills, 20.00 paid, a 3.00 fee), A002 (prepaid, drawn);
    2号楼 A003 (paid and voided); 西校区 3号楼 A004 (单位, one old bill)."""
    f.branches(session)
    a1 = account(session, "A001", "1号楼")
    for period, total in (("2099-01", "10.00"), ("2099-06", "40.00"), ("2099-10", "50.00"),
                          ("2099-11", "100.00")):  # fmt: skip
        f.bill(session, a1, period, total)
    # Oldest first: 2099-01 paid 10.00 in full, 2099-06 10.00 of its 40.00.
    pay(session, f.ACTOR, "A001", "20.00")
    fee_bill = session.scalar(text("select id from bill where period = '2099-06'"))
    session.add(LateFee(bill_id=fee_bill, kind="charge", amount=D("3.00"),
                        accrued_to=date(2099, 12, 1), days=10, rate=D("0.001"),
                        basis=D("30.00"), actor="test"))  # fmt: skip
    a2 = account(session, "A002", "1号楼", billing_mode="prepaid", balance="100")
    prepaid_bill = f.bill(session, a2, "2099-10", "25.00")
    # As a billing run draws a prepaid bill from the balance.
    session.add(AccountLedgerEntry(account_id=a2, kind="bill", amount=D("-25.00"),
                                   balance_after=D("75.00"), bill_id=prepaid_bill))  # fmt: skip
    a3 = account(session, "A003", "2号楼")
    f.bill(session, a3, "2099-09", "80.00")
    voided = pay(session, f.ACTOR, "A003", "80.00")
    void_receipt(session, f.ACTOR, voided.receipt_no, "收错户号")
    a4 = account(session, "A004", "3号楼", campus="西校区", customer_class="单位")
    f.bill(session, a4, "2099-01", "12.34")
    session.flush()
    return session


def values(report):
    return [(row.values, row.style) for row in report.rows]


def test_arrears_aged_per_account_with_building_and_campus_totals(world):
    report = arrears_report(world, f.ACTOR, AS_OF)
    assert [c.title for c in report.columns] == [
        "校区", "楼宇", "户号", "户名", "欠费期数", "最早欠费账期",
        "未到期", "≤30天", "31–90天", "91–180天", ">180天", "欠费本金合计", "滞纳金（已计未缴）",
    ]  # fmt: skip
    z = D("0.00")
    assert values(report) == [
        # A001 on 2099-12-31: 2099-11 due 12-31 (0 days: not yet due) 100.00; 2099-10 due
        # 11-30 (31 days) 50.00; 2099-06 due 07-31 (153 days) 40.00 − 10.00 = 30.00;
        # 2099-01 paid. Principal 180.00; the 3.00 fee stands apart.
        (("东校区", "1号楼", "A001", "户A001", 3, "2099-06",
          D("100.00"), z, D("50.00"), D("30.00"), z, D("180.00"), D("3.00")), ""),
        # A002 is prepaid: its bill was drawn from the balance, so it owes nothing.
        (("东校区", "1号楼", "楼宇小计（1 户）", "", 3, "2099-06",
          D("100.00"), z, D("50.00"), D("30.00"), z, D("180.00"), D("3.00")), SUBTOTAL),
        # A003 paid 80.00 and the receipt was voided: owed again, 2099-09 due 10-31, 61 days.
        (("东校区", "2号楼", "A003", "户A003", 1, "2099-09",
          z, z, D("80.00"), z, z, D("80.00"), z), ""),
        (("东校区", "2号楼", "楼宇小计（1 户）", "", 1, "2099-09",
          z, z, D("80.00"), z, z, D("80.00"), z), SUBTOTAL),
        (("东校区", "", "东校区 小计（2 户）", "", 4, "2099-06",
          D("100.00"), z, D("130.00"), D("30.00"), z, D("260.00"), D("3.00")), SUBTOTAL),
        # A004: 2099-01 due 02-28, 306 days.
        (("西校区", "3号楼", "A004", "户A004", 1, "2099-01",
          z, z, z, z, D("12.34"), D("12.34"), z), ""),
        (("西校区", "3号楼", "楼宇小计（1 户）", "", 1, "2099-01",
          z, z, z, z, D("12.34"), D("12.34"), z), SUBTOTAL),
        (("西校区", "", "西校区 小计（1 户）", "", 1, "2099-01",
          z, z, z, z, D("12.34"), D("12.34"), z), SUBTOTAL),
        # 100.00 + 130.00 + 30.00 + 12.34 = 272.34
        (("合计", "", "3 户", "", 5, "2099-01",
          D("100.00"), z, D("130.00"), D("30.00"), D("12.34"), D("272.34"), D("3.00")), TOTAL),
    ]  # fmt: skip
    assert report.totals is not None and report.totals.values[11] == D("272.34")
    assert report.filters == "截至 2099-12-31"


@pytest.mark.parametrize(
    ("as_of", "bucket"),
    [
        # The 2099-10 bill is due 2099-11-30.
        (date(2099, 11, 30), "未到期"),  # 0 days
        (date(2099, 12, 1), "≤30天"),  # 1
        (date(2099, 12, 30), "≤30天"),  # 30
        (date(2099, 12, 31), "31–90天"),  # 31
        (date(2100, 2, 28), "31–90天"),  # 31 + 31 + 28 = 90
        (date(2100, 3, 1), "91–180天"),  # 91
        (date(2100, 5, 29), "91–180天"),  # 90 + 31 + 30 + 29 = 180
        (date(2100, 5, 30), ">180天"),  # 181
    ],
)
def test_aging_boundaries(session, as_of, bucket):
    a = account(session, "B001", "1号楼")
    f.bill(session, a, "2099-10", "50.00")
    report = arrears_report(session, f.ACTOR, as_of, campus="东校区")
    [row] = report.details
    owed = {c.title: v for c, v in zip(report.columns, row.values, strict=True)}
    assert owed[bucket] == D("50.00")
    buckets = ("未到期", "≤30天", "31–90天", "91–180天", ">180天")
    assert sum(owed[b] for b in buckets) == D("50.00")


def test_arrears_as_of_a_day_before_the_bills_were_issued_is_empty(world):
    report = arrears_report(world, f.ACTOR, date(2020, 1, 1))
    z = D("0.00")
    assert values(report) == [(("合计", "", "0 户", "", 0, None, z, z, z, z, z, z, z), TOTAL)]


def test_collection_per_period_campus_and_class(world):
    report = collection_report(
        world, f.ACTOR, Period.parse("2099-01"), Period.parse("2099-11"), as_of=AS_OF
    )
    z = D("0.00")
    assert values(report) == [
        # A001 10.00 paid in full; A004 (单位, 西校区) 12.34 unpaid.
        (("2099-01", "东校区", "居民", 1, D("10.00"), D("10.00"), z, D("1.0000")), ""),
        (("2099-01", "西校区", "单位", 1, D("12.34"), z, D("12.34"), D("0.0000")), ""),
        # 10.00 / 22.34 = 0.44763 → 44.76 %
        (("2099-01", "小计", "", 2, D("22.34"), D("10.00"), D("12.34"), D("0.4476")), SUBTOTAL),
        # 10.00 of 40.00
        (("2099-06", "东校区", "居民", 1, D("40.00"), D("10.00"), D("30.00"), D("0.2500")), ""),
        (("2099-06", "小计", "", 1, D("40.00"), D("10.00"), D("30.00"), D("0.2500")), SUBTOTAL),
        # A003 80.00 paid and voided: nothing collected.
        (("2099-09", "东校区", "居民", 1, D("80.00"), z, D("80.00"), D("0.0000")), ""),
        (("2099-09", "小计", "", 1, D("80.00"), z, D("80.00"), D("0.0000")), SUBTOTAL),
        # A001 50.00 unpaid + A002 25.00 drawn from its prepaid balance: 25 / 75 = 33.33 %
        (("2099-10", "东校区", "居民", 2, D("75.00"), D("25.00"), D("50.00"), D("0.3333")), ""),
        (("2099-10", "小计", "", 2, D("75.00"), D("25.00"), D("50.00"), D("0.3333")), SUBTOTAL),
        (("2099-11", "东校区", "居民", 1, D("100.00"), z, D("100.00"), D("0.0000")), ""),
        (("2099-11", "小计", "", 1, D("100.00"), z, D("100.00"), D("0.0000")), SUBTOTAL),
        # 317.34 billed, 45.00 collected: 272.34 outstanding (the arrears total), 14.18 %
        (("合计", "", "", 7, D("317.34"), D("45.00"), D("272.34"), D("0.1418")), TOTAL),
    ]  # fmt: skip


def test_collection_trend_for_the_dashboard(world):
    points = collection_trend(world, f.ACTOR, Period.parse("2099-11"), 11, as_of=AS_OF)
    # The periods of the collection report's subtotal rows, as chart points.
    assert points == (
        CollectionPoint("2099-01", D("22.34"), D("10.00")),
        CollectionPoint("2099-06", D("40.00"), D("10.00")),
        CollectionPoint("2099-09", D("80.00"), D("0.00")),
        CollectionPoint("2099-10", D("75.00"), D("25.00")),
        CollectionPoint("2099-11", D("100.00"), D("0.00")),
    )
    assert points[3].outstanding == D("50.00")
    # Nine months ending 2099-10 are 2099-02 to 2099-10.
    nine = collection_trend(world, f.ACTOR, Period.parse("2099-10"), 9, as_of=AS_OF)
    assert [p.period for p in nine] == ["2099-06", "2099-09", "2099-10"]
    # As of a day before the bills were issued, there is nothing yet.
    assert collection_trend(world, f.ACTOR, Period.parse("2099-11"), as_of=date(2020, 1, 1)) == ()


def test_collection_of_one_campus(world):
    report = collection_report(world, f.ACTOR, Period.parse("2099-01"), as_of=AS_OF,
                               campus="西校区")  # fmt: skip
    assert [r.values[3:] for r in report.rows] == [
        (1, D("12.34"), D("0.00"), D("12.34"), D("0.0000")),
        (1, D("12.34"), D("0.00"), D("12.34"), D("0.0000")),
        (1, D("12.34"), D("0.00"), D("12.34"), D("0.0000")),
    ]


def staff(session: Session, login: str, role: str = "clerk") -> Actor:
    add_staff_with_role(
        session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
        role=role, branch_code="D",
    )  # fmt: skip
    return staff_identity(session, login).actor


def test_cash_per_branch_clerk_and_channel_with_voids_and_over_short(session):
    f.branches(session)
    a = account(session, "A001", "1号楼")
    f.bill(session, a, "2099-10", "500.00")
    wang, li = staff(session, "wang"), staff(session, "li")
    open_till(session, wang, D("100.00"))
    pay(session, wang, "A001", "50.00", tendered=D("100.00"))  # change 50.00
    voided = pay(session, wang, "A001", "30.00")
    pay(session, wang, "A001", "65.00", "transfer", reference="BK1")
    void_receipt(session, wang, voided.receipt_no, "收错户号")
    # expected cash = 100 + (100 + 30) − 50 − 30 = 150.00; counted 148.50: short 1.50
    close_till(session, wang, D("148.50"), "少 1.50")
    open_till(session, li, D("0.00"))
    pay(session, li, "A001", "20.00", "cheque", reference="CQ7", bank="工行")  # till left open
    pay(session, f.ACTOR, "A001", "15.00", "online", reference="WX1")  # no clerk, no till
    today = calendar.now().date()

    report = cash_report(session, f.ACTOR, today)
    z = D("0.00")
    assert report.title == "收费日报" and report.filters == f"日期 {today.isoformat()}"
    assert values(report) == [
        (("东区收费点", "li LI", "支票", 1, D("20.00"), 0, z, 0, z, D("20.00"), None), ""),
        (("东区收费点", "li LI", "小计（1 班未日结）", 1, D("20.00"), 0, z, 0, z, D("20.00"),
          None),
         SUBTOTAL),
        # cash 50.00 + 30.00 taken, 30.00 voided
        (("东区收费点", "wang WANG", "现金", 2, D("80.00"), 1, D("30.00"), 0, z, D("50.00"),
          None), ""),
        (("东区收费点", "wang WANG", "网银转账", 1, D("65.00"), 0, z, 0, z, D("65.00"), None),
         ""),
        (("东区收费点", "wang WANG", "小计", 3, D("145.00"), 1, D("30.00"), 0, z, D("115.00"),
          D("-1.50")), SUBTOTAL),
        (("东区收费点", "（在线支付）", "在线支付", 1, D("15.00"), 0, z, 0, z, D("15.00"), None),
         ""),
        (("东区收费点", "（在线支付）", "小计", 1, D("15.00"), 0, z, 0, z, D("15.00"), None),
         SUBTOTAL),
        # 20 + 145 + 15 = 180.00 taken, 30.00 voided, 150.00 kept
        (("东区收费点", "", "分中心小计", 5, D("180.00"), 1, D("30.00"), 0, z, D("150.00"),
          D("-1.50")), SUBTOTAL),
        (("合计", "", "", 5, D("180.00"), 1, D("30.00"), 0, z, D("150.00"), D("-1.50")), TOTAL),
    ]  # fmt: skip
    # A month (月报) over the same day and a range with nothing in it.
    month = cash_report(session, f.ACTOR, today.replace(day=1), today)
    assert month.totals == report.totals
    empty = cash_report(session, f.ACTOR, date(2020, 1, 1), date(2020, 1, 31))
    assert empty.title == "收费月报"
    assert values(empty) == [(("合计", "", "", 0, z, 0, z, 0, z, z, None), TOTAL)]


def test_refusals(session):
    with pytest.raises(DomainError, match="结束日期 2026-01-01 早于开始日期 2026-02-01"):
        cash_report(session, f.ACTOR, date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(DomainError, match="结束账期 2026-01 早于开始账期 2026-02"):
        collection_report(session, f.ACTOR, Period.parse("2026-02"), Period.parse("2026-01"))
    with pytest.raises(DomainError, match="校区 北校区 不存在"):
        arrears_report(session, f.ACTOR, AS_OF, campus="北校区")
    f.branches(session)
    clerk = staff(session, "wang")
    with pytest.raises(PermissionDenied, match="没有“报表”权限"):
        arrears_report(session, clerk, AS_OF)
    arrears_report(session, staff(session, "zhao", "manager"), AS_OF)  # managers may
