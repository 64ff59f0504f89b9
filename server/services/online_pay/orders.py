"""Payment orders and applying what a provider says about them, exactly once.

An order is made from what the account owes now (its open items, late fees included) or
for a top-up (预存) of a chosen amount; it records the bills it covers and what each owed,
so a callback can tell whether the money still has somewhere to go.

`settle` is the one way money from a provider reaches the books, for a callback and for
an active query alike. Under the order's row lock (SELECT … FOR UPDATE) it checks the
order's state, then applies the payment through payments.take_payment (channel online,
reference = the provider's trade number, no receipt yet), so a repeated, concurrent or
late word about the same trade finds the order paid and changes nothing. The unique
index on the payment reference is the backstop. Money that cannot be applied as ordered
(order expired, its bills paid meanwhile, a different amount, no such order, a second
trade for one order) is kept as a payment_exception for staff, never dropped.

Lock order: payment_order → (take_payment's) account → receipt counter; nothing takes the
account lock and then an order's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from server.db.models import Account, Bill, PaymentException, PaymentOrder, Receipt
from server.db.models.online_pay import (
    EXC_BILL_PAID,
    EXC_DOUBLE_PAID,
    EXC_EXPIRED,
    EXC_OPEN,
    EXC_UNKNOWN_ORDER,
    EXC_WRONG_AMOUNT,
    EXCEPTION_LABELS,
    ORDER_CLOSED,
    ORDER_CREATED,
    ORDER_EXCEPTION,
    ORDER_PAID,
    ORDER_PROVIDERS,
    ORDER_STATUS_LABELS,
    PROVIDER_LABELS,
)
from server.db.models.payments import ONLINE
from server.services.billing.bills import paid_on_bill
from server.services.collection import till
from server.services.collection.allocation import amount_owed, open_items
from server.services.collection.payments import PaymentRequest, request_key_of, take_payment
from server.services.core import audit
from server.services.core.audit import Actor
from server.services.core.calendar import BUSINESS_TZ, transaction_time
from server.services.core.errors import Conflict, InvalidInput, NotFound
from server.services.core.money import money_of
from server.services.online_pay.providers import OrderRef, TradeState, fen_of

# What `settle` did, as logged with the notification.
APPLIED = "applied"
DUPLICATE = "duplicate"
NOT_PAID = "not_paid"
EXCEPTION = "exception"
WRONG_MERCHANT = "wrong_merchant"
REJECTED = "rejected"
ERROR = "error"


@dataclass(frozen=True)
class OrderView:
    order_no: str
    account_no: str
    holder_name: str
    provider: str
    provider_label: str
    amount: Decimal
    # (period, owed) per bill covered; empty for a top-up
    bills: tuple[tuple[str, Decimal], ...]
    description: str
    status: str
    status_label: str
    created_at: datetime
    expires_at: datetime
    trade_no: str
    paid_at: datetime | None
    payment_id: int | None
    receipt_no: str
    settled_by: str

    @property
    def topup(self) -> bool:
        return not self.bills


@dataclass(frozen=True)
class Settled:
    """What `settle` did with a provider's word (outcome is one of the constants above)."""

    outcome: str
    detail: str
    payment_id: int | None = None
    exception_kind: str = ""


def provider_label(provider: str) -> str:
    return PROVIDER_LABELS.get(provider, provider)


def system_actor(provider: str) -> Actor:
    """Who applies a provider's payment in the audit trail (no staff, so no till)."""
    return Actor.system(f"在线支付 {provider_label(provider)}")


def _new_order_no(moment: datetime) -> str:
    # Both providers take 8–32 letters and digits; the date helps a person on the phone,
    # the random part makes the number unguessable and (with the unique index) unique.
    return f"MD{moment.astimezone(BUSINESS_TZ):%Y%m%d}{secrets.token_hex(6).upper()}"


def order_view(session: Session, order_no: str) -> OrderView:
    row = session.execute(orders_query().where(PaymentOrder.order_no == order_no.strip())).first()
    if row is None:
        raise NotFound(f"订单 {order_no} 不存在")
    return view_of(*row)


def orders_query() -> Any:
    return (
        select(PaymentOrder, Account.account_no, Account.holder_name, Receipt.receipt_no)
        .join(Account, Account.id == PaymentOrder.account_id)
        .outerjoin(Receipt, Receipt.payment_id == PaymentOrder.payment_id)
    )


def view_of(order: PaymentOrder, account_no: str, holder: str, receipt_no: str | None) -> OrderView:
    return OrderView(
        order_no=order.order_no,
        account_no=account_no,
        holder_name=holder,
        provider=order.provider,
        provider_label=provider_label(order.provider),
        amount=order.amount,
        bills=tuple((b["period"], Decimal(b["owed"])) for b in order.bills),
        description=order.description,
        status=order.status,
        status_label=ORDER_STATUS_LABELS[order.status],
        created_at=order.created_at,
        expires_at=order.expires_at,
        trade_no=order.trade_no,
        paid_at=order.paid_at,
        payment_id=order.payment_id,
        receipt_no=receipt_no or "",
        settled_by=order.settled_by,
    )


def orders_of_account(session: Session, account_id: int, limit: int = 20) -> tuple[OrderView, ...]:
    """The account's latest orders, newest first (the resident's page and the counter)."""
    rows = session.execute(
        orders_query()
        .where(PaymentOrder.account_id == account_id)
        .order_by(PaymentOrder.created_at.desc(), PaymentOrder.id.desc())
        .limit(limit)
    ).all()
    return tuple(view_of(*row) for row in rows)


def topup_amount(text: str, low: Decimal, high: Decimal) -> Decimal:
    """The resident's top-up (预存) as typed, within the [pay] limits."""
    amount = money_of(text, "预存金额")
    if not low <= amount <= high:
        raise InvalidInput(f"预存金额应在 {low:.2f} 至 {high:.2f} 元之间，收到 {amount} 元")
    return amount


def create_order(
    session: Session,
    actor: Actor,
    account_no: str,
    provider: str,
    expiry: timedelta,
    *,
    topup: Decimal | None = None,
    wechat_user_id: int | None = None,
    openid: str = "",
) -> OrderView:
    """An order for everything the account owes today, or a top-up of `topup` yuan."""
    if provider not in ORDER_PROVIDERS:
        raise InvalidInput(f"不支持的支付方式「{provider}」")
    account = session.scalar(select(Account).where(Account.account_no == account_no.strip()))
    if account is None:
        raise NotFound(f"户号 {account_no} 不存在")
    now = transaction_time(session)
    bills: list[dict[str, str | int]] = []
    if topup is None:
        items = open_items(session, account.id, till.business_date())
        amount = amount_owed(items)
        if amount <= 0:
            raise Conflict(f"户号 {account.account_no} 当前没有待缴账单")
        # "paid" is the principal paid so far: a callback compares it with what the bill
        # has been paid by then, in one query.
        bills = [
            {
                "bill_id": i.bill_id,
                "period": i.period,
                "owed": str(i.open + i.late_fee),
                "paid": str(i.paid),
            }
            for i in items
        ]
        periods = "、".join(i.period for i in items[:3]) + ("等" if len(items) > 3 else "")
        description = f"水电费 户号{account.account_no} {periods}"
    else:
        amount = money_of(topup, "预存金额")
        description = f"水电费预存 户号{account.account_no}"
    order = PaymentOrder(
        order_no=_new_order_no(now),
        account_id=account.id,
        amount=amount,
        provider=provider,
        bills=bills,
        description=description[:120],
        wechat_user_id=wechat_user_id,
        openid=openid,
        txn_time=now.astimezone(BUSINESS_TZ).strftime("%Y%m%d%H%M%S"),
        actor=actor.label,
        created_at=now,
        expires_at=now + expiry,
        status=ORDER_CREATED,
        prepay_id="",
        trade_no="",
        settled_by="",
        query_count=0,
    )
    session.add(order)
    session.flush()
    audit.record(
        session,
        actor,
        "payment_order.create",
        "payment_order",
        order.id,
        {
            "order_no": order.order_no,
            "account_no": account.account_no,
            "provider": provider,
            "amount": str(amount),
            "bills": bills,
        },
    )
    return view_of(order, account.account_no, account.holder_name, None)


def record_checkout(session: Session, order_no: str, prepay_id: str) -> None:
    """Keep the provider's id of the order (WeChat's prepay_id) once it has answered."""
    if prepay_id:
        session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.order_no == order_no, PaymentOrder.prepay_id == "")
            .values(prepay_id=prepay_id)
        )


def ref_of_order_no(session: Session, order_no: str) -> OrderRef:
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.order_no == order_no))
    if order is None:
        raise NotFound(f"订单 {order_no} 不存在")
    return ref_of(order)


def ref_of(order: PaymentOrder) -> OrderRef:
    return OrderRef(
        order_no=order.order_no,
        amount_fen=fen_of(order.amount),
        description=order.description,
        created_at=order.created_at,
        expires_at=order.expires_at,
        txn_time=order.txn_time,
        openid=order.openid,
    )


def _keep(
    session: Session,
    state: TradeState,
    kind: str,
    detail: str,
    order: PaymentOrder | None,
) -> Settled:
    """Keep the money for staff: one exception per provider trade, however often told."""
    inserted = session.execute(
        insert(PaymentException)
        .values(
            provider=state.provider,
            kind=kind,
            order_id=order.id if order else None,
            order_no=state.order_no[:40],
            trade_no=state.trade_no,
            account_id=order.account_id if order else None,
            amount=state.amount,
            paid_at=state.paid_at,
            detail=detail[:300],
            status=EXC_OPEN,
            resolution="",
            refund_reference="",
            resolved_actor="",
        )
        .on_conflict_do_nothing(constraint="uq_payment_exception_trade")
        .returning(PaymentException.id)
    ).scalar()
    if inserted is None:
        return Settled(DUPLICATE, "该笔交易已在异常列表中")
    if order is not None and order.status in (ORDER_CREATED, ORDER_CLOSED):
        session.execute(
            update(PaymentOrder).where(PaymentOrder.id == order.id).values(status=ORDER_EXCEPTION)
        )
    audit.record(
        session,
        system_actor(state.provider),
        "payment_exception.keep",
        "payment_exception",
        inserted,
        {
            "kind": kind,
            "order_no": state.order_no,
            "trade_no": state.trade_no,
            "amount": str(state.amount),
            "detail": detail,
        },
    )
    return Settled(EXCEPTION, detail, exception_kind=kind)


# Built once: the subqueries of paid_on_bill() cost more to construct than to run.
_PAID_NOW = (
    select(Bill.period, Bill.id, paid_on_bill())
    .where(Bill.id.in_(bindparam("ids", expanding=True)))
    .order_by(Bill.period)
)


def _bills_paid_meanwhile(session: Session, order: PaymentOrder) -> str:
    """Which covered bills have been paid more since the order was made (at a counter,
    or by another order): the order's money would then pay something else."""
    if not order.bills:
        return ""
    paid_then = {int(bill["bill_id"]): Decimal(bill["paid"]) for bill in order.bills}
    rows = session.execute(_PAID_NOW, {"ids": list(paid_then)}).all()
    return "、".join(period for period, bill_id, paid in rows if paid > paid_then[bill_id])


# Built once: every callback asks them.
_THE_ORDER = (
    PaymentOrder.order_no == bindparam("order_no"),
    PaymentOrder.provider == bindparam("provider"),
)
_SEEN = select(PaymentOrder.status, PaymentOrder.trade_no, PaymentOrder.payment_id).where(
    *_THE_ORDER
)
_LOCK_ORDER = (
    select(PaymentOrder, Account.account_no)
    .join(Account, Account.id == PaymentOrder.account_id)
    .where(*_THE_ORDER)
    .with_for_update(of=PaymentOrder)
    .execution_options(populate_existing=True)
)


def settle(session: Session, state: TradeState, source: str) -> Settled:
    """Apply a verified provider's word about one of our orders, exactly once."""
    if not state.paid:
        return Settled(NOT_PAID, f"交易状态 {state.state}，未付款")
    if not state.trade_no:
        return Settled(NOT_PAID, "已付款但缺少支付流水号，等待下一次通知或查询")
    label = provider_label(state.provider)
    # Paid is final for a trade: a repeat of the trade that settled it needs no lock (and
    # does not wait behind one).
    which = {"order_no": state.order_no, "provider": state.provider}
    seen = session.execute(_SEEN, which).first()
    if seen is not None and seen.status == ORDER_PAID and seen.trade_no == state.trade_no:
        return Settled(DUPLICATE, "订单已入账", seen.payment_id)
    locked = session.execute(_LOCK_ORDER, which).first()
    order, account_no = locked if locked is not None else (None, "")
    if order is None:
        return _keep(
            session,
            state,
            EXC_UNKNOWN_ORDER,
            f"{label}交易 {state.trade_no} 的商户订单号 {state.order_no} 不存在",
            None,
        )
    if order.trade_no == state.trade_no and order.status == ORDER_PAID:
        return Settled(DUPLICATE, "订单已入账", order.payment_id)
    if order.status == ORDER_PAID:
        return _keep(
            session,
            state,
            EXC_DOUBLE_PAID,
            f"订单 {order.order_no} 已由交易 {order.trade_no} 付款，又收到交易 {state.trade_no}",
            order,
        )
    if state.amount_fen != fen_of(order.amount):
        return _keep(
            session,
            state,
            EXC_WRONG_AMOUNT,
            f"订单 {order.order_no} 金额 {order.amount} 元，实付 {state.amount} 元",
            order,
        )
    if order.status == ORDER_EXCEPTION:
        return _keep(
            session,
            state,
            EXC_DOUBLE_PAID,
            f"订单 {order.order_no} 已有待处理的异常交易，又收到交易 {state.trade_no}",
            order,
        )
    paid_at = state.paid_at or transaction_time(session)
    if order.status == ORDER_CLOSED or paid_at > order.expires_at:
        when = order.expires_at.astimezone(BUSINESS_TZ)
        return _keep(
            session,
            state,
            EXC_EXPIRED,
            f"订单 {order.order_no} 已于 {when:%Y-%m-%d %H:%M} 过期或关闭后才付款",
            order,
        )
    paid_meanwhile = _bills_paid_meanwhile(session, order)
    if paid_meanwhile:
        return _keep(
            session,
            state,
            EXC_BILL_PAID,
            f"订单 {order.order_no} 所含账单 {paid_meanwhile} 已在其他渠道缴纳",
            order,
        )
    result = take_payment(
        session,
        system_actor(state.provider),
        PaymentRequest(
            account_no=account_no,
            amount=order.amount,
            channel=ONLINE,
            branch_code="",
            reference=state.trade_no,
            bank=label,
            # An order pays at most one payment, whatever trade number comes with it.
            request_key=request_key_of(order.order_no),
        ),
        issue_receipt=False,
    )
    session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.id == order.id)
        .values(
            status=ORDER_PAID,
            trade_no=state.trade_no,
            paid_at=paid_at,
            payment_id=result.payment_id,
            settled_by=source,
        )
    )
    audit.record(
        session,
        system_actor(state.provider),
        "payment_order.paid",
        "payment_order",
        order.id,
        {
            "order_no": order.order_no,
            "trade_no": state.trade_no,
            "amount": str(order.amount),
            "payment_id": result.payment_id,
            "by": source,
        },
    )
    return Settled(APPLIED, f"已入账 {order.amount} 元", result.payment_id)


def exception_label(kind: str) -> str:
    return EXCEPTION_LABELS.get(kind, kind)
