"""Counter collection: payments (收款), their allocations to bills, receipts (收据), voids.

Every table here is append-only (triggers of migration 0003): a void is a `receipt_void`
row plus negative allocation rows, a reprint is a `receipt_reprint` row. Payments are
written one at a time, so plain foreign keys check their references.

A payment points at nothing it is followed by; its receipt points back at it
(`receipt.payment_id`, unique), so both rows are written once and never updated.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Name, Timestamp

CASH = "cash"
CHEQUE = "cheque"
TRANSFER = "transfer"
ONLINE = "online"
CHANNELS = (CASH, CHEQUE, TRANSFER, ONLINE)
CHANNEL_LABELS = {CASH: "现金", CHEQUE: "支票", TRANSFER: "网银转账", ONLINE: "在线支付"}


class DocumentCounter(Base):
    """The last number issued in a series, per branch and year (Tryton's strict sequence).

    Bumped with UPDATE … RETURNING inside the transaction that issues the document: the
    row lock serializes counters, and a rollback takes the number back with it.
    """

    __tablename__ = "document_counter"
    __table_args__ = (
        PrimaryKeyConstraint("series", "branch_id", "year"),
        CheckConstraint("last_value >= 0", name="last_value"),
    )

    series: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("channel in ('cash', 'cheque', 'transfer', 'online')", name="channel"),
        CheckConstraint("tendered is null or tendered >= amount", name="tendered"),
        CheckConstraint('"change" is null or "change" >= 0', name="change"),
        CheckConstraint("branch_id is not null or channel = 'online'", name="branch"),
        # A cheque number (per bank) or a bank serial registers once: the service inserts
        # with ON CONFLICT on this index, so a repeat or a racing counter writes nothing.
        Index(
            "uq_payment_reference",
            "channel",
            "bank",
            "reference",
            unique=True,
            postgresql_where=text("reference <> ''"),
        ),
        # A client's key for one payment, the same on every retry of it (migration 0023):
        # a retry after a lost acknowledgement finds the payment instead of paying twice.
        Index(
            "uq_payment_request_key",
            "request_key",
            unique=True,
            postgresql_where=text("request_key is not null"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[Money]
    channel: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(64), default="")
    bank: Mapped[str] = mapped_column(String(60), default="")
    # None only for an online payment (migration 0009): it arrives at no counter.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The till of the clerk who took it (migration 0004); None for online and system payments.
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_session.id"), index=True)
    # Cash only: what the payer handed over and the change given back.
    tendered: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    change: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[Timestamp]
    request_key: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Allocation(Base):
    """Money of a payment put on a bill; a void adds the same amount negated.

    `late_fee` tells money put on the bill's late fee (滞纳金, migration 0005) from money put
    on its principal.
    """

    __tablename__ = "allocation"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    amount: Mapped[Money]
    void_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_void.id"))
    late_fee: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[Timestamp]


class Receipt(Base):
    """One per payment. Copies what it shows, so a reprint years later shows the same."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(48), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    branch_name: Mapped[Name]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[Name]
    address: Mapped[str] = mapped_column(String(200))
    # [{"period": "2026-09", "description": "电费", "amount": "40.00"}, …]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    total: Mapped[Money]
    channel: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(64))
    bank: Mapped[str] = mapped_column(String(60))
    clerk: Mapped[Name]
    tendered: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    change: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReceiptVoid(Base):
    """冲正/作废: the receipt stays; this row says who voided it, when and why."""

    __tablename__ = "receipt_void"
    __table_args__ = (CheckConstraint("btrim(reason) <> ''", name="reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[Name]
    created_at: Mapped[Timestamp]


class ReceiptReprint(Base):
    """重打: one row per reprint, so the count and who reprinted are both kept."""

    __tablename__ = "receipt_reprint"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[Name]
    created_at: Mapped[Timestamp]
