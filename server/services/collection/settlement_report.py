"""The daily settlement report (日结报表) of a till: its figures gathered for `reports.settlement`.

The figures are those of `till.settlement` (one rule for expected cash and over/short); this
module adds what the printed report shows around them: the branch, the hand-overs one by one,
every receipt of the till in number order and the refunds paid out at it. A void made after
the close (a manager's 退票) does not change a settled day, so the receipt list marks voids up
to the close only, and agrees with the totals the clerk signed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from reports.settlement import (
    ChannelLine,
    HandoverLine,
    ReceiptRow,
    RefundRow,
    SettlementReport,
    render_settlement_pdf,
)
from reports.settlement_xlsx import write_settlement_xlsx
from server.db.models import (
    Branch,
    CashHandover,
    Payment,
    Receipt,
    ReceiptVoid,
    Refund,
    Staff,
    TillSession,
)
from server.db.models.payments import CASH, CHANNEL_LABELS
from server.services.collection.refunds import REFUND_CHANNEL_LABELS
from server.services.collection.till import settlement
from server.services.core import calendar
from server.services.core.calendar import BUSINESS_TZ
from server.services.core.errors import DomainError
from server.services.staff.sign_in import staff_label


def find_till(session: Session, login: str, business_date: date | None = None) -> int:
    """The till of staff `login` on `business_date` (default: the clerk's latest day).

    Deactivated staff are found too: their past days must stay printable.
    """
    login = login.strip()
    staff_id = session.scalar(select(Staff.id).where(Staff.login == login))
    if staff_id is None:
        raise DomainError(f"工作人员 {login} 不存在")
    if business_date is None:
        till_id = latest_till(session, staff_id)
        if till_id is None:
            raise DomainError(f"{login} 还没有开过班，没有日结报表")
        return till_id
    till_id = session.scalar(
        select(TillSession.id).where(
            TillSession.staff_id == staff_id, TillSession.business_date == business_date
        )
    )
    if till_id is None:
        raise DomainError(f"{login} 在 {business_date.isoformat()} 没有班次（当日未开班）")
    return till_id


def latest_till(session: Session, staff_id: int) -> int | None:
    """The staff member's most recent till (open or settled), or None if they never opened one."""
    return session.scalar(
        select(TillSession.id)
        .where(TillSession.staff_id == staff_id)
        .order_by(TillSession.business_date.desc())
        .limit(1)
    )


def settlement_report(session: Session, till_id: int) -> SettlementReport:
    """The report of one till, settled or still open (then marked 未日结)."""
    view = settlement(session, till_id)  # refuses an unknown till
    till = session.get(TillSession, till_id)
    assert till is not None
    branch_code, branch_name = session.execute(
        select(Branch.code, Branch.name).where(Branch.id == till.branch_id)
    ).one()
    handovers = tuple(
        HandoverLine(at.astimezone(BUSINESS_TZ), staff_label(login, name), amount, note)
        for at, login, name, amount, note in session.execute(
            select(CashHandover.at, Staff.login, Staff.name, CashHandover.amount, CashHandover.note)
            .join(Staff, Staff.id == CashHandover.to_staff_id)
            .where(CashHandover.till_session_id == till_id)
            .order_by(CashHandover.at, CashHandover.id)
        )
    )
    void_on = ReceiptVoid.receipt_id == Receipt.id
    if till.closed_at is not None:
        void_on = and_(void_on, ReceiptVoid.created_at <= till.closed_at)
    receipts = tuple(
        ReceiptRow(
            receipt_no=receipt.receipt_no,
            issued_at=receipt.issued_at.astimezone(BUSINESS_TZ),
            account_no=receipt.account_no,
            holder_name=receipt.holder_name,
            channel=CHANNEL_LABELS.get(receipt.channel, receipt.channel),
            # A cheque number means nothing without its bank.
            reference=f"{receipt.bank} {receipt.reference}" if receipt.bank else receipt.reference,
            amount=receipt.total,
            voided=reason is not None,
            void_reason=reason or "",
        )
        for receipt, reason in session.execute(
            select(Receipt, ReceiptVoid.reason)
            .join(Payment, Payment.id == Receipt.payment_id)
            .outerjoin(ReceiptVoid, void_on)
            .where(Payment.till_session_id == till_id)
            # Numbers are fixed-width per branch and year, and a till is one branch and day.
            .order_by(Receipt.receipt_no)
        )
    )
    refunds = tuple(
        RefundRow(
            refund.refund_no,
            refund.created_at.astimezone(BUSINESS_TZ),
            refund.account_no,
            refund.holder_name,
            REFUND_CHANNEL_LABELS[refund.channel],
            refund.amount,
            refund.channel == CASH,
        )
        for refund in session.scalars(
            select(Refund).where(Refund.till_session_id == till_id).order_by(Refund.refund_no)
        )
    )
    return SettlementReport(
        branch_code=branch_code,
        branch_name=branch_name,
        clerk=view.clerk,
        business_date=view.business_date,
        opened_at=till.opened_at.astimezone(BUSINESS_TZ),
        closed_at=None if view.closed_at is None else view.closed_at.astimezone(BUSINESS_TZ),
        float_amount=view.float_amount,
        cash_tendered=view.cash_tendered,
        change_given=view.change_given,
        cash_voided=view.cash_voided,
        handed_over=view.handed_over,
        handovers=handovers,
        expected_cash=view.expected_cash,
        cash_counted=view.cash_counted,
        over_short=view.over_short,
        note=view.note,
        channels=tuple(ChannelLine(t.label, t.count, t.amount) for t in view.totals),
        total_count=sum(t.count for t in view.totals),
        total_amount=sum((t.amount for t in view.totals), Decimal("0.00")),
        receipts=receipts,
        generated_at=calendar.now(),
        cash_refunded=view.cash_refunded,
        refunds=refunds,
    )


def settlement_pdf(session: Session, till_id: int) -> bytes:
    """The report as A4 PDF bytes."""
    return render_settlement_pdf(settlement_report(session, till_id))


def settlement_xlsx(session: Session, till_id: int, path: str | Path | IO[bytes]) -> None:
    """The report written as an .xlsx workbook to `path` (a file path or a binary stream)."""
    write_settlement_xlsx(settlement_report(session, till_id), path)
