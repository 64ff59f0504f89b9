"""The money's way back: credit notes (红字冲销), adjustments (调账), refunds (退款) and
deposit movements (押金), each an append-only document (migration 0012) that points at
what it corrects, with who, when and why.

Office documents (credit notes, adjustments) are numbered per series and year by
`OfficeCounter`; refunds are paid out at a counter and numbered per branch and year by
`DocumentCounter`, like receipts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Name, Timestamp

REBILL = "rebill"
CANCEL = "cancel"
REFUND_CHANNELS = ("cash", "transfer")


class OfficeCounter(Base):
    """The last number of an office series in a year (see DocumentCounter)."""

    __tablename__ = "office_counter"
    __table_args__ = (
        PrimaryKeyConstraint("series", "year"),
        CheckConstraint("last_value >= 0", name="last_value"),
    )

    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer)


class CreditNote(Base):
    """红字冲销: a bill cancelled, every line negated; a rebill names the replacement.

    `total` is the cancelled bill's total negated: below zero, except for a credit bill (an
    estimate trued up below zero), whose cancel charges its credit back.

    `paid_moved` is what the cancelled bill had been paid (allocations and balance drawn),
    given to the account balance, from which the replacement or other open bills draw.
    """

    __tablename__ = "credit_note"
    __table_args__ = (
        CheckConstraint("kind in ('rebill', 'cancel')", name="kind"),
        CheckConstraint("btrim(reason) <> ''", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), unique=True)
    replacement_bill_id: Mapped[int | None] = mapped_column(ForeignKey("bill.id"))
    period: Mapped[str] = mapped_column(String(7))
    total: Mapped[Money]
    # The cancelled bill's lines negated: [{"kind", "component", "usage", "amount", "note"}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    paid_moved: Mapped[Money]
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[Name]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]


class Adjustment(Base):
    """调账: a debit (amount > 0, owed through its own bill of kind 'adjustment') or a
    credit (amount < 0, given to the account balance)."""

    __tablename__ = "adjustment"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount"),
        CheckConstraint("btrim(reason) <> ''", name="reason"),
        CheckConstraint("(amount > 0) = (bill_id is not null)", name="debit_bill"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_no: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[Money]
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bill.id"))
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[Name]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]


class Refund(Base):
    """退款: credit paid back to the holder in cash (from the clerk's till) or by transfer.

    Copies what its paper form shows, like a receipt.
    """

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("channel in ('cash', 'transfer')", name="channel"),
        CheckConstraint("channel <> 'cash' or till_session_id is not null", name="till"),
        Index(
            "uq_refund_reference",
            "channel",
            "reference",
            unique=True,
            postgresql_where=text("reference <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_no: Mapped[str] = mapped_column(String(48), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[Name]
    address: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Money]
    channel: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(64), default="", server_default="")
    bank: Mapped[str] = mapped_column(String(60), default="", server_default="")
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    branch_name: Mapped[Name]
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_session.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    clerk: Mapped[Name]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[Name]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[Timestamp]


class DepositLedgerEntry(Base):
    """Movements of the deposit held (押金), apart from the balance.

    Kinds: paid (a payment put on a deposit bill), reversed (that payment voided), released
    (given to the balance at move-out, to be set against what is owed or refunded).
    """

    __tablename__ = "deposit_ledger"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount"),
        CheckConstraint("held_after >= 0", name="held_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Money]
    held_after: Mapped[Money]
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bill.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[Timestamp]
