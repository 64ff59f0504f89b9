"""Refunds (退款) of an account's credit on real PostgreSQL: cash from the clerk's till (its
expected cash falls, the day report lists the refund and balances), transfers with a bank
serial, the refusals, the numbered 退款单 PDF and the `refund` command. Figures are
hand-computed."""

from __future__ import annotations

import io
import json
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from reports.settlement import RefundRow
from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Account, AccountLedgerEntry, AuditEvent, Refund
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.collection.refunds import refund_balance, refund_pdf
from server.services.collection.settlement_report import (
    settlement_pdf,
    settlement_report,
    settlement_xlsx,
)
from server.services.collection.till import close_till, open_till, settlement
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, transaction_time
from server.services.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    PermissionDenied,
)
from tests import factories as f


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def year(session: Session) -> int:
    """The year refund numbers carry: the transaction's own (business) year."""
    return transaction_time(session).astimezone(BUSINESS_TZ).year


@pytest.fixture
def counter(session):
    """Branch D; A001 (postpaid, no bills) paid 1500.00 in cash at wang's till (float 200.00),
    so its balance holds 1500.00 of credit; zhao and qian are managers."""
    f.branches(session)
    f.account(session)
    wang, zhao, qian = f.staff(session, "wang"), f.staff(session, "zhao", "manager"),\
        f.staff(session, "qian", "manager")  # fmt: skip
    till_id = open_till(session, wang, D("200.00")).till_id
    take_payment(session, wang, PaymentRequest("A001", D("1500.00"), "cash", "D"))
    return session, wang, zhao, qian, till_id


def refund(session: Session, by: Actor, clerk: Actor, amount: str, channel: str = "cash", **kw):
    return refund_balance(session, by, "A001", D(amount), channel, clerk=clerk, **kw)


def test_a_cash_refund_leaves_the_till_and_the_day_report_balances(counter, tmp_path):
    session, wang, zhao, _, till_id = counter
    result = refund(session, zhao, wang, "1350.00", reason="多缴退回")
    number = f"TKD{year(session)}000001"
    assert result.as_json() == {
        "refund_no": number, "account_no": "A001", "amount": "1350.00", "channel": "cash",
        "balance_after": "150.00", "till_id": till_id,
    }  # fmt: skip
    ledger = session.execute(
        select(AccountLedgerEntry.kind, AccountLedgerEntry.amount, AccountLedgerEntry.balance_after,
               AccountLedgerEntry.note)
        .where(AccountLedgerEntry.kind == "refund")
    ).all()  # fmt: skip
    assert ledger == [("refund", D("-1350.00"), D("150.00"), f"退款单 {number}")]
    row = session.scalar(select(Refund))
    assert row is not None
    assert (row.holder_name, row.address, row.branch_name, row.clerk, row.actor, row.reason) == (
        "张三", "东校区 1号楼 2单元 301", "东区收费点", "wang WANG", "zhao ZHAO", "多缴退回"
    )  # fmt: skip
    assert session.scalar(select(AuditEvent.data).where(AuditEvent.action == "refund.issue")) == {
        "refund_no": number, "account_no": "A001", "amount": "1350.00", "channel": "cash",
        "reference": "", "clerk": "wang WANG", "approved_by": None, "reason": "多缴退回",
    }  # fmt: skip

    # 200.00 float + 1500.00 cash − 1350.00 refunded = 350.00 in the drawer
    view = settlement(session, till_id)
    assert (view.cash_refunded, view.expected_cash) == (D("1350.00"), D("350.00"))
    closed = close_till(session, wang, D("350.00"))
    assert (closed.expected_cash, closed.over_short) == (D("350.00"), D("0.00"))

    report = settlement_report(session, till_id)
    assert report.refunds == (
        RefundRow(number, report.refunds[0].issued_at, "A001", "张三", "现金", D("1350.00"), True),
    )
    # net cash = 1500.00 taken − 1350.00 refunded
    assert (report.cash_refunded, report.net_cash, report.total_amount) == (
        D("1350.00"), D("150.00"), D("1500.00")
    )  # fmt: skip
    text = pdftotext(settlement_pdf(session, till_id), tmp_path)
    assert "四、退款明细" in text and number in text
    assert "减：现金退款" in text and "1,350.00" in text
    assert "备用金 + 现金实收 − 找零 − 作废现金 − 现金退款 − 交款 = 应有现金" in text
    assert "= 150.00 元" in text and "无长短款" in text

    buffer = io.BytesIO()
    settlement_xlsx(session, till_id, buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["日结汇总", "收据明细", "退款明细"]
    rows = [tuple(c for c in r) for r in book["退款明细"].iter_rows(values_only=True)]
    assert rows[0] == ("退款单号", "退款时间", "户号", "户名", "退款方式", "金额（元）")
    assert rows[1][0::2] == (number, "A001", "现金") and rows[1][3] == "张三"
    assert D(str(rows[1][5])) == D("1350.00")
    assert rows[3][0] == "现金净收" and D(str(rows[3][5])) == D("150.00")
    summary = {r[0]: r[1] for r in book["日结汇总"].iter_rows(values_only=True) if r}
    assert D(str(summary["减：现金退款"])) == D("1350.00")
    assert D(str(summary["应有现金"])) == D("350.00")


def test_the_refund_form_pdf(counter, tmp_path):
    session, wang, zhao, qian, _ = counter
    result = refund(session, zhao, wang, "1350.00", reason="多缴退回", approval_limit=D("500"),
                    approver=qian)  # fmt: skip
    name, mime, pdf = refund_pdf(session, result.refund_no)
    assert (name, mime) == (f"退款单-{result.refund_no}.pdf", "application/pdf")
    text = pdftotext(pdf, tmp_path)
    assert "退款单\n" in text and result.refund_no in text
    assert "1,350.00" in text and "人民币壹仟叁佰伍拾元整" in text
    assert "张三" in text and "东校区 1号楼 2单元 301" in text and "东区收费点" in text
    for label in ("经办人：", "复核：", "领款人签字：", "日期："):
        assert label in text
    assert "wang WANG" in text and "zhao ZHAO" in text and "审批：qian QIAN" in text
    assert "退款方式：现金" in text and "退款原因：多缴退回" in text


def test_a_transfer_refund_with_its_bank_serial(counter):
    session, wang, zhao, _, till_id = counter
    first = refund(session, zhao, wang, "200.00", "transfer", reference="BK20261207001",
                   bank="工商银行")  # fmt: skip
    # A transfer leaves the drawer alone but is listed on the clerk's day.
    assert (first.channel, first.till_id, first.balance_after) == (
        "transfer",
        till_id,
        D("1300.00"),
    )
    view = settlement(session, till_id)
    assert (view.cash_refunded, view.expected_cash) == (D("0.00"), D("1700.00"))
    assert [(r.refund_no, r.channel, r.amount) for r in view.refunds] == [
        (first.refund_no, "transfer", D("200.00"))
    ]
    with pytest.raises(Conflict) as refused:
        refund(session, zhao, wang, "100.00", "转账", reference="BK20261207001")
    assert str(refused.value) == (
        f"转账流水号 BK20261207001 已用于退款单 {first.refund_no}，不能重复退款"
    )
    # After the close, a transfer needs no till; its branch is the clerk's.
    close_till(session, wang, D("1700.00"))
    later = refund(session, zhao, wang, "100.00", "transfer", reference="BK20261207002")
    assert (later.till_id, later.balance_after) == (None, D("1200.00"))
    assert later.refund_no == f"TKD{year(session)}000002"


def test_refusals(counter):
    session, wang, zhao, qian, _ = counter
    with pytest.raises(InvalidInput) as refused:
        refund(session, zhao, wang, "1500.01")
    assert str(refused.value) == "退款金额 1500.01 元超过可退余额 1500.00 元（户号 A001）"
    with pytest.raises(PermissionDenied) as refused:
        refund(session, wang, wang, "10.00")
    assert str(refused.value) == "退款须由管理人员办理"
    with pytest.raises(PermissionDenied) as refused:
        refund(session, zhao, wang, "600.00", approval_limit=D("500"))
    assert str(refused.value) == "金额 600.00 元超过 500 元，须另一名管理人员审批"
    with pytest.raises(InvalidInput) as refused:
        refund(session, zhao, wang, "10.00", "cash", reference="X1")
    assert str(refused.value) == "现金退款不登记银行或流水号；转账退款请选择 transfer"
    with pytest.raises(InvalidInput) as refused:
        refund(session, zhao, wang, "10.00", "cheque")
    assert str(refused.value) == "退款方式应为 cash（现金）或 transfer（转账），收到「cheque」"
    # A clerk with no till open today pays out no cash.
    with pytest.raises(DomainError) as refused:
        refund(session, zhao, qian, "10.00")
    assert str(refused.value) == "请先开班（日结开始）再退款"
    # Nothing was refunded by the refusals.
    assert session.scalar(select(Account.balance).where(Account.account_no == "A001")) == D(
        "1500.00"
    )
    # An account owing money (a negative balance) has nothing to refund.
    f.account(session, "A002", billing_mode="prepaid", balance="-5.00")
    with pytest.raises(InvalidInput) as refused:
        refund_balance(session, zhao, "A002", D("1.00"), "transfer", clerk=wang)
    assert str(refused.value) == "退款金额 1.00 元超过可退余额 0.00 元（户号 A002）"


def test_refund_command(md_env, tmp_path):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        f.account(session)
        wang = f.staff(session, "wang")
        f.staff(session, "zhao", "manager")
        f.staff(session, "qian", "manager")
        open_till(session, wang, D("0.00"))
        take_payment(session, wang, PaymentRequest("A001", D("800.00"), "cash", "D"))
        number = f"TKD{year(session)}000001"
    engine.dispose()
    runner = CliRunner()
    base = ["--channel", "cash", "--clerk", "wang", "--by", "zhao"]
    # A named approver must be another manager (the limit itself is the desktop's step).
    refused = runner.invoke(cli, ["refund", "A001", "--amount", "600", *base, "--approved-by",
                                  "wang"])  # fmt: skip
    assert refused.exit_code == 2
    assert "审批须由另一名管理人员办理" in refused.output
    pdf = tmp_path / "tk.pdf"
    done = runner.invoke(cli, ["refund", "A001", "--amount", "600", *base, "--approved-by",
                               "qian", "--json", "--pdf", str(pdf)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.output.startswith("{") and f'"refund_no": "{number}"' in done.output
    assert '"balance_after": "200.00"' in done.output
    assert number in pdftotext(pdf.read_bytes(), tmp_path)
    again = tmp_path / "again.pdf"
    printed = runner.invoke(cli, ["refund", "pdf", number, "-o", str(again)])
    assert printed.exit_code == 0, printed.output
    assert again.read_bytes() == pdf.read_bytes()
    over = runner.invoke(cli, ["refund", "A001", "--amount", "200.01", *base])
    assert (over.exit_code, over.output) == (
        2, "错误：退款金额 200.01 元超过可退余额 200.00 元（户号 A001）\n"
    )  # fmt: skip
    # The day: 0.00 float + 800.00 taken − 600.00 refunded = 200.00, counted 200.00.
    closed = runner.invoke(
        cli, ["till", "close", "--clerk", "wang", "--cash-counted", "200", "--json"]
    )
    assert closed.exit_code == 0, closed.output
    day = json.loads(closed.output)
    assert (day["cash_refunded"], day["expected"], day["over_short"]) == ("600.00", "200.00",
                                                                          "0.00")  # fmt: skip
    assert day["refunds"] == [
        {"refund_no": number, "account_no": "A001", "channel": "cash", "amount": "600.00"}
    ]
