"""Late fees (滞纳金): due dates, accrual, minimum, cap, grace, receipt lines, waivers and
voids, with hand-computed figures on real PostgreSQL.

Resident policy unless a test says otherwise: 0.001 a day (1‰), no grace, minimum 1.00, no
cap. Bill 2026-09 of 200.00 is due 2026-10-31.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import AuditEvent, Bill, LateFee
from server.services.billing.late_fees import due_date, set_late_fee_policy
from server.services.collection.allocation import OpenItem, amount_owed, open_items, waive_late_fee
from server.services.collection.payments import PaymentRequest, PaymentResult, take_payment
from server.services.collection.receipts import receipt_view
from server.services.collection.till import open_till
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.errors import DomainError, PermissionDenied
from server.services.staff.org import add_staff_with_role
from server.services.staff.sign_in import staff_identity
from tests import factories as f

CLERK = Actor(label="收费员 王芳")
NOV = 11


def day(d: int, month: int = NOV) -> date:
    return date(2026, month, d)


def move_to(monkeypatch: pytest.MonkeyPatch, on: date) -> None:
    """Make `on` the business date (the fee day and the till's day)."""
    moment = calendar.business_datetime(on) + timedelta(hours=9)
    monkeypatch.setattr(calendar, "now", lambda: moment)


def policy(session: Session, klass: str = "居民", **kw: object) -> None:
    fields = {
        "enabled": True, "grace_days": 0, "daily_rate": D("0.001"), "minimum": D("1.00"),
        "cap": None, "effective_from": date(2026, 1, 1), **kw,
    }  # fmt: skip
    set_late_fee_policy(session, f.ACTOR, klass, **fields)


def pay(
    session: Session, amount: str, account_no: str = "A001", actor: Actor = CLERK
) -> PaymentResult:
    return take_payment(session, actor, PaymentRequest(account_no, D(amount), "cash", "D"))


def items(session: Session, account_id: int, on: date) -> list[tuple]:
    """(period, paid, open, late_fee, late_days) of each open item."""
    return [
        (i.period, i.paid, i.open, i.late_fee, i.late_days)
        for i in open_items(session, account_id, on)
    ]


def fee_rows(session: Session) -> list[tuple]:
    rows = session.execute(
        select(
            LateFee.kind, LateFee.amount, LateFee.accrued_to, LateFee.days, LateFee.rate,
            LateFee.basis, LateFee.reason, LateFee.payment_id.is_not(None),
        ).order_by(LateFee.id)
    )  # fmt: skip
    return [tuple(row) for row in rows]


def staff(session: Session, login: str, role: str) -> Actor:
    add_staff_with_role(
        session, f.ACTOR, login=login, name=login.upper(), password="Counter2026",
        role=role, branch_code="D",
    )  # fmt: skip
    return staff_identity(session, login).actor


@pytest.fixture
def world(session):
    f.branches(session)
    a = f.account(session)
    f.bill(session, a, "2026-09", "200.00")
    policy(session)
    return session, a


def test_due_date_is_the_last_day_of_the_next_month():
    assert due_date("2026-09") == date(2026, 10, 31)
    assert due_date("2026-10") == date(2026, 11, 30)
    assert due_date("2026-12") == date(2027, 1, 31)
    assert due_date("2027-01") == date(2027, 2, 28)
    assert due_date("2027-12") == date(2028, 1, 31)
    assert due_date("2028-01") == date(2028, 2, 29)


def test_paying_in_full_ten_days_late_pays_the_fee_first(world, monkeypatch):
    session, a = world
    move_to(monkeypatch, day(10))
    found = open_items(session, a, day(10))
    # 200.00 × 0.001 × 10 days (11-01 … 11-10) = 2.00
    assert found == (
        OpenItem(found[0].bill_id, "2026-09", "电费", D("200.00"), D("0.00"), D("200.00"),
                 date(2026, 10, 31), D("2.00"), 10),
    )  # fmt: skip
    assert amount_owed(found) == D("202.00")
    # On the due date nothing is owed but the principal.
    assert items(session, a, date(2026, 10, 31)) == [
        ("2026-09", D("0.00"), D("200.00"), D("0.00"), 0)
    ]

    result = pay(session, "202.00")
    assert result.allocations == (("2026-09", D("200.00")),)
    assert result.late_fees == (("2026-09", D("2.00")),)
    assert result.as_json()["late_fees"] == [{"period": "2026-09", "amount": "2.00"}]
    assert result.credit == D("0.00")
    view = receipt_view(session, result.receipt_no)
    assert [(x.period, x.description, x.amount) for x in view.lines] == [
        ("2026-09", "滞纳金", D("2.00")),
        ("2026-09", "电费", D("200.00")),
    ]
    assert fee_rows(session) == [
        ("charge", D("2.00"), day(10), 10, D("0.001000"), D("200.00"), "", True)
    ]
    assert session.scalar(select(Bill.status)) == "paid"
    assert open_items(session, a, day(30)) == ()


def test_a_small_late_bill_is_raised_to_the_minimum(world, monkeypatch):
    session, _ = world
    b = f.account(session, "A002")
    f.bill(session, b, "2026-09", "50.00")
    move_to(monkeypatch, day(3))
    # 50.00 × 0.001 × 3 = 0.15, raised to the 1.00 minimum
    assert items(session, b, day(3)) == [("2026-09", D("0.00"), D("50.00"), D("1.00"), 3)]
    result = pay(session, "51.00", "A002")
    assert (result.late_fees, result.allocations) == (
        (("2026-09", D("1.00")),), (("2026-09", D("50.00")),)
    )  # fmt: skip


def test_grace_days(world):
    session, a = world
    policy(session, grace_days=5, effective_from=date(2026, 10, 1))
    # Day 5 after the due date is within the grace period: no fee.
    assert items(session, a, day(5))[0][3] == D("0.00")
    # Day 6: past it, and the fee counts from the due date: 200.00 × 0.001 × 6 = 1.20
    assert items(session, a, day(6))[0][3] == D("1.20")


def test_a_part_payment_pays_the_fee_then_the_rest_accrues_on_what_is_open(world, monkeypatch):
    session, a = world
    clerk = staff(session, "wang", "clerk")
    move_to(monkeypatch, day(10))
    open_till(session, clerk)  # the fee day is the till's business date
    first = pay(session, "100.00", actor=clerk)
    # fee 200.00 × 0.001 × 10 = 2.00 first, then 98.00 of principal: 102.00 open
    assert (first.late_fees, first.allocations) == (
        (("2026-09", D("2.00")),), (("2026-09", D("98.00")),)
    )  # fmt: skip
    assert items(session, a, day(10)) == [("2026-09", D("98.00"), D("102.00"), D("0.00"), 10)]
    assert session.scalar(select(Bill.status)) == "partial"

    # Ten days on (11-10 exclusive to 11-20): 102.00 × 0.001 × 10 = 1.02, no minimum again
    assert items(session, a, day(20)) == [("2026-09", D("98.00"), D("102.00"), D("1.02"), 20)]
    move_to(monkeypatch, day(20))
    # Another clerk's till of 11-20 (wang's 11-10 till is left unsettled).
    li = staff(session, "li", "clerk")
    open_till(session, li)
    second = pay(session, "103.02", actor=li)
    assert (second.late_fees, second.allocations, second.credit) == (
        (("2026-09", D("1.02")),), (("2026-09", D("102.00")),), D("0.00")
    )  # fmt: skip
    assert [row[:5] for row in fee_rows(session)] == [
        ("charge", D("2.00"), day(10), 10, D("0.001000")),
        ("charge", D("1.02"), day(20), 10, D("0.001000")),
    ]
    assert [row[5] for row in fee_rows(session)] == [D("200.00"), D("102.00")]
    assert session.scalar(select(Bill.status)) == "paid"


def test_a_payment_smaller_than_the_fee_leaves_the_principal_untouched(world, monkeypatch):
    session, a = world
    move_to(monkeypatch, day(10))
    result = pay(session, "0.50")
    assert (result.late_fees, result.allocations) == ((("2026-09", D("0.50")),), ())
    assert items(session, a, day(10)) == [("2026-09", D("0.00"), D("200.00"), D("1.50"), 10)]
    assert session.scalar(select(Bill.status)) == "open"


def test_the_cap_clamps_what_a_bill_comes_to(world, monkeypatch):
    session, a = world
    policy(session, cap=D("3.00"), effective_from=date(2026, 10, 1))
    # 200.00 × 0.001 × 30 = 6.00, capped at 3.00
    assert items(session, a, day(30))[0][3] == D("3.00")
    move_to(monkeypatch, day(20))
    # 20 days: 4.00 → 3.00; then 47.00 of principal
    result = pay(session, "50.00")
    assert (result.late_fees, result.allocations) == (
        (("2026-09", D("3.00")),), (("2026-09", D("47.00")),)
    )  # fmt: skip
    # The cap is reached: 153.00 open accrues nothing more.
    assert items(session, a, day(20, 12)) == [("2026-09", D("47.00"), D("153.00"), D("0.00"), 50)]


def test_off_by_default_and_when_switched_off(world):
    session, a = world
    unit = f.account(session, "U001", customer_class="单位")
    f.bill(session, unit, "2026-09", "200.00")
    # No policy for 单位: no fee, though the bill is 10 days overdue.
    assert items(session, unit, day(10)) == [("2026-09", D("0.00"), D("200.00"), D("0.00"), 10)]
    policy(session, enabled=False, effective_from=day(1))
    # Resident fees were on until October; the row from 11-01 switches them off.
    assert items(session, a, day(10))[0][3] == D("0.00")
    assert items(session, a, date(2026, 10, 31))[0][3] == D("0.00")


def test_a_manager_waives_and_accrual_restarts_from_that_day(world, monkeypatch):
    session, a = world
    clerk = staff(session, "wang", "clerk")
    manager = staff(session, "zhao", "manager")
    move_to(monkeypatch, day(10))
    pay(session, "100.00")  # fee 2.00 paid, 102.00 open
    move_to(monkeypatch, day(20))
    with pytest.raises(PermissionDenied, match=r"^减免滞纳金须由管理人员办理$"):
        waive_late_fee(session, clerk, "A001", "2026-09", "困难户")
    with pytest.raises(DomainError, match=r"^减免户号 A001 2026-09 的滞纳金须填写原因$"):
        waive_late_fee(session, manager, "A001", "2026-09", "  ")

    # Owed on 11-20: 102.00 × 0.001 × 10 = 1.02, charged and waived at once
    assert waive_late_fee(session, manager, "A001", "2026-09", "困难户") == D("1.02")
    assert [row[:4] + row[6:7] for row in fee_rows(session)[1:]] == [
        ("charge", D("1.02"), day(20), 10, ""),
        ("waive", D("-1.02"), day(20), 10, "困难户"),
    ]
    assert items(session, a, day(20)) == [("2026-09", D("98.00"), D("102.00"), D("0.00"), 20)]
    # From 11-20: 102.00 × 0.001 × 5 = 0.51
    assert items(session, a, day(25))[0][3] == D("0.51")
    with pytest.raises(DomainError, match=r"^户号 A001 账期 2026-09 没有未缴的滞纳金$"):
        waive_late_fee(session, manager, "A001", "2026-09", "再减一次")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "late_fee.waive"))
    assert event.data == {
        "account_no": "A001", "period": "2026-09", "amount": "1.02", "reason": "困难户"
    }  # fmt: skip


def test_a_void_gives_the_fee_back_and_the_charge_stays(world, monkeypatch):
    session, a = world
    move_to(monkeypatch, day(10))
    result = pay(session, "202.00")
    undone = void_receipt(session, CLERK, result.receipt_no, "收错户号")
    assert undone.reopened == (("2026-09", D("200.00")),)
    assert undone.fees_reopened == (("2026-09", D("2.00")),)
    # The fee accrued to 11-10 is owed again; 2 days on, 200.00 × 0.001 × 2 = 0.40 more
    assert items(session, a, day(10)) == [("2026-09", D("0.00"), D("200.00"), D("2.00"), 10)]
    assert items(session, a, day(12))[0][3] == D("2.40")
    assert session.scalar(select(Bill.status)) == "open"
    assert [row[0] for row in fee_rows(session)] == ["charge"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"klass": "外宾"}, "客户类别「外宾」不存在"),
        ({"daily_rate": D("1.5")}, "日费率应为 0 到 1 之间"),
        ({"daily_rate": D("0.0000001")}, "日费率应为 0 到 1 之间"),
        ({"grace_days": -1}, "宽限天数应为 0 到 366 的整数，收到 -1"),
        ({"minimum": D("-1")}, "滞纳金最低金额必须大于 0，收到 -1"),
        ({"cap": D("0.50")}, "滞纳金封顶金额 0.50 低于最低金额 1.00"),
    ],
)
def test_policy_validation(session, fields, message):
    with pytest.raises(DomainError, match=message):
        policy(session, **fields)


def test_a_clerk_may_not_set_the_policy_and_a_manager_may(session):
    f.branches(session)
    fields = {
        "enabled": True, "grace_days": 0, "daily_rate": D("0.002"), "minimum": D("0"),
        "cap": None, "effective_from": date(2026, 1, 1),
    }  # fmt: skip
    with pytest.raises(PermissionDenied, match="设置滞纳金规则须由管理人员办理"):
        set_late_fee_policy(session, staff(session, "wang", "clerk"), "unit", **fields)
    set_late_fee_policy(session, staff(session, "zhao", "manager"), "unit", **fields)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "late_fee.policy"))
    assert (event.data["class"], event.data["daily_rate"]) == ("unit", "0.002")


def _refused(session: Session, sql: str, message: str) -> None:
    with pytest.raises(DBAPIError, match=message), session.begin_nested():
        session.execute(text(sql))


def test_late_fee_rows_are_append_only_in_the_database(world, monkeypatch):
    session, _ = world
    move_to(monkeypatch, day(10))
    pay(session, "10.00")
    _refused(session, "update late_fee set amount = 1", "late_fee is append-only")
    _refused(session, "delete from late_fee", "late_fee is append-only")
    _refused(session, "update late_fee_policy set enabled = false", "late_fee_policy is append")
    _refused(
        session,
        "insert into late_fee (bill_id, kind, amount, accrued_to, days, rate, basis, reason,"
        " actor) select id, 'waive', -1, current_date, 0, 0, 0, ' ', 'x' from bill",
        "ck_late_fee_reason",
    )


def test_late_fee_commands(md_env, monkeypatch):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        f.bill(session, f.account(session), "2026-09", "200.00")
        staff(session, "clerk1", "clerk")
        staff(session, "boss", "manager")
    engine.dispose()
    runner = CliRunner()
    set_policy = ["late-fee", "policy", "居民", "--rate", "0.001", "--minimum", "1"]
    done = runner.invoke(cli, [*set_policy, "--from", "2026-01-01", "--by", "boss"])
    assert done.exit_code == 0, done.output
    assert done.output == (
        "居民 自 2026-01-01 起收滞纳金：日费率 0.001，宽限 0 天，最低 1.00，不封顶\n"
    )
    off = runner.invoke(cli, ["late-fee", "policy", "unit", "--off", "--from", "2026-01-01"])
    assert off.output == "unit 自 2026-01-01 起不收滞纳金\n"
    refused = runner.invoke(cli, [*set_policy, "--by", "clerk1"])
    assert (refused.exit_code, refused.output) == (2, "错误：设置滞纳金规则须由管理人员办理\n")
    bad = runner.invoke(cli, ["late-fee", "policy", "居民", "--rate", "abc"])
    assert bad.exit_code == 2 and bad.output.startswith("错误：日费率应为 0 到 1 之间")

    move_to(monkeypatch, day(10))
    waive = ["late-fee", "waive", "A001", "2026-09", "--reason", "困难户", "--by"]
    refused = runner.invoke(cli, [*waive, "clerk1"])
    assert (refused.exit_code, refused.output) == (2, "错误：减免滞纳金须由管理人员办理\n")
    # 200.00 × 0.001 × 10 days = 2.00
    done = runner.invoke(cli, [*waive, "boss"])
    assert (done.exit_code, done.output) == (0, "户号 A001 2026-09 已减免滞纳金 2.00\n")
