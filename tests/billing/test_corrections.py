"""Bill corrections on real PostgreSQL: a mis-keyed reading corrected after payment and the
bill rebilled (credit note, replacement paid from the moved payment, credit left), cancels,
debit and credit adjustments, approval limits, who may do them, and receipts of a corrected
bill that can no longer be voided. Figures are computed by hand in the comments.

The `paid_world` fixture is the issue's scenario up to the payment; the refund of the credit
(collection/refunds) and the day report extend it in tests/collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import Account, AccountLedgerEntry, AuditEvent, Bill, BillLine, Reading
from server.db.models.corrections import Adjustment, CreditNote
from server.services.billing.adjustments import adjust_account, signed_amount
from server.services.billing.billing_run import run_billing
from server.services.billing.correction_notes import adjustments_of, credit_notes_of
from server.services.billing.corrections import cancel_bill, rebill_bill, rebill_preview
from server.services.collection.payments import PaymentRequest, PaymentResult, take_payment
from server.services.collection.till import open_till
from server.services.collection.voids import void_preview, void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from server.services.metering.readings import ReadingResult, correct_reading_of_day
from tests import factories as f

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=BUSINESS_TZ)
NOV = Period(2026, 11)
LIMIT = D("500")


@dataclass
class World:
    session: Session
    account_id: int
    zhao: Actor  # manager who corrects
    qian: Actor  # second manager who approves
    wang: Actor  # counter clerk

    def pay(self, amount: str, account_no: str = "A001") -> PaymentResult:
        request = PaymentRequest(account_no, D(amount), "cash", "D")
        return take_payment(self.session, self.wang, request)

    def bill(self, period: Period = NOV, account_id: int | None = None) -> Bill:
        return self.session.scalars(
            select(Bill)
            .where(Bill.account_id == (account_id or self.account_id), Bill.period == str(period))
            .order_by(Bill.id.desc())
        ).first()

    def balance(self) -> D:
        return self.session.scalar(select(Account.balance).where(Account.id == self.account_id))


@pytest.fixture
def world(session, monkeypatch) -> World:
    """f.mis_keyed_water_bill (A001 billed 1500.00 for 2026-11 on 1500 keyed for 1050), its
    managers zhao and qian and clerk wang with an open till."""
    monkeypatch.setattr(calendar, "now", lambda: NOW)
    account_id = f.mis_keyed_water_bill(session)
    world = World(
        session, account_id, f.staff(session, "zhao", "manager"),
        f.staff(session, "qian", "manager"), f.staff(session, "wang"),
    )  # fmt: skip
    open_till(session, world.wang, D("0"))
    return world


@pytest.fixture
def paid_world(world) -> World:
    """The 1500.00 bill paid in full in cash at counter D (receipt D2026000001)."""
    assert world.bill().total == D("1500.00")
    assert world.pay("1500.00").receipt_no == "D2026000001"
    assert world.bill().status == "paid"
    return world


def ledger(session: Session, account_id: int) -> list[tuple[str, D, D]]:
    return [
        tuple(row)
        for row in session.execute(
            select(AccountLedgerEntry.kind, AccountLedgerEntry.amount,
                   AccountLedgerEntry.balance_after)
            .where(AccountLedgerEntry.account_id == account_id)
            .order_by(AccountLedgerEntry.id)
        )
    ]  # fmt: skip


# --- cancel (作废账单) --------------------------------------------------------------------


def test_cancel_a_paid_bill_gives_its_payment_to_the_balance(paid_world):
    w = paid_world
    bill = w.bill()
    result = cancel_bill(
        w.session, w.zhao, "A001", NOV, "重复出账", approval_limit=LIMIT, approver=w.qian
    )
    assert result.as_json() == {
        "credit_note_no": "HZ2026000001",
        "account_no": "A001",
        "period": "2026-11",
        "bill_id": bill.id,
        "total": "1500.00",
        "credit_note_total": "-1500.00",
        "paid_moved": "1500.00",
        "drawn": "0.00",
        "balance": "1500.00",
        "approved_by": "QIAN",
    }
    w.session.refresh(bill)
    assert bill.status == "void"
    note = w.session.scalar(select(CreditNote))
    assert (note.kind, note.bill_id, note.replacement_bill_id, note.total, note.paid_moved) == (
        "cancel", bill.id, None, D("-1500.00"), D("1500.00")
    )  # fmt: skip
    assert note.lines == [
        {"kind": "water", "component": "水费", "usage": "-500", "amount": "-1500.00", "note": ""}
    ]
    assert (note.staff_id, note.approved_by_id, note.reason) == (
        w.zhao.staff_id, w.qian.staff_id, "重复出账"
    )  # fmt: skip
    # The payment allocated 1500.00 to the bill; the credit note moves it to the balance.
    assert ledger(w.session, w.account_id)[-1] == ("credit_note", D("1500.00"), D("1500.00"))
    event = w.session.scalar(select(AuditEvent).where(AuditEvent.action == "bill.cancel"))
    assert (event.entity, event.entity_id, event.staff_id) == (
        "credit_note", "HZ2026000001", w.zhao.staff_id
    )  # fmt: skip
    (view,) = credit_notes_of(w.session, "A001")
    assert (view.note_no, view.kind, view.period, view.total, view.approved_by) == (
        "HZ2026000001", "cancel", "2026-11", D("-1500.00"), "QIAN"
    )  # fmt: skip


def test_cancel_lets_the_credit_pay_other_open_bills(world):
    w = world
    october = f.bill(w.session, w.account_id, "2026-10", "40.00")
    w.pay("1500.00")  # oldest first: 40.00 to October, 1460.00 to November (partial)
    assert w.bill().status == "partial"
    result = cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=None, approver=None)
    # November had been paid 1460.00; October is already paid, nothing else is open.
    assert (result.paid_moved, result.drawn, result.balance) == (
        D("1460.00"), D("0.00"), D("1460.00")
    )  # fmt: skip
    assert w.session.get(Bill, october).status == "paid"


def test_cancel_an_unpaid_bill_then_credit_pays_an_older_open_one(world):
    w = world
    october = f.bill(w.session, w.account_id, "2026-10", "40.00")
    adjust_account(w.session, w.zhao, "A001", D("-100.00"), "好意减免", approval_limit=LIMIT,
                   approver=None)  # fmt: skip
    # The credit of 100.00 paid October's 40.00 and 60.00 of November at once.
    assert w.session.get(Bill, october).status == "paid"
    assert w.bill().status == "partial"
    result = cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=None,
                         approver=None)  # fmt: skip
    # November's 60.00 comes back to the balance; nothing else is owed.
    assert (result.paid_moved, result.drawn, result.balance) == (
        D("60.00"), D("0.00"), D("60.00")
    )  # fmt: skip


def test_cancel_refusals(world):
    w = world
    with pytest.raises(PermissionDenied, match=r"^作废账单须由管理人员办理$"):
        cancel_bill(w.session, w.wang, "A001", NOV, "出错", approval_limit=None, approver=None)
    with pytest.raises(InvalidInput, match=r"^作废户号 A001 账期 2026-11 的账单须填写原因$"):
        cancel_bill(w.session, w.zhao, "A001", NOV, "  ", approval_limit=None, approver=None)
    with pytest.raises(NotFound, match=r"^户号 A001 账期 2026-10 没有账单$"):
        cancel_bill(w.session, w.zhao, "A001", Period(2026, 10), "出错", approval_limit=None,
                    approver=None)  # fmt: skip
    with pytest.raises(NotFound, match=r"^户号 NOPE 不存在$"):
        cancel_bill(w.session, w.zhao, "NOPE", NOV, "出错", approval_limit=None, approver=None)
    limit = "金额 1500.00 元超过 500 元，须另一名管理人员审批"
    with pytest.raises(PermissionDenied, match=rf"^{limit}$"):
        cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=LIMIT, approver=None)
    with pytest.raises(PermissionDenied, match=rf"^{limit}（审批人不能是经办人本人）$"):
        cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=LIMIT,
                    approver=w.zhao)  # fmt: skip
    with pytest.raises(PermissionDenied, match=rf"^{limit}（wang WANG 不是管理人员）$"):
        cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=LIMIT,
                    approver=w.wang)  # fmt: skip
    assert w.bill().status == "open"
    cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=LIMIT, approver=w.qian)
    with pytest.raises(
        Conflict, match=r"^户号 A001 账期 2026-11 的账单已作废（红字冲销 HZ2026000001）$"
    ):
        cancel_bill(w.session, w.zhao, "A001", NOV, "再来", approval_limit=None, approver=None)
    # Refusals burn no number: the one cancel took HZ2026000001.
    assert w.session.scalars(select(CreditNote.note_no)).all() == ["HZ2026000001"]


# --- adjustments (调账) ----------------------------------------------------------------------


def test_a_debit_adjustment_is_owed_on_its_own_bill(world):
    w = world
    result = adjust_account(w.session, w.zhao, "A001", D("80.00"), "表封损坏赔偿",
                            approval_limit=LIMIT, approver=None)  # fmt: skip
    assert result.as_json() == {
        "note_no": "TZ2026000001",
        "account_no": "A001",
        "amount": "80.00",
        "reason": "表封损坏赔偿",
        "bill_id": result.bill_id,
        "period": "2026-12",
        "drawn": "0.00",
        "owed": "80.00",
        "balance": "0.00",
        "approved_by": "",
    }
    bill = w.session.get(Bill, result.bill_id)
    assert (bill.kind, bill.period, bill.total, bill.status, bill.address) == (
        "adjustment", "2026-12", D("80.00"), "open", "东校区 1号楼 2单元 301"
    )  # fmt: skip
    line = w.session.scalar(select(BillLine).where(BillLine.bill_id == bill.id))
    assert (line.kind, line.component, line.usage, line.amount, line.tariff_id, line.note) == (
        "adjustment", "表封损坏赔偿", D("0"), D("80.00"), None, "TZ2026000001"
    )  # fmt: skip
    adjustment = w.session.scalar(select(Adjustment))
    assert (adjustment.amount, adjustment.bill_id, adjustment.staff_id) == (
        D("80.00"), bill.id, w.zhao.staff_id
    )  # fmt: skip
    # The counter takes it like any bill: November's 1500.00 first, then the 80.00.
    paid = w.pay("1580.00")
    assert paid.allocations == (("2026-11", D("1500.00")), ("2026-12", D("80.00")))


def test_a_debit_on_a_prepaid_account_draws_the_balance_at_once(world):
    w = world
    f.account(w.session, "P001", billing_mode="prepaid", balance="100.00")
    result = adjust_account(w.session, w.zhao, "P001", D("30.00"), "表封损坏赔偿",
                            approval_limit=LIMIT, approver=None)  # fmt: skip
    # 100.00 − 30.00 = 70.00; the bill is paid.
    assert (result.drawn, result.owed, result.balance) == (D("30.00"), D("0.00"), D("70.00"))
    assert w.session.get(Bill, result.bill_id).status == "paid"


def test_a_debit_on_a_postpaid_account_in_credit_is_paid_from_it(world):
    w = world
    f.account(w.session, "C001", balance="50.00")
    result = adjust_account(w.session, w.zhao, "C001", D("80.00"), "表封损坏赔偿",
                            approval_limit=LIMIT, approver=None)  # fmt: skip
    # The 50.00 credit pays 50.00 of the 80.00; 30.00 is owed.
    assert (result.drawn, result.owed, result.balance) == (D("50.00"), D("30.00"), D("0.00"))
    assert w.session.get(Bill, result.bill_id).status == "partial"


def test_a_credit_adjustment_pays_an_open_postpaid_bill_at_once(world):
    w = world
    result = adjust_account(w.session, w.zhao, "A001", D("-200.00"), "好意减免",
                            approval_limit=LIMIT, approver=None)  # fmt: skip
    assert (result.bill_id, result.drawn, result.owed, result.balance) == (
        None, D("200.00"), D("0.00"), D("0.00")
    )  # fmt: skip
    assert w.bill().status == "partial"
    assert ledger(w.session, w.account_id)[-2:] == [
        ("adjustment", D("200.00"), D("200.00")),
        ("credit_used", D("-200.00"), D("0.00")),
    ]
    # 1500.00 − 200.00 is what the counter collects now.
    assert w.pay("1300.00").allocations == (("2026-11", D("1300.00")),)
    (view,) = adjustments_of(w.session, "A001")
    assert (view.note_no, view.amount, view.bill_id, view.reason) == (
        "TZ2026000001", D("-200.00"), None, "好意减免"
    )  # fmt: skip


def test_a_credit_adjustment_with_nothing_owed_stays_on_the_balance(paid_world):
    w = paid_world
    result = adjust_account(w.session, w.zhao, "A001", D("-50.00"), "好意减免",
                            approval_limit=LIMIT, approver=None)  # fmt: skip
    assert (result.drawn, result.balance) == (D("0.00"), D("50.00"))


def test_adjustment_approval_and_refusals(world):
    w = world
    with pytest.raises(PermissionDenied, match=r"^调账须由管理人员办理$"):
        adjust_account(w.session, w.wang, "A001", D("10"), "x", approval_limit=None,
                       approver=None)  # fmt: skip
    with pytest.raises(InvalidInput, match=r"^户号 A001 调账须填写原因$"):
        adjust_account(w.session, w.zhao, "A001", D("10"), " ", approval_limit=None,
                       approver=None)  # fmt: skip
    with pytest.raises(InvalidInput, match=r"^户号 A001 调账金额不能为 0$"):
        adjust_account(w.session, w.zhao, "A001", D("0"), "x", approval_limit=None,
                       approver=None)  # fmt: skip
    refusal = r"^金额 600.00 元超过 500 元，须另一名管理人员审批$"
    with pytest.raises(PermissionDenied, match=refusal):
        adjust_account(w.session, w.zhao, "A001", D("-600.00"), "减免", approval_limit=LIMIT,
                       approver=None)  # fmt: skip
    # At the limit no approval is needed; above it the second manager is stored.
    at_limit = adjust_account(w.session, w.zhao, "A001", D("500.00"), "赔偿",
                              approval_limit=LIMIT, approver=None)  # fmt: skip
    above = adjust_account(w.session, w.zhao, "A001", D("-600.00"), "减免",
                           approval_limit=LIMIT, approver=w.qian)  # fmt: skip
    assert (at_limit.note_no, at_limit.approved_by) == ("TZ2026000001", "")
    assert (above.note_no, above.approved_by) == ("TZ2026000002", "QIAN")
    approved = w.session.scalars(select(Adjustment.approved_by_id).order_by(Adjustment.id))
    assert approved.all() == [None, w.qian.staff_id]


@pytest.mark.parametrize(
    ("typed", "amount"), [("80", D("80.00")), ("+12.5", D("12.50")), ("-200.00", D("-200.00"))]
)
def test_signed_amounts(typed, amount):
    assert signed_amount(typed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [("abc", "调账金额应为数字，收到「abc」"), ("1.234", "调账金额最多两位小数，收到 1.234"),
     ("0", "调账金额必须大于 0，收到 0"), ("--5", "调账金额必须大于 0，收到 -5")],
)  # fmt: skip
def test_signed_amount_refusals(typed, message):
    with pytest.raises(DomainError, match=rf"^{message}$"):
        signed_amount(typed)


# --- receipts of a corrected bill ------------------------------------------------------------


def test_a_receipt_of_a_cancelled_bill_can_no_longer_be_voided(paid_world):
    w = paid_world
    cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=None, approver=None)
    refusal = (
        "^收据 D2026000001：该收据所缴账单已更正（红字冲销 HZ2026000001），请用调账或退款处理$"
    )
    with pytest.raises(Conflict, match=refusal):
        void_preview(w.session, w.zhao, "D2026000001")
    with pytest.raises(Conflict, match=refusal):
        void_receipt(w.session, w.zhao, "D2026000001", "收错")
    assert w.balance() == D("1500.00")


def test_a_receipt_of_another_bill_still_voids(paid_world):
    w = paid_world
    f.bill(w.session, w.account_id, "2026-12", "20.00")
    later = w.pay("20.00")
    cancel_bill(w.session, w.zhao, "A001", NOV, "出错", approval_limit=None, approver=None)
    assert void_receipt(w.session, w.wang, later.receipt_no, "收错").reopened == (
        ("2026-12", D("20.00")),
    )


# --- the mis-keyed reading (1500 for 1050) corrected after payment and rebilled ---------------


def correct(w: World, value: str, day: date = date(2026, 11, 28)) -> ReadingResult:
    return correct_reading_of_day(w.session, w.zhao, "W1", day, value, "抄表员看错数字")


def test_a_mis_keyed_reading_corrected_after_payment_is_rebilled(paid_world):
    w = paid_world
    old_id = w.bill().id
    corrected = correct(w, "1050")
    assert (corrected.value, corrected.previous, corrected.usage, corrected.status) == (
        D("1050"), D("1000"), D("50"), "accepted"
    )  # fmt: skip
    kept = w.session.scalars(select(Reading.status).where(Reading.value == D("1500"))).all()
    assert kept == ["superseded"]

    preview = rebill_preview(w.session, "A001", NOV)
    bill_json = {
        "account_no": "A001",
        "period": "2026-11",
        "total": "1500.00",
        "status": "paid",
        "meters": [{"meter_no": "W1", "prev": "1000", "curr": "1500", "usage": "500"}],
        "lines": [{"kind": "water", "component": "水费", "usage": "500", "amount": "1500.00"}],
    }
    # 50 m³ × 3.00 = 150.00; the 1500.00 paid pays it and 1350.00 is left as credit.
    assert preview.as_json() == {
        "account_no": "A001",
        "period": "2026-11",
        "old": bill_json,
        "new": {
            **bill_json,
            "total": "150.00",
            "status": "draft",
            "meters": [{"meter_no": "W1", "prev": "1000", "curr": "1050", "usage": "50"}],
            "lines": [{"kind": "water", "component": "水费", "usage": "50", "amount": "150.00"}],
        },
        "difference": "-1350.00",
        "paid": "1500.00",
        "owed": "0.00",
        "credit_left": "1350.00",
        "unchanged": False,
    }
    # The preview wrote nothing.
    assert (w.bill().id, w.bill().status, w.balance()) == (old_id, "paid", D("0.00"))

    result = rebill_bill(w.session, w.zhao, "A001", NOV, "抄表员看错数字", approval_limit=LIMIT,
                         approver=w.qian)  # fmt: skip
    assert result.as_json() == {
        "credit_note_no": "HZ2026000001",
        "account_no": "A001",
        "period": "2026-11",
        "old_bill_id": old_id,
        "new_bill_id": result.new_bill_id,
        "old_total": "1500.00",
        "new_total": "150.00",
        "difference": "-1350.00",
        "paid_moved": "1500.00",
        "owed": "0.00",
        "credit_left": "1350.00",
        "balance": "1350.00",
        "approved_by": "QIAN",
    }
    old, new = w.session.get(Bill, old_id), w.session.get(Bill, result.new_bill_id)
    w.session.refresh(old)
    assert (old.status, new.status, new.kind, new.replaces_id, new.total) == (
        "void", "paid", "regular", old_id, D("150.00")
    )  # fmt: skip
    note = w.session.scalar(select(CreditNote))
    assert (note.kind, note.bill_id, note.replacement_bill_id, note.total, note.paid_moved) == (
        "rebill", old_id, new.id, D("-1500.00"), D("1500.00")
    )  # fmt: skip
    # The payment's 1500.00 goes to the balance and the new bill draws its 150.00 from it.
    assert ledger(w.session, w.account_id)[-2:] == [
        ("credit_note", D("1500.00"), D("1500.00")),
        ("credit_used", D("-150.00"), D("1350.00")),
    ]
    event = w.session.scalar(select(AuditEvent).where(AuditEvent.action == "bill.rebill"))
    assert (event.entity_id, event.data["new_total"], event.data["approved_by_id"]) == (
        "HZ2026000001", "150.00", w.qian.staff_id
    )  # fmt: skip
    # The receipt paid a bill that is void now: the money comes back by refund, not a void.
    with pytest.raises(Conflict, match="请用调账或退款处理"):
        void_receipt(w.session, w.zhao, "D2026000001", "收错")

    # December goes on from the corrected reading: 1100 − 1050 = 50 m³ = 150.00, paid from
    # the credit.
    f.read(w.session, "W1", "2026-12-28", "1100")
    assert run_billing(w.session, f.ACTOR, Period(2026, 12)).created == 1
    december = w.bill(Period(2026, 12))
    assert (december.total, december.status, w.balance()) == (D("150.00"), "paid", D("1200.00"))


def test_a_rebill_upwards_leaves_the_shortfall_owed(paid_world):
    w = paid_world
    correct(w, "1600")
    result = rebill_bill(w.session, w.zhao, "A001", NOV, "漏抄", approval_limit=LIMIT,
                         approver=None)  # fmt: skip
    # 600 m³ × 3.00 = 1800.00; 1500.00 paid, 300.00 owed (within the limit: no approval).
    assert (result.new_total, result.owed, result.credit_left, result.approved_by) == (
        D("1800.00"), D("300.00"), D("0.00"), ""
    )  # fmt: skip
    assert w.session.get(Bill, result.new_bill_id).status == "partial"
    assert w.pay("300.00").allocations == (("2026-11", D("300.00")),)


def test_a_prepaid_rebill_gives_back_the_draw_and_draws_the_new_total(world):
    w = world
    prepaid = f.account(w.session, "P001", billing_mode="prepaid", balance="2000.00")
    f.meter(w.session, "W2", prepaid, kind="water")
    f.read(w.session, "W2", "2026-10-28", "1000")
    f.read(w.session, "W2", "2026-11-28", "1500")
    run_billing(w.session, f.ACTOR, NOV)  # 1500.00 drawn: 500.00 left
    correct_reading_of_day(w.session, w.zhao, "W2", date(2026, 11, 28), "1050", "看错")
    assert rebill_preview(w.session, "P001", NOV).credit_left == D("1850.00")
    result = rebill_bill(w.session, w.zhao, "P001", NOV, "看错", approval_limit=None,
                         approver=None)  # fmt: skip
    # 500.00 + 1500.00 given back − 150.00 drawn = 1850.00
    assert (result.paid_moved, result.owed, result.balance) == (
        D("1500.00"), D("0.00"), D("1850.00")
    )  # fmt: skip
    assert w.session.get(Bill, result.new_bill_id).status == "paid"


def test_rebill_refusals(paid_world):
    w = paid_world
    with pytest.raises(PermissionDenied, match=r"^更正账单须由管理人员办理$"):
        rebill_bill(w.session, w.wang, "A001", NOV, "x", approval_limit=None, approver=None)
    unchanged = r"^户号 A001 账期 2026-11 更正后金额不变（读数与价格均无变化），无需更正$"
    with pytest.raises(Conflict, match=unchanged):
        rebill_bill(w.session, w.zhao, "A001", NOV, "x", approval_limit=None, approver=None)
    assert rebill_preview(w.session, "A001", NOV).unchanged
    correct(w, "1050")
    with pytest.raises(
        PermissionDenied, match=r"^金额 1350.00 元超过 500 元，须另一名管理人员审批$"
    ):
        rebill_bill(w.session, w.zhao, "A001", NOV, "x", approval_limit=LIMIT, approver=None)
    # Corrected again below the previous reading: held for review, not billable.
    correct(w, "900")
    held = r"^户号 A001 账期 2026-11 的表计 W1（读数待审核）更正后不能出账，请先处理读数再更正$"
    with pytest.raises(Conflict, match=held):
        rebill_preview(w.session, "A001", NOV)
    with pytest.raises(Conflict, match=held):
        rebill_bill(w.session, w.zhao, "A001", NOV, "x", approval_limit=None, approver=None)
    with pytest.raises(NotFound, match=r"^户号 A001 账期 2026-10 没有账单$"):
        rebill_preview(w.session, "A001", Period(2026, 10))
    assert w.session.scalar(select(CreditNote.id)) is None


def test_correcting_a_reading_by_its_day(world):
    w = world
    with pytest.raises(NotFound, match=r"^表计 W1 在 2026-11-27 没有已采用的读数$"):
        correct(w, "1050", date(2026, 11, 27))
    f.read(w.session, "W1", "2026-11-28", "1510")
    several = r"^表计 W1 在 2026-11-28 有 2 个已采用的读数，请在抄表页选定要更正的一个$"
    with pytest.raises(Conflict, match=several):
        correct(w, "1050")


def test_a_later_bill_on_the_mis_keyed_reading_is_rebilled_after_it(paid_world):
    w = paid_world
    # December was billed before the mistake was found: 1600 − 1500 = 100 m³ = 300.00.
    f.read(w.session, "W1", "2026-12-28", "1600")
    run_billing(w.session, f.ACTOR, Period(2026, 12))
    assert w.bill(Period(2026, 12)).total == D("300.00")
    correct(w, "1050")
    november = rebill_bill(w.session, w.zhao, "A001", NOV, "看错", approval_limit=None,
                           approver=None)  # fmt: skip
    # November's 1350.00 credit pays December's 300.00 at once: 1050.00 left.
    assert (november.new_total, november.balance) == (D("150.00"), D("1050.00"))
    assert w.bill(Period(2026, 12)).status == "paid"
    # December again from the corrected reading: 1600 − 1050 = 550 m³ = 1650.00; its 300.00
    # paid goes back to the balance (1350.00), which pays the new bill, 300.00 short.
    december = rebill_bill(w.session, w.zhao, "A001", Period(2026, 12), "上期读数更正",
                           approval_limit=None, approver=None)  # fmt: skip
    assert (december.old_total, december.new_total, december.paid_moved) == (
        D("300.00"), D("1650.00"), D("300.00")
    )  # fmt: skip
    assert (december.owed, december.balance) == (D("300.00"), D("0.00"))
    meters = rebill_preview(w.session, "A001", Period(2026, 12)).old.meters
    assert [(m.prev, m.curr, m.usage) for m in meters] == [(D("1050"), D("1600"), D("550"))]
