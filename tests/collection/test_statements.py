"""The account statement (账户明细): every document in date order with its running balance,
hand-computed, and the invariant closing = balance − open principal − open late fee."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from reports.statement import Statement
from server.db.models import LateFee
from server.db.models.corrections import DepositLedgerEntry
from server.services.billing.adjustments import adjust_account
from server.services.billing.billing_run import run_billing
from server.services.billing.corrections import cancel_bill, rebill_bill
from server.services.collection.account_detail import account_bills
from server.services.collection.move_out import move_out
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.refunds import refund_balance
from server.services.collection.statements import account_statement
from server.services.collection.till import open_till
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, Period
from server.services.core.errors import DomainError, NotFound
from server.services.metering.readings import correct_reading_of_day
from tests import factories as f

Z = None  # an empty column
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=BUSINESS_TZ)
NOV = Period(2026, 11)


def pay(s: Session, amount: str, no: str = "S001") -> str:
    return take_payment(s, f.ACTOR, PaymentRequest(no, D(amount), "cash", "D")).receipt_no


def rows(statement: Statement) -> list[tuple[Any, ...]]:
    return [(ln.document, ln.summary, ln.debit, ln.credit, ln.balance) for ln in statement.lines]


def closes_on_the_account(statement: Statement) -> bool:
    return statement.closing == (
        statement.balance - statement.open_principal - statement.open_late_fee
    )


@pytest.fixture
def steps(fresh_database_url: str) -> Iterator[Callable[..., Any]]:
    """Run each step in its own committed transaction, as the counter would: each document
    carries its own moment, so the statement's order is the order they were written."""
    engine = create_engine(fresh_database_url)

    def step(action: Callable[[Session], Any]) -> Any:
        with Session(engine, expire_on_commit=False) as s:
            result = action(s)
            s.commit()
            return result

    yield step
    engine.dispose()


def test_statement_of_a_rebill_after_payment_adjustments_and_a_refund(steps, monkeypatch):
    """The issue's scenario, each step its own transaction: water W1 at 3.00 元/m³ read 1000
    on 10-28 and, keyed wrong, 1500 on 11-28 (the meter showed 1050)."""
    monkeypatch.setattr(calendar, "now", lambda: NOW)

    def world(s: Session) -> tuple[Actor, Actor]:
        f.branches(s)
        account = f.account(s, "S001")
        f.meter(s, "W1", account, kind="water")
        f.tariff(s, kind="water", components={"水费": [("0", "3.00")]})
        f.read(s, "W1", "2026-10-28", "1000")
        f.read(s, "W1", "2026-11-28", "1500")
        run_billing(s, f.ACTOR, NOV)  # 500 m³: 1500.00
        wang = f.staff(s, "wang")
        open_till(s, wang, D("0"))
        return f.staff(s, "zhao", "manager"), wang

    zhao, wang = steps(world)
    receipt = steps(
        lambda s: take_payment(s, wang, PaymentRequest("S001", D("1500.00"), "cash", "D"))
    ).receipt_no

    def rebill(s: Session) -> None:
        # 50 m³: 150.00, paid from the 1500.00 moved; 1350.00 stays as credit.
        correct_reading_of_day(s, zhao, "W1", date(2026, 11, 28), "1050", "抄表录入错误")
        rebill_bill(s, zhao, "S001", NOV, "抄表录入错误", approval_limit=None, approver=None)

    steps(rebill)
    steps(lambda s: adjust_account(s, zhao, "S001", D("-20.00"), "停水补偿",
                                   approval_limit=None, approver=None))  # fmt: skip
    # The 1370.00 credit paid back in cash from wang's till.
    refunded = steps(lambda s: refund_balance(s, zhao, "S001", D("1370.00"), "cash",
                                              clerk=wang, reason="多缴退回"))  # fmt: skip
    refund_no = refunded.refund_no
    steps(lambda s: adjust_account(s, zhao, "S001", D("15.00"), "表封损坏赔偿",
                                   approval_limit=None, approver=None))  # fmt: skip

    statement = steps(lambda s: account_statement(s, "S001"))
    assert rows(statement) == [
        ("账单 2026-11", "2026-11 水费（已作废，见红字冲销 HZ2026000001）", D("1500.00"), Z,
         D("-1500.00")),
        (receipt, "收款（现金）", Z, D("1500.00"), D("0.00")),
        ("HZ2026000001", "红字冲销 2026-11 账单（更正）：抄表录入错误", Z, D("1500.00"),
         D("1500.00")),
        ("账单 2026-11", "2026-11 水费（更正后重开）", D("150.00"), Z, D("1350.00")),
        ("TZ2026000001", "调账（减免）：停水补偿", Z, D("20.00"), D("1370.00")),
        (refund_no, "退款（现金）：多缴退回", D("1370.00"), Z, D("0.00")),
        ("TZ2026000002", "调账：表封损坏赔偿", D("15.00"), Z, D("-15.00")),
    ]  # fmt: skip
    assert statement.opening == 0 and statement.closing == D("-15.00")
    # 1500 + 150 + 1370 + 15 = 3035 debits; 1500 + 1500 + 20 = 3020 credits.
    assert (statement.debits, statement.credits) == (D("3035.00"), D("3020.00"))
    # Balance: +1500 moved, −150 drawn, +20, −1370 refunded = 0.00; the 15.00 charge owed.
    assert (statement.balance, statement.open_principal, statement.open_late_fee) == (
        D("0.00"), D("15.00"), D("0.00"))  # fmt: skip
    assert closes_on_the_account(statement)
    # Every document was written today by the database's clock (the statement's own `now` is
    # NOW, a fixed moment): each line is dated the business day its bill was written.
    written = steps(lambda s: s.scalar(text("select min(created_at) from bill")))
    assert {line.day for line in statement.lines} == {written.astimezone(BUSINESS_TZ).date()}
    # The accounts page's bills: the replacement paid from the credit the credit note gave
    # back, the void bill owing nothing.
    bills = steps(lambda s: account_bills(s, "S001"))
    assert {(b.period, b.status, b.total, b.paid, b.open) for b in bills} == {
        ("2026-12", "open", D("15.00"), D("0.00"), D("15.00")),
        ("2026-11", "void", D("1500.00"), D("0.00"), D("0.00")),
        ("2026-11", "paid", D("150.00"), D("150.00"), D("0.00")),
    }


def test_void_receipt_late_fees_and_a_cancelled_bill_with_its_fee(session, monkeypatch):
    """Written in one transaction (one moment): the order of documents as they arise."""
    monkeypatch.setattr(calendar, "now", lambda: NOW)
    f.branches(session)
    a = f.account(session, "S001", balance="5.00")
    jan = f.bill(session, a, "2099-01", "40.00")
    feb = f.bill(session, a, "2099-02", "30.00")
    for bill_id, amount, kind, reason in ((jan, "4.00", "charge", ""), (jan, "-1.00", "waive",
                                          "首次逾期"), (feb, "2.50", "charge", "")):  # fmt: skip
        session.add(LateFee(bill_id=bill_id, kind=kind, amount=D(amount), reason=reason,
                            accrued_to=date(2099, 3, 1), days=12, rate=D("0.001"),
                            basis=D("30.00"), actor="test"))  # fmt: skip
    session.flush()
    # 5.00 opening credit is drawn by nothing (drawn only by runs and corrections): a
    # payment of 20.00 pays 2099-01's fee 3.00 first, then 17.00 of its principal.
    voided = pay(session, "20.00")
    void_receipt(session, f.ACTOR, voided, "收错户号")
    kept = pay(session, "43.00")  # 3.00 fee, 40.00 principal of 2099-01
    # 2099-02 cancelled with its 2.50 fee unpaid: no longer owed.
    zhao = f.staff(session, "zhao", "manager")
    cancel_bill(session, zhao, "S001", Period(2099, 2), "重复开票", approval_limit=None,
                approver=None)  # fmt: skip
    # The cancel drew the 5.00 credit against nothing open: it stays on the balance.
    session.add(DepositLedgerEntry(account_id=a, kind="paid", amount=D("100.00"),
                                   held_after=D("100.00")))  # fmt: skip
    session.flush()

    statement = account_statement(session, "S001")
    assert rows(statement) == [
        ("开户", "开户期初余额", Z, D("5.00"), D("5.00")),
        ("账单 2099-01", "2099-01 电费", D("40.00"), Z, D("-35.00")),
        ("账单 2099-02", "2099-02 电费（已作废，见红字冲销 HZ2026000001）", D("30.00"), Z,
         D("-65.00")),
        ("HZ2026000001", "红字冲销 2099-02 账单（作废）：重复开票", Z, D("30.00"), D("-35.00")),
        ("HZ2026000001", "2099-02 账单作废，未缴滞纳金不再收取", Z, D("2.50"), D("-32.50")),
        ("滞纳金 2099-01", "2099-01 账单滞纳金（12 天）", D("4.00"), Z, D("-36.50")),
        ("滞纳金 2099-02", "2099-02 账单滞纳金（12 天）", D("2.50"), Z, D("-39.00")),
        (voided, "收款（现金）", Z, D("20.00"), D("-19.00")),
        (kept, "收款（现金）", Z, D("43.00"), D("24.00")),
        ("押金", "押金收存 100.00 元（另行保管，不计入余额）", Z, Z, D("24.00")),
        ("滞纳金 2099-01", "2099-01 账单滞纳金减免：首次逾期", Z, D("1.00"), D("25.00")),
        (voided, "冲正（收据作废）：收错户号", D("20.00"), Z, D("5.00")),
    ]  # fmt: skip
    # Balance 5.00 (the opening; 43.00 = 3.00 fee + 40.00 principal); nothing owed.
    assert (statement.balance, statement.open_principal, statement.open_late_fee) == (
        D("5.00"), D("0.00"), D("0.00"))  # fmt: skip
    assert statement.closing == D("5.00") and closes_on_the_account(statement)


def dated_bill(s: Session, account_id: int, period: str, total: str, day: str) -> int:
    moment = datetime.fromisoformat(day).replace(hour=9, tzinfo=BUSINESS_TZ)
    return f.bill(s, account_id, period, total, created_at=moment)


def test_from_and_to_give_an_opening_row_and_cut_the_end(session):
    f.branches(session)
    a = f.account(session, "S001")
    dated_bill(session, a, "2026-01", "100.00", "2026-02-03")
    dated_bill(session, a, "2026-02", "80.00", "2026-03-04")
    receipt = pay(session, "150.00")  # today, after both
    session.flush()
    today = account_statement(session, "S001").lines[-1].day
    march = account_statement(session, "S001", date(2026, 3, 1))
    assert march.opening == D("-100.00")
    assert rows(march) == [
        ("账单 2026-02", "2026-02 电费", D("80.00"), Z, D("-180.00")),
        (receipt, "收款（现金）", Z, D("150.00"), D("-30.00")),
    ]
    assert march.closing == D("-30.00") and closes_on_the_account(march)
    spring = account_statement(session, "S001", date(2026, 2, 3), date(2026, 3, 31))
    assert spring.opening == 0 and spring.closing == D("-180.00")
    assert [ln.day for ln in spring.lines] == [date(2026, 2, 3), date(2026, 3, 4)]
    assert account_statement(session, "S001", today + timedelta(days=1)).lines == ()
    with pytest.raises(DomainError, match="结束日期 2026-03-01 早于开始日期 2026-03-02"):
        account_statement(session, "S001", date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(NotFound, match="户号 X404 不存在"):
        account_statement(session, "X404")


def test_deposit_held_released_at_move_out_and_refunded(session, monkeypatch):
    """factories.water_account_with_deposit (deposit 300.00, 2026-10 60.00, 2026-11 100.00,
    460.00 paid), then moved out on 2026-12-15 (final bill 90.32, the deposit released and
    pays it) and the 209.68 left refunded by transfer — one transaction, one moment."""
    monkeypatch.setattr(calendar, "now", lambda: NOW)
    f.water_account_with_deposit(session)
    # Before the move-out: bills and the deposit paid, so the statement closes on 0.00 while
    # 300.00 is held outside it (the holder's whole position is closing + deposit).
    before = account_statement(session, "A001")
    assert (before.closing, before.deposit) == (D("0.00"), D("300.00"))
    assert closes_on_the_account(before)
    day = date(2026, 12, 15)
    move_out(session, f.ACTOR, "A001", day, {"W1": D("155")}, on=day)
    zhao = f.staff(session, "zhao", "manager")
    refunded = refund_balance(session, zhao, "A001", D("209.68"), "transfer", clerk=zhao,
                              reference="TR-1", bank="工商银行", reason="退房退押金")  # fmt: skip

    statement = account_statement(session, "A001")
    assert rows(statement) == [
        ("押金 2026-12", "押金", D("300.00"), Z, D("-300.00")),
        ("账单 2026-10", "2026-10 水费", D("60.00"), Z, D("-360.00")),
        ("账单 2026-11", "2026-11 水费", D("100.00"), Z, D("-460.00")),
        ("结算账单 2026-12", "退房结算 2026-12-01至2026-12-15 水费", D("90.32"), Z,
         D("-550.32")),
        (statement.lines[4].document, "收款（现金）", Z, D("460.00"), D("-90.32")),
        ("押金", "押金收存 300.00 元（另行保管，不计入余额）", Z, Z, D("-90.32")),
        ("押金", "押金转入余额", Z, D("300.00"), D("209.68")),
        (refunded.refund_no, "退款（转账）：退房退押金", D("209.68"), Z, D("0.00")),
    ]  # fmt: skip
    # Everything settled: balance, owed and deposit all 0.00, and so is the statement.
    assert (statement.balance, statement.open_principal, statement.deposit) == (
        D("0.00"), D("0.00"), D("0.00"))  # fmt: skip
    assert statement.closing == D("0.00") and closes_on_the_account(statement)


def test_prepaid_draws_and_an_online_payment_awaiting_its_receipt(session):
    """Prepaid P001 opened with 100.00: its 2026-10 bill (120 kWh at 0.50 = 60.00) is drawn
    from the balance by the run; 30.00 paid online (no receipt yet)."""
    f.branches(session)
    a = f.account(session, "P001", billing_mode="prepaid", balance="100.00")
    f.meter(session, "E1", a)
    f.read(session, "E1", "2026-09-20", "100")
    f.read(session, "E1", "2026-10-20", "220")
    f.tariff(session, components={"电费": [("0", "0.5")]})
    run_billing(session, f.ACTOR, Period(2026, 10))
    request = PaymentRequest("P001", D("30.00"), "online", "", reference="WX4200001")
    take_payment(session, f.ACTOR, request, issue_receipt=False)

    statement = account_statement(session, "P001")
    assert rows(statement) == [
        ("开户", "开户期初余额", Z, D("100.00"), D("100.00")),
        ("账单 2026-10", "2026-10 电费", D("60.00"), Z, D("40.00")),
        ("在线支付 WX4200001", "收款（在线支付）", Z, D("30.00"), D("70.00")),
    ]
    # 100.00 − 60.00 drawn + 30.00 topped up; the bill paid by its draw.
    assert (statement.balance, statement.open_principal) == (D("70.00"), D("0.00"))
    assert statement.closing == D("70.00") and closes_on_the_account(statement)
