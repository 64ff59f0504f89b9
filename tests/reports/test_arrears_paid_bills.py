"""欠费清单 skips the bills paid in full (status 'paid') unless something since moved what
they were paid, and still shows a late fee charged on one: a list as of a day before the
payment or the draw reads as it stood then. Figures computed by hand in the comments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from sqlalchemy import select

from server.db.models import AccountLedgerEntry, Bill, LateFee
from server.services.billing.balances import set_status
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core.calendar import BUSINESS_TZ
from server.services.reports import arrears_report
from tests import factories as f

BEFORE = date(2026, 6, 30)  # after the bills were issued, before they were paid (today)
AFTER = date(2099, 12, 31)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=BUSINESS_TZ)


def test_bills_paid_in_full_since_owed_then_and_a_fee_charged_on_one_stands(session):
    """A001 (prepaid): 2026-01 60.00, issued 02-03, drawn from its balance today. A002:
    2026-01 40.00, issued 02-03, paid in full today; a 2.00 late fee charged, not paid."""
    f.branches(session)
    a1 = f.account(session, "A001", billing_mode="prepaid", balance="100")
    drawn = f.bill(session, a1, "2026-01", "60.00", created_at=at("2026-02-03"))
    session.add(AccountLedgerEntry(account_id=a1, kind="bill", amount=D("-60.00"),
                                   balance_after=D("40.00"), bill_id=drawn))  # fmt: skip
    session.flush()
    set_status(session, [drawn])
    a2 = f.account(session, "A002", holder_name="李四")
    paid = f.bill(session, a2, "2026-01", "40.00", created_at=at("2026-02-03"))
    take_payment(session, f.ACTOR, PaymentRequest("A002", D("40.00"), "cash", "D"))
    session.add(LateFee(bill_id=paid, kind="charge", amount=D("2.00"),
                        accrued_to=date(2026, 12, 1), days=20, rate=D("0.001"),
                        basis=D("40.00"), actor="test"))  # fmt: skip
    session.flush()
    assert set(session.scalars(select(Bill.status).where(Bill.id.in_((drawn, paid))))) == {"paid"}

    def owing(as_of: date) -> list[tuple[object, ...]]:
        report = arrears_report(session, f.ACTOR, as_of)
        return [row.values[2:] for row in report.details]

    z = D("0.00")
    # 2026-06-30: 2026-01 was due 02-28, 122 days before: both bills in 91–180, unpaid then
    # (the draw and the payment came later); the fee was not charged yet.
    assert owing(BEFORE) == [
        ("A001", "张三", 1, "2026-01", z, z, z, D("60.00"), z, D("60.00"), z),
        ("A002", "李四", 1, "2026-01", z, z, z, D("40.00"), z, D("40.00"), z),
    ]
    # Since: both paid; A002 owes its 2.00 fee, no principal.
    assert owing(AFTER) == [("A002", "李四", 0, None, z, z, z, z, z, z, D("2.00"))]
