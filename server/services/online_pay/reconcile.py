"""对账: a provider's daily statement against our online payments.

The providers' file formats are read by server.services.online_pay.statement_files.

Every line is stored (payment_statement_line) with the file's hash, so a file is imported
once and a reconciliation can be shown again later. Matching is by the provider's trade
number (our payment's reference): a line with no payment of ours is missing on our side
unless it is kept on the exceptions list (then it is explained, with the decision);
a payment of ours on the statement's days with no line is missing on the provider's side;
the same trade with two amounts is a mismatch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.reconciliation import ReconRow, render_reconciliation_xlsx
from server.db.models import (
    Account,
    Payment,
    PaymentException,
    PaymentOrder,
    PaymentStatement,
    PaymentStatementLine,
)
from server.db.models.online_pay import EXC_STATUS_LABELS, PROVIDERS
from server.db.models.payments import ONLINE
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, business_datetime
from server.services.core.errors import Conflict, InvalidInput, NotFound
from server.services.core.money import ZERO
from server.services.online_pay.orders import exception_label, provider_label
from server.services.online_pay.statement_files import PARSERS, PAYMENT, REFUND, StatementError

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ReconLine:
    """One row of the reconciliation report."""

    trade_no: str
    order_no: str
    account_no: str
    trade_time: datetime | None
    statement_amount: Decimal | None
    our_amount: Decimal | None
    # 'matched', 'missing_ours', 'missing_statement', 'mismatch', 'explained', 'refund'
    status: str
    note: str


STATUS_LABELS = {
    "matched": "一致",
    "missing_ours": "我方无记录",
    "missing_statement": "对账单无记录",
    "mismatch": "金额不符",
    "explained": "已在异常列表",
    "refund": "退款",
}


@dataclass(frozen=True)
class Reconciliation:
    statement_id: int
    provider: str
    provider_label: str
    file_name: str
    first_day: date
    last_day: date
    lines: tuple[ReconLine, ...]
    statement_total: Decimal
    our_total: Decimal

    def of(self, status: str) -> tuple[ReconLine, ...]:
        return tuple(line for line in self.lines if line.status == status)

    @property
    def unexplained(self) -> int:
        """Lines a person still has to look into."""
        return sum(
            1
            for line in self.lines
            if line.status in ("missing_ours", "missing_statement", "mismatch")
        )


def import_statement(
    session: Session, actor: Actor, provider: str, file_name: str, data: bytes
) -> int:
    """Store a statement file's lines; returns the statement id. The same file twice is
    refused (its hash), so a day is not counted double."""
    permissions.require(session, actor, "billing")
    if provider not in PROVIDERS:
        raise InvalidInput(f"支付渠道应为 {' 或 '.join(PROVIDERS)}，收到「{provider}」")
    if len(data) > MAX_FILE_BYTES:
        raise StatementError("对账文件过大（上限 50 MB）")
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(
        select(PaymentStatement.id).where(
            PaymentStatement.provider == provider, PaymentStatement.sha256 == digest
        )
    )
    if earlier is not None:
        raise Conflict(f"该对账文件已导入（对账单 {earlier}）")
    lines = [line for line in PARSERS[provider](data) if line.kind in (PAYMENT, REFUND)]
    if not lines:
        raise StatementError(f"{file_name} 中没有交易记录")
    days = [line.trade_time.date() for line in lines]
    statement = PaymentStatement(
        provider=provider,
        file_name=file_name[:200],
        sha256=digest,
        first_day=min(days),
        last_day=max(days),
        line_count=len(lines),
        actor=actor.label,
    )
    session.add(statement)
    session.flush()
    session.add_all(
        PaymentStatementLine(
            statement_id=statement.id,
            line_no=line.line_no,
            trade_time=line.trade_time,
            trade_no=line.trade_no,
            order_no=line.order_no[:40],
            amount=line.amount,
            state=line.state if line.kind == PAYMENT else f"{line.kind}:{line.state}",
            raw=line.raw,
        )
        for line in lines
    )
    audit.record(
        session,
        actor,
        "payment_statement.import",
        "payment_statement",
        statement.id,
        {"provider": provider, "file": file_name, "lines": len(lines), "sha256": digest},
    )
    session.flush()
    return statement.id


def reconcile(session: Session, statement_id: int) -> Reconciliation:
    """The statement's lines matched against our payments of its days."""
    statement = session.get(PaymentStatement, statement_id)
    if statement is None:
        raise NotFound(f"对账单 {statement_id} 不存在")
    label = provider_label(statement.provider)
    lines = session.scalars(
        select(PaymentStatementLine)
        .where(PaymentStatementLine.statement_id == statement_id)
        .order_by(PaymentStatementLine.line_no)
    ).all()
    # When the provider took the money, where we know it (the order's paid_at), else when
    # we booked it: a payment at 23:59:59 belongs to that day's statement.
    paid_at = func.coalesce(PaymentOrder.paid_at, Payment.created_at)
    start = business_datetime(statement.first_day)
    end = business_datetime(statement.last_day + timedelta(days=1))
    trade_nos = [line.trade_no for line in lines]
    ours = {
        reference: (amount, account_no, order_no, moment)
        for reference, amount, account_no, order_no, moment in session.execute(
            select(
                Payment.reference,
                Payment.amount,
                Account.account_no,
                PaymentOrder.order_no,
                paid_at,
            )
            .join(Account, Account.id == Payment.account_id)
            .outerjoin(PaymentOrder, PaymentOrder.payment_id == Payment.id)
            .where(
                Payment.channel == ONLINE,
                Payment.bank == label,
                (Payment.reference.in_(trade_nos)) | ((paid_at >= start) & (paid_at < end)),
            )
        )
    }
    kept = {
        e.trade_no: e
        for e in session.scalars(
            select(PaymentException).where(
                PaymentException.provider == statement.provider,
                PaymentException.trade_no.in_(trade_nos),
            )
        )
    }
    report: list[ReconLine] = []
    seen: set[str] = set()
    statement_total = ZERO
    for line in lines:
        amount, account_no, our_amount = line.amount, "", None
        if line.state.startswith(f"{REFUND}:"):
            amount = -line.amount
            status, note = "refund", "退款（原交易另行核对）"
        else:
            seen.add(line.trade_no)
            mine = ours.get(line.trade_no)
            exception = kept.get(line.trade_no)
            if mine is not None:
                our_amount, account_no, _, _ = mine
                status, note = (
                    ("matched", "")
                    if our_amount == line.amount
                    else ("mismatch", f"对账单 {line.amount} 元，我方 {our_amount} 元")
                )
            elif exception is not None:
                status = "explained"
                note = f"{exception_label(exception.kind)}，{EXC_STATUS_LABELS[exception.status]}"
                if exception.refund_reference:
                    note += f"（退款单号 {exception.refund_reference}）"
            else:
                status, note = "missing_ours", "对账单有此交易，系统中没有对应收款"
        statement_total += amount
        report.append(
            ReconLine(
                line.trade_no,
                line.order_no,
                account_no,
                line.trade_time,
                amount,
                our_amount,
                status,
                note,
            )
        )
    our_total = ZERO
    for reference, (amount, account_no, order_no, moment) in sorted(
        ours.items(), key=lambda item: item[1][3]
    ):
        if start <= moment < end:
            our_total += amount
        if reference in seen or not (start <= moment < end):
            continue
        report.append(
            ReconLine(
                reference,
                order_no or "",
                account_no,
                moment,
                None,
                amount,
                "missing_statement",
                "系统已入账，对账单中没有此交易",
            )
        )
    return Reconciliation(
        statement_id=statement.id,
        provider=statement.provider,
        provider_label=label,
        file_name=statement.file_name,
        first_day=statement.first_day,
        last_day=statement.last_day,
        lines=tuple(report),
        statement_total=statement_total,
        our_total=our_total,
    )


@dataclass(frozen=True)
class StatementRow:
    statement_id: int
    provider_label: str
    file_name: str
    first_day: date
    last_day: date
    line_count: int
    imported_at: datetime
    actor: str


def statements(session: Session, limit: int = 50) -> tuple[StatementRow, ...]:
    """Imported statements, newest first (the reconciliation page's list)."""
    rows = session.scalars(
        select(PaymentStatement)
        .order_by(PaymentStatement.imported_at.desc(), PaymentStatement.id.desc())
        .limit(limit)
    ).all()
    return tuple(
        StatementRow(
            statement_id=s.id,
            provider_label=provider_label(s.provider),
            file_name=s.file_name,
            first_day=s.first_day,
            last_day=s.last_day,
            line_count=s.line_count,
            imported_at=s.imported_at,
            actor=s.actor,
        )
        for s in rows
    )


_ATTENTION_FIRST = (
    "mismatch",
    "missing_ours",
    "missing_statement",
    "explained",
    "refund",
    "matched",
)


def reconciliation_xlsx(result: Reconciliation, generated_at: datetime) -> tuple[str, str, bytes]:
    """The reconciliation as an Excel file `(filename, mimetype, bytes)`."""
    days = f"{result.first_day}" + (
        f" 至 {result.last_day}" if result.last_day != result.first_day else ""
    )
    summary: list[tuple[str, str | Decimal | int]] = [
        ("对账文件", result.file_name),
        ("对账单合计（元）", result.statement_total),
        ("系统合计（元）", result.our_total),
    ]
    summary += [(STATUS_LABELS[s], len(result.of(s))) for s in _ATTENTION_FIRST]
    summary.append(("待查明", result.unexplained))
    rows = [
        ReconRow(
            status=STATUS_LABELS[line.status],
            trade_no=line.trade_no,
            order_no=line.order_no,
            account_no=line.account_no,
            trade_time=line.trade_time.astimezone(BUSINESS_TZ) if line.trade_time else None,
            statement_amount=line.statement_amount,
            our_amount=line.our_amount,
            note=line.note,
        )
        for status in _ATTENTION_FIRST
        for line in result.of(status)
    ]
    return render_reconciliation_xlsx(
        f"{result.provider_label}对账 {days}", summary, rows, generated_at
    )
