"""Move-out (退房结算) and move-in (开户接替) end to end on real PostgreSQL, with hand-computed
figures: the part-month tiered final bill, the deposit set against it, the refund, closing,
and the next holder's first bill going on from the final reading."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.db.models import AuditEvent, Bill, CreditNote, DepositLedgerEntry, Meter, Reading
from server.services.accounts.account_history import account_history
from server.services.accounts.accounts import AccountSpec, account_view, close_account
from server.services.billing.billing_run import list_bills, run_billing
from server.services.collection.deposits import open_account
from server.services.collection.move_in import MoveInSpec, move_in
from server.services.collection.move_out import (
    move_out,
    move_out_form,
    moved_out,
    preview_move_out,
    settlement,
)
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.refunds import refund_balance
from server.services.collection.statements import account_statement
from server.services.core.calendar import Period
from server.services.core.errors import Conflict, DomainError, InvalidInput
from tests import factories as f

MOVE_OUT = date(2026, 12, 15)


def world(session: Session) -> None:
    """A001 with water meter W1 billed up to 2026-11 at 130, everything paid, deposit
    300.00 held (factories.water_account_with_deposit)."""
    f.water_account_with_deposit(session)
    assert account_view(session, "A001").balance == D("0.00")
    assert session.scalar(text("select deposit from account where account_no = 'A001'")) == 300


def test_part_month_final_bill_deposit_refund_and_close(session):
    world(session)
    form = move_out_form(session, "A001")
    assert [(m.meter_no, m.last_value) for m in form.meters] == [("W1", D("130.000"))]
    assert (form.last_period, form.covers_from, form.deposit) == (
        "2026-11", date(2026, 12, 1), D("300.00"),
    )  # fmt: skip

    result = move_out(session, f.ACTOR, "A001", MOVE_OUT, {"W1": D("155")}, on=MOVE_OUT)
    # 1–15 December: 15/31 of a month, so the 20 m³ tier ends at 20 × 15/31 = 9.677… m³:
    # 9.6774 × 3.00 + (25 − 9.6774) × 4.00 = 100 − 300/31 = 90.3226 → 90.32.
    assert (result.period, result.covers_from, result.covers_to) == (
        "2026-12", date(2026, 12, 1), MOVE_OUT,
    )  # fmt: skip
    assert [(m.meter_no, m.prev, m.curr, m.usage) for m in result.meters] == [
        ("W1", D("130"), D("155"), D("25"))
    ]
    assert [(x.component, x.usage, x.amount, x.note) for x in result.lines] == [
        ("水费", D("25"), D("90.32"), "按日折算 15/31 天")
    ]
    assert result.total == D("90.32")
    # The deposit released pays the final bill; 300.00 − 90.32 stays, refundable.
    s = result.settlement
    assert (result.deposit_released, s.owed, s.balance, s.deposit) == (
        D("300.00"), D("0.00"), D("209.68"), D("0.00"),
    )  # fmt: skip
    assert (s.to_pay, s.refundable) == (D("0.00"), D("209.68"))
    assert result.as_json()["refundable"] == "209.68"
    bill = session.get(Bill, result.bill_id)
    assert (bill.kind, bill.status) == ("final", "paid")
    [reading] = session.scalars(select(Reading).where(Reading.note == "退房结算"))
    assert (reading.source, reading.status, reading.usage) == ("field", "accepted", D("25"))
    assert reading.read_at.isoformat() == "2026-12-15T04:00:00+00:00"  # noon in Shanghai
    assert [(e.kind, e.amount, e.held_after) for e in session.scalars(
        select(DepositLedgerEntry).order_by(DepositLedgerEntry.id)
    )] == [("paid", D("300.00"), D("300.00")), ("released", D("-300.00"), D("0.00"))]  # fmt: skip
    assert account_view(session, "A001").active  # active until closed
    # Read back as it stands, for a move-out finished later.
    assert moved_out(session, "A001", MOVE_OUT).as_json() == result.as_json()

    with pytest.raises(Conflict) as again:
        move_out(session, f.ACTOR, "A001", MOVE_OUT, {"W1": D("155")}, on=MOVE_OUT)
    assert str(again.value) == "户号 A001 已于 2026-12-15 退房结算"
    with pytest.raises(DomainError) as refused:
        close_account(session, f.ACTOR, "A001", "退房")
    assert str(refused.value) == "户号 A001 不能销户：余额 209.68 元未结清或退款"

    manager = f.staff(session, "wang", role="manager", branch_code="D")
    refund = refund_balance(session, manager, "A001", D("209.68"), "transfer", clerk=manager,
                            reference="TR-1", bank="工商银行", reason="退房退押金")  # fmt: skip
    assert refund.balance_after == D("0.00")
    assert settlement(session, "A001", MOVE_OUT).settled
    assert close_account(session, f.ACTOR, "A001", "退房").active is False
    with pytest.raises(DomainError) as closed:
        take_payment(session, f.ACTOR, PaymentRequest("A001", D("1.00"), "cash", "D"))
    assert str(closed.value) == "户号 A001 已销户，不能收款"


def test_what_is_owed_after_the_deposit_is_paid_at_the_counter(session):
    """The 2026-11 bill left unpaid (100.00) and the deposit paid: 300.00 released pays
    2026-11 and the final 90.32, and 109.68 is refundable; without a deposit the two bills
    are owed, 190.32 to pay, and the account cannot close."""
    world(session)
    session.execute(text("update customer_class set deposit = 0 where name = '居民'"))
    f.account(session, "A002", holder_name="李四")
    f.meter(session, "W2", session.scalar(text("select id from account where account_no='A002'")),
            kind="water", digits=5)  # fmt: skip
    f.read(session, "W2", "2026-10-20", "100")
    f.read(session, "W2", "2026-11-20", "130")
    run_billing(session, f.ACTOR, Period(2026, 11))  # A002: 30 m³ → 100.00, unpaid
    result = move_out(session, f.ACTOR, "A002", MOVE_OUT, {"W2": "155"}, on=MOVE_OUT)
    s = result.settlement
    assert [(b.period, b.open) for b in s.open_bills] == [
        ("2026-11", D("100.00")), ("2026-12", D("90.32")),
    ]  # fmt: skip
    assert (s.owed, s.balance, s.to_pay, s.refundable) == (
        D("190.32"), D("0.00"), D("190.32"), D("0.00"),
    )  # fmt: skip
    with pytest.raises(DomainError) as refused:
        close_account(session, f.ACTOR, "A002", "退房")
    assert str(refused.value) == "户号 A002 不能销户：2 张账单未缴清（2026-11、2026-12）"
    # A moved-out account still pays what it owes.
    paid = take_payment(session, f.ACTOR, PaymentRequest("A002", D("190.32"), "cash", "D"))
    assert paid.allocations == (("2026-11", D("100.00")), ("2026-12", D("90.32")))
    assert close_account(session, f.ACTOR, "A002", "退房").active is False


def test_a_prepaid_account_pays_what_its_balance_went_below_zero(session):
    """P001 prepaid with 50.00: the 2026-11 bill (100.00) and the final bill (90.32) draw
    on the balance, 50.00 − 100.00 − 90.32 = −140.32: paid at the counter, then closed."""
    f.branches(session)
    f.tariff(session, "water", components={"水费": [("0", "3.00"), ("20", "4.00")]})
    account_id = f.account(session, "P001", billing_mode="prepaid", balance="50.00")
    f.meter(session, "W5", account_id, kind="water", digits=5)
    f.read(session, "W5", "2026-10-20", "100")
    f.read(session, "W5", "2026-11-20", "130")
    run_billing(session, f.ACTOR, Period(2026, 11))
    s = move_out(session, f.ACTOR, "P001", MOVE_OUT, {"W5": "155"}, on=MOVE_OUT).settlement
    assert (s.owed, s.balance, s.to_pay, s.refundable) == (
        D("0.00"), D("-140.32"), D("140.32"), D("0.00"),
    )  # fmt: skip
    with pytest.raises(DomainError) as refused:
        close_account(session, f.ACTOR, "P001", "退房")
    assert str(refused.value) == "户号 P001 不能销户：余额 -140.32 元未结清或退款"
    paid = take_payment(session, f.ACTOR, PaymentRequest("P001", D("140.32"), "cash", "D"))
    assert paid.balance == D("0.00")
    assert close_account(session, f.ACTOR, "P001", "退房").active is False


def test_a_deposit_never_paid_is_owed_no_more_after_the_move_out(session):
    """P002 opened with a 300.00 deposit bill it never paid; 100.00 paid the 2026-11 bill.
    At move-out the deposit bill is void (it would only be given back), and only the final
    90.32 is to pay."""
    f.branches(session)
    session.execute(text("update customer_class set deposit = 300 where name = '居民'"))
    f.tariff(session, "water", components={"水费": [("0", "3.00"), ("20", "4.00")]})
    spec = AccountSpec("P002", "赵六", "居民", "东校区", "2号楼", "1", "101")
    account_id = open_account(session, f.ACTOR, spec).id
    f.meter(session, "W6", account_id, kind="water", digits=5)
    f.read(session, "W6", "2026-10-20", "100")
    f.read(session, "W6", "2026-11-20", "130")
    run_billing(session, f.ACTOR, Period(2026, 11))
    take_payment(session, f.ACTOR, PaymentRequest("P002", D("100.00"), "cash", "D"))
    result = move_out(session, f.ACTOR, "P002", MOVE_OUT, {"W6": "155"}, on=MOVE_OUT)
    s = result.settlement
    assert [(b.period, b.open) for b in s.open_bills] == [("2026-12", D("90.32"))]
    assert (result.deposit_released, s.to_pay, s.deposit) == (D("0.00"), D("90.32"), D("0.00"))
    deposit_bill = session.scalar(select(Bill.status).where(Bill.kind == "deposit"))
    assert deposit_bill == "void"
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.move_out"))
    assert event.data["deposit_waived"] == "300.00"
    # Voided by a credit note of the unpaid 300.00, so the statement closes on what is owed:
    # −300.00 deposit − 100.00 November (20 × 3.00 + 10 × 4.00) + 100.00 paid + 300.00
    # credit note − 90.32 final = −90.32 = balance 0.00 − 90.32 still owed.
    [note] = session.scalars(select(CreditNote))
    assert (note.kind, note.total, note.paid_moved) == ("cancel", D("-300.00"), D("0.00"))
    assert account_statement(session, "P002").closing == D("-90.32")


def test_an_account_never_billed_starts_after_its_last_reading_month(session):
    """N003, brought in from the old system after the holder left (opened 2027-01-05), W9
    last read 136 on 2026-10-28 and never billed here: moving out on 2026-12-05 at 150 the
    final bill covers November and 1–5 December, 1 + 5/31 = 36/31 of a month, so the first
    tier reaches 20 × 36/31 = 23.226 m³ and the 14 m³ all cost 3.00: 42.00 — not 5/31 of a
    month, which would have charged November's water at the second tier."""
    f.branches(session)
    f.tariff(session, "water", components={"水费": [("0", "3.00"), ("20", "4.00")]})
    f.meter(session, "W9", f.account(session, "N003"), kind="water", digits=5)
    f.read(session, "W9", "2026-10-28", "136")
    session.execute(
        text("update account set created_at = date '2027-01-05' + time '09:00'"
             " where account_no = 'N003'")
    )  # fmt: skip
    result = move_out(session, f.ACTOR, "N003", date(2026, 12, 5), {"W9": "150"}, on=MOVE_OUT)
    assert (result.covers_from, result.covers_to, result.total) == (
        date(2026, 11, 1), date(2026, 12, 5), D("42.00")
    )  # fmt: skip
    assert [(x.usage, x.amount, x.note) for x in result.lines] == [
        (D("14"), D("42.00"), "按日折算 1 个月+5/31 天")
    ]


def test_an_account_never_billed_starts_at_its_opening_day(session):
    """N001, never billed, W7 read 100 on 2026-11-20. Opened on 2026-12-10, its final bill
    covers 10–15 December (6/31): 20 × 6/31 = 3.871 m³ at 3.00, the rest of 25 m³ at 4.00
    = 100 − 120/31 = 96.13. Entered in the system only after the holder left (2027-01-05),
    it covers the month to the move-out day: 15/31, 90.32."""
    f.branches(session)
    f.tariff(session, "water", components={"水费": [("0", "3.00"), ("20", "4.00")]})
    for number, meter, opened, covers_from, total in (
        ("N001", "W7", "2026-12-10", date(2026, 12, 10), "96.13"),
        ("N002", "W8", "2027-01-05", date(2026, 12, 1), "90.32"),
    ):
        f.meter(session, meter, f.account(session, number), kind="water", digits=5)
        f.read(session, meter, "2026-11-20", "100")
        session.execute(
            text("update account set created_at = cast(:day as date) + time '09:00'"
                 " where account_no = :no"),
            {"day": opened, "no": number},
        )  # fmt: skip
        result = move_out(session, f.ACTOR, number, MOVE_OUT, {meter: "125"}, on=MOVE_OUT)
        assert (result.covers_from, result.covers_to, result.total) == (
            covers_from, MOVE_OUT, D(total),
        )  # fmt: skip


def test_a_held_reading_and_bad_input_refuse_the_move_out_and_write_nothing(session):
    world(session)
    with pytest.raises(DomainError) as held:
        move_out(session, f.ACTOR, "A001", MOVE_OUT, {"W1": "120"}, on=MOVE_OUT)
    assert str(held.value).startswith("户号 A001 表计 W1 的退房读数 120 待审核（")
    refusals = [
        ({"W9": "150", "W1": "150"}, MOVE_OUT, "表计 W9 不是户号 A001 在用的表计"),
        ({}, MOVE_OUT, "户号 A001 的表计 W1 缺少退房读数"),
        ({"W1": "150"}, date(2026, 11, 30),
         "户号 A001 已出 2026-11 账单，退房日期 2026-11-30 应不早于 2026-12-01"),
    ]  # fmt: skip
    for readings, day, message in refusals:
        with pytest.raises(InvalidInput) as refused:
            move_out(session, f.ACTOR, "A001", day, readings, on=MOVE_OUT)
        assert str(refused.value) == message
    assert session.scalar(select(Bill.id).where(Bill.kind == "final")) is None
    assert move_out_form(session, "A001").moved_out_on is None


def test_preview_prices_the_final_bill_and_leaves_nothing(session):
    world(session)
    preview = preview_move_out(session, f.ACTOR, "A001", MOVE_OUT, {"W1": "155"}, on=MOVE_OUT)
    assert (preview.total, preview.settlement.refundable) == (D("90.32"), D("209.68"))
    assert session.scalar(select(Bill.id).where(Bill.kind == "final")) is None
    assert session.scalar(select(Reading.id).where(Reading.note == "退房结算")) is None
    assert (
        session.scalar(select(AuditEvent.id).where(AuditEvent.action == "account.move_out")) is None
    )
    form = move_out_form(session, "A001")
    assert (form.moved_out_on, form.deposit, form.balance) == (None, D("300.00"), D("0.00"))


def test_move_in_takes_the_meters_and_its_first_bill_starts_at_the_final_reading(session):
    world(session)
    spec = MoveInSpec("A003", "A001", "王五", mobile="13900000003")
    with pytest.raises(Conflict) as early:
        move_in(session, f.ACTOR, spec)
    assert str(early.value) == "户号 A001 尚未退房结算，新户不能接替"
    move_out(session, f.ACTOR, "A001", MOVE_OUT, {"W1": "155"}, on=MOVE_OUT)

    result = move_in(session, f.ACTOR, spec)
    assert result.as_json() == {
        "account_no": "A003", "from_account_no": "A001", "address": "东校区 1号楼 2单元 301",
        "meters": [{"meter_no": "W1", "kind": "water", "start": "155.000"}],
    }  # fmt: skip
    view = account_view(session, "A003")
    assert (view.holder_name, view.customer_class, view.billing_mode, view.room) == (
        "王五", "居民", "postpaid", "301",
    )  # fmt: skip
    owner = session.scalar(select(Meter.account_id).where(Meter.meter_no == "W1"))
    assert owner == session.scalar(text("select id from account where account_no = 'A003'"))
    # The class's deposit is charged to the new holder as at any move-in.
    deposits = session.execute(
        select(Bill.account_no, Bill.total).where(Bill.kind == "deposit").order_by(Bill.id)
    ).all()
    assert [tuple(d) for d in deposits] == [("A001", D("300.00")), ("A003", D("300.00"))]

    # The new holder's December goes on from the final 155: 160 on 2026-12-31 bills 5 m³
    # (15.00) to A003, A001 (moved out) is not billed again; January 170 bills 10 m³ (30.00).
    f.read(session, "W1", "2026-12-31", "160")
    f.read(session, "W1", "2027-01-20", "170")
    for period, prev, curr, total in ((Period(2026, 12), "155", "160", "15.00"),
                                      (Period(2027, 1), "160", "170", "30.00")):  # fmt: skip
        assert run_billing(session, f.ACTOR, period).created == 1
        [bill] = [b for b in list_bills(session, period, "A003") if b.meters]
        assert [(m.prev, m.curr) for m in bill.meters] == [(D(prev), D(curr))]
        assert bill.total == D(total)
    history = [(h.action, h.field, h.after) for h in account_history(session, "A003")]
    assert history == [("开户接替", "接替户号", "A001"), ("开户", "户号", "A003")]
    assert [(h.action, h.after) for h in account_history(session, "A001")] == [
        ("退房结算", "2026-12-15"), ("开户", "A001"),
    ]  # fmt: skip
    with pytest.raises(Conflict) as twice:
        move_in(session, f.ACTOR, MoveInSpec("A004", "A001", "赵六"))
    assert str(twice.value) == "户号 A001 没有在用的表计可接替（已由新户接替？）"
