"""Counter collection: allocation, credit, receipt numbers, voids, reprints, with
hand-computed figures on real PostgreSQL."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from server.db.models import (
    Account,
    AccountLedgerEntry,
    Allocation,
    AuditEvent,
    Bill,
)
from server.services.billing.billing_run import run_billing
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.receipts import receipt_pdf, receipt_view, reprint_receipt
from server.services.collection.voids import void_receipt
from server.services.core import calendar
from server.services.core.audit import Actor
from server.services.core.calendar import Period
from server.services.core.errors import DomainError
from server.services.core.numbering import RECEIPT, next_number
from tests import factories as f

# Receipts are numbered by the business year of the transaction.
YEAR = calendar.now().year
CLERK = Actor(label="收费员 王芳")


def no(branch: str, n: int) -> str:
    return f"{branch}{YEAR}{n:06d}"


def pay(session: Session, amount: str, account_no: str = "A001", **kw) -> object:
    fields = {"channel": "cash", "branch_code": "D", **kw}
    return take_payment(session, CLERK, PaymentRequest(account_no, D(amount), **fields))


def statuses(session: Session, account_id: int) -> dict[str, str]:
    rows = session.execute(
        select(Bill.period, Bill.status).where(Bill.account_id == account_id).order_by(Bill.period)
    )
    return dict(rows.all())


def balance(session: Session, account_id: int) -> D:
    return session.scalar(select(Account.balance).where(Account.id == account_id))


@pytest.fixture
def world(session):
    """Account A001 with bills 2026-09 40.00 and 2026-10 25.00, branches D and E."""
    f.branches(session)
    a = f.account(session)
    f.bill(session, a, "2026-10", "25.00")  # inserted first: order is by period, not id
    f.bill(session, a, "2026-09", "40.00")
    return session, a


def test_allocation_oldest_first_partial_then_credit(world):
    session, a = world
    first = pay(session, "50.00")
    # 50.00 → 40.00 settles September, the 10.00 left goes to October (25.00, partial)
    assert first.receipt_no == no("D", 1)
    assert first.allocations == (("2026-09", D("40.00")), ("2026-10", D("10.00")))
    assert (first.credit, first.change, first.balance) == (D("0.00"), D("0.00"), D("0.00"))
    assert statuses(session, a) == {"2026-09": "paid", "2026-10": "partial"}

    second = pay(session, "20.00")
    # October still owes 25.00 − 10.00 = 15.00; 20.00 − 15.00 = 5.00 becomes credit
    assert second.receipt_no == no("D", 2)
    assert second.allocations == (("2026-10", D("15.00")),)
    assert (second.credit, second.balance) == (D("5.00"), D("5.00"))
    assert statuses(session, a) == {"2026-09": "paid", "2026-10": "paid"}
    assert balance(session, a) == D("5.00")
    [entry] = session.scalars(
        select(AccountLedgerEntry).where(AccountLedgerEntry.payment_id == second.payment_id)
    )
    assert (entry.kind, entry.amount, entry.balance_after) == ("payment", D("5.00"), D("5.00"))

    view = receipt_view(session, second.receipt_no)
    assert [(x.period, x.description, x.amount) for x in view.lines] == [
        ("2026-10", "电费", D("15.00")),
        ("", "余额（多缴）", D("5.00")),
    ]
    assert (view.total, view.channel, view.clerk) == (D("20.00"), "现金", "收费员 王芳")
    assert (view.branch_code, view.branch_name) == ("D", "东区收费点")
    assert (view.account_no, view.holder_name) == ("A001", "张三")
    assert view.address == "东校区 1号楼 2单元 301"
    assert (view.voided, view.void_reason, view.reprint_count) == (False, "", 0)
    assert view.issued_at.utcoffset().total_seconds() == 8 * 3600
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "payment.take"))
    assert len(actions.all()) == 2


def test_a_paid_up_account_takes_all_as_credit_and_json(world):
    session, a = world
    pay(session, "65.00")
    assert statuses(session, a) == {"2026-09": "paid", "2026-10": "paid"}
    result = pay(session, "12.34", channel="转账", reference="BK20261123001", bank="工商银行")
    assert result.as_json() == {
        "receipt_no": no("D", 2),
        "payment_id": result.payment_id,
        "allocations": [],
        "credit": "12.34",
        "change": "0.00",
        "balance": "12.34",
        "late_fees": [],
    }


def test_cash_tendered_and_change(world):
    session, _ = world
    result = pay(session, "65.00", tendered=D("100"))
    assert result.change == D("35.00")
    view = receipt_view(session, result.receipt_no)
    assert (view.tendered, view.change) == (D("100.00"), D("35.00"))
    cheque = pay(session, "1.00", channel="cheque", reference="00123456", bank="建设银行")
    view = receipt_view(session, cheque.receipt_no)
    assert (view.tendered, view.change, view.reference, view.bank) == (
        None,
        None,
        "00123456",
        "建设银行",
    )


def test_prepaid_top_up_goes_to_the_balance(session):
    f.branches(session)
    a = f.account(session, "P001", billing_mode="prepaid", balance="-12.50")
    result = pay(session, "100.00", "P001")
    # −12.50 + 100.00 = 87.50
    assert (result.allocations, result.credit, result.balance) == ((), D("100.00"), D("87.50"))
    assert balance(session, a) == D("87.50")
    view = receipt_view(session, result.receipt_no)
    assert [(x.description, x.amount) for x in view.lines] == [("预存", D("100.00"))]


def test_receipt_numbers_per_branch_and_year(world):
    session, _ = world
    assert pay(session, "1.00").receipt_no == no("D", 1)
    assert pay(session, "1.00").receipt_no == no("D", 2)
    assert pay(session, "1.00", branch_code="E").receipt_no == no("E", 1)
    assert pay(session, "1.00").receipt_no == no("D", 3)
    branch_id = session.scalar(text("select id from branch where code = 'D'"))
    assert next_number(session, RECEIPT, branch_id, "D", 2031) == "D2031000001"
    assert next_number(session, "notice", branch_id, "D", YEAR) == no("D", 1)
    assert pay(session, "1.00").receipt_no == no("D", 4)


def test_a_rolled_back_payment_burns_no_number(world):
    session, a = world
    assert pay(session, "10.00").receipt_no == no("D", 1)
    with pytest.raises(RuntimeError), session.begin_nested():
        assert pay(session, "30.00").receipt_no == no("D", 2)
        raise RuntimeError("the counter's unit of work fails after the payment")
    assert pay(session, "5.00").receipt_no == no("D", 2)
    # only 10.00 + 5.00 reached September's 40.00
    assert statuses(session, a) == {"2026-09": "partial", "2026-10": "open"}
    paid = session.scalar(text("select sum(amount) from allocation"))
    assert paid == D("15.00")


def test_duplicate_bank_serial_and_cheque_are_refused(world):
    session, _ = world
    first = pay(session, "10.00", channel="transfer", reference="BK001", bank="工商银行")
    with pytest.raises(DomainError) as refused:
        pay(session, "10.00", channel="transfer", reference=" BK001 ", bank="工商银行")
    assert str(refused.value) == f"银行流水号 BK001（工商银行）已登记，收据 {first.receipt_no}"
    cheque = pay(session, "1.00", channel="cheque", reference="778899", bank="农业银行")
    # The same cheque number at another bank is another cheque.
    pay(session, "1.00", channel="cheque", reference="778899", bank="中国银行")
    with pytest.raises(DomainError) as refused:
        pay(session, "1.00", channel="cheque", reference="778899", bank="农业银行")
    assert str(refused.value) == f"支票号 778899（农业银行）已登记，收据 {cheque.receipt_no}"
    # Cash carries no reference: any number of cash payments.
    pay(session, "1.00")
    pay(session, "1.00")
    # The unique index holds even for a writer that skips the service's check.
    with pytest.raises(IntegrityError, match="uq_payment_reference"), session.begin_nested():
        session.execute(
            text(
                "insert into payment (account_id, amount, channel, reference, bank, branch_id)"
                " select account_id, 1, channel, reference, bank, branch_id from payment"
                " where reference = 'BK001'"
            )
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"account_no": "X999"}, "户号 X999 不存在"),
        ({"amount": "0"}, "收款金额必须大于 0，收到 0"),
        ({"amount": "-5.00"}, "收款金额必须大于 0，收到 -5.00"),
        ({"amount": "1.005"}, "收款金额最多两位小数，收到 1.005"),
        ({"amount": "5000000000"}, "收款金额过大，收到 5000000000"),
        ({"branch_code": "Z"}, "网点 Z 不存在"),
        ({"channel": "bitcoin"}, "收款方式应为 现金、支票、网银转账 或 在线支付，收到「bitcoin」"),
        ({"channel": "cheque", "bank": "农业银行"}, "支票收款须填写支票号"),
        ({"channel": "cheque", "reference": "123456"}, "支票 123456 须填写出票银行"),
        ({"channel": "transfer", "bank": "工商银行"}, "网银转账须填写银行流水号"),
        ({"channel": "online"}, "在线支付须填写支付流水号"),
        ({"tendered": D("50.00")}, "实收金额 50.00 少于收款金额 65.00"),
        ({"tendered": D("70.001")}, "实收金额最多两位小数，收到 70.001"),
        (
            {"channel": "transfer", "reference": "S1", "tendered": D("70")},
            "只有现金收款登记实收金额，网银转账收到 70",
        ),
    ],
)
def test_every_validation_names_the_value_and_writes_nothing(world, fields, message):
    session, a = world
    request = {"account_no": "A001", "amount": "65.00", "channel": "cash", "branch_code": "D"}
    request.update(fields)
    amount = D(request.pop("amount"))
    with pytest.raises(DomainError) as refused:
        take_payment(session, CLERK, PaymentRequest(amount=amount, **request))
    assert str(refused.value) == message
    assert session.scalar(text("select count(*) from payment")) == 0
    assert session.scalar(text("select count(*) from document_counter")) == 0
    assert statuses(session, a) == {"2026-09": "open", "2026-10": "open"}


def test_void_reverses_everything_and_the_number_is_not_reused(world):
    session, a = world
    first = pay(session, "50.00")
    second = pay(session, "20.00")
    assert balance(session, a) == D("5.00")

    undone = void_receipt(session, CLERK, second.receipt_no, "退票")
    # October gets its 15.00 back (10.00 of 25.00 paid: partial); the 5.00 credit leaves
    assert undone.reopened == (("2026-10", D("15.00")),)
    assert (undone.credit_reversed, undone.balance) == (D("5.00"), D("0.00"))
    assert statuses(session, a) == {"2026-09": "paid", "2026-10": "partial"}
    assert balance(session, a) == D("0.00")
    ledger = session.execute(
        select(AccountLedgerEntry.kind, AccountLedgerEntry.amount, AccountLedgerEntry.balance_after)
        .where(AccountLedgerEntry.payment_id == second.payment_id)
        .order_by(AccountLedgerEntry.id)
    ).all()
    assert ledger == [("payment", D("5.00"), D("5.00")), ("reversal", D("-5.00"), D("0.00"))]

    undone = void_receipt(session, CLERK, first.receipt_no, "收错户号")
    assert undone.reopened == (("2026-09", D("40.00")), ("2026-10", D("10.00")))
    assert statuses(session, a) == {"2026-09": "open", "2026-10": "open"}
    # Nothing was deleted: allocations +40 +10 +15 and their reversals −15 −40 −10.
    amounts = session.scalars(select(Allocation.amount).order_by(Allocation.id)).all()
    assert amounts == [D(x) for x in ("40", "10", "15", "-15", "-40", "-10")]
    assert session.scalar(text("select count(*) from receipt")) == 2

    view = receipt_view(session, first.receipt_no)
    assert (view.voided, view.void_reason) == (True, "收错户号")
    assert pay(session, "1.00").receipt_no == no("D", 3)

    with pytest.raises(DomainError) as refused:
        void_receipt(session, CLERK, first.receipt_no, "再作废一次")
    assert str(refused.value) == f"收据 {first.receipt_no} 已作废"
    with pytest.raises(DomainError) as refused:
        void_receipt(session, CLERK, no("D", 3), "  ")
    assert str(refused.value) == f"作废收据 {no('D', 3)} 须填写原因"
    with pytest.raises(DomainError) as refused:
        void_receipt(session, CLERK, "D2026999999", "退票")
    assert str(refused.value) == "收据 D2026999999 不存在"
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.data["reason"].astext).where(
            AuditEvent.action == "receipt.void"
        )
    ).all()
    assert [reason for _, reason in events] == ["退票", "收错户号"]


def test_a_void_then_a_new_payment_allocates_again(world):
    session, a = world
    first = pay(session, "65.00")
    void_receipt(session, CLERK, first.receipt_no, "金额有误")
    again = pay(session, "45.00")
    assert again.allocations == (("2026-09", D("40.00")), ("2026-10", D("5.00")))
    assert statuses(session, a) == {"2026-09": "paid", "2026-10": "partial"}


def test_reprints_are_counted_and_the_receipt_keeps_what_it_showed(world):
    session, a = world
    result = pay(session, "65.00")
    assert reprint_receipt(session, CLERK, result.receipt_no) == 1
    assert reprint_receipt(session, CLERK, result.receipt_no) == 2
    session.get(Account, a).holder_name = "李四"
    session.flush()
    view = receipt_view(session, result.receipt_no)
    assert (view.reprint_count, view.holder_name) == (2, "张三")
    with pytest.raises(DomainError, match="收据 NOPE 不存在"):
        reprint_receipt(session, CLERK, "NOPE")


def test_bills_from_a_billing_run_are_paid_with_their_kinds(session):
    f.branches(session)
    a = f.account(session)
    f.meter(session, "E1", a)
    f.meter(session, "W1", a, kind="water")
    f.tariff(session, components={"电费": [("0", "0.5")]})
    f.tariff(session, kind="water", components={"水费": [("0", "2.5")]})
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    f.read(session, "W1", "2026-09-28", "10")
    f.read(session, "W1", "2026-10-28", "14")
    run_billing(session, f.ACTOR, Period.parse("2026-10"))
    # 50 × 0.5 + 4 × 2.5 = 25.00 + 10.00 = 35.00
    result = pay(session, "35.00")
    assert result.allocations == (("2026-10", D("35.00")),)
    view = receipt_view(session, result.receipt_no)
    assert [(x.description, x.amount) for x in view.lines] == [("电费、水费", D("35.00"))]
    assert statuses(session, a) == {"2026-10": "paid"}


def _refused(session: Session, sql: str, message: str) -> None:
    with pytest.raises(DBAPIError, match=message), session.begin_nested():
        session.execute(text(sql))


def test_money_rows_are_append_only_in_the_database(world):
    session, _ = world
    result = pay(session, "70.00")  # 5.00 of it is credit: a ledger row
    void_receipt(session, CLERK, result.receipt_no, "退票")
    reprint_receipt(session, CLERK, result.receipt_no)
    _refused(session, "update payment set amount = 1", "payment is append-only")
    _refused(session, "delete from payment", "payment is append-only")
    _refused(session, "update allocation set amount = 1", "allocation is append-only")
    _refused(session, "update receipt set total = 1", "receipt is append-only")
    _refused(session, "delete from receipt_void", "receipt_void is append-only")
    _refused(session, "delete from receipt_reprint", "receipt_reprint is append-only")
    _refused(session, "update account_ledger set amount = 0", "account_ledger is append-only")
    _refused(session, "update document_counter set year = 1999", "only last_value may change")
    _refused(session, "delete from document_counter", "document_counter is append-only")
    _refused(
        session,
        "insert into account_ledger (account_id, kind, amount, balance_after, payment_id, note)"
        " select id, 'payment', 1, 1, 999999, '' from account limit 1",
        "account_ledger.payment_id = 999999 has no matching payment row",
    )


def test_the_receipt_pdf_shows_the_payment_and_its_marks(world):
    session, _ = world
    result = pay(session, "70.00", channel="cheque", reference="778899", bank="农业银行")
    reprint_receipt(session, CLERK, result.receipt_no)
    void_receipt(session, CLERK, result.receipt_no, "退票")
    filename, mimetype, content = receipt_pdf(session, result.receipt_no)
    assert mimetype == "application/pdf" and result.receipt_no in filename
    page = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    for shown in (result.receipt_no, "A001", "张三", "2026-09", "40.00", "5.00", "70.00"):
        assert shown in page, shown
    assert "778899" in page and "作废" in page and "重打" in page
