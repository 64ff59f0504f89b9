"""Customer classes and billing accounts (户号)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import Base, Code, Money, Name, Timestamp
from server.db.models.org import Building, Campus

PREPAID = "prepaid"
POSTPAID = "postpaid"


class CustomerClass(Base):
    """居民 resident, 集体宿舍 dormitory, 单位 unit, and any the desk adds (商户, 教职工…)."""

    __tablename__ = "customer_class"
    __table_args__ = (
        CheckConstraint("deposit >= 0", name="deposit"),
        CheckConstraint(
            "grace_hours >= 0 and (warn_below is null or cutoff_below is null"
            " or warn_below >= cutoff_below)",
            name="control",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name] = mapped_column(unique=True)
    max_bindings: Mapped[int]
    # The deposit (押金) charged at move-in; 0: none.
    deposit: Mapped[Money] = mapped_column(default=Decimal("0.00"), server_default=text("0"))
    # Prepaid control (费控): a prepaid account below `cutoff_below` is warned and switched
    # off `grace_hours` later; below `warn_below` only warned. None: not switched / warned.
    cutoff_below: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    warn_below: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    grace_hours: Mapped[int] = mapped_column(default=24, server_default=text("24"))


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (CheckConstraint("billing_mode in ('prepaid', 'postpaid')", name="mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[Name]
    customer_class_id: Mapped[int] = mapped_column(ForeignKey("customer_class.id"))
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(20), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    billing_mode: Mapped[str] = mapped_column(String(10), default=POSTPAID)
    # Kept in step with account_ledger under the account's row lock.
    balance: Mapped[Money] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    active: Mapped[bool] = mapped_column(default=True)
    # The deposit held (押金), apart from the balance; in step with deposit_ledger.
    deposit: Mapped[Money] = mapped_column(default=Decimal("0.00"), server_default=text("0"))
    # Set by a move-out (退房结算): the account is billed no more; closing follows.
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[Timestamp]

    customer_class: Mapped[CustomerClass] = relationship(lazy="raise")
    campus: Mapped[Campus] = relationship(lazy="raise")
    building: Mapped[Building | None] = relationship(lazy="raise")


class AccountLedgerEntry(Base):
    """Append-only movements of an account's balance.

    Kinds: opening, bill (a prepaid bill's draw), payment (what a payment left over after its
    bills: credit or a prepaid top-up), reversal (that credit taken back by a void),
    credit_used (a postpaid bill drawing that credit, bill_id set), credit_returned (a void
    giving drawn credit back from a bill, bill_id set), credit_note (what a cancelled bill had
    been paid, given to the balance, bill_id set), adjustment (a credit adjustment, 调账),
    refund (credit paid back, 退款) and deposit_release (the deposit given to the balance at
    move-out).
    """

    __tablename__ = "account_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Checked by a statement-level trigger (see server/db/models/billing.py).
    account_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Money]
    balance_after: Mapped[Money]
    bill_id: Mapped[int | None]
    # The payment whose unallocated rest (credit) or void this entry records.
    payment_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]
