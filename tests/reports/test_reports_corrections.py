"""Money reports once bills are corrected and credit is refunded: 应收实收 on net billed (a
cancelled bill left out once its credit note is written, as it stood before), 欠费清单 the
same way, deposits owed but not billed, and refunds in 收费日报 and the payments export.
Figures are computed by hand in the comments."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
from sqlalchemy import select

from reports.payments_export import render_payments_xlsx
from server.db.models import Account
from server.db.models.billing import ADJUSTMENT, DEPOSIT
from server.services.billing.billing_run import run_billing
from server.services.billing.corrections import cancel_bill
from server.services.collection.payment_export import payment_rows
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.refunds import refund_balance
from server.services.collection.till import open_till
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.reports import arrears_report, cash_report, collection_report
from server.services.reports.dashboard import Figure, dashboard
from server.services.reports.trend import collection_trend, usage_trend
from server.services.reports.usage import usage_report
from tests import factories as f

BEFORE = date(2026, 6, 30)  # after the bills, before the payment and the cancel (today)
AFTER = date(2099, 12, 31)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=BUSINESS_TZ)


def test_collection_and_arrears_count_a_cancelled_bill_as_it_stood(session):
    """A001: 2026-01 100.00 (issued 02-03) and 2026-02 80.00 (issued 03-04); today 150.00
    paid (100.00 + 50.00), then 2026-02 cancelled: its 50.00 goes to the balance. A002 owes
    a 200.00 deposit (2026-01, issued 02-03)."""
    f.branches(session)
    a1 = f.account(session, "A001")
    f.bill(session, a1, "2026-01", "100.00", created_at=at("2026-02-03"))
    f.bill(session, a1, "2026-02", "80.00", created_at=at("2026-03-04"))
    a2 = f.account(session, "A002", holder_name="李四")
    f.bill(session, a2, "2026-01", "200.00", created_at=at("2026-02-03"), kind=DEPOSIT)
    take_payment(session, f.ACTOR, PaymentRequest("A001", D("150.00"), "cash", "D"))
    zhao = f.staff(session, "zhao", "manager")
    cancel_bill(session, zhao, "A001", Period(2026, 2), "重复开票", approval_limit=None,
                approver=None)  # fmt: skip
    assert session.scalar(select(Account.balance).where(Account.id == a1)) == D("50.00")

    def figures(as_of: date) -> list[tuple[object, ...]]:
        report = collection_report(session, f.ACTOR, Period(2026, 1), Period(2026, 2), as_of=as_of)
        return [row.values for row in report.rows]

    z = D("0.00")
    # Before: both bills stood and nothing was paid; the deposit is not billed.
    assert figures(BEFORE) == [
        ("2026-01", "东校区", "居民", 1, D("100.00"), z, D("100.00"), D("0.0000")),
        ("2026-01", "小计", "", 1, D("100.00"), z, D("100.00"), D("0.0000")),
        ("2026-02", "东校区", "居民", 1, D("80.00"), z, D("80.00"), D("0.0000")),
        ("2026-02", "小计", "", 1, D("80.00"), z, D("80.00"), D("0.0000")),
        ("合计", "", "", 2, D("180.00"), z, D("180.00"), D("0.0000")),
    ]
    # After: net billed is 100.00 (180.00 less the 80.00 credit note), all collected — not
    # 100.00 of 180.00.
    assert figures(AFTER) == [
        ("2026-01", "东校区", "居民", 1, D("100.00"), D("100.00"), z, D("1.0000")),
        ("2026-01", "小计", "", 1, D("100.00"), D("100.00"), z, D("1.0000")),
        ("合计", "", "", 1, D("100.00"), D("100.00"), z, D("1.0000")),
    ]
    trend = collection_trend(session, f.ACTOR, Period(2026, 2), 2, as_of=AFTER)
    assert [(p.period, p.billed, p.collected) for p in trend] == [
        ("2026-01", D("100.00"), D("100.00"))
    ]

    def owing(as_of: date) -> list[tuple[object, ...]]:
        report = arrears_report(session, f.ACTOR, as_of)
        return [row.values[2:] for row in report.details]

    # 2026-06-30: 2026-01 due 02-28 (122 days), 2026-02 due 03-31 (91 days): both 91–180.
    assert owing(BEFORE) == [
        ("A001", "张三", 2, "2026-01", z, z, z, D("180.00"), z, D("180.00"), z),
        ("A002", "李四", 1, "2026-01", z, z, z, D("200.00"), z, D("200.00"), z),
    ]
    # Since: A001 paid 2026-01 and 2026-02 was cancelled; the deposit is still owed.
    assert owing(AFTER) == [("A002", "李四", 1, "2026-01", z, z, z, z, D("200.00"), D("200.00"), z)]


def test_refunds_in_the_cash_report_and_the_payments_export(session):
    """A001 pays 230.00 in cash on its 200.00 bill; the 30.00 over is refunded by transfer,
    paid out by clerk li."""
    f.branches(session)
    a = f.account(session, "A001")
    f.bill(session, a, "2026-10", "200.00")
    wang = f.staff(session, "wang")
    open_till(session, wang, D("0.00"))
    receipt = take_payment(session, wang, PaymentRequest("A001", D("230.00"), "cash", "D"))
    li = f.staff(session, "li")
    zhao = f.staff(session, "zhao", "manager")
    refunded = refund_balance(session, zhao, "A001", D("30.00"), "transfer", clerk=li,
                              reference="BK-R1", bank="工商银行")  # fmt: skip
    today = calendar.now().date()

    z = D("0.00")
    report = cash_report(session, f.ACTOR, today)
    assert [c.title for c in report.columns][3:] == [
        "收款笔数", "收款金额", "作废笔数", "作废金额", "退款笔数", "退款金额", "实收金额",
        "长短款",
    ]  # fmt: skip
    assert [row.values for row in report.rows] == [
        ("东区收费点", "li LI", "网银转账", 0, z, 0, z, 1, D("30.00"), D("-30.00"), None),
        ("东区收费点", "li LI", "小计", 0, z, 0, z, 1, D("30.00"), D("-30.00"), None),
        ("东区收费点", "wang WANG", "现金", 1, D("230.00"), 0, z, 0, z, D("230.00"), None),
        ("东区收费点", "wang WANG", "小计（1 班未日结）", 1, D("230.00"), 0, z, 0, z,
         D("230.00"), None),
        # 230.00 taken − 30.00 refunded = 200.00 kept
        ("东区收费点", "", "分中心小计", 1, D("230.00"), 0, z, 1, D("30.00"), D("200.00"), None),
        ("合计", "", "", 1, D("230.00"), 0, z, 1, D("30.00"), D("200.00"), None),
    ]  # fmt: skip

    rows = list(payment_rows(session, today, today))
    assert [(r.period, r.item, r.amount, r.channel, r.receipt_no) for r in rows] == [
        ("2026-10", "电费", D("200.00"), "现金", receipt.receipt_no),
        ("", "余额（多缴）", D("30.00"), "现金", receipt.receipt_no),
        ("退款", "退款（网银转账）", D("-30.00"), "网银转账", refunded.refund_no),
    ]
    _, _, data = render_payments_xlsx(rows, "缴费明细", datetime(2026, 12, 7, 9, 30))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[-2][:5] == ["A001", "张三", "退款", "退款（网银转账）", -30]
    assert values[-1][:5] == ["合计 3 笔", None, None, None, 200]


def test_dashboard_after_a_cancel_and_a_refund(session):
    """A001 owes 2026-09 40.00 and 2026-10 25.00, A002 2026-10 100.00. A001 pays 65.00 in
    cash; its 2026-10 bill is cancelled (25.00 to the balance) and the 25.00 refunded."""
    f.branches(session)
    a1, a2 = f.account(session, "A001"), f.account(session, "A002", holder_name="李四")
    f.bill(session, a1, "2026-09", "40.00")
    f.bill(session, a1, "2026-10", "25.00")
    f.bill(session, a2, "2026-10", "100.00")
    wang = f.staff(session, "wang")
    open_till(session, wang, D("0.00"))
    take_payment(session, wang, PaymentRequest("A001", D("65.00"), "cash", "D"))
    zhao = f.staff(session, "zhao", "manager")
    cancel_bill(session, zhao, "A001", Period(2026, 10), "重复开票", approval_limit=None,
                approver=None)  # fmt: skip
    refund_balance(session, zhao, "A001", D("25.00"), "cash", clerk=wang)

    board = dashboard(session, f.ACTOR)
    assert board.today_by_channel == (Figure("现金", 1, D("65.00")),)
    assert board.today_refunds == (Figure("退款", 1, D("-25.00")),)
    # 2026-10 net billed: A002's 100.00 alone, nothing collected on it; A001 owes nothing.
    assert board.period == "2026-10"
    assert (board.month_billed, board.month_collected) == (D("100.00"), D("0.00"))
    assert (board.arrears, board.arrears_accounts) == (D("100.00"), 1)


def test_deposits_and_adjustments_are_not_usage(session):
    """A001: a 2026-10 electricity bill of 120 kWh, 60.00; a 300.00 deposit and a 15.00 debit
    adjustment in the same period. 用能查询 and the usage trend show the electricity only."""
    f.branches(session)
    a = f.account(session, "A001")
    f.meter(session, "E1", a)
    f.read(session, "E1", "2026-09-20", "100")
    f.read(session, "E1", "2026-10-20", "220")
    f.tariff(session, components={"电费": [("0", "0.5")]})
    run_billing(session, f.ACTOR, Period(2026, 10))
    # Written by the factory with an electricity line each: only the bill's kind tells.
    f.bill(session, a, "2026-10", "300.00", kind=DEPOSIT)
    f.bill(session, a, "2026-10", "15.00", kind=ADJUSTMENT)

    report = usage_report(session, f.ACTOR, Period(2026, 10))
    details = [row.values for row in report.details]
    assert [(v[report.column("户号")], v[report.column("用量")], v[report.column("金额")])
            for v in details] == [("A001", D("120.000"), D("60.00"))]  # fmt: skip
    trend = usage_trend(session, f.ACTOR, Period(2026, 10), 1)
    assert [(p.kind, p.usage, p.amount) for p in trend] == [
        ("electricity", D("120.000"), D("60.00"))
    ]
