"""Late fees (滞纳金): the policy per customer class, and the fees charged and waived per bill.

Both tables are append-only (migration 0005): a new policy is a new row with its
effective date, a waiver is a negative row pointing at the same bill as its charges.
The rules that compute a fee are in server.services.billing.late_fees.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Money, Name, Timestamp

CHARGE = "charge"
WAIVE = "waive"
# A daily rate of 0.001 is 1‰ a day.
Rate = Numeric(8, 6)


class LateFeePolicy(Base):
    """The row of a class with the latest effective_from on or before a day applies."""

    __tablename__ = "late_fee_policy"
    __table_args__ = (
        CheckConstraint("grace_days >= 0", name="grace_days"),
        CheckConstraint("daily_rate >= 0", name="daily_rate"),
        CheckConstraint("minimum >= 0", name="minimum"),
        CheckConstraint("cap is null or cap >= minimum", name="cap"),
        Index("ix_late_fee_policy_class_from", "customer_class_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_class_id: Mapped[int] = mapped_column(ForeignKey("customer_class.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    enabled: Mapped[bool]
    grace_days: Mapped[int] = mapped_column(Integer)
    daily_rate: Mapped[Decimal] = mapped_column(Rate)
    minimum: Mapped[Money]
    # None: no cap.
    cap: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Timestamp]


class LateFee(Base):
    """A fee charged on a bill up to `accrued_to`, or (negative) a manager's waiver of it."""

    __tablename__ = "late_fee"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'charge' and amount > 0) or (kind = 'waive' and amount < 0)", name="amount"
        ),
        CheckConstraint("kind <> 'waive' or btrim(reason) <> ''", name="reason"),
        CheckConstraint("days >= 0", name="days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Money]
    # Accrual of the bill restarts from this day (exclusive).
    accrued_to: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    rate: Mapped[Decimal] = mapped_column(Rate)
    # The open principal the fee was computed on.
    basis: Mapped[Money]
    reason: Mapped[str] = mapped_column(String(200), default="")
    # The payment whose taking charged it (None for the charge a waiver settles first).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[Name]
    created_at: Mapped[Timestamp]
