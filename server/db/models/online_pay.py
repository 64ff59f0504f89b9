"""Online payment (在线支付, migration 0009): orders sent to WeChat Pay or UnionPay, the log
of every callback and query answer, the callbacks kept for a staff decision, and the
providers' daily statements for reconciliation (对账).

`payment_order` is a state row, but only its outcome columns may change (md_append_only
with those columns): the account, amount and bills of an order are fixed once it has been
sent to a provider, since the provider charges exactly what it was sent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Name, Timestamp

WECHAT = "wechat"
UNIONPAY = "unionpay"
# The merchants that move real money and send daily statements.
PROVIDERS = (WECHAT, UNIONPAY)
# The sandbox of `meterdesk demo` (migration 0011): orders and callbacks like the others',
# no money and no statement.
DEMO = "demo"
ORDER_PROVIDERS = (*PROVIDERS, DEMO)
PROVIDER_LABELS = {WECHAT: "微信支付", UNIONPAY: "银联在线", DEMO: "演示支付"}

ORDER_CREATED = "created"
ORDER_PAID = "paid"
ORDER_CLOSED = "closed"
ORDER_EXCEPTION = "exception"
ORDER_STATUS_LABELS = {
    ORDER_CREATED: "待支付",
    ORDER_PAID: "已支付",
    ORDER_CLOSED: "已关闭",
    ORDER_EXCEPTION: "待人工处理",
}

EXC_EXPIRED = "expired"
EXC_BILL_PAID = "bill_paid"
EXC_WRONG_AMOUNT = "wrong_amount"
EXC_UNKNOWN_ORDER = "unknown_order"
EXC_DOUBLE_PAID = "double_paid"
EXCEPTION_LABELS = {
    EXC_EXPIRED: "订单已过期后付款",
    EXC_BILL_PAID: "账单已在其他渠道缴清",
    EXC_WRONG_AMOUNT: "金额与订单不符",
    EXC_UNKNOWN_ORDER: "找不到对应订单",
    EXC_DOUBLE_PAID: "同一订单重复付款",
}
EXC_OPEN = "open"
EXC_CREDITED = "credited"
EXC_REFUNDED = "refunded"
EXC_STATUS_LABELS = {EXC_OPEN: "待处理", EXC_CREDITED: "已入账（预存）", EXC_REFUNDED: "已退款"}


class PaymentOrder(Base):
    """One order sent to one provider; `order_no` is its out_trade_no / orderId."""

    __tablename__ = "payment_order"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("provider in ('wechat', 'unionpay', 'demo')", name="provider"),
        CheckConstraint("status in ('created', 'paid', 'closed', 'exception')", name="status"),
        CheckConstraint("status <> 'paid' or payment_id is not null", name="paid"),
        # The active query looks for orders still waiting, oldest first.
        Index(
            "ix_payment_order_waiting", "created_at", postgresql_where=text("status = 'created'")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[Money]
    provider: Mapped[str] = mapped_column(String(10))
    # [{"bill_id": 1, "period": "2026-09", "owed": "40.00"}, …]; [] for a top-up (预存)
    bills: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    description: Mapped[str] = mapped_column(String(120))
    wechat_user_id: Mapped[int | None] = mapped_column(ForeignKey("wechat_user.id"))
    openid: Mapped[str] = mapped_column(String(64), default="")
    # UnionPay queries an order by orderId and the txnTime it was sent with.
    txn_time: Mapped[str] = mapped_column(String(14), default="")
    actor: Mapped[Name]
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default=ORDER_CREATED)
    prepay_id: Mapped[str] = mapped_column(String(64), default="")
    trade_no: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), unique=True)
    settled_by: Mapped[str] = mapped_column(String(10), default="")
    last_queried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    query_count: Mapped[int] = mapped_column(Integer, default=0)


class PaymentNotification(Base):
    """Every callback received and every query answer, verified or not, as it arrived."""

    __tablename__ = "payment_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    # 'notify' (the provider called us) or 'query' (we asked it)
    source: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[Timestamp]
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    body: Mapped[str] = mapped_column(Text)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    verified: Mapped[bool] = mapped_column(Boolean)
    order_no: Mapped[str] = mapped_column(String(40), default="", index=True)
    trade_no: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300), default="")


class PaymentException(Base):
    """Money received that was not applied: kept until staff credit it or refund it."""

    __tablename__ = "payment_exception"
    __table_args__ = (
        # A provider's trade is kept once however often its callback comes back.
        UniqueConstraint("provider", "trade_no", name="uq_payment_exception_trade"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("status in ('open', 'credited', 'refunded')", name="status"),
        CheckConstraint("status <> 'credited' or payment_id is not null", name="credited"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_order.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(40))
    trade_no: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    amount: Mapped[Money]
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(10), default=EXC_OPEN)
    resolution: Mapped[str] = mapped_column(String(200), default="")
    refund_reference: Mapped[str] = mapped_column(String(64), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    resolved_actor: Mapped[str] = mapped_column(String(120), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))


class PaymentStatement(Base):
    """A provider's daily statement file as imported (one file once)."""

    __tablename__ = "payment_statement"
    __table_args__ = (UniqueConstraint("provider", "sha256", name="uq_payment_statement_file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    line_count: Mapped[int] = mapped_column(Integer)
    actor: Mapped[Name]
    imported_at: Mapped[Timestamp]


class PaymentStatementLine(Base):
    """One transaction of a statement; `amount` is what the provider says it took."""

    __tablename__ = "payment_statement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("payment_statement.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    trade_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trade_no: Mapped[str] = mapped_column(String(64), index=True)
    order_no: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Money]
    state: Mapped[str] = mapped_column(String(20))
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
