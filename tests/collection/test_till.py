"""The clerk's till and day (日结): float, change, hand-over, voids, over/short, stale and
closed days, void permissions, with hand-computed figures on real PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server.db.models import CashHandover, Payment, TillSession
from server.services.collection.payments import PaymentRequest, PaymentResult, take_payment
from server.services.collection.till import (
    HeadCashier,
    close_till,
    current_till,
    hand_over,
    head_cashiers,
    open_till,
    settlement,
)
from server.services.collection.till_figures import ChannelTotal, VoidedReceipt
from server.services.collection.voids import VoidPreview, void_preview, void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, PermissionDenied
from server.services.staff.org import (
    add_staff_with_role,
    branch_by_code,
    create_staff,
    ensure_department,
    ensure_post,
)
from server.services.staff.sign_in import staff_identity
from tests import factories as f


def staff(session: Session, login: str, role: str = "clerk") -> Actor:
    add_staff_with_role(
        session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
        role=role, branch_code="D",
    )  # fmt: skip
    return staff_identity(session, login).actor


def pay(session: Session, actor: Actor, amount: str, channel: str = "cash", **kw) -> PaymentResult:
    request = PaymentRequest("A001", D(amount), channel, "D", **kw)
    return take_payment(session, actor, request)


def move_to(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Make `day` the business date the till rules see (the database clock is untouched)."""
    moment = calendar.business_datetime(day) + timedelta(hours=9)
    monkeypatch.setattr(calendar, "now", lambda: moment)


@pytest.fixture
def world(session):
    """Account A001 (bills 40.00 and 25.00), branch D, clerks wang and li, manager zhao."""
    f.branches(session)
    a = f.account(session)
    f.bill(session, a, "2026-09", "40.00")
    f.bill(session, a, "2026-10", "25.00")
    return session, staff(session, "wang"), staff(session, "li"), staff(session, "zhao", "manager")


def test_a_day_expected_cash_over_short_and_totals(world, monkeypatch):
    session, wang, *_ = world
    today = calendar.now().date()
    opened = open_till(session, wang, D("200.00"))
    assert (opened.business_date, opened.float_amount, opened.closed_at) == (
        today, D("200.00"), None
    )  # fmt: skip
    assert current_till(session, wang.staff_id) == opened

    kept = pay(session, wang, "50.00", tendered=D("100.00"))  # cash in 100 − change 50 = 50
    voided = pay(session, wang, "30.00")  # exact cash, voided below by its own clerk
    pay(session, wang, "65.00", "transfer", reference="BK1")
    pay(session, wang, "20.00", "cheque", reference="CQ7", bank="工行")
    void_receipt(session, wang, voided.receipt_no, "收错户号")  # own, same day, till open
    hand_over(session, wang, D("100.00"), "zhao", "午间交款")

    day = close_till(session, wang, D("148.50"), "少 1.50，原因待查")
    # expected = 200.00 + (100.00 + 30.00) − 50.00 − 30.00 − 100.00 = 150.00
    assert (day.float_amount, day.cash_tendered, day.change_given) == (
        D("200.00"), D("130.00"), D("50.00")
    )  # fmt: skip
    assert (day.cash_voided, day.handed_over, day.expected_cash) == (
        D("30.00"), D("100.00"), D("150.00")
    )  # fmt: skip
    # 148.50 − 150.00: recorded, not refused
    assert (day.cash_counted, day.over_short) == (D("148.50"), D("-1.50"))
    assert day.note == "少 1.50，原因待查"
    assert day.totals == (
        ChannelTotal("cash", "现金", 1, D("50.00")),
        ChannelTotal("cheque", "支票", 1, D("20.00")),
        ChannelTotal("transfer", "网银转账", 1, D("65.00")),
    )
    assert day.voided == (VoidedReceipt(voided.receipt_no, "cash", D("30.00"), "收错户号"),)
    assert day.closed_at is not None
    assert settlement(session, day.till_id) == day
    assert current_till(session, wang.staff_id) is None
    tills = set(session.scalars(select(Payment.till_session_id)))
    assert tills == {day.till_id}
    assert kept.receipt_no != voided.receipt_no

    # The next day starts with what was left in the drawer: 148.50.
    move_to(monkeypatch, today + timedelta(days=1))
    assert open_till(session, wang).float_amount == D("148.50")


def test_a_first_till_floats_zero_and_opens_once(world):
    session, wang, *_ = world
    assert open_till(session, wang).float_amount == D("0.00")
    with pytest.raises(DomainError, match="已开班，不能重复开班"):
        open_till(session, wang)


def test_no_till_no_money_but_the_system_is_not_a_clerk(world):
    session, wang, *_ = world
    with pytest.raises(DomainError, match=r"^请先开班（日结开始）再收款$"):
        pay(session, wang, "10.00")
    with pytest.raises(DomainError, match="未开班"):
        hand_over(session, wang, D("10.00"), "zhao")
    with pytest.raises(DomainError, match="没有未日结的班次"):
        close_till(session, wang, D("0"))
    # Online and system payments belong to no till.
    result = pay(session, Actor(label="在线支付"), "10.00")
    assert session.get(Payment, result.payment_id).till_session_id is None


def test_a_till_left_open_yesterday_must_be_settled_first(world):
    session, wang, *_ = world
    yesterday = calendar.now().date() - timedelta(days=1)
    session.add(
        TillSession(
            staff_id=wang.staff_id, branch_id=wang.branch_id, business_date=yesterday,
            float_amount=D("100.00"), note="",
        )
    )  # fmt: skip
    session.flush()
    stale = f"请先结清 {yesterday.isoformat()} 的日结"
    with pytest.raises(DomainError, match=stale):
        pay(session, wang, "10.00")
    with pytest.raises(DomainError, match=stale):
        open_till(session, wang)
    with pytest.raises(DomainError, match=stale):
        hand_over(session, wang, D("10.00"), "zhao")
    old = close_till(session, wang, D("100.00"))
    assert (old.business_date, old.expected_cash, old.over_short) == (
        yesterday, D("100.00"), D("0.00")
    )  # fmt: skip
    # Settled: today opens with yesterday's drawer and takes money.
    assert open_till(session, wang).float_amount == D("100.00")
    assert pay(session, wang, "10.00").allocations == (("2026-09", D("10.00")),)


def test_a_closed_day_takes_no_more_money_or_clerk_voids(world):
    session, wang, _, zhao = world
    open_till(session, wang, D("0"))
    receipt = pay(session, wang, "40.00")
    close_till(session, wang, D("40.00"))
    with pytest.raises(DomainError, match="已日结，当日不能再收款"):
        pay(session, wang, "10.00")
    with pytest.raises(DomainError, match="已日结，当日不能再开班收款"):
        open_till(session, wang)
    with pytest.raises(DomainError, match="没有未日结的班次"):
        close_till(session, wang, D("40.00"))  # closing twice
    with pytest.raises(PermissionDenied, match="已日结，作废须由管理人员办理"):
        void_receipt(session, wang, receipt.receipt_no, "收错户号")
    # A bounced cheque or any later reversal goes to a manager, at any time.
    assert void_receipt(session, zhao, receipt.receipt_no, "退票").reopened == (
        ("2026-09", D("40.00")),
    )


def test_void_permissions(world):
    session, wang, li, zhao = world
    reader = staff(session, "sun", "reader")
    open_till(session, wang)
    open_till(session, li)
    first = pay(session, wang, "10.00")
    second = pay(session, wang, "5.00")
    with pytest.raises(PermissionDenied, match="只能作废本人收取的收据"):
        void_receipt(session, li, first.receipt_no, "收错户号")
    # A meter reader does not work the counter at all (permissions, migration 0008).
    with pytest.raises(PermissionDenied, match="sun SUN 没有“收费台”权限"):
        void_receipt(session, reader, first.receipt_no, "收错户号")
    void_receipt(session, wang, first.receipt_no, "收错户号")  # own, same day, till open
    void_receipt(session, zhao, second.receipt_no, "金额有误")  # a manager voids anyone's


def test_hand_over_checks_its_receiver(world):
    session, wang, *_ = world
    open_till(session, wang)
    with pytest.raises(DomainError, match="收款人 nobody 不存在或已停用"):
        hand_over(session, wang, D("10.00"), "nobody")
    with pytest.raises(DomainError, match="不能交款给自己"):
        hand_over(session, wang, D("10.00"), "wang")
    with pytest.raises(DomainError, match="交款金额必须大于 0"):
        hand_over(session, wang, D("0"), "zhao")


def _refused(session: Session, sql: str, message: str) -> None:
    with pytest.raises(DBAPIError, match=message), session.begin_nested():
        session.execute(text(sql))


def test_the_database_keeps_a_settled_day_as_it_was(world):
    session, wang, *_ = world
    opened = open_till(session, wang, D("50.00"))
    hand_over(session, wang, D("10.00"), "zhao")
    _refused(session, "update till_session set float_amount = 0", "only closed_at")
    _refused(session, "delete from till_session", "till_session is append-only")
    _refused(session, "update cash_handover set amount = 1", "cash_handover is append-only")
    close_till(session, wang, D("40.00"))
    _refused(
        session,
        f"update till_session set note = '改' where id = {opened.till_id}",
        "is closed: a settled day is never changed",
    )
    _refused(
        session,
        f"update till_session set closed_at = null where id = {opened.till_id}",
        "is closed",
    )
    _refused(
        session,
        f"insert into till_session (staff_id, branch_id, business_date, float_amount, note)"
        f" values ({wang.staff_id}, {wang.branch_id}, current_date - 30, 0, '')"
        f", ({wang.staff_id}, {wang.branch_id}, current_date - 31, 0, '')",
        "uq_till_session_open",
    )


def test_cash_is_handed_over_only_to_a_head_cashier_of_the_branch(world):
    """Head cashiers (post head_cashier) first, then managers, of the clerk's own branch."""
    session, wang, _, zhao = world
    head = ensure_post(session, "head_cashier", "收费组长")
    create_staff(
        session, f.ACTOR, login="qian", name="钱组长", password="Counter2026",
        department=ensure_department(session, "charge", "收费科"), post=head,
        branch=branch_by_code(session, "D"),
    )  # fmt: skip
    add_staff_with_role(
        session, f.ACTOR, login="zhou", name="周经理", password="Counter2026", role="manager",
        branch_code="E",
    )  # fmt: skip
    assert head_cashiers(session, wang) == (
        HeadCashier("qian", "钱组长", "收费组长"),
        HeadCashier("zhao", "ZHAO", "管理人员"),
    )
    # A manager does not hand over to himself.
    assert [h.login for h in head_cashiers(session, zhao)] == ["qian"]
    open_till(session, wang)
    with pytest.raises(DomainError, match=r"^收款人 li 不是本分中心的收费组长或管理人员$"):
        hand_over(session, wang, D("10.00"), "li")  # a fellow clerk
    with pytest.raises(DomainError, match=r"^收款人 zhou 不是本分中心的收费组长或管理人员$"):
        hand_over(session, wang, D("10.00"), "zhou")  # another branch's manager
    assert session.scalar(select(func.count()).select_from(CashHandover)) == 0
    hand_over(session, wang, D("10.00"), "qian")
    assert settlement(session, current_till(session, wang.staff_id).till_id).handed_over == D(
        "10.00"
    )


def test_the_void_preview_refuses_before_a_reason_is_asked(world):
    session, wang, li, zhao = world
    open_till(session, wang)
    receipt = pay(session, wang, "40.00")
    preview = void_preview(session, wang, receipt.receipt_no)
    assert preview == VoidPreview(receipt.receipt_no, D("40.00"), "A001", "张三", "现金")
    with pytest.raises(PermissionDenied, match="只能作废本人收取的收据"):
        void_preview(session, li, receipt.receipt_no)
    close_till(session, wang, D("40.00"))
    with pytest.raises(PermissionDenied, match="已日结，作废须由管理人员办理"):
        void_preview(session, wang, receipt.receipt_no)
    assert void_preview(session, zhao, receipt.receipt_no).amount == D("40.00")
    void_receipt(session, zhao, receipt.receipt_no, "退票")
    with pytest.raises(DomainError, match=f"收据 {receipt.receipt_no} 已作废"):
        void_preview(session, zhao, receipt.receipt_no)
