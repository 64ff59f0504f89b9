"""What the desktop pages call for online payment; every result is a frozen dataclass.

- 在线支付异常 (exceptions): `exceptions`, then `resolve_exception` with credit (入账为预存
  / to the account's bills) or refund (退款, done in the provider's merchant console; the
  refund number is recorded here). Needs the 账务管理 (billing) module.
- 换开收据 at the counter: `online_payments` finds payments by account, order number or
  trade number with whether their receipt has been issued;
  online_receipts.issue_online_receipt issues it (once), receipts.reprint_receipt prints it
  again.
- 在线订单: `orders` lists orders by status and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from server.db.models import Account, Payment, PaymentException, PaymentOrder, Receipt
from server.db.models.online_pay import (
    EXC_CREDITED,
    EXC_OPEN,
    EXC_REFUNDED,
    EXC_STATUS_LABELS,
    ORDER_STATUS_LABELS,
)
from server.db.models.payments import ONLINE
from server.services.collection.payments import PaymentRequest, take_payment
from server.services.core import audit, permissions
from server.services.core.audit import Actor
from server.services.core.calendar import business_datetime
from server.services.core.errors import DomainError, InvalidInput, NotFound
from server.services.online_pay.orders import (
    OrderView,
    exception_label,
    orders_query,
    provider_label,
    view_of,
)

CREDIT = "credit"
REFUND = "refund"


@dataclass(frozen=True)
class ExceptionRow:
    exception_id: int
    provider_label: str
    kind: str
    kind_label: str
    order_no: str
    trade_no: str
    account_no: str
    amount: Decimal
    paid_at: datetime | None
    detail: str
    created_at: datetime
    status: str
    status_label: str
    resolution: str
    refund_reference: str
    resolved_by: str
    resolved_at: datetime | None
    payment_id: int | None


@dataclass(frozen=True)
class OnlinePaymentRow:
    payment_id: int
    account_no: str
    holder_name: str
    amount: Decimal
    provider_label: str
    trade_no: str
    order_no: str
    paid_at: datetime
    receipt_no: str
    receipt_branch: str

    @property
    def receipt_issued(self) -> bool:
        return bool(self.receipt_no)


def _exception_rows(session: Session, *conditions: ColumnElement[bool]) -> tuple[ExceptionRow, ...]:
    rows = session.execute(
        select(PaymentException, Account.account_no)
        .outerjoin(Account, Account.id == PaymentException.account_id)
        .where(*conditions)
        .order_by(PaymentException.created_at, PaymentException.id)
    ).all()
    return tuple(
        ExceptionRow(
            exception_id=e.id,
            provider_label=provider_label(e.provider),
            kind=e.kind,
            kind_label=exception_label(e.kind),
            order_no=e.order_no,
            trade_no=e.trade_no,
            account_no=account_no or "",
            amount=e.amount,
            paid_at=e.paid_at,
            detail=e.detail,
            created_at=e.created_at,
            status=e.status,
            status_label=EXC_STATUS_LABELS[e.status],
            resolution=e.resolution,
            refund_reference=e.refund_reference,
            resolved_by=e.resolved_actor,
            resolved_at=e.resolved_at,
            payment_id=e.payment_id,
        )
        for e, account_no in rows
    )


def exceptions(session: Session, open_only: bool = True) -> tuple[ExceptionRow, ...]:
    """Callbacks kept for a staff decision, oldest first (only the open ones by default)."""
    conditions = [PaymentException.status == EXC_OPEN] if open_only else []
    return _exception_rows(session, *conditions)


def resolve_exception(
    session: Session,
    actor: Actor,
    exception_id: int,
    decision: str,
    note: str,
    *,
    account_no: str = "",
    refund_reference: str = "",
) -> ExceptionRow:
    """Decide what happens to money kept aside: `credit` applies it to the account (its open
    bills first, the rest to the balance, like any payment; no receipt until asked for),
    `refund` records that it was refunded through the provider. Decided once."""
    permissions.require(session, actor, "billing")
    note = note.strip()
    if not note:
        raise InvalidInput("处理在线支付异常须填写说明")
    if len(note) > 200:
        raise DomainError(f"说明过长（{len(note)} 字，最多 200 字）")
    found = session.scalar(
        select(PaymentException)
        .where(PaymentException.id == exception_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound(f"在线支付异常 {exception_id} 不存在")
    if found.status != EXC_OPEN:
        raise DomainError(
            f"在线支付异常 {exception_id} 已处理（{EXC_STATUS_LABELS[found.status]}）"
        )
    values: dict[str, object] = {
        "resolution": note,
        "resolved_by_id": actor.staff_id,
        "resolved_actor": actor.label,
        "resolved_at": func.now(),
    }
    if decision == CREDIT:
        target = account_no.strip()
        if not target:
            target = (
                session.scalar(select(Account.account_no).where(Account.id == found.account_id))
                or ""
            )
        if not target:
            raise DomainError("找不到对应订单的交易须指定入账户号")
        result = take_payment(
            session,
            actor,
            PaymentRequest(
                account_no=target,
                amount=found.amount,
                channel=ONLINE,
                branch_code="",
                reference=found.trade_no,
                bank=provider_label(found.provider),
            ),
            issue_receipt=False,
        )
        values |= {"status": EXC_CREDITED, "payment_id": result.payment_id}
    elif decision == REFUND:
        reference = refund_reference.strip()
        if not reference:
            raise InvalidInput("退款须填写退款单号（商户平台的退款单号）")
        values |= {"status": EXC_REFUNDED, "refund_reference": reference[:64]}
    else:
        raise InvalidInput(f"处理方式应为 入账 或 退款，收到「{decision}」")
    session.execute(
        update(PaymentException).where(PaymentException.id == exception_id).values(**values)
    )
    audit.record(
        session,
        actor,
        "payment_exception.resolve",
        "payment_exception",
        exception_id,
        {
            "decision": decision,
            "note": note,
            "trade_no": found.trade_no,
            "amount": str(found.amount),
            "payment_id": values.get("payment_id"),
            "refund_reference": values.get("refund_reference", ""),
        },
    )
    session.flush()
    return _exception_rows(session, PaymentException.id == exception_id)[0]


def online_payments(
    session: Session, text: str = "", *, awaiting_receipt: bool = False, limit: int = 50
) -> tuple[OnlinePaymentRow, ...]:
    """Online payments found by account number, our order number or the trade number
    (all of them, newest first, when `text` is empty)."""
    order_no = select(PaymentOrder.order_no).where(PaymentOrder.payment_id == Payment.id)
    query = (
        select(
            Payment,
            Account.account_no,
            Account.holder_name,
            order_no.scalar_subquery(),
            Receipt.receipt_no,
            Receipt.branch_name,
        )
        .join(Account, Account.id == Payment.account_id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.channel == ONLINE)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(limit)
    )
    key = text.strip()
    if key:
        by_order = select(PaymentOrder.payment_id).where(PaymentOrder.order_no == key)
        query = query.where(
            or_(Account.account_no == key, Payment.reference == key, Payment.id.in_(by_order))
        )
    if awaiting_receipt:
        query = query.where(Receipt.id.is_(None))
    return tuple(
        OnlinePaymentRow(
            payment_id=p.id,
            account_no=account_no,
            holder_name=holder,
            amount=p.amount,
            provider_label=p.bank,
            trade_no=p.reference,
            order_no=order or "",
            paid_at=p.created_at,
            receipt_no=receipt_no or "",
            receipt_branch=branch or "",
        )
        for p, account_no, holder, order, receipt_no, branch in session.execute(query)
    )


def orders(
    session: Session, start: date, end: date, status: str = "", account_no: str = ""
) -> tuple[OrderView, ...]:
    """Orders made from `start` to `end` (business dates), optionally of one status or
    account, newest first."""
    if status and status not in ORDER_STATUS_LABELS:
        raise InvalidInput(f"订单状态应为 {'、'.join(ORDER_STATUS_LABELS)}，收到「{status}」")
    query = orders_query().where(
        PaymentOrder.created_at >= business_datetime(start),
        PaymentOrder.created_at < business_datetime(end + timedelta(days=1)),
    )
    if status:
        query = query.where(PaymentOrder.status == status)
    if account_no.strip():
        query = query.where(Account.account_no == account_no.strip())
    rows = session.execute(query.order_by(PaymentOrder.created_at.desc())).all()
    return tuple(view_of(*row) for row in rows)
