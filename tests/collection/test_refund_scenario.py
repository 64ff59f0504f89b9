"""The issue's scenario end to end on real PostgreSQL: a mis-keyed reading corrected after the
bill was paid, the bill rebilled (credit note, the payment moved to the replacement, the
excess left as credit), the credit refunded in cash at the counter, and the day report
balancing. Figures are hand-computed in the comments."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import select

from server.db.models import Account, Bill
from server.services.billing.billing_run import run_billing
from server.services.billing.corrections import rebill_bill
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.refunds import refund_balance
from server.services.collection.settlement_report import settlement_pdf, settlement_report
from server.services.collection.till import close_till, open_till
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.metering.readings import correct_reading_of_day
from tests import factories as f

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=BUSINESS_TZ)
NOV = Period(2026, 11)


def test_a_mis_keyed_reading_corrected_after_payment_is_refunded_in_cash(
    session, monkeypatch, tmp_path: Path
):
    monkeypatch.setattr(calendar, "now", lambda: NOW)
    f.branches(session)
    account_id = f.account(session)
    f.meter(session, "W1", account_id, kind="water")
    f.tariff(session, kind="water", components={"水费": [("0", "3.00")]})
    f.read(session, "W1", "2026-10-28", "1000")
    # The meter showed 1050; 1500 was keyed: 500 m³ × 3.00 = 1500.00 billed.
    f.read(session, "W1", "2026-11-28", "1500")
    run_billing(session, f.ACTOR, NOV)
    wang, zhao = f.staff(session, "wang"), f.staff(session, "zhao", "manager")
    qian = f.staff(session, "qian", "manager")
    till_id = open_till(session, wang, D("200.00")).till_id
    paid = take_payment(session, wang, PaymentRequest("A001", D("1500.00"), "cash", "D"))
    assert paid.allocations == (("2026-11", D("1500.00")),)

    correct_reading_of_day(session, zhao, "W1", date(2026, 11, 28), D("1050"), "抄表员误录")
    # The replacement: 50 m³ × 3.00 = 150.00; the 1500.00 paid pays it, 1350.00 is credit.
    rebilled = rebill_bill(session, zhao, "A001", NOV, "抄表员误录读数",
                           approval_limit=D("500"), approver=qian)  # fmt: skip
    assert (rebilled.old_total, rebilled.new_total, rebilled.owed, rebilled.balance) == (
        D("1500.00"), D("150.00"), D("0.00"), D("1350.00")
    )  # fmt: skip
    new_bill = session.get(Bill, rebilled.new_bill_id)
    assert new_bill is not None and new_bill.status == "paid"

    refund = refund_balance(session, zhao, "A001", D("1350.00"), "cash", clerk=wang,
                            reason=f"更正账单 {rebilled.credit_note_no} 多缴退回",
                            approval_limit=D("500"), approver=qian)  # fmt: skip
    assert refund.balance_after == D("0.00")
    assert session.scalar(select(Account.balance).where(Account.id == account_id)) == D("0.00")

    # The drawer: 200.00 float + 1500.00 taken − 1350.00 refunded = 350.00, counted 350.00.
    closed = close_till(session, wang, D("350.00"))
    assert (closed.expected_cash, closed.cash_counted, closed.over_short) == (
        D("350.00"), D("350.00"), D("0.00")
    )  # fmt: skip
    report = settlement_report(session, till_id)
    assert (report.total_amount, report.cash_refunded, report.net_cash) == (
        D("1500.00"), D("1350.00"), D("150.00")
    )  # fmt: skip
    assert [(r.refund_no, r.account_no, r.channel, r.amount) for r in report.refunds] == [
        (refund.refund_no, "A001", "现金", D("1350.00"))
    ]
    pdf = tmp_path / "day.pdf"
    pdf.write_bytes(settlement_pdf(session, till_id))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert refund.refund_no in text and "减：现金退款" in text and "无长短款" in text
    assert "= 150.00 元" in text
