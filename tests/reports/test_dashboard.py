"""The manager's dashboard figures, hand-computed on a small day."""

from __future__ import annotations

from decimal import Decimal as D

from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.till import open_till
from server.services.collection.voids import void_receipt
from server.services.reports.dashboard import Figure, dashboard
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f


def test_the_day_the_month_and_what_is_owed(session):
    """A001 owes 40.00 (2026-09) + 25.00 (2026-10), A002 100.00 (2026-10). Today: cash 50.00
    from A001 (40.00 to 09, 10.00 to 10), a cheque of 30.00 from A002, a cash 5.00 voided."""
    f.branches(session)
    a1, a2 = f.account(session, "A001"), f.account(session, "A002", holder_name="李四")
    f.bill(session, a1, "2026-09", "40.00")
    f.bill(session, a1, "2026-10", "25.00")
    f.bill(session, a2, "2026-10", "100.00")
    add_staff_with_role(
        session, f.ACTOR, login="wang", name="王", password="Counter2026", role="clerk",
        branch_code="D",
    )  # fmt: skip
    clerk = staff_identity(session, "wang").actor
    open_till(session, clerk)
    take_payment(session, clerk, PaymentRequest("A001", D("50.00"), "cash", "D"))
    take_payment(
        session, clerk, PaymentRequest("A002", D("30.00"), "cheque", "D", "CH001", "工商银行")
    )
    slip = take_payment(session, clerk, PaymentRequest("A002", D("5.00"), "cash", "D"))
    void_receipt(session, clerk, slip.receipt_no, "金额有误")

    board = dashboard(session, f.ACTOR)
    assert board.today_by_channel == (Figure("现金", 1, D("50.00")), Figure("支票", 1, D("30.00")))
    assert board.today_by_branch == (Figure("东区收费点", 2, D("80.00")),)
    assert board.today_total == D("80.00")
    assert board.period == "2026-10"
    # 2026-10 billed 25 + 100; collected on those bills 10 + 30.
    assert (board.month_billed, board.month_collected) == (D("125.00"), D("40.00"))
    assert board.recovery_rate == D("0.32")
    assert (board.arrears, board.arrears_accounts) == (D("85.00"), 2)
    september = next(p for p in board.trend if p.period == "2026-09")
    assert (september.billed, september.collected) == (D("40.00"), D("40.00"))
    assert len(board.trend) == 12 and board.trend[0].period == "2025-11"
    assert (board.readings_held, board.bindings_pending, board.requests_open) == (0, 0, 0)
